import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.Model):
    """A configured provider account of one office: a WhatsApp number, a Telegram bot, an SMTP server, the outbox.

    `kind` names a provider in channels.providers.REGISTRY; everything provider-specific lives in `config`
    (shown to staff) and `secrets` (write-only in the UI: never rendered back after saving).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Aktif")
        PAUSED = "paused", _("Dijeda")
        BROKEN = "broken", _("Bermasalah (dihentikan otomatis)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey("offices.Office", verbose_name=_("satker"), on_delete=models.PROTECT,
                               related_name="channels")
    kind = models.CharField(_("jenis kanal"), max_length=20)
    name = models.CharField(_("nama kanal"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(_("keterangan status"), max_length=300, blank=True)
    config = models.JSONField(default=dict, blank=True)
    secrets = models.JSONField(default=dict, blank=True)
    rate_per_second = models.FloatField(_("batas kirim per detik"))
    tipline = models.BooleanField(_("nomor aduan hoaks"), default=False,
                                  help_text=_("Setiap pesan pribadi ke kanal ini menjadi laporan cek fakta."))
    # Distributed rate limiter: the earliest epoch second at which the next send slot starts (all workers share it).
    next_send_at = models.FloatField(default=0.0)
    # When a pump task is queued for this channel (None: none queued), so that enqueuing stays idempotent.
    pump_queued_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["office", "name"]
        constraints = [models.UniqueConstraint(fields=["office", "name"], name="channel_unique_name_per_office")]
        verbose_name = _("kanal")
        verbose_name_plural = _("kanal")

    def __str__(self) -> str:
        return self.name

    @property
    def provider(self):
        from channels.providers import get_provider

        return get_provider(self.kind)


class Template(models.Model):
    """A WhatsApp message template as approved by Meta: only these may start a conversation outside 24 hours."""

    class Category(models.TextChoices):
        UTILITY = "UTILITY", _("Utilitas")
        MARKETING = "MARKETING", _("Pemasaran")
        AUTHENTICATION = "AUTHENTICATION", _("Autentikasi")

    class Status(models.TextChoices):
        APPROVED = "APPROVED", _("Disetujui Meta")
        PENDING = "PENDING", _("Menunggu persetujuan Meta")
        REJECTED = "REJECTED", _("Ditolak Meta")
        PAUSED = "PAUSED", _("Dijeda Meta")
        DISABLED = "DISABLED", _("Dinonaktifkan")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(_("nama templat"), max_length=512)
    language = models.CharField(_("bahasa"), max_length=15, default="id")
    category = models.CharField(_("kategori"), max_length=15, choices=Category.choices, default=Category.UTILITY)
    body = models.TextField(_("isi templat"), help_text=_("Teks persis seperti di WhatsApp Manager, dengan {{1}}, "
                                                            "{{2}} … atau {{nama_parameter}}."))
    parameters = models.JSONField(_("parameter"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPROVED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "language"]
        constraints = [models.UniqueConstraint(fields=["channel", "name", "language"],
                                               name="template_unique_per_channel")]
        verbose_name = _("templat")
        verbose_name_plural = _("templat")

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def named_parameters(self) -> bool:
        return any(not str(p).isdecimal() for p in self.parameters)


class InboundMessage(models.Model):
    """Every message a channel received, stored before anything else happens to it (providers retry for days)."""

    MAX_ROUTE_ATTEMPTS = 5

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="inbound_messages")
    provider_message_id = models.CharField(max_length=200)
    sender = models.CharField(max_length=254)
    sender_name = models.CharField(max_length=200, blank=True)
    sender_handle = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20)
    text = models.TextField(blank=True)
    media_id = models.CharField(max_length=200, blank=True)
    media_mime_type = models.CharField(max_length=100, blank=True)
    forwarded = models.BooleanField(default=False)
    frequently_forwarded = models.BooleanField(default=False)
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    raw = models.JSONField(default=dict)
    keyword = models.CharField(max_length=20, blank=True)
    # The webhook only stores; the worker's router answers keywords and files the message into the inbox, then
    # sets routed_at. A message whose routing keeps failing stays stored, with the error, for staff to see.
    routed_at = models.DateTimeField(null=True, blank=True)
    route_attempts = models.PositiveSmallIntegerField(default=0)
    route_error = models.CharField(max_length=500, blank=True)
    route_failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["channel", "provider_message_id"],
                                               name="inbound_unique_per_channel")]
        indexes = [models.Index(fields=["channel", "sender", "sent_at"]),
                   models.Index(fields=["id"], condition=models.Q(routed_at__isnull=True),
                                name="inbound_unrouted")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"


class OutboxMessage(models.Model):
    """What the console/dev outbox channel "sent": visible to staff instead of reaching anyone."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="outbox_messages")
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    template_name = models.CharField(max_length=512, blank=True)
    template_parameters = models.JSONField(default=list, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.text[:40]}"
