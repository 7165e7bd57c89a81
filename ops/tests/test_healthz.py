"""/healthz: database reachable, and whether a background worker is alive."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from ops.models import WorkerHeartbeat


def _heartbeat(last_seen, worker_id="w1"):
    return WorkerHeartbeat.objects.create(worker_id=worker_id, hostname="kpu-madiun", pid=4242,
                                          started_at=last_seen - timedelta(hours=1), last_seen=last_seen)


def test_it_reports_the_database_and_no_worker(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"vendor": connection.vendor, "ok": True}
    assert body["worker"]["state"] == "down"
    assert body["worker"]["workers"] == 0


def test_it_reports_a_running_worker(db, client):
    _heartbeat(timezone.now())
    worker = client.get("/healthz").json()["worker"]
    assert worker["state"] == "running"
    assert worker["workers"] == 1


def test_it_counts_a_silent_worker_as_down(db, client):
    _heartbeat(timezone.now() - timedelta(minutes=5))
    assert client.get("/healthz").json()["worker"]["state"] == "down"

