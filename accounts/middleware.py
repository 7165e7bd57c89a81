import zoneinfo

from django.conf import settings
from django.utils import timezone


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
