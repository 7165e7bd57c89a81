from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.decorators import staff_required
from audit import sentences
from audit.selectors import audit_entries_for, describe


@staff_required("audit.view")
def audit_log(request):
    areas = sentences.areas()
    area = request.GET.get("area", "").strip()
    if area not in dict(areas):
        area = ""
    entries = audit_entries_for(request.user.office, area=area, actor=request.GET.get("actor", "").strip())
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/audit_log.html", {
        "page": page, "lines": describe(page.object_list, request.user), "query": query.urlencode(),
        "areas": areas, "area": area,
    })
