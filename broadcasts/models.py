from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PRIORITY_BULK = 0
PRIORITY_URGENT = 5     # an urgent broadcast: also sent during quiet hours
PRIORITY_DIRECT = 10    # a reply or confirmation to one person: ahead of every broadcast


class Broadcast(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        PENDING = "pending", _("Menunggu persetujuan")
        SCHEDULED = "scheduled", _("Terjadwal")
        SENDING = "sending", _("Sedang dikirim")
        PAUSED = "paused", _("Dijeda")
        DONE = "done", _("Selesai")
        CANCELLED = "cancelled", _("Dibatalkan")

    class MediaKind(models.TextChoices):
        NONE = "", _("Tanpa lampiran")
        IMAGE = "image", _("Gambar")
        DOCUMENT = "document", _("Dokumen")

    office = models.ForeignKey("offices.Office", verbose_name=_("satker"), on_delete=models.PROTECT,
                               related_name="broadcasts")
    title = models.CharField(_("judul siaran"), max_length=200)
    text = models.TextField(_("isi pesan"))
    publication = models.ForeignKey("content.Publication", verbose_name=_("publikasi"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="broadcasts")
    media_url = models.URLField(_("tautan lampiran"), max_length=500, blank=True)
    media_kind = models.CharField(_("jenis lampiran"), max_length=10, choices=MediaKind.choices, blank=True)
    template = models.ForeignKey("channels.Template", verbose_name=_("templat WhatsApp"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    template_parameters = models.JSONField(_("nilai parameter templat"), default=list, blank=True)
    audience_all = models.BooleanField(_("semua anggota aktif"), default=False)
    audience_groups = models.ManyToManyField("members.Group", verbose_name=_("grup"), blank=True, related_name="+")
    audience_categories = models.JSONField(_("kategori instansi"), default=list, blank=True)
    include_descendants = models.BooleanField(_("termasuk anggota satker di bawahnya"), default=False)
    include_channel_chats = models.BooleanField(_("kirim juga ke grup/kanal Telegram forum"), default=False)
    urgent = models.BooleanField(_("mendesak (tetap dikirim pada jam tenang)"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("jadwal kirim"), null=True, blank=True)
    # Set when quiet hours pushed the start to scheduled_at: when it would have started otherwise.
    held_from = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total_recipients = models.PositiveIntegerField(default=0)
    estimated_cost = models.PositiveBigIntegerField(null=True, blank=True)   # rupiah, frozen at approval
    excluded = models.JSONField(default=dict, blank=True)   # reason code -> count, frozen when sending starts
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["office", "status"]), models.Index(fields=["status", "scheduled_at"])]
        verbose_name = _("siaran")
        verbose_name_plural = _("siaran")

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.SENDING, self.Status.PAUSED)


class MessageRate(models.Model):
    """What the office pays Meta for one WhatsApp template message of a category (set by the office's admin)."""

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="message_rates")
    category = models.CharField(_("kategori templat"), max_length=15)   # channels.Template.Category
    rate = models.PositiveIntegerField(_("tarif per pesan (Rp)"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "category"], name="message_rate_once")]

    def __str__(self) -> str:
        return f"{self.category}: Rp{self.rate}"


class MessagingBudget(models.Model):
    """An office's optional monthly ceiling on the estimated cost of the broadcasts it approves."""

    office = models.OneToOneField("offices.Office", on_delete=models.CASCADE, related_name="messaging_budget")
    monthly_limit = models.PositiveBigIntegerField(_("anggaran per bulan (Rp)"))

    def __str__(self) -> str:
        return f"Rp{self.monthly_limit}"


class Delivery(models.Model):
    """One recipient's copy of a broadcast (or one direct message): the durable state the workers run through."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Antre")
        SENDING = "sending", _("Sedang dikirim")
        HELD = "held", _("Ditahan (siaran dijeda)")
        SENT = "sent", _("Terkirim ke penyedia")
        DELIVERED = "delivered", _("Sampai")
        READ = "read", _("Dibaca")
        FAILED = "failed", _("Gagal")
        SKIPPED = "skipped", _("Tidak dikirim")

    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="deliveries")
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="deliveries")
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    address = models.ForeignKey("members.Address", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="deliveries")
    recipient = models.CharField(max_length=254)        # the address value as the provider takes it
    recipient_name = models.CharField(max_length=150, blank=True)
    text = models.TextField(blank=True)                 # direct messages only; a broadcast's text is on the broadcast
    template = models.ForeignKey("channels.Template", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")      # direct messages outside the WhatsApp 24-hour window
    template_parameters = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    priority = models.SmallIntegerField(default=PRIORITY_BULK)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    via_template = models.BooleanField(default=False)
    possible_duplicate = models.BooleanField(default=False)
    error_outcome = models.CharField(max_length=20, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_detail = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["broadcast", "recipient", "channel"],
                                               condition=Q(broadcast__isnull=False),
                                               name="delivery_once_per_recipient")]
        indexes = [
            models.Index(fields=["channel", "-priority", "next_attempt_at"], condition=Q(status="queued"),
                         name="delivery_due"),
            models.Index(fields=["channel", "claimed_at"], condition=Q(status="sending"), name="delivery_claimed"),
            models.Index(fields=["broadcast", "status", "channel"], name="delivery_progress"),
            # Not partial: SQLite cannot prove that "provider_message_id = ?" excludes "", and would scan.
            models.Index(fields=["channel", "provider_message_id"], name="delivery_channel_provider_id"),
            models.Index(fields=["channel", "recipient", "sent_at"]),
        ]
        verbose_name = _("pengiriman")
        verbose_name_plural = _("pengiriman")

    def __str__(self) -> str:
        return f"{self.channel_id} → {self.recipient}"

    @property
    def last_event_at(self):
        """When the latest thing happened to it: read, delivered, failed, sent, or else queued."""
        return self.read_at or self.delivered_at or self.failed_at or self.sent_at or self.created_at


class PendingStatus(models.Model):
    """A status webhook that arrived before the send that it is about was recorded: applied when it is."""

    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    provider_message_id = models.CharField(max_length=200, db_index=True)
    status = models.CharField(max_length=10)
    at = models.DateTimeField()
    error_code = models.IntegerField(null=True, blank=True)
    error_title = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.provider_message_id}: {self.status}"


class GroupPost(models.Model):
    """A broadcast pasted by hand into one of the forum's WhatsApp groups (the API cannot post there)."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="group_posts")
    group_name = models.CharField(_("nama grup WhatsApp"), max_length=150)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-posted_at"]

    def __str__(self) -> str:
        return self.group_name
