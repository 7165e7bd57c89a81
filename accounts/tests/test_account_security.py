"""Who may do what with an account: the second factor bound to the session, the admin behind the platform's
log-in, password change and reset, re-authentication before sensitive changes, and API token grants."""

from datetime import timedelta
from urllib.parse import quote

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts import second_factor, services
from accounts.models import ApiToken, Role, User
from audit.models import AuditEntry
from conftest import PASSWORD, staff_user
from offices.models import Office

CODE_STEP = "/masuk/kode/"


def _code(user: User, steps_ahead: int = 1) -> str:
    return pyotp.TOTP(user.totp_secret).at(timezone.now() + timedelta(seconds=30 * steps_ahead))


def _enrol(user: User) -> User:
    services.start_totp_enrolment(user=user)
    services.enable_totp(user=user, code=_code(user, 0))
    user.refresh_from_db()
    return user


def _password_only_session(client, user: User):
    """A session that is logged in but never gave its code: what /admin/login/ used to hand out."""
    client.force_login(user)
    return client


# The second factor belongs to the session ---------------------------------------------------------------------

def test_a_session_without_the_code_is_sent_to_the_code_step(client, operator):
    _enrol(operator)
    response = _password_only_session(client, operator).get("/staf/anggota/")
    assert response.status_code == 302
    assert response.url == CODE_STEP + "?next=" + quote("/staf/anggota/")
    response = client.post(response.url, {"code": _code(operator)})
    assert response.status_code == 302 and response.url == "/staf/anggota/"
    assert client.get("/staf/anggota/").status_code == 200


def test_turning_on_the_second_factor_elsewhere_locks_open_sessions_until_the_code(client_for, operator):
    client = client_for(operator)
    assert client.get("/staf/anggota/").status_code == 200
    # A superuser ticks "second factor on" for this account (or it is enrolled from another browser).
    services.start_totp_enrolment(user=operator)
    User.objects.filter(pk=operator.pk).update(totp_enabled=True)
    client.session.pop("second_factor_passed", None)
    session = client.session
    session["second_factor_passed"] = None
    session.save()
    assert client.get("/staf/anggota/").url.startswith(CODE_STEP)


def test_an_htmx_request_without_the_code_redirects_the_whole_page(client, operator):
    _enrol(operator)
    response = _password_only_session(client, operator).get("/staf/anggota/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response["HX-Redirect"].startswith(CODE_STEP)


def test_the_api_refuses_a_session_without_the_code(client, operator):
    _enrol(operator)
    assert _password_only_session(client, operator).get("/api/v1/members").status_code == 401


def _staff_url_patterns():
    """Every URL pattern of a staff page (under /staf/) and of the admin, with placeholder arguments."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and (route.startswith("staf/") or route.startswith("admin/")):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return found


PLACEHOLDERS = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001", "slug": "contoh", "str": "contoh",
                "path": "contoh"}


def _concrete(route: str) -> str:
    import re

    if route.startswith("admin/"):
        route = re.sub(r"\^|\$|\\Z", "", route)
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", "1", route)
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: PLACEHOLDERS[m.group(1) or "str"], route)


# Logging out needs no second factor.
STAFF_ROUTES = [r for r in _staff_url_patterns() if r != "admin/logout/"]


def test_the_list_of_staff_routes_is_complete():
    assert len(STAFF_ROUTES) > 100
    assert any(r.startswith("staf/kotak-masuk/") for r in STAFF_ROUTES)
    assert any(r.startswith("admin/") for r in STAFF_ROUTES)


@pytest.fixture(scope="module")
def _matrix_sessions(module_transaction):
    """The sessions the two page matrices below use, built once for the module (each test's own changes are rolled
    back after it): a superuser who gave the code, and an enrolled admin who gave the password only."""
    madiun = Office.objects.get(code="35.77")
    superuser = staff_user(madiun, Role.ADMIN, "super-matriks-35.77", is_staff=True, is_superuser=True)
    pending = _enrol(staff_user(madiun, Role.ADMIN, "kode-matriks-35.77", is_staff=True, is_superuser=True))
    with_code, password_only = Client(), Client()
    with_code.force_login(superuser)
    session = with_code.session
    session[second_factor.SESSION_KEY] = superuser.pk
    session.save()
    _password_only_session(password_only, pending)
    return {name: client.cookies[settings.SESSION_COOKIE_NAME].value
            for name, client in (("with_code", with_code), ("password_only", password_only))}


@pytest.fixture
def code_pending(client, madiun, _matrix_sessions):
    """An admin of an office that requires the second factor, logged in with the password only."""
    madiun.requires_second_factor = True
    madiun.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = _matrix_sessions["password_only"]
    return client


@pytest.fixture
def superuser_client(client, db, _matrix_sessions):
    """A superuser of KPU Kota Madiun, logged in with the code."""
    client.cookies[settings.SESSION_COOKIE_NAME] = _matrix_sessions["with_code"]
    return client


@pytest.mark.parametrize("route", STAFF_ROUTES)
def test_every_staff_page_needs_the_sessions_second_factor(route, code_pending):
    url = _concrete(route)
    for method in ("get", "post"):
        response = getattr(code_pending, method)(url)
        assert response.status_code in {302, 401, 405}, (method, url, response.status_code)
        if response.status_code == 302:
            assert response.url.startswith(CODE_STEP) or response.url.startswith("/admin/login/"), response.url


# The admin is behind the platform's own log-in ---------------------------------------------------------------

@pytest.fixture
def superuser(madiun, make_staff):
    return make_staff(madiun, Role.ADMIN, is_staff=True, is_superuser=True)


def test_the_admin_login_page_sends_to_the_platform_login(client, superuser):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == "/masuk/?next=%2Fadmin%2F"
    # A password posted to the stock form logs nobody in.
    response = client.post("/admin/login/?next=/admin/", {"username": superuser.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_admin_needs_the_code(client, superuser):
    _enrol(superuser)
    client.post("/masuk/", {"username": superuser.username, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    client.post(CODE_STEP, {"code": _code(superuser)})
    assert client.get("/admin/").status_code == 200


def test_the_admin_is_throttled_like_the_platform_login(client, superuser):
    for _ in range(5):
        client.post("/masuk/?next=/admin/", {"username": superuser.username, "password": "salah-salah-salah"})
    client.post("/masuk/?next=/admin/", {"username": superuser.username, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302


# Passwords -----------------------------------------------------------------------------------------------------

def test_staff_change_their_own_password(client_for, operator):
    client = client_for(operator)
    url = reverse("accounts:password_change")
    response = client.post(url, {"old_password": "bukan-sandinya", "new_password1": "Rahasia-baru-2024!",
                                 "new_password2": "Rahasia-baru-2024!"})
    assert response.status_code == 200
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "Rahasia-baru-2024!",
                                 "new_password2": "Rahasia-baru-2024!"})
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password("Rahasia-baru-2024!")
    assert client.get("/staf/anggota/").status_code == 200  # the session survives its own password change
    assert AuditEntry.objects.filter(action="staff.password_changed", target_id=str(operator.pk)).count() == 1


def test_an_account_made_by_an_admin_must_change_its_password_first(client, madiun, make_staff):
    admin = make_staff(madiun, Role.ADMIN)
    user = services.create_staff(actor=admin, office=madiun, username="staf.baru", role=Role.OPERATOR,
                                 password="Sementara-dari-admin-1")
    assert user.must_change_password
    response = client.post("/masuk/", {"username": "staf.baru", "password": "Sementara-dari-admin-1"})
    assert response.url == reverse("accounts:password_change")
    assert client.get("/staf/anggota/").url == reverse("accounts:password_change")
    assert client.get("/admin/").status_code == 302
    client.post(reverse("accounts:password_change"), {
        "old_password": "Sementara-dari-admin-1", "new_password1": "Hanya-saya-tahu-77",
        "new_password2": "Hanya-saya-tahu-77"})
    assert client.get("/staf/anggota/").status_code == 200


def test_the_first_admin_made_on_the_command_line_keeps_its_password(madiun):
    user = services.create_staff(actor=None, office=madiun, username="admin.pertama", role=Role.ADMIN,
                                 password="Dipilih-sendiri-2024")
    assert not user.must_change_password


def test_an_admin_resets_a_password_and_the_owner_must_replace_it(client, client_for, madiun, make_staff, operator):
    admin = make_staff(madiun, Role.ADMIN)
    response = client_for(admin).post(reverse("accounts:staff_reset_password", args=[operator.pk]), follow=True)
    temporary = next(m.message for m in response.context["messages"]).rsplit(" ", 1)[-1]
    operator.refresh_from_db()
    assert operator.must_change_password and operator.check_password(temporary)
    assert AuditEntry.objects.filter(action="staff.password_reset", target_id=str(operator.pk)).exists()
    client.logout()
    response = client.post("/masuk/", {"username": operator.username, "password": temporary})
    assert response.url == reverse("accounts:password_change")


def test_an_admin_cannot_reset_staff_of_another_office(client_for, kab_madiun, make_staff, operator):
    other_admin = make_staff(kab_madiun, Role.ADMIN)
    response = client_for(other_admin).post(reverse("accounts:staff_reset_password", args=[operator.pk]))
    assert response.status_code == 404
    operator.refresh_from_db()
    assert not operator.must_change_password


# API tokens: granted by an admin, after the admin's password again ---------------------------------------------

def _grant(client, staff, secret):
    return client.post(reverse("accounts:token_create", args=[staff.pk]), {
        "name": "Integrasi SIAKBA", "scope": "write", "valid_days": "30", "secret": secret})


def test_granting_a_token_asks_for_the_admins_password_again(client_for, madiun, make_staff, operator):
    client = client_for(make_staff(madiun, Role.ADMIN))
    _grant(client, operator, "bukan-sandinya")
    assert not ApiToken.objects.exists()
    _grant(client, operator, PASSWORD)
    token = ApiToken.objects.get()
    assert token.user == operator and token.scope == "write"
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)


@pytest.mark.parametrize("days", ["0", "366", "abc"])
def test_a_token_needs_a_bounded_expiry(days, client_for, madiun, make_staff, operator):
    client = client_for(make_staff(madiun, Role.ADMIN))
    client.post(reverse("accounts:token_create", args=[operator.pk]), {
        "name": "X", "scope": "read", "valid_days": days, "secret": PASSWORD})
    assert not ApiToken.objects.exists()


def test_a_viewer_cannot_mint_a_token_for_themselves(client_for, madiun, make_staff):
    viewer = make_staff(madiun, Role.VIEWER)
    assert _grant(client_for(viewer), viewer, PASSWORD).status_code == 403
    assert not ApiToken.objects.exists()


# TOTP codes under concurrency ------------------------------------------------------------------------------------

def test_a_code_is_accepted_once_even_by_two_requests_at_the_same_time(operator):
    _enrol(operator)
    code = _code(operator)
    first, second = User.objects.get(pk=operator.pk), User.objects.get(pk=operator.pk)  # both read before either wrote
    assert services.verify_totp(user=first, code=code) is True
    assert services.verify_totp(user=second, code=code) is False


# Staff pages are never stored by browsers or proxies ---------------------------------------------------------------

@pytest.mark.parametrize("route", STAFF_ROUTES)
def test_every_staff_page_says_no_store(route, superuser_client):
    response = superuser_client.get(_concrete(route))
    assert "no-store" in response.get("Cache-Control", ""), (route, response.status_code)


@pytest.mark.parametrize("path", ["/masuk/", "/api/v1/members", "/staf/anggota/ekspor.csv"])
def test_login_api_and_exports_say_no_store(path, client_for, superuser):
    assert "no-store" in client_for(superuser).get(path)["Cache-Control"]


def test_public_pages_keep_their_cache_rules(client, offices):
    response = client.get("/kota-madiun/")
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"] and "public" in response["Cache-Control"]
