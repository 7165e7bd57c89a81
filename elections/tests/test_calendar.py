from datetime import date, timedelta

import pytest
from django.http import Http404
from django.test import RequestFactory
from icalendar import Calendar

from elections.calendar import stages_ics
from elections.feeds import ical_feed
from elections.models import Election, Stage
from elections.services import create_election, create_stage, update_stage


def events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def dated(elections) -> int:
    return Stage.objects.filter(election__in=elections, starts_on__isnull=False, ends_on__isnull=False).count()


def test_it_has_one_all_day_event_per_dated_stage(seeded, madiun):
    body = stages_ics(madiun)
    found = events(body)
    assert len(found) == dated(seeded.values()) == 45 - 9
    voting = found["pemilu-2024-PEMILU24-12@bakohumas"]
    assert voting.decoded("DTSTART") == date(2024, 2, 14)
    assert voting.decoded("DTEND") == date(2024, 2, 15)  # exclusive: a one-day event
    assert "VALUE=DATE" in body.decode().split("UID:pemilu-2024-PEMILU24-12")[0].rsplit("BEGIN:VEVENT", 1)[1]
    assert str(voting["SUMMARY"]) == "Pemungutan Suara (Pemilu 2024)"
    assert "PKPU 3/2022" in str(voting["DESCRIPTION"])
    assert str(voting["STATUS"]) == "CONFIRMED"


def test_it_ends_multi_day_stages_the_day_after(seeded, madiun):
    campaign = events(stages_ics(madiun))["pemilu-2024-PEMILU24-10@bakohumas"]
    assert campaign.decoded("DTSTART") == date(2023, 11, 28)
    assert campaign.decoded("DTEND") == date(2024, 2, 10) + timedelta(days=1)


def test_it_flags_uncertain_and_conditional_stages(seeded, madiun):
    found = events(stages_ics(madiun))
    uncertain = found["pemilu-2024-PEMILU24-05@bakohumas"]
    assert "belum pasti" in str(uncertain["DESCRIPTION"])
    assert str(uncertain["STATUS"]) == "TENTATIVE"
    second_round = found["pilpres-2024-putaran-2-PILPRES24-P2-04@bakohumas"]
    assert "bersyarat" in str(second_round["DESCRIPTION"]).lower()
    assert str(second_round["STATUS"]) == "TENTATIVE"


def test_it_names_the_calendar_and_its_time_zone(seeded, madiun):
    calendar = Calendar.from_ical(stages_ics(madiun))
    assert str(calendar["X-WR-CALNAME"]) == "Tahapan pemilihan — KPU Kota Madiun"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Jakarta"
    assert "9 tahapan tanpa tanggal lengkap tidak dimuat" in str(calendar["X-WR-CALDESC"])
    assert str(calendar["VERSION"]) == "2.0"


def test_it_can_hold_one_election(seeded, pilkada, madiun):
    from offices.models import Office

    jayapura = Office.objects.get(code="91.71")
    calendar = Calendar.from_ical(stages_ics(jayapura, pilkada))
    assert len(calendar.walk("VEVENT")) == dated([pilkada]) == 14
    assert str(calendar["X-WR-CALNAME"]) == "Tahapan Pilkada Serentak 2024 — KPU Kota Jayapura"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Jayapura"
    assert "6 tahapan tanpa tanggal lengkap" in str(calendar["X-WR-CALDESC"])


def test_it_keeps_uids_and_bytes_stable(seeded, pemilu, madiun):
    first = stages_ics(madiun)
    assert stages_ics(madiun) == first
    stage = pemilu.stages.get(code="PEMILU24-12")
    update_stage(actor=None, stage=stage, expected_version=stage.version, code=stage.code, name=stage.name,
                 starts_on=stage.starts_on, ends_on=date(2024, 2, 15), is_firm=True, source=stage.source)
    second = stages_ics(madiun)
    assert second != first
    assert set(events(second)) == set(events(first))
    assert events(second)["pemilu-2024-PEMILU24-12@bakohumas"].decoded("DTEND") == date(2024, 2, 16)


def test_it_adds_the_offices_own_psu(seeded, madiun, kab_madiun):
    psu = create_election(actor=None, office=madiun, code="psu-kota-madiun-2024", name="PSU Kota Madiun",
                          kind=Election.Kind.REVOTE)
    create_stage(actor=None, election=psu, code="PSU-01", name="Pemungutan suara ulang", starts_on=date(2024, 3, 10),
                 ends_on=date(2024, 3, 10))
    assert "psu-kota-madiun-2024-PSU-01@bakohumas" in events(stages_ics(madiun))
    assert "psu-kota-madiun-2024-PSU-01@bakohumas" not in events(stages_ics(kab_madiun))


# The public feed view (routed by the portal) ----------------------------------------------------------------

def get(path="/kalender.ics", **headers):
    return RequestFactory().get(path, headers=headers)


def test_the_feed_serves_text_calendar(seeded, madiun):
    response = ical_feed(get(), office_slug=madiun.slug)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="tahapan-{madiun.slug}.ics"'
    assert len(events(response.content)) == 36
    assert "max-age=3600" in response["Cache-Control"]


def test_the_feed_serves_one_election(seeded, madiun, pilkada):
    response = ical_feed(get(), office_slug=madiun.slug, election_code="pilkada-2024")
    assert response["Content-Disposition"] == f'inline; filename="tahapan-{madiun.slug}-pilkada-2024.ics"'
    assert len(events(response.content)) == 14


def test_the_feed_answers_304_when_nothing_changed(seeded, madiun):
    etag = ical_feed(get(), office_slug=madiun.slug)["ETag"]
    assert ical_feed(get(**{"If-None-Match": etag}), office_slug=madiun.slug).status_code == 304


def test_the_feed_is_404_for_an_unknown_office_or_another_offices_election(seeded, madiun, kab_madiun):
    psu = create_election(actor=None, office=madiun, code="psu-kota-madiun-2024", name="PSU Kota Madiun",
                          kind=Election.Kind.REVOTE)
    with pytest.raises(Http404):
        ical_feed(get(), office_slug="tidak-ada")
    with pytest.raises(Http404):
        ical_feed(get(), office_slug=kab_madiun.slug, election_code=psu.code)
    with pytest.raises(Http404):
        ical_feed(get(), office_slug=madiun.slug, election_code="pemilu-2029")
    assert ical_feed(get(), office_slug=madiun.slug, election_code=psu.code).status_code == 200


def test_the_feed_refuses_posts(seeded, madiun):
    assert ical_feed(RequestFactory().post("/kalender.ics"), office_slug=madiun.slug).status_code == 405
