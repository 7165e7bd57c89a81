from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User
from audit.services import record


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "office", "role", "is_active", "totp_enabled"]
    list_filter = ["role", "is_active", "office__level"]
    raw_id_fields = ["office"]
    fieldsets = [*UserAdmin.fieldsets, ("Bakohumas", {"fields": ["office", "role", "totp_enabled"]})]

    def save_model(self, request, obj, form, change):
        before = {f: form.initial.get(f) for f in form.changed_data if f != "password"} if change else None
        super().save_model(request, obj, form, change)
        after = {f: str(form.cleaned_data.get(f)) for f in form.changed_data if f != "password"}
        record(actor=request.user, office=obj.office, action="staff.updated_in_admin" if change else
               "staff.created_in_admin", target=obj, before=before and {k: str(v) for k, v in before.items()},
               after=after)
