"""The dev outbox keeps recipients and text in the database, never in the log."""

import logging

from accounts.models import Role
from channels import services as channel_services
from channels.models import OutboxMessage
from channels.providers.base import OutgoingMessage


def test_the_dev_outbox_logs_neither_recipient_nor_text(madiun, make_staff, caplog):
    admin = make_staff(madiun, Role.ADMIN)
    channel = channel_services.create_channel(actor=admin, office=madiun, kind="outbox", name="Kotak keluar uji")
    messages = [OutgoingMessage(to="+6281234567890", text="Pak Budi, undangan rapat rahasia"),
                OutgoingMessage(to="budi@contoh.id", text="Isi surel pribadi", subject="Subjek pribadi")]
    with caplog.at_level(logging.DEBUG):
        results = channel.provider.send_batch(channel, messages, timeout=5)
    assert all(r.ok for r in results)
    assert OutboxMessage.objects.filter(channel=channel).count() == 2   # still shown on the channel page
    logged = caplog.text
    assert f"outbox channel {channel.pk}" in logged
    for secret in ("6281234567890", "81234567890", "budi@contoh.id", "Pak Budi", "rahasia", "pribadi"):
        assert secret not in logged
