import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from django.urls import reverse

from broadcasts.tests.conftest import (  # noqa: F401 (fixtures shared with the broadcasts tests)
    APP_SECRET,
    _loopback_only,
    _no_quiet_hours,
    admin,
    editor,
    fake_tg,
    fake_wa,
    make_member,
    outbox,
    tg_channel,
    wa_channel,
)
from inbox.services import route_pending

WEBHOOKS = Path(__file__).resolve().parents[2] / "channels" / "tests" / "fixtures" / "whatsapp" / "webhooks"


def whatsapp_body(fixture: str = "inbound_text.json", *, text: str | None = None, sender: str = "+6281230000001",
                  message_id: str = "wamid.UJI1", name: str = "Pengirim Uji", sent_at: int | None = None) -> bytes:
    payload = json.loads((WEBHOOKS / fixture).read_text())
    value = payload["entry"][0]["changes"][0]["value"]
    digits = sender.lstrip("+")
    value["contacts"] = [{"wa_id": digits, "profile": {"name": name}}]
    message = value["messages"][0]
    message.update({"from": digits, "id": message_id, "timestamp": str(sent_at or int(time.time()))})
    if text is not None:
        message["text"] = {"body": text}
    return json.dumps(payload).encode()


def sign(raw: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()


def routed(response):
    """What the worker's router does right after a webhook is stored (inbox.services.route_pending)."""
    while route_pending():
        pass
    return response


@pytest.fixture
def post_webhook(client):
    def post(channel, raw: bytes):
        return routed(client.post(reverse("channel_webhook", args=[channel.uuid]), raw,
                                  content_type="application/json", headers={"X-Hub-Signature-256": sign(raw)}))

    return post


TELEGRAM = Path(__file__).resolve().parents[2] / "channels" / "tests" / "fixtures" / "telegram"


def telegram_body(fixture: str = "update_message_text.json", *, text: str | None = None, update: dict | None = None,
                  **message: object) -> bytes:
    """A Telegram update from the fixtures; `text` replaces the text, keyword arguments replace message fields."""
    payload = json.loads((TELEGRAM / fixture).read_text())
    key = next(k for k in ("message", "edited_message", "channel_post") if k in payload)
    if text is not None:
        payload[key]["text"] = text
    payload[key].update(message)
    payload.update(update or {})
    return json.dumps(payload).encode()


@pytest.fixture
def post_telegram(client):
    def post(channel, raw: bytes, secret: str | None = None):
        return routed(client.post(
            reverse("channel_webhook", args=[channel.uuid]), raw, content_type="application/json",
            headers={"X-Telegram-Bot-Api-Secret-Token": secret or channel.config["webhook_secret"]}))

    return post
