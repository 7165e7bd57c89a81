from django import forms
from django.utils.translation import gettext_lazy as _

from channels.http import custom_endpoints_allowed
from channels.models import Template
from channels.providers import REGISTRY


class ChannelForm(forms.Form):
    """Built from the provider's fields. Secret fields render empty: leave blank to keep what is saved."""

    # Not required here: the service checks every field at once and names each one that is missing.
    name = forms.CharField(label=_("Nama kanal"), max_length=100, required=False)
    rate_per_second = forms.FloatField(label=_("Batas kirim (pesan per detik)"), required=False, min_value=0.01)
    tipline = forms.BooleanField(label=_("Nomor aduan hoaks: setiap pesan pribadi ke kanal ini menjadi laporan cek "
                                         "fakta"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, kind: str, channel=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = REGISTRY[kind]
        if not self.provider.two_way:
            del self.fields["tipline"]
        self.fields["rate_per_second"].help_text = _("Bawaan %(default)s, paling tinggi %(max)s.") % {
            "default": f"{self.provider.default_rate:g}", "max": f"{self.provider.max_rate:g}"}
        for field in self.provider.fields:
            if field.custom_endpoint and not custom_endpoints_allowed():
                continue   # production: the provider's own address only; the service refuses any other
            help_text = field.help
            if field.secret:
                widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
                if channel is not None and field.name in channel.unreadable_secrets:
                    help_text = _("Yang tersimpan tidak dapat dibuka dengan SECRETS_KEY saat ini: isi lagi.")
                elif channel is not None and channel.secrets.get(field.name) and field.bound_to:
                    help_text = _("Tersimpan (tidak ditampilkan). Kosongkan untuk tetap memakai yang tersimpan; "
                                  "isi lagi bila alamat server diubah.")
                elif channel is not None and channel.secrets.get(field.name):
                    help_text = _("Tersimpan (tidak ditampilkan). Kosongkan untuk tetap memakai yang tersimpan.")
            elif field.choices:
                self.fields[field.name] = forms.ChoiceField(label=field.label, required=False, help_text=help_text,
                                                            choices=[("", "—"), *field.choices])
                continue
            else:
                widget = forms.Textarea(attrs={"rows": 3}) if field.multiline else forms.TextInput
            self.fields[field.name] = forms.CharField(label=field.label, required=False, widget=widget,
                                                      help_text=help_text, max_length=2000)
        if channel is not None and not self.is_bound:
            self.initial.update({"name": channel.name, "rate_per_second": channel.rate_per_second,
                                 "tipline": channel.tipline,
                                 "version": channel.version,
                                 **{f.name: channel.config.get(f.name, "") for f in self.provider.fields
                                    if not f.secret and f.name in self.fields}})

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"], "rate_per_second": data.get("rate_per_second"),
            "tipline": bool(data.get("tipline")),
            "config": {f.name: data.get(f.name, "") for f in self.provider.fields if not f.secret},
            "secrets": {f.name: data.get(f.name, "") for f in self.provider.fields if f.secret},
        }


class TestForm(forms.Form):
    to = forms.CharField(label=_("Kirim pesan uji ke"), max_length=254)
    template = forms.ModelChoiceField(label=_("Templat (untuk nomor yang belum menulis dalam 24 jam)"),
                                      queryset=Template.objects.none(), required=False,
                                      empty_label=_("— teks biasa —"))

    def __init__(self, *args, channel, **kwargs):
        super().__init__(*args, **kwargs)
        if channel.provider.session_window is None:
            del self.fields["template"]
        else:
            self.fields["template"].queryset = channel.templates.filter(status=Template.Status.APPROVED)


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ["name", "language", "category", "body", "status"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}


class SendingSettingsForm(forms.Form):
    broadcast_requires_approval = forms.BooleanField(label=_("Siaran harus disetujui staf kedua"), required=False)
    quiet_hours_start = forms.TimeField(label=_("Jam tenang mulai"), required=False,
                                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_hours_end = forms.TimeField(label=_("Jam tenang selesai"), required=False,
                                      widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                                      help_text=_("Siaran biasa tidak dikirim di antara jam ini (waktu satker). "
                                                  "Kosongkan keduanya untuk mematikan."))


class ReceiveForm(forms.Form):
    """The dev outbox: a message typed by staff, as if a member (or any number) had sent it."""

    member = forms.ChoiceField(label=_("Pengirim"), required=False)
    phone = forms.CharField(label=_("atau nomor WhatsApp lain"), max_length=40, required=False,
                            help_text=_("Nomor yang belum terdaftar menjadi kontak baru, seperti pesan pertama dari "
                                        "warga."))
    name = forms.CharField(label=_("Nama pengirim (untuk nomor lain)"), max_length=150, required=False)
    # Not required here: the service names what is missing.
    text = forms.CharField(label=_("Pesan"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Coba kata kunci BERHENTI, MULAI, JADWAL, INFO, atau CEK diikuti kabar "
                                       "yang beredar."))

    def __init__(self, *args, senders, **kwargs):
        super().__init__(*args, **kwargs)
        self.senders = {str(a.pk): a for a in senders}
        self.fields["member"].choices = [("", _("— pilih anggota —"))] + [
            (pk, f"{a.member.full_name} ({a.value})") for pk, a in self.senders.items()]

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {"address": self.senders.get(data.get("member") or ""), "phone": data.get("phone", ""),
                "name": data.get("name", ""), "text": data.get("text", "")}
