"""Public iCalendar feed of stage schedules. Routed by the portal (it owns the public URLs)."""

import hashlib

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition, require_safe

from elections.calendar import stages_ics
from elections.selectors import elections_for
from offices.models import Office


@require_safe
def ical_feed(request, office_slug: str, election_code: str | None = None) -> HttpResponse:
    """The stages of every election that applies to the office (or of one of them) as text/calendar.

    404 for an unknown office, or an election that does not apply to it (a PSU of another kabupaten).
    """
    office = get_object_or_404(Office, slug=office_slug)
    election = None
    if election_code is not None:
        election = get_object_or_404(elections_for(office), code=election_code)
    body = stages_ics(office, election)
    etag = hashlib.sha256(body).hexdigest()[:32]

    @condition(etag_func=lambda request, *args, **kwargs: etag)
    def respond(request):
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        name = f"tahapan-{office.slug}" + (f"-{election.code}" if election is not None else "")
        response["Content-Disposition"] = f'inline; filename="{name}.ics"'
        patch_cache_control(response, public=True, max_age=3600)
        return response

    return respond(request)
