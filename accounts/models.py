import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin satker")
    EDITOR = "editor", _("Editor")
    VERIFIER = "verifier", _("Verifikator")
    OPERATOR = "operator", _("Operator")
    VIEWER = "viewer", _("Peninjau")


class User(AbstractUser):
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("satker"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="staff",
    )
    role = models.CharField(_("peran"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    # Inbox round robin: new conversations go to staff on duty, the one who least recently got one first.
    on_duty = models.BooleanField(_("bertugas di kotak masuk"), default=False)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("verifikasi dua langkah aktif"), default=False)
    totp_last_step = models.BigIntegerField(default=0)
    # Set when someone else chose the password (a new account, a reset): the owner must replace it first.
    must_change_password = models.BooleanField(_("wajib mengganti kata sandi"), default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staf")
        verbose_name_plural = _("staf")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class LoginAttempt(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip_address} {'ok' if self.succeeded else 'gagal'}"


class ApiToken(models.Model):
    """A bearer token for /api/v1/, granted by an office admin. Only a SHA-256 of the key is stored; the key is
    shown once. A token acts as its user, limited to its scope, until it expires or is revoked."""

    class Scope(models.TextChoices):
        READ = "read", _("Hanya membaca")
        WRITE = "write", _("Membaca dan menulis")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nama token"), max_length=80)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("cakupan"), max_length=5, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("berlaku sampai"))
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
