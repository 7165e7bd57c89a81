from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind, Preference
from notifications.services import CHAT_KINDS


class PreferenceForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    email_kinds = forms.MultipleChoiceField(choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple)
    chat_kinds = forms.MultipleChoiceField(choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple)
    urgent_kinds = forms.MultipleChoiceField(choices=Kind.choices, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    mode = forms.ChoiceField(label=_("Kirim e-mail dan pesan obrolan"), choices=Preference.Mode.choices,
                             widget=forms.RadioSelect)
    digest_hour = forms.TypedChoiceField(label=_("Jam ringkasan harian"), coerce=int,
                                         choices=[(h, f"{h:02d}.00") for h in range(24)])
    quiet_start = forms.TimeField(label=_("Jam tenang mulai"), required=False,
                                  widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label=_("Jam tenang berakhir"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    chat_kind = forms.ChoiceField(label=_("Aplikasi obrolan"), required=False,
                                  choices=[("", "—"), *[(k, {"whatsapp": "WhatsApp", "telegram": "Telegram"}[k])
                                                        for k in CHAT_KINDS]])
    chat_address = forms.CharField(
        label=_("Nomor WhatsApp atau ID obrolan Telegram"), required=False, max_length=64,
        help_text=_("Nomor WhatsApp seperti 0812… atau +62812…; untuk Telegram, ID obrolan angka yang diberikan bot "
                    "kantor saat Anda mengirim /start."))

    @classmethod
    def initial_from(cls, pref: Preference) -> dict:
        return {"version": pref.version if pref.pk else None, "email_kinds": pref.email_kinds,
                "chat_kinds": pref.chat_kinds, "urgent_kinds": pref.urgent_kinds, "mode": pref.mode,
                "digest_hour": pref.digest_hour, "quiet_start": pref.quiet_start, "quiet_end": pref.quiet_end,
                "chat_kind": pref.chat_kind, "chat_address": pref.chat_address}
