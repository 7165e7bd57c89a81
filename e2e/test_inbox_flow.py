"""End-to-end in Chromium: a WhatsApp message arrives (a signed webhook, as Meta sends it; the real worker's router
files it into the inbox), the KPU Kota Madiun operator takes it and escalates it, KPU Provinsi Jawa Timur answers
inside the same conversation (the worker sends the answer through Kota Madiun's WhatsApp number to the loopback
fake), and Kota Madiun sees the answer and closes it."""

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
from inbox.models import Conversation
from inbox.tests.conftest import sign, whatsapp_body

pytestmark = pytest.mark.e2e
APP_SECRET = "uji-app-secret"


@pytest.mark.django_db(transaction=True)
def test_a_message_is_assigned_escalated_answered_by_the_province_and_closed(page: Page, madiun, jatim,
                                                                            make_staff, worker):
    madiun.out_of_hours_reply = False   # the test may run on a Sunday night
    madiun.save()
    operator = make_staff(madiun, Role.OPERATOR)
    province = make_staff(jatim, Role.OPERATOR)
    admin = make_staff(madiun, Role.ADMIN)
    with FakeWhatsApp() as fake, http.allowed_hosts([]):
        channel = channel_services.create_channel(
            actor=admin, office=madiun, kind="whatsapp", name="WhatsApp Humas",
            config={"phone_number_id": "106540352242922", "base_url": fake.url},
            secrets={"access_token": "EAAJB-uji", "app_secret": APP_SECRET})
        raw = whatsapp_body(text="Apakah pemilih pindahan bisa mencoblos di TPS mana saja?", name="Ibu Sri")
        response = Client().post(reverse("channel_webhook", args=[channel.uuid]), raw,
                                 content_type="application/json", headers={"X-Hub-Signature-256": sign(raw)})
        assert response.status_code == 200

        eventually(Conversation.objects.exists)
        log_in(page, operator.username)
        page.get_by_role("link", name="Kotak masuk").first.click()
        page.get_by_role("link", name="Ibu Sri").click()
        expect(page.locator("#thread")).to_contain_text("pemilih pindahan")
        expect(page.get_by_text("balasan teks bebas boleh dikirim")).to_be_visible()
        page.get_by_role("button", name="Saya tangani").click()
        expect(page.locator("#conv-head")).to_contain_text(operator.username)
        page.get_by_text("Teruskan ke tingkat atas").click()
        page.get_by_label("Apa yang perlu dijawab tingkat atas").fill("Aturan pindah memilih: mohon jawaban provinsi")
        page.get_by_role("button", name="Teruskan", exact=True).click()
        expect(page.locator("#panel")).to_contain_text("diteruskan ke KPU Provinsi Jawa Timur")
        conversation_url = page.url
        page.get_by_role("button", name="Keluar").click()

        log_in(page, province.username)
        page.goto("/staf/kotak-masuk/?folder=escalated")
        page.get_by_role("link", name="Ibu Sri").click()
        expect(page.get_by_role("heading", name="Diteruskan kepada satker Anda")).to_be_visible()
        answer = "Pemilih pindahan memilih di TPS sesuai formulir A-Pindah Memilih."
        page.get_by_label("Balasan", exact=True).fill(answer)
        page.get_by_role("button", name="Kirim balasan").click()
        expect(page.locator("#thread")).to_contain_text("formulir A-Pindah Memilih")
        page.get_by_role("button", name="Keluar").click()
        [sent] = eventually(lambda: [r for r in fake.requests if r.answer == "ok"])
        assert sent.json["to"] == "+6281230000001"
        assert "A-Pindah Memilih" in sent.json["text"]["body"]

        log_in(page, operator.username)
        page.goto(conversation_url)
        expect(page.locator("#thread")).to_contain_text("Dijawab oleh KPU Provinsi Jawa Timur")
        page.get_by_role("button", name="Tutup percakapan").click()
        expect(page.locator("span.badge.closed")).to_have_text("Selesai")
    conversation = Conversation.objects.get()
    assert conversation.status == "closed" and conversation.escalations.get().status == "answered"
    assert re.match(r"^BKH-[A-Z2-9]{4}-[A-Z2-9]{4}$", conversation.tracking_number)
