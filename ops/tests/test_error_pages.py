"""A wrong address or a page one may not open shows the site's own Indonesian page, also with DEBUG on (`make run`),
never Django's English technical page."""

import pytest

from accounts.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.mark.parametrize("path", ["/staf/tidak-ada/", "/kota-yang-tidak-ada/"], ids=["no route", "view raises 404"])
def test_a_missing_page_with_debug_on_gets_the_sites_404(client, debug, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "Halaman atau data tidak ditemukan." in response.text
    assert "Page not found" not in response.text and "URLconf" not in response.text


def test_a_missing_page_with_debug_off_is_unchanged(client):
    response = client.get("/staf/tidak-ada/")
    assert response.status_code == 404
    assert "Halaman atau data tidak ditemukan." in response.text


def test_the_address_without_its_slash_still_redirects_with_debug_on(client, debug):
    response = client.get("/staf/kanal")
    assert response.status_code == 301 and response["Location"] == "/staf/kanal/"


def test_a_forbidden_page_with_debug_on_gets_the_sites_403(client_for, make_staff, madiun, debug):
    allowed = client_for(make_staff(madiun, Role.ADMIN)).get("/staf/audit/")
    assert allowed.status_code == 200
    forbidden = client_for(make_staff(madiun, Role.OPERATOR)).get("/staf/audit/")
    assert forbidden.status_code == 403
    assert "403.html" in [t.name for t in forbidden.templates]
    assert "Anda tidak berhak membuka halaman ini." in forbidden.text
