"""What every messaging provider (WhatsApp Cloud API, Telegram Bot API, e-mail, the dev outbox) offers the core.

The core never branches on a provider's name: it receives these events from `parse_webhook()` and asks
`verify_webhook()` whether a webhook is genuine. Each provider's send functions return a `SendResult` whose
`outcome` is one of OUTCOMES, so the core decides retry / fall back to a template / mark the address / pause
the channel without knowing which provider answered. `ChannelType` is the interface each provider implements;
`channels.providers.REGISTRY` maps a channel's `kind` to its instance.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from lib.contacts import display_name
from lib.text import clean_deep, clean_text, nesting_depth

ACCEPTED = "accepted"              # the provider took the message (not yet delivered: that comes by webhook)
TRANSIENT = "transient"            # throttled, 5xx, timeout: retry later, after retry_after when given
NEEDS_TEMPLATE = "needs_template"  # WhatsApp 24 h window closed: only an approved template may be sent
BAD_ADDRESS = "bad_address"        # this recipient cannot receive (unknown number, bot blocked…)
CHANNEL_BROKEN = "channel_broken"  # the sending account itself fails (expired token): stop the whole channel
REJECTED = "rejected"              # anything else: do not retry this message as it is
OUTCOMES = (ACCEPTED, TRANSIENT, NEEDS_TEMPLATE, BAD_ADDRESS, CHANNEL_BROKEN, REJECTED)


class MediaError(Exception):
    """A media download that failed; `retryable` tells whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class WebhookRejected(ValueError):
    """A webhook that must not be processed (bad signature, unreadable body): answer 4xx, keep a log line."""


# Real provider payloads nest about ten levels deep; far deeper JSON is hostile and would exhaust the stack later.
MAX_JSON_DEPTH = 32


def load_json(raw_body: bytes):
    """The body as JSON, or WebhookRejected: not JSON, not UTF-8, or nested beyond MAX_JSON_DEPTH."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WebhookRejected(f"body is not JSON: {type(exc).__name__}") from exc
    if nesting_depth(payload, limit=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise WebhookRejected(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return payload


def fallback_message_id(message) -> str:
    """A stable id for a message the provider sent without one: a retry of it is still recognised as a repeat,
    and two different id-less messages never collide (an empty id would make the second one a 'duplicate')."""
    return "sha256:" + hashlib.sha256(json.dumps(message, sort_keys=True, default=str).encode()).hexdigest()


def secret_matches(given, expected: str) -> bool:
    """A value from a request (header, query) against our secret, in constant time, as bytes: hmac.compare_digest
    refuses str with non-ASCII characters, and a hostile header must be a 403, not a 500."""
    if not isinstance(given, str) or not given or not expected:
        return False
    try:
        return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    except UnicodeEncodeError:   # lone surrogates
        return False


@dataclass(frozen=True)
class InboundMessage:
    provider_message_id: str
    sender: str                      # a typed address, e.g. "whatsapp:+6281234567890" or "telegram:123456"
    sent_at: datetime
    kind: str                        # text, image, document, audio, video, location, interactive, unsupported…
    text: str = ""
    sender_name: str = ""
    sender_handle: str = ""          # a public handle that staff may have recorded instead (Telegram "@username")
    media_id: str = ""
    media_url: str = ""
    media_mime_type: str = ""
    forwarded: bool = False
    frequently_forwarded: bool = False
    reply_to: str = ""
    private: bool = True             # a one-to-one chat (keywords apply), not a group the bot is in
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        # The edge for everything a sender wrote: storable text (no NUL or control characters, which PostgreSQL
        # or an export would refuse), and a profile name without markup before it can become a member's name.
        for name in ("provider_message_id", "sender", "kind", "text", "sender_handle", "media_id", "media_url",
                     "media_mime_type", "reply_to"):
            value = getattr(self, name)
            object.__setattr__(self, name, clean_text(value if isinstance(value, str) else str(value or "")))
        object.__setattr__(self, "sender_name", display_name(self.sender_name, max_length=200))
        object.__setattr__(self, "raw", clean_deep(self.raw))


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    status: str                      # sent, delivered, read, failed
    at: datetime
    recipient: str
    error_code: int | None = None
    error_title: str = ""


@dataclass(frozen=True)
class TemplateCategoryChange:
    """The provider changed an approved template's category (WhatsApp `template_category_update`), which changes
    what each message of it costs."""

    name: str
    language: str
    previous: str
    new: str
    at: datetime | None = None


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
    delivered: bool = False          # the provider confirms delivery at once (the dev outbox)
    uncertain: bool = False          # no answer (timeout): the message may have gone out; a retry may duplicate it


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


@dataclass(frozen=True)
class TemplateMessage:
    name: str
    language: str
    parameters: tuple[str, ...] | dict[str, str] = ()


@dataclass(frozen=True)
class OutgoingMessage:
    to: str                          # the address value: "+6281…", "123456789", "@kanal", "nama@contoh.id"
    text: str
    subject: str = ""
    html: str = ""
    template: TemplateMessage | None = None
    media_url: str = ""
    media_kind: str = ""             # "image" or "document"
    unsubscribe_url: str = ""
    not_before: float = 0.0          # epoch seconds: the rate limiter's slot for this message


@dataclass(frozen=True)
class ConfigField:
    name: str
    label: str
    required: bool = True
    secret: bool = False             # write-only: kept in Channel.secrets, never shown again
    help: str = ""
    multiline: bool = False
    custom_endpoint: bool = False    # the provider's API address: only where CHANNELS_ALLOW_CUSTOM_ENDPOINTS allows it
    choices: tuple[tuple[str, str], ...] = ()   # a fixed set of values, shown as a choice
    # A secret sent to the server these config fields name: changing one of them needs the secret typed in again,
    # so that a saved secret can never be sent to a server someone else just put there.
    bound_to: tuple[str, ...] = ()


class ChannelType:
    """One provider. Subclasses set the attributes and implement send_batch(); two-way ones the webhook methods."""

    code: str = ""
    label: str = ""
    address_kinds: tuple[str, ...] = ()
    fields: tuple[ConfigField, ...] = ()
    default_rate: float = 10.0
    max_rate: float = 10.0
    two_way: bool = False
    session_window: timedelta | None = None   # free text only this long after the person last wrote
    sends_email: bool = False                 # messages get a subject, HTML and an unsubscribe link
    error_help: dict = {}                     # provider error code → a plain-language explanation for staff
    is_simulation: bool = False               # reaches nobody (the dev outbox): used only when nothing real is set up
    default_base_url: str = ""                # the provider's API address (HTTP providers)

    def base_url(self, channel) -> str:
        """The API address: the channel's own (a loopback fake) only where custom endpoints are allowed."""
        from channels.http import custom_endpoints_allowed

        custom = str(channel.config.get("base_url") or "").strip()
        return (custom if custom and custom_endpoints_allowed() else self.default_base_url).rstrip("/")

    def recipient_interval(self, to: str) -> float:
        """Seconds that must pass between two messages to the same recipient."""
        return 0.0

    def can_reach(self, kind: str, value: str) -> bool:
        return kind in self.address_kinds

    def validate_config(self, config: dict) -> dict[str, str]:
        """Field name → what is wrong, for values beyond "required" (the service checks those)."""
        return {}

    def broadcast_chats(self, channel) -> list[str]:
        """Group chats or channels a broadcast may also post to (Telegram groups the bot is in)."""
        return []

    def generated_config(self) -> dict:
        """Values created once when the channel is made (webhook verify tokens…)."""
        return {}

    def send_batch(self, channel, messages: list[OutgoingMessage], *, timeout: float) -> list[SendResult]:
        raise NotImplementedError

    # Webhooks (two-way providers) ------------------------------------------------------------------------
    def verify_webhook(self, channel, headers, raw_body: bytes) -> bool:
        return False

    def handshake(self, channel, params) -> str | None:
        return None

    def parse_webhook(self, raw_body: bytes) -> list:
        raise WebhookRejected("this channel takes no webhooks")

    def webhook_help(self, channel, url: str) -> str:
        return ""

    def fetch_media(self, channel, media_id: str, *, max_bytes: int) -> tuple[bytes, str]:
        """The file behind an inbound message's media id: (content, mime type). Raises MediaError."""
        raise MediaError("this channel has no media")

    registers_webhook: bool = False   # the provider can be told the webhook address by API (a button in the UI)

    def register_webhook(self, channel, url: str) -> SendResult:
        raise NotImplementedError


def wait_until(epoch_seconds: float) -> None:
    delay = epoch_seconds - time.time()
    if delay > 0:
        time.sleep(delay)
