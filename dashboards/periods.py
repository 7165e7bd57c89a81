"""The period a dashboard shows, in the office's zone, and the period of equal length just before it."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MONTH, QUARTER, YEAR, CUSTOM = "bulan", "triwulan", "tahun", "rentang"
CHOICES = [(MONTH, gettext_lazy("Bulan ini")), (QUARTER, gettext_lazy("Triwulan ini")),
           (YEAR, gettext_lazy("Tahun ini")), (CUSTOM, gettext_lazy("Rentang tanggal"))]
LONGEST = timedelta(days=5 * 366)


@dataclass(frozen=True)
class Period:
    """[start, end) as aware datetimes; `first_day`/`last_day` are the local dates people see."""

    kind: str
    first_day: date
    last_day: date
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> "Period":
        """The days just before, as many as this period has (a quarter's is the quarter of the same length)."""
        days = (self.last_day - self.first_day).days + 1
        last = self.first_day - timedelta(days=1)
        first = last - timedelta(days=days - 1)
        return _period(self.kind, first, last, self.start.tzinfo)


def _period(kind: str, first: date, last: date, zone) -> Period:
    return Period(kind, first, last, datetime.combine(first, time.min, tzinfo=zone),
                  datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone))


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def resolve(params, zone_name: str, *, now: datetime | None = None) -> Period:
    """The period asked for in GET `params` (`periode`, and `dari`/`sampai` for a range); this quarter by default.
    The current month, quarter or year ends today (nothing after now is counted). Bad input: ValidationError with
    an Indonesian message naming the field."""
    zone = ZoneInfo(zone_name)
    today = timezone.localtime(now or timezone.now(), zone).date()
    kind = params.get("periode") or QUARTER
    if kind == MONTH:
        return _period(kind, today.replace(day=1), today, zone)
    if kind == QUARTER:
        return _period(kind, _quarter_start(today), today, zone)
    if kind == YEAR:
        return _period(kind, date(today.year, 1, 1), today, zone)
    if kind != CUSTOM:
        raise ValidationError(_("Periode: pilih bulan ini, triwulan ini, tahun ini, atau rentang tanggal."))
    first = _date(params.get("dari", ""), _("Dari tanggal"))
    last = _date(params.get("sampai", ""), _("Sampai tanggal"))
    if last < first:
        raise ValidationError(_("Sampai tanggal (%(last)s) lebih awal dari Dari tanggal (%(first)s).")
                              % {"last": last.isoformat(), "first": first.isoformat()})
    if first > today:
        raise ValidationError(_("Dari tanggal %(first)s masih di masa depan.") % {"first": first.isoformat()})
    if last > today:
        raise ValidationError(_("Sampai tanggal %(last)s masih di masa depan; paling akhir hari ini.")
                              % {"last": last.isoformat()})
    if last - first >= LONGEST:
        raise ValidationError(_("Rentang tanggal paling panjang 5 tahun."))
    return _period(kind, first, last, zone)


def _date(value: str, field: str) -> date:
    value = value.strip()
    if not value:
        raise ValidationError(_("%(field)s wajib diisi untuk rentang tanggal.") % {"field": field})
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError(_("%(field)s tidak dapat dibaca: tulis tanggal sebagai TTTT-BB-HH, mis. 2026-03-31.")
                              % {"field": field})
    return parsed
