from datetime import UTC, date, datetime
from unittest import mock

import pytest

from elections import selectors
from elections.models import Election
from elections.selectors import StageStatus, current_and_next, elections_for, stage_status, timeline
from elections.services import create_election, create_stage
from offices.models import Office


@pytest.fixture
def psu_madiun(madiun) -> Election:
    election = create_election(actor=None, office=madiun, code="psu-kota-madiun-2024", name="PSU Kota Madiun",
                               kind=Election.Kind.REVOTE)
    create_stage(actor=None, election=election, code="PSU-01", name="Pemungutan suara ulang Kota Madiun",
                 starts_on=date(2024, 2, 14), ends_on=date(2024, 2, 14))
    return election


def names(stages):
    return [s.name for s in stages]


# elections_for ---------------------------------------------------------------------------------------------

def test_it_shows_kpu_ris_elections_to_every_office(seeded, madiun, kab_madiun, jatim, ri):
    codes = {"pemilu-2024", "pilpres-2024-putaran-2", "pilkada-2024"}
    for office in (madiun, kab_madiun, jatim, ri, Office.objects.get(code="91.71")):
        assert set(elections_for(office).values_list("code", flat=True)) == codes


def test_it_keeps_a_psu_in_its_own_office(seeded, psu_madiun, madiun, kab_madiun, jatim, ri):
    assert psu_madiun in elections_for(madiun)
    assert psu_madiun not in elections_for(kab_madiun)
    # The portal of an office above does not list its descendants' elections.
    assert psu_madiun not in elections_for(jatim)
    assert psu_madiun not in elections_for(ri)


def test_it_shows_a_provincial_election_below_the_province(jatim, madiun, kab_madiun, ri):
    pilgub = create_election(actor=None, office=jatim, code="pilgub-jatim", name="Pilgub Jatim",
                             kind=Election.Kind.REGIONAL)
    assert pilgub in elections_for(madiun) and pilgub in elections_for(kab_madiun)
    assert pilgub not in elections_for(ri)
    assert pilgub not in elections_for(Office.objects.get(code="33"))


def test_it_orders_elections_newest_first(seeded, madiun):
    assert list(elections_for(madiun).values_list("code", flat=True)) == [
        "pilkada-2024", "pemilu-2024", "pilpres-2024-putaran-2"]
    fresh = create_election(actor=None, office=madiun, code="psu-2025", name="PSU 2025", kind=Election.Kind.REVOTE)
    assert elections_for(madiun).first() == fresh


def test_staff_also_see_the_elections_below_them(seeded, psu_madiun, jatim, kab_madiun, madiun):
    assert psu_madiun in selectors.elections_visible_to(jatim)
    assert psu_madiun in selectors.elections_visible_to(madiun)
    assert psu_madiun not in selectors.elections_visible_to(kab_madiun)
    assert selectors.elections_visible_to(kab_madiun).count() == 3


# stage_status and current_and_next ------------------------------------------------------------------------

@pytest.mark.parametrize("starts, ends, today, status", [
    (date(2024, 2, 14), date(2024, 2, 14), date(2024, 2, 14), StageStatus.RUNNING),
    (date(2024, 2, 14), date(2024, 2, 15), date(2024, 2, 15), StageStatus.RUNNING),
    (date(2024, 2, 14), date(2024, 2, 15), date(2024, 2, 16), StageStatus.PAST),
    (date(2024, 2, 14), date(2024, 2, 15), date(2024, 2, 13), StageStatus.UPCOMING),
    (None, None, date(2024, 2, 13), StageStatus.UNDATED),
    (None, date(2024, 1, 26), date(2024, 1, 27), StageStatus.PAST),
    (None, date(2024, 1, 26), date(2024, 1, 20), StageStatus.UNDATED),
    (date(2024, 3, 1), None, date(2024, 2, 1), StageStatus.UPCOMING),
    (date(2024, 3, 1), None, date(2024, 3, 2), StageStatus.UNDATED),
])
def test_it_tells_a_stages_status(starts, ends, today, status):
    from elections.models import Stage

    assert stage_status(Stage(starts_on=starts, ends_on=ends), today) == status


def test_it_finds_voting_day(seeded, madiun):
    now = current_and_next(madiun, date(2024, 2, 14))
    assert "Pemungutan Suara" in names(now.running)
    assert "Penghitungan Suara" in names(now.running)
    assert "Masa Tenang" not in names(now.running)
    assert now.next.name == "Rekapitulasi Hasil Penghitungan Suara"


def test_it_finds_the_campaign_and_the_quiet_days_after_it(seeded, madiun):
    now = current_and_next(madiun, date(2024, 2, 1))
    assert names(now.running) == ["Perencanaan program dan anggaran", "Masa Kampanye Pemilu"]
    assert now.next.name == "Masa Tenang"
    assert names(now.upcoming) == ["Masa Tenang"]


def test_it_lists_every_stage_starting_on_the_next_date(seeded, madiun):
    now = current_and_next(madiun, date(2024, 8, 26))
    assert names(now.upcoming) == ["Pendaftaran pasangan calon", "Penelitian persyaratan calon"]


def test_it_leaves_out_the_second_round_that_was_never_held(seeded, madiun):
    assert "Putaran kedua: masa kampanye" not in names(current_and_next(madiun, date(2024, 6, 10)).running)
    with_conditional = current_and_next(madiun, date(2024, 6, 10), include_conditional=True)
    assert "Putaran kedua: masa kampanye" in names(with_conditional.running)


def test_it_ignores_stages_without_both_dates(seeded, madiun):
    # PILKADA24-01 ends on 26 January 2024 but has no start: it is never "running".
    now = current_and_next(madiun, date(2024, 1, 20))
    assert "Perencanaan program dan anggaran" in names(now.running)
    assert all(s.starts_on and s.ends_on for s in now.running + now.upcoming)
    assert all(s.election.code != "pilkada-2024" for s in now.running)


def test_it_has_nothing_next_after_the_last_stage(seeded, madiun):
    now = current_and_next(madiun, date(2030, 1, 1))
    assert now.running == [] and now.upcoming == [] and now.next is None


def test_it_includes_the_offices_own_psu_only_there(seeded, psu_madiun, madiun, kab_madiun):
    assert "Pemungutan suara ulang Kota Madiun" in names(current_and_next(madiun, date(2024, 2, 14)).running)
    assert "Pemungutan suara ulang Kota Madiun" not in names(current_and_next(kab_madiun, date(2024, 2, 14)).running)


def test_it_uses_the_offices_local_date(seeded, madiun):
    jayapura = Office.objects.get(code="91.71")
    # 13 February 2024, 16:00 UTC: 23:00 WIB in Madiun, already 01:00 WIT on voting day in Jayapura.
    moment = datetime(2024, 2, 13, 16, 0, tzinfo=UTC)
    with mock.patch("elections.selectors.datetime") as fake:
        fake.now.side_effect = lambda tz: moment.astimezone(tz)
        assert selectors.local_today(madiun) == date(2024, 2, 13)
        assert selectors.local_today(jayapura) == date(2024, 2, 14)
        assert "Masa Tenang" in names(current_and_next(madiun).running)
        assert "Pemungutan Suara" in names(current_and_next(jayapura).running)


# timeline ---------------------------------------------------------------------------------------------------

def test_it_groups_a_timeline(pilkada):
    result = timeline(pilkada, date(2024, 9, 1))
    assert [s.code for s in result.running] == ["PILKADA24-06", "PILKADA24-04", "PILKADA24-08", "PILKADA24-12"]
    assert [s.code for s in result.upcoming] == ["PILKADA24-13", "PILKADA24-14", "PILKADA24-15", "PILKADA24-16",
                                                 "PILKADA24-17", "PILKADA24-18"]
    assert {s.code for s in result.past} == {"PILKADA24-01", "PILKADA24-07", "PILKADA24-09", "PILKADA24-10",
                                             "PILKADA24-11"}
    assert [s.code for s in result.undated] == ["PILKADA24-02", "PILKADA24-03", "PILKADA24-05", "PILKADA24-19",
                                                "PILKADA24-20"]
    assert sum(len(stages) for _status, _label, stages in result.groups) == 20


def test_it_sorts_past_stages_by_date(pemilu):
    past = timeline(pemilu, date(2025, 1, 1)).past
    starts = [s.starts_on for s in past]
    assert starts == sorted(starts)
    assert len(past) == 16


def test_it_unpacks_and_counts_days(seeded, madiun):
    running, upcoming = current_and_next(madiun, date(2024, 2, 1))
    assert [s.state for s in running] == [StageStatus.RUNNING, StageStatus.RUNNING]
    assert [(s.name, s.days_left, s.state) for s in upcoming] == [("Masa Tenang", 10, StageStatus.UPCOMING)]


def test_a_timeline_iterates_in_the_regulations_order_with_states(pilkada):
    line = timeline(pilkada, date(2024, 9, 1))
    assert len(line) == 20
    assert [s.code for s in line] == [f"PILKADA24-{n:02}" for n in range(1, 21)]
    states = {s.code: s.state for s in line}
    assert states["PILKADA24-17"] == "upcoming" and states["PILKADA24-12"] == "running"
    assert states["PILKADA24-01"] == "past" and states["PILKADA24-19"] == "undated"
