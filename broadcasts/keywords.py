"""BERHENTI/STOP and MULAI/START on every two-way channel: opt out or back in, with a consent record and a reply."""

import zoneinfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from broadcasts.services import send_direct
from members import services as member_services
from members.models import Address, Consent, Purpose

STOP_WORDS = {"BERHENTI", "STOP", "UNSUBSCRIBE", "BERHENTI LANGGANAN", "/STOP"}
START_WORDS = {"MULAI", "START", "LANGGANAN", "/START"}


def connect_handle(*, channel, message) -> None:
    """Staff recorded "@username"; a bot can only write to the numeric chat of someone who wrote to it first.
    When that person writes, their address becomes the chat id, so broadcasts reach them from now on."""
    if not message.sender_handle:
        return
    kind, _sep, value = message.sender.partition(":")
    if Address.objects.filter(office=channel.office, kind=kind, value=value).exists():
        return
    for address in Address.objects.filter(office=channel.office, kind=kind, value=message.sender_handle):
        member_services.connect_address(actor=None, address=address, value=value,
                                        note=f"{message.sender_handle} via {channel.name}")


def handle(*, channel, message) -> None:
    kind, _sep, value = message.sender.partition(":")
    addresses = list(Address.objects.filter(office=channel.office, kind=kind, value=value).select_related("member"))
    with override("id"):
        # Readable proof: what was sent, where and when in the office's zone, and the stored message it came in.
        when = timezone.localtime(message.sent_at, zoneinfo.ZoneInfo(channel.office.timezone))
        evidence = _("Pesan “%(word)s” lewat kanal %(channel)s, %(when)s %(zone)s (pesan masuk #%(pk)s)") % {
            "word": message.text.strip()[:20], "channel": channel.name,
            "when": date_format(when, "j F Y H.i"), "zone": channel.office.zone_label, "pk": message.pk}
        if message.keyword == "stop":
            for address in addresses:
                if not address.opted_out:
                    member_services.set_opt_out(actor=None, address=address, opted_out=True, note=evidence)
                member_services.withdraw_consent(actor=None, address=address, purposes=[Purpose.DISSEMINATION],
                                                 note=evidence)
            reply = _("Anda tidak akan menerima siaran Bakohumas %(office)s lagi. Kirim MULAI bila ingin "
                      "menerimanya kembali.") % {"office": channel.office.name}
        else:
            for address in addresses:
                if address.opted_out:
                    member_services.set_opt_out(actor=None, address=address, opted_out=False, note=evidence)
                member_services.give_consent(actor=None, address=address, purposes=[Purpose.DISSEMINATION],
                                             method=Consent.Method.KEYWORD, evidence=evidence)
            if addresses:
                reply = _("Terima kasih. Anda kembali menerima siaran Bakohumas %(office)s. Kirim BERHENTI untuk "
                          "berhenti kapan saja.") % {"office": channel.office.name}
            else:
                reply = _("Alamat Anda (%(address)s) belum terdaftar di forum Bakohumas %(office)s. Sampaikan alamat "
                          "ini kepada humas KPU agar didaftarkan.") % {"address": value, "office": channel.office.name}
    member = addresses[0].member if addresses else None
    send_direct(channel=channel, recipient=value, text=reply, member=member,
                address=addresses[0] if addresses else None, audit_action="message.keyword_reply")
