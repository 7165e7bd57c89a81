"""When a broadcast really starts: its schedule (or now), moved to the end of the office's quiet hours unless it
is urgent. The pump holds bulk messages during quiet hours anyway; starting at the end of them instead keeps the
page honest ("terjadwal 06.00", not "sedang dikirim" with nothing moving) and the broadcast returnable to draft."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from offices.quiet import in_quiet_hours


def quiet_end_after(office, at: datetime) -> datetime:
    """The first moment at or after `at` outside the office's quiet hours."""
    if not in_quiet_hours(office, at):
        return at
    zone = ZoneInfo(office.timezone)
    local = at.astimezone(zone)
    end = datetime.combine(local.date(), office.quiet_hours_end, tzinfo=zone)
    if end <= local:
        end += timedelta(days=1)
    return end


@dataclass(frozen=True)
class StartPlan:
    at: datetime            # when the first message may go out
    held: bool              # quiet hours pushed it (from `planned`) to `at`
    planned: datetime
    urgent: bool
    quiet_start: object     # the office's quiet hours, for the sentence on the page
    quiet_end: object

    @property
    def now(self) -> bool:
        return self.at <= timezone.now() + timedelta(minutes=1)


def start_plan(broadcast, *, urgent: bool | None = None, now: datetime | None = None) -> StartPlan:
    """When it would start if released at `now` (or, released already, when it starts)."""
    now = now or timezone.now()
    urgent = broadcast.urgent if urgent is None else urgent
    office = broadcast.office
    planned = max(broadcast.scheduled_at or now, now)
    if broadcast.held_from is not None:
        planned = max(broadcast.held_from, now)
    at = planned if urgent else quiet_end_after(office, planned)
    return StartPlan(at=at, held=at != planned, planned=planned, urgent=urgent,
                     quiet_start=office.quiet_hours_start, quiet_end=office.quiet_hours_end)
