import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.contacts import AddressError, clean_plain_text, normalize_address
from lib.phones import PhoneError, indonesian_number_type, normalize_mobile, parse_phone


@pytest.mark.parametrize("raw", ["0812-3456-7890", "081234567890", "62812 3456 7890", "6281234567890",
                                 "+62 812 3456 7890", "+62-812-3456-7890", "(0812) 3456 7890", "812 3456 7890"])
def test_it_normalizes_indonesian_mobile_forms(raw):
    assert normalize_mobile(raw) == "+6281234567890"


def test_it_accepts_landlines_as_phone_but_not_as_whatsapp():
    assert parse_phone("(0351) 462300").e164 == "+62351462300"
    with pytest.raises(PhoneError, match="bukan nomor ponsel"):
        normalize_mobile("(0351) 462300")


@pytest.mark.parametrize(("raw", "reason"), [
    ("+60123456789", "bukan nomor Indonesia"),
    ("+1 202 555 0143", "bukan nomor Indonesia"),
    ("0812", "valid"),
    ("abc", "bukan nomor telepon"),
    ("", "kosong"),
])
def test_it_explains_bad_numbers(raw, reason):
    with pytest.raises(PhoneError, match=reason):
        normalize_mobile(raw)


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    ("mailto", " Siti.Rahma@Example.ID ", "siti.rahma@example.id"),
    ("mailto", "mailto:humas@kpu.go.id", "humas@kpu.go.id"),
    ("telegram", "@HumasKPU", "@humaskpu"),
    ("telegram", "https://t.me/humas_kpu", "@humas_kpu"),
    ("telegram", "123456789", "123456789"),
    ("whatsapp", "0857-1234-5678", "+6285712345678"),
])
def test_it_normalizes_every_address_kind(kind, raw, expected):
    assert normalize_address(kind, raw) == expected


@pytest.mark.parametrize(("kind", "raw"), [("mailto", "bukan-email"), ("telegram", "ab"), ("telegram", "a b c d e"),
                                           ("whatsapp", "+60123456789"), ("fax", "123")])
def test_it_refuses_bad_addresses(kind, raw):
    with pytest.raises(AddressError):
        normalize_address(kind, raw)


@pytest.mark.parametrize("raw", ["<script>alert(1)</script>", "Budi <b>S</b>", "<img src=x onerror=alert(1)>",
                                 "javascript:alert(1)", "Budi onclick=alert(1)"])
def test_it_refuses_markup_in_names(raw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="HTML"):
        clean_plain_text(raw, max_length=150, label="Nama")


def test_it_keeps_plain_names_with_symbols():
    assert clean_plain_text("  H. Ahmad  Dahlan, S.Sos. & Tim (PKB)  ", max_length=150, label="Nama") == \
        "H. Ahmad Dahlan, S.Sos. & Tim (PKB)"
    assert clean_plain_text("ꦲꦏ꧀ꦱꦫ Jawa — عبد الله 🙂", max_length=150, label="Nama") == "ꦲꦏ꧀ꦱꦫ Jawa — عبد الله 🙂"


def _parse_phone_by_phonenumbers(text: str):
    """What parse_phone gave when every number went through phonenumbers.parse() (the reference)."""
    import phonenumbers

    from lib.phones import MOBILE_TYPES
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return "unreadable"
    if number.country_code != 62:
        return "foreign"
    if not phonenumbers.is_valid_number(number):
        return "invalid"
    return (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            phonenumbers.number_type(number) in MOBILE_TYPES)


def test_the_shortcut_for_common_forms_agrees_with_phonenumbers_parse():
    import random

    from lib.phones import COMMON_FORM

    rnd = random.Random(2024)
    shortcut = 0
    for _ in range(20_000):
        text = rnd.choice(["0", "+62", "62", "", "(+62) ", "0062", "+620", "00", "+62 ", "(+62)", "0 ", "+62-",
                           "010"])
        text += "".join(rnd.choice("0123456789" * 6 + " .-") for _ in range(rnd.randint(1, 18)))
        if not text.strip():
            continue
        shortcut += bool(COMMON_FORM.fullmatch(text.strip()))
        try:
            phone = parse_phone(text)
            got = (phone.e164, phone.is_mobile)
        except PhoneError as exc:
            message = str(exc)
            got = ("foreign" if message.endswith("(+62).") else "invalid" if message.endswith("digit).")
                   else "unreadable")
        assert got == _parse_phone_by_phonenumbers(text), text
    assert shortcut > 4_000


def _library_type(national_number: str) -> int:
    leading_zeros = len(national_number) - len(national_number.lstrip("0"))
    number = phonenumbers.PhoneNumber(country_code=62, national_number=int(national_number),
                                      italian_leading_zero=leading_zeros > 0 or None,
                                      number_of_leading_zeros=leading_zeros or None)
    assert phonenumbers.national_significant_number(number) == national_number
    return phonenumbers.number_type(number)


def test_the_indonesian_type_agrees_with_phonenumbers_for_every_three_digit_start_and_length():
    rnd = random.Random(62)
    checked = set()
    for length in range(3, 18):
        for start in range(1000):
            head = f"{start:03d}"[:length]
            if head.startswith("0") and (head == "0" * len(head)):
                continue
            for tail in ("0" * (length - 3), "9" * (length - 3),
                         "".join(rnd.choice("0123456789") for _ in range(length - 3))):
                national_number = (head + tail)[:length]
                if national_number not in checked:
                    checked.add(national_number)
                    assert indonesian_number_type(national_number) == _library_type(national_number), national_number
    assert len(checked) > 30_000


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=17).filter(lambda digits: digits.strip("0")))
def test_the_indonesian_type_agrees_with_phonenumbers_on_generated_numbers(national_number):
    assert indonesian_number_type(national_number) == _library_type(national_number)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(["0", "+62", "62", "", "(+62) ", "+62 ", "+62-", "0062 ", "+62 0", "(0", "8"]),
       st.lists(st.sampled_from("0123456789" * 4 + " .-"), min_size=4, max_size=18).map("".join))
def test_parse_phone_agrees_with_phonenumbers_on_written_indonesian_numbers(prefix, digits):
    text = prefix + digits
    if not text.strip():
        return
    try:
        phone = parse_phone(text)
        got = (phone.e164, phone.is_mobile)
    except PhoneError as exc:
        message = str(exc)
        got = ("foreign" if message.endswith("(+62).") else "invalid" if message.endswith("digit).")
               else "unreadable")
    assert got == _parse_phone_by_phonenumbers(text), text
