"""The staff home in Chromium: the work queue, the navigation's counts and the bell arriving by themselves (htmx),
the phone menu, and axe-core on the work queue and the notification pages at desktop and phone sizes."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import Role
from conftest import PASSWORD
from content import services as content_services
from content.models import Publication
from e2e.conftest import TIMEOUT_MS
from e2e.test_portal_accessibility import PHONE, blocking, describe
from e2e.test_publishing_flow import log_in
from members.models import Member
from notifications.models import Kind, Notification

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def waiting_work(madiun, make_staff):
    author = make_staff(madiun, Role.EDITOR)
    editor = make_staff(madiun, Role.EDITOR)
    publication = content_services.create_publication(actor=author, office=madiun, kind=Publication.Kind.NEWS,
                                                       title="Jadwal rapat pleno terbuka", body="Isi berita.")
    content_services.submit_for_review(actor=author, publication=publication)
    Member.objects.create(office=madiun, full_name="Calon Anggota Forum", status=Member.Status.PENDING)
    Notification.objects.create(recipient=editor, kind=Kind.APPROVAL, key="e2e:1", subject=publication.title,
                                url=f"/staf/publikasi/{publication.pk}/", actor_label=str(author),
                                created_at=timezone.now())
    return editor


def _page(browser: Browser, live_server, viewport):
    context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def test_the_home_shows_the_work_and_the_counts_arrive_by_themselves(browser, live_server, waiting_work):
    context, page = _page(browser, live_server, DESKTOP)
    try:
        log_in(page, waiting_work.username)
        expect(page.get_by_role("heading", name="Perlu tindakan", level=1)).to_be_visible()
        page.get_by_role("link", name="Jadwal rapat pleno terbuka").click()
        expect(page).to_have_url(f"{live_server.url}/staf/publikasi/"
                                 f"{Publication.objects.get(title='Jadwal rapat pleno terbuka').pk}/")
        sidebar = page.locator("aside.sidebar")
        expect(sidebar.locator('[data-count="publications"]')).to_have_text("1 perlu tindakan")
        expect(page.locator("#bell-count")).to_have_text("1 belum dibaca")
        page.locator("a.bell").click()
        page.get_by_role("link", name="meminta persetujuan Anda").click()
        page.goto("/staf/notifikasi/")
        expect(page.locator("#bell-count")).to_be_hidden()
    finally:
        context.close()


def test_on_a_phone_the_menu_opens_from_a_button(browser, live_server, waiting_work):
    context, page = _page(browser, live_server, PHONE)
    try:
        log_in_phone(page, waiting_work.username)
        expect(page.locator("aside.sidebar")).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()
        expect(page.locator(".menu-toggle").get_by_role("link", name="Kotak masuk")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width} px)"
    finally:
        context.close()


def log_in_phone(page, username: str) -> None:
    page.goto("/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("heading", name="Perlu tindakan", level=1)).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_nothing_serious_on_the_new_staff_pages(browser, live_server, waiting_work, viewport):
    context, page = _page(browser, live_server, viewport)
    try:
        log_in_phone(page, waiting_work.username)
        for path in ("/staf/", "/staf/notifikasi/", "/staf/notifikasi/pengaturan/"):
            page.goto(path)
            found = blocking(Axe().run(page).response["violations"])
            assert not found, f"{path} at {viewport['width']} px:\n{describe(found)}"
    finally:
        context.close()


@pytest.fixture
def admin_pages(madiun, make_staff, waiting_work):
    """An office admin, and the other pages this issue added or rebuilt: a broadcast with its preview and cost,
    the rates and budget, the office profile, the audit log as sentences and the erasure page."""
    from broadcasts import services as broadcast_services
    from members import services as member_services

    admin = make_staff(madiun, Role.ADMIN)
    operator = make_staff(madiun, Role.OPERATOR)
    member = member_services.create_member(actor=admin, office=madiun, full_name="Anggota Untuk Dihapus", addresses=[
        member_services.AddressInput("whatsapp", "081234500001")])
    broadcast = broadcast_services.create_broadcast(actor=operator, office=madiun, title="Ajakan ke TPS",
                                                    text="*Datang* ke TPS pukul 07.00.", audience_all=True)
    broadcast_services.submit_broadcast(actor=operator, broadcast=broadcast)
    return admin, [f"/staf/siaran/{broadcast.pk}/", "/staf/siaran/tarif/", "/staf/profil-kantor/", "/staf/audit/",
                   f"/staf/anggota/{member.pk}/hapus/"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_nothing_serious_on_the_admin_pages(browser, live_server, admin_pages, viewport):
    admin, paths = admin_pages
    context, page = _page(browser, live_server, viewport)
    try:
        log_in_phone(page, admin.username)
        for path in paths:
            page.goto(path)
            found = blocking(Axe().run(page).response["violations"])
            assert not found, f"{path} at {viewport['width']} px:\n{describe(found)}"
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{path} scrolls sideways at {viewport['width']} px ({width} px)"
    finally:
        context.close()
