from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from elections.dates import parse_date
from elections.models import Election
from elections.services import MAX_IMPORT_BYTES


class ElectionForm(forms.Form):
    code = forms.SlugField(label=_("Kode (alamat singkat)"), max_length=40,
                           help_text=_("Dipakai di alamat kalender pemilihan ini: huruf kecil, angka dan tanda "
                                       "hubung, mis. psu-kota-madiun-2024. Tidak dapat diubah setelah disimpan."))
    name = forms.CharField(label=_("Nama pemilihan"), max_length=150)
    kind = forms.ChoiceField(label=_("Jenis"), choices=Election.Kind.choices)
    description = forms.CharField(label=_("Keterangan"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                  help_text=_("Sebutkan dasar hukumnya, mis. Peraturan KPU yang mengatur jadwalnya."))
    is_conditional = forms.BooleanField(label=_("Bersyarat (hanya dilaksanakan bila syaratnya terpenuhi)"),
                                        required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DateText(forms.Field):
    """A date typed as 2024-02-14, 14/02/2024 or 14 Februari 2024; empty when the regulation sets none."""

    widget = forms.TextInput(attrs={"maxlength": 40, "inputmode": "text", "autocomplete": "off"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Mis. 14 Februari 2024 atau 2024-02-14. Kosongkan bila belum ditetapkan."))
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return parse_date(str(value or "")[:80])
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class StageForm(forms.Form):
    code = forms.CharField(label=_("Kode"), max_length=40, help_text=_("Mis. PEMILU24-12"))
    name = forms.CharField(label=_("Tahapan"), max_length=200)
    starts_on = DateText(label=_("Mulai"))
    ends_on = DateText(label=_("Selesai"))
    is_firm = forms.BooleanField(label=_("Tanggal sudah pasti"), required=False, initial=True)
    source = forms.CharField(label=_("Sumber"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text=_("Peraturan atau halaman resmi yang menjadi dasar jadwal ini."))
    notes = forms.CharField(label=_("Catatan"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StageImportForm(forms.Form):
    file = forms.FileField(label=_("Berkas CSV atau XLSX"),
                           help_text=_("Kolom: kode, tahapan, mulai, selesai, sumber, catatan. Pemisah , atau ; "
                                       "UTF-8 maupun Windows-1252."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("Berkas tahapan terlalu besar (maksimal 1 MB)."))
        return upload
