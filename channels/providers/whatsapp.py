"""WhatsApp Cloud API: webhooks (signature, verification handshake, event parsing) and sending (fixtures in tests/)."""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from channels import http
from channels.providers.base import (
    ACCEPTED,
    BAD_ADDRESS,
    CHANNEL_BROKEN,
    NEEDS_TEMPLATE,
    REJECTED,
    TRANSIENT,
    AccountError,
    ChannelType,
    ConfigField,
    InboundMessage,
    MediaError,
    OutgoingMessage,
    SendResult,
    StatusUpdate,
    TemplateCategoryChange,
    WebhookRejected,
    fallback_message_id,
    load_json,
    parse_retry_after,
    secret_matches,
)
from lib.outbound import META_HOSTS, host_matches
from lib.phones import PhoneError, parse_phone

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 3 * 1024 * 1024  # Meta's own limit for a webhook payload
MEDIA_TYPES = {"image", "document", "audio", "video", "sticker"}

GRAPH_URL = "https://graph.facebook.com/v25.0"  # base_url for send_*(); tests pass a channels.fakes.FakeWhatsApp url
SEND_TIMEOUT = 10.0
# Classified by error.code, never by HTTP status or error_subcode (see tests/fixtures/README.md).
TRANSIENT_CODES = {130429, 131056, 80007, 4, 131000, 131016}
OUTCOME_BY_CODE = {131047: NEEDS_TEMPLATE, 131026: BAD_ADDRESS, 190: CHANNEL_BROKEN} | dict.fromkeys(
    TRANSIENT_CODES, TRANSIENT)


def token_may_go_to(url: str, base_url: str) -> bool:
    """Whether the access token may be sent to this (media) URL: HTTPS to a Meta host, or, where custom endpoints
    are allowed, the same scheme, host and port as the channel's API address (the loopback fake)."""
    try:
        target, base = urlsplit(url), urlsplit(base_url)
        target_key = (target.scheme, (target.hostname or "").lower(), target.port)
        base_key = (base.scheme, (base.hostname or "").lower(), base.port)
    except ValueError:
        return False
    if target.scheme == "https" and target.port in (None, 443) and host_matches(target_key[1], META_HOSTS):
        return True
    return http.custom_endpoints_allowed() and base_url != GRAPH_URL and target_key == base_key


def verify_signature(raw_body: bytes, header_value: str | None, app_secret: str) -> bool:
    """HMAC-SHA256 of the raw bytes as received (never a re-serialised body), compared in constant time."""
    if not header_value or not header_value.startswith("sha256=") or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return secret_matches(header_value.removeprefix("sha256=").strip().lower(), expected)


def verification_response(params: dict, verify_token: str) -> str | None:
    """The subscription handshake: the challenge to echo back, or None (answer 403)."""
    if params.get("hub.mode") == "subscribe" and secret_matches(params.get("hub.verify_token"), verify_token):
        return str(params.get("hub.challenge", ""))
    return None


def _time(value) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(tz=UTC)


def _address(wa_id: str) -> str:
    try:
        return "whatsapp:" + parse_phone("+" + wa_id.lstrip("+")).e164
    except PhoneError:
        return "whatsapp:+" + "".join(ch for ch in wa_id if ch.isdecimal())


def _message(message: dict, names: dict[str, str]) -> InboundMessage:
    kind = message.get("type")
    kind = kind if isinstance(kind, str) and kind else "unsupported"
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
    text = text if isinstance(text, str) else ""
    sender = str(message.get("from", ""))
    return InboundMessage(
        provider_message_id=str(message.get("id") or "") or fallback_message_id(message), sender=_address(sender),
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
        error_code=error.get("code") if isinstance(error.get("code"), int) else None,
        error_title=str(error.get("title", "")),
    )


def parse_webhook(raw_body: bytes) -> list[InboundMessage | StatusUpdate | AccountError]:
    """Every event in a (possibly multi-entry) notification. Unknown fields are ignored, never fatal; a body in no
    shape Meta documents is a WebhookRejected, never another exception."""
    if len(raw_body) > MAX_BODY_BYTES:
        raise WebhookRejected("payload larger than 3 MB")
    payload = load_json(raw_body)
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise WebhookRejected("not a WhatsApp Business Account notification")
    try:
        return _events(payload)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
        raise WebhookRejected(f"unexpected shape ({type(exc).__name__}: {exc})"[:300]) from exc


def _events(payload: dict) -> list[InboundMessage | StatusUpdate | AccountError | TemplateCategoryChange]:
    events: list[InboundMessage | StatusUpdate | AccountError | TemplateCategoryChange] = []
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            names = {c.get("wa_id", ""): (c.get("profile") or {}).get("name", "")
                     for c in value.get("contacts") or [] if isinstance(c, dict)}
            events += [_message(m, names) for m in value.get("messages") or [] if isinstance(m, dict)]
            events += [_status(s) for s in value.get("statuses") or [] if isinstance(s, dict)]
            events += [AccountError(code=e.get("code", 0), title=str(e.get("title", "")))
                       for e in value.get("errors") or [] if isinstance(e, dict)]
            # Only a completed change: an impending one (correct_category, no previous_category) changes nothing yet.
            if (change or {}).get("field") == "template_category_update" and value.get("previous_category"):
                events.append(TemplateCategoryChange(
                    name=str(value.get("message_template_name", "")),
                    language=str(value.get("message_template_language", "")),
                    previous=str(value["previous_category"]), new=str(value.get("new_category", "")),
                    at=_time(entry.get("time")) if entry.get("time") else None))
    return events


# --- sending -----------------------------------------------------------------------------------------------

def text_request(to_e164: str, text: str, *, preview_url: bool = True) -> dict:
    """The body of a free-form text message (only inside the 24 h customer-service window)."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to_e164, "type": "text",
            "text": {"preview_url": preview_url, "body": text}}


def template_request(to_e164: str, name: str, language: str,
                     parameters: Sequence[str] | Mapping[str, str] = ()) -> dict:
    """The body of an approved template: a list gives positional {{1}}, {{2}}…; a dict gives named parameters."""
    if isinstance(parameters, Mapping):
        values = [{"type": "text", "parameter_name": k, "text": str(v)} for k, v in parameters.items()]
    else:
        values = [{"type": "text", "text": str(v)} for v in parameters]
    template: dict = {"name": name, "language": {"code": language}}
    if values:
        template["components"] = [{"type": "body", "parameters": values}]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to_e164, "type": "template",
            "template": template}


def media_request(to_e164: str, kind: str, link: str, caption: str = "") -> dict:
    """An image or document sent by link (Meta fetches it); the caption carries the message text."""
    media: dict = {"link": link}
    if caption:
        media["caption"] = caption[:1024]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to_e164, "type": kind,
            kind: media}


def classify_response(response: http.Response) -> SendResult:
    """A Graph API answer as a SendResult: a wamid when accepted, else an outcome chosen by error.code."""
    data = response.data if isinstance(response.data, dict) else {}
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if 200 <= response.status < 300 and "error" not in data:
        message_id = str(((data.get("messages") or [{}])[0] or {}).get("id", ""))
        if message_id:
            return SendResult(ok=True, provider_message_id=message_id, outcome=ACCEPTED)
        return SendResult(ok=False, provider_message_id="", outcome=REJECTED, detail="accepted without a message id")
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else ""
    detail = " — ".join(filter(None, [str(error.get("message") or ""), str(details or "")])) or (
        f"HTTP {response.status}: {response.text[:200]}")
    outcome = OUTCOME_BY_CODE.get(code)
    if outcome is None:
        outcome = TRANSIENT if response.status >= 500 or response.status == 429 or error.get("is_transient") else (
            REJECTED)
    return SendResult(ok=False, provider_message_id="", outcome=outcome, error_code=code,
                      retry_after=retry_after if outcome == TRANSIENT else None, detail=detail)


def _post(base_url: str, phone_number_id: str, token: str, body: dict, timeout: float) -> SendResult:
    url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    try:
        response = http.post_json(url, body, headers=headers, timeout=timeout)
    except http.TransportError as exc:
        return SendResult(ok=False, provider_message_id="", outcome=TRANSIENT, detail=str(exc))
    return classify_response(response)


def send_text(base_url: str, phone_number_id: str, token: str, to_e164: str, text: str, *,
              preview_url: bool = True, timeout: float = SEND_TIMEOUT) -> SendResult:
    """Send free text. Outside the 24 h window the answer is outcome "needs_template" (131047)."""
    return _post(base_url, phone_number_id, token, text_request(to_e164, text, preview_url=preview_url), timeout)


def send_template(base_url: str, phone_number_id: str, token: str, to_e164: str, name: str, language: str,
                  parameters: Sequence[str] | Mapping[str, str] = (), *, timeout: float = SEND_TIMEOUT) -> SendResult:
    """Send an approved template (body parameters positional when a list, named when a dict)."""
    return _post(base_url, phone_number_id, token, template_request(to_e164, name, language, parameters), timeout)


def request_for(message: OutgoingMessage) -> dict:
    if message.template is not None:
        return template_request(message.to, message.template.name, message.template.language,
                                message.template.parameters)
    if message.media_url and message.media_kind in ("image", "document"):
        if len(message.text) <= 1024:
            return media_request(message.to, message.media_kind, message.media_url, message.text)
        return text_request(message.to, f"{message.text}\n\n{message.media_url}")   # a caption holds 1,024
    return text_request(message.to, message.text)


class WhatsAppCloud(ChannelType):
    code = "whatsapp"
    label = _("WhatsApp Cloud API")
    address_kinds = ("whatsapp",)
    fields = (
        ConfigField("phone_number_id", _("ID nomor pengirim (Phone number ID)"),
                    help=_("Di Meta for Developers: aplikasi Anda › WhatsApp › API Setup, di bawah nomor pengirim. "
                           "Angka panjang, bukan nomor teleponnya.")),
        ConfigField("display_phone", _("Nomor WhatsApp yang ditampilkan"), required=False,
                    help=_("Nomor yang dilihat anggota, mis. +62 812-3456-7890 (hanya untuk tampilan).")),
        ConfigField("business_account_id", _("ID akun WhatsApp Business (WABA ID)"), required=False,
                    help=_("Di WhatsApp Manager › Ikhtisar akun; dipakai untuk mencocokkan pemberitahuan templat.")),
        ConfigField("base_url", _("Alamat Graph API"), required=False, custom_endpoint=True,
                    help=_("Kosongkan untuk %(url)s.") % {"url": GRAPH_URL}),
        ConfigField("access_token", _("Token akses permanen (System User access token)"), secret=True,
                    bound_to=("base_url",),
                    help=_("Di Business Settings › Users › System users: buat token dengan izin "
                           "whatsapp_business_messaging; token sementara dari API Setup kedaluwarsa dalam 24 jam.")),
        ConfigField("app_secret", _("Kunci rahasia aplikasi (App secret)"), secret=True,
                    help=_("Di aplikasi Meta Anda › App settings › Basic; dipakai untuk memeriksa tanda tangan setiap "
                           "webhook.")),
    )
    default_rate = 80.0
    max_rate = 1000.0
    default_base_url = GRAPH_URL
    error_help = {
        131047: _("WhatsApp 131047: lebih dari 24 jam sejak penerima terakhir menulis."),
        131026: _("WhatsApp 131026: nomor tidak terdaftar di WhatsApp, aplikasinya terlalu lama, atau belum "
                  "menyetujui ketentuan baru."),
        130429: _("WhatsApp 130429: batas kecepatan nomor pengirim tercapai."),
        131056: _("WhatsApp 131056: terlalu banyak pesan ke orang yang sama dalam waktu singkat."),
        80007: _("WhatsApp 80007: batas kecepatan akun WhatsApp Business tercapai."),
        190: _("WhatsApp 190: token akses kedaluwarsa atau dicabut."),
        131000: _("WhatsApp 131000: kesalahan di server WhatsApp."),
    }
    two_way = True
    session_window = timedelta(hours=24)

    def recipient_interval(self, to: str) -> float:
        return 6.0   # Meta: one message every 6 seconds to the same user (error 131056 otherwise)

    def generated_config(self) -> dict:
        return {"verify_token": secrets.token_urlsafe(24)}

    def send_batch(self, channel, messages, *, timeout):
        from channels import aio

        url = f"{self.base_url(channel)}/{channel.config['phone_number_id']}/messages"
        token = channel.secrets.get("access_token", "")
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

        async def send(message: OutgoingMessage) -> SendResult:
            try:
                response = await http.apost_json(url, request_for(message), headers=headers, timeout=timeout)
            except http.TransportError as exc:
                return SendResult(ok=False, provider_message_id="", outcome=TRANSIENT, detail=str(exc),
                                  uncertain=exc.timeout)
            return classify_response(response)

        return aio.send_paced(messages, send)

    def fetch_media(self, channel, media_id, *, max_bytes):
        """GET /<media id> gives a short-lived URL; GET that URL, with the same token, gives the file. The token
        goes only to a Meta host (or, in tests and `make run`, to the channel's own endpoint): a URL elsewhere is
        refused, whatever answered the first request."""
        base = self.base_url(channel)
        headers = {"Authorization": f"Bearer {channel.secrets.get('access_token', '')}"}
        try:
            info = http.get_json(f"{base}/{media_id}", headers=headers, timeout=SEND_TIMEOUT)
            if info.status != 200 or not isinstance(info.data, dict) or not info.data.get("url"):
                raise MediaError(f"media {media_id}: HTTP {info.status}", retryable=info.status >= 500)
            media_url = str(info.data["url"])
            if not token_may_go_to(media_url, base):
                host = urlsplit(media_url).hostname or "?"
                logger.warning("channel %s: media %s not downloaded: its address is on %s, not a Meta host, and "
                               "the access token is sent to Meta only", channel.pk, media_id, host)
                raise MediaError(f"media {media_id}: download address on {host} is not a Meta host; refused",
                                 retryable=False)
            status, response_headers, content = http.get_bytes(media_url, headers=headers,
                                                               timeout=SEND_TIMEOUT * 3, max_bytes=max_bytes)
        except (http.TooLarge, http.HostNotAllowed) as exc:
            raise MediaError(str(exc), retryable=False) from exc
        except http.TransportError as exc:
            raise MediaError(str(exc)) from exc
        if status != 200:
            raise MediaError(f"media {media_id}: download HTTP {status}", retryable=status >= 500)
        return content, str(info.data.get("mime_type") or response_headers.get("content-type", ""))

    def verify_webhook(self, channel, headers, raw_body):
        return verify_signature(raw_body, headers.get(SIGNATURE_HEADER), channel.secrets.get("app_secret", ""))

    def handshake(self, channel, params):
        return verification_response(params, channel.config.get("verify_token", ""))

    def parse_webhook(self, raw_body):
        return parse_webhook(raw_body)

    def webhook_help(self, channel, url):
        return _("Di Meta App Dashboard → WhatsApp → Configuration, isi Callback URL %(url)s dan Verify token "
                 "%(token)s, lalu langganan kolom \"messages\" dan \"template_category_update\" (perubahan kategori "
                 "templat oleh Meta).") % {"url": url, "token": channel.config.get("verify_token")}

