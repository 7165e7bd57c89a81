"""One way moments are written on staff pages: "7 Des 2026 14.05 WIB"."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from lib.moments import format_moment
from offices.models import Office

MOMENT = datetime.datetime(2026, 12, 7, 7, 5, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _indonesian():
    with translation.override("id"):
        yield


@pytest.mark.parametrize("zone, shown", [("Asia/Jakarta", "7 Des 2026 14.05 WIB"),
                                         ("Asia/Makassar", "7 Des 2026 15.05 WITA"),
                                         ("Asia/Jayapura", "7 Des 2026 16.05 WIT")])
def test_a_moment_is_written_in_the_zone_with_its_abbreviation(zone, shown):
    assert format_moment(MOMENT, zone) == shown
    assert format_moment(MOMENT, Office(timezone=zone)) == shown
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        assert Template("{% load wording %}{{ when|moment }}").render(Context({"when": MOMENT})) == shown


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_is_a_dash(empty):
    assert Template("{% load wording %}{{ when|moment }}").render(Context({"when": empty})) == "—"


def test_a_day_an_iso_string_and_the_office_argument():
    assert format_moment(datetime.date(2024, 2, 14)) == "14 Feb 2024"
    assert format_moment("2026-12-07T07:05:00+00:00", "Asia/Makassar") == "7 Des 2026 15.05 WITA"
    assert format_moment("bukan tanggal") == "bukan tanggal"
    rendered = Template("{% load wording %}{{ when|moment:office }}").render(
        Context({"when": MOMENT, "office": Office(timezone="Asia/Jayapura")}))
    assert rendered == "7 Des 2026 16.05 WIT"
