"""Logging in and out: passwords, throttling, the TOTP second factor, audit rows, production start-up checks."""

import os
import subprocess
import sys
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import LoginAttempt, Role, User
from audit.models import AuditEntry
from conftest import PASSWORD

LOGIN = "/masuk/"
WRONG_PASSWORD = "Nama pengguna atau kata sandi salah."
LOCKED = ("Terlalu banyak percobaan masuk yang gagal dari jaringan ini. Tunggu 15 menit lalu coba lagi, atau hubungi "
          "admin satker.")
SLOWED = "Terlalu banyak percobaan masuk yang gagal untuk akun ini. Coba lagi dalam"


def _login(client, username, password=PASSWORD, next_url=None, ip="127.0.0.1"):
    url = LOGIN + ("?" + urlencode({"next": next_url}) if next_url else "")
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(url, data, REMOTE_ADDR=ip)


def _logged_in_as(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def _code(user: User, *, steps_ahead: int = 0) -> str:
    """The authenticator app's code, `steps_ahead` 30-second steps from now (the server allows one step of drift)."""
    return pyotp.TOTP(user.totp_secret).at(timezone.now() + timedelta(seconds=30 * steps_ahead))


def _logins(user: User):
    return AuditEntry.objects.filter(action="staff.logged_in", actor=user)


# Password ----------------------------------------------------------------------------------------------------

def test_it_shows_the_login_page(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert 'name="password"' in response.text


def test_it_logs_in(client, operator):
    response = _login(client, operator.username)
    assert response.status_code == 302
    assert response.url == reverse("workqueue:home")
    assert _logged_in_as(client) == operator.pk
    assert client.get(reverse("workqueue:home")).status_code == 200


def test_it_follows_a_local_next_url(client, operator):
    response = _login(client, operator.username, next_url="/staf/anggota/")
    assert response.url == "/staf/anggota/"


def test_it_ignores_a_foreign_next_url(client, operator):
    response = _login(client, operator.username, next_url="https://contoh-jahat.example/")
    assert response.url == reverse("workqueue:home")


def test_it_audits_every_login(client, operator):
    _login(client, operator.username)
    client.post(reverse("accounts:logout"))
    _login(client, operator.username)
    entries = _logins(operator)
    assert entries.count() == 2
    assert {(e.office_id, e.target_type, e.target_id) for e in entries} == {
        (operator.office_id, "accounts.user", str(operator.pk))}


@pytest.mark.parametrize("username, password", [
    ("{user}", "kata-sandi-salah-99"),
    ("tidak-ada", PASSWORD),
])
def test_it_refuses_a_wrong_password_in_indonesian(username, password, client, operator):
    response = _login(client, username.format(user=operator.username), password)
    assert response.status_code == 200
    assert WRONG_PASSWORD in response.text
    assert _logged_in_as(client) is None
    assert not _logins(operator).exists()
    assert LoginAttempt.objects.filter(succeeded=False).count() == 1


def test_it_refuses_staff_without_an_office(db, client):
    user = User(username="tanpa-satker", role=Role.ADMIN)
    user.set_password(PASSWORD)
    user.save()
    response = _login(client, user.username)
    assert WRONG_PASSWORD in response.text
    assert _logged_in_as(client) is None


def test_it_refuses_an_inactive_account(client, make_staff, madiun):
    user = make_staff(madiun, Role.EDITOR, is_active=False)
    assert WRONG_PASSWORD in _login(client, user.username).text
    assert _logged_in_as(client) is None


# Throttling --------------------------------------------------------------------------------------------------

def test_it_locks_the_network_after_five_failures_for_one_username(client, operator):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    for _ in range(5):
        assert WRONG_PASSWORD in _login(client, operator.username, "kata-sandi-salah-99").text
    response = _login(client, operator.username)
    assert response.status_code == 200
    assert LOCKED in response.text
    assert _logged_in_as(client) is None
    assert not _logins(operator).exists()


def test_it_locks_regardless_of_the_usernames_case(client, operator):
    for _ in range(5):
        _login(client, operator.username.upper(), "kata-sandi-salah-99")
    assert LOCKED in _login(client, operator.username).text


def test_it_does_not_lock_after_four_failures(client, operator):
    for _ in range(4):
        _login(client, operator.username, "kata-sandi-salah-99")
    assert _login(client, operator.username).status_code == 302
    assert _logged_in_as(client) == operator.pk


def test_it_forgets_failures_after_a_successful_login(client, operator):
    for _ in range(4):
        _login(client, operator.username, "kata-sandi-salah-99")
    _login(client, operator.username)
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        _login(client, operator.username, "kata-sandi-salah-99")
    assert _login(client, operator.username).status_code == 302


def test_it_unlocks_after_the_window(client, operator):
    for _ in range(5):
        _login(client, operator.username, "kata-sandi-salah-99")
    LoginAttempt.objects.update(at=timezone.now() - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES + 1))
    assert _login(client, operator.username).status_code == 302


def test_an_attacker_elsewhere_cannot_lock_a_staff_member_out(client, operator):
    """Guessing at a predictable username from many networks slows that account down; it never locks it."""
    for n in range(8):
        _login(client, operator.username, "kata-sandi-salah-99", ip=f"203.0.113.{n}")
    response = _login(client, operator.username, ip="198.51.100.7")
    assert SLOWED in response.text and LOCKED not in response.text
    assert _logged_in_as(client) is None
    # The slow-down lasts seconds, not the 15-minute window: the owner gets in once it has passed.
    LoginAttempt.objects.update(at=timezone.now() - timedelta(seconds=61))
    assert _login(client, operator.username, ip="198.51.100.7").status_code == 302
    assert _logged_in_as(client) == operator.pk


def test_rotating_through_an_ipv6_64_counts_as_one_network(client, operator):
    for n in range(5):
        _login(client, operator.username, "kata-sandi-salah-99", ip=f"2001:db8:1:2::{n + 1:x}")
    assert LOCKED in _login(client, operator.username, ip="2001:db8:1:2:ffff::9").text
    assert set(LoginAttempt.objects.values_list("ip_address", flat=True)) == {"2001:db8:1:2::"}
    LoginAttempt.objects.update(at=timezone.now() - timedelta(seconds=61))
    assert _login(client, operator.username, ip="2001:db8:1:3::1").status_code == 302


def test_it_does_not_lock_other_users_behind_the_same_ip_too_early(client, operator, make_staff, madiun):
    colleague = make_staff(madiun, Role.VIEWER)
    for _ in range(5):
        _login(client, operator.username, "kata-sandi-salah-99")
    assert _login(client, colleague.username).status_code == 302


# TOTP --------------------------------------------------------------------------------------------------------

@pytest.fixture
def totp_user(operator):
    services.start_totp_enrolment(user=operator)
    services.enable_totp(user=operator, code=_code(operator))
    operator.refresh_from_db()
    return operator


def test_it_enrols_a_second_factor(client_for, operator):
    client = client_for(operator)
    security = reverse("accounts:security")
    assert client.post(security, {"action": "start"}).status_code == 302
    operator.refresh_from_db()
    assert operator.totp_secret and not operator.totp_enabled
    assert "<svg" in client.get(security).text

    wrong = str((int(_code(operator)) + 1) % 1_000_000).zfill(6)
    response = client.post(security, {"code": wrong})
    assert response.status_code == 200
    assert "Kode tidak cocok" in response.text
    operator.refresh_from_db()
    assert not operator.totp_enabled

    assert client.post(security, {"code": _code(operator)}).status_code == 302
    operator.refresh_from_db()
    assert operator.totp_enabled
    assert AuditEntry.objects.filter(action="staff.totp_enabled", target_id=str(operator.pk)).exists()


def test_it_asks_for_the_code_after_the_password(client, totp_user):
    next_url = "/staf/anggota/?q=partai&status=active"
    response = _login(client, totp_user.username, next_url=next_url)
    assert response.status_code == 302
    assert response.url.startswith("/masuk/kode/?")
    assert parse_qs(urlsplit(response.url).query) == {"next": [next_url]}
    assert _logged_in_as(client) is None
    assert not _logins(totp_user).exists()
    assert client.get(reverse("workqueue:home")).status_code == 302

    response = client.post(response.url, {"code": _code(totp_user, steps_ahead=1)})
    assert response.status_code == 302
    assert response.url == next_url
    assert _logged_in_as(client) == totp_user.pk
    assert _logins(totp_user).count() == 1


def test_it_refuses_a_reused_code(client, totp_user):
    code = _code(totp_user, steps_ahead=1)
    _login(client, totp_user.username)
    client.post(reverse("accounts:login_otp"), {"code": code})
    client.post(reverse("accounts:logout"))

    _login(client, totp_user.username)
    response = client.post(reverse("accounts:login_otp"), {"code": code})
    assert response.status_code == 200
    assert "Kode salah atau sudah dipakai." in response.text
    assert _logged_in_as(client) is None
    assert _logins(totp_user).count() == 1


def test_it_refuses_the_enrolment_code_at_login(client, totp_user):
    _login(client, totp_user.username)
    response = client.post(reverse("accounts:login_otp"), {"code": _code(totp_user)})
    assert "Kode salah atau sudah dipakai." in response.text
    assert _logged_in_as(client) is None


def test_it_locks_the_second_step_after_five_wrong_codes(client, totp_user):
    _login(client, totp_user.username)
    good = _code(totp_user, steps_ahead=1)
    wrong = str((int(good) + 1) % 1_000_000).zfill(6)
    for _ in range(5):
        client.post(reverse("accounts:login_otp"), {"code": wrong})
    response = client.post(reverse("accounts:login_otp"), {"code": good})
    assert "Terlalu banyak percobaan gagal." in response.text
    assert _logged_in_as(client) is None


def test_it_sends_the_second_step_back_to_login_without_a_password(client):
    response = client.get(reverse("accounts:login_otp"))
    assert response.status_code == 302
    assert response.url == LOGIN


# Logout ------------------------------------------------------------------------------------------------------

def test_it_logs_out_only_by_post(client_for, operator):
    client = client_for(operator)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert _logged_in_as(client) == operator.pk

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert _logged_in_as(client) is None
    assert AuditEntry.objects.filter(action="staff.logged_out", actor=operator).count() == 1


# Security headers and production settings ---------------------------------------------------------------------

@pytest.mark.parametrize("path", [LOGIN, "/staf/"])
def test_it_sends_security_headers(path, client_for, operator):
    response = client_for(operator).get(path)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def _start_production(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "PYTEST_CURRENT_TEST"}}
    environment.update(BAKOHUMAS_ENV="production", DJANGO_SETTINGS_MODULE="bakohumas.settings",
                       BAKOHUMAS_VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=settings.BASE_DIR,
                          env=environment, capture_output=True, text=True, timeout=60)


GOOD_KEY = "k3y-" + "x7Q9" * 11 + "zz"


@pytest.mark.parametrize("env", [
    {},
    {"SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production"},
    {"SECRET_KEY": "pendek-sekali"},
    {"SECRET_KEY": GOOD_KEY, "DEBUG": "1"},
    {"SECRET_KEY": GOOD_KEY, "DEBUG": "true"},
], ids=["no-key", "default-key", "short-key", "debug-1", "debug-true"])
@pytest.mark.process
def test_it_refuses_to_start_production_insecurely(env, tmp_path):
    result = _start_production(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.process
@pytest.mark.parametrize("env", [{}, {"DEBUG": "0"}], ids=["debug-unset", "debug-off"])
def test_it_starts_production_with_a_real_key(env, tmp_path):
    assert len(GOOD_KEY) == 50
    result = _start_production(tmp_path, SECRET_KEY=GOOD_KEY, **env)
    assert result.returncode == 0, result.stderr


def test_it_locks_an_ip_after_twenty_failures(client, operator):
    for n in range(settings.LOGIN_FAILURE_LIMIT * 4):
        _login(client, f"tebakan-{n}", "kata-sandi-salah-99")
    assert LOCKED in _login(client, operator.username).text
    assert _logged_in_as(client) is None


@pytest.mark.parametrize("required, enabled", [(True, True), (False, False)])
def test_it_disables_the_second_factor_unless_the_office_requires_it(required, enabled, client_for, totp_user):
    totp_user.office.requires_second_factor = required
    totp_user.office.save()
    response = client_for(totp_user).post(reverse("accounts:security"), {"action": "disable", "secret": PASSWORD})
    assert response.status_code == 302
    totp_user.refresh_from_db()
    assert totp_user.totp_enabled is enabled


@pytest.mark.parametrize("secret", ["", "kata-sandi-salah-99", "000000"])
def test_disabling_the_second_factor_asks_for_the_password_or_a_code_again(secret, client_for, totp_user):
    response = client_for(totp_user).post(reverse("accounts:security"), {"action": "disable", "secret": secret})
    assert response.status_code == 200
    totp_user.refresh_from_db()
    assert totp_user.totp_enabled
    assert not AuditEntry.objects.filter(action="staff.totp_disabled").exists()


def test_disabling_the_second_factor_accepts_a_fresh_code(client_for, totp_user):
    response = client_for(totp_user).post(reverse("accounts:security"),
                                          {"action": "disable", "secret": _code(totp_user, steps_ahead=1)})
    assert response.status_code == 302
    totp_user.refresh_from_db()
    assert not totp_user.totp_enabled


def test_an_office_that_requires_a_second_factor_sends_staff_to_set_it_up(madiun, make_staff, client_for):
    madiun.requires_second_factor = True
    madiun.save()
    client = client_for(make_staff(madiun, "operator"))
    response = client.get("/staf/anggota/")
    assert response.status_code == 302 and response["Location"] == "/staf/akun/keamanan/"
    assert client.get("/staf/akun/keamanan/").status_code == 200


def test_password_logins_do_not_reset_the_second_factor_failure_count(madiun, make_staff, client):
    import pyotp

    from accounts.services import enable_totp, start_totp_enrolment

    user = make_staff(madiun, "operator")
    start_totp_enrolment(user=user)
    enable_totp(user=user, code=pyotp.TOTP(user.totp_secret).now())
    for _ in range(6):
        client.post("/masuk/", {"username": user.username, "password": "kata-sandi-uji-123"})
        client.post("/masuk/kode/", {"code": "000000"})
    response = client.post("/masuk/", {"username": user.username, "password": "kata-sandi-uji-123"})
    assert "Terlalu banyak" in response.text
