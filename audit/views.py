from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.decorators import staff_required
from audit.selectors import audit_entries_for


@staff_required("audit.view")
def audit_log(request):
    entries = audit_entries_for(request.user.office, action=request.GET.get("action", "").strip(),
                                actor=request.GET.get("actor", "").strip())
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/audit_log.html", {"page": page, "query": query.urlencode()})
