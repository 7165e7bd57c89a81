from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dashboards.worktime import percentile, working_seconds

WITA = ZoneInfo("Asia/Makassar")
OPENS, CLOSES = time(8), time(16)


def hours(start, end, holidays=frozenset()):
    return working_seconds(start, end, "Asia/Makassar", OPENS, CLOSES, set(holidays)) / 3600


def test_only_service_hours_on_working_days_count():
    friday_3pm = datetime(2026, 3, 6, 15, tzinfo=WITA)
    monday_9am = datetime(2026, 3, 9, 9, tzinfo=WITA)
    assert hours(friday_3pm, monday_9am) == 2                        # the weekend does not count
    assert hours(friday_3pm, monday_9am, {date(2026, 3, 9)}) == 1    # nor a holiday
    assert hours(datetime(2026, 3, 6, 20, tzinfo=WITA), datetime(2026, 3, 6, 22, tzinfo=WITA)) == 0
    assert hours(monday_9am, friday_3pm) == 0


def test_moments_are_read_in_the_offices_zone():
    start = datetime(2026, 3, 6, 0, 30, tzinfo=ZoneInfo("UTC"))      # 08.30 WITA
    assert hours(start, datetime(2026, 3, 6, 1, 30, tzinfo=ZoneInfo("UTC"))) == 1


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([5], 0.9) == 5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5) == 5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
