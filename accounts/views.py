import io
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import services
from accounts.decorators import staff_required
from accounts.forms import ApiTokenForm, LoginForm, OtpForm, StaffCreateForm, StaffEditForm
from accounts.models import ApiToken, User
from audit.services import record
from lib.http import client_ip

PENDING_USER_KEY = "pending_second_factor_user"


def _client_ip(request) -> str | None:
    return client_ip(request.META, trusted_proxies=settings.TRUSTED_PROXY_COUNT)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return resolve_url("members:dashboard")


def _complete_login(request, user: User):
    services.record_login_attempt(username=user.username, ip_address=_client_ip(request), succeeded=True)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    record(actor=user, office=user.office, action="staff.logged_in", target=user)
    return redirect(_next_url(request))


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, ip = form.cleaned_data["username"], _client_ip(request)
        if services.is_login_locked(username=username, ip_address=ip):
            form.add_error(None, _("Terlalu banyak percobaan masuk yang gagal. Tunggu 15 menit lalu coba lagi, "
                                   "atau hubungi admin satker."))
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None or user.office_id is None:
                services.record_login_attempt(username=username, ip_address=ip, succeeded=False)
                form.add_error(None, _("Nama pengguna atau kata sandi salah."))
            else:
                if user.totp_enabled:
                    request.session.cycle_key()
                    request.session[PENDING_USER_KEY] = user.pk
                    return redirect(resolve_url("accounts:login_otp") + "?" + urlencode({"next": _next_url(request)}))
                return _complete_login(request, user)
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@never_cache
def login_otp(request):
    user_id = request.session.get(PENDING_USER_KEY)
    if not user_id:
        return redirect("accounts:login")
    user = get_object_or_404(User, pk=user_id, is_active=True)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.is_login_locked(username=user.username, ip_address=_client_ip(request)):
            form.add_error(None, _("Terlalu banyak percobaan gagal. Tunggu 15 menit."))
        elif services.verify_totp(user=user, code=form.cleaned_data["code"]):
            del request.session[PENDING_USER_KEY]
            return _complete_login(request, user)
        else:
            services.record_login_attempt(username=user.username, ip_address=_client_ip(request), succeeded=False)
            form.add_error("code", _("Kode salah atau sudah dipakai."))
    return render(request, "accounts/login_otp.html", {"form": form})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        record(actor=request.user, office=request.user.office, action="staff.logged_out", target=request.user)
    logout(request)
    return redirect("accounts:login")


@staff_required("registry.view", second_factor_exempt=True)
def security(request):
    user = request.user
    form = OtpForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "start" and not user.totp_enabled:
        services.start_totp_enrolment(user=user)
        return redirect("accounts:security")
    if request.method == "POST" and request.POST.get("action") == "disable":
        if user.office.requires_second_factor:
            messages.error(request, _("Satker Anda mewajibkan verifikasi dua langkah."))
        else:
            services.disable_totp(actor=user, user=user)
            messages.success(request, _("Verifikasi dua langkah dinonaktifkan."))
        return redirect("accounts:security")
    if request.method == "POST" and form.is_valid():
        try:
            services.enable_totp(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc.messages)
        else:
            messages.success(request, _("Verifikasi dua langkah aktif."))
            return redirect("accounts:security")
    qr_svg = ""
    if user.totp_secret and not user.totp_enabled:
        buffer = io.BytesIO()
        segno.make(services.totp_uri(user), error="m").save(buffer, kind="svg", scale=5, xmldecl=False,
                                                            svgns=True)
        qr_svg = buffer.getvalue().decode()
    tokens = user.api_tokens.all()
    return render(request, "accounts/security.html",
                  {"form": form, "qr_svg": qr_svg, "tokens": tokens, "token_form": ApiTokenForm()})


@require_POST
@staff_required("registry.view")
def token_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        _token, key = services.create_api_token(user=request.user, name=form.cleaned_data["name"])
        messages.success(request, _("Token baru (salin sekarang, tidak akan ditampilkan lagi): %s") % key)
    return redirect("accounts:security")


@require_POST
@staff_required("registry.view")
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(user=request.user, token=token)
    return redirect("accounts:security")


@staff_required("staff.manage")
def staff_list(request):
    staff = User.objects.filter(office=request.user.office).order_by("username")
    return render(request, "accounts/staff_list.html", {"staff": staff})


@sensitive_post_parameters("password")
@staff_required("staff.manage")
def staff_create(request):
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_staff(actor=request.user, office=request.user.office, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Akun staf dibuat."))
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "creating": True})


@staff_required("staff.manage")
def staff_edit(request, pk):
    staff = get_object_or_404(User, pk=pk, office=request.user.office)
    form = StaffEditForm(request.POST or None, initial={
        "first_name": staff.first_name, "last_name": staff.last_name, "email": staff.email, "role": staff.role,
        "is_active": staff.is_active})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_staff(actor=request.user, user=staff, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Akun staf diperbarui."))
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "staff": staff})
