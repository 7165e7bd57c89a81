"""The one place audit rows are written. Every service that changes state calls record()."""

from django.db import models

from audit.models import AuditEntry

REDACTED = "[dihapus atas permintaan subjek data]"


def record(*, actor, office, action: str, target: models.Model | None = None, before=None, after=None,
           target_label: str | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.get_username() if actor is not None and actor.pk else "sistem"),
        office=office,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label if target_label is not None else str(target) if target is not None else "")[:200],
        before=before,
        after=after,
    )


def redact_target_history(*, target_type: str, target_ids: list[str], actions: list[str] | None = None) -> int:
    """Erasure (UU 27/2022): remove personal values from earlier audit rows (only those `actions`, if given),
    keeping that they happened."""
    rows = AuditEntry.objects.filter(target_type=target_type, target_id__in=target_ids)
    if actions is not None:
        rows = rows.filter(action__in=actions)
    return rows.update(before=None, after=None, target_label=REDACTED)
