from broadcasts import engine
from broadcasts.models import Broadcast, Delivery
from channels.models import OutboxMessage


def test_it_sends_a_broadcast_to_the_dev_outbox(madiun, outbox, make_member, send_broadcast):
    for i in range(5):
        make_member(madiun, whatsapp=f"0812300000{i:02d}")
    make_member(madiun, whatsapp="081230000099", consent=False)
    broadcast = send_broadcast(madiun)
    assert broadcast.status == Broadcast.Status.SENDING
    assert broadcast.total_recipients == 5
    assert broadcast.excluded == {"no_consent": 1}
    stats = engine.pump(outbox.pk, seconds=5)
    assert stats.accepted == 5
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert OutboxMessage.objects.count() == 5
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE


def test_it_sends_whatsapp_through_the_fake(madiun, wa_channel, fake_wa, make_member, send_broadcast):
    for i in range(30):
        make_member(madiun, whatsapp=f"0812300001{i:02d}")
    broadcast = send_broadcast(madiun)
    stats = engine.pump(wa_channel.pk, seconds=10)
    assert stats.accepted == 30
    assert len(fake_wa.requests) == 30
    assert all(d.provider_message_id.startswith("wamid.") for d in broadcast.deliveries.all())

