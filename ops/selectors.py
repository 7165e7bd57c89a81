from datetime import timedelta

from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ops.models import WorkerHeartbeat

HEARTBEAT_STALE_AFTER = timedelta(seconds=60)


def health() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    now = timezone.now()
    alive = WorkerHeartbeat.objects.filter(last_seen__gte=now - HEARTBEAT_STALE_AFTER)
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    workers = alive.count()
    return {
        "status": "ok",
        "database": {"vendor": connection.vendor, "ok": True},
        "worker": {
            "state": "running" if workers else "down",
            "workers": workers,
            "queued_tasks": ready.count(),
            "oldest_queued_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0,
        },
    }
