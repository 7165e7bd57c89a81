"""End-to-end in Chromium: the inbox as a conversation view. A person writes on WhatsApp (filed by the router as the
worker would); the KPU Kota Madiun operator opens the inbox, opens the unassigned conversation, reads the message,
takes it from the side panel, types "/" and picks a saved reply (shown expanded in the box, with the WhatsApp
formatting previewed), sends it and sees it in the thread. Then axe-core on the list and the conversation, on a
desktop and on a phone (where list and conversation are two screens)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role
from broadcasts.models import Delivery
from channels import services as channel_services
from channels.models import InboundMessage
from e2e.conftest import TIMEOUT_MS
from e2e.test_import_flow import log_in
from e2e.test_portal_accessibility import PHONE, blocking, describe
from inbox import services
from inbox.models import Conversation, SavedReply

pytestmark = pytest.mark.e2e

QUESTION = "Apakah saya masih bisa mencoblos di TPS dekat rumah baru?"
SAVED = "Pemilih pindahan mengurus formulir *A-Pindah Memilih* di PPS asal atau tujuan."


def inbound(channel, text: str, name: str) -> None:
    message = InboundMessage.objects.create(channel=channel, provider_message_id=f"e2e-{name}", kind="text",
                                            sender="whatsapp:+6281230000009", sender_name=name, text=text,
                                            sent_at=timezone.now())
    services.route_inbound(channel=channel, inbound=message)


def axe_serious(page: Page, label: str) -> dict:
    violations = Axe().run(page).response["violations"]
    if violations:
        print(f"\naxe on {label}:\n{describe(violations)}")
    return {label: blocking(violations)} if blocking(violations) else {}


@pytest.mark.django_db(transaction=True)
def test_the_operator_answers_with_a_saved_reply_in_the_conversation_view(page: Page, browser: Browser, live_server,
                                                                          madiun, make_staff):
    madiun.out_of_hours_reply = False
    madiun.save()
    operator = make_staff(madiun, Role.OPERATOR)
    admin = make_staff(madiun, Role.ADMIN)
    channel = channel_services.create_channel(actor=admin, office=madiun, kind="outbox", name="Uji")
    SavedReply.objects.create(office=madiun, shortcode="pindah", title="Pindah memilih", text=SAVED)
    inbound(channel, QUESTION, "Ibu Sri")

    log_in(page, operator.username)
    page.goto("/staf/kotak-masuk/")
    row = page.locator(".conv", has_text="Ibu Sri")
    expect(row).to_contain_text("belum dibaca")
    expect(row).to_contain_text("Apakah saya masih bisa mencoblos")
    row.get_by_role("link").click()
    expect(page.locator("#thread")).to_contain_text(QUESTION)
    expect(page.locator(".conv", has_text="Ibu Sri")).not_to_contain_text("belum dibaca")

    page.get_by_role("button", name="Saya tangani").click()
    expect(page.locator("#panel .notice")).to_have_text("Penanganan diperbarui.")
    expect(page.locator("#conv-head")).to_contain_text(f"ditangani {operator.username}")

    box = page.get_by_label("Balasan", exact=True)
    box.click()
    box.press_sequentially("Terima kasih. /pin")
    suggestions = page.get_by_role("listbox", name="Balasan tersimpan")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("option")).to_have_count(1)
    box.press("Enter")
    expect(box).to_have_value(f"Terima kasih. {SAVED}")
    expect(suggestions).to_be_hidden()
    expect(page.locator("#composer-preview b")).to_have_text("A-Pindah Memilih")
    page.get_by_role("button", name="Kirim balasan").click()
    expect(page.locator("#thread .msg-out").last).to_contain_text("Terima kasih. Pemilih pindahan mengurus")
    expect(page.locator("#thread .msg-out b").last).to_have_text("A-Pindah Memilih")
    assert Delivery.objects.get().text == f"Terima kasih. {SAVED}"

    # A new message appears by itself (the thread's poll), without reloading the page.
    inbound(channel, "Baik, terima kasih infonya.", "Ibu Sri 2")
    expect(page.locator("#thread")).to_contain_text("Baik, terima kasih infonya.", timeout=TIMEOUT_MS)

    found = axe_serious(page, "conversation (1280×900)")
    page.goto("/staf/kotak-masuk/")
    found |= axe_serious(page, "list (1280×900)")

    phone_context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport=PHONE, is_mobile=True,
                                        has_touch=True, storage_state=page.context.storage_state())
    phone_context.set_default_timeout(TIMEOUT_MS)
    phone = phone_context.new_page()
    phone.goto("/staf/kotak-masuk/?folder=mine")
    expect(phone.locator(".conv", has_text="Ibu Sri")).to_be_visible()
    found |= axe_serious(phone, "list (390×844)")
    phone.locator(".conv", has_text="Ibu Sri").get_by_role("link").click()
    expect(phone.locator("#thread")).to_contain_text(QUESTION)
    expect(phone.locator(".inbox-list")).to_be_hidden()                # the thread is a screen of its own
    found |= axe_serious(phone, "conversation (390×844)")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("link", name="Kembali ke kotak masuk").click()
    expect(phone.locator(".conv", has_text="Ibu Sri")).to_be_visible()
    phone_context.close()
    assert Conversation.objects.get().assigned_to == operator
    assert not found, "axe found serious or critical problems:\n" + "\n".join(
        f"{label}:\n{describe(violations)}" for label, violations in found.items())
