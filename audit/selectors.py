from django.db.models import QuerySet

from audit.models import AuditEntry
from offices.selectors import office_and_descendants


def audit_entries_for(office, *, action: str = "", actor: str = "") -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(office__in=office_and_descendants(office)).select_related("office")
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    return entries
