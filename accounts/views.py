import io
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import second_factor, services
from accounts.decorators import staff_required
from accounts.forms import ApiTokenForm, LoginForm, OtpForm, ReauthForm, StaffCreateForm, StaffEditForm
from accounts.models import ApiToken, User
from accounts.permissions import can
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
    return resolve_url("workqueue:home")


def _throttle_message(throttle) -> str:
    if throttle.locked:
        return _("Terlalu banyak percobaan masuk yang gagal dari jaringan ini. Tunggu 15 menit lalu coba lagi, "
                 "atau hubungi admin satker.")
    return _("Terlalu banyak percobaan masuk yang gagal untuk akun ini. Coba lagi dalam %(seconds)d detik.") % {
        "seconds": throttle.wait_seconds}


def _complete_login(request, user: User, *, code_given: bool = False):
    services.record_login_attempt(username=user.username, ip_address=_client_ip(request), succeeded=True)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if code_given:
        second_factor.mark_passed(request)
    record(actor=user, office=user.office, action="staff.logged_in", target=user)
    if user.must_change_password:
        return redirect("accounts:password_change")
    return redirect(_next_url(request))


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, ip = form.cleaned_data["username"], _client_ip(request)
        throttle = services.login_throttle(username=username, ip_address=ip)
        if throttle.blocks:
            form.add_error(None, _throttle_message(throttle))
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
    """The code step: after the password, or for a logged-in session that has not given its code yet."""
    if second_factor.needs_code(request):
        user = request.user
    elif request.session.get(PENDING_USER_KEY):
        user = get_object_or_404(User, pk=request.session[PENDING_USER_KEY], is_active=True)
    else:
        return redirect("accounts:login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.login_throttle(username=user.username, ip_address=_client_ip(request)).blocks:
            form.add_error(None, _("Terlalu banyak percobaan gagal. Tunggu 15 menit."))
        elif services.verify_totp(user=user, code=form.cleaned_data["code"]):
            request.session.pop(PENDING_USER_KEY, None)
            return _complete_login(request, user, code_given=True)
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


@sensitive_post_parameters("secret")
@staff_required("registry.view", second_factor_exempt=True)
def security(request):
    user = request.user
    form = OtpForm(request.POST or None)
    disable_form = ReauthForm(request.POST if request.POST.get("action") == "disable" else None)
    if request.method == "POST" and request.POST.get("action") == "start" and not user.totp_enabled:
        services.start_totp_enrolment(user=user)
        return redirect("accounts:security")
    if request.method == "POST" and request.POST.get("action") == "disable":
        if user.office.requires_second_factor:
            messages.error(request, _("Satker Anda mewajibkan verifikasi dua langkah."))
            return redirect("accounts:security")
        if disable_form.is_valid() and _reauthenticated(request, disable_form):
            services.disable_totp(actor=user, user=user)
            messages.success(request, _("Verifikasi dua langkah dinonaktifkan."))
            return redirect("accounts:security")
        form = OtpForm()
    elif request.method == "POST" and form.is_valid():
        try:
            services.enable_totp(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc.messages)
        else:
            second_factor.mark_passed(request)
            messages.success(request, _("Verifikasi dua langkah aktif."))
            return redirect("accounts:security")
    qr_svg = ""
    if user.totp_secret and not user.totp_enabled:
        buffer = io.BytesIO()
        segno.make(services.totp_uri(user), error="m").save(buffer, kind="svg", scale=5, xmldecl=False,
                                                            svgns=True)
        qr_svg = buffer.getvalue().decode()
    return render(request, "accounts/security.html", {
        "form": form, "disable_form": disable_form, "qr_svg": qr_svg, "tokens": user.api_tokens.all(),
        "can_grant_tokens": can(user, "staff.manage")})


def _reauthenticated(request, form) -> bool:
    try:
        services.reauthenticate(user=request.user, secret=form.cleaned_data["secret"],
                                ip_address=_client_ip(request))
    except ValidationError as exc:
        form.add_error("secret", exc.messages)
        return False
    return True


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@staff_required("registry.view", second_factor_exempt=True, password_change_exempt=True)
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(user=request.user, new_password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            form.add_error("new_password1", exc.messages)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Kata sandi diganti."))
            return redirect("accounts:security")
    return render(request, "accounts/password_change.html",
                  {"form": form, "forced": request.user.must_change_password})


@require_POST
@sensitive_post_parameters("secret")
@staff_required("staff.manage")
def token_create(request, pk):
    staff = get_object_or_404(User, pk=pk, office=request.user.office)
    form = ApiTokenForm(request.POST)
    if form.is_valid() and _reauthenticated(request, form):
        try:
            _token, key = services.create_api_token(
                actor=request.user, user=staff, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"],
                valid_days=form.cleaned_data["valid_days"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Token baru untuk %(user)s (salin sekarang, tidak akan ditampilkan lagi): "
                                        "%(key)s") % {"user": staff.username, "key": key})
            return redirect("accounts:staff_edit", pk=staff.pk)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect("accounts:staff_edit", pk=staff.pk)


@require_POST
@staff_required("registry.view")
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk, user__office=request.user.office)
    try:
        services.revoke_api_token(actor=request.user, token=token)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Token dicabut."))
    if token.user_id == request.user.pk:
        return redirect("accounts:security")
    return redirect("accounts:staff_edit", pk=token.user_id)


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
    return render(request, "accounts/staff_form.html", {
        "form": form, "staff": staff, "tokens": staff.api_tokens.all(), "token_form": ApiTokenForm(),
        "can_reset_password": staff.pk != request.user.pk})


@require_POST
@staff_required("staff.manage")
def staff_reset_password(request, pk):
    staff = get_object_or_404(User, pk=pk, office=request.user.office)
    try:
        temporary = services.reset_password(actor=request.user, user=staff)
    except PermissionDenied:
        messages.error(request, _("Ganti kata sandi Anda sendiri di halaman Keamanan akun."))
    else:
        messages.success(request, _("Kata sandi sementara untuk %(user)s (sampaikan secara pribadi; wajib diganti "
                                    "saat masuk): %(password)s") % {"user": staff.username, "password": temporary})
    return redirect("accounts:staff_edit", pk=staff.pk)
