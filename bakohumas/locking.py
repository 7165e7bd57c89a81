"""Optimistic locking for records two staff may edit at once: the second save gets ConflictError (409 in the API)."""

from django.db.models import F
from django.utils.translation import gettext as _


class ConflictError(Exception):
    """Someone else saved the record after this editor opened it."""

    def __init__(self, current):
        self.current = current
        super().__init__(
            _("Data ini sudah diubah oleh pengguna lain sejak Anda membukanya. "
              "Perubahan Anda belum disimpan; muat ulang untuk melihat versi terbaru.")
        )


def bump_version(instance, expected_version: int | None) -> None:
    """The update only happens if nobody saved since `expected_version` was read (None: no check)."""
    model = type(instance)
    query = model.objects.filter(pk=instance.pk)
    if expected_version is not None:
        query = query.filter(version=expected_version)
    if query.update(version=F("version") + 1) == 0:
        raise ConflictError(model.objects.get(pk=instance.pk))
    if expected_version is not None:
        instance.version = expected_version + 1
    else:
        instance.version = model.objects.values_list("version", flat=True).get(pk=instance.pk)
