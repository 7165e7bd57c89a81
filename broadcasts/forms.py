from django import forms
from django.utils.translation import gettext_lazy as _

from broadcasts.models import Broadcast, MessagingBudget
from broadcasts.selectors import approved_templates, message_rates
from channels.models import Template
from content.models import Publication
from members.models import Category, Group


class BroadcastForm(forms.Form):
    title = forms.CharField(label=_("Judul siaran"), max_length=200,
                            help_text=_("Untuk staf, dan subjek e-mail."))
    text = forms.CharField(label=_("Isi pesan"), widget=forms.Textarea(attrs={"rows": 8, "maxlength": 4096}),
                           max_length=4096, help_text=_("Format WhatsApp: *tebal*, _miring_, ~coret~, ```kode```. "
                                                        "Paling banyak 4.096 karakter."))
    publication = forms.ModelChoiceField(label=_("Publikasi terkait"), queryset=Publication.objects.none(),
                                         required=False, empty_label=_("— tidak ada —"))
    media_url = forms.URLField(label=_("Tautan gambar/dokumen"), required=False, max_length=500, assume_scheme="https")
    media_kind = forms.ChoiceField(label=_("Jenis lampiran"), choices=Broadcast.MediaKind.choices, required=False)
    template = forms.ModelChoiceField(label=_("Templat WhatsApp untuk penerima di luar jendela 24 jam"),
                                      queryset=Template.objects.none(), required=False,
                                      empty_label=_("— tanpa templat —"))
    template_parameters = forms.CharField(label=_("Nilai parameter templat"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 3}),
                                          help_text=_("Satu nilai per baris, berurutan. {nama} diganti nama penerima."))
    audience_all = forms.BooleanField(label=_("Semua anggota aktif"), required=False)
    groups = forms.ModelMultipleChoiceField(label=_("Grup"), queryset=Group.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    audience_categories = forms.MultipleChoiceField(label=_("Kategori instansi"), choices=Category.choices,
                                                    required=False, widget=forms.CheckboxSelectMultiple)
    include_descendants = forms.BooleanField(label=_("Termasuk anggota satker di bawah ini"), required=False)
    include_channel_chats = forms.BooleanField(label=_("Kirim juga ke grup/kanal Telegram forum"), required=False)
    urgent = forms.BooleanField(label=_("Mendesak: tetap dikirim pada jam tenang"), required=False)
    scheduled_at = forms.DateTimeField(label=_("Jadwal kirim"), required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                  format="%Y-%m-%dT%H:%M"),
                                       help_text=_("Waktu satker. Kosongkan untuk dikirim segera setelah disetujui."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publication"].queryset = Publication.objects.filter(
            office=office, status=Publication.Status.PUBLISHED).order_by("-publish_at")
        self.fields["template"].queryset = approved_templates(office)
        self.fields["groups"].queryset = Group.objects.filter(office=office)
        if office.children.exists() is False:
            del self.fields["include_descendants"]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"]
        if len(title.splitlines()) > 1:
            raise forms.ValidationError(_("Judul siaran harus satu baris (tanpa ganti baris): judul menjadi subjek "
                                          "e-mail."))
        return title

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["template_parameters"] = [line.strip() for line in (data.get("template_parameters") or "").splitlines()
                                       if line.strip()]
        data.setdefault("include_descendants", False)
        return data

    @staticmethod
    def initial_from(broadcast: Broadcast) -> dict:
        return {"title": broadcast.title, "text": broadcast.text, "publication": broadcast.publication_id,
                "media_url": broadcast.media_url, "media_kind": broadcast.media_kind,
                "template": broadcast.template_id, "template_parameters": "\n".join(broadcast.template_parameters),
                "audience_all": broadcast.audience_all, "groups": list(broadcast.audience_groups.all()),
                "audience_categories": broadcast.audience_categories,
                "include_descendants": broadcast.include_descendants,
                "include_channel_chats": broadcast.include_channel_chats, "urgent": broadcast.urgent,
                "scheduled_at": broadcast.scheduled_at, "version": broadcast.version}


class GroupPostForm(forms.Form):
    group_name = forms.CharField(label=_("Nama grup WhatsApp"), max_length=150)


class CostSettingsForm(forms.Form):
    """Rupiah per WhatsApp template message of each category (what Meta charges the office), and a monthly budget.
    An empty rate means "not set": the estimate then says so instead of counting it as free."""

    monthly_limit = forms.IntegerField(label=_("Anggaran pesan per bulan (Rp)"), required=False, min_value=0,
                                       help_text=_("Kosongkan bila tidak ada batas. Siaran yang membuat perkiraan "
                                                   "biaya bulan ini melewatinya tidak dapat disetujui."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for category, label in Template.Category.choices:
            self.fields[f"rate_{category}"] = forms.IntegerField(
                label=_("Tarif templat %(category)s per pesan (Rp)") % {"category": label}, required=False,
                min_value=0, max_value=1_000_000)

    @staticmethod
    def initial_for(office) -> dict:
        initial = {f"rate_{category}": rate for category, rate in message_rates(office).items()}
        initial["monthly_limit"] = MessagingBudget.objects.filter(office=office).values_list(
            "monthly_limit", flat=True).first()
        return initial

    def service_values(self) -> dict:
        return {"rates": {category: self.cleaned_data.get(f"rate_{category}") for category in Template.Category.values},
                "monthly_limit": self.cleaned_data.get("monthly_limit")}
