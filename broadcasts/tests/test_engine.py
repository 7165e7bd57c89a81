from datetime import timedelta

from django.utils import timezone

from broadcasts import engine
from broadcasts.models import Broadcast, Delivery
from broadcasts.services import apply_status
from channels.models import InboundMessage, OutboxMessage
from channels.services import save_template


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



def test_a_late_131047_failure_is_resent_as_the_template(madiun, wa_channel, fake_wa, make_member, send_broadcast,
                                                         admin):
    template = save_template(actor=admin, channel=wa_channel, name="info_siaran", language="id",
                             body="Ada info baru: {{1}}", category="UTILITY", status="APPROVED")
    make_member(madiun, whatsapp="081230000301")
    inbound_recently = make_member(madiun, whatsapp="081230000302")
    InboundMessage.objects.create(channel=wa_channel, provider_message_id="wamid.IN1", sender="whatsapp:+6281230000302",
                                  kind="text", text="halo", sent_at=timezone.now())
    broadcast = send_broadcast(madiun, template=template, template_parameters=["Jadwal kampanye"])
    engine.pump(wa_channel.pk, seconds=5)
    kinds = {r.json["to"]: r.json["type"] for r in fake_wa.requests}
    # Inside the 24-hour window: free text; outside: the template.
    assert kinds == {"+6281230000301": "template", "+6281230000302": "text"}
    text_delivery = broadcast.deliveries.get(member=inbound_recently)
    apply_status(channel=wa_channel, provider_message_id=text_delivery.provider_message_id, status="failed",
                 at=timezone.now(), error_code=131047, error_title="Re-engagement message")
    text_delivery.refresh_from_db()
    assert (text_delivery.status, text_delivery.via_template) == ("queued", True)
    # WhatsApp allows one message per 6 s to the same person: the resend waits for that.
    assert engine.pump(wa_channel.pk, seconds=5).deferred == 1
    broadcast.deliveries.update(sent_at=timezone.now() - timedelta(seconds=7), next_attempt_at=timezone.now())
    engine.pump(wa_channel.pk, seconds=5)
    assert fake_wa.requests[-1].json["type"] == "template"
    assert fake_wa.requests[-1].json["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "Jadwal kampanye"}]
