from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """One thread per person and office, across channels. Closed threads stay; the person's next message opens a
    new one."""

    class Status(models.TextChoices):
        OPEN = "open", _("Terbuka")
        WAITING = "waiting", _("Menunggu jawaban warga")
        CLOSED = "closed", _("Selesai")

    office = models.ForeignKey("offices.Office", verbose_name=_("satker"), on_delete=models.PROTECT,
                               related_name="conversations")
    member = models.ForeignKey("members.Member", verbose_name=_("kontak"), on_delete=models.PROTECT,
                               related_name="conversations")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ditangani oleh"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    # The office currently asked to answer (an escalation up the tree); None when the own office handles it.
    escalated_to = models.ForeignKey("offices.Office", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="escalated_conversations")
    tracking_number = models.CharField(_("nomor lacak"), max_length=20, unique=True)
    tags = models.JSONField(_("label"), default=list, blank=True)
    flagged_flood = models.BooleanField(_("ditandai membanjiri"), default=False)
    # A question from the portal's contact form: nothing proves who sent it. Its member is a new public contact
    # (never a registered one, unless staff link it by hand), and it is answered only at the addresses typed in it.
    from_contact_form = models.BooleanField(_("dari formulir kontak portal"), default=False)
    reply_addresses = models.JSONField(_("alamat balasan dari formulir"), default=list, blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    linked_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField()
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["office", "member"], condition=~Q(status="closed"),
                                               name="one_open_conversation_per_person")]
        indexes = [
            models.Index(fields=["office", "status", "assigned_to", "-last_message_at"], name="inbox_folder"),
            # Closed and waiting folders sort a status's whole history: this order avoids a temporary sort.
            models.Index(fields=["office", "status", "-last_message_at", "-id"], name="inbox_folder_order"),
            models.Index(fields=["escalated_to", "status", "-last_message_at"], name="inbox_escalated"),
        ]
        verbose_name = _("percakapan")
        verbose_name_plural = _("percakapan")

    def __str__(self) -> str:
        return self.tracking_number


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("Masuk")
        OUTBOUND = "out", _("Balasan")
        NOTE = "note", _("Catatan internal")
        EVENT = "event", _("Peristiwa")

    class MediaStatus(models.TextChoices):
        NONE = "", _("Tanpa media")
        PENDING = "pending", _("Sedang diambil")
        STORED = "stored", _("Tersimpan")
        FAILED = "failed", _("Gagal diambil")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=5, choices=Direction.choices)
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    inbound = models.OneToOneField("channels.InboundMessage", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="inbox_message")
    delivery = models.OneToOneField("broadcasts.Delivery", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="inbox_message")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    author_office = models.ForeignKey("offices.Office", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    kind = models.CharField(max_length=20, default="text")
    text = models.TextField(blank=True)
    forwarded = models.BooleanField(default=False)
    frequently_forwarded = models.BooleanField(default=False)
    media = models.FileField(upload_to="inbox/%Y/%m/", blank=True)
    media_mime_type = models.CharField(max_length=100, blank=True)
    media_status = models.CharField(max_length=10, choices=MediaStatus.choices, blank=True)
    media_error = models.CharField(max_length=300, blank=True)
    media_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.direction}: {self.text[:40]}"


class Escalation(models.Model):
    """One step up the tree (kab/kota → provinsi → RI), with its deadline in working days."""

    class Status(models.TextChoices):
        OPEN = "open", _("Menunggu jawaban")
        ANSWERED = "answered", _("Dijawab")
        RETURNED = "returned", _("Dikembalikan")
        FORWARDED = "forwarded", _("Diteruskan ke tingkat atas")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="escalations")
    from_office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    to_office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(_("alasan"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.from_office_id} → {self.to_office_id}"


class SavedReply(models.Model):
    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="saved_replies")
    shortcode = models.SlugField(_("kode singkat"), max_length=30)
    title = models.CharField(_("judul"), max_length=100)
    text = models.TextField(_("isi balasan"))

    class Meta:
        ordering = ["shortcode"]
        constraints = [models.UniqueConstraint(fields=["office", "shortcode"], name="saved_reply_unique_code")]

    def __str__(self) -> str:
        return f"/{self.shortcode}"


class Holiday(models.Model):
    """National public holidays and cuti bersama: deadlines count working days (Monday–Friday, not these)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class LastSeen(models.Model):
    """How far a staff member has read a conversation: the newest message they were shown (by id: providers stamp
    messages to the second, so two can share a time). Anything after it is unread for them (per person, not per
    office)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    message_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "conversation"], name="last_seen_once")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.conversation_id}: {self.message_id}"
