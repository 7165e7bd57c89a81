"""The pump under hostile conditions: a result write the database refuses, sends that hang until the timeout,
timeouts that may or may not have reached the provider."""

import socket
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from broadcasts import engine
from broadcasts.models import Delivery
from broadcasts.tests.conftest import APP_SECRET, WA_TOKEN
from channels import services as channel_services
from channels.fakes import FakeWhatsApp
from channels.fakes._server import TIMEOUT

SLOW = ("+6281230007001", "+6281230007002")


def _members(make_member, office, count, *, prefix="0812300071"):
    for i in range(count):
        make_member(office, whatsapp=f"{prefix}{i:02d}")


def _recorded(monkeypatch) -> list[list[str]]:
    """Every call of engine.record, in order: the recipients whose results it wrote."""
    calls: list[list[str]] = []
    real = engine.record

    def spy(channel, finished, stats):
        calls.append([delivery.recipient for delivery, _result in finished])
        return real(channel, finished, stats)

    monkeypatch.setattr(engine, "record", spy)
    return calls


def test_a_result_write_refused_once_is_retried_and_nothing_is_sent_twice(
        madiun, wa_channel, fake_wa, make_member, send_broadcast, monkeypatch):
    _members(make_member, madiun, 20)
    broadcast = send_broadcast(madiun)
    real = engine._save_accepted
    refused = []

    def locked_once(*args, **kwargs):
        if not refused:
            refused.append(True)
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "_save_accepted", locked_once)
    engine.pump(wa_channel.pk, seconds=10)
    assert refused == [True]
    # Later, the lease of anything still "sending" runs out and another pump looks.
    Delivery.objects.filter(status=Delivery.Status.SENDING).update(claimed_at=timezone.now() - timedelta(hours=1))
    engine.pump(wa_channel.pk, seconds=10)
    sent_to = Counter(request.json["to"] for request in fake_wa.requests)
    assert len(sent_to) == 20 and set(sent_to.values()) == {1}
    assert set(broadcast.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert not broadcast.deliveries.filter(possible_duplicate=True).exists()


@pytest.fixture
def slow_wa():
    # The fake holds these two recipients' requests longer than the send timeout, then answers as if it had worked.
    with FakeWhatsApp(errors={number: TIMEOUT for number in SLOW}, hang=4.0) as fake:
        yield fake


@pytest.fixture
def slow_channel(madiun, admin, slow_wa):
    return channel_services.create_channel(
        actor=admin, office=madiun, kind="whatsapp", name="WhatsApp lambat",
        config={"phone_number_id": "106540352242922", "base_url": slow_wa.url},
        secrets={"access_token": WA_TOKEN, "app_secret": APP_SECRET}, rate_per_second=1000)


@pytest.mark.process
def test_sends_that_time_out_do_not_hold_the_rest_of_the_batch(
        madiun, slow_channel, slow_wa, make_member, send_broadcast, settings, monkeypatch):
    settings.DELIVERY_SEND_TIMEOUT = 3
    settings.DELIVERY_CONCURRENCY = 10
    _members(make_member, madiun, 8)
    for number in SLOW:
        make_member(madiun, whatsapp=number)
    broadcast = send_broadcast(madiun)
    calls = _recorded(monkeypatch)
    engine.pump(slow_channel.pk, seconds=10)
    assert len(slow_wa.requests) == 10     # one batch: all ten went out together
    slow_calls = [i for i, recipients in enumerate(calls) if set(recipients) & set(SLOW)]
    fast_calls = [i for i, recipients in enumerate(calls) if set(recipients) - set(SLOW)]
    # The eight answered sends were written before, and apart from, the two that timed out.
    assert fast_calls and slow_calls and max(fast_calls) < min(slow_calls)
    assert not any(set(calls[i]) - set(SLOW) for i in slow_calls)
    assert broadcast.deliveries.filter(status=Delivery.Status.SENT).count() == 8
    slow = broadcast.deliveries.filter(recipient__in=SLOW)
    assert set(slow.values_list("status", flat=True)) == {Delivery.Status.QUEUED}
    # The requests reached the fake before the client gave up: they may have gone out, so they are flagged.
    assert set(slow.values_list("possible_duplicate", flat=True)) == {True}
    assert set(r.answer for r in slow_wa.requests if r.json["to"] in SLOW) == {TIMEOUT}


@pytest.mark.process
def test_the_pump_moves_on_while_slow_sends_wait_for_their_timeout(
        madiun, slow_channel, slow_wa, make_member, send_broadcast, settings, monkeypatch):
    settings.DELIVERY_SEND_TIMEOUT = 3
    settings.DELIVERY_CONCURRENCY = 2
    monkeypatch.setattr(engine, "SLOW_SEND_SECONDS", 0.3)
    _members(make_member, madiun, 6)
    for number in SLOW:
        make_member(madiun, whatsapp=number)
    broadcast = send_broadcast(madiun)
    # The two slow recipients are due first, so they take the whole window of two.
    broadcast.deliveries.filter(recipient__in=SLOW).update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    calls = _recorded(monkeypatch)
    engine.pump(slow_channel.pk, seconds=10)
    order = [r.json["to"] for r in slow_wa.requests]
    assert set(order[:2]) == set(SLOW) and len(order) == 8
    # Every other recipient was sent to and written while the two slow requests were still unanswered.
    recorded = [recipient for recipients in calls for recipient in recipients]
    assert set(recorded[-2:]) == set(SLOW)
    assert broadcast.deliveries.filter(status=Delivery.Status.SENT).count() == 6


def test_a_connect_timeout_is_retried_without_the_duplicate_flag(
        madiun, admin, make_member, send_broadcast, settings):
    """A server whose accept queue is full never completes the handshake: the request never left."""
    settings.DELIVERY_SEND_TIMEOUT = 1
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.1)
    try:
        channel = channel_services.create_channel(
            actor=admin, office=madiun, kind="whatsapp", name="WhatsApp tak terjangkau",
            config={"phone_number_id": "106540352242922", "base_url": f"http://127.0.0.1:{port}"},
            secrets={"access_token": WA_TOKEN, "app_secret": APP_SECRET}, rate_per_second=1000)
        make_member(madiun, whatsapp="081230007099")
        broadcast = send_broadcast(madiun)
        engine.pump(channel.pk, seconds=5)
        delivery = broadcast.deliveries.get()
        assert delivery.status == Delivery.Status.QUEUED and delivery.error_outcome == "transient"
        assert "connect timeout" in delivery.error_detail
        assert not delivery.possible_duplicate
    finally:
        for sock in (*fillers, listener):
            sock.close()
