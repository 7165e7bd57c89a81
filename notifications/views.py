from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from bakohumas.forms import add_service_errors
from bakohumas.locking import ConflictError
from notifications import selectors, services
from notifications.forms import PreferenceForm
from notifications.models import Kind


@staff_required("registry.view")
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "rows": selectors.rows(page.object_list),
        "unread": selectors.unread_count(request.user)})


@staff_required("registry.view")
def notification_open(request, pk):
    """Opening a notification marks it read and goes where it is handled."""
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    services.mark_read(user=request.user, notification=notification)
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "notifications:list"
    return redirect(target)


@require_POST
@staff_required("registry.view")
def mark_all_read(request):
    count = services.mark_all_read(user=request.user)
    messages.success(request, _("%(n)s pemberitahuan ditandai sudah dibaca.") % {"n": count})
    return redirect("notifications:list")


@staff_required("registry.view")
def preference_edit(request):
    pref = services.preference_for(request.user)
    form = PreferenceForm(request.POST or None, initial=PreferenceForm.initial_from(pref))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_preference(actor=request.user, expected_version=data["version"],
                                     email_kinds=data["email_kinds"], chat_kinds=data["chat_kinds"],
                                     urgent_kinds=data["urgent_kinds"], mode=data["mode"],
                                     digest_hour=data["digest_hour"], quiet_start=data["quiet_start"],
                                     quiet_end=data["quiet_end"], chat_kind=data["chat_kind"],
                                     chat_address=data["chat_address"])
        except ConflictError as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Pengaturan pemberitahuan disimpan."))
            return redirect("notifications:preferences")
    chosen = {name: set(form[name].value() or []) for name in ("email_kinds", "chat_kinds", "urgent_kinds")}
    kinds = [{"value": value, "label": label, **{name: value in chosen[name] for name in chosen}}
             for value, label in Kind.choices]
    return render(request, "notifications/preferences.html", {
        "form": form, "kinds": kinds,
        "scalar_fields": [form[name] for name in ("mode", "digest_hour", "quiet_start", "quiet_end", "chat_kind",
                                                   "chat_address")], "has_email": bool(request.user.email),
        "zone": request.user.office.zone_label})
