import hashlib
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from lib.http import network_of
from ops.models import ThrottleHit


def throttle_exceeded(*, scope: str, key: str, limit: int, window: timedelta) -> bool:
    """Count one event for (scope, key) and say whether more than `limit` happened within `window`.

    Keys (such as IP addresses) are stored only as a keyed hash, and hits older than the window are removed.
    An IPv6 address counts for its whole /64 network.
    """
    key = network_of(key) or key
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{key}".encode()).hexdigest()
    now = timezone.now()
    hits = ThrottleHit.objects.filter(scope=scope, key=digest)
    hits.filter(at__lt=now - window).delete()
    ThrottleHit.objects.create(scope=scope, key=digest, at=now)
    return hits.count() > limit
