"""Election-day load: public pages are cached whole and revalidated with ETags.

The cache key and the ETag carry the site generation (raised on every publish, edit or archive, in the same
database every web process reads), the minute (so a publication scheduled for 14:00 is there at 14:00) and the
language. Pages are therefore never stale by more than the minute a schedule needs, and never after a change.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from portal.models import SiteGeneration


def current_generation() -> int:
    return SiteGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 1


def public_page(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        minute = timezone.now().strftime("%Y%m%d%H%M")
        state = f"{current_generation()}|{minute}|{get_language()}|{request.get_full_path()}"
        digest = hashlib.blake2b(state.encode(), digest_size=12).hexdigest()
        etag = f'"{digest}"'
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponseNotModified()
        else:
            key = f"portal-page:{digest}"
            response = cache.get(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                if response.status_code == 200:
                    cache.set(key, response, settings.PORTAL_CACHE_SECONDS)
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=settings.PORTAL_MAX_AGE)
        # The language comes from the language cookie; the page never depends on a session.
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapped
