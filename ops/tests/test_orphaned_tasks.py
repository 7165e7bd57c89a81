"""A worker killed in the middle of a task must not leave it RUNNING forever in the task table."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from broadcasts.tasks import pump_channel
from members.tests.test_worker import DB_TASKS
from ops.models import WorkerHeartbeat
from ops.services import ORPHANED_AFTER, fail_orphaned_tasks


def _beat(worker_id: str, last_seen) -> None:
    WorkerHeartbeat.objects.create(worker_id=worker_id, hostname="kpu-madiun", pid=4242,
                                   started_at=last_seen - timedelta(hours=1), last_seen=last_seen)


def _running_on(worker_id: str) -> DBTaskResult:
    result = pump_channel.enqueue(0)
    DBTaskResult.objects.filter(pk=result.id).update(status=TaskResultStatus.RUNNING, worker_ids=[worker_id],
                                                     started_at=timezone.now() - timedelta(minutes=30))
    return DBTaskResult.objects.get(pk=result.id)


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_fails_the_tasks_of_a_worker_whose_heartbeat_stopped(settings):
    settings.TASKS = DB_TASKS
    _beat("mati-1", timezone.now() - ORPHANED_AFTER - timedelta(minutes=1))
    _beat("hidup-1", timezone.now())
    dead = _running_on("mati-1")
    alive = _running_on("hidup-1")
    call_command("worker", "--batch", "--no-startup-delay")
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED and dead.finished_at is not None
    assert dead.exception_class_path == "ops.services.WorkerLost"
    assert "mati-1 stopped sending heartbeats" in dead.traceback
    assert alive.status == TaskResultStatus.RUNNING
    assert not WorkerHeartbeat.objects.filter(worker_id="mati-1").exists()


def test_a_heartbeat_late_but_not_stale_keeps_its_task(db, settings):
    settings.TASKS = DB_TASKS
    _beat("lambat-1", timezone.now() - ORPHANED_AFTER + timedelta(seconds=30))
    task = _running_on("lambat-1")
    assert fail_orphaned_tasks() == 0
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_pumps_go_to_the_sending_queue_that_a_dedicated_worker_serves(db, settings):
    settings.TASKS = DB_TASKS
    result = pump_channel.enqueue(0)
    assert DBTaskResult.objects.get(pk=result.id).queue_name == "sending"
