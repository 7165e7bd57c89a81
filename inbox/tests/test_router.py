"""The webhook only stores; the worker's router (inbox.services.route_pending) files messages into the inbox."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from channels.models import InboundMessage
from inbox import services
from inbox.models import Conversation
from inbox.tests.conftest import sign, telegram_body, whatsapp_body
from members.tests.test_worker import DB_TASKS


def post_unrouted(client, channel, raw: bytes):
    return client.post(reverse("channel_webhook", args=[channel.uuid]), raw, content_type="application/json",
                       headers={"X-Hub-Signature-256": sign(raw)})


def test_it_stores_the_webhook_and_files_it_when_the_router_runs(madiun, wa_channel, client):
    response = post_unrouted(client, wa_channel, whatsapp_body(text="Kapan pleno rekapitulasi?"))
    assert response.status_code == 200 and response.json()["messages"] == 1
    stored = InboundMessage.objects.get()
    assert stored.routed_at is None and not Conversation.objects.exists()

    assert services.route_pending() == 1
    stored.refresh_from_db()
    assert stored.routed_at is not None and stored.route_attempts == 0
    conversation = Conversation.objects.get()
    assert conversation.messages.get(direction="in").text == "Kapan pleno rekapitulasi?"
    assert services.route_pending() == 0   # nothing routed twice


def test_it_files_messages_oldest_first_and_a_retry_of_the_webhook_adds_nothing(madiun, wa_channel, client):
    for i in range(3):
        post_unrouted(client, wa_channel, whatsapp_body(text=f"pesan {i}", message_id=f"wamid.URUT{i}",
                                                        sent_at=1_700_000_000 + i))
    post_unrouted(client, wa_channel, whatsapp_body(text="pesan 0", message_id="wamid.URUT0",
                                                    sent_at=1_700_000_000))
    assert services.route_pending(limit=2) == 2
    assert services.route_pending() == 1
    texts = list(Conversation.objects.get().messages.filter(direction="in").order_by("pk").values_list(
        "text", flat=True))
    assert texts == ["pesan 0", "pesan 1", "pesan 2"]


def test_a_message_that_fails_to_route_is_kept_retried_shown_and_retried_on_request(
        madiun, wa_channel, admin, make_staff, client, client_for, monkeypatch, caplog):
    real_route = services.route_inbound

    def broken(*, channel, inbound):
        if "rusak" in inbound.text:
            raise RuntimeError("kolom hilang")
        return real_route(channel=channel, inbound=inbound)

    monkeypatch.setattr(services, "route_inbound", broken)
    post_unrouted(client, wa_channel, whatsapp_body(text="ini rusak", message_id="wamid.RUSAK",
                                                    sender="+6281230000001"))
    post_unrouted(client, wa_channel, whatsapp_body(text="ini baik", message_id="wamid.BAIK",
                                                    sender="+6281230000002"))
    assert services.route_pending() == 1   # the good one is not held up by the bad one
    bad = InboundMessage.objects.get(provider_message_id="wamid.RUSAK")
    assert bad.routed_at is None and bad.route_attempts == 1 and bad.route_error == "RuntimeError: kolom hilang"
    assert "routing inbound message" in caplog.text
    services.route_pending()
    bad.refresh_from_db()
    assert bad.route_attempts == 1   # not again at once: a passing lock or outage gets time to clear
    for _ in range(6):
        InboundMessage.objects.update(route_failed_at=timezone.now() - timedelta(minutes=1))
        services.route_pending()
    bad.refresh_from_db()
    assert bad.route_attempts == InboundMessage.MAX_ROUTE_ATTEMPTS   # then it waits for staff

    page = client_for(admin).get(reverse("channels:channel_detail", args=[wa_channel.pk]))
    assert "1 pesan masuk tersimpan tetapi gagal masuk kotak masuk." in page.content.decode()
    assert "RuntimeError: kolom hilang" in page.content.decode()
    url = reverse("channels:channel_retry_routing", args=[wa_channel.pk])
    assert client_for(make_staff(madiun, Role.OPERATOR)).post(url).status_code == 403
    monkeypatch.setattr(services, "route_inbound", real_route)
    InboundMessage.objects.update(route_failed_at=timezone.now() - timedelta(minutes=1))
    response = client_for(admin).post(url)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="channel.routing_retried", actor=admin).exists()
    assert services.route_pending() == 1
    assert Conversation.objects.count() == 2


def test_another_offices_admin_cannot_retry_or_see_the_channel(madiun, kab_madiun, wa_channel, make_staff,
                                                                client_for):
    other = client_for(make_staff(kab_madiun, Role.ADMIN))
    assert other.get(reverse("channels:channel_detail", args=[wa_channel.pk])).status_code == 404
    assert other.post(reverse("channels:channel_retry_routing", args=[wa_channel.pk])).status_code == 404


def test_group_traffic_is_stored_only_and_never_waits_for_the_router(madiun, tg_channel, client):
    raw = telegram_body(chat={"id": -1001234567890, "type": "supergroup", "title": "Forum Bakohumas"})
    response = client.post(reverse("channel_webhook", args=[tg_channel.uuid]), raw, content_type="application/json",
                           headers={"X-Telegram-Bot-Api-Secret-Token": tg_channel.config["webhook_secret"]})
    assert response.status_code == 200
    assert InboundMessage.objects.get().routed_at is not None
    assert services.route_pending() == 0 and not Conversation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_files_what_the_webhook_stored(madiun, wa_channel, client, settings):
    settings.TASKS = DB_TASKS
    post_unrouted(client, wa_channel, whatsapp_body(text="Lewat pekerja"))
    call_command("worker", "--batch", "--queue-name", "*")
    assert Conversation.objects.get().messages.filter(text="Lewat pekerja").exists()


def test_in_burst_mode_the_router_pauses_after_each_message_in_proportion(madiun, wa_channel, client, monkeypatch):
    for i in range(3):
        post_unrouted(client, wa_channel, whatsapp_body(text=f"pesan {i}", message_id=f"wamid.B{i}",
                                                        sender=f"+62812300000{i:02d}"))
    pauses = []
    monkeypatch.setattr(services.time, "sleep", pauses.append)
    assert services.route_pending(yield_ratio=9.0) == 3
    assert len(pauses) == 3 and all(p > 0 for p in pauses)
    assert services.route_pending() == 0 and len(pauses) == 3   # no pause when not asked for
