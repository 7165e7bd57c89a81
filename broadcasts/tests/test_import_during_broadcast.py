"""A long member import and a broadcast at the same time, on two real workers as `make run` starts them (one on
every queue, one on the sending queue), with signed webhooks arriving all along: nothing is sent twice and no
webhook gets a 5xx."""

import json
import time
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from broadcasts.models import Broadcast, Delivery
from broadcasts.tests.test_reliability import (
    DB_TASKS,
    bulk_members,
    inbound_payload,
    make_wa_channel,
    ok_counts,
    sign,
    wait_for,
    webhook_url,
    workers,  # noqa: F401 (fixture)
)
from channels.fakes import FakeWhatsApp
from members import services as member_services
from members.models import ImportJob

RECIPIENTS = 2_000
IMPORT_ROWS = 40_000


def _member_file() -> SimpleUploadedFile:
    rows = [f"Peserta Impor {i},0857{i:08d}" if i % 10 else f"Rusak {i},0857" for i in range(IMPORT_ROWS)]
    return SimpleUploadedFile("anggota-besar.csv", ("Nama,HP\n" + "\n".join(rows) + "\n").encode())


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_an_import_during_a_broadcast_sends_nothing_twice_and_webhooks_never_fail(
        madiun, admin, operator, send_broadcast, workers, settings):  # noqa: F811
    settings.TASKS = DB_TASKS
    env = {"DELIVERY_CONCURRENCY": "50", "DELIVERY_CLAIM_LEASE_SECONDS": "5"}
    workers.start("worker-semua", **env)
    workers.start("worker-kirim", queue="sending", **env)
    with FakeWhatsApp() as fake:
        channel = make_wa_channel(madiun, admin, fake.url, rate=400)
        numbers = bulk_members(madiun, RECIPIENTS)
        job = member_services.create_import_job(actor=operator, office=madiun, uploaded_file=_member_file())
        member_services.configure_import_job(actor=operator, job=job, mapping=job.mapping, consent_purposes=[],
                                             consent_evidence="")
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.VALIDATED, timeout=120,
                 what="the preview of the import", on_timeout=workers.logs)
        member_services.confirm_import_job(actor=operator, job=ImportJob.objects.get(pk=job.pk))
        broadcast = send_broadcast(madiun)
        assert broadcast.total_recipients == RECIPIENTS

        client, statuses, overlapped, n = Client(raise_request_exception=False), Counter(), False, 0
        deadline = time.monotonic() + 240
        while Delivery.objects.filter(broadcast=broadcast, status__in=["queued", "sending"]).exists() or \
                ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.IMPORTING:
            assert time.monotonic() < deadline, workers.logs()
            overlapped = overlapped or (ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.IMPORTING
                                        and fake.requests)
            n += 1
            body = json.dumps(inbound_payload(f"wamid.SELAMA{n}", f"Pertanyaan ke-{n}")).encode()
            response = client.post(webhook_url(channel), data=body, content_type="application/json",
                                   headers={"X-Hub-Signature-256": sign(body, channel.secrets["app_secret"])})
            statuses[response.status_code] += 1
            time.sleep(0.05)
        wait_for(lambda: Broadcast.objects.get(pk=broadcast.pk).status == Broadcast.Status.DONE, timeout=30,
                 what="the broadcast to be done", on_timeout=workers.logs)
        workers.assert_alive()
        workers.stop_all()
        counts = ok_counts(fake)

    job.refresh_from_db()
    assert overlapped, "the import finished before the broadcast started sending: nothing was tested"
    assert job.status == ImportJob.Status.DONE and job.created_members == IMPORT_ROWS * 9 // 10
    assert set(counts) == set(numbers) and max(counts.values()) == 1, counts.most_common(3)
    assert not Delivery.objects.filter(broadcast=broadcast, possible_duplicate=True).exists()
    assert set(statuses) == {200}, statuses
