"""WhatsApp Cloud API webhooks: signature, verification handshake and event parsing (fixtures in tests/)."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

from channels.providers.base import AccountError, InboundMessage, StatusUpdate, WebhookRejected
from lib.phones import PhoneError, parse_phone

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 3 * 1024 * 1024  # Meta's own limit for a webhook payload
MEDIA_TYPES = {"image", "document", "audio", "video", "sticker"}


def verify_signature(raw_body: bytes, header_value: str | None, app_secret: str) -> bool:
    """HMAC-SHA256 of the raw bytes as received (never a re-serialised body), compared in constant time."""
    if not header_value or not header_value.startswith("sha256=") or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header_value.removeprefix("sha256=").strip().lower())


def verification_response(params: dict, verify_token: str) -> str | None:
    """The subscription handshake: the challenge to echo back, or None (answer 403)."""
    if params.get("hub.mode") == "subscribe" and verify_token and hmac.compare_digest(
            str(params.get("hub.verify_token", "")), verify_token):
        return str(params.get("hub.challenge", ""))
    return None


def _time(value) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(tz=UTC)


def _address(wa_id: str) -> str:
    try:
        return "whatsapp:" + parse_phone("+" + wa_id.lstrip("+")).e164
    except PhoneError:
        return "whatsapp:+" + "".join(ch for ch in wa_id if ch.isdecimal())


def _message(message: dict, names: dict[str, str]) -> InboundMessage:
    kind = message.get("type", "unsupported")
    body = message.get(kind) if isinstance(message.get(kind), dict) else {}
    context = message.get("context") or {}
    text = ""
    if kind == "text":
        text = body.get("body", "")
    elif kind in MEDIA_TYPES:
        text = body.get("caption", "")
    elif kind == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        text = reply.get("title", "")
    elif kind == "button":
        text = body.get("text", "")
    elif kind == "location":
        text = " ".join(str(body.get(k, "")) for k in ("name", "address") if body.get(k))
    sender = str(message.get("from", ""))
    return InboundMessage(
        provider_message_id=str(message.get("id", "")), sender=_address(sender),
        sent_at=_time(message.get("timestamp")),
        kind=kind, text=text, sender_name=names.get(sender, ""),
        media_id=str(body.get("id", "")) if kind in MEDIA_TYPES else "",
        media_url=str(body.get("url", "")) if kind in MEDIA_TYPES else "",
        media_mime_type=str(body.get("mime_type", "")) if kind in MEDIA_TYPES else "",
        forwarded=bool(context.get("forwarded") or context.get("frequently_forwarded")),
        frequently_forwarded=bool(context.get("frequently_forwarded")),
        reply_to=str(context.get("id", "")) if not context.get("forwarded") else "", raw=message,
    )


def _status(status: dict) -> StatusUpdate:
    error = (status.get("errors") or [{}])[0]
    return StatusUpdate(
        provider_message_id=str(status.get("id", "")), status=str(status.get("status", "")),
        at=_time(status.get("timestamp")), recipient=_address(str(status.get("recipient_id", ""))),
        error_code=error.get("code"), error_title=str(error.get("title", "")),
    )


def parse_webhook(raw_body: bytes) -> list[InboundMessage | StatusUpdate | AccountError]:
    """Every event in a (possibly multi-entry) notification. Unknown fields are ignored, never fatal."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise WebhookRejected("payload larger than 3 MB")
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(f"body is not JSON: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise WebhookRejected("not a WhatsApp Business Account notification")
    events: list[InboundMessage | StatusUpdate | AccountError] = []
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            names = {c.get("wa_id", ""): (c.get("profile") or {}).get("name", "") for c in value.get("contacts") or []}
            events += [_message(m, names) for m in value.get("messages") or [] if isinstance(m, dict)]
            events += [_status(s) for s in value.get("statuses") or [] if isinstance(s, dict)]
            events += [AccountError(code=e.get("code", 0), title=str(e.get("title", "")))
                       for e in value.get("errors") or [] if isinstance(e, dict)]
    return events
