from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from notifications import services
from notifications.models import Notification

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    pk: int
    text: str
    kind: str
    url: str
    created_at: datetime
    unread: bool
    urgent: bool


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def rows(notifications) -> list[Row]:
    return [Row(n.pk, services.text(n), n.kind, n.url, n.created_at, n.read_at is None, n.urgent)
            for n in notifications]
