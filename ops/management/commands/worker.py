"""The background worker: django-tasks-db's db_worker, a heartbeat that /healthz reads (and that marks failed the
tasks of workers whose heartbeat stopped), a scheduler tick and the inbound router."""

import logging
import os
import socket
import sys
import threading
import time

from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from ops.models import WorkerHeartbeat
from ops.services import fail_orphaned_tasks

HEARTBEAT_SECONDS = 15
TICK_SECONDS = 5
GIL_SWITCH_SECONDS = 0.0005
ROUTER_IDLE_SECONDS = 0.2
TASK_POLL_SECONDS = 0.2
ROUTER_BATCH = 50
# SQLite has one writer at a time, and a webhook waiting for it is a provider waiting for its 200 (one that times
# out sends again, adding load). So the router leaves the database free in proportion to how fast webhooks arrive:
# each needs about WEBHOOK_WRITE_SECONDS of it, counted twice for safety. At 5/s the router keeps 99% of its speed,
# at 70/s 86%, from 450/s only a tenth; when arrivals stop it catches up at full speed. PostgreSQL writes in
# parallel and needs none of this.
WEBHOOK_WRITE_SECONDS = 0.001
ROUTER_MIN_DUTY = 0.1
RATE_WINDOW_SECONDS = 1.0
logger = logging.getLogger(__name__)


class Command(DbWorkerCommand):
    help = "Menjalankan pekerja latar (antrean tugas basis data) dengan detak jantung untuk /healthz."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # db_worker looks for tasks every second by default; a person waiting for an answer (a fact-check notice, a
        # reply) should not wait a second per hop. An idle look is one indexed query.
        # Every queue unless told otherwise; `--queue-name sending` makes a worker that only sends (broadcast
        # pumps), which a long import on another worker never holds up.
        parser.set_defaults(interval=TASK_POLL_SECONDS, queue_name="*")

    def handle(self, *args, **options):
        # The router thread holds SQLite's write lock while it files a message; beside a CPU-bound task (an
        # import's preview) it would wait for the GIL in 5 ms slices with the lock held, and webhooks would queue
        # behind it. Shorter slices let it finish and let go sooner.
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        options["worker_id"] = options.get("worker_id") or f"{socket.gethostname()}-{os.getpid()}-" + \
            get_random_string(6)
        stop = threading.Event()
        thread = threading.Thread(target=self._beat, args=(options["worker_id"], stop), daemon=True)
        self._beat_once(options["worker_id"], started=True)
        self._clean_up_orphans()
        thread.start()
        self._tick_once()
        if options.get("batch"):
            self._route_all()
        else:
            threading.Thread(target=self._tick, args=(stop,), daemon=True).start()
            threading.Thread(target=self._route, args=(stop,), daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            WorkerHeartbeat.objects.filter(worker_id=options["worker_id"]).delete()

    def _beat_once(self, worker_id: str, started: bool = False) -> None:
        now = timezone.now()
        defaults = {"hostname": socket.gethostname(), "pid": os.getpid(), "last_seen": now}
        if started:
            defaults["started_at"] = now
        WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults=defaults,
                                                 create_defaults={**defaults, "started_at": now})

    def _tick(self, stop: threading.Event) -> None:
        """Scheduled broadcasts start and pumps stopped by a crash restart, even if no task asks for it."""
        while not stop.wait(TICK_SECONDS):
            self._tick_once()

    def _route(self, stop: threading.Event) -> None:
        """Inbound messages into the inbox, on a thread of its own so that a long broadcast pump on the task
        queue never delays them; idle, it looks five times a second."""
        from django.db import connection
        from django.db.models import Max

        from channels.models import InboundMessage
        from inbox.services import route_pending

        yield_ratio, rate, newest, looked = 0.0, 0.0, None, time.monotonic()
        while not stop.is_set():
            try:
                routed = route_pending(limit=ROUTER_BATCH, yield_ratio=yield_ratio)
                arrived, now = InboundMessage.objects.aggregate(m=Max("pk"))["m"] or 0, time.monotonic()
                if connection.vendor == "sqlite" and newest is not None:
                    # The arrival rate averaged over about a second: a few messages landing during a 5 ms batch
                    # are not a burst.
                    elapsed = max(now - looked, 0.001)
                    weight = min(1.0, elapsed / RATE_WINDOW_SECONDS)
                    rate += weight * ((arrived - newest) / elapsed - rate)
                    duty = min(1.0, max(ROUTER_MIN_DUTY, 1 - 2 * rate * WEBHOOK_WRITE_SECONDS))
                    yield_ratio = (1 - duty) / duty
                newest, looked = arrived, now
            except Exception:  # the database went away: look again shortly
                logger.warning("inbound router failed", exc_info=True)
                routed = 0
            finally:
                close_old_connections()
            if not routed:
                stop.wait(ROUTER_IDLE_SECONDS)

    def _route_all(self) -> None:
        from inbox.services import route_pending

        while route_pending():
            pass

    def _tick_once(self) -> None:
        from broadcasts.engine import tick as broadcasts_tick
        from inbox.services import tick as inbox_tick

        for tick in (broadcasts_tick, inbox_tick):
            try:
                tick()
            except Exception:  # the next tick tries again
                logger.warning("scheduler tick %s failed", tick.__module__, exc_info=True)
            finally:
                close_old_connections()

    def _beat(self, worker_id: str, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                self._beat_once(worker_id)
            except Exception:  # a missed beat must never kill the worker
                logger.warning("worker heartbeat failed", exc_info=True)
            finally:
                close_old_connections()
            self._clean_up_orphans()

    def _clean_up_orphans(self) -> None:
        """Tasks a dead worker left RUNNING are marked failed (ops.services.fail_orphaned_tasks)."""
        try:
            failed = fail_orphaned_tasks()
            if failed:
                logger.warning("%s tasks of stopped workers marked failed", failed)
        except Exception:  # the next beat tries again
            logger.warning("cleaning up tasks of stopped workers failed", exc_info=True)
        finally:
            close_old_connections()
