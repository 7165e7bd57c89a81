from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from dashboards import periods

NOW = datetime(2026, 5, 20, 16, 30, tzinfo=ZoneInfo("UTC"))    # 21 Mei 2026 in WIT, still 20 Mei in WIB


def resolve(zone="Asia/Jakarta", **params):
    return periods.resolve(params, zone, now=NOW)


def test_the_quarter_is_the_default_and_runs_to_today_in_the_offices_zone():
    quarter = resolve()
    assert (quarter.kind, quarter.first_day, quarter.last_day) == ("triwulan", date(2026, 4, 1), date(2026, 5, 20))
    assert resolve("Asia/Jayapura").last_day == date(2026, 5, 21)
    assert quarter.start.utcoffset().total_seconds() == 7 * 3600


def test_month_year_and_the_period_before_of_equal_length():
    month = resolve(periode="bulan")
    assert (month.first_day, month.last_day) == (date(2026, 5, 1), date(2026, 5, 20))
    before = month.previous()
    assert (before.first_day, before.last_day) == (date(2026, 4, 11), date(2026, 4, 30))
    assert before.length == month.length
    assert resolve(periode="tahun").first_day == date(2026, 1, 1)


def test_a_custom_range_includes_both_days():
    custom = resolve(periode="rentang", dari="2026-01-01", sampai="2026-03-31")
    assert custom.end - custom.start == periods.timedelta(days=90)
    assert custom.previous().last_day == date(2025, 12, 31)


@pytest.mark.parametrize(("params", "message"), [
    ({"periode": "rentang", "dari": "2026-03-31", "sampai": "2026-01-01"}, "lebih awal dari Dari tanggal"),
    ({"periode": "rentang", "dari": "2026-06-01", "sampai": "2026-06-30"}, "masih di masa depan"),
    ({"periode": "rentang", "dari": "2026-05-01", "sampai": "2026-05-21"}, "Sampai tanggal 2026-05-21 masih di masa"),
    ({"periode": "rentang", "dari": "31/03/2026", "sampai": "2026-05-01"}, "Dari tanggal tidak dapat dibaca"),
    ({"periode": "rentang", "dari": "2026-02-30", "sampai": "2026-05-01"}, "Dari tanggal tidak dapat dibaca"),
    ({"periode": "rentang", "dari": "", "sampai": "2026-05-01"}, "Dari tanggal wajib diisi"),
    ({"periode": "rentang", "dari": "2020-01-01", "sampai": "2026-05-01"}, "paling panjang 5 tahun"),
    ({"periode": "dekade"}, "Periode: pilih"),
])
def test_bad_periods_are_refused_in_indonesian_naming_the_field(params, message):
    with pytest.raises(ValidationError) as error:
        resolve(**params)
    assert message in error.value.messages[0]
