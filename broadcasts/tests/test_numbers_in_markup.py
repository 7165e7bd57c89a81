"""Numbers inside SVG, CSS, script or attributes never pass through locale formatting: under Indonesian a float
would be written with a decimal comma (`width="133,3"`) and the browser would drop the chart."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from broadcasts import engine
from factcheck import services as factcheck_services
from factcheck.models import Report

NUMERIC_ATTRIBUTES = ("x", "y", "width", "height", "x1", "x2", "y1", "y2", "cx", "cy", "r", "value", "max",
                      "data-percent", "viewBox", "points", "d")
NUMBER = re.compile(r"^-?[0-9.]+%?$")
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def assert_numbers_parse(html: str) -> int:
    """Every SVG in the page parses as XML and holds plain numbers; returns how many numbers were checked."""
    checked = 0
    for markup in SVG.findall(html):
        root = ET.fromstring(markup.replace("&nbsp;", " "))  # noqa: S314 (our own page, rendered in the test)
        for element in root.iter():
            for name in NUMERIC_ATTRIBUTES:
                value = element.get(name)
                if value is None or name in ("d", "points", "viewBox"):
                    if value is not None:
                        assert "," not in value.replace(", ", " ") or name == "points", (name, value)
                    continue
                assert NUMBER.match(value), (element.tag, name, value)
                checked += 1
    for value in re.findall(r'<progress[^>]*value="([^"]*)"', html) + re.findall(r'data-percent="([^"]*)"', html):
        assert NUMBER.match(value), value
        checked += 1
    return checked


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_broadcast_status_chart_keeps_plain_numbers(language, madiun, outbox, make_member, send_broadcast,
                                                        client_for, editor):
    for n in range(3):   # thirds of the 600-unit bar: fractional coordinates
        make_member(madiun, email=f"anggota{n}@contoh.id")
    broadcast = send_broadcast(madiun)
    engine.pump(outbox.pk, seconds=5)
    client = client_for(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        for url in (reverse("broadcasts:broadcast_detail", args=[broadcast.pk]),
                    reverse("broadcasts:broadcast_progress", args=[broadcast.pk])):
            response = client.get(url)
            assert response.status_code == 200
            assert assert_numbers_parse(response.text) > 0


def test_the_trending_chart_keeps_plain_numbers(madiun, client_for, make_staff):
    for text in ("Surat suara tercoblos ditemukan", "Surat suara tercoblos ditemukan lagi", "Pemilih siluman"):
        factcheck_services.submit_report(office=madiun, source=Report.Source.STAFF, text=text)
    response = client_for(make_staff(madiun, "verifier")).get(reverse("factcheck:trending"))
    assert response.status_code == 200
    assert assert_numbers_parse(response.text) > 0


TEMPLATE_NUMBER = re.compile(
    r'(?:\s(?:x|y|width|height|cx|cy|r|data-percent|viewBox|points|d|style)="|<progress[^>]*\svalue=")'
    r'[^"]*\{\{\s*([^}]+?)\s*\}\}')


def test_no_template_writes_a_number_into_markup_through_locale_formatting():
    """Any template variable in a numeric attribute (or a style) goes through |unlocalize."""
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for match in TEMPLATE_NUMBER.finditer(path.read_text()):
            expression = match.group(1)
            if "unlocalize" not in expression:
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}: {{{{ {expression} }}}}")
    assert not offenders, offenders
