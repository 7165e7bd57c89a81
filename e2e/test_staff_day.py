"""A humas officer's day in Chromium, through the "Perlu tindakan" home: an editor finds a publication waiting for
review and publishes it, then finds a broadcast waiting for approval and approves it with its cost shown; the
operator finds an unassigned conversation and answers it in the conversation view. Each handled item leaves the
home page."""

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import Role
from broadcasts import services as broadcast_services
from broadcasts.models import Broadcast
from channels import services as channel_services
from channels.models import InboundMessage
from content import services as content_services
from content.models import Publication
from e2e.conftest import TIMEOUT_MS
from e2e.test_import_flow import log_in
from inbox import services as inbox_services
from members import services as member_services
from members.models import Purpose

pytestmark = pytest.mark.e2e


@pytest.fixture
def the_day(madiun, make_staff):
    madiun.quiet_hours_start = madiun.quiet_hours_end = None   # the test may run at night
    madiun.save()
    author, editor = make_staff(madiun, Role.EDITOR), make_staff(madiun, Role.EDITOR)
    operator, admin = make_staff(madiun, Role.OPERATOR), make_staff(madiun, Role.ADMIN)
    channel = channel_services.create_channel(actor=admin, office=madiun, kind="outbox", name="Kotak keluar uji",
                                              rate_per_second=20)
    consent = member_services.ConsentInput([Purpose.DISSEMINATION], evidence="formulir rapat")
    for i in range(3):
        member_services.create_member(actor=None, office=madiun, full_name=f"Anggota Forum {i}", consent=consent,
                                      addresses=[member_services.AddressInput("whatsapp", f"0812300{i:05d}")])
    publication = content_services.create_publication(actor=author, office=madiun, kind=Publication.Kind.NEWS,
                                                       title="Rapat pleno rekapitulasi kecamatan", body="Isi.")
    content_services.submit_for_review(actor=author, publication=publication)
    broadcast = broadcast_services.create_broadcast(actor=operator, office=madiun, title="Ajakan datang ke TPS",
                                                    text="Datang ke TPS pukul 07.00.", audience_all=True)
    broadcast_services.submit_broadcast(actor=operator, broadcast=broadcast)
    message = InboundMessage.objects.create(channel=channel, provider_message_id="e2e-day-1", kind="text",
                                            sender="whatsapp:+6281230000099", sender_name="Ibu Warsini",
                                            text="Di mana lokasi TPS saya?", sent_at=timezone.now())
    inbox_services.route_inbound(channel=channel, inbound=message)
    return {"editor": editor, "operator": operator, "publication": publication, "broadcast": broadcast}


def test_the_day_runs_from_the_home_page(browser: Browser, live_server, the_day):
    def person():
        context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        return context, context.new_page()

    context, page = person()
    try:
        log_in(page, the_day["editor"].username)
        home = page.locator("main")
        home.get_by_role("link", name="Rapat pleno rekapitulasi kecamatan").click()
        page.get_by_role("button", name="Setujui dan terbitkan sekarang").click()
        expect(page.locator(".messages")).to_be_visible()
        page.get_by_role("link", name="Perlu tindakan").first.click()
        expect(home.get_by_role("link", name="Rapat pleno rekapitulasi kecamatan")).to_have_count(0)
        home.get_by_role("link", name="Ajakan datang ke TPS").click()
        expect(page.get_by_role("heading", name="Biaya dan kategori")).to_be_visible()
        expect(page.get_by_text("Perkiraan biaya")).to_be_visible()
        page.get_by_role("button", name="Setujui dan kirim").click()
        expect(page.locator(".messages")).to_be_visible()
        page.get_by_role("link", name="Perlu tindakan").first.click()
        expect(home.get_by_role("link", name="Ajakan datang ke TPS")).to_have_count(0)
    finally:
        context.close()
    assert Publication.objects.get(pk=the_day["publication"].pk).status == Publication.Status.PUBLISHED
    assert Broadcast.objects.get(pk=the_day["broadcast"].pk).status != Broadcast.Status.PENDING

    context, page = person()
    try:
        log_in(page, the_day["operator"].username)
        page.locator("main").get_by_role("link", name="Ibu Warsini").click()
        expect(page.locator("#thread")).to_contain_text("Di mana lokasi TPS saya?")
        page.locator("#composer textarea").fill("Lokasi TPS Ibu ada di undangan memilih (formulir C6).")
        page.get_by_role("button", name="Kirim balasan").click()
        expect(page.locator("#thread .msg-out").last).to_contain_text("Lokasi TPS Ibu ada di undangan memilih")
    finally:
        context.close()
