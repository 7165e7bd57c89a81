import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, LoginAttempt, Role, User
from accounts.permissions import can
from audit.services import record
from lib.http import network_of

TOTP_ISSUER = "Bakohumas KPU"
MAX_SLOWDOWN_SECONDS = 60
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365


@dataclass(frozen=True)
class LoginThrottle:
    """Why a log-in attempt must wait: `locked` for the whole window, or `wait_seconds` to slow a guesser down."""

    locked: bool = False
    wait_seconds: int = 0

    @property
    def blocks(self) -> bool:
        return self.locked or self.wait_seconds > 0


def login_throttle(*, username: str, ip_address: str | None) -> LoginThrottle:
    """Lock a network that keeps failing; slow down (never lock) an account that fails from many networks.

    Locking by username alone would let anyone lock a staff member out by guessing at their predictable name.
    """
    network = network_of(ip_address)
    now = timezone.now()
    failures = LoginAttempt.objects.filter(at__gte=now - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES),
                                           succeeded=False)
    limit = settings.LOGIN_FAILURE_LIMIT
    if network:
        from_network = failures.filter(ip_address=network)
        # An office behind one NAT shares a network: it gets more room than one account does.
        if (from_network.filter(username__iexact=username).count() >= limit
                or from_network.count() >= limit * 4):
            return LoginThrottle(locked=True)
    for_user = failures.filter(username__iexact=username)
    count = for_user.count()
    if count >= limit:
        last = for_user.order_by("-at").values_list("at", flat=True).first()
        delay = min(2 ** (count - limit + 1), MAX_SLOWDOWN_SECONDS)
        remaining = delay - int((now - last).total_seconds())
        if remaining > 0:
            return LoginThrottle(wait_seconds=remaining)
    return LoginThrottle()


def record_login_attempt(*, username: str, ip_address: str | None, succeeded: bool) -> None:
    LoginAttempt.objects.create(username=username[:150], ip_address=network_of(ip_address), succeeded=succeeded)
    if succeeded:
        LoginAttempt.objects.filter(Q(username__iexact=username), succeeded=False).delete()


def start_totp_enrolment(*, user: User) -> str:
    user.totp_secret = pyotp.random_base32()
    user.save(update_fields=["totp_secret"])
    return user.totp_secret


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def verify_totp(*, user: User, code: str) -> bool:
    """Check a 6-digit code, allowing one step of clock drift and refusing a code used before."""
    code = "".join(ch for ch in code if ch.isdigit())
    if not user.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=30 * drift)
        step = totp.timecode(at)
        if secrets.compare_digest(totp.at(at), code):
            # One conditional update: of two requests with the same code, only one moves the step forward.
            if not User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step):
                return False
            user.totp_last_step = step
            return True
    return False


def reauthenticate(*, user: User, secret: str, ip_address: str | None) -> None:
    """Ask again before a sensitive change: the password, or a fresh code when the second factor is on."""
    throttle = login_throttle(username=user.username, ip_address=ip_address)
    if throttle.blocks:
        raise ValidationError(_("Terlalu banyak percobaan gagal. Tunggu beberapa saat lalu coba lagi."))
    secret = secret or ""
    if user.check_password(secret) or (user.totp_enabled and verify_totp(user=user, code=secret)):
        return
    record_login_attempt(username=user.username, ip_address=ip_address, succeeded=False)
    raise ValidationError(_("Kata sandi atau kode salah."))


@transaction.atomic
def enable_totp(*, user: User, code: str) -> None:
    if not verify_totp(user=user, code=code):
        raise ValidationError(_("Kode tidak cocok. Periksa jam ponsel Anda lalu coba lagi."))
    user.totp_enabled = True
    user.save(update_fields=["totp_enabled"])
    record(actor=user, office=user.office, action="staff.totp_enabled", target=user)


@transaction.atomic
def disable_totp(*, actor: User, user: User) -> None:
    user.totp_enabled = False
    user.totp_secret = ""
    user.save(update_fields=["totp_enabled", "totp_secret"])
    record(actor=actor, office=user.office, action="staff.totp_disabled", target=user)


def _staff_snapshot(user: User) -> dict:
    return {"username": user.username, "name": user.get_full_name(), "email": user.email,
            "role": user.role, "office": user.office.code if user.office else None, "is_active": user.is_active}


@transaction.atomic
def create_staff(*, actor: User | None, office, username: str, role: str, password: str,
                 first_name: str = "", last_name: str = "", email: str = "") -> User:
    if role not in Role.values:
        raise ValidationError({"role": _("Peran tidak dikenal.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("Nama pengguna sudah dipakai.")})
    # An account made by someone else starts with a password that someone else knows.
    user = User(username=username, office=office, role=role, first_name=first_name, last_name=last_name,
                email=email, must_change_password=actor is not None)
    user.set_password(password)
    user.save()
    record(actor=actor, office=office, action="staff.created", target=user, after=_staff_snapshot(user))
    return user


@transaction.atomic
def update_staff(*, actor: User, user: User, role: str, is_active: bool, first_name: str, last_name: str,
                 email: str) -> User:
    if user.pk == actor.pk and (role != Role.ADMIN or not is_active):
        raise ValidationError(_("Anda tidak dapat menurunkan peran atau menonaktifkan akun Anda sendiri."))
    before = _staff_snapshot(user)
    user.role, user.is_active = role, is_active
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.save()
    record(actor=actor, office=user.office, action="staff.updated", target=user, before=before,
           after=_staff_snapshot(user))
    return user


@transaction.atomic
def set_on_duty(*, actor: User, user: User, on_duty: bool) -> None:
    """Staff on duty get new inbox conversations by round robin."""
    if actor.pk != user.pk and not (actor.role == "admin" and actor.office_id == user.office_id):
        raise PermissionError("only the user or their office admin")
    User.objects.filter(pk=user.pk).update(on_duty=on_duty)
    record(actor=actor, office=user.office, action="staff.on_duty" if on_duty else "staff.off_duty", target=user)


@transaction.atomic
def change_password(*, user: User, new_password: str) -> None:
    """The owner sets a password only they know; the old password was checked by the caller's form."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record(actor=user, office=user.office, action="staff.password_changed", target=user)


@transaction.atomic
def reset_password(*, actor: User, user: User) -> str:
    """An office admin gives a staff member a one-time password; they must replace it when they next log in."""
    if not (can(actor, "staff.manage") and actor.office_id == user.office_id) or actor.pk == user.pk:
        raise PermissionDenied
    temporary = "-".join(secrets.token_hex(3) for _ in range(4))
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record(actor=actor, office=user.office, action="staff.password_reset", target=user)
    return temporary


def _grantable(actor: User, user: User) -> bool:
    return can(actor, "staff.manage") and actor.office_id == user.office_id and user.is_active


@transaction.atomic
def create_api_token(*, actor: User, user: User, name: str, scope: str = ApiToken.Scope.READ,
                     valid_days: int = DEFAULT_TOKEN_DAYS) -> tuple[ApiToken, str]:
    """Only an office admin grants tokens, to staff of their own office, with a scope and an expiry."""
    if not _grantable(actor, user):
        raise PermissionDenied
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("Beri nama token (untuk apa token ini dipakai).")]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [_("Cakupan tidak dikenal.")]
    if not 1 <= valid_days <= MAX_TOKEN_DAYS:
        errors["valid_days"] = [_("Masa berlaku 1 sampai %(max)d hari.") % {"max": MAX_TOKEN_DAYS}]
    if errors:
        raise ValidationError(errors)
    key = "bkh_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:80], prefix=key[:10], key_hash=ApiToken.hash_key(key),
                                    scope=scope, expires_at=timezone.now() + timedelta(days=valid_days),
                                    granted_by=actor)
    record(actor=actor, office=user.office, action="api_token.created", target=token,
           after={"name": token.name, "user": user.username, "scope": scope,
                  "expires_at": token.expires_at.isoformat()})
    return token, key


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> None:
    if actor.pk != token.user_id and not _grantable(actor, token.user):
        raise PermissionDenied
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor=actor, office=token.user.office, action="api_token.revoked", target=token)


def token_for_api_key(key: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user", "user__office")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, expires_at__gt=timezone.now(),
                user__is_active=True)
        .first()
    )
    if token is None:
        return None
    office = token.user.office
    if office is not None and office.requires_second_factor and not token.user.totp_enabled:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
