"""Quiet hours: bulk messages wait while the office's local clock is inside [start, end) (may span midnight)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone


def in_quiet_hours(office, now: datetime | None = None) -> bool:
    start, end = office.quiet_hours_start, office.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    local = (now or timezone.now()).astimezone(ZoneInfo(office.timezone)).time()
    return start <= local < end if start < end else (local >= start or local < end)
