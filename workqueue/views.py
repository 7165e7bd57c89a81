from django.shortcuts import render

from accounts.decorators import staff_required
from notifications.selectors import unread_count
from workqueue import selectors


@staff_required("registry.view")
def home(request):
    sections = selectors.work_queue(request.user)
    return render(request, "workqueue/home.html", {
        "sections": [s for s in sections if s.count], "quiet_sections": [s for s in sections if not s.count],
        "total": sum(s.count for s in sections)})


@staff_required("registry.view")
def badges(request):
    """The navigation's counts and the bell, polled by every staff page (htmx, out-of-band swaps)."""
    return render(request, "workqueue/_badges.html", {
        "counts": selectors.nav_counts(request.user), "unread": unread_count(request.user)})
