import pytest

from lib.contacts import AddressError, clean_plain_text, normalize_address
from lib.phones import PhoneError, normalize_mobile, parse_phone


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
