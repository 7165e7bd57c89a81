from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    PARTY = "partai", _("Partai politik")
    NGO = "lsm", _("LSM/Ormas")
    FKUB = "fkub", _("FKUB")
    MILITARY = "tni", _("TNI")
    POLICE = "polri", _("Polri")
    GOVERNMENT = "pemda", _("Pemerintah daerah/OPD")
    MEDIA = "media", _("Media massa")
    UNIVERSITY = "kampus", _("Perguruan tinggi")
    BAWASLU = "bawaslu", _("Bawaslu")
    COMMUNITY_LEADER = "tokoh", _("Tokoh masyarakat")
    OTHER = "lainnya", _("Lainnya")


class Organization(models.Model):
    office = models.ForeignKey("offices.Office", verbose_name=_("satker"), on_delete=models.PROTECT,
                               related_name="organizations")
    name = models.CharField(_("nama instansi/lembaga"), max_length=200)
    abbreviation = models.CharField(_("singkatan"), max_length=40, blank=True)
    category = models.CharField(_("kategori"), max_length=10, choices=Category.choices)
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    email = models.EmailField(_("e-mail instansi"), blank=True)
    phone = models.CharField(_("telepon instansi"), max_length=20, blank=True)
    website = models.URLField(_("situs web"), blank=True)
    notes = models.TextField(_("catatan"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "office", name="organization_unique_name_per_office"),
        ]
        indexes = [models.Index(fields=["office", "category"])]
        verbose_name = _("instansi/lembaga")
        verbose_name_plural = _("instansi/lembaga")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("label"), max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), "office", name="tag_unique_name_per_office")]
        verbose_name = _("label")
        verbose_name_plural = _("label")

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu persetujuan")
        ACTIVE = "active", _("Aktif")
        INACTIVE = "inactive", _("Nonaktif")
        ERASED = "erased", _("Dihapus (anonim)")

    class Source(models.TextChoices):
        STAFF = "staff", _("Diinput staf")
        IMPORT = "import", _("Impor berkas")
        SELF_REGISTRATION = "self", _("Pendaftaran mandiri")
        API = "api", _("API")
        INBOUND = "inbound", _("Kontak publik (menulis ke satker)")

    office = models.ForeignKey("offices.Office", verbose_name=_("satker"), on_delete=models.PROTECT,
                               related_name="members")
    organization = models.ForeignKey(Organization, verbose_name=_("instansi/lembaga"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="members")
    full_name = models.CharField(_("nama lengkap"), max_length=150)
    position = models.CharField(_("jabatan"), max_length=150, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("sumber data"), max_length=10, choices=Source.choices, default=Source.STAFF)
    submitted_organization = models.CharField(_("instansi (diisi pendaftar)"), max_length=200, blank=True)
    submitted_category = models.CharField(max_length=10, choices=Category.choices, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("label"), blank=True, related_name="members")
    preferred_channel = models.CharField(_("kanal yang diutamakan"), max_length=10, blank=True, choices=[
        ("whatsapp", _("WhatsApp")), ("telegram", _("Telegram")), ("mailto", _("E-mail"))])
    notes = models.TextField(_("catatan"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    import_job = models.ForeignKey("ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["full_name", "id"]
        indexes = [
            models.Index(fields=["office", "full_name", "id"]),
            models.Index(fields=["office", "status"]),
            # Covers the list's page query (office, status filter, name order) without reading the table rows:
            # page 1,000 of 100,000 members in ~15 ms instead of ~90 ms (bench/bench_member_list.py).
            models.Index(fields=["office", "full_name", "id", "status"]),
        ]
        verbose_name = _("anggota")
        verbose_name_plural = _("anggota")

    def __str__(self) -> str:
        return self.full_name


class Address(models.Model):
    """A typed contact address (URN): whatsapp:+62…, tel:+62…, mailto:…, telegram:…"""

    class Kind(models.TextChoices):
        WHATSAPP = "whatsapp", _("WhatsApp")
        PHONE = "tel", _("Telepon")
        EMAIL = "mailto", _("E-mail")
        TELEGRAM = "telegram", _("Telegram")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="addresses")
    # Denormalised from the member so that one office never holds the same address twice.
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("alamat"), max_length=254)
    is_primary = models.BooleanField(_("utama"), default=False)
    opted_out = models.BooleanField(_("berhenti berlangganan"), default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    # Set when a provider said this address cannot receive (WhatsApp 131026, Telegram "chat not found"…).
    undeliverable_at = models.DateTimeField(_("ditandai tidak dapat dihubungi"), null=True, blank=True)
    undeliverable_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "kind", "value"], name="address_unique_per_office"),
        ]
        indexes = [models.Index(fields=["value"])]
        verbose_name = _("alamat kontak")
        verbose_name_plural = _("alamat kontak")

    def __str__(self) -> str:
        return self.urn

    @property
    def urn(self) -> str:
        return f"{self.kind}:{self.value}"


class Purpose(models.TextChoices):
    DISSEMINATION = "informasi", _("Menerima informasi dan siaran Bakohumas")
    EVENTS = "kegiatan", _("Undangan kegiatan dan rapat")
    SURVEY = "survei", _("Survei dan evaluasi layanan")


class Consent(models.Model):
    """Proof of consent (UU 27/2022 Pasal 22): one row per address and purpose, never edited but withdrawn."""

    class Method(models.TextChoices):
        FORM = "form", _("Formulir/ persetujuan dicatat staf")
        IMPORT = "import", _("Impor dengan dasar terdokumentasi")
        SELF_REGISTRATION = "self", _("Pendaftaran mandiri")
        KEYWORD = "keyword", _("Kata kunci dari pemilik nomor")
        API = "api", _("API")

    address = models.ForeignKey(Address, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("tujuan"), max_length=10, choices=Purpose.choices)
    method = models.CharField(_("cara pemberian"), max_length=10, choices=Method.choices)
    evidence = models.CharField(_("dasar/bukti"), max_length=300, blank=True)
    given_at = models.DateTimeField(_("diberikan pada"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    withdrawn_at = models.DateTimeField(_("ditarik pada"), null=True, blank=True)
    withdrawal_note = models.CharField(_("keterangan penarikan"), max_length=300, blank=True)

    class Meta:
        ordering = ["-given_at"]
        indexes = [models.Index(fields=["address", "purpose", "withdrawn_at"])]
        verbose_name = _("persetujuan")
        verbose_name_plural = _("persetujuan")

    def __str__(self) -> str:
        return f"{self.address_id}:{self.purpose}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Group(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "manual", _("Manual (anggota dipilih)")
        DYNAMIC = "dynamic", _("Dinamis (berdasarkan aturan)")

    office = models.ForeignKey("offices.Office", verbose_name=_("satker"), on_delete=models.PROTECT,
                               related_name="member_groups")
    name = models.CharField(_("nama grup"), max_length=120)
    description = models.CharField(_("keterangan"), max_length=300, blank=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    members = models.ManyToManyField(Member, blank=True, related_name="manual_groups")
    rule_categories = models.JSONField(_("kategori"), default=list, blank=True)
    rule_tags = models.ManyToManyField(Tag, verbose_name=_("label"), blank=True, related_name="+")
    rule_include_descendants = models.BooleanField(_("termasuk satker di bawahnya"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), "office", name="group_unique_name_per_office")]
        verbose_name = _("grup")
        verbose_name_plural = _("grup")

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Diunggah, menunggu pemetaan kolom")
        VALIDATING = "validating", _("Sedang diperiksa")
        VALIDATED = "validated", _("Pratinjau siap")
        IMPORTING = "importing", _("Sedang diimpor")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")
        CANCELLED = "cancelled", _("Dibatalkan")

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=5)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    default_category = models.CharField(max_length=10, choices=Category.choices, default=Category.OTHER)
    consent_purposes = models.JSONField(default=list)
    consent_evidence = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    duplicate_rows = models.PositiveIntegerField(default=0)
    created_members = models.PositiveIntegerField(default=0)
    failure_message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.VALIDATING, self.Status.IMPORTING}


class ImportRowError(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    field = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=300)
    is_duplicate = models.BooleanField(default=False)

    class Meta:
        ordering = ["row_number", "id"]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.message}"
