"""Reliability: a worker killed mid-broadcast, a flaky provider, repeated and reordered status webhooks, hostile
webhook bodies, and two workers sharing one channel.

The crash and two-worker tests run the real background worker (`manage.py worker`) as subprocesses against the
test database, with FakeWhatsApp serving in this process; they are transactional tests (see
members/tests/test_worker.py). Every wait has a deadline and every worker started here is killed at teardown.
"""

import copy
import hashlib
import hmac
import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from broadcasts import engine
from broadcasts.models import Broadcast, Delivery, PendingStatus
from channels import services as channel_services
from channels.fakes import FakeWhatsApp
from channels.models import InboundMessage
from inbox.services import route_pending
from members.models import Address, Consent, Member, Purpose
from members.tests.test_worker import DB_TASKS

FIXTURES = Path(__file__).resolve().parents[2] / "channels" / "tests" / "fixtures"
DStatus = Delivery.Status
WEBHOOK_LOGGER = "bakohumas.webhooks"


# --- helpers -----------------------------------------------------------------------------------------------------

def fixture(*parts: str) -> dict:
    return json.loads(FIXTURES.joinpath(*parts).read_text())


def bulk_members(office, count: int, *, prefix: str = "+62813") -> list[str]:
    """`count` active members with one consented WhatsApp address each, created in bulk; their numbers."""
    now = timezone.now()
    numbers = [f"{prefix}{i:08d}" for i in range(count)]
    members = Member.objects.bulk_create(
        [Member(office=office, full_name=f"Penerima {i:05d}") for i in range(count)], batch_size=2000)
    addresses = Address.objects.bulk_create(
        [Address(member=m, office=office, kind=Address.Kind.WHATSAPP, value=n, is_primary=True)
         for m, n in zip(members, numbers, strict=True)], batch_size=2000)
    Consent.objects.bulk_create(
        [Consent(address=a, purpose=Purpose.DISSEMINATION, method=Consent.Method.IMPORT, evidence="uji keandalan",
                 given_at=now) for a in addresses], batch_size=2000)
    return numbers


def make_wa_channel(office, actor, base_url: str, *, name: str = "WhatsApp Keandalan", rate: float = 1000):
    return channel_services.create_channel(
        actor=actor, office=office, kind="whatsapp", name=name,
        config={"phone_number_id": "106540352242922", "base_url": base_url},
        secrets={"access_token": "EAAJB-uji", "app_secret": "uji-app-secret-keandalan"}, rate_per_second=rate)


def ok_counts(fake) -> Counter:
    """Recipient → number of requests the fake answered "ok" (a timed-out request is recorded as "timeout")."""
    return Counter(r.json["to"] for r in fake.requests if r.answer == "ok" and isinstance(r.json, dict))


def wait_for(predicate, *, timeout: float, interval: float = 0.25, what: str = "", on_timeout=lambda: ""):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}\n{on_timeout()}")
        time.sleep(interval)


def worker_env(**extra: str) -> dict:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bakohumas.settings",
            "MEDIA_ROOT": str(django_settings.MEDIA_ROOT), "LOG_LEVEL": "WARNING", **extra}


class Workers:
    """Real `manage.py worker` processes started by one test; whatever is still running is killed at teardown."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.procs: list[tuple[subprocess.Popen, Path]] = []

    def start(self, worker_id: str, *, queue: str = "*", **env: str) -> subprocess.Popen:
        log = self.tmp_path / f"{worker_id}.log"
        with log.open("wb") as out:   # a file, not a pipe: a full pipe would block the worker
            proc = subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--queue-name", queue, "--no-reload", "--interval", "0.2",
                 "--no-startup-delay", "--worker-id", worker_id],
                cwd=django_settings.BASE_DIR, env=worker_env(**env), stdout=out, stderr=subprocess.STDOUT)
        self.procs.append((proc, log))
        return proc

    def logs(self) -> str:
        return "\n".join(f"--- {log.name} (exit {proc.poll()}) ---\n" + log.read_text(errors="replace")[-3000:]
                         for proc, log in self.procs)

    def assert_alive(self) -> None:
        for proc, _log in self.procs:
            if proc.poll() is not None and proc.returncode != -9:
                raise AssertionError(f"a worker exited early\n{self.logs()}")

    def stop(self, proc: subprocess.Popen, timeout: float = 15) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc, _log in self.procs:
            self.stop(proc)


@pytest.fixture
def workers(tmp_path):
    pool = Workers(tmp_path)
    yield pool
    for proc, _log in pool.procs:      # only the processes this test started, by their own handle
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_url(channel) -> str:
    return f"/webhooks/{channel.uuid}/"


def post_wa(client, channel, payload, *, signature: str | None = "sign"):
    """POST a WhatsApp webhook; signature "sign" signs with the channel's app secret, None sends no header."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {}
    if signature == "sign":
        signature = sign(body, channel.secrets["app_secret"])
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    response = client.post(webhook_url(channel), data=body, content_type="application/json", headers=headers)
    route_pending()
    return response


def post_tg(client, channel, payload, *, secret: str | None = "channel"):  # noqa: S107 (a marker, not a secret)
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {}
    if secret == "channel":
        secret = channel.config["webhook_secret"]
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    response = client.post(webhook_url(channel), data=body, content_type="application/json", headers=headers)
    route_pending()
    return response


def status_payload(wamid: str, status: str, ts: int, recipient: str, error: dict | None = None) -> dict:
    """A real status notification (fixture) about one message."""
    payload = fixture("whatsapp", "webhooks", "status_failed.json" if status == "failed" else "status_read.json")
    item = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    item.update(id=wamid, status=status, timestamp=str(ts), recipient_id=recipient.lstrip("+"))
    if error is not None:
        item["errors"] = [error]
    return payload


def inbound_payload(message_id: str, text: str) -> dict:
    payload = fixture("whatsapp", "webhooks", "inbound_text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update(id=message_id, text={"body": text})
    return payload


def telegram_update(update_id: int, message_id: int, text: str = "Halo dari uji") -> dict:
    update = fixture("telegram", "update_message_text.json")
    update["update_id"] = update_id
    update["message"].update(message_id=message_id, text=text)
    return update


def webhook_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == WEBHOOK_LOGGER]


# --- 1. kill -9 of the worker in the middle of a 10,000-recipient broadcast ------------------------------------

# The deadlines below only catch a hang; the whole test takes well under a minute on 2 cores.
CRASH_RECIPIENTS = 10_000
CRASH_CONCURRENCY = 50
CRASH_KILL_AFTER = 2_000


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_no_recipient_and_duplicates_only_its_in_flight_batch(
        madiun, admin, send_broadcast, workers, settings):
    started = time.monotonic()
    settings.TASKS = DB_TASKS
    env = {"DELIVERY_CLAIM_LEASE_SECONDS": "3", "DELIVERY_CONCURRENCY": str(CRASH_CONCURRENCY),
           "DELIVERY_PUMPS_PER_CHANNEL": "1"}
    with FakeWhatsApp() as fake:
        channel = make_wa_channel(madiun, admin, fake.url)
        numbers = bulk_members(madiun, CRASH_RECIPIENTS)
        broadcast = send_broadcast(madiun)
        assert broadcast.total_recipients == CRASH_RECIPIENTS
        assert Delivery.objects.filter(broadcast=broadcast, channel=channel).count() == CRASH_RECIPIENTS
        prepared = time.monotonic()

        first = workers.start("worker-killed", **env)
        # Kill in the middle of a batch: every batch is exactly CONCURRENCY requests (no failures, one message per
        # recipient), so a request count that is not near a multiple of it means a batch is on the wire.
        deadline = time.monotonic() + 90
        while True:
            sent = len(fake.requests)
            if sent >= CRASH_KILL_AFTER and 5 <= sent % CRASH_CONCURRENCY <= CRASH_CONCURRENCY - 5:
                break
            assert first.poll() is None, f"the worker stopped by itself\n{workers.logs()}"
            assert time.monotonic() < deadline, f"only {sent} requests after 90 s\n{workers.logs()}"
            time.sleep(0.001)
        first.kill()   # SIGKILL: no cleanup of any kind
        first.wait(timeout=10)
        killed = time.monotonic()
        time.sleep(0.3)   # requests already on the socket reach the fake

        in_flight = dict(Delivery.objects.filter(broadcast=broadcast, status=DStatus.SENDING)
                         .values_list("recipient", "pk"))
        reached_before_restart = ok_counts(fake)
        assert 0 < len(in_flight) <= CRASH_CONCURRENCY, len(in_flight)
        assert not Delivery.objects.filter(broadcast=broadcast, possible_duplicate=True).exists()

        workers.start("worker-restarted", **env)
        wait_for(lambda: not Delivery.objects.filter(
            broadcast=broadcast, status__in=[DStatus.QUEUED, DStatus.SENDING]).exists(),
            timeout=180, interval=0.5, what="the restarted worker to finish the broadcast", on_timeout=workers.logs)
        finished = time.monotonic()
        wait_for(lambda: Broadcast.objects.get(pk=broadcast.pk).status == Broadcast.Status.DONE, timeout=15,
                 what="the broadcast to be marked done", on_timeout=workers.logs)
        workers.assert_alive()
        workers.stop_all()

        counts = ok_counts(fake)
        statuses = Counter(Delivery.objects.filter(broadcast=broadcast).values_list("status", flat=True))
        flagged = set(Delivery.objects.filter(broadcast=broadcast, possible_duplicate=True)
                      .values_list("recipient", flat=True))

    # No recipient lost: every delivery is recorded as sent, every number got at least one message.
    assert statuses == {DStatus.SENT: CRASH_RECIPIENTS}, statuses
    assert set(counts) == set(numbers)
    # Duplicates: only recipients of the batch the dead worker had on the wire, at most one batch of them, each
    # flagged; and only that batch is flagged.
    duplicated = {to for to, n in counts.items() if n > 1}
    assert duplicated <= set(in_flight), sorted(duplicated - set(in_flight))[:10]
    assert duplicated <= {to for to, n in reached_before_restart.items() if n == 1}
    assert len(duplicated) <= CRASH_CONCURRENCY
    assert max(counts.values()) <= 2
    assert duplicated <= flagged
    assert flagged == set(in_flight)
    print(f"prepare {prepared - started:.1f} s, until kill {killed - prepared:.1f} s, restart to done "
          f"{finished - killed:.1f} s; in flight {len(in_flight)}, duplicated {len(duplicated)}")   # shown with -s


# --- 2. a provider failing 20% of calls (429, 5xx, timeouts) --------------------------------------------------

@pytest.mark.process
@pytest.mark.django_db
def test_a_flaky_provider_delivers_every_message_exactly_once(madiun, admin, send_broadcast, settings,
                                                            monkeypatch):
    # A hung request no longer holds the others (the pump moves on), so the timeout can stay far above a loopback
    # answer even on a machine loaded by other work: an "ok" must never be mistaken for a timeout and sent again.
    settings.DELIVERY_SEND_TIMEOUT = 3.0
    settings.DELIVERY_CONCURRENCY = 100
    monkeypatch.setattr(engine, "backoff_seconds", lambda attempts, retry_after: 0.0)   # retry at once
    with FakeWhatsApp(fail_ratio=0.2, seed=20, hang=6.0) as fake:
        channel = make_wa_channel(madiun, admin, fake.url)
        numbers = bulk_members(madiun, 400)
        broadcast = send_broadcast(madiun)
        for _round in range(20):
            engine.pump(channel.pk, seconds=30)
            left = Delivery.objects.filter(broadcast=broadcast, status__in=[DStatus.QUEUED, DStatus.SENDING])
            if not left.exists():
                break
            left.filter(status=DStatus.QUEUED).update(next_attempt_at=timezone.now())
        requests = fake.requests

    answers = Counter(r.answer for r in requests)
    assert {"130429", "80007", "5xx", "timeout"} <= set(answers), answers   # every kind of failure was served
    assert 0.1 < (len(requests) - answers["ok"]) / len(requests) < 0.3, answers
    deliveries = {d.recipient: d for d in Delivery.objects.filter(broadcast=broadcast)}
    assert Counter(d.status for d in deliveries.values()) == {DStatus.SENT: 400}
    counts = ok_counts(fake)
    assert set(counts) == set(numbers)
    assert set(counts.values()) == {1}, {to: n for to, n in counts.items() if n != 1}
    per_recipient = Counter(r.json["to"] for r in requests)
    timed_out = {r.json["to"] for r in requests if r.answer == "timeout"}
    for number, delivery in deliveries.items():
        assert delivery.attempts == per_recipient[number], number
        # A timeout may have reached the person: that delivery says so; a 429/5xx answer means "not sent".
        assert delivery.possible_duplicate == (number in timed_out), number
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE


# --- 3. status webhooks repeated and reordered ------------------------------------------------------------------

ERROR_131049 = fixture("whatsapp", "webhooks", "status_failed.json")["entry"][0]["changes"][0]["value"][
    "statuses"][0]["errors"][0]
ERROR_131026 = fixture("whatsapp", "webhooks", "status_failed_131026_undeliverable.json")["entry"][0]["changes"][0][
    "value"]["statuses"][0]["errors"][0]
# Each scenario: the status notifications one message receives, in the order WhatsApp sends them (offset in s).
SCENARIOS = [
    [("sent", 1), ("delivered", 2), ("read", 3)],
    [("sent", 1), ("delivered", 2)],
    [("sent", 1)],
    [("sent", 1), ("failed", 2, ERROR_131049)],
    [("delivered", 2), ("read", 5)],
    [("sent", 1), ("failed", 4, ERROR_131026)],
]


def _state(delivery: Delivery) -> tuple:
    address = Address.objects.get(pk=delivery.address_id)
    return (delivery.status, delivery.sent_at is not None, delivery.delivered_at, delivery.read_at,
            delivery.failed_at, delivery.error_outcome, delivery.error_code, delivery.error_detail,
            address.undeliverable_at)


@pytest.mark.django_db
def test_repeated_and_shuffled_status_webhooks_end_as_in_order_delivery(madiun, admin, send_broadcast, client):
    orders = ["in order", "reversed", "shuffled 1", "shuffled 2", "shuffled 3"]
    with FakeWhatsApp() as fake:
        channel = make_wa_channel(madiun, admin, fake.url)
        bulk_members(madiun, len(orders) * len(SCENARIOS))
        broadcast = send_broadcast(madiun)
        engine.pump(channel.pk, seconds=10)
    deliveries = list(Delivery.objects.filter(broadcast=broadcast).order_by("pk"))
    assert {d.status for d in deliveries} == {DStatus.SENT}
    base = int(time.time()) - 600

    for group, order in enumerate(orders):
        events = []
        for index, scenario in enumerate(SCENARIOS):
            delivery = deliveries[group * len(SCENARIOS) + index]
            for status, offset, *error in scenario:
                events.append(status_payload(delivery.provider_message_id, status, base + offset, delivery.recipient,
                                             error[0] if error else None))
        if order == "in order":
            sequence = events
        elif order == "reversed":
            sequence = [e for e in reversed(events) for _copy in range(3)]
        else:
            sequence = events * 3
            random.Random(order).shuffle(sequence)
        for payload in sequence:
            response = post_wa(client, channel, payload)
            assert response.status_code == 200, response.content
            assert response.json()["statuses"] == 1

    at = {offset: datetime.fromtimestamp(base + offset, tz=UTC) for offset in range(6)}
    expected = [
        (DStatus.READ, True, at[2], at[3], None, "", None, "", None),
        (DStatus.DELIVERED, True, at[2], None, None, "", None, "", None),
        (DStatus.SENT, True, None, None, None, "", None, "", None),
        (DStatus.FAILED, True, None, None, at[2], "failed", 131049, ERROR_131049["title"], None),
        (DStatus.READ, True, at[2], at[5], None, "", None, "", None),
        (DStatus.FAILED, True, None, None, at[4], "failed", 131026, ERROR_131026["title"], at[4]),
    ]
    states = {}
    for group, order in enumerate(orders):
        for index in range(len(SCENARIOS)):
            delivery = Delivery.objects.get(pk=deliveries[group * len(SCENARIOS) + index].pk)
            states[order, index] = _state(delivery)
    assert [states["in order", i] for i in range(len(SCENARIOS))] == expected
    differences = {key: (state, states["in order", key[1]]) for key, state in states.items()
                   if state != states["in order", key[1]]}
    assert not differences, "\n".join(f"{key}: got {got}, in order {want}" for key, (got, want) in
                                      differences.items())
    assert not PendingStatus.objects.exists()


@pytest.mark.django_db
def test_a_status_webhook_before_the_send_is_recorded_is_applied_afterwards(madiun, admin, send_broadcast, client):
    with FakeWhatsApp() as fake:   # a fresh fake numbers its wamids from 1
        channel = make_wa_channel(madiun, admin, fake.url)
        bulk_members(madiun, 3)
        broadcast = send_broadcast(madiun)
        assert not Delivery.objects.exclude(provider_message_id="").exists()
        base = int(time.time()) - 60
        wamids = [f"wamid.FAKE{n:012d}" for n in (1, 2, 3)]
        early = [status_payload(wamids[0], "delivered", base + 2, "+6281300000000"),
                 status_payload(wamids[0], "read", base + 3, "+6281300000000"),
                 status_payload(wamids[1], "delivered", base + 2, "+6281300000001"),
                 status_payload(wamids[2], "failed", base + 2, "+6281300000002", ERROR_131049)]
        sequence = early * 3
        random.Random(7).shuffle(sequence)
        for payload in sequence:
            assert post_wa(client, channel, payload).status_code == 200
        assert PendingStatus.objects.filter(channel=channel).count() == 12

        engine.pump(channel.pk, seconds=10)

    at = {offset: datetime.fromtimestamp(base + offset, tz=UTC) for offset in range(4)}
    by_id = {d.provider_message_id: d for d in Delivery.objects.filter(broadcast=broadcast)}
    assert set(by_id) == set(wamids)
    assert (by_id[wamids[0]].status, by_id[wamids[0]].delivered_at, by_id[wamids[0]].read_at) == (
        DStatus.READ, at[2], at[3])
    assert (by_id[wamids[1]].status, by_id[wamids[1]].delivered_at, by_id[wamids[1]].read_at) == (
        DStatus.DELIVERED, at[2], None)
    assert (by_id[wamids[2]].status, by_id[wamids[2]].failed_at, by_id[wamids[2]].error_code) == (
        DStatus.FAILED, at[2], 131049)
    assert all(d.sent_at is not None for d in by_id.values())
    assert not PendingStatus.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_status_webhook_racing_the_send_commit_is_applied_by_the_next_tick(madiun, admin, send_broadcast, client,
                                                                           monkeypatch):
    """The webhook looks for the delivery before the engine commits its provider id, and stores its PendingStatus
    after the engine looked for early statuses: the window between the engine's check and its commit."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs the two write transactions one after the other, so the window "
                    "cannot open")
    base = int(time.time()) - 60
    original = engine._apply_pending
    raced = []

    def apply_pending_then_webhook(channel, provider_ids):
        original(channel, provider_ids)
        if raced:
            return

        def webhook():   # another request, with its own database connection, as in production
            try:
                raced.append(post_wa(Client(), channel, status_payload(provider_ids[0], "delivered", base + 2,
                                                                       "+6281300000000")).status_code)
            finally:
                connection.close()

        thread = threading.Thread(target=webhook)
        thread.start()
        thread.join(timeout=15)

    monkeypatch.setattr(engine, "_apply_pending", apply_pending_then_webhook)
    with FakeWhatsApp() as fake:
        channel = make_wa_channel(madiun, admin, fake.url)
        bulk_members(madiun, 1)
        broadcast = send_broadcast(madiun)
        engine.pump(channel.pk, seconds=10)
    assert raced == [200]
    monkeypatch.setattr(engine, "_apply_pending", original)
    engine.tick()   # the worker's periodic safety net
    delivery = broadcast.deliveries.get()
    assert (delivery.status, delivery.delivered_at) == (DStatus.DELIVERED, datetime.fromtimestamp(base + 2, tz=UTC)), (
        f"status lost: delivery {delivery.status}, PendingStatus left: "
        f"{list(PendingStatus.objects.values_list('provider_message_id', 'status'))}")
    assert not PendingStatus.objects.exists()


# --- 4. hostile and odd webhooks ------------------------------------------------------------------------------

@pytest.fixture
def wa(madiun, admin):
    return make_wa_channel(madiun, admin, "http://127.0.0.1:9")   # never sends in these tests


@pytest.fixture
def tg(madiun, admin):
    return channel_services.create_channel(actor=admin, office=madiun, kind="telegram", name="Bot Keandalan",
                                           config={"base_url": "http://127.0.0.1:9"},
                                           secrets={"bot_token": "7000000001:AAFakeToken"}, rate_per_second=30)


@pytest.fixture
def robust_client():
    """A client that returns a 500 as a response (so a crash is reported as a status, not an exception)."""
    return Client(raise_request_exception=False)


def _check(results: list, name: str, response, status: int, caplog, log: str | None) -> None:
    lines = webhook_logs(caplog)
    if response.status_code != status:
        results.append(f"{name}: HTTP {response.status_code}, expected {status}")
    if log is not None and not any(log in line for line in lines):
        results.append(f"{name}: no log line containing {log!r} (got {lines})")


@pytest.mark.django_db
def test_bad_whatsapp_webhooks_are_refused_with_a_log_line_and_good_ones_still_land(wa, robust_client, caplog):
    caplog.set_level(logging.INFO, logger=WEBHOOK_LOGGER)
    secret = wa.secrets["app_secret"]
    good = inbound_payload("wamid.GOOD-1", "Halo, siaran diterima")
    good_body = json.dumps(good).encode()
    other_body = json.dumps(inbound_payload("wamid.EVIL-1", "disuntik")).encode()
    unknown_change = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "time": 1700000000,
                      "changes": [{"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT",
                                                                        "phone_number": "15550783881"}}]}]}
    unknown_fields = {"object": "whatsapp_business_account", "brand_new": {"x": 1}, "entry": [
        {"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": "106540352242922"},
            "message_echoes": [{"id": "wamid.echo"}], "future_list": [1, 2, 3]}}]}]}
    mixed = inbound_payload("wamid.GOOD-2", "Pesan kedua")
    mixed["entry"][0]["changes"].insert(0, unknown_change["entry"][0]["changes"][0])
    mixed["entry"][0]["changes"][1]["value"]["messages"][0]["brand_new_field"] = {"nested": True}
    mixed["future_top_level"] = "ignored"
    too_big = b'{"object":"whatsapp_business_account","entry":[],"pad":"' + b"x" * (3 * 1024 * 1024) + b'"}'

    results: list[str] = []
    cases = [
        ("unsigned", lambda: post_wa(robust_client, wa, good_body, signature=None), 403, "signature"),
        ("signed with another secret",
         lambda: post_wa(robust_client, wa, good_body, signature=sign(good_body, "salah")), 403, "signature"),
        ("signature of another body",
         lambda: post_wa(robust_client, wa, other_body, signature=sign(good_body, secret)), 403, "signature"),
        ("digest without sha256= prefix", lambda: post_wa(robust_client, wa, good_body,
                                                  signature=sign(good_body, secret).removeprefix("sha256=")),
         403, "signature"),
        ("empty signature", lambda: post_wa(robust_client, wa, good_body, signature=""), 403, "signature"),
        ("valid message", lambda: post_wa(robust_client, wa, good), 200, None),
        ("truncated JSON", lambda: post_wa(robust_client, wa, good_body[: len(good_body) // 2]), 400, "not JSON"),
        ("empty body", lambda: post_wa(robust_client, wa, b""), 400, "not JSON"),
        ("not UTF-8", lambda: post_wa(robust_client, wa, b'{"object": "\xff\xfe"}'), 400, "refused"),
        ("over 3 MB, signed", lambda: post_wa(robust_client, wa, too_big), 413, "refused"),
        ("over 3 MB, unsigned", lambda: post_wa(robust_client, wa, too_big, signature=None), 413, "refused"),
        ("unknown change field", lambda: post_wa(robust_client, wa, unknown_change), 200, "no event we handle"),
        ("unknown fields only", lambda: post_wa(robust_client, wa, unknown_fields), 200, "no event we handle"),
        ("a message among unknown fields", lambda: post_wa(robust_client, wa, mixed), 200, None),
        ("provider retry of the first message", lambda: post_wa(robust_client, wa, good), 200, None),
    ]
    for name, send, status, log in cases:
        caplog.clear()
        _check(results, name, send(), status, caplog, log)
    assert not results, "\n".join(results)
    stored = InboundMessage.objects.filter(channel=wa).order_by("provider_message_id")
    assert [(m.provider_message_id, m.text) for m in stored] == [("wamid.GOOD-1", "Halo, siaran diterima"),
                                                                ("wamid.GOOD-2", "Pesan kedua")]


@pytest.mark.django_db
def test_a_whatsapp_body_just_under_3_mb_is_accepted(wa, robust_client):
    payload = inbound_payload("wamid.BIG-1", "Pesan dengan lampiran besar")
    payload["entry"][0]["changes"][0]["value"]["padding"] = "x" * (3 * 1024 * 1024 - 2000)
    body = json.dumps(payload).encode()
    assert 2.9 * 1024 * 1024 < len(body) <= 3 * 1024 * 1024
    response = post_wa(robust_client, wa, body)
    assert response.status_code == 200
    assert InboundMessage.objects.filter(channel=wa, provider_message_id="wamid.BIG-1").exists()


@pytest.mark.django_db
def test_bad_telegram_webhooks_are_refused_with_a_log_line_and_good_ones_still_land(tg, robust_client, caplog):
    caplog.set_level(logging.INFO, logger=WEBHOOK_LOGGER)
    good = telegram_update(20001, 501)
    good_body = json.dumps(good).encode()
    with_unknown_fields = telegram_update(20002, 502, "Pesan kedua")
    with_unknown_fields["message"]["brand_new_field"] = {"nested": [1, 2]}
    with_unknown_fields["future_top_level"] = True
    too_big = b'{"update_id": 1, "pad": "' + b"x" * (3 * 1024 * 1024) + b'"}'

    results: list[str] = []
    cases = [
        ("no secret header", lambda: post_tg(robust_client, tg, good_body, secret=None), 403, "signature"),
        ("wrong secret", lambda: post_tg(robust_client, tg, good_body, secret="bukan-rahasia"), 403, "signature"),
        ("empty secret", lambda: post_tg(robust_client, tg, good_body, secret=""), 403, "signature"),
        ("valid update", lambda: post_tg(robust_client, tg, good), 200, None),
        ("truncated JSON", lambda: post_tg(robust_client, tg, good_body[:40]), 400, "not JSON"),
        ("a JSON list", lambda: post_tg(robust_client, tg, [good]), 400, "not a Telegram update"),
        ("no update_id", lambda: post_tg(robust_client, tg, {"message": good["message"]}), 400,
         "not a Telegram update"),
        ("over 3 MB", lambda: post_tg(robust_client, tg, too_big), 413, "refused"),
        ("unknown update type", lambda: post_tg(robust_client, tg, {"update_id": 20003, "callback_query": {
            "id": "4382bfdwdsb323b2d9", "from": good["message"]["from"], "data": "x"}}), 200, "no event we handle"),
        ("my_chat_member",
         lambda: post_tg(robust_client, tg, {"update_id": 20004, "my_chat_member": {"chat": {"id": 1}}}), 200,
         "no event we handle"),
        ("message with unknown fields", lambda: post_tg(robust_client, tg, with_unknown_fields), 200, None),
        ("provider retry of the first update", lambda: post_tg(robust_client, tg, good), 200, None),
    ]
    for name, send, status, log in cases:
        caplog.clear()
        _check(results, name, send(), status, caplog, log)
    assert not results, "\n".join(results)
    stored = InboundMessage.objects.filter(channel=tg).order_by("provider_message_id")
    assert [(m.provider_message_id, m.text) for m in stored] == [("1111111:501", "Halo dari uji"),
                                                                ("1111111:502", "Pesan kedua")]


@pytest.mark.django_db
def test_the_whatsapp_verification_handshake(wa, tg, robust_client, caplog):
    caplog.set_level(logging.INFO, logger=WEBHOOK_LOGGER)
    token = wa.config["verify_token"]
    assert token
    ok = robust_client.get(webhook_url(wa), {"hub.mode": "subscribe", "hub.verify_token": token,
                                             "hub.challenge": "1158201444"})
    assert ok.status_code == 200
    assert ok.content == b"1158201444"
    assert ok["Content-Type"].startswith("text/plain")
    for name, params in [
        ("wrong token", {"hub.mode": "subscribe", "hub.verify_token": token + "x", "hub.challenge": "1"}),
        ("no token", {"hub.mode": "subscribe", "hub.challenge": "1"}),
        ("wrong mode", {"hub.mode": "unsubscribe", "hub.verify_token": token, "hub.challenge": "1"}),
    ]:
        caplog.clear()
        response = robust_client.get(webhook_url(wa), params)
        assert response.status_code == 403, name
        assert b"1" not in response.content, name
        assert any("handshake refused" in line for line in webhook_logs(caplog)), name
    caplog.clear()
    assert robust_client.get(webhook_url(tg), {"hub.mode": "subscribe", "hub.verify_token": token,
                                               "hub.challenge": "1"}).status_code == 403
    assert robust_client.put(webhook_url(wa), b"{}", content_type="application/json").status_code == 405
    assert robust_client.post("/webhooks/00000000-0000-0000-0000-000000000000/", b"{}",
                              content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_an_unknown_status_value_is_ignored_with_a_log_line(madiun, admin, send_broadcast, robust_client, caplog):
    caplog.set_level(logging.INFO)
    with FakeWhatsApp() as fake:
        channel = make_wa_channel(madiun, admin, fake.url)
        bulk_members(madiun, 1)
        broadcast = send_broadcast(madiun)
        engine.pump(channel.pk, seconds=10)
    delivery = broadcast.deliveries.get()
    before = _state(delivery)
    caplog.clear()
    response = post_wa(robust_client, channel, status_payload(delivery.provider_message_id, "deleted",
                                                              int(time.time()), delivery.recipient))
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert _state(delivery) == before
    assert not PendingStatus.objects.exists()
    assert any("deleted" in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]


def _wa_value(**value) -> dict:
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}


ODD_WHATSAPP = {
    "entry is an object": {"object": "whatsapp_business_account", "entry": {"id": "1"}},
    "entry items are numbers": {"object": "whatsapp_business_account", "entry": [1, 2]},
    "value is a string": {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": "x"}]}]},
    "contact profile is a string": _wa_value(contacts=[{"wa_id": "1", "profile": "x"}]),
    "message context is a string": _wa_value(messages=[{"from": "1", "id": "wamid.ODD", "type": "text",
                                                         "context": "x", "text": {"body": "hi"}}]),
    "status errors is a string": _wa_value(statuses=[{"id": "wamid.ODD", "status": "failed", "errors": "x"}]),
    "status error code is a string": _wa_value(statuses=[{"id": "wamid.ODD", "status": "failed",
                                                          "timestamp": "1700000000",
                                                          "errors": [{"code": "abc", "title": "?"}]}]),
    "timestamp far in the future": _wa_value(statuses=[{"id": "wamid.ODD", "status": "read",
                                                        "timestamp": "99999999999999999"}]),
}
ODD_TELEGRAM = {
    "chat is a string": {"update_id": 1, "message": {"message_id": 1, "chat": "x", "text": "hi"}},
    "from is a string": {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1}, "from": "x", "text": "hi"}},
    "text is a number": {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1}, "text": 5}},
    "photo sizes are numbers": {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1}, "photo": [1]}},
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind,name", [("whatsapp", n) for n in ODD_WHATSAPP] + [("telegram", n) for n in ODD_TELEGRAM])
def test_an_odd_shaped_but_authentic_webhook_is_never_a_500(kind, name, wa, tg, robust_client, caplog):
    """Signed (or carrying the secret), valid JSON, but not the shape the parser expects: 400 or 200, never 500."""
    caplog.set_level(logging.INFO)
    if kind == "whatsapp":
        response = post_wa(robust_client, wa, copy.deepcopy(ODD_WHATSAPP[name]))
    else:
        response = post_tg(robust_client, tg, copy.deepcopy(ODD_TELEGRAM[name]))
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert webhook_logs(caplog)
    # The endpoint still works afterwards.
    if kind == "whatsapp":
        assert post_wa(robust_client, wa, inbound_payload("wamid.AFTER", "Halo")).status_code == 200
    else:
        assert post_tg(robust_client, tg, telegram_update(30001, 777)).status_code == 200


# --- 5. two workers on one channel (PostgreSQL) ----------------------------------------------------------------

@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_broadcast_without_sending_twice(madiun, admin, send_broadcast, workers, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has one writer at a time and no SELECT … FOR UPDATE SKIP LOCKED, "
                    "so two workers cannot claim side by side")
    from django_tasks_db.models import DBTaskResult

    from ops.models import WorkerHeartbeat

    settings.TASKS = DB_TASKS
    settings.DELIVERY_PUMPS_PER_CHANNEL = 2
    env = {"DELIVERY_CONCURRENCY": "20", "DELIVERY_PUMPS_PER_CHANNEL": "2"}
    with FakeWhatsApp() as fake:
        make_wa_channel(madiun, admin, fake.url, rate=500)
        numbers = bulk_members(madiun, 2000)
        for worker_id in ("worker-a", "worker-b"):
            workers.start(worker_id, **env)
        wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id__in=["worker-a", "worker-b"]).count() == 2,
                 timeout=30, what="both workers to start", on_timeout=workers.logs)
        broadcast = send_broadcast(madiun)
        assert broadcast.total_recipients == 2000
        wait_for(lambda: not Delivery.objects.filter(
            broadcast=broadcast, status__in=[DStatus.QUEUED, DStatus.SENDING]).exists(),
            timeout=60, interval=0.5, what="the workers to finish the broadcast", on_timeout=workers.logs)
        workers.assert_alive()
        workers.stop_all()
        counts = ok_counts(fake)
        total_requests = len(fake.requests)

    assert Counter(Delivery.objects.filter(broadcast=broadcast).values_list("status", flat=True)) == {
        DStatus.SENT: 2000}
    assert set(counts) == set(numbers)
    assert set(counts.values()) == {1}, {to: n for to, n in counts.items() if n != 1}
    assert total_requests == 2000
    assert not Delivery.objects.filter(broadcast=broadcast, possible_duplicate=True).exists()
    accepted = Counter()
    for result in DBTaskResult.objects.filter(task_path__endswith="pump_channel", status="SUCCESSFUL"):
        accepted[result.worker_ids[-1]] += (result.return_value or {}).get("accepted", 0)
    print(f"accepted per worker: {dict(accepted)}")   # shown with -s
    assert sum(accepted.values()) == 2000, accepted
    assert accepted["worker-a"] > 0 and accepted["worker-b"] > 0, accepted
