"""Telegram Bot API: webhooks (secret-token header, update parsing) and sendMessage (fixtures in tests/)."""

import secrets
from datetime import UTC, datetime

from django.utils.translation import gettext_lazy as _

from channels import http
from channels.providers.base import (
    ACCEPTED,
    BAD_ADDRESS,
    CHANNEL_BROKEN,
    REJECTED,
    TRANSIENT,
    ChannelType,
    ConfigField,
    InboundMessage,
    MediaError,
    OutgoingMessage,
    SendResult,
    WebhookRejected,
    fallback_message_id,
    load_json,
    parse_retry_after,
    secret_matches,
)
from lib.chatformat import to_html

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024
MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")
MEDIA_KEYS = ("photo", "document", "audio", "voice", "video", "video_note", "sticker")
MEDIA_KIND = {"voice": "audio", "video_note": "video"}

API_URL = "https://api.telegram.org"  # base_url for send_message(); tests pass a channels.fakes.FakeTelegram url
SEND_TIMEOUT = 10.0


def verify_secret(header_value: str | None, secret_token: str) -> bool:
    """A shared secret, not a signature: compared in constant time; missing or different means reject."""
    return secret_matches(header_value, secret_token)


def _time(value) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(tz=UTC)


def _media(message: dict) -> tuple[str, str, str]:
    for key in MEDIA_KEYS:
        item = message.get(key)
        if key == "photo" and isinstance(item, list) and item:
            return "image", str(item[-1].get("file_id", "")), "image/jpeg"  # the last size is the original
        if isinstance(item, dict):
            kind = MEDIA_KIND.get(key, key)
            return kind, str(item.get("file_id", "")), str(item.get("mime_type", ""))
    return "", "", ""


def parse_update(raw_body: bytes) -> list[InboundMessage]:
    """The message in an update (private chat, group or channel post); other update types give no event."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise WebhookRejected("update larger than 1 MB")
    update = load_json(raw_body)
    if not isinstance(update, dict) or "update_id" not in update:
        raise WebhookRejected("not a Telegram update")
    try:
        return _messages(update)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
        raise WebhookRejected(f"unexpected shape ({type(exc).__name__}: {exc})"[:300]) from exc


def _messages(update: dict) -> list[InboundMessage]:
    key = next((k for k in MESSAGE_KEYS if isinstance(update.get(k), dict)), None)
    if key is None:
        return []
    message = update[key]
    chat = message.get("chat") or {}
    sender = message.get("from") or message.get("sender_chat") or chat
    media_kind, media_id, mime = _media(message)
    text = message.get("text") or message.get("caption") or ""
    text = text if isinstance(text, str) else ""
    name = " ".join(filter(None, [sender.get("first_name"), sender.get("last_name")])) or sender.get("title", "")
    return [InboundMessage(
        # Message ids are unique per chat only; the update id orders retries.
        provider_message_id=f"{chat.get('id')}:{message.get('message_id') or fallback_message_id(message)}" + (
            f":edit:{message.get('edit_date')}" if key.startswith("edited_") else ""),
        sender=f"telegram:{chat.get('id')}", sent_at=_time(message.get("date")),
        kind=media_kind or ("text" if text else "unsupported"), text=text, sender_name=name,
        sender_handle=f"@{sender['username'].lower()}" if isinstance(sender.get("username"), str) else "",
        media_id=media_id, media_mime_type=mime,
        forwarded=bool(message.get("forward_origin") or message.get("forward_from") or message.get("forward_date")),
        private=chat.get("type", "private") == "private", raw=update,
    )]


# --- sending -----------------------------------------------------------------------------------------------

def message_request(chat_id: int | str, text: str) -> dict:
    """sendMessage with the composer's WhatsApp-style formatting in Telegram's HTML parse mode (without a parse
    mode members would read the literal `*` and `_`); everything else is escaped, so any text arrives as written."""
    return {"chat_id": chat_id, "text": to_html(text), "parse_mode": "HTML"}


def classify_response(response: http.Response) -> SendResult:
    """A Bot API answer as a SendResult. The id is "<chat id>:<message id>", as parse_update() names messages."""
    data = response.data if isinstance(response.data, dict) else {}
    if data.get("ok") is True and isinstance(data.get("result"), dict):
        result = data["result"]
        chat_id = (result.get("chat") or {}).get("id")
        return SendResult(ok=True, provider_message_id=f"{chat_id}:{result.get('message_id')}", outcome=ACCEPTED)
    code = data.get("error_code") if isinstance(data.get("error_code"), int) else response.status
    parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
    detail = str(data.get("description") or f"HTTP {response.status}: {response.text[:200]}")
    retry_after = parameters.get("retry_after")
    retry_after = float(retry_after) if isinstance(retry_after, int | float) else parse_retry_after(
        response.headers.get("retry-after"))
    if code == 429 or code >= 500 or retry_after is not None:
        outcome = TRANSIENT
    elif code in (401, 404):            # the bot token is wrong or revoked
        outcome = CHANNEL_BROKEN
    elif code == 403 or "migrate_to_chat_id" in parameters or "not found" in detail.lower():
        outcome = BAD_ADDRESS           # bot blocked or kicked, chat not found, group moved to a supergroup
    else:
        outcome = REJECTED
    return SendResult(ok=False, provider_message_id="", outcome=outcome, error_code=code,
                      retry_after=retry_after if outcome == TRANSIENT else None, detail=detail)


def send_message(base_url: str, token: str, chat_id: int | str, text: str, *,
                 timeout: float = SEND_TIMEOUT) -> SendResult:
    """sendMessage to a user, group or channel (chat_id or "@channelusername")."""
    url = f"{base_url.rstrip('/')}/bot{token}/sendMessage"
    try:
        response = http.post_json(url, message_request(chat_id, text), timeout=timeout)
    except http.TransportError as exc:
        return SendResult(ok=False, provider_message_id="", outcome=TRANSIENT, detail=str(exc))
    return classify_response(response)


class TelegramBot(ChannelType):
    code = "telegram"
    label = _("Bot Telegram")
    address_kinds = ("telegram",)
    fields = (
        ConfigField("bot_username", _("Nama pengguna bot"), required=False),
        ConfigField("broadcast_chats", _("Grup/kanal forum untuk siaran"), required=False, multiline=True,
                    help=_("Satu per baris: ID obrolan grup (mis. -1001234567890) atau @namakanal. "
                           "Bot harus sudah menjadi anggota/admin di sana.")),
        ConfigField("base_url", _("Alamat Bot API"), required=False, custom_endpoint=True,
                    help=_("Kosongkan untuk %(url)s.") % {"url": API_URL}),
        ConfigField("bot_token", _("Token bot (dari @BotFather)"), secret=True, bound_to=("base_url",)),
    )
    default_base_url = API_URL
    default_rate = 30.0
    max_rate = 1000.0
    error_help = {
        403: _("Telegram 403: penerima memblokir bot, atau bot dikeluarkan dari grup."),
        400: _("Telegram 400: obrolan tidak ditemukan (penerima belum memulai bot) atau pesan tidak sah."),
        401: _("Telegram 401: token bot salah atau dicabut."),
        429: _("Telegram 429: terlalu banyak pesan; Telegram meminta menunggu."),
    }
    two_way = True

    def recipient_interval(self, to: str) -> float:
        # 1 message/s to one chat; 20 messages/min to one group or channel.
        return 3.0 if to.startswith(("-", "@")) else 1.0

    def can_reach(self, kind: str, value: str) -> bool:
        # A bot can write only to a numeric chat (a person who started the bot); "@username" of a person is not one.
        return kind == "telegram" and not value.startswith("@")

    def generated_config(self) -> dict:
        return {"webhook_secret": secrets.token_urlsafe(32)}

    def broadcast_chats(self, channel) -> list[str]:
        lines = str(channel.config.get("broadcast_chats", "")).splitlines()
        return [line.strip() for line in lines if line.strip()]

    def send_batch(self, channel, messages, *, timeout):
        from channels import aio

        base = self.base_url(channel)
        url = f"{base}/bot{channel.secrets.get('bot_token', '')}/sendMessage"

        async def send(message: OutgoingMessage) -> SendResult:
            text = message.text if not message.media_url else f"{message.text}\n\n{message.media_url}"
            try:
                response = await http.apost_json(url, message_request(message.to, text[:4096]), timeout=timeout)
            except http.TransportError as exc:
                return SendResult(ok=False, provider_message_id="", outcome=TRANSIENT, detail=str(exc),
                                  uncertain=exc.timeout)
            return classify_response(response)

        return aio.send_paced(messages, send)

    def fetch_media(self, channel, media_id, *, max_bytes):
        base = self.base_url(channel)
        token = channel.secrets.get("bot_token", "")
        try:
            info = http.get_json(f"{base}/bot{token}/getFile?file_id={media_id}", timeout=SEND_TIMEOUT)
            result = info.data.get("result") if isinstance(info.data, dict) else None
            if not isinstance(result, dict) or not result.get("file_path"):
                raise MediaError(f"getFile: HTTP {info.status}", retryable=info.status >= 500 or info.status == 429)
            status, headers, content = http.get_bytes(f"{base}/file/bot{token}/{result['file_path']}",
                                                      timeout=SEND_TIMEOUT * 3, max_bytes=max_bytes)
        except (http.TooLarge, http.HostNotAllowed) as exc:
            raise MediaError(str(exc), retryable=False) from exc
        except http.TransportError as exc:
            raise MediaError(str(exc)) from exc
        if status != 200:
            raise MediaError(f"file download: HTTP {status}", retryable=status >= 500)
        return content, headers.get("content-type", "")

    def verify_webhook(self, channel, headers, raw_body):
        return verify_secret(headers.get(SECRET_HEADER), channel.config.get("webhook_secret", ""))

    def parse_webhook(self, raw_body):
        return parse_update(raw_body)

    registers_webhook = True

    def register_webhook(self, channel, url):
        """setWebhook with our secret token: Telegram then sends it in every update's header."""
        base = self.base_url(channel)
        body = {"url": url, "secret_token": channel.config.get("webhook_secret", ""),
                "allowed_updates": ["message", "edited_message", "channel_post"]}
        try:
            response = http.post_json(f"{base}/bot{channel.secrets.get('bot_token', '')}/setWebhook", body,
                                      timeout=SEND_TIMEOUT)
        except http.TransportError as exc:
            return SendResult(ok=False, provider_message_id="", outcome=TRANSIENT, detail=str(exc))
        data = response.data if isinstance(response.data, dict) else {}
        if data.get("ok") is True:
            return SendResult(ok=True, provider_message_id="", outcome=ACCEPTED,
                              detail=str(data.get("description", "")))
        return SendResult(ok=False, provider_message_id="", outcome=REJECTED, error_code=data.get("error_code"),
                          detail=str(data.get("description") or response.status))

    def webhook_help(self, channel, url):
        return _("Tekan “Pasang webhook” agar Telegram mengirim pesan ke alamat ini (dengan kode rahasia kanal).")
