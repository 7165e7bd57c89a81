"""E-mail over SMTP: HTML and plain text in one message, with List-Unsubscribe (RFC 2369) and one-click (RFC 8058)."""

import logging
import smtplib
import socket
from email import policy as email_policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import make_msgid
from django.utils.translation import gettext_lazy as _

from channels.providers.base import (
    ACCEPTED,
    BAD_ADDRESS,
    CHANNEL_BROKEN,
    REJECTED,
    TRANSIENT,
    ChannelType,
    ConfigField,
    OutgoingMessage,
    SendResult,
    wait_until,
)

logger = logging.getLogger(__name__)


class ListHeader(UnstructuredHeader):
    """RFC 2369 headers hold `<URL>` entries that mail clients read literally. The standard policy would turn a long
    URL into an RFC 2047 encoded word (`=?utf-8?q?…`), which no client recognises, so these are folded only between
    entries and never encoded."""

    def fold(self, *, policy):
        entries = [entry.strip() for entry in str(self).split(",") if entry.strip()]
        return f"{self.name}: " + f",{policy.linesep} ".join(entries) + policy.linesep


HEADERS = HeaderRegistry()
HEADERS.map_to_type("list-unsubscribe", ListHeader)
HEADERS.map_to_type("list-unsubscribe-post", ListHeader)


class ListMail(EmailMultiAlternatives):
    def message(self, *, policy=email_policy.default):
        return super().message(policy=policy.clone(header_factory=HEADERS))


def _failure(exc: Exception) -> SendResult:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        outcome = TRANSIENT if codes and all(400 <= c < 500 for c in codes) else BAD_ADDRESS
        return SendResult(ok=False, provider_message_id="", outcome=outcome, error_code=codes[0] if codes else None,
                          detail=str(exc)[:300])
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SendResult(ok=False, provider_message_id="", outcome=CHANNEL_BROKEN, error_code=exc.smtp_code,
                          detail=_("Log masuk SMTP ditolak: periksa nama pengguna dan kata sandi."))
    if isinstance(exc, smtplib.SMTPResponseException):
        outcome = TRANSIENT if 400 <= exc.smtp_code < 500 else REJECTED
        return SendResult(ok=False, provider_message_id="", outcome=outcome, error_code=exc.smtp_code,
                          detail=str(exc.smtp_error)[:300])
    timeout = isinstance(exc, socket.timeout | TimeoutError)
    return SendResult(ok=False, provider_message_id="", outcome=TRANSIENT, detail=f"{type(exc).__name__}: {exc}"[:300],
                      uncertain=timeout)


class SmtpEmail(ChannelType):
    code = "email"
    label = _("E-mail (SMTP)")
    address_kinds = ("mailto",)
    fields = (
        ConfigField("host", _("Server SMTP")),
        ConfigField("port", _("Port"), help=_("587 (STARTTLS), 465 (SSL) atau 25.")),
        ConfigField("security", _("Keamanan sambungan"), choices=(
            ("starttls", _("STARTTLS (biasanya port 587)")), ("ssl", _("SSL/TLS langsung (biasanya port 465)")),
            ("none", _("Tanpa enkripsi (hanya untuk server di jaringan sendiri)")))),
        ConfigField("username", _("Nama pengguna SMTP"), required=False),
        ConfigField("from_email", _("Alamat pengirim"), help=_("Mis. Humas KPU Kota Madiun <humas@contoh.go.id>")),
        ConfigField("reply_to", _("Alamat balasan"), required=False),
        ConfigField("password", _("Kata sandi SMTP"), required=False, secret=True,
                    bound_to=("host", "port", "username", "security")),
    )
    default_rate = 10.0
    max_rate = 200.0
    sends_email = True

    def validate_config(self, config):
        errors = {}
        port = str(config.get("port", ""))
        if not port.isdecimal() or not 0 < int(port) < 65536:
            errors["port"] = _("Port harus angka 1–65535.")
        if config.get("security") not in ("starttls", "ssl", "none"):
            errors["security"] = _("Pilih keamanan sambungan: STARTTLS, SSL/TLS, atau tanpa enkripsi.")
        return errors

    def connection(self, channel, timeout: float):
        security = str(channel.config.get("security", "starttls")).lower()
        return EmailBackend(
            alias=f"channel-{channel.pk}", host=channel.config.get("host"),
            port=int(channel.config.get("port") or 587), username=channel.config.get("username") or "",
            password=channel.secrets.get("password") or "", use_tls=security == "starttls",
            use_ssl=security == "ssl", timeout=timeout, fail_silently=False)

    def build(self, channel, message: OutgoingMessage) -> ListMail:
        domain = str(channel.config.get("from_email", "")).rsplit("@", 1)[-1].strip("> ") or "localhost"
        headers = {"Message-ID": make_msgid(domain=domain)}
        if message.unsubscribe_url:
            headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        reply_to = [channel.config["reply_to"]] if channel.config.get("reply_to") else None
        # A header cannot hold a line break (Django raises BadHeaderError): a stored title must never stop sending.
        subject = " ".join(str(message.subject or "").split())
        email = ListMail(subject=subject, body=message.text,
                                       from_email=channel.config.get("from_email"), to=[message.to],
                                       reply_to=reply_to, headers=headers)
        if message.html:
            email.attach_alternative(message.html, "text/html")
        return email

    def send_batch(self, channel, messages, *, timeout):
        results: list[SendResult] = []
        try:
            connection = self.connection(channel, timeout)
            connection.open()
        except Exception as exc:  # the server is down or refuses us: every message of the batch is retried
            failure = _failure(exc)
            return [failure] * len(messages)
        try:
            for message in messages:
                wait_until(message.not_before)
                email = self.build(channel, message)
                try:
                    connection.send_messages([email])
                except Exception as exc:
                    results.append(_failure(exc))
                    if results[-1].outcome in (TRANSIENT, CHANNEL_BROKEN) and not isinstance(
                            exc, smtplib.SMTPRecipientsRefused):
                        # The connection is gone: the rest of the batch goes back to the queue unsent.
                        results += [results[-1]] * (len(messages) - len(results))
                        break
                else:
                    results.append(SendResult(ok=True, provider_message_id=email.extra_headers["Message-ID"],
                                              outcome=ACCEPTED))
        finally:
            try:
                connection.close()
            except Exception:  # closing a dead connection must not lose the results we have
                logger.info("SMTP connection of channel %s did not close cleanly", channel.pk)
        return results
