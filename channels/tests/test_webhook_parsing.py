"""Every provider payload in tests/fixtures (copied from shared/fixtures, provenance in its README)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.providers import telegram, whatsapp
from channels.providers.base import (
    AccountError,
    InboundMessage,
    StatusUpdate,
    TemplateCategoryChange,
    WebhookRejected,
)

FIXTURES = Path(__file__).parent / "fixtures"
WA_HOOKS = sorted((FIXTURES / "whatsapp" / "webhooks").glob("*.json"))
TG_UPDATES = sorted((FIXTURES / "telegram").glob("update_*.json"))


def body(path: Path) -> bytes:
    return path.read_bytes()


@pytest.mark.parametrize("path", WA_HOOKS, ids=lambda p: p.stem)
def test_it_parses_every_whatsapp_webhook(path):
    events = whatsapp.parse_webhook(body(path))
    if path.stem == "template_category_update_impending":
        assert events == []   # a notice of a change to come: nothing changes yet
        return
    assert events, path.name
    kinds = {type(e) for e in events}
    if path.stem.startswith("template_category"):
        assert events == [TemplateCategoryChange(name="info_siaran", language="id", previous="UTILITY",
                                                 new="MARKETING", at=datetime(2025, 12, 8, tzinfo=UTC))]
    elif path.stem.startswith("inbound"):
        assert kinds == {InboundMessage}
        assert all(e.sender.startswith("whatsapp:+") and e.provider_message_id.startswith("wamid.") for e in events)
    elif path.stem.startswith("status"):
        assert kinds == {StatusUpdate}
    else:
        assert kinds == {AccountError} and events[0].code == 130429


def test_it_reads_whatsapp_details():
    hooks = FIXTURES / "whatsapp" / "webhooks"
    text = whatsapp.parse_webhook(body(hooks / "inbound_text.json"))[0]
    assert text.kind == "text" and text.text and text.sender_name
    image = whatsapp.parse_webhook(body(hooks / "inbound_image_caption.json"))[0]
    assert (image.kind, image.text, image.media_mime_type) == ("image", "Taj Mahal", "image/jpeg") and image.media_id
    assert whatsapp.parse_webhook(body(hooks / "inbound_forwarded_text.json"))[0].forwarded
    many = whatsapp.parse_webhook(body(hooks / "inbound_frequently_forwarded_text.json"))[0]
    assert many.forwarded and many.frequently_forwarded
    assert whatsapp.parse_webhook(body(hooks / "inbound_unsupported.json"))[0].kind == "unsupported"
    assert whatsapp.parse_webhook(body(hooks / "inbound_interactive_button_reply.json"))[0].text
    failed = whatsapp.parse_webhook(body(hooks / "status_failed_131047_reengagement.json"))[0]
    assert (failed.status, failed.error_code) == ("failed", 131047)
    assert whatsapp.parse_webhook(body(hooks / "status_read.json"))[0].status == "read"


def test_whatsapp_signatures_follow_the_worked_examples():
    spec = json.loads((FIXTURES / "whatsapp" / "signature_example.json").read_text())
    for example in spec["examples"]:
        raw = example["raw_body"].encode()
        header = example.get("expected_header_value") or example["received_header_value"]
        assert whatsapp.verify_signature(raw, header, spec["app_secret"]) is example["valid"], example["name"]
    raw = spec["examples"][0]["raw_body"].encode()
    for bad in [None, "", "sha1=abc", "sha256=", "sha256=" + "0" * 64]:
        assert not whatsapp.verify_signature(raw, bad, spec["app_secret"])
    assert not whatsapp.verify_signature(raw, spec["examples"][0]["expected_header_value"], "")


def test_the_whatsapp_verification_handshake():
    spec = json.loads((FIXTURES / "whatsapp" / "verification_handshake.json").read_text())
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "vibecoding"}
    assert whatsapp.verification_response(params, "vibecoding") == "1158201444"
    assert whatsapp.verification_response({**params, "hub.verify_token": "salah"}, "vibecoding") is None
    assert whatsapp.verification_response(params, "") is None
    assert spec  # the fixture documents the same values


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'{"object": "page"}', b"\xff\xfe", b"x" * (3 * 1024 * 1024 + 1)])
def test_bad_whatsapp_bodies_are_rejected_not_crashing(raw):
    with pytest.raises(WebhookRejected):
        whatsapp.parse_webhook(raw)


def test_unknown_whatsapp_shapes_are_ignored():
    raw = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {
        "messages": [{"id": "wamid.x", "from": "6281234567890", "type": "reaction", "reaction": {}}, "junk"],
        "statuses": [None]}}, None]}, None]}).encode()
    events = whatsapp.parse_webhook(raw)
    assert [(e.kind, e.sender) for e in events] == [("reaction", "whatsapp:+6281234567890")]


@pytest.mark.parametrize("path", TG_UPDATES, ids=lambda p: p.stem)
def test_it_parses_every_telegram_update(path):
    events = telegram.parse_update(body(path))
    assert len(events) == 1 and events[0].sender.startswith("telegram:")


def test_it_reads_telegram_details():
    photo = telegram.parse_update(body(FIXTURES / "telegram" / "update_message_photo_caption.json"))[0]
    assert photo.kind == "image" and photo.media_id and photo.text
    assert telegram.parse_update(body(FIXTURES / "telegram" / "update_message_forwarded.json"))[0].forwarded
    hidden = telegram.parse_update(body(FIXTURES / "telegram" / "update_message_forwarded_hidden_user.json"))[0]
    assert hidden.forwarded
    assert telegram.parse_update(b'{"update_id": 1, "poll": {}}') == []


def test_telegram_secret_token():
    spec = json.loads((FIXTURES / "telegram" / "webhook_secret_token.json").read_text())
    secret = spec["setWebhook_request"]["body"]["secret_token"]
    header = spec["incoming_update_request"]["headers"]["X-Telegram-Bot-Api-Secret-Token"]
    assert telegram.verify_secret(header, secret)
    assert not telegram.verify_secret(None, secret) and not telegram.verify_secret("salah", secret)
    assert not telegram.verify_secret(header, "")


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'{"message": {}}', b"x" * (1024 * 1024 + 1)])
def test_bad_telegram_bodies_are_rejected(raw):
    with pytest.raises(WebhookRejected):
        telegram.parse_update(raw)
