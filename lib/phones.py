"""Indonesian phone numbers to E.164 (+62…), with reasons a person can act on."""

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class PhoneError(ValueError):
    pass


@dataclass(frozen=True)
class Phone:
    e164: str
    is_mobile: bool


def parse_phone(raw: str) -> Phone:
    """Accept 0812-3456-7890, 62812…, +62 812…, 812… and landlines such as (0351) 462300."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("Nomor kosong.")
    if not any(ch.isdigit() for ch in text):
        raise PhoneError(f"“{text[:30]}” bukan nomor telepon.")
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(f"“{text[:30]}” bukan nomor telepon yang dapat dibaca.") from exc
    if number.country_code != 62:
        raise PhoneError(f"“{text[:30]}” bukan nomor Indonesia (+62).")
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"“{text[:30]}” bukan nomor Indonesia yang valid (periksa jumlah digit).")
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        is_mobile=phonenumbers.number_type(number) in MOBILE_TYPES,
    )


def normalize_mobile(raw: str) -> str:
    """A WhatsApp number must be a mobile number."""
    phone = parse_phone(raw)
    if not phone.is_mobile:
        raise PhoneError(f"“{raw.strip()[:30]}” adalah nomor telepon rumah/kantor, bukan nomor ponsel/WhatsApp.")
    return phone.e164


def display_phone(e164: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164
