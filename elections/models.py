from django.db import models
from django.utils.translation import gettext_lazy as _


class Election(models.Model):
    """An election and the office that runs it: KPU RI for Pemilu and nationwide Pilkada, a lower office for a
    PSU or a regional Pilkada. It shows on the portal of that office and of every office below it."""

    class Kind(models.TextChoices):
        GENERAL = "pemilu", _("Pemilu")
        REGIONAL = "pilkada", _("Pilkada")
        REVOTE = "psu", _("Pemungutan suara ulang")

    office = models.ForeignKey("offices.Office", verbose_name=_("satker penyelenggara"), on_delete=models.PROTECT,
                               related_name="elections")
    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=150)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("keterangan"), blank=True)
    is_conditional = models.BooleanField(
        _("bersyarat"), default=False,
        help_text=_("Mis. putaran kedua Pilpres: hanya dilaksanakan bila syaratnya terpenuhi."))
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "code"]
        verbose_name = _("pemilihan")
        verbose_name_plural = _("pemilihan")

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """A tahapan. Dates may be unknown (the regulation sets none): they are stored empty, never invented."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="stages")
    code = models.CharField(_("kode"), max_length=40)
    name = models.CharField(_("tahapan"), max_length=200)
    starts_on = models.DateField(_("mulai"), null=True, blank=True)
    ends_on = models.DateField(_("selesai"), null=True, blank=True)
    is_firm = models.BooleanField(_("tanggal pasti"), default=True)
    source = models.TextField(_("sumber"), blank=True)
    notes = models.TextField(_("catatan"), blank=True)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    # DTSTAMP/LAST-MODIFIED of the stage's iCalendar event: the feed stays byte-identical until a stage changes.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["election", "position", "starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "code"], name="stage_unique_code_per_election"),
            models.CheckConstraint(condition=models.Q(starts_on__isnull=True) | models.Q(ends_on__isnull=True)
                                   | models.Q(ends_on__gte=models.F("starts_on")), name="stage_ends_after_start"),
        ]
        verbose_name = _("tahapan")
        verbose_name_plural = _("tahapan")

    def __str__(self) -> str:
        return self.name

    @property
    def is_dated(self) -> bool:
        """Both dates known: only such stages can be running, go into a calendar or count as "next"."""
        return self.starts_on is not None and self.ends_on is not None
