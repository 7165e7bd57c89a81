"""Sending through channels.http to the loopback fakes: request shapes, error classification, injection, allow-list."""

import asyncio
import json
import socket
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from django.test import override_settings

from channels import http
from channels.fakes import SERVER_ERROR, TIMEOUT, FakeTelegram, FakeWhatsApp
from channels.providers import telegram, whatsapp
from channels.providers.base import OUTCOMES, SendResult, parse_retry_after

FIXTURES = Path(__file__).parent / "fixtures"
WA_API = FIXTURES / "whatsapp" / "api"
PHONE_ID, WA_TOKEN, TO = "106540352242922", "EAAJB...", "+16505551234"
BOT_TOKEN = "7000000001:AAFakeTokenForTests"


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_send_text_posts_the_documented_request():
    spec = load(WA_API / "send_text_request.json")
    with FakeWhatsApp() as wa:
        result = whatsapp.send_text(wa.url, PHONE_ID, WA_TOKEN, TO, spec["body"]["text"]["body"])
        [request] = wa.requests
    assert result == SendResult(ok=True, provider_message_id=result.provider_message_id, outcome="accepted")
    assert result.provider_message_id.startswith("wamid.")
    assert request.method == spec["method"]
    assert request.path == spec["url"].removeprefix(whatsapp.GRAPH_URL)
    assert {k: request.headers[k.lower()] for k in spec["headers"]} == spec["headers"]
    assert request.json == spec["body"]


@pytest.mark.parametrize(("name", "parameters"), [
    ("send_template_request.json", ["Jessica", "SKBUP2-4CPIG9"]),
    ("send_template_named_params_request.json", {"first_name": "Jessica", "order_number": "SKBUP2-4CPIG9"}),
])
def test_send_template_posts_the_documented_request(name, parameters):
    spec = load(WA_API / name)
    with FakeWhatsApp() as wa:
        result = whatsapp.send_template(wa.url, PHONE_ID, WA_TOKEN, TO, "order_confirmation", "en_US", parameters)
        [request] = wa.requests
    assert result.ok and result.outcome == "accepted"
    assert request.path == spec["url"].removeprefix(whatsapp.GRAPH_URL)
    assert request.headers["authorization"] == spec["headers"]["Authorization"]
    assert request.json == spec["body"]


def test_a_template_without_parameters_has_no_components():
    assert "components" not in whatsapp.template_request(TO, "hello_world", "id")["template"]


WA_EXPECTED = {
    "error_130429_rate_limit.json": ("transient", 130429),
    "error_131056_pair_rate_limit.json": ("transient", 131056),
    "error_80007_waba_rate_limit.json": ("transient", 80007),
    "error_131047_reengagement.json": ("needs_template", 131047),
    "error_131026_undeliverable.json": ("bad_address", 131026),
    "error_190_access_token_expired.json": ("channel_broken", 190),
}


def test_every_whatsapp_error_fixture_is_expected():
    assert {p.name for p in WA_API.glob("error_*.json")} == set(WA_EXPECTED)


@pytest.mark.parametrize("name", sorted(WA_EXPECTED))
def test_whatsapp_error_fixtures_are_classified_by_code(name):
    spec = load(WA_API / name)
    result = whatsapp.classify_response(http.Response(spec["http_status"], {}, json.dumps(spec["body"]), spec["body"]))
    assert (result.outcome, result.error_code, result.ok) == (*WA_EXPECTED[name], False)
    assert result.detail and result.provider_message_id == ""


@pytest.mark.parametrize(("code", "outcome"), [(code, outcome) for outcome, code in WA_EXPECTED.values()])
def test_the_fake_serves_each_error_and_the_sender_classifies_it(code, outcome):
    with FakeWhatsApp(errors={TO: code}) as wa:
        result = whatsapp.send_text(wa.url, PHONE_ID, WA_TOKEN, TO, "Halo")
        ok = whatsapp.send_text(wa.url, PHONE_ID, WA_TOKEN, "+6281234567890", "Halo")
    assert (result.outcome, result.error_code) == (outcome, code)
    assert ok.outcome == "accepted"
    assert [r.answer for r in wa.requests] == [str(code), "ok"]


@pytest.mark.parametrize(("status", "body", "outcome", "code"), [
    (500, {"error": {"code": 131000, "message": "Something went wrong"}}, "transient", 131000),
    (503, {"error": {"code": 131016, "message": "Service unavailable"}}, "transient", 131016),
    (400, {"error": {"code": 4, "message": "(#4) Application request limit reached"}}, "transient", 4),
    (502, None, "transient", None),                          # an HTML page from a proxy
    (400, {"error": {"code": 131009, "message": "Parameter value is not valid"}}, "rejected", 131009),
    (400, {"error": {"code": 131051, "message": "Unsupported message type"}}, "rejected", 131051),
    (200, {"messaging_product": "whatsapp", "messages": []}, "rejected", None),
])
def test_other_whatsapp_answers(status, body, outcome, code):
    result = whatsapp.classify_response(http.Response(status, {}, json.dumps(body), body))
    assert (result.outcome, result.error_code) == (outcome, code)
    assert result.outcome in OUTCOMES


def test_retry_after_is_honoured_for_transient_errors_only():
    with FakeWhatsApp(errors={TO: 130429, "+6281234567890": 131047}, retry_after=7) as wa:
        throttled = whatsapp.send_text(wa.url, PHONE_ID, WA_TOKEN, TO, "Halo")
        window = whatsapp.send_text(wa.url, PHONE_ID, WA_TOKEN, "+6281234567890", "Halo")
    assert (throttled.outcome, throttled.retry_after) == ("transient", 7.0)
    assert (window.outcome, window.retry_after) == ("needs_template", None)
    now = parsedate_to_datetime("Wed, 21 Oct 2015 07:28:00 GMT")
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=now) == 30.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None and parse_retry_after("-3") == 0.0


def test_the_fake_records_requests_and_gives_unique_ids():
    with FakeWhatsApp() as wa:
        results = [whatsapp.send_text(wa.url, PHONE_ID, WA_TOKEN, f"+62812345678{i:02d}", f"Pesan {i}")
                   for i in range(5)]
    assert len({r.provider_message_id for r in results}) == 5
    assert [r.json["to"] for r in wa.requests] == [f"+62812345678{i:02d}" for i in range(5)]
    assert all(r.answer == "ok" for r in wa.requests)


def test_the_fake_checks_the_token_when_given_one():
    with FakeWhatsApp(token="right") as wa:
        assert whatsapp.send_text(wa.url, PHONE_ID, "wrong", TO, "Halo").outcome == "channel_broken"
        assert whatsapp.send_text(wa.url, PHONE_ID, "right", TO, "Halo").outcome == "accepted"


def _run(seed: int) -> tuple[list[str], list[str]]:
    with FakeWhatsApp(fail_ratio=0.4, seed=seed, failures=(130429, 80007, SERVER_ERROR)) as wa:
        results = [whatsapp.send_text(wa.url, PHONE_ID, WA_TOKEN, TO, str(i)).outcome for i in range(40)]
    return results, [r.answer for r in wa.requests]


def test_failure_injection_is_seeded_and_cycles_the_kinds():
    outcomes, answers = _run(seed=3)
    assert _run(seed=3) == (outcomes, answers)
    failed = Counter(a for a in answers if a != "ok")
    assert set(failed) == {"130429", "80007", SERVER_ERROR}
    assert 8 <= sum(failed.values()) <= 24
    assert outcomes.count("transient") == sum(failed.values())
    assert outcomes.count("accepted") == answers.count("ok")


def test_timeouts_are_transient_and_the_fake_saw_the_request():
    with FakeWhatsApp(errors={TO: TIMEOUT}, hang=1.0) as wa:
        result = whatsapp.send_text(wa.url, PHONE_ID, WA_TOKEN, TO, "Halo", timeout=0.2)
        assert [r.answer for r in wa.requests] == [TIMEOUT]
    assert (result.ok, result.outcome, result.error_code) == (False, "transient", None)
    assert "timeout" in result.detail


def test_the_timeout_injector_in_the_random_cycle():
    with FakeWhatsApp(fail_ratio=1.0, failures=(TIMEOUT,), hang=1.0) as wa:
        result = whatsapp.send_text(wa.url, PHONE_ID, WA_TOKEN, TO, "Halo", timeout=0.1)
    assert result.outcome == "transient"


def test_a_refused_connection_is_transient():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = whatsapp.send_text(f"http://127.0.0.1:{port}", PHONE_ID, WA_TOKEN, TO, "Halo", timeout=1)
    assert result.outcome == "transient" and "127.0.0.1" in result.detail


# --- Telegram ---

def test_send_message_posts_to_the_bot_api_and_names_the_message_like_the_parser():
    with FakeTelegram(token=BOT_TOKEN) as tg:
        first = telegram.send_message(tg.url, BOT_TOKEN, 1111111, "Reminder: the briefing starts at 09:00.")
        second = telegram.send_message(tg.url, BOT_TOKEN, "@kpu_kota", "Pengumuman")
        [request, _] = tg.requests
    assert request.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert request.json == {"chat_id": 1111111, "text": "Reminder: the briefing starts at 09:00.", "parse_mode": "HTML"}
    assert first.ok and first.outcome == "accepted" and first.provider_message_id.startswith("1111111:")
    assert second.ok and second.provider_message_id != first.provider_message_id


def test_telegram_429_fixture_is_transient_with_its_retry_after():
    spec = load(FIXTURES / "telegram" / "sendmessage_response_429.json")
    result = telegram.classify_response(http.Response(spec["http_status"], {}, "", spec["body"]))
    assert (result.outcome, result.error_code, result.retry_after) == ("transient", 429, 8.0)
    ok = load(FIXTURES / "telegram" / "sendmessage_response_ok.json")
    assert telegram.classify_response(http.Response(200, {}, "", ok["body"])).provider_message_id == "1111111:1369"


@pytest.mark.parametrize(("kind", "outcome", "retry_after"), [
    (429, "transient", 8.0), (SERVER_ERROR, "transient", None), (403, "bad_address", None),
    (400, "bad_address", None), (401, "channel_broken", None), (409, "rejected", None),
])
def test_telegram_failures_from_the_fake(kind, outcome, retry_after):
    with FakeTelegram(errors={"42": kind}) as tg:
        result = telegram.send_message(tg.url, BOT_TOKEN, 42, "Halo")
    assert (result.outcome, result.retry_after, result.ok) == (outcome, retry_after, False)


def test_telegram_wrong_token_and_timeout_never_leak_the_token():
    with FakeTelegram(token=BOT_TOKEN, errors={"7": TIMEOUT}, hang=1.0) as tg:
        assert telegram.send_message(tg.url, "1:wrong", 5, "Halo").outcome == "channel_broken"
        late = telegram.send_message(tg.url, BOT_TOKEN, 7, "Halo", timeout=0.2)
    assert late.outcome == "transient" and "timeout" in late.detail and BOT_TOKEN not in late.detail


# --- the wrapper ---

def test_non_loopback_hosts_are_refused_while_the_allow_list_is_set():
    with pytest.raises(http.HostNotAllowed):
        whatsapp.send_text(whatsapp.GRAPH_URL, PHONE_ID, WA_TOKEN, TO, "Halo")
    with pytest.raises(http.HostNotAllowed):
        telegram.send_message(telegram.API_URL, BOT_TOKEN, 1, "Halo")
    with pytest.raises(http.HostNotAllowed):
        http.check_url("file:///etc/passwd")
    for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]:8000/x", "http://127.8.0.1/x"):
        http.check_url(url)


def test_the_setting_drives_the_allow_list_when_no_override_is_active(monkeypatch):
    monkeypatch.setattr(http, "_override", http._UNSET)
    with override_settings(OUTBOUND_HTTP_ALLOWED_HOSTS=None):
        assert http.check_url("https://graph.facebook.com/v25.0/1/messages") == "graph.facebook.com"
    with override_settings(OUTBOUND_HTTP_ALLOWED_HOSTS=["api.telegram.org"]):
        assert http.check_url("https://api.telegram.org/bot1/sendMessage") == "api.telegram.org"
        assert http.check_url("http://127.0.0.1:8000/") == "127.0.0.1"
        with pytest.raises(http.HostNotAllowed):
            http.check_url("https://graph.facebook.com/v25.0/1/messages")
    with http.allowed_hosts(["graph.facebook.com"]):
        assert http.check_url("https://graph.facebook.com/v25.0/1/messages") == "graph.facebook.com"
    assert http._override is http._UNSET


def test_the_async_variant_talks_to_the_fake_and_maps_timeouts():
    async def go(url):
        ok = await http.apost_json(f"{url}/{PHONE_ID}/messages", whatsapp.text_request(TO, "Halo"),
                                   headers={"Authorization": f"Bearer {WA_TOKEN}"}, timeout=2)
        with pytest.raises(http.TransportError) as late:
            await http.apost_json(f"{url}/{PHONE_ID}/messages", whatsapp.text_request("+628111", "Halo"), timeout=0.2)
        with pytest.raises(http.HostNotAllowed):
            await http.apost_json("https://graph.facebook.com/x", {})
        await http.close_session()
        return ok, late.value

    with FakeWhatsApp(errors={"+628111": TIMEOUT}, hang=1.0) as wa:
        # In a thread of its own: the session's Playwright browser (e2e) keeps an event loop in the main thread.
        with ThreadPoolExecutor(max_workers=1) as pool:
            response, error = pool.submit(asyncio.run, go(wa.url)).result()
    assert response.status == 200 and whatsapp.classify_response(response).outcome == "accepted"
    assert error.timeout
