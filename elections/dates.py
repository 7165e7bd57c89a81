"""Dates as KPU staff type them: ISO, day/month/year with / - or ., and Indonesian month names."""

import re
from datetime import date

from django.utils.translation import gettext as _

MONTHS: dict[str, int] = {
    "januari": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2,
    "maret": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agus": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12,
}

# 2024-02-14, also as Excel hands it over from an XLSX date cell: "2024-02-14 00:00:00".
ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
# 14/02/2024, 14-02-2024, 14.02.2024 (always day first, four-digit year).
NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
# 14 Februari 2024, 14 Feb 2024, 14 Feb. 2024, Rabu, 14 Februari 2024.
WEEKDAY = r"(?:(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad),?\s+)?"
WORDS = re.compile(WEEKDAY + r"(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})", re.IGNORECASE)

MIN_YEAR, MAX_YEAR = 1900, 2100


def _unknown(text: str) -> ValueError:
    return ValueError(_("format tanggal tidak dikenal: “%s”; gunakan 2024-02-14 atau 14 Februari 2024")
                      % text[:60])


def parse_date(text: str | None) -> date | None:
    """The date in `text`, None when it is empty; a ValueError with an Indonesian message otherwise.

    Two-digit years and month-first dates are refused rather than guessed; so are dates that do not exist.
    """
    value = " ".join((text or "").split())
    if not value:
        return None
    if match := ISO.fullmatch(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := NUMERIC.fullmatch(value):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := WORDS.fullmatch(value):
        month = MONTHS.get(match[2].lower())
        if month is None:
            raise _unknown(value)
        day, year = int(match[1]), int(match[3])
    else:
        raise _unknown(value)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(_("tahun di luar jangkauan: “%s”") % value[:60])
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(_("tanggal tidak ada di kalender: “%s”") % value[:60]) from None

