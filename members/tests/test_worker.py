"""The import runs in the real background worker process (`manage.py worker`), not inline."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from members import services
from members.models import ImportJob, Member
from ops.models import WorkerHeartbeat

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}}


def worker_env() -> dict:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bakohumas.settings",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT)}


def run_worker_batch():
    return subprocess.run([sys.executable, "manage.py", "worker", "--batch", "--queue-name", "*"],
                          cwd=settings.BASE_DIR, env=worker_env(), capture_output=True, text=True, timeout=120)


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_it_validates_and_imports_in_the_worker(madiun, operator, settings):
    settings.TASKS = DB_TASKS
    lines = "\n".join(f"Anggota {i},0812-30{i:02d}-{2000 + i}" for i in range(40))
    job = services.create_import_job(actor=operator, office=madiun, uploaded_file=SimpleUploadedFile(
        "a.csv", ("Nama,HP\n" + lines + "\nRusak,0812\n").encode()))
    services.configure_import_job(actor=operator, job=job, mapping=job.mapping, consent_purposes=[],
                                  consent_evidence="")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATING

    result = run_worker_batch()
    assert result.returncode == 0, result.stderr
    job.refresh_from_db()
    assert (job.status, job.valid_rows, job.error_rows) == (ImportJob.Status.VALIDATED, 40, 1)
    assert not Member.objects.exists()

    services.confirm_import_job(actor=operator, job=job)
    assert run_worker_batch().returncode == 0
    job.refresh_from_db()
    assert (job.status, job.created_members) == (ImportJob.Status.DONE, 40)
    assert Member.objects.filter(office=madiun).count() == 40
    # The worker removes its heartbeat when it stops.
    assert not WorkerHeartbeat.objects.exists()
