"""Whether this session, not just the account, has passed the second factor."""

SESSION_KEY = "second_factor_passed"


def mark_passed(request) -> None:
    request.session[SESSION_KEY] = request.user.pk


def needs_code(request) -> bool:
    """An account with TOTP whose session has not given a code since the password (or since TOTP was turned on
    elsewhere, for example by a superuser)."""
    user = request.user
    return bool(user.is_authenticated and user.totp_enabled and request.session.get(SESSION_KEY) != user.pk)


def needs_setup(user) -> bool:
    return bool(user.office_id and user.office.requires_second_factor and not user.totp_enabled)
