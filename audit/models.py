from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pelaku"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("pelaku"), max_length=150, blank=True)
    office = models.ForeignKey(
        "offices.Office", verbose_name=_("satker"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("tindakan"), max_length=60)
    target_type = models.CharField(_("jenis objek"), max_length=60, blank=True)
    target_id = models.CharField(_("ID objek"), max_length=40, blank=True)
    target_label = models.CharField(_("objek"), max_length=200, blank=True)
    before = models.JSONField(_("sebelum"), null=True, blank=True)
    after = models.JSONField(_("sesudah"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["office", "-at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]
        verbose_name = _("entri audit")
        verbose_name_plural = _("log audit")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def changes(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
