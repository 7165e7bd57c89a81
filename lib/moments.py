"""The one way a date or a moment is written for people: "7 Des 2026 14.05 WIB" (hours and minutes with a dot, as
Indonesian usage has it, then the zone) and "7 Des 2026" for a day. Templates use `{% load wording %}` and
`{{ value|moment }}`; Python code calls format_moment()."""

import datetime
import zoneinfo

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import pgettext

EMPTY = "—"


def _zone(zone) -> datetime.tzinfo | None:
    """A zone name ("Asia/Makassar"), a tzinfo, or anything with a `timezone` name (an office)."""
    if zone is None or zone == "":
        return None
    if isinstance(zone, datetime.tzinfo):
        return zone
    return zoneinfo.ZoneInfo(getattr(zone, "timezone", zone))


def format_moment(value, zone=None) -> str:
    """`value` as people read it, in `zone` (default: the active zone, the staff member's office); None or "" → —.
    ISO strings (as audit rows store them) are read first."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str):
        parsed = parse_datetime(value) or parse_date(value)
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        local = timezone.localtime(value, _zone(zone) or timezone.get_current_timezone())
        return date_format(local, pgettext("date and time for people", "j M Y H.i T"))
    if isinstance(value, datetime.date):
        return date_format(value, pgettext("date for people", "j M Y"))
    if isinstance(value, datetime.time):
        return date_format(value, pgettext("time of day for people", "H.i"))
    return str(value)
