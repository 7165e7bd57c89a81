import zoneinfo

from django.utils import timezone


class OfficeTimezoneMiddleware:
    """Show times in the staff member's office zone (WIB/WITA/WIT); storage stays UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.office_id:
            timezone.activate(zoneinfo.ZoneInfo(user.office.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)
