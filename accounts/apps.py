from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Akun staf"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, behind the platform's own log-in (throttled, with the second factor)."""

    default = False
    default_site = "accounts.admin_site.StaffAdminSite"
