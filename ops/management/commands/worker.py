"""The background worker: django-tasks-db's db_worker, a heartbeat that /healthz reads (and that marks failed the
tasks of workers whose heartbeat stopped), and beside it the router process (the inbound router and the scheduler
tick, `manage.py router`)."""

import logging
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from ops.management.commands.router import route_all, tick_once
from ops.models import WorkerHeartbeat
from ops.services import fail_orphaned_tasks

HEARTBEAT_SECONDS = 15
TASK_POLL_SECONDS = 0.2
ROUTER_CHECK_SECONDS = 1
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
        # One router per database is enough (on SQLite a second one only competes for the writer): `make run`
        # starts its second worker with this.
        parser.add_argument("--no-router", action="store_true",
                            help="Tanpa proses penyalur pesan masuk dan penjadwal (sudah dijalankan pekerja lain).")

    def handle(self, *args, **options):
        options["worker_id"] = options.get("worker_id") or f"{socket.gethostname()}-{os.getpid()}-" + \
            get_random_string(6)
        stop = threading.Event()
        thread = threading.Thread(target=self._beat, args=(options["worker_id"], stop), daemon=True)
        self._beat_once(options["worker_id"], started=True)
        self._clean_up_orphans()
        thread.start()
        if options.get("no_router"):
            logger.info("worker %s runs without a router (--no-router)", options["worker_id"])
        elif options.get("batch"):
            tick_once()
            route_all()
        else:
            threading.Thread(target=self._supervise_router, args=(stop,), daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            self._stop_router()
            WorkerHeartbeat.objects.filter(worker_id=options["worker_id"]).delete()

    def _start_router(self) -> None:
        self.router = subprocess.Popen([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "router",
                                        "--parent-pid", str(os.getpid())])

    def _supervise_router(self, stop: threading.Event) -> None:
        """The router process (inbound messages, scheduler tick: ops/management/commands/router.py) runs as long as
        this worker does; one that stopped is started again."""
        self._start_router()
        while not stop.wait(ROUTER_CHECK_SECONDS):
            if self.router.poll() is not None:
                logger.warning("router process exited with %s; starting it again", self.router.returncode)
                self._start_router()

    def _stop_router(self) -> None:
        router = getattr(self, "router", None)
        if router is not None and router.poll() is None:
            router.terminate()
            try:
                router.wait(timeout=10)
            except subprocess.TimeoutExpired:
                router.kill()

    def _beat_once(self, worker_id: str, started: bool = False) -> None:
        now = timezone.now()
        defaults = {"hostname": socket.gethostname(), "pid": os.getpid(), "last_seen": now}
        if started:
            defaults["started_at"] = now
        WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults=defaults,
                                                 create_defaults={**defaults, "started_at": now})

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
