import secrets
from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _

from lib.phones import display_phone

TIMEZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
UTC_OFFSETS = {"Asia/Jakarta": "+07:00", "Asia/Makassar": "+08:00", "Asia/Jayapura": "+09:00"}


SOCIAL_FIELDS = [("instagram_url", "Instagram"), ("facebook_url", "Facebook"), ("x_url", "X"),
                 ("youtube_url", "YouTube"), ("tiktok_url", "TikTok")]


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
    # The public profile (Kontak page and every portal footer); written by offices.services.update_profile.
    contact_address = models.TextField(_("alamat kantor"), max_length=500, blank=True)
    contact_phone = models.CharField(_("telepon kantor"), max_length=20, blank=True)   # E.164
    contact_email = models.EmailField(_("e-mail kantor"), blank=True)
    service_hours = models.CharField(_("jam layanan (teks)"), max_length=120, blank=True)
    map_url = models.URLField(_("tautan peta"), max_length=500, blank=True)
    instagram_url = models.URLField("Instagram", max_length=300, blank=True)
    facebook_url = models.URLField("Facebook", max_length=300, blank=True)
    x_url = models.URLField("X", max_length=300, blank=True)
    youtube_url = models.URLField("YouTube", max_length=300, blank=True)
    tiktok_url = models.URLField("TikTok", max_length=300, blank=True)

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

    @property
    def phone_display(self) -> str:
        return display_phone(self.contact_phone) if self.contact_phone else ""

    @property
    def service_hours_label(self) -> str:
        """What the profile says, else the hours the automatic out-of-hours answer uses."""
        if self.service_hours:
            return self.service_hours
        return _("Senin–Jumat %(start)s–%(end)s %(zone)s") % {
            "start": self.office_hours_start.strftime("%H.%M"), "end": self.office_hours_end.strftime("%H.%M"),
            "zone": self.zone_label}

    @property
    def social_links(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, field)) for field, label in SOCIAL_FIELDS if getattr(self, field)]

    @property
    def has_contact_profile(self) -> bool:
        return bool(self.contact_address or self.contact_phone or self.contact_email or self.map_url
                    or self.social_links)

    def ancestors(self) -> list["Office"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain
