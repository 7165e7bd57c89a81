"""The public forms' protection without third-party services: a honeypot field and a signed token that says when the
form was shown (a bot that posts at once, replays an old token or forges one is refused like a success)."""

from django.core import signing
from django.utils import timezone

MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 2 * 3600


class SpamSuspected(Exception):
    """Answered like a success, so that bots learn nothing."""


def form_token(salt: str) -> str:
    return signing.dumps(timezone.now().timestamp(), salt=salt)


def check(data, *, salt: str) -> None:
    """Raises SpamSuspected for a filled honeypot ("website"), or a missing, forged, stale or too-fast token."""
    if data.get("website"):
        raise SpamSuspected
    try:
        started = float(signing.loads(data.get("started") or "", salt=salt, max_age=MAX_FORM_AGE_SECONDS))
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise SpamSuspected from exc
    if timezone.now().timestamp() - started < MIN_FILL_SECONDS:
        raise SpamSuspected
