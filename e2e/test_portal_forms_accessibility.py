"""Accessibility of the citizen-facing forms and the Kontak page: axe-core (WCAG 2.x A/AA and best practice) in
Chromium at desktop and phone sizes, on each form as first shown and as sent back with errors; on the phone every
input is at least 16 px (no zoom on focus in iOS Safari) and as wide as the form, and nothing scrolls sideways."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from bakohumas import spamguard
from e2e.conftest import TIMEOUT_MS
from e2e.test_portal_accessibility import PHONE, audit, blocking, describe
from offices.services import update_profile

pytestmark = pytest.mark.e2e

PROFILE = {
    "contact_address": "Jl. Pahlawan No. 37\nKota Madiun 63122", "contact_phone": "(0351) 462300",
    "contact_email": "humas@kpu-madiunkota.go.id", "service_hours": "Senin–Jumat 08.00–16.00 WIB",
    "map_url": "https://www.openstreetmap.org/?mlat=-7.63&mlon=111.52", "instagram_url": "https://instagram.com/kpu",
    "facebook_url": "", "x_url": "https://x.com/kpu", "youtube_url": "", "tiktok_url": "",
}


@pytest.fixture
def phone(browser: Browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport=PHONE, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def send_contact_empty(page: Page):
    page.click("main form button[type=submit]")


def send_report_bad_contact(page: Page):
    page.fill("#id_contact", "0812")
    page.check("#id_consent")
    page.click("main form button[type=submit]")


def assert_fits_the_phone(page: Page, path: str):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    sizes = page.evaluate("""() => [...document.querySelectorAll('main input:not([type=hidden]):not([type=checkbox])'
        + ':not(.hp), main textarea, main select')].map(e => [e.id, parseFloat(getComputedStyle(e).fontSize),
        e.getBoundingClientRect().width, e.closest('form').getBoundingClientRect().width])""")
    assert sizes, path
    for name, font, width, form_width in sizes:
        assert font >= 16, (path, name, font)
        assert width >= form_width - 40, (path, name, width, form_width)   # full width (less a field's error bar)


@pytest.mark.django_db(transaction=True)
def test_public_forms_have_no_serious_axe_violations(page: Page, phone: Page, madiun, monkeypatch):
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)
    update_profile(actor=None, office=madiun, data=PROFILE)
    register = f"/daftar/{madiun.registration_token}/"
    pages = [
        ("/kota-madiun/kontak/", None, "(0351) 462300"),
        ("/kota-madiun/kirim-pesan/", None, "Ke mana kami menjawab"),
        ("/kota-madiun/kirim-pesan/", send_contact_empty, "Periksa kembali isian berikut"),
        ("/kota-madiun/lacak/?nomor=BKH-0000-0000", None, "tidak ditemukan"),
        ("/kota-madiun/lapor-hoaks/", send_report_bad_contact, "bukan nomor Indonesia"),
        ("/kota-madiun/lapor-hoaks/lacak/?nomor=CEK-0000-0000", None, "tidak ditemukan"),
        (register, None, "Pemberitahuan pelindungan data pribadi"),
        (register, send_contact_empty, "Pilih setidaknya satu tujuan"),
    ]
    found = {}
    for size, browser_page in (("desktop", page), ("phone", phone)):
        for path, action, text in pages:
            key = f"{path}{' (dikirim)' if action else ''} {size}"
            if action:
                browser_page.goto(path)
                action(browser_page)
                expect(browser_page.locator(".errorbox")).to_be_focused()
            found[key] = audit(browser_page, path) if not action else _audit_current(browser_page)
            expect(browser_page.locator("main")).to_contain_text(text)
            expect(browser_page.locator("footer.site")).to_contain_text("humas@kpu-madiunkota.go.id")
            if size == "phone" and "kontak" not in path:
                assert_fits_the_phone(browser_page, key)
    # The file picker names the chosen file.
    page.goto("/kota-madiun/lapor-hoaks/")
    page.set_input_files("#id_media", files=[{"name": "tangkapan.png", "mimeType": "image/png", "buffer": b"x" * 10}])
    expect(page.locator(".file-chosen")).to_contain_text("tangkapan.png")

    serious = {key: blocking(violations) for key, violations in found.items() if blocking(violations)}
    assert not serious, "axe found serious or critical problems:\n" + "\n".join(
        f"{key}:\n{describe(violations)}" for key, violations in serious.items())


def _audit_current(page: Page) -> list[dict]:
    """axe on the page as it is now (a form sent back with errors), without loading it again."""
    violations = Axe().run(page).response["violations"]
    if violations:
        print(f"\naxe on {page.url} ({page.viewport_size['width']}px):\n{describe(violations)}")
    return violations
