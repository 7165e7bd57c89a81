"""Hostile webhook headers and handshake values: non-ASCII text is a 403 with a log line, never a 500."""

import hashlib
import hmac
import json
import logging

import pytest

from channels import services as channel_services
from channels.providers import telegram, whatsapp

APP_SECRET = "uji-app-secret"
BODY = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()


@pytest.fixture
def wa(madiun, admin):
    return channel_services.create_channel(
        actor=admin, office=madiun, kind="whatsapp", name="WhatsApp Humas",
        config={"phone_number_id": "106540352242922"},
        secrets={"access_token": "EAAJB-uji", "app_secret": APP_SECRET})


@pytest.fixture
def tg(madiun, admin):
    return channel_services.create_channel(actor=admin, office=madiun, kind="telegram", name="Bot Humas",
                                           secrets={"bot_token": "7000000001:AAFakeTokenForTests"})


def signature(body: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("value", ["sha256=ÿþ" + "a" * 62, "sha256=ペイロード", "sha256=\udcff"])
def test_non_ascii_signatures_do_not_match(value):
    assert whatsapp.verify_signature(BODY, value, APP_SECRET) is False
    assert telegram.verify_secret(value, "rahasia") is False
    assert whatsapp.verification_response({"hub.mode": "subscribe", "hub.verify_token": value,
                                           "hub.challenge": "1"}, "token") is None


def test_a_non_ascii_whatsapp_signature_header_is_a_403(client, wa, caplog):
    url = f"/webhooks/{wa.uuid}/"
    with caplog.at_level(logging.WARNING, logger="bakohumas.webhooks"):
        response = client.post(url, data=BODY, content_type="application/json",
                               headers={"X-Hub-Signature-256": "sha256=ÿ" + signature(BODY)[8:]})
    assert response.status_code == 403
    assert "bad or missing signature" in caplog.text
    good = client.post(url, data=BODY, content_type="application/json",
                       headers={"X-Hub-Signature-256": signature(BODY)})
    assert good.status_code == 200


def test_a_non_ascii_telegram_secret_header_is_a_403(client, tg):
    body = json.dumps({"update_id": 1}).encode()
    response = client.post(f"/webhooks/{tg.uuid}/", data=body, content_type="application/json",
                           headers={telegram.SECRET_HEADER: "rahasia-é-" + tg.config["webhook_secret"]})
    assert response.status_code == 403
    good = client.post(f"/webhooks/{tg.uuid}/", data=body, content_type="application/json",
                       headers={telegram.SECRET_HEADER: tg.config["webhook_secret"]})
    assert good.status_code == 200


def test_a_non_ascii_verify_token_in_the_handshake_is_a_403(client, wa):
    url = f"/webhooks/{wa.uuid}/"
    response = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "tokén-ペ", "hub.challenge": "42"})
    assert response.status_code == 403
    good = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": wa.config["verify_token"],
                            "hub.challenge": "42"})
    assert good.status_code == 200 and good.content == b"42"
