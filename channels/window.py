"""The one rule for a provider's customer-service window, and the one choice "free text or template" that follows.

WhatsApp lets a business send free text only within 24 hours after the person last wrote; outside it only an
approved template. Telegram and e-mail have no such window. Broadcasts, staff replies, automatic answers and
fact-check notices all ask here, so the rule lives in one place.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import Channel, InboundMessage, Template


def _inbound(channel: Channel):
    return InboundMessage.objects.filter(channel=channel, sent_at__gte=timezone.now() - channel.provider.session_window)


def open_since(channel: Channel, last_inbound_at: datetime | None) -> bool:
    """Free text allowed, given when the person last wrote on this channel (None: never)."""
    window = channel.provider.session_window
    if window is None:
        return True
    return last_inbound_at is not None and last_inbound_at >= timezone.now() - window


def open_for(channel: Channel, addresses) -> set[str]:
    """Which of these addresses (without their kind) may get free text now: all of them where there is no window."""
    addresses = set(addresses)
    if channel.provider.session_window is None:
        return addresses
    kind = channel.provider.address_kinds[0]
    senders = {f"{kind}:{a}" for a in addresses}
    recent = _inbound(channel).filter(sender__in=senders).values_list("sender", flat=True)
    return {sender.split(":", 1)[1] for sender in recent}


def senders_in_window(channel: Channel) -> set[str]:
    """Every address that wrote inside the window (for counting a whole audience without a huge IN list)."""
    if channel.provider.session_window is None:
        return set()
    return {sender.split(":", 1)[1] for sender in _inbound(channel).values_list("sender", flat=True).distinct()}


@dataclass(frozen=True)
class Choice:
    template: Template | None = None   # send this approved template instead of the text
    refused: str = ""                  # why nothing can be sent (shown to staff); empty when it can

    @property
    def free_text(self) -> bool:
        return self.template is None and not self.refused


def free_text_or_template(*, channel: Channel, window_open: bool, template: Template | None) -> Choice:
    """Inside the window (or on a channel without one): the text. Outside: the given template, when it is approved
    and belongs to this channel; otherwise a refusal that says why."""
    if window_open or channel.provider.session_window is None:
        return Choice()
    if template is None or template.channel_id != channel.pk or template.status != Template.Status.APPROVED:
        return Choice(refused=_("Jendela 24 jam WhatsApp sudah tertutup dan belum ada templat yang disetujui untuk "
                                "kanal ini."))
    return Choice(template=template)
