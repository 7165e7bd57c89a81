"""Election-day load: every public page, feed, sitemap and calendar is cached whole and revalidated with ETags.

The cache key and the ETag carry
- the site generation, raised after every publish, edit or archive in the database every process reads, so a change
  made through one process is never served stale by another, whatever cache each process has;
- the next moment at which the portal changes by itself: the next scheduled publish or unpublish
  (content.selectors.next_schedule_change) or the next midnight in an office's zone (today's stage, "n hari lagi");
- the language and the full path.
Between two such moments one generation's page cannot differ, so it is built once per cache and kept for
PORTAL_CACHE_SECONDS; a scheduled item still appears at its minute, because from that minute on the key is another.
"""

import hashlib
import zoneinfo
from datetime import datetime, time, timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from content.selectors import next_schedule_change
from offices.models import Office
from portal.models import SiteGeneration

ZONES = [zoneinfo.ZoneInfo(zone) for zone in Office.Zone.values]


def current_generation() -> int:
    return SiteGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 1


def next_local_midnight(now: datetime) -> datetime:
    return min(datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(), zone) for zone in ZONES)


def valid_until(generation: int, now: datetime) -> datetime:
    """The next moment after `now` at which a page of this generation may change without a new generation.

    Remembered in the cache per generation: a publication's times change only with a new generation, so the answer
    holds for every moment from when it was computed until it is reached."""
    key = f"portal-valid-until:{generation}"
    remembered = cache.get(key)
    if remembered is not None and remembered[0] <= now < remembered[1]:
        return remembered[1]
    until = next_local_midnight(now)
    scheduled = next_schedule_change(now)
    if scheduled is not None and scheduled < until:
        until = scheduled
    cache.set(key, (now, until), None)
    return until


def page_state(request) -> str:
    now = timezone.now()
    generation = current_generation()
    return f"{generation}|{valid_until(generation, now).timestamp()}|{get_language()}|{request.get_full_path()}"


def public_page(view=None, *, store: bool = True):
    """Serve a public GET through the page cache and answer a matching If-None-Match with 304.

    store=False (files streamed from storage) keeps the ETag and the 304 but never puts the body in the cache.
    Other methods go to the view untouched. Views carry `portal_cache` so the URL test can tell what is cached."""
    if view is None:
        return lambda v: public_page(v, store=store)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        digest = hashlib.blake2b(page_state(request).encode(), digest_size=12).hexdigest()
        etag = f'"{digest}"'
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponseNotModified()
        elif not store:
            response = view(request, *args, **kwargs)
        else:
            key = f"portal-page:{digest}"
            response = cache.get(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                if response.status_code == 200:
                    # One piece: a feed is written in hundreds of small writes, each its own send() under gunicorn.
                    response.content = response.content
                    cache.set(key, response, settings.PORTAL_CACHE_SECONDS)
                response["X-Cache"] = "MISS"
            else:
                response["X-Cache"] = "HIT"
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=settings.PORTAL_MAX_AGE)
        # The language comes from the language cookie; the page never depends on a session.
        patch_vary_headers(response, ["Cookie"])
        return response

    wrapped.portal_cache = "page" if store else "conditional"
    return wrapped
