import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.cache import patch_cache_control


class OfficeTimezoneMiddleware:
    """Show times in the staff member's office zone (WIB/WITA/WIT); storage stays UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Visitors without a session cookie are anonymous: do not load a session for them (public pages).
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        user = getattr(request, "user", None) if has_session else None
        if user is not None and user.is_authenticated and user.office_id:
            timezone.activate(zoneinfo.ZoneInfo(user.office.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)


class NoStoreForStaffMiddleware:
    """Staff pages, exports, the API and the admin carry personal data: no browser, shared computer or proxy may
    keep a copy (`Cache-Control: no-store`). Public portal pages keep their own caching rules."""

    PREFIXES = ("/staf/", "/admin/", "/api/", "/masuk/", "/keluar/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.PREFIXES):
            patch_cache_control(response, no_store=True, private=True)
            response.headers.pop("Expires", None)
        return response
