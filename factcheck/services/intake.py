"""Reports from the inbox: the CEK command, a tipline's every message, and the pictures that arrive after."""

import logging
import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from factcheck.models import Claim, Report
from factcheck.services._common import OPEN
from factcheck.services.reports import _enqueue_ocr, _open_claim, submit_report

logger = logging.getLogger(__name__)


# "CEK" as the word people are told to type (in capitals), "cek fakta", "#cek" or "/cek" in any case; a lower-case
# "cek …" only alone, on a forwarded message or as a picture's caption: "Cek DPT saya di mana?" is a question for
# the inbox, not a report.
CEK = re.compile(r"^\s*(?:(?i:[#/]cek(?:\s*fakta)?\b|cek\s*fakta\b)|CEK(?:[\s-]*(?i:fakta))?\b)[\s:.,!-]*")
CEK_ANY_CASE = re.compile(r"^\s*cek\b[\s:.,!-]*", re.IGNORECASE)
CEK_LOOKBACK = timedelta(minutes=30)


def _cek_command(message) -> re.Match | None:
    text = message.text or ""
    command = CEK.match(text)
    loose = CEK_ANY_CASE.match(text) if command is None else None
    if loose and (message.forwarded or message.media_status or not text[loose.end():].strip()):
        command = loose
    return command


def take_command(*, conversation, message, channel, created: bool) -> bool:
    """The CEK command (and a tipline's every message) in the inbound command table."""
    return take_inbox_message(message=message, channel=channel)


def take_inbox_message(*, message, channel) -> bool:
    """An inbound message that is a hoax report: anything sent to a tipline channel, or "CEK <message>" (CEK alone
    reports the person's previous message, e.g. the chain message they forwarded just before). True when taken.
    A message that cannot be a report (nothing in it to check) stays an ordinary inbox message."""
    from inbox.models import Message

    text = message.text or ""
    command = _cek_command(message)
    if not channel.tipline and command is None:
        return False
    try:
        if command is None:
            if not text.strip() and not message.media_status:
                return False   # a reaction, a contact card: nothing to check
            report_from_message(message=message, source=Report.Source.TIPLINE)
            return True
        rest = text[command.end():].strip()
        if rest or message.media_status:
            report_from_message(message=message, source=Report.Source.KEYWORD, text=rest)
            return True
        previous = (message.conversation.messages.filter(
            direction=Message.Direction.INBOUND, created_at__gte=message.created_at - CEK_LOOKBACK,
            created_at__lte=message.created_at).exclude(pk=message.pk).order_by("-created_at", "-pk").first())
        if previous is not None and (previous.text.strip() or previous.media_status):
            already = Report.objects.filter(message=previous).first()
            if already is not None:   # on a tipline the forwarded message already was a report
                if already.status == Report.Status.QUEUED:
                    _acknowledge(already)
            else:
                report_from_message(message=previous, source=Report.Source.KEYWORD)
            return True
    except ValidationError:
        logger.info("inbox message %s not taken as a report: nothing to check", message.pk)
        return False
    from inbox.services import send_automatic

    with override("id"):
        help_text = _("Untuk memeriksa kabar yang beredar, teruskan pesannya ke nomor ini lalu kirim CEK, atau tulis "
                      "CEK diikuti isi pesannya.")
    send_automatic(conversation=message.conversation, text=help_text, audit_action="factcheck.help_sent")
    return True


def report_from_message(*, message, source: str, actor=None, text: str | None = None) -> Report:
    """An inbox message (or, for CEK alone, the message before it) as a report; the reporter is told its number."""
    from inbox.models import Message

    conversation = message.conversation
    report = submit_report(
        office=conversation.office, source=source, text=message.text if text is None else text, actor=actor,
        reporter=conversation.member, conversation=conversation, message=message, channel=message.channel,
        forwarded=message.forwarded, frequently_forwarded=message.frequently_forwarded,
        media_follows=bool(message.media_status))
    if message.media_status == Message.MediaStatus.STORED and message.media_mime_type.startswith("image/"):
        with message.media.open("rb") as handle:
            attach_message_image(message=message, content=handle.read())
        report.refresh_from_db()
    if report.status == Report.Status.QUEUED:
        _acknowledge(report)
    return report


def _acknowledge(report: Report) -> None:
    from inbox.services import send_automatic

    with override("id"):
        text = _("Terima kasih, laporan Anda kami terima dengan nomor %(number)s dan sedang diperiksa. Anda akan "
                 "mendapat kabar di sini setelah klarifikasinya terbit.") % {"number": report.tracking_number}
    send_automatic(conversation=report.conversation, text=text, audit_action="factcheck.report_acknowledged")


def attach_message_image(*, message, content: bytes) -> None:
    """A screenshot a report came with, fetched by the worker after the report was filed: hashed (and read, where
    OCR is installed) so the next copy of the same picture finds the claim."""
    from factcheck import images

    reports = list(Report.objects.filter(message=message, image_hash=""))
    if not reports:
        return
    try:
        image = images.open_image(content)
    except images.NotAnImage:
        return
    image_hash = images.perceptual_hash(image)
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(image_hash=image_hash, media=message.media.name)
    for report in reports:
        _join_claim_of_same_picture(report, image_hash)
    if images.ocr_available():
        for report in reports:
            transaction.on_commit(lambda pk=report.pk: _enqueue_ocr(pk))


def _join_claim_of_same_picture(report: Report, image_hash: str) -> None:
    """A report that started a claim of its own before its picture arrived joins the open claim that already has
    the same picture; its own claim, now empty, is closed as merged."""
    from factcheck.images import SAME_IMAGE_DISTANCE, hash_distance

    if report.claim_id is None or Report.objects.filter(claim_id=report.claim_id).exclude(pk=report.pk).exists():
        return
    others = (Report.objects.filter(office_id=report.office_id, claim__status__in=OPEN).exclude(image_hash="")
              .exclude(claim_id=report.claim_id).order_by("-pk").values_list("image_hash", "claim_id")[:5000])
    target = next((claim_id for other, claim_id in others if hash_distance(image_hash, other) <= SAME_IMAGE_DISTANCE),
                  None)
    if target is None:
        return
    with transaction.atomic():
        if _open_claim(target) is None:   # published or merged a moment ago: the report stays where it is
            return
        Report.objects.filter(pk=report.pk).update(claim_id=target, match_score=100)
        Claim.objects.filter(pk=target).update(
            report_count=F("report_count") + 1,
            forwarded_many_count=F("forwarded_many_count") + int(report.frequently_forwarded),
            last_reported_at=report.created_at)
        Claim.objects.filter(pk=report.claim_id).update(status=Claim.Status.DONE, resolution=Claim.Resolution.MERGED,
                                                        merged_into_id=target, report_count=0, forwarded_many_count=0,
                                                        updated_at=timezone.now())
