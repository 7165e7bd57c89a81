"""The inbound router and the scheduler tick, in a process of their own. `manage.py worker` starts one beside its
task loop and restarts it if it stops; it can also run alone (`manage.py router`) on a host of its own.

Why a process and not a thread of the worker: the router holds SQLite's write lock while it files a message. Beside
a CPU-bound task in the same process (an import's preview parsing half a million rows) a thread waits for the GIL
with the lock held, at every query, and webhooks queue behind it for the whole preview."""

import logging
import os
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.db.models import Max

logger = logging.getLogger(__name__)

TICK_SECONDS = 5
ROUTER_IDLE_SECONDS = 0.2
ROUTER_BATCH = 50
# SQLite has one writer at a time, and a webhook waiting for it is a provider waiting for its 200 (one that times
# out sends again, adding load). So the router leaves the database free in proportion to how fast webhooks arrive:
# each needs about WEBHOOK_WRITE_SECONDS of it, counted twice for safety. At 5/s the router keeps 99% of its speed,
# at 70/s 86%, from 450/s only a tenth; when arrivals stop it catches up at full speed. PostgreSQL writes in
# parallel and needs none of this.
WEBHOOK_WRITE_SECONDS = 0.001
ROUTER_MIN_DUTY = 0.1
RATE_WINDOW_SECONDS = 1.0


def tick_once() -> None:
    """Scheduled broadcasts start and pumps stopped by a crash restart, even if no task asks for it; inbox deadlines;
    notifications made from the audit log and sent."""
    from broadcasts.engine import tick as broadcasts_tick
    from inbox.services import tick as inbox_tick
    from notifications.services import tick as notifications_tick

    for tick in (broadcasts_tick, inbox_tick, notifications_tick):
        try:
            tick()
        except Exception:  # the next tick tries again
            logger.warning("scheduler tick %s failed", tick.__module__, exc_info=True)
        finally:
            close_old_connections()


def route_all() -> None:
    from inbox.services import route_pending

    while route_pending():
        pass


class Command(BaseCommand):
    help = "Menyalurkan pesan masuk ke kotak masuk dan menjalankan penjadwal (dijalankan oleh `worker`)."

    def add_arguments(self, parser):
        parser.add_argument("--parent-pid", type=int, default=None,
                            help="Berhenti bila proses ini (pekerja yang memulainya) berhenti.")

    def handle(self, *args, parent_pid: int | None = None, **options):
        stop = threading.Event()
        threading.Thread(target=self._tick, args=(stop,), daemon=True).start()
        try:
            self._route(stop, parent_pid)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()

    def _tick(self, stop: threading.Event) -> None:
        tick_once()
        while not stop.wait(TICK_SECONDS):
            tick_once()

    def _route(self, stop: threading.Event, parent_pid: int | None) -> None:
        """Inbound messages into the inbox; idle, it looks five times a second. It stops when the worker that
        started it is gone (even after a kill -9, which leaves this process to init)."""
        from channels.models import InboundMessage
        from inbox.services import route_pending

        yield_ratio, rate, newest, looked = 0.0, 0.0, None, time.monotonic()
        while parent_pid is None or os.getppid() == parent_pid:
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
