"""Stage schedules as iCalendar (RFC 5545) for calendar apps: one all-day event per dated stage."""

from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from elections.models import Election, Stage
from elections.selectors import elections_for
from offices.models import Office

PRODID = "-//KPU//Bakohumas//ID"
UID_DOMAIN = "bakohumas"
EPOCH = datetime(2022, 1, 1, tzinfo=UTC)


def stage_uid(stage: Stage) -> str:
    """Stable across feeds and edits (election codes are fixed once created): a re-import updates the event."""
    return f"{stage.election.code}-{stage.code}@{UID_DOMAIN}"


def _event(stage: Stage) -> Event:
    election = stage.election
    event = Event()
    event.add("uid", stage_uid(stage))
    event.add("summary", f"{stage.name} ({election.name})")
    event.add("dtstart", stage.starts_on)
    event.add("dtend", stage.ends_on + timedelta(days=1))  # all-day DTEND is exclusive
    stamp = (stage.updated_at or EPOCH).astimezone(UTC).replace(microsecond=0)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    tentative = not stage.is_firm or election.is_conditional
    event.add("status", "TENTATIVE" if tentative else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    lines = []
    if not stage.is_firm:
        lines.append(_("Tanggal belum pasti."))
    if election.is_conditional:
        lines.append(_("Pemilihan bersyarat: hanya dilaksanakan bila syaratnya terpenuhi."))
    if stage.source:
        lines.append(_("Sumber: %s") % stage.source)
    if stage.notes:
        lines.append(_("Catatan: %s") % stage.notes)
    if lines:
        event.add("description", "\n".join(lines))
    event.add("categories", [election.get_kind_display()])
    return event


def stages_ics(office: Office, election: Election | None = None) -> bytes:
    """The calendar of the elections that apply to `office` (or of one of them), as UTF-8 bytes.

    Stages without both dates are left out (an event needs a start and an end; none is invented); the calendar
    description says how many. The output only changes when a stage does, so it can be cached by ETag.
    """
    elections = [election] if election is not None else list(elections_for(office))
    stages = (Stage.objects.filter(election__in=elections).select_related("election")
              .order_by("starts_on", "election__code", "position", "pk"))
    title = (_("Tahapan %(election)s — %(office)s") % {"election": election.name, "office": office.name}
             if election is not None else _("Tahapan pemilihan — %s") % office.name)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", title)
    calendar.add("name", title)
    calendar.add("x-wr-timezone", office.timezone)
    calendar.add("refresh-interval", timedelta(days=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "P1D")

    undated = 0
    for stage in stages:
        if stage.is_dated:
            calendar.add_component(_event(stage))
        else:
            undated += 1
    description = _("Jadwal tahapan dari %(office)s dan satker di atasnya (Bakohumas). Semua acara sepanjang "
                    "hari; acara berstatus TENTATIVE bila tanggalnya belum pasti atau pemilihannya bersyarat.") % {
        "office": office.name}
    if undated:
        description += " " + _("%d tahapan tanpa tanggal lengkap tidak dimuat di kalender ini; lihat portal "
                               "untuk keterangannya.") % undated
    calendar.add("x-wr-caldesc", description)
    calendar.add("description", description)
    return calendar.to_ical()
