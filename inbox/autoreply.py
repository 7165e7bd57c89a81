"""Automatic answers: JADWAL (the election stage now and next), INFO (the office and its portal), and outside office
hours a note saying when staff will answer. BERHENTI/MULAI are handled by broadcasts.keywords before this."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from broadcasts.services import send_direct
from elections.selectors import current_and_next
from inbox.models import Message
from inbox.workdays import next_working_moment

OUT_OF_HOURS_EVERY = timedelta(hours=12)   # one "we will answer on …" per conversation in this time


def schedule_text(office) -> str:
    now_next = current_and_next(office)
    lines = [_("Tahapan pemilihan untuk wilayah %(office)s:") % {"office": office.name}]
    if now_next.running:
        lines.append(_("Sedang berlangsung:"))
        lines += [f"• {s.name} ({s.election.name}), {_('sampai')} {date_format(s.ends_on, 'j F Y')}"
                  for s in now_next.running[:5]]
    if now_next.upcoming:
        lines.append(_("Berikutnya:"))
        lines += [f"• {s.name} ({s.election.name}), {_('mulai')} {date_format(s.starts_on, 'j F Y')}"
                  for s in now_next.upcoming[:5]]
    if not now_next.running and not now_next.upcoming:
        lines.append(_("Belum ada tahapan terjadwal."))
    lines.append(settings.SITE_URL + reverse("portal:schedule", args=[office.slug]))
    return "\n".join(lines)


def info_text(office) -> str:
    return _("%(office)s. Informasi pemilihan, jadwal tahapan dan klarifikasi: %(url)s. Balas JADWAL untuk tahapan "
             "saat ini, atau tulis pertanyaan Anda: staf kami akan menjawab.") % {
        "office": office.name, "url": settings.SITE_URL + reverse("portal:office_home", args=[office.slug])}


def _send(conversation, channel, recipient: str, text: str) -> None:
    delivery = send_direct(channel=channel, recipient=recipient, text=text, member=conversation.member,
                           audit_action="conversation.auto_replied")
    Message.objects.create(conversation=conversation, direction=Message.Direction.OUTBOUND, channel=channel,
                           delivery=delivery, text=text, created_at=timezone.now())


def _recipient(message) -> str:
    return message.inbound.sender.partition(":")[2]


def answer_schedule(*, conversation, message, channel, created: bool) -> bool:
    """JADWAL: the running and next election stages of the sender's office."""
    with override("id"):
        _send(conversation, channel, _recipient(message), schedule_text(conversation.office))
    return True


def answer_info(*, conversation, message, channel, created: bool) -> bool:
    """INFO: who this is and where to read more."""
    with override("id"):
        _send(conversation, channel, _recipient(message), info_text(conversation.office))
    return True


def out_of_hours(*, conversation, message, channel, created: bool) -> None:
    """What an ordinary message gets when no command answered it: outside office hours, when staff will reply."""
    office = conversation.office
    recipient = _recipient(message)
    with override("id"):
        if not office.out_of_hours_reply:
            return
        now = timezone.now()
        opens = next_working_moment(now, office.timezone, office.office_hours_start, office.office_hours_end)
        if opens <= now:
            return
        already = conversation.messages.filter(direction=Message.Direction.OUTBOUND, author__isnull=True,
                                               text__startswith=_("Terima kasih, pesan Anda sudah kami terima"),
                                               created_at__gte=now - OUT_OF_HOURS_EVERY).exists()
        if already:
            return
        text = _("Terima kasih, pesan Anda sudah kami terima (nomor %(number)s). Staf %(office)s akan menjawab pada "
                 "jam layanan: %(when)s %(zone)s.") % {
            "number": conversation.tracking_number, "office": office.name, "zone": office.zone_label,
            "when": date_format(opens, "l, j F Y H.i")}
        _send(conversation, channel, recipient, text)
