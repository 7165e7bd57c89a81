"""End-to-end in Chromium: an operator composes a broadcast, a colleague approves it, the real background worker
sends it to the dev outbox and the progress bar on the page (htmx polling) climbs to 100%."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from channels import services as channel_services
from channels.models import Channel, OutboxMessage
from e2e.test_import_flow import log_in
from members import services as member_services
from members.models import Purpose

pytestmark = pytest.mark.e2e
RECIPIENTS = 60


@pytest.mark.django_db(transaction=True)
def test_it_composes_approves_and_watches_the_broadcast_reach_everyone(page: Page, madiun, make_staff, worker):
    madiun.quiet_hours_start = madiun.quiet_hours_end = None   # the test may run at night
    madiun.save()
    operator = make_staff(madiun, Role.OPERATOR)
    editor = make_staff(madiun, Role.EDITOR)
    admin = make_staff(madiun, Role.ADMIN)
    channel = channel_services.create_channel(actor=admin, office=madiun, kind="outbox", name="Kotak keluar uji",
                                              rate_per_second=20)   # about three seconds of visible progress
    consent = member_services.ConsentInput([Purpose.DISSEMINATION], evidence="formulir rapat")
    for i in range(RECIPIENTS):
        member_services.create_member(actor=None, office=madiun, full_name=f"Anggota Forum {i}", consent=consent,
                                      addresses=[member_services.AddressInput("whatsapp", f"0812300{i:05d}")])
    member_services.create_member(actor=None, office=madiun, full_name="Belum Setuju", addresses=[
        member_services.AddressInput("whatsapp", "081299999999")])

    log_in(page, operator.username)
    page.get_by_role("link", name="Siaran").first.click()
    page.get_by_role("link", name="+ Buat siaran").click()
    page.get_by_label("Judul siaran").fill("Jadwal rapat koordinasi")
    page.get_by_label("Isi pesan").fill("*Rapat koordinasi Bakohumas*\nKamis, 10.00 WIB di aula KPU Kota Madiun.")
    page.get_by_label("Semua anggota aktif").check()
    page.get_by_role("button", name="Simpan draf").click()
    expect(page).to_have_url(re.compile(r"/staf/siaran/\d+/$"))
    expect(page.get_by_text(f"{RECIPIENTS} anggota akan menerima siaran ini")).to_be_visible()
    expect(page.get_by_text("Belum ada persetujuan menerima informasi (UU PDP)")).to_be_visible()
    page.get_by_role("button", name="Ajukan untuk disetujui").click()
    expect(page.get_by_text("Menunggu persetujuan staf lain")).to_be_visible()
    broadcast_url = page.url
    page.get_by_role("button", name="Keluar").click()

    log_in(page, editor.username)
    page.goto(broadcast_url)
    page.get_by_role("button", name="Setujui dan kirim").click()
    progress = page.locator("#progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("data-percent", "100", timeout=60_000)
    expect(progress).to_contain_text(f"{RECIPIENTS} dari {RECIPIENTS} penerima diproses (100%)")
    expect(progress).to_contain_text("Selesai", timeout=15_000)   # and the bar stops polling
    expect(progress).not_to_have_attribute("hx-get", re.compile("."))
    assert OutboxMessage.objects.filter(channel=channel).count() == RECIPIENTS

    page.reload()
    expect(page.locator("span.badge.done")).to_have_text("Selesai")
    # The status chart is drawn in Indonesian too: its bars have a real width in the browser (a decimal comma in
    # an SVG coordinate would make Chromium drop the bar).
    widths = page.locator("svg.stacked rect").evaluate_all("rects => rects.map(r => r.getBBox().width)")
    assert widths and sum(widths) > 590, widths
    page.get_by_role("link", name="Lihat status setiap penerima").click()
    page.get_by_role("link", name="Anggota Forum 7", exact=True).click()
    expect(page.get_by_text("Pesan sampai di perangkat penerima.")).to_be_visible()
    page.goto(f"/staf/kanal/{Channel.objects.get().pk}/")
    expect(page.locator("#outbox")).to_contain_text("Rapat koordinasi Bakohumas")
    assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
