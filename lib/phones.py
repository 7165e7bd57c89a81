"""Indonesian phone numbers to E.164 (+62…), with reasons a person can act on."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
# The usual ways of writing an Indonesian number (0812-3456-7890, +62 812 3456 7890, (+62) 812…), whose national
# significant number is read here without phonenumbers.parse(), the larger part of the cost of a number in an
# import; whatever else is written goes through parse(). "0" is followed by 2-9 only: 00x and 010… are dialling
# prefixes for abroad. lib/tests/test_phones.py checks that both ways give the same result.
COMMON_FORM = re.compile(r"(?:\(\+62\)|\+62|0(?=[2-9]))[ .\-]?([1-9](?:[ .\-]?[0-9]){5,16})")
SEPARATORS = str.maketrans("", "", " .-")


class PhoneError(ValueError):
    pass


def _desc_test(desc, length: int) -> Callable | None:
    """A PhoneNumberDesc as phonenumbers' _is_number_matching_desc() reads it for a number of `length` digits:
    no test when the desc has no pattern or excludes the length, else its pattern's fullmatch."""
    if desc is None or not desc.national_number_pattern:
        return None
    if desc.possible_length and length not in desc.possible_length:
        return None
    return re.compile(f"(?:{desc.national_number_pattern})").fullmatch


# +62 is one region (phonenumbers.COUNTRY_CODE_TO_REGION_CODE[62] == ("ID",)), so number_type() of any +62 number
# is _number_type_helper() over ID's metadata, which indonesian_number_type() below follows, with the tests that
# apply to each length worked out once.
_ID = PhoneMetadata.metadata_for_region("ID")
_SAME_MOBILE_AND_FIXED = _ID.same_mobile_and_fixed_line_pattern
_FIRST_MATCH = [(PhoneNumberType.PREMIUM_RATE, _ID.premium_rate), (PhoneNumberType.TOLL_FREE, _ID.toll_free),
                (PhoneNumberType.SHARED_COST, _ID.shared_cost), (PhoneNumberType.VOIP, _ID.voip),
                (PhoneNumberType.PERSONAL_NUMBER, _ID.personal_number), (PhoneNumberType.PAGER, _ID.pager),
                (PhoneNumberType.UAN, _ID.uan), (PhoneNumberType.VOICEMAIL, _ID.voicemail)]
_BY_LENGTH = {
    length: (general, [(number_type, test) for number_type, desc in _FIRST_MATCH
                       if (test := _desc_test(desc, length)) is not None],
             _desc_test(_ID.fixed_line, length), _desc_test(_ID.mobile, length))
    # phonenumbers reads at most 17 digits of national number (_MAX_LENGTH_FOR_NSN).
    for length in range(1, 18) if (general := _desc_test(_ID.general_desc, length)) is not None
}


def indonesian_number_type(national_number: str) -> int:
    """phonenumbers.number_type() of +62 and this national significant number, in the same order over the same
    metadata, with the patterns compiled once: the library's own call costs several times more, most of the
    phone-number time of an import. lib/tests/test_phones.py checks both agree."""
    tests = _BY_LENGTH.get(len(national_number))
    if tests is None:
        return PhoneNumberType.UNKNOWN
    general, first_match, fixed_line, mobile = tests
    if not general(national_number):
        return PhoneNumberType.UNKNOWN
    for number_type, test in first_match:
        if test(national_number):
            return number_type
    if fixed_line and fixed_line(national_number):
        if _SAME_MOBILE_AND_FIXED or (mobile and mobile(national_number)):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE
        return PhoneNumberType.FIXED_LINE
    if not _SAME_MOBILE_AND_FIXED and mobile and mobile(national_number):
        return PhoneNumberType.MOBILE
    return PhoneNumberType.UNKNOWN


@dataclass(frozen=True)
class Phone:
    e164: str
    is_mobile: bool


def parse_phone(raw: str) -> Phone:
    """Accept 0812-3456-7890, 62812…, +62 812…, 812… and landlines such as (0351) 462300."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("Nomor kosong.")
    common = COMMON_FORM.fullmatch(text)
    if common:
        # Starts with 1-9: the digits are the national significant number as phonenumbers writes it.
        national_number = common.group(1).translate(SEPARATORS)
    else:
        if not any(ch.isdigit() for ch in text):
            raise PhoneError(f"“{text[:30]}” bukan nomor telepon.")
        try:
            number = phonenumbers.parse(text, "ID")
        except phonenumbers.NumberParseException as exc:
            raise PhoneError(f"“{text[:30]}” bukan nomor telepon yang dapat dibaca.") from exc
        if number.country_code != 62:
            raise PhoneError(f"“{text[:30]}” bukan nomor Indonesia (+62).")
        national_number = phonenumbers.national_significant_number(number)
    # For +62 (one region), is_valid_number() is number_type() != UNKNOWN: the type is worked out once.
    number_type = indonesian_number_type(national_number)
    if number_type == PhoneNumberType.UNKNOWN:
        raise PhoneError(f"“{text[:30]}” bukan nomor Indonesia yang valid (periksa jumlah digit).")
    return Phone(e164=f"+62{national_number}", is_mobile=number_type in MOBILE_TYPES)


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
