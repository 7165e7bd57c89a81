"""The background worker: django-tasks-db's db_worker, a heartbeat that /healthz reads, a scheduler tick and the
inbound router."""

import logging
import os
import socket
import threading
import time

from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from ops.models import WorkerHeartbeat

HEARTBEAT_SECONDS = 15
TICK_SECONDS = 5
ROUTER_IDLE_SECONDS = 0.2
TASK_POLL_SECONDS = 0.2
ROUTER_BATCH = 50
# SQLite has one writer at a time. While webhooks arrive faster than the router could file them (a burst), the
# router leaves the database to the web server nine tenths of the time: accepting cannot wait (a provider that
# times out sends again, adding load); filing catches up at full speed as soon as arrivals stop. PostgreSQL writes
# in parallel and needs no pause.
ROUTER_BURST_YIELD = 9.0
ROUTER_BURST_RATE = 300   # messages/s arriving: more than the router files at full speed (about 250/s)
logger = logging.getLogger(__name__)


class Command(DbWorkerCommand):
    help = "Menjalankan pekerja latar (antrean tugas basis data) dengan detak jantung untuk /healthz."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # db_worker looks for tasks every second by default; a person waiting for an answer (a fact-check notice, a
        # reply) should not wait a second per hop. An idle look is one indexed query.
        parser.set_defaults(interval=TASK_POLL_SECONDS)

    def handle(self, *args, **options):
        options["worker_id"] = options.get("worker_id") or f"{socket.gethostname()}-{os.getpid()}-" + \
            get_random_string(6)
        stop = threading.Event()
        thread = threading.Thread(target=self._beat, args=(options["worker_id"], stop), daemon=True)
        self._beat_once(options["worker_id"], started=True)
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

        burst, newest, looked = False, None, time.monotonic()
        while not stop.is_set():
            try:
                yield_ratio = ROUTER_BURST_YIELD if burst and connection.vendor == "sqlite" else 0.0
                routed = route_pending(limit=ROUTER_BATCH, yield_ratio=yield_ratio)
                arrived, now = InboundMessage.objects.aggregate(m=Max("pk"))["m"] or 0, time.monotonic()
                rate = (arrived - newest) / max(now - looked, 0.001) if newest is not None else 0.0
                burst = routed >= ROUTER_BATCH and rate > ROUTER_BURST_RATE
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
