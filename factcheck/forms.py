from django import forms
from django.utils.translation import gettext_lazy as _

from channels.models import Template
from factcheck.models import Verdict


class ReportForm(forms.Form):
    """Staff log a report they received some other way (a phone call, a printed flyer, a group chat)."""

    text = forms.CharField(label=_("Isi pesan yang beredar"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    url = forms.CharField(label=_("Tautan"), required=False, max_length=1000)
    media = forms.FileField(label=_("Tangkapan layar"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    reporter_name = forms.CharField(label=_("Dilaporkan oleh (bila ada)"), required=False, max_length=150)


class ClaimForm(forms.Form):
    summary = forms.CharField(label=_("Ringkasan klaim"), max_length=300)
    evidence = forms.CharField(label=_("Tautan bukti (satu per baris)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Catatan internal"), widget=forms.Textarea(attrs={"rows": 2}))


class ClarificationForm(forms.Form):
    claim_reviewed = forms.CharField(label=_("Klaim yang diperiksa"), max_length=500,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    verdict = forms.ChoiceField(label=_("Putusan"), choices=[("", "—"), *Verdict.choices])
    summary = forms.CharField(label=_("Penjelasan singkat (dua baris, dikirim kepada pelapor)"), max_length=300,
                              widget=forms.Textarea(attrs={"rows": 2}))
    body = forms.CharField(label=_("Penjelasan lengkap (Markdown)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 10}))
    evidence = forms.CharField(label=_("Sumber dan bukti (satu tautan per baris)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    item_reviewed_url = forms.CharField(label=_("Tautan tempat klaim beredar"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["evidence"] = data.get("evidence", "").splitlines()
        data.pop("version", None)
        return data


class CorrectionForm(ClarificationForm):
    note = forms.CharField(label=_("Apa yang dikoreksi (tampil di halaman klarifikasi)"), max_length=500)

    def service_values(self) -> dict:
        data = super().service_values()
        data.pop("note", None)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Berkas ClaimReview (JSON-LD, HTML) atau Google Fact Check Tools (JSON)"))


class SettingsForm(forms.Form):
    suggest_percent = forms.IntegerField(label=_("Sarankan kepada verifikator mulai skor (%)"), min_value=0,
                                         max_value=100)
    auto_percent = forms.IntegerField(label=_("Jawab pelapor otomatis mulai skor (%)"), min_value=0, max_value=100)
    notice_template = forms.ModelChoiceField(
        label=_("Templat WhatsApp untuk pemberitahuan di luar jendela 24 jam (parameter: putusan, tautan)"),
        queryset=Template.objects.none(), required=False)

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice_template"].queryset = Template.objects.filter(channel__office=office,
                                                                          status=Template.Status.APPROVED)
