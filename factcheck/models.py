"""Cek fakta: reports of suspicious messages, the claims they share, and the clarifications that answer them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Verdict(models.TextChoices):
    """The ratings Indonesian fact-checkers (Mafindo, cekfakta.com, Kominfo) use."""

    FALSE = "false", _("Hoaks/Salah")
    MISLEADING = "misleading", _("Menyesatkan")
    FALSE_CONTEXT = "false_context", _("Konteks Keliru")
    MANIPULATED = "manipulated", _("Konten Manipulasi")
    SATIRE = "satire", _("Satire/Parodi")
    TRUE = "true", _("Benar")
    UNVERIFIED = "unverified", _("Belum Dapat Diverifikasi")


class Settings(models.Model):
    """Per office: when a match is only suggested to the verifier, and when the reporter is answered at once."""

    office = models.OneToOneField("offices.Office", on_delete=models.CASCADE, related_name="factcheck_settings")
    suggest_percent = models.PositiveSmallIntegerField(_("ambang saran ke verifikator (%)"), default=15)
    auto_percent = models.PositiveSmallIntegerField(_("ambang jawaban otomatis (%)"), default=40)
    notice_template = models.ForeignKey(
        "channels.Template", verbose_name=_("templat WhatsApp pemberitahuan klarifikasi"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.office_id}: {self.suggest_percent}/{self.auto_percent}"


class IndexChange(models.Model):
    """The log each process's matching index follows: one row per change to what it holds (a clarification
    published, corrected or withdrawn), written by that service in the same transaction (factcheck.index.log_change).
    A process applies the rows after its cursor by re-reading those clarifications, so it needs no full rebuild for
    a change; rows older than a week are pruned."""

    clarification_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.pk}: {self.clarification_id}"


class Claim(models.Model):
    """What many reports say: verified once, answered once."""

    class Status(models.TextChoices):
        NEW = "new", _("Baru")
        VERIFYING = "verifying", _("Diverifikasi")
        DONE = "done", _("Selesai")

    class Resolution(models.TextChoices):
        CLARIFIED = "clarified", _("Diklarifikasi")
        SPAM = "spam", _("Spam / bukan klaim")
        MERGED = "merged", _("Digabung ke klaim lain")

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="claims")
    summary = models.CharField(_("ringkasan klaim"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    resolution = models.CharField(_("hasil"), max_length=10, choices=Resolution.choices, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verifikator"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    evidence = models.JSONField(_("tautan bukti"), default=list, blank=True)
    report_count = models.PositiveIntegerField(default=0)
    forwarded_many_count = models.PositiveIntegerField(default=0)
    first_reported_at = models.DateTimeField()
    last_reported_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["office", "status", "-report_count"]),
                   models.Index(fields=["office", "-last_reported_at"]),
                   models.Index(fields=["office", "updated_at"])]

    def __str__(self) -> str:
        return self.summary[:80]

    @property
    def priority(self) -> int:
        """The queue's order: each report counts, a "forwarded many times" one counts three times."""
        return self.report_count + 2 * self.forwarded_many_count


class ClaimNote(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Clarification(models.Model):
    """The answer to a claim: verdict, two lines for the chat, the full explanation on the portal. External ones
    are imported fact-checks (ClaimReview), attributed to their publisher and never edited here."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        PENDING = "pending", _("Menunggu persetujuan")
        PUBLISHED = "published", _("Terbit")
        WITHDRAWN = "withdrawn", _("Ditarik")

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="clarifications")
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="clarifications")
    slug = models.SlugField(max_length=120)
    claim_reviewed = models.CharField(_("klaim yang diperiksa"), max_length=500)
    verdict = models.CharField(_("putusan"), max_length=15, choices=Verdict.choices)
    summary = models.CharField(_("penjelasan singkat (untuk pesan)"), max_length=300)
    body = models.TextField(_("penjelasan lengkap (Markdown)"), blank=True)
    evidence = models.JSONField(_("sumber dan bukti"), default=list, blank=True)
    item_reviewed_url = models.URLField(_("tautan tempat klaim beredar"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    # Whoever last changed the text: like the author, they cannot be the one who approves it.
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)
    # Imported fact-checks: the publisher is always named and linked.
    external_publisher = models.CharField(max_length=200, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    external_rating = models.CharField(max_length=100, blank=True)
    # The e5 passage vector (float32 bytes) when semantic re-ranking is on; filled by the worker.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    # Why the matching index had to leave this clarification out (empty when it is indexed).
    index_error = models.CharField(max_length=300, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "slug"], name="clarification_slug_per_office"),
                       models.UniqueConstraint(fields=["office", "external_url"],
                                               condition=~models.Q(external_url=""),
                                               name="clarification_external_once_per_office")]
        indexes = [models.Index(fields=["office", "status", "-published_at"])]

    def __str__(self) -> str:
        return self.claim_reviewed[:80]

    @property
    def is_external(self) -> bool:
        return bool(self.external_url)

    @property
    def match_text(self) -> str:
        return f"{self.claim_reviewed}\n{self.summary}"


class Correction(models.Model):
    """A published clarification changed: what was said before stays visible."""

    clarification = models.ForeignKey(Clarification, on_delete=models.CASCADE, related_name="corrections")
    revision = models.PositiveIntegerField()
    note = models.CharField(_("apa yang dikoreksi"), max_length=500)
    previous_verdict = models.CharField(max_length=15, choices=Verdict.choices)
    previous_summary = models.CharField(max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-revision"]

    def __str__(self) -> str:
        return f"{self.clarification_id} r{self.revision}: {self.note[:60]}"


class ClarificationChange(models.Model):
    """A correction or withdrawal of a published clarification, proposed by one person and waiting for a second
    with factcheck.approve. Nothing public changes, and nobody is notified, until it is approved."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Koreksi")
        WITHDRAWAL = "withdrawal", _("Penarikan")

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu persetujuan")
        APPROVED = "approved", _("Disetujui")
        REJECTED = "rejected", _("Ditolak")

    clarification = models.ForeignKey(Clarification, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Correction: the note shown on the page and the new values; withdrawal: the reason (in `note`).
    note = models.CharField(max_length=500)
    claim_reviewed = models.CharField(max_length=500, blank=True)
    verdict = models.CharField(max_length=15, choices=Verdict.choices, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    evidence = models.JSONField(default=list, blank=True)
    item_reviewed_url = models.URLField(max_length=500, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["clarification"], condition=models.Q(status="pending"),
                                               name="clarification_one_pending_change")]

    def __str__(self) -> str:
        return f"{self.clarification_id} {self.kind} {self.status}"


class Report(models.Model):
    """One suspicious item someone sent in."""

    class Source(models.TextChoices):
        INBOX = "inbox", _("Kotak masuk")
        KEYWORD = "keyword", _("Kata kunci CEK")
        TIPLINE = "tipline", _("Nomor aduan hoaks")
        PORTAL = "portal", _("Formulir portal")
        STAFF = "staff", _("Dicatat staf")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu verifikasi")
        ANSWERED = "answered", _("Sudah dijawab")
        DISMISSED = "dismissed", _("Ditolak (spam)")

    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="factcheck_reports")
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    answered_with = models.ForeignKey(Clarification, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="answered_reports")
    match_score = models.PositiveSmallIntegerField(null=True, blank=True)
    suggestions = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    tracking_number = models.CharField(max_length=20, unique=True)
    reporter = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="factcheck_reports")
    reporter_name = models.CharField(max_length=150, blank=True)
    conversation = models.ForeignKey("inbox.Conversation", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="factcheck_reports")
    message = models.ForeignKey("inbox.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    # Where the answer goes when the reporter did not write from a conversation: "whatsapp:+62…", "mailto:…".
    notify_address = models.CharField(max_length=254, blank=True)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    media = models.FileField(upload_to="cekfakta/%Y/%m/", blank=True)
    image_hash = models.CharField(max_length=16, blank=True)
    ocr_text = models.TextField(blank=True)
    # The normalised terms' digest: the same chain message, however it was spaced or spelled, finds its claim at once.
    fingerprint = models.CharField(max_length=40, blank=True)
    forwarded = models.BooleanField(default=False)
    frequently_forwarded = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["office", "-created_at"]), models.Index(fields=["image_hash"]),
                   models.Index(fields=["office", "fingerprint"])]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def match_text(self) -> str:
        return "\n".join(filter(None, [self.text, self.url, self.ocr_text]))


class Notice(models.Model):
    """One message telling a reporter the answer: once per person, per clarification, per revision and kind."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("Jawaban")
        CORRECTION = "correction", _("Koreksi")
        WITHDRAWAL = "withdrawal", _("Penarikan")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Diserahkan ke kanal")
        UNREACHABLE = "unreachable", _("Tidak dapat dikirim")

    clarification = models.ForeignKey(Clarification, on_delete=models.CASCADE, related_name="notices")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notices")
    recipient_key = models.CharField(max_length=254)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    revision = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    delivery = models.ForeignKey("broadcasts.Delivery", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clarification", "recipient_key", "kind", "revision"],
                                               name="notice_once_per_person")]

    def __str__(self) -> str:
        return f"{self.kind} {self.recipient_key}"
