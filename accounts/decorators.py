from functools import wraps
from urllib.parse import quote, urlparse

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _

from accounts import second_factor
from accounts.permissions import can


def _redirect(request, url: str):
    """A redirect that also works for an htmx request (which would otherwise swap the target page into a part)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=401)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def staff_required(capability: str, *, second_factor_exempt: bool = False, password_change_exempt: bool = False):
    """Log-in plus a role capability. An expired session during an htmx poll redirects the whole page.

    A session that has not given its TOTP code yet is sent to give it; an account whose password someone else
    chose is sent to replace it; when the office requires a second factor, staff who have not set one up are
    sent to set it up first.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                if request.headers.get("HX-Request"):
                    current = urlparse(request.headers.get("HX-Current-URL", "")).path
                    return _redirect(request, resolve_url("accounts:login") + "?next=" + quote(current))
                return redirect_to_login(request.get_full_path())
            if second_factor.needs_code(request):
                return _redirect(request, resolve_url("accounts:login_otp") + "?next="
                                 + quote(request.get_full_path()))
            if request.user.must_change_password and not password_change_exempt:
                return _redirect(request, resolve_url("accounts:password_change"))
            if not can(request.user, capability):
                raise PermissionDenied
            if not second_factor_exempt and second_factor.needs_setup(request.user):
                messages.warning(request, _("Satker Anda mewajibkan verifikasi dua langkah. Siapkan dulu di sini."))
                return _redirect(request, resolve_url("accounts:security"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
