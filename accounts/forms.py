from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Role
from accounts.services import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Nama pengguna"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Kata sandi"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class OtpForm(forms.Form):
    code = forms.CharField(label=_("Kode 6 digit dari aplikasi autentikator"), max_length=8,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "autofocus": True}))


class StaffCreateForm(forms.Form):
    username = forms.CharField(label=_("Nama pengguna"), max_length=150)
    first_name = forms.CharField(label=_("Nama depan"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nama belakang"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Peran"), choices=Role.choices)
    password = forms.CharField(label=_("Kata sandi awal"), strip=False, widget=forms.PasswordInput)

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class StaffEditForm(forms.Form):
    first_name = forms.CharField(label=_("Nama depan"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nama belakang"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Peran"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Aktif"), required=False)


class ReauthForm(forms.Form):
    """Asked again before a sensitive change, so that a session left open on a shared computer is not enough."""

    secret = forms.CharField(label=_("Kata sandi Anda (atau kode 6 digit dari aplikasi autentikator)"),
                             strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ApiTokenForm(ReauthForm):
    name = forms.CharField(label=_("Nama token (mis. integrasi SIAKBA)"), max_length=80,
                           help_text=_("Nama untuk mengenali program yang memakai token ini; bukan rahasia."))
    scope = forms.ChoiceField(label=_("Cakupan"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)
    valid_days = forms.IntegerField(label=_("Berlaku (hari)"), min_value=1, max_value=MAX_TOKEN_DAYS,
                                    initial=DEFAULT_TOKEN_DAYS)
    field_order = ["name", "scope", "valid_days", "secret"]
