"""Deadlines in Indonesian working days: Monday–Friday, not a national holiday or collective leave day."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from inbox.models import Holiday


def non_working_days(start: date, end: date) -> set[date]:
    return set(Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True))


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: datetime, days: int, zone: str) -> datetime:
    """The same local time `days` working days after `start` (a start on a day off counts from the next one)."""
    local = start.astimezone(ZoneInfo(zone))
    holidays = non_working_days(local.date(), local.date() + timedelta(days=days * 3 + 30))
    day, left = local.date(), days
    while left > 0 or not is_working_day(day, holidays):
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def next_working_moment(start: datetime, zone: str, opens, closes) -> datetime:
    """When staff are next at work: now if within office hours on a working day, else the next opening."""
    local = start.astimezone(ZoneInfo(zone))
    holidays = non_working_days(local.date(), local.date() + timedelta(days=30))
    if is_working_day(local.date(), holidays) and opens <= local.time() < closes:
        return local
    day = local.date() if local.time() < opens else local.date() + timedelta(days=1)
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return datetime.combine(day, opens, tzinfo=ZoneInfo(zone))
