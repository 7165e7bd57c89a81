"""Time between two moments counted in an office's working hours (its service hours on working days)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from inbox.workdays import is_working_day


def working_seconds(start: datetime, end: datetime, zone: str, opens: time, closes: time,
                    holidays: set[date]) -> float:
    """Seconds of [start, end) that fall within opens–closes on working days, in `zone`."""
    if end <= start or closes <= opens:
        return 0.0
    tz = ZoneInfo(zone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    total, day = 0.0, local_start.date()
    while day <= local_end.date():
        if is_working_day(day, holidays):
            day_open = datetime.combine(day, opens, tzinfo=tz)
            day_close = datetime.combine(day, closes, tzinfo=tz)
            overlap = min(day_close, local_end) - max(day_open, local_start)
            if overlap > timedelta(0):
                total += overlap.total_seconds()
        day += timedelta(days=1)
    return total


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (share 0.5 is the median, 0.9 the 90th); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]
