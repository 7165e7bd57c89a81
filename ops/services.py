import hashlib
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from lib.http import network_of
from ops.models import ThrottleHit


def throttle_exceeded(*, scope: str, key: str, limit: int, window: timedelta) -> bool:
    """Count one event for (scope, key) and say whether more than `limit` happened within `window`.

    Keys (such as IP addresses) are stored only as a keyed hash, and hits older than the window are removed.
    An IPv6 address counts for its whole /64 network.
    """
    key = network_of(key) or key
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{key}".encode()).hexdigest()
    now = timezone.now()
    hits = ThrottleHit.objects.filter(scope=scope, key=digest)
    hits.filter(at__lt=now - window).delete()
    ThrottleHit.objects.create(scope=scope, key=digest, at=now)
    return hits.count() > limit


class WorkerLost(Exception):
    """Recorded on a task whose worker stopped (killed, out of memory, host lost) while running it."""


# A live worker beats every 15 s; one silent this long is taken for dead. Generous, because on SQLite a beat can
# wait for the write lock while another process holds it.
ORPHANED_AFTER = timedelta(minutes=3)


def fail_orphaned_tasks(*, stale_after: timedelta = ORPHANED_AFTER) -> int:
    """Tasks left RUNNING by a worker whose heartbeat is older than `stale_after` (killed, out of memory, host
    lost) are marked failed, saying why, so the task table never shows them running forever. (A worker stopped by
    a signal in the middle of a task records the failure itself.) Nothing is re-queued here: a task that is safe to
    repeat is started again by its own safety net (the broadcast tick restarts pumps), and an import that killed
    its worker must not run again by itself."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from ops.models import WorkerHeartbeat

    now = timezone.now()
    stale = dict(WorkerHeartbeat.objects.filter(last_seen__lt=now - stale_after).values_list("worker_id", "last_seen"))
    if not stale:
        return 0
    failed = 0
    for task_id, worker_ids in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
            "pk", "worker_ids"):
        worker = worker_ids[-1] if worker_ids else ""
        if worker not in stale:
            continue
        why = f"worker {worker} stopped sending heartbeats (last at {stale[worker]:%Y-%m-%d %H:%M:%S} UTC) while " \
              "running this task"
        failed += DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=now, return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{WorkerLost.__qualname__}: {why}\n")
    WorkerHeartbeat.objects.filter(worker_id__in=list(stale)).delete()
    return failed
