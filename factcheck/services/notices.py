"""Notices to reporters: the answer, and later its correction or withdrawal, once per person."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from channels import window
from factcheck import selectors
from factcheck.models import Clarification, Notice, Report


def public_url(clarification: Clarification) -> str:
    if clarification.is_external:
        return clarification.external_url
    return settings.SITE_URL + reverse("factcheck_public:clarification",
                                       args=[clarification.office.slug, clarification.slug])


def notice_text(clarification: Clarification, kind: str, *, tracking_number: str) -> str:
    verdict = clarification.get_verdict_display().upper()
    source = f" ({clarification.external_publisher})" if clarification.is_external else ""
    head = {
        Notice.Kind.ANSWER: _("Hasil cek fakta"),
        Notice.Kind.CORRECTION: _("Koreksi hasil cek fakta"),
        Notice.Kind.WITHDRAWAL: _("Klarifikasi ditarik"),
    }[kind]
    number = f" {tracking_number}" if tracking_number else ""
    if kind == Notice.Kind.WITHDRAWAL:
        return _("%(head)s%(number)s: “%(claim)s”. %(reason)s Laporan Anda kami periksa kembali.") % {
            "head": head, "number": number, "claim": clarification.claim_reviewed[:200],
            "reason": clarification.withdrawn_reason}
    return f"{head}{number}: *{verdict}*{source}\n“{clarification.claim_reviewed[:200]}”\n" \
           f"{clarification.summary}\n{public_url(clarification)}"


def _enqueue_notices(clarification_id: int, kind: str, report_ids: list[int] | None, *,
                     per_report: bool = False) -> None:
    from factcheck.tasks import notify_reporters

    notify_reporters.enqueue(clarification_id, kind, report_ids, per_report)


def _recipient_key(report: Report) -> str:
    if report.conversation_id:
        return f"member:{report.conversation.member_id}"
    if report.reporter_id:
        return f"member:{report.reporter_id}"
    return report.notify_address


def notify(*, clarification_id: int, kind: str, report_ids: list[int] | None = None, per_report: bool = False) -> int:
    """Tell each reporter once (per clarification, revision and kind; a person who reported twice gets one
    message). Corrections and withdrawals go to everyone told before. Safe to run twice: the Notice row is the
    guard. `per_report`: the answer to one new report, sent even to someone told before (they asked again).
    Returns how many were handed to a channel."""
    clarification = Clarification.objects.select_related("office").get(pk=clarification_id)
    if kind == Notice.Kind.ANSWER:
        if clarification.status != Clarification.Status.PUBLISHED:
            return 0
        reports = Report.objects.filter(answered_with=clarification)
        if report_ids is not None:
            reports = reports.filter(pk__in=report_ids)
    else:
        told = Notice.objects.filter(clarification=clarification, kind=Notice.Kind.ANSWER,
                                     status=Notice.Status.QUEUED).values_list("report_id", flat=True)
        reports = Report.objects.filter(pk__in=told)
    sent = 0
    revision = clarification.revision if kind != Notice.Kind.WITHDRAWAL else 0
    for report in reports.select_related("conversation", "conversation__member", "office").order_by("pk"):
        key = _recipient_key(report)
        if key and per_report:
            key = f"{key}#{report.tracking_number}"[:254]
        if not key:
            continue   # a portal report without a contact: the reporter looks the number up
        try:
            with transaction.atomic():
                notice = Notice.objects.create(clarification=clarification, report=report, recipient_key=key,
                                               kind=kind, revision=revision, status=Notice.Status.QUEUED)
                notice.delivery, reason = _send_notice(report, clarification, kind)
                if notice.delivery is None:
                    notice.status, notice.reason = Notice.Status.UNREACHABLE, reason[:300]
                notice.save(update_fields=["delivery", "status", "reason"])
        except IntegrityError:
            continue   # this person was already told
        sent += notice.status == Notice.Status.QUEUED
    return sent


def _send_notice(report: Report, clarification: Clarification, kind: str):
    from broadcasts.audience import usable_channels
    from broadcasts.services import send_direct
    from inbox.services import send_automatic

    config = selectors.office_settings(report.office)
    with override("id"):
        text = notice_text(clarification, kind, tracking_number=report.tracking_number)
        parameters = [clarification.get_verdict_display(), public_url(clarification)]
        if report.conversation_id:
            message, reason = send_automatic(
                conversation=report.conversation, text=text, template=config.notice_template,
                template_parameters=parameters, audit_action="factcheck.reporter_notified")
            return (message.delivery if message else None), reason
        kind_, _sep, value = report.notify_address.partition(":")
        channel = usable_channels(report.office).get(kind_)
        if channel is None:
            return None, _("Satker tidak punya kanal aktif untuk alamat ini.")
        choice = window.free_text_or_template(channel=channel, window_open=value in window.open_for(channel, {value}),
                                              template=config.notice_template)
        if choice.refused:
            return None, _("Pelapor belum menulis ke nomor ini dalam 24 jam dan belum ada templat pemberitahuan.")
        template = choice.template
        delivery = send_direct(channel=channel, recipient=value, text=text, template=template,
                               template_parameters=parameters if template else (),
                               audit_action="factcheck.reporter_notified")
        return delivery, ""
