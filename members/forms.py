from django import forms
from django.utils.translation import gettext_lazy as _

from members.importing import FIELDS
from members.models import Address, Category, Group, Member, Organization, Purpose


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Nama instansi/lembaga"), max_length=200)
    abbreviation = forms.CharField(label=_("Singkatan"), max_length=40, required=False)
    category = forms.ChoiceField(label=_("Kategori"), choices=Category.choices)
    address = forms.CharField(label=_("Alamat"), max_length=300, required=False)
    email = forms.EmailField(label=_("E-mail instansi"), required=False)
    phone = forms.CharField(label=_("Telepon instansi"), max_length=20, required=False)
    website = forms.URLField(label=_("Situs web"), required=False, assume_scheme="https")
    notes = forms.CharField(label=_("Catatan"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MemberForm(forms.Form):
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    organization = forms.ModelChoiceField(label=_("Instansi/lembaga"), queryset=Organization.objects.none(),
                                          required=False, empty_label=_("— kontak publik / perorangan —"))
    position = forms.CharField(label=_("Jabatan"), max_length=150, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[
        (Member.Status.ACTIVE, Member.Status.ACTIVE.label), (Member.Status.INACTIVE, Member.Status.INACTIVE.label)])
    preferred_channel = forms.ChoiceField(
        label=_("Kanal yang diutamakan untuk siaran"), required=False,
        choices=[("", _("Bawaan (WhatsApp, lalu Telegram, lalu e-mail)"))] + Member._meta.get_field(
            "preferred_channel").choices,
        help_text=_("Bila alamat di kanal ini tidak dapat dipakai, siaran dikirim lewat kanal berikutnya."))
    tags = forms.CharField(label=_("Label"), required=False, help_text=_("Pisahkan dengan koma, mis. Forkopimda, Pers"))
    notes = forms.CharField(label=_("Catatan"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    consent_purposes = forms.MultipleChoiceField(
        label=_("Persetujuan yang diberikan (UU 27/2022)"), choices=Purpose.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Hanya centang bila pemilik kontak sudah menyatakan setuju untuk tujuan ini."))
    consent_evidence = forms.CharField(label=_("Dasar/bukti persetujuan"), max_length=300, required=False,
                                       help_text=_("Mis. formulir bertanda tangan pada rapat 12 Maret 2024"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(office=office, is_active=True)


class AddressForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis"), choices=Address.Kind.choices)
    value = forms.CharField(label=_("Alamat/nomor"), max_length=254, required=False)
    opted_out = forms.BooleanField(label=_("Berhenti berlangganan"), required=False)


AddressFormSet = forms.formset_factory(AddressForm, extra=2, max_num=10, validate_max=True)


class ErasureForm(forms.Form):
    """The second step of an erasure: the reason, and the person's name typed again (nothing can bring it back)."""

    reason = forms.CharField(label=_("Dasar permintaan penghapusan"), max_length=300,
                             help_text=_("Mis. permintaan tertulis subjek data tanggal 3 Juni 2024"))
    confirm_name = forms.CharField(label=_("Ketik nama anggota untuk memastikan"), max_length=200,
                                   error_messages={"required": _("Ketik nama anggota untuk memastikan penghapusan.")})

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["confirm_name"].help_text = _("Tulis persis: %(name)s") % {"name": member.full_name}

    def clean_confirm_name(self):
        typed = " ".join(self.cleaned_data["confirm_name"].split())
        if typed.casefold() != " ".join(self.member.full_name.split()).casefold():
            raise forms.ValidationError(_("Nama yang diketik tidak sama dengan nama anggota ini; data tidak dihapus."))
        return typed


class ConsentForm(forms.Form):
    address = forms.IntegerField(widget=forms.HiddenInput)
    purposes = forms.MultipleChoiceField(label=_("Tujuan"), choices=Purpose.choices,
                                         widget=forms.CheckboxSelectMultiple)
    evidence = forms.CharField(label=_("Dasar/bukti"), max_length=300)


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Nama grup"), max_length=120)
    description = forms.CharField(label=_("Keterangan"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Jenis"), choices=Group.Kind.choices)
    rule_categories = forms.MultipleChoiceField(label=_("Kategori instansi"), choices=Category.choices,
                                                required=False, widget=forms.CheckboxSelectMultiple)
    rule_tags = forms.CharField(label=_("Label"), required=False, help_text=_("Pisahkan dengan koma"))
    rule_include_descendants = forms.BooleanField(label=_("Termasuk anggota satker di bawahnya"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Berkas CSV atau XLSX"))
    default_category = forms.ChoiceField(label=_("Kategori bila kolom kategori kosong"), choices=Category.choices,
                                         initial=Category.OTHER)


class ImportMappingForm(forms.Form):
    consent_purposes = forms.MultipleChoiceField(
        label=_("Persetujuan yang sudah diberikan semua kontak dalam berkas"), choices=Purpose.choices,
        required=False, widget=forms.CheckboxSelectMultiple)
    consent_evidence = forms.CharField(label=_("Dasar persetujuan yang terdokumentasi"), max_length=300,
                                       required=False)

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— tidak dipakai —"))] + [(str(i), h or f"Kolom {i + 1}") for i, h in enumerate(headers)]
        for name, label in FIELDS.items():
            self.fields[f"map_{name}"] = forms.ChoiceField(label=label, choices=choices, required=False,
                                                           initial=str(initial_mapping.get(name, "")))

    def mapping(self) -> dict[str, int]:
        return {name: int(self.cleaned_data[f"map_{name}"]) for name in FIELDS
                if self.cleaned_data.get(f"map_{name}") not in (None, "")}

    def mapping_fields(self):
        return [self[f"map_{name}"] for name in FIELDS]


class SelfRegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150,
                                error_messages={"required": _("Tulis nama lengkap Anda.")},
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    organization = forms.CharField(label=_("Instansi/lembaga"), max_length=200, required=False,
                                   widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    category = forms.ChoiceField(label=_("Kategori instansi"), choices=Category.choices, initial=Category.OTHER)
    position = forms.CharField(label=_("Jabatan"), max_length=150, required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "organization-title"}))
    whatsapp = forms.CharField(label=_("Nomor WhatsApp"), max_length=30, required=False,
                               widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}))
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    telegram = forms.CharField(label=_("Nama pengguna Telegram"), max_length=64, required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none",
                                                             "spellcheck": "false"}))
    purposes = forms.MultipleChoiceField(
        label=_("Saya setuju dihubungi untuk"), choices=Purpose.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pilih setidaknya satu tujuan yang Anda setujui.")})
    agree = forms.BooleanField(label=_("Saya telah membaca pemberitahuan pelindungan data pribadi di atas dan "
                                       "memberikan persetujuan secara sadar."),
                               error_messages={"required": _("Centang persetujuan setelah membaca pemberitahuan "
                                                             "pelindungan data pribadi.")})
    # Spam protection without a third-party service: a field people never see, and a minimum fill time.
    website = forms.CharField(label=_("Biarkan kosong"), required=False, widget=forms.TextInput(
        attrs={"tabindex": "-1", "class": "hp", "autocomplete": "off"}))
    started = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not (data.get("whatsapp") or data.get("email") or data.get("telegram")):
            raise forms.ValidationError(_("Isi setidaknya satu kontak: WhatsApp, e-mail atau Telegram."))
        return data
