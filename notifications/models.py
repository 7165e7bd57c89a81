from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ASSIGNED = "assigned", _("Ditugaskan kepada saya")
    APPROVAL = "approval", _("Persetujuan diminta dari saya")
    ESCALATION = "escalation", _("Eskalasi ke kantor saya")
    DEADLINE = "deadline", _("Tenggat eskalasi besok")
    CHANNEL = "channel", _("Kanal bermasalah")
    IMPORT = "import", _("Impor selesai")


class Notification(models.Model):
    """One thing one staff member should know. Always shown in the page; sent by e-mail or chat as they chose."""

    class Delivery(models.TextChoices):
        NONE = "", _("Tidak dikirim")
        DUE = "due", _("Menunggu dikirim")
        SENDING = "sending", _("Sedang dikirim")
        SENT = "sent", _("Terkirim")
        FAILED = "failed", _("Gagal")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What it is about, once per recipient: "audit:<id>" for a change, "deadline:<escalation id>" for a deadline.
    key = models.CharField(max_length=60)
    action = models.CharField(max_length=60, blank=True)
    office = models.ForeignKey("offices.Office", null=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    subject = models.CharField(max_length=200)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    urgent = models.BooleanField(default=False)
    email_state = models.CharField(max_length=8, choices=Delivery.choices, blank=True, default="")
    email_due_at = models.DateTimeField(null=True, blank=True)
    chat_state = models.CharField(max_length=8, choices=Delivery.choices, blank=True, default="")
    chat_due_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    send_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_recipient")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["email_due_at"], condition=models.Q(email_state="due"), name="notification_email_due"),
            models.Index(fields=["chat_due_at"], condition=models.Q(chat_state="due"), name="notification_chat_due"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.subject}"


class Preference(models.Model):
    """How one staff member wants to be told. Without a row, DEFAULTS apply."""

    class Mode(models.TextChoices):
        INSTANT = "instant", _("Segera")
        DIGEST = "digest", _("Ringkasan harian")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email_kinds = models.JSONField(default=list, blank=True)
    chat_kinds = models.JSONField(default=list, blank=True)
    urgent_kinds = models.JSONField(default=list, blank=True)
    mode = models.CharField(_("cara kirim"), max_length=8, choices=Mode.choices, default=Mode.INSTANT)
    digest_hour = models.PositiveSmallIntegerField(_("jam ringkasan harian"), default=7)
    quiet_start = models.TimeField(_("jam tenang mulai"), null=True, blank=True)
    quiet_end = models.TimeField(_("jam tenang berakhir"), null=True, blank=True)
    chat_kind = models.CharField(_("aplikasi obrolan"), max_length=10, blank=True)
    chat_address = models.CharField(_("nomor WhatsApp atau ID obrolan Telegram"), max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.mode}"


class DispatchMark(models.Model):
    """How far the audit log has been turned into notifications (one row)."""

    scanned_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.scanned_until:%Y-%m-%d %H:%M:%S}"
