import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from content.models import Publication
from content.selectors import stages_available_to
from offices.models import TIMEZONE_LABELS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class OfficeDateTimeField(forms.DateTimeField):
    """A datetime-local input read and shown as wall-clock time in the office's zone (WIB/WITA/WIT), whatever the
    zone of the person's browser or of the request."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)

    def __init__(self, *args, zone: str = "Asia/Jakarta", **kwargs):
        self.zone = zoneinfo.ZoneInfo(zone)
        kwargs.setdefault("input_formats", [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        with timezone.override(self.zone):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(self.zone):
            return super().prepare_value(value)


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.election.name} — {obj.name}"


class PublicationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis"), choices=Publication.Kind.choices)
    title = forms.CharField(label=_("Judul"), max_length=200)
    summary = forms.CharField(label=_("Ringkasan"), max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Satu atau dua kalimat untuk daftar berita dan pratinjau tautan."))
    body = forms.CharField(label=_("Isi"), required=False,
                           widget=forms.Textarea(attrs={"rows": 18, "class": "markdown",
                                                        "aria-describedby": "markdown-help"}))
    tags = forms.CharField(label=_("Label"), required=False, max_length=1000,
                           help_text=_("Pisahkan dengan koma, mis. Pemilu 2029, Daftar Pemilih"))
    stage = StageChoiceField(label=_("Tahapan terkait"), queryset=None, required=False,
                             empty_label=_("— tidak terkait tahapan —"))
    publish_at = OfficeDateTimeField(label=_("Terbit pada"), required=False)
    unpublish_at = OfficeDateTimeField(label=_("Berhenti tayang pada"), required=False)
    slug = forms.CharField(label=_("Alamat singkat (slug)"), max_length=120, required=False,
                           help_text=_("Bagian akhir alamat halaman di portal (…/publikasi/alamat-singkat/): huruf "
                                       "kecil, angka dan tanda hubung. Kosongkan agar dibuat dari judul. Tidak dapat "
                                       "diubah setelah terbit."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, office, publication: Publication | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        zone = office.timezone
        label = TIMEZONE_LABELS[zone]
        for name in ("publish_at", "unpublish_at"):
            field = self.fields[name]
            field.zone = zoneinfo.ZoneInfo(zone)
            field.label = f"{field.label} ({label})"
        self.fields["publish_at"].help_text = _(
            "Waktu %s. Kosongkan agar terbit saat disetujui; isi untuk menjadwalkan.") % label
        self.fields["unpublish_at"].help_text = _("Opsional. Sesudah waktu ini publikasi tidak tampil lagi.")
        self.fields["stage"].queryset = stages_available_to(office)
        if publication is not None and publication.first_published_at is not None:
            self.fields["slug"].disabled = True

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "title": data["title"], "summary": data["summary"], "body": data["body"],
                "tags": data["tags"].split(","), "stage": data["stage"], "publish_at": data["publish_at"],
                "unpublish_at": data["unpublish_at"], "slug": data["slug"]}

    @staticmethod
    def initial_for(publication: Publication, *, change=None) -> dict:
        """The live values, or those of the pending change of a published item (the editor continues it)."""
        source = change or publication
        return {"kind": source.kind, "title": source.title, "summary": source.summary,
                "body": source.body, "tags": ", ".join(source.tags), "stage": source.stage_id,
                "publish_at": source.publish_at, "unpublish_at": source.unpublish_at,
                "slug": publication.slug, "version": publication.version}


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Berkas"), help_text=_(
        "PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, JPG, PNG atau WebP."))
    title = forms.CharField(label=_("Judul lampiran"), max_length=200, required=False,
                            help_text=_("Kosongkan agar memakai nama berkas."))


class CoverForm(forms.Form):
    cover_image = forms.FileField(label=_("Gambar sampul"), required=False,
                                  help_text=_("JPG, PNG atau WebP. Kosongkan untuk hanya mengubah teks alternatif."))
    cover_alt = forms.CharField(label=_("Teks alternatif gambar"), max_length=200, help_text=_(
        "Wajib: jelaskan isi gambar untuk pembaca tunanetra, mis. “Ketua KPU menyerahkan SK kepada PPK”."))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Catatan untuk penulis"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ChangeRejectForm(forms.Form):
    note = forms.CharField(label=_("Alasan penolakan (untuk pengusul)"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))
