import secrets
from datetime import timedelta

import pyotp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, LoginAttempt, Role, User
from audit.services import record

TOTP_ISSUER = "Bakohumas KPU"


def is_login_locked(*, username: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    failures = LoginAttempt.objects.filter(at__gte=since, succeeded=False)
    by_user = failures.filter(username__iexact=username).count()
    by_ip = failures.filter(ip_address=ip_address).count() if ip_address else 0
    # An IP gets more room than a username: an office behind one NAT shares it.
    return by_user >= settings.LOGIN_FAILURE_LIMIT or by_ip >= settings.LOGIN_FAILURE_LIMIT * 4


def record_login_attempt(*, username: str, ip_address: str | None, succeeded: bool) -> None:
    LoginAttempt.objects.create(username=username[:150], ip_address=ip_address, succeeded=succeeded)
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
        if step > user.totp_last_step and secrets.compare_digest(totp.at(at), code):
            User.objects.filter(pk=user.pk).update(totp_last_step=step)
            user.totp_last_step = step
            return True
    return False


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
    user = User(username=username, office=office, role=role, first_name=first_name, last_name=last_name,
                email=email)
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
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    key = "bkh_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=ApiToken.hash_key(key))
    record(actor=user, office=user.office, action="api_token.created", target=token, after={"name": name})
    return token, key


@transaction.atomic
def revoke_api_token(*, user: User, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor=user, office=user.office, action="api_token.revoked", target=token)


def user_for_api_key(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__office")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    office = token.user.office
    if office is not None and office.requires_second_factor and not token.user.totp_enabled:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
