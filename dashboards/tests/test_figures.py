"""Every dashboard figure against rows counted by hand (dashboards/tests/conftest.py), and the roll-up rules: additive
figures of a province equal the sum of its offices; distinct people are counted once."""

from django.db.models import Count

from broadcasts.models import Delivery
from dashboards import selectors
from dashboards.selectors import Scope
from members.models import Purpose

PARTY, MEDIA, NONE = "partai", "media", selectors.NO_CATEGORY


def own(world, office, period):
    return selectors.figures(office, period, descendants=False)


def test_forum_figures_of_one_office(world, period):
    forum = own(world, world.madiun, period)["forum"]
    assert forum["members_by_category"] == {PARTY: 2, NONE: 1}
    assert forum["active_members"] == 3
    assert forum["joined"] == 2          # the pending registration has not joined yet
    assert forum["left"] == 2            # one opted out, one withdrew a consent
    assert forum["consent_by_purpose"] == {Purpose.DISSEMINATION: 1, Purpose.EVENTS: 0, Purpose.SURVEY: 0}


def test_forum_figures_of_the_previous_period_are_taken_at_its_end(world, period):
    forum = own(world, world.madiun, period.previous())["forum"]
    assert forum["members_by_category"] == {PARTY: 1}
    assert forum["joined"] == 0 and forum["left"] == 0
    assert forum["consent_by_purpose"][Purpose.DISSEMINATION] == 1


def test_dissemination_figures(world, period):
    figures = own(world, world.madiun, period)["dissemination"]
    assert figures["publications_by_kind"] == {"siaran-pers": 2, "berita": 1}
    assert figures["publications"] == 3
    assert figures["broadcasts"] == 1
    assert figures["funnel_by_channel"] == {"whatsapp": {"queued": 4, "sent": 2, "delivered": 2, "read": 1,
                                                         "failed": 1}}
    assert figures["reach"] == 2
    assert own(world, world.madiun, period.previous())["dissemination"]["reach"] == 1


def test_two_way_figures(world, period):
    figures = own(world, world.madiun, period)["two_way"]
    assert figures["conversations_opened"] == 3
    assert figures["conversations_closed"] == 1
    assert figures["first_response_answered"] == 2 and figures["first_response_unanswered"] == 1
    # 90 minutes (the automatic reply does not count); 15.00 to 09.00 next day is one working hour each side.
    assert figures["first_response_median_minutes"] == 90
    assert figures["first_response_p90_minutes"] == 120
    assert figures["escalations_up"] == {"total": 2, "met": 1, "missed": 1}
    assert figures["escalations_down"] == {"total": 0, "met": 0, "missed": 0}


def test_escalations_received_by_the_province(world, period):
    figures = own(world, world.jatim, period)["two_way"]
    assert figures["escalations_down"] == {"total": 2, "met": 1, "missed": 1}
    assert figures["escalations_up"]["total"] == 0


def test_factcheck_figures(world, period):
    figures = own(world, world.madiun, period)["factcheck"]
    assert figures["reports"] == 3
    assert figures["claims"] == 1
    assert figures["clarifications_by_verdict"] == {"false": 1}     # the imported one is not the office's work
    assert figures["report_to_clarification_median_hours"] == 48.0
    assert figures["reporters_told"] == 2                            # the unreachable one was not told


def test_an_office_with_no_data_shows_zeros(world, period):
    figures = own(world, world.surabaya, period)
    assert figures["forum"]["active_members"] == 0 and figures["forum"]["members_by_category"] == {}
    assert figures["dissemination"]["reach"] == 0 and figures["dissemination"]["funnel_by_channel"] == {}
    assert figures["two_way"]["first_response_median_minutes"] is None
    assert figures["factcheck"]["report_to_clarification_median_hours"] is None
    shown = selectors.present(figures, own(world, world.surabaya, period.previous()))
    assert [row["value"] for row in shown["forum"]] == [0, 0, 0]
    assert all(row["change"] == 0 for row in shown["publications_by_kind"])


ADDITIVE = [("forum", "active_members"), ("forum", "joined"), ("dissemination", "publications"),
            ("dissemination", "broadcasts"), ("two_way", "conversations_opened"), ("two_way", "conversations_closed"),
            ("factcheck", "reports"), ("factcheck", "clarifications")]


def test_a_province_total_is_the_sum_of_its_offices_for_additive_figures(world, period):
    province = selectors.figures(world.jatim, period)
    parts = [own(world, office, period) for office in [world.jatim, *world.jatim.children.all()]]
    for section, key in ADDITIVE:
        assert province[section][key] == sum(p[section][key] for p in parts), key
    assert province["forum"]["members_by_category"] == {PARTY: 2, NONE: 1, MEDIA: 1}


def test_people_reached_by_two_offices_are_counted_once_above_them(world, period):
    province = selectors.figures(world.jatim, period)["dissemination"]
    by_office = [own(world, o, period)["dissemination"]["reach"] for o in (world.jatim, world.madiun, world.kab)]
    assert by_office == [2, 2, 1]
    direct = Delivery.objects.filter(broadcast__office__in=[world.jatim, world.madiun, world.kab],
                                     broadcast__started_at__gte=period.start, broadcast__started_at__lt=period.end,
                                     sent_at__isnull=False).aggregate(n=Count("member", distinct=True))["n"]
    assert province["reach"] == direct == 3
    assert selectors.figures(world.ri, period)["dissemination"]["reach"] == 3


def test_the_national_scope_reads_every_office(world, period):
    assert Scope(world.ri).ids is None
    national = selectors.figures(world.ri, period)
    assert national["forum"]["active_members"] >= 4
    assert national["factcheck"]["clarifications_by_verdict"].get("misleading", 0) >= 1


def test_the_table_of_offices_below_rolls_each_row_up(world, period):
    rows = {row["office"].code: row for row in selectors.office_rows(world.jatim, period)}
    assert rows["35.77"]["active_members"] == 3 and rows["35.77"]["reach"] == 2
    assert rows["35.19"]["publications"] == 1 and rows["35.19"]["clarifications"] == 1
    assert rows["35.78"]["conversations_opened"] == 0
    national = {row["office"].code: row for row in selectors.office_rows(world.ri, period)}
    assert len(national) == 38
    assert national["35"]["active_members"] >= 4     # Jawa Timur with its kab/kota
    assert selectors.office_rows(world.madiun, period) == []


def test_present_gives_previous_values_and_changes(world, period):
    shown = selectors.present(selectors.figures(world.madiun, period),
                              selectors.figures(world.madiun, period.previous()))
    active = shown["forum"][0]
    assert (active["value"], active["previous"], active["change"]) == (3, 1, 2)
    coverage = {row["label"]: row for row in shown["consent_coverage"]}
    dissemination = coverage[str(Purpose.DISSEMINATION.label)]
    assert dissemination["value"] == 33.3 and dissemination["previous"] == 100.0
    assert shown["charts"]["funnel"]["series"][0]["values"] == [4, 2, 2, 1, 1]


def test_figures_are_plain_data_that_a_report_can_freeze(world, period):
    import json

    figures = selectors.figures(world.jatim, period)
    assert json.loads(json.dumps(figures)) == figures
