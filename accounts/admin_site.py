from urllib.parse import urlencode

from django.contrib import admin
from django.shortcuts import redirect, resolve_url

from accounts import second_factor


class StaffAdminSite(admin.AdminSite):
    """The stock admin log-in accepts a password alone and is not throttled; this site has no log-in of its own.

    Entry needs a platform session that has passed the second factor (when the account has one) and no pending
    password change.
    """

    def has_permission(self, request):
        return (super().has_permission(request) and not second_factor.needs_code(request)
                and not request.user.must_change_password)

    def login(self, request, extra_context=None):
        target = request.GET.get("next") or resolve_url("admin:index")
        if second_factor.needs_code(request):
            return redirect(resolve_url("accounts:login_otp") + "?" + urlencode({"next": target}))
        if request.user.is_authenticated and request.user.must_change_password:
            return redirect("accounts:password_change")
        return redirect(resolve_url("accounts:login") + "?" + urlencode({"next": target}))
