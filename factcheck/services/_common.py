"""What the service modules share: limits, open claim states, numbering, the office-scoped permission check."""

import hashlib

from django.core.exceptions import PermissionDenied

from accounts.permissions import can
from factcheck.models import Claim
from lib.claimtext import terms
from lib.tracking import tracking_number

MAX_TEXT = 4096
MAX_MEDIA_BYTES = 10 * 1024 * 1024
OPEN = [Claim.Status.NEW, Claim.Status.VERIFYING]


def new_tracking_number() -> str:
    return tracking_number("CEK")


def fingerprint(text: str, url: str = "") -> str:
    words = terms(f"{text}\n{url}")
    return hashlib.sha1(" ".join(words).encode(), usedforsecurity=False).hexdigest() if words else ""


def _require(actor, capability: str, office) -> None:
    """Writes stay in the actor's own office (higher offices read their descendants' claims, never edit them)."""
    if actor is not None and (not can(actor, capability) or actor.office_id != office.pk):
        raise PermissionDenied(capability)
