from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Publication(models.Model):
    class Kind(models.TextChoices):
        PRESS_RELEASE = "siaran-pers", _("Siaran pers")
        ANNOUNCEMENT = "pengumuman", _("Pengumuman")
        NEWS = "berita", _("Berita")
        INFOGRAPHIC = "infografis", _("Infografis")
        DOCUMENT = "dokumen", _("Dokumen")
        FAQ = "faq", _("Tanya jawab (FAQ)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        REVIEW = "review", _("Ditinjau")
        PUBLISHED = "published", _("Terbit")
        ARCHIVED = "archived", _("Diarsipkan")

    office = models.ForeignKey("offices.Office", verbose_name=_("satker"), on_delete=models.PROTECT,
                               related_name="publications")
    kind = models.CharField(_("jenis"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("judul"), max_length=200)
    slug = models.SlugField(_("alamat singkat (slug)"), max_length=120,
                            help_text=_("Bagian akhir alamat halaman di portal: huruf kecil, angka dan tanda hubung, "
                                        "mis. rapat-koordinasi-bakohumas."))
    summary = models.CharField(_("ringkasan"), max_length=300, blank=True)
    body = models.TextField(_("isi (Markdown)"), blank=True)
    body_html = models.TextField(editable=False, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # A published item is public from publish_at (the scheduled minute) until unpublish_at, if any.
    publish_at = models.DateTimeField(_("terbit pada"), null=True, blank=True, db_index=True)
    unpublish_at = models.DateTimeField(_("berhenti tayang pada"), null=True, blank=True)
    first_published_at = models.DateTimeField(null=True, blank=True)
    stage = models.ForeignKey("elections.Stage", verbose_name=_("tahapan terkait"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="publications")
    tags = models.JSONField(_("label"), default=list, blank=True)
    cover_image = models.ImageField(_("gambar sampul"), upload_to="publikasi/%Y/%m/", blank=True)
    cover_alt = models.CharField(_("teks alternatif gambar"), max_length=200, blank=True)
    # Normalised, stemmed words of title, summary and body, for search on SQLite (PostgreSQL uses its own FTS).
    search_text = models.TextField(editable=False, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-publish_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["office", "slug"], name="publication_unique_slug_per_office")]
        indexes = [models.Index(fields=["status", "publish_at"]), models.Index(fields=["office", "status"])]
        verbose_name = _("publikasi")
        verbose_name_plural = _("publikasi")

    def __str__(self) -> str:
        return self.title


class Revision(models.Model):
    """A saved state of a publication's text; every save keeps one, so editors can compare and restore."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["publication", "number"], name="revision_unique_number")]

    def __str__(self) -> str:
        return f"{self.publication_id} r{self.number}"


class PublicationChange(models.Model):
    """A change to a published item, waiting for a second person with content.publish. The public page keeps the
    approved text until the change is approved; at most one change per publication waits at a time."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu persetujuan")
        APPROVED = "approved", _("Disetujui")
        REJECTED = "rejected", _("Ditolak")
        CANCELLED = "cancelled", _("Dibatalkan")

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    kind = models.CharField(_("jenis"), max_length=12, choices=Publication.Kind.choices)
    title = models.CharField(_("judul"), max_length=200)
    summary = models.CharField(_("ringkasan"), max_length=300, blank=True)
    body = models.TextField(_("isi (Markdown)"), blank=True)
    tags = models.JSONField(_("label"), default=list, blank=True)
    stage = models.ForeignKey("elections.Stage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    publish_at = models.DateTimeField(null=True, blank=True)
    unpublish_at = models.DateTimeField(null=True, blank=True)
    # A new cover (file and/or alt text) staged with the change; an empty file keeps the current picture.
    cover_changed = models.BooleanField(default=False)
    cover_image = models.ImageField(upload_to="publikasi/%Y/%m/", blank=True)
    cover_alt = models.CharField(max_length=200, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Everyone who changed the proposal: none of them may approve it (four-eyes rule).
    contributors = models.JSONField(default=list, blank=True)
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["publication"], condition=models.Q(status="pending"),
                                               name="publication_one_pending_change")]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.get_status_display()}"


class Attachment(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="attachments")
    # Set while the attachment was added to a published item and waits with that change for approval.
    change = models.ForeignKey(PublicationChange, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="attachments")
    file = models.FileField(upload_to="lampiran/%Y/%m/")
    title = models.CharField(_("judul lampiran"), max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
