"""End-to-end in Chromium: a chain message is reported to KPU Kota Madiun's WhatsApp number ("CEK …", a signed
webhook as Meta sends it), matches no clarification, and waits in the verifiers' queue; a verifier takes the claim
and writes the clarification, an editor approves and publishes it, and the real worker sends the reporter the
answer through the loopback fake of the WhatsApp Cloud API."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import Role
from channels import http
from channels import services as channel_services
from channels.fakes import FakeWhatsApp
from e2e.conftest import eventually
from e2e.test_import_flow import log_in
from factcheck.models import Claim, Report
from inbox.tests.conftest import sign, whatsapp_body

pytestmark = pytest.mark.e2e
APP_SECRET = "uji-app-secret"
CHAIN = ("Info penting!! KPU akan mencoblos ulang semua surat suara pilpres di seluruh TPS karena banyak "
         "kecurangan. Sebarkan!!")


@pytest.mark.django_db(transaction=True)
def test_a_report_is_verified_approved_published_and_the_reporter_is_told(page: Page, madiun, make_staff, worker):
    madiun.out_of_hours_reply = False
    madiun.save()
    admin = make_staff(madiun, Role.ADMIN)
    verifier = make_staff(madiun, Role.VERIFIER)
    editor = make_staff(madiun, Role.EDITOR)
    with FakeWhatsApp() as fake, http.allowed_hosts([]):
        channel = channel_services.create_channel(
            actor=admin, office=madiun, kind="whatsapp", name="WhatsApp Humas",
            config={"phone_number_id": "106540352242922", "base_url": fake.url},
            secrets={"access_token": "EAAJB-uji", "app_secret": APP_SECRET}, rate_per_second=50)
        raw = whatsapp_body(text=f"CEK {CHAIN}", name="Pak Darto", sender="+6281230000077")
        response = Client().post(reverse("channel_webhook", args=[channel.uuid]), raw,
                                 content_type="application/json", headers={"X-Hub-Signature-256": sign(raw)})
        assert response.status_code == 200
        report = eventually(lambda: Report.objects.first())
        assert report.status == Report.Status.QUEUED and report.suggestions == []   # nothing published yet
        tracking = report.tracking_number
        eventually(lambda: [r for r in fake.requests if tracking in str(r.json)])   # "laporan Anda kami terima"

        log_in(page, verifier.username)
        page.get_by_role("link", name=re.compile(r"^Cek fakta")).first.click()   # the name may carry its count
        page.get_by_role("link", name=re.compile("mencoblos ulang")).click()
        expect(page.locator("#reports")).to_contain_text(tracking)
        page.get_by_role("button", name="Saya verifikasi").click()
        expect(page.locator("dl.facts")).to_contain_text(verifier.username)
        page.get_by_label("Klaim yang diperiksa").fill("KPU akan mencoblos ulang semua surat suara pilpres")
        page.get_by_label("Putusan").select_option(label="Hoaks/Salah")
        page.get_by_label("Penjelasan singkat").fill("Tidak ada pencoblosan ulang nasional; PSU hanya di TPS "
                                                     "tertentu atas rekomendasi Bawaslu.")
        page.get_by_role("button", name="Simpan draf klarifikasi").click()
        page.get_by_role("button", name="Ajukan untuk disetujui").click()
        expect(page.locator("#clarification-status")).to_have_text("Menunggu persetujuan")
        clarification_url = page.url
        page.get_by_role("button", name="Keluar").click()

        log_in(page, editor.username)
        page.goto(clarification_url)
        page.get_by_role("button", name="Setujui dan terbitkan").click()
        expect(page.locator("#clarification-status")).to_have_text("Terbit")

        answer = eventually(lambda: [r for r in fake.requests if r.answer == "ok" and
                                     "Hasil cek fakta" in str(r.json)], timeout=30)
        assert len(answer) == 1 and answer[0].json["to"] == "+6281230000077"
        body = answer[0].json["text"]["body"]
        assert "HOAKS/SALAH" in body and tracking in body and "/cek-fakta/" in body
        page.reload()
        expect(page.locator("#notices")).to_contain_text("1")
    assert Claim.objects.get().status == Claim.Status.DONE
    assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
