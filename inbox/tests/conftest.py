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
    tg_channel,
    wa_channel,
)

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


@pytest.fixture
def post_webhook(client):
    def post(channel, raw: bytes):
        return client.post(reverse("channel_webhook", args=[channel.uuid]), raw, content_type="application/json",
                           headers={"X-Hub-Signature-256": sign(raw)})

    return post
