import secrets
from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _

TIMEZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
UTC_OFFSETS = {"Asia/Jakarta": "+07:00", "Asia/Makassar": "+08:00", "Asia/Jayapura": "+09:00"}


def new_registration_token() -> str:
    return secrets.token_urlsafe(12)


class Office(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "ri", _("KPU RI")
        PROVINCE = "provinsi", _("KPU Provinsi")
        REGENCY = "kabkota", _("KPU Kabupaten/Kota")

    class Zone(models.TextChoices):
        WIB = "Asia/Jakarta", "WIB"
        WITA = "Asia/Makassar", "WITA"
        WIT = "Asia/Jayapura", "WIT"

    code = models.CharField(_("kode wilayah"), max_length=8, unique=True)
    name = models.CharField(_("nama satker"), max_length=120)
    region_name = models.CharField(_("nama wilayah"), max_length=120)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("satker induk"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(_("zona waktu"), max_length=20, choices=Zone.choices, default=Zone.WIB)
    registration_open = models.BooleanField(_("pendaftaran mandiri dibuka"), default=True)
    registration_token = models.CharField(max_length=32, unique=True, default=new_registration_token)
    requires_second_factor = models.BooleanField(_("wajibkan verifikasi dua langkah"), default=False)
    broadcast_requires_approval = models.BooleanField(_("siaran perlu persetujuan staf kedua"), default=True)
    quiet_hours_start = models.TimeField(_("jam tenang mulai"), null=True, blank=True, default=time(21, 0))
    quiet_hours_end = models.TimeField(_("jam tenang selesai"), null=True, blank=True, default=time(6, 0))
    office_hours_start = models.TimeField(_("jam layanan mulai"), default=time(8, 0))
    office_hours_end = models.TimeField(_("jam layanan selesai"), default=time(16, 0))
    out_of_hours_reply = models.BooleanField(_("balas otomatis di luar jam layanan"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("satker")
        verbose_name_plural = _("satker")

    def __str__(self) -> str:
        return self.name

    @property
    def zone_label(self) -> str:
        return TIMEZONE_LABELS[self.timezone]

    @property
    def utc_offset(self) -> str:
        return UTC_OFFSETS[self.timezone]

    def ancestors(self) -> list["Office"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain
