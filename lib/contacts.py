"""Validation and normalisation of every kind of contact address and of person/organisation names."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from lib.phones import PhoneError, normalize_mobile, parse_phone

TELEGRAM_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
TELEGRAM_CHAT_ID = re.compile(r"^-?\d{5,15}$")
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript:|\bon\w+\s*=", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AddressError(ValueError):
    pass


def normalize_email(raw: str) -> str:
    value = (raw or "").strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    local, _, domain = value.rpartition("@")
    value = f"{local}@{domain.lower()}" if local else value
    try:
        if len(value) > 254:
            raise ValidationError("too long")
        validate_email(value)
    except ValidationError as exc:
        raise AddressError(f"“{value[:40]}” bukan alamat e-mail yang valid.") from exc
    return value.lower()


def normalize_telegram(raw: str) -> str:
    value = (raw or "").strip()
    for prefix in ("https://t.me/", "http://t.me/", "t.me/", "telegram:"):
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
    value = value.lstrip("@")
    if TELEGRAM_CHAT_ID.match(value):
        return value
    if TELEGRAM_USERNAME.match(value):
        return "@" + value.lower()
    raise AddressError(
        f"“{value[:40]}” bukan nama pengguna Telegram (5–32 huruf/angka/garis bawah) atau ID obrolan."
    )


def normalize_address(kind: str, raw: str) -> str:
    try:
        if kind == "whatsapp":
            return normalize_mobile(raw)
        if kind == "tel":
            return parse_phone(raw).e164
    except PhoneError as exc:
        raise AddressError(str(exc)) from exc
    if kind == "mailto":
        return normalize_email(raw)
    if kind == "telegram":
        return normalize_telegram(raw)
    raise AddressError(f"Jenis alamat tidak dikenal: {kind}")


def display_name(raw, *, max_length: int = 150) -> str:
    """A name someone else chose (a WhatsApp profile, a Telegram account): we cannot ask them to fix it, so markup is
    removed rather than refused, along with control characters and extra spaces."""
    text = raw if isinstance(raw, str) else ""
    return " ".join(MARKUP.sub(" ", CONTROL.sub("", text)).split())[:max_length]


def clean_plain_text(raw: str, *, max_length: int, label: str, required: bool = True) -> str:
    """Names are plain text: markup is refused (not silently stripped) so the person can fix the source."""
    value = " ".join(CONTROL.sub("", raw or "").split())
    if required and not value:
        raise ValidationError(f"{label} wajib diisi.")
    if MARKUP.search(value):
        raise ValidationError(f"{label} tidak boleh berisi kode HTML atau skrip.")
    if len(value) > max_length:
        raise ValidationError(f"{label} terlalu panjang (maksimal {max_length} karakter).")
    return value
