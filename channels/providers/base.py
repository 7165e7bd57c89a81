"""What every messaging provider (WhatsApp Cloud API, Telegram Bot API, e-mail, the dev outbox) offers the core.

The core never branches on a provider's name: it receives these events from `parse_webhook()` and asks
`verify_request()` whether a webhook is genuine. Each provider's send functions return a `SendResult` whose
`outcome` is one of OUTCOMES, so the core decides retry / fall back to a template / mark the address / pause
the channel without knowing which provider answered. The channel model comes with the broadcasts issue.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

ACCEPTED = "accepted"              # the provider took the message (not yet delivered: that comes by webhook)
TRANSIENT = "transient"            # throttled, 5xx, timeout: retry later, after retry_after when given
NEEDS_TEMPLATE = "needs_template"  # WhatsApp 24 h window closed: only an approved template may be sent
BAD_ADDRESS = "bad_address"        # this recipient cannot receive (unknown number, bot blocked…)
CHANNEL_BROKEN = "channel_broken"  # the sending account itself fails (expired token): stop the whole channel
REJECTED = "rejected"              # anything else: do not retry this message as it is
OUTCOMES = (ACCEPTED, TRANSIENT, NEEDS_TEMPLATE, BAD_ADDRESS, CHANNEL_BROKEN, REJECTED)


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


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_message_id: str
    outcome: str                     # one of OUTCOMES
    error_code: int | None = None
    retry_after: float | None = None  # seconds to wait before retrying, when the provider said so
    detail: str = ""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """An HTTP Retry-After header (delay in seconds, or an HTTP date) as seconds from now; None when absent/bad."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(tz=UTC))).total_seconds()
    return max(seconds, 0.0) if seconds == seconds and seconds != float("inf") else None
