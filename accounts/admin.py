from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "office", "role", "is_active", "totp_enabled"]
    list_filter = ["role", "is_active", "office__level"]
    raw_id_fields = ["office"]
    fieldsets = [*UserAdmin.fieldsets, ("Bakohumas", {"fields": ["office", "role", "totp_enabled"]})]
