from django import forms
from django.utils.translation import gettext_lazy as _

from channels.models import Template
from inbox.models import SavedReply


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Balasan"), required=False, max_length=4096,
                           widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4096}),
                           help_text=_("Ketik /kode untuk memakai balasan tersimpan, mis. /jadwal."))
    template = forms.ModelChoiceField(label=_("Templat WhatsApp"), queryset=Template.objects.none(), required=False,
                                      empty_label=_("— tanpa templat —"))
    template_parameters = forms.CharField(label=_("Nilai parameter templat"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}),
                                          help_text=_("Satu nilai per baris, berurutan."))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, channel=None, window_open=True, **kwargs):
        super().__init__(*args, **kwargs)
        if channel is None or channel.provider.session_window is None:
            del self.fields["template"], self.fields["template_parameters"]
        else:
            self.fields["template"].queryset = channel.templates.filter(status=Template.Status.APPROVED)
            if not window_open:
                del self.fields["text"]
        if "text" in self.fields:
            self.fields["text"].widget.attrs.update({
                "rows": 3, "placeholder": _("Tulis balasan… (ketik / untuk balasan tersimpan)"),
                "aria-autocomplete": "list", "aria-controls": "saved-suggestions", "aria-describedby": "composer-help",
                "data-composer": ""})


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Catatan internal (tidak dikirim)"), max_length=4096,
                           widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("Apa yang perlu dijawab tingkat atas"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["shortcode", "title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Nama"), max_length=150, error_messages={"required": _("Tulis nama Anda.")},
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    whatsapp = forms.CharField(label=_("Nomor WhatsApp"), max_length=30, required=False,
                               widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}))
    message = forms.CharField(label=_("Pesan atau pertanyaan"), max_length=4096,
                              error_messages={"required": _("Tulis pesan Anda.")},
                              widget=forms.Textarea(attrs={"rows": 6, "maxlength": 4096}))
    agree = forms.BooleanField(label=_("Saya setuju nama dan kontak ini dipakai KPU hanya untuk menjawab pesan ini "
                                       "(UU 27/2022)."), required=False)
    website = forms.CharField(label=_("Biarkan kosong"), required=False, widget=forms.TextInput(
        attrs={"tabindex": "-1", "class": "hp", "autocomplete": "off"}))
    started = forms.CharField(widget=forms.HiddenInput)
