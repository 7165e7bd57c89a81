"""Every write to cek fakta. Keyword-only, validated, transactional, audited.

One module per part of the workflow: reports (filed and matched), intake (from the inbox), claims, clarifications,
corrections (and withdrawals), notices (to reporters), settings (and imports). Callers use the names below.
"""

from factcheck.services._common import MAX_MEDIA_BYTES, MAX_TEXT
from factcheck.services.claims import (
    add_claim_note,
    answer_claim_with,
    assign_claim,
    assign_claims,
    dismiss_claims,
    merge_claims,
    start_verification,
    update_claim,
)
from factcheck.services.clarifications import (
    broadcast_clarification,
    publish_clarification,
    return_clarification,
    save_clarification,
    submit_clarification,
)
from factcheck.services.corrections import (
    approve_change,
    propose_correction,
    propose_withdrawal,
    reject_change,
)
from factcheck.services.intake import attach_message_image, report_from_message, take_command, take_inbox_message
from factcheck.services.notices import notice_text, notify, public_url
from factcheck.services.reports import attach_ocr_text, erase_member_reports, refile, submit_report
from factcheck.services.settings import import_external, update_settings

__all__ = [
    "MAX_MEDIA_BYTES",
    "MAX_TEXT",
    "add_claim_note",
    "answer_claim_with",
    "approve_change",
    "assign_claim",
    "assign_claims",
    "attach_message_image",
    "attach_ocr_text",
    "broadcast_clarification",
    "dismiss_claims",
    "erase_member_reports",
    "import_external",
    "merge_claims",
    "notice_text",
    "notify",
    "propose_correction",
    "propose_withdrawal",
    "public_url",
    "publish_clarification",
    "refile",
    "reject_change",
    "report_from_message",
    "return_clarification",
    "save_clarification",
    "start_verification",
    "submit_clarification",
    "submit_report",
    "take_command",
    "take_inbox_message",
    "update_claim",
    "update_settings",
]
