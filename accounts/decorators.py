from functools import wraps
from urllib.parse import quote, urlparse

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _

from accounts.permissions import can


def staff_required(capability: str, *, second_factor_exempt: bool = False):
    """Log-in plus a role capability. An expired session during an htmx poll redirects the whole page.

    When the office requires a second factor, staff who have not set one up are sent to set it up first.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                if request.headers.get("HX-Request"):
                    current = urlparse(request.headers.get("HX-Current-URL", "")).path
                    login = resolve_url("accounts:login") + "?next=" + quote(current)
                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = login
                    return response
                return redirect_to_login(request.get_full_path())
            if not can(request.user, capability):
                raise PermissionDenied
            if (not second_factor_exempt and request.user.office.requires_second_factor
                    and not request.user.totp_enabled):
                messages.warning(request, _("Satker Anda mewajibkan verifikasi dua langkah. Siapkan dulu di sini."))
                return redirect("accounts:security")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
