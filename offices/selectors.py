from django.db.models import Q, QuerySet

from offices.models import Office


def office_and_descendants(office: Office) -> QuerySet[Office]:
    """The office itself and every office below it (the tree is at most three levels deep)."""
    return Office.objects.filter(Q(pk=office.pk) | Q(parent=office) | Q(parent__parent=office))


def visible_office_ids(office: Office) -> list[int]:
    return list(office_and_descendants(office).values_list("pk", flat=True))


def is_within(office: Office, scope_root: Office) -> bool:
    return office.pk == scope_root.pk or any(a.pk == scope_root.pk for a in office.ancestors())


def office_by_code(code: str) -> Office | None:
    return Office.objects.filter(code=code.strip()).first()
