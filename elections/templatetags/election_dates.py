"""{% load election_dates %}: {{ stage|stage_dates }} → "14 Februari 2024", "28 November 2023 – 10 Februari 2024",
"s.d. 26 Januari 2024" or "Belum ditetapkan"; month names follow the UI language (Indonesian by default)."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.translation import gettext as _

from elections.selectors import stage_status

register = template.Library()

FORMAT = "j F Y"


@register.filter
def stage_dates(stage) -> str:
    starts, ends = stage.starts_on, stage.ends_on
    if starts and ends:
        if starts == ends:
            return date_filter(starts, FORMAT)
        return f"{date_filter(starts, FORMAT)} – {date_filter(ends, FORMAT)}"
    if starts:
        return _("mulai %s") % date_filter(starts, FORMAT)
    if ends:
        return _("s.d. %s") % date_filter(ends, FORMAT)
    return _("Belum ditetapkan")


@register.filter
def status_on(stage, today):
    """{{ stage|status_on:today }} → a StageStatus (value for CSS classes, .label for people)."""
    return stage_status(stage, today)
