"""The console/dev outbox: messages are stored and shown to staff instead of reaching anyone.

It is the default channel of `make run`.
"""

import logging

from django.utils.translation import gettext_lazy as _

from channels.providers.base import ACCEPTED, ChannelType, SendResult

logger = logging.getLogger("bakohumas.outbox")


class DevOutbox(ChannelType):
    code = "outbox"
    label = _("Kotak keluar uji")
    address_kinds = ("whatsapp", "telegram", "mailto")
    default_rate = 200.0
    max_rate = 5000.0
    is_simulation = True

    def can_reach(self, kind: str, value: str) -> bool:
        return kind in self.address_kinds

    def send_batch(self, channel, messages, *, timeout):
        from channels.models import OutboxMessage

        rows = OutboxMessage.objects.bulk_create([
            OutboxMessage(channel=channel, recipient=m.to, subject=m.subject, text=m.text, media_url=m.media_url,
                          template_name=m.template.name if m.template else "",
                          template_parameters=list(m.template.parameters.values()
                                                   if isinstance(m.template.parameters, dict)
                                                   else m.template.parameters) if m.template else [])
            for m in messages])
        # Recipients and text are personal data: they stay in the database (shown on the channel page), not in logs.
        logger.info("outbox channel %s: %s message(s) stored", channel.pk, len(rows))
        return [SendResult(ok=True, provider_message_id=f"outbox-{row.pk}", outcome=ACCEPTED, delivered=True)
                for row in rows]
