"""Indonesian phone numbers to E.164 (+62…), with reasons a person can act on."""

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
# The usual ways of writing an Indonesian number (0812-3456-7890, +62 812 3456 7890, (+62) 812…), whose national
# significant number is read here without phonenumbers.parse(), the larger part of the cost of a number in an
# import; whatever else is written goes through parse(). "0" is followed by 2-9 only: 00x and 010… are dialling
# prefixes for abroad. lib/tests/test_phones.py checks that both ways give the same result.
COMMON_FORM = re.compile(r"(?:\(\+62\)|\+62|0(?=[2-9]))[ .\-]?([1-9](?:[ .\-]?[0-9]){5,16})")
SEPARATORS = str.maketrans("", "", " .-")


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
    common = COMMON_FORM.fullmatch(text)
    if common:
        number = phonenumbers.PhoneNumber(country_code=62,
                                          national_number=int(common.group(1).translate(SEPARATORS)))
    else:
        try:
            number = phonenumbers.parse(text, "ID")
        except phonenumbers.NumberParseException as exc:
            raise PhoneError(f"“{text[:30]}” bukan nomor telepon yang dapat dibaca.") from exc
    if number.country_code != 62:
        raise PhoneError(f"“{text[:30]}” bukan nomor Indonesia (+62).")
    # For +62 (one region), is_valid_number() is number_type() != UNKNOWN: the type is worked out once.
    number_type = phonenumbers.number_type(number)
    if number_type == PhoneNumberType.UNKNOWN:
        raise PhoneError(f"“{text[:30]}” bukan nomor Indonesia yang valid (periksa jumlah digit).")
    return Phone(e164=f"+62{phonenumbers.national_significant_number(number)}", is_mobile=number_type in MOBILE_TYPES)


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
