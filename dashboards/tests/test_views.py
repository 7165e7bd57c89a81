"""Who may open which office's dashboard, the period chooser, and what the page shows."""

import json

import pytest
from django.urls import reverse

from dashboards.tests.conftest import PERIOD


def url(office=None):
    return reverse("dashboards:office", args=[office.code]) if office else reverse("dashboards:own")


def test_staff_see_their_own_offices_dashboard(world, client_for):
    response = client_for(world.operator).get(url(), PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dasbor KPU Kota Madiun" in page
    assert "Siaran pers" in page and "Corong pengiriman" in page
    data = page.split('id="dashboard-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(data)["categories"]["values"] == [2, 1]
    assert 'id="dashboard-data"' in page and "<script>" not in page     # data as JSON, no inline script
    assert "Satker di bawahnya" not in page


def test_a_province_sees_its_offices_in_a_sortable_table_that_links_down(world, client_for):
    client = client_for(world.province)
    page = client.get(url(), {**PERIOD, "urut": "-active_members"}).content.decode()
    assert "Satker di bawahnya" in page
    assert reverse("dashboards:office", args=["35.77"]) in page
    rows = client.get(url(), {**PERIOD, "urut": "-active_members"}).context["rows"]
    assert rows[0]["office"].code == "35.77"
    assert client.get(url(world.madiun), PERIOD).status_code == 200


@pytest.mark.parametrize("user", ["province", "national", "operator"])
def test_an_office_and_its_ancestors_may_open_its_dashboard(world, client_for, user):
    assert client_for(getattr(world, user)).get(url(world.madiun)).status_code == 200


@pytest.mark.parametrize(("user", "office"), [
    ("sibling", "madiun"), ("operator", "kab"), ("operator", "jatim"), ("kab_operator", "jatim"),
    ("elsewhere", "madiun"), ("province", "ri"),
])
def test_siblings_children_and_other_provinces_may_not(world, client_for, user, office):
    assert client_for(getattr(world, user)).get(url(getattr(world, office))).status_code == 403


def test_an_unknown_office_is_not_found(world, client_for):
    assert client_for(world.province).get(reverse("dashboards:office", args=["99.99"])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    for target in (url(), url(world.madiun)):
        response = client.get(target)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_bad_period_says_why_in_indonesian(world, client_for):
    reversed_range = {"periode": "rentang", "dari": "2026-03-01", "sampai": "2026-01-01"}
    response = client_for(world.operator).get(url(), reversed_range)
    assert response.status_code == 400
    assert "lebih awal dari Dari tanggal" in response.content.decode()


def test_an_office_without_data_shows_zeros(world, client_for):
    response = client_for(world.sibling).get(url(), PERIOD)
    assert response.status_code == 200
    assert [row["value"] for row in response.context["shown"]["two_way"][:2]] == [0, 0]


def test_an_account_without_an_office_has_no_dashboard(world, client_for):
    from accounts.models import User

    user = User.objects.create(username="tanpa-satker", role=world.operator.role)
    assert client_for(user).get(url()).status_code == 403


def test_the_offices_table_sorts_by_a_column_and_ignores_an_unknown_one(world, client_for):
    client = client_for(world.province)
    ascending = client.get(url(), {**PERIOD, "urut": "active_members"}).context["rows"]
    assert ascending[-1]["office"].code == "35.77"
    codes = [r["office"].code for r in client.get(url(), {**PERIOD, "urut": "bukan-kolom"}).context["rows"]]
    assert codes == sorted(codes)
