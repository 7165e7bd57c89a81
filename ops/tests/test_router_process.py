"""The worker runs the inbound router in a process of its own (a CPU-bound task in the worker must not hold SQLite's
write lock through a GIL-starved router thread): it is started with the worker, started again if it stops, and
gone when the worker is, even after a kill -9."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from channels.models import InboundMessage
from channels.services import create_channel
from members.tests.test_worker import worker_env

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]


def _children(pid: int) -> list[int]:
    """Linux lists children per thread that started them (the worker starts its router from a thread)."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:   # the thread ended
            pass
    return children


def _wait_for(check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError("timed out")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.fixture
def worker(tmp_path):
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen([sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay"],
                               cwd=settings.BASE_DIR, env=worker_env(), stdout=log, stderr=subprocess.STDOUT)
    yield process
    for pid in [process.pid, *_children(process.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()
    log.close()


def test_the_router_process_files_messages_and_is_restarted_when_it_stops(worker, madiun):
    router = _wait_for(lambda: _children(worker.pid))[0]
    channel = create_channel(actor=None, office=madiun, kind="whatsapp", name="WhatsApp Humas",
                             config={"phone_number_id": "106540352242922"},
                             secrets={"access_token": "EAAJB-token-uji", "app_secret": "rahasia-uji"})
    message = InboundMessage.objects.create(channel=channel, provider_message_id="m-1", kind="text",
                                            sender="whatsapp:+6281234567890", text="Selamat pagi",
                                            sent_at=timezone.now())
    _wait_for(lambda: InboundMessage.objects.filter(pk=message.pk).exclude(routed_at=None).exists())

    os.kill(router, signal.SIGKILL)
    restarted = _wait_for(lambda: [pid for pid in _children(worker.pid) if pid != router])[0]
    assert _alive(restarted)
    second = InboundMessage.objects.create(channel=channel, provider_message_id="m-2", kind="text",
                                           sender="whatsapp:+6281234567890", text="Masih ada?",
                                           sent_at=timezone.now())
    _wait_for(lambda: InboundMessage.objects.filter(pk=second.pk).exclude(routed_at=None).exists())


def test_the_router_stops_when_its_worker_is_killed(worker):
    router = _wait_for(lambda: _children(worker.pid))[0]
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    _wait_for(lambda: not _alive(router), timeout=10)


def test_a_stopped_worker_stops_its_router(worker):
    router = _wait_for(lambda: _children(worker.pid))[0]
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    _wait_for(lambda: not _alive(router), timeout=10)


def test_a_worker_started_with_no_router_starts_none(tmp_path):
    """`make run`'s second worker: one router per database (on SQLite two would only compete for the writer)."""
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay",
                                    "--no-router"], cwd=settings.BASE_DIR, env=worker_env(), stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            _wait_for(lambda: "runs without a router" in log_path.read_text())
            assert _children(process.pid) == []
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
