"""What every messaging provider (WhatsApp Cloud API, Telegram Bot API, e-mail, the dev outbox) offers the core.

The core never branches on a provider's name: it receives these events from `parse_webhook()` and asks
`verify_request()` whether a webhook is genuine. Sending and the channel model come with the broadcasts issue.
"""

from dataclasses import dataclass, field
from datetime import datetime


class WebhookRejected(ValueError):
    """A webhook that must not be processed (bad signature, unreadable body): answer 4xx, keep a log line."""


@dataclass(frozen=True)
class InboundMessage:
    provider_message_id: str
    sender: str                      # a typed address, e.g. "whatsapp:+6281234567890" or "telegram:123456"
    sent_at: datetime
    kind: str                        # text, image, document, audio, video, location, interactive, unsupported…
    text: str = ""
    sender_name: str = ""
    media_id: str = ""
    media_url: str = ""
    media_mime_type: str = ""
    forwarded: bool = False
    frequently_forwarded: bool = False
    reply_to: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    status: str                      # sent, delivered, read, failed
    at: datetime
    recipient: str
    error_code: int | None = None
    error_title: str = ""


@dataclass(frozen=True)
class AccountError:
    """A provider error not tied to one message (e.g. WhatsApp 130429 throughput limit for the number)."""

    code: int
    title: str
    at: datetime | None = None
