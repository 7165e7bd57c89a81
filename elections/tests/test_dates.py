from datetime import date

import pytest

from elections.dates import parse_date

VALENTINE = date(2024, 2, 14)


@pytest.mark.parametrize("text", [
    "2024-02-14", "2024-2-14", "2024-02-14 00:00:00", "2024-02-14T00:00",
    "14/02/2024", "14/2/2024", "14-02-2024", "14.02.2024",
    "14 Februari 2024", "14 februari 2024", "14 FEBRUARI 2024", "14 Feb 2024", "14 Feb. 2024", "14  Feb  2024",
    " 14 Pebruari 2024 ", "Rabu, 14 Februari 2024",
])
def test_it_reads_every_accepted_format(text):
    assert parse_date(text) == VALENTINE


@pytest.mark.parametrize("text, expected", [
    ("1 Jan 2024", date(2024, 1, 1)), ("1 Januari 2024", date(2024, 1, 1)),
    ("1 Mar 2024", date(2024, 3, 1)), ("1 Maret 2024", date(2024, 3, 1)),
    ("1 Apr 2024", date(2024, 4, 1)), ("1 April 2024", date(2024, 4, 1)),
    ("1 Mei 2024", date(2024, 5, 1)),
    ("1 Jun 2024", date(2024, 6, 1)), ("1 Juni 2024", date(2024, 6, 1)),
    ("1 Jul 2024", date(2024, 7, 1)), ("1 Juli 2024", date(2024, 7, 1)),
    ("17 Agu 2024", date(2024, 8, 17)), ("17 Agt 2024", date(2024, 8, 17)), ("17 Ags 2024", date(2024, 8, 17)),
    ("17 Agustus 2024", date(2024, 8, 17)),
    ("1 Sep 2024", date(2024, 9, 1)), ("1 Sept 2024", date(2024, 9, 1)), ("1 September 2024", date(2024, 9, 1)),
    ("1 Okt 2024", date(2024, 10, 1)), ("1 Oktober 2024", date(2024, 10, 1)),
    ("27 Nov 2024", date(2024, 11, 27)), ("27 November 2024", date(2024, 11, 27)),
    ("27 Nopember 2024", date(2024, 11, 27)),
    ("16 Des 2024", date(2024, 12, 16)), ("16 Desember 2024", date(2024, 12, 16)),
    ("29 Februari 2024", date(2024, 2, 29)),
])
def test_it_knows_every_indonesian_month(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "   ", None])
def test_it_reads_empty_as_no_date(text):
    assert parse_date(text) is None


@pytest.mark.parametrize("text", [
    "kemarin", "14 Foo 2024", "14 May 2024", "14/02/24", "02/14/2024 12:00", "2024/02/14", "20240214", "-",
    "14 Februari", "Februari 2024", "2024-02-14 10:30:00", "<b>14/02/2024</b>",
])
def test_it_refuses_unknown_formats_with_an_indonesian_message(text):
    with pytest.raises(ValueError) as info:
        parse_date(text)
    message = str(info.value)
    assert message.startswith("format tanggal tidak dikenal: ")
    assert f"“{text}”" in message
    assert "gunakan 2024-02-14 atau 14 Februari 2024" in message


@pytest.mark.parametrize("text", ["31/02/2024", "29 Februari 2023", "2024-13-01", "00/01/2024", "31 Apr 2024",
                                  "2024-02-30"])
def test_it_refuses_impossible_dates(text):
    with pytest.raises(ValueError, match="tanggal tidak ada di kalender"):
        parse_date(text)


def test_it_refuses_years_out_of_range():
    with pytest.raises(ValueError, match="tahun di luar jangkauan"):
        parse_date("14/02/0024")

