"""Staff page for the office's public profile (/staf/profil-kantor/): the office admin edits their own office's."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.decorators import staff_required
from bakohumas.forms import add_service_errors
from offices.services import PROFILE_FIELDS, update_profile
from portal.forms import OfficeProfileForm


@staff_required("office.manage")
def office_profile(request):
    office = request.user.office
    initial = {field: getattr(office, field) for field in PROFILE_FIELDS}
    initial["contact_phone"] = office.phone_display   # as people write it; stored in E.164
    form = OfficeProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = update_profile(actor=request.user, office=office, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Profil kantor disimpan; portal langsung menampilkannya.") if changed
                             else _("Tidak ada yang berubah."))
            return redirect("portal_staff:profile")
    return render(request, "portal/staff_profile.html", {
        "form": form, "office": office, "contact_url": reverse("portal:contact", args=[office.slug])})
