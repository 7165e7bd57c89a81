from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.decorators import staff_required
from dashboards import periods, selectors
from offices.models import Office
from offices.selectors import office_by_code

HEADLINE_COLUMNS = [("office", _("Satker")), ("active_members", _("Anggota aktif")),
                    ("publications", _("Publikasi")), ("reach", _("Jangkauan siaran")),
                    ("conversations_opened", _("Percakapan")), ("clarifications", _("Klarifikasi"))]


@staff_required("registry.view")
def own_dashboard(request):
    return _dashboard(request, request.user.office)


@staff_required("registry.view")
def office_dashboard(request, code: str):
    office = office_by_code(code)
    if office is None:
        raise Http404
    if not selectors.can_view_dashboard(request.user, office):
        raise PermissionDenied
    return _dashboard(request, office)


def _dashboard(request, office: Office):
    context = {"office": office, "choices": periods.CHOICES, "params": request.GET,
               "headline_columns": HEADLINE_COLUMNS}
    try:
        period = periods.resolve(request.GET, office.timezone)
    except ValidationError as error:
        context["period_error"] = error.messages[0]
        return render(request, "dashboards/dashboard.html", context, status=400)
    previous = period.previous()
    shown = selectors.present(selectors.figures(office, period), selectors.figures(office, previous))
    sort = request.GET.get("urut", "office")
    rows = selectors.sorted_rows(selectors.office_rows(office, period), sort)
    context.update(period=period, previous=previous, shown=shown, rows=rows, sort=sort,
                   charts=shown["charts"], query=_without(request.GET, "urut"))
    return render(request, "dashboards/dashboard.html", context)


def _without(params, name: str) -> str:
    kept = params.copy()
    kept.pop(name, None)
    return kept.urlencode()
