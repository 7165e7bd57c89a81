"""End-to-end in Chromium: an editor at KPU Kota Madiun writes a press release in Markdown (with a script and a
javascript: link slipped in), checks the preview and submits it; a second editor approves it with a schedule; the
public portal, the article page and the RSS feed show it once its time has come, and not before.

The live server shares the test's database and process (so its local-memory page cache too). Publishing bumps the
site generation after its transaction commits, which changes every page-cache key and ETag. The schedule lies a
minute or two ahead; instead of waiting, the test moves publish_at into the past in the database and bumps the
generation itself, which stands in for the minute turning over (the page-cache key carries the minute).
"""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role
from conftest import PASSWORD
from content.models import Publication
from e2e.conftest import TIMEOUT_MS
from lib.moments import format_moment
from portal.services import bump_generation

pytestmark = pytest.mark.e2e

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")  # Kota Madiun's zone
TITLE = "KPU Kota Madiun Buka Pendaftaran Pemantau Pemilu"
SUMMARY = "Lembaga pemantau dapat mendaftar sampai akhir bulan di kantor KPU Kota Madiun."
BODY = """Madiun — KPU Kota Madiun membuka pendaftaran **pemantau pemilu** bagi lembaga dalam negeri.

<script>document.title = "diretas"; alert("xss")</script>

## Persyaratan

- Berbadan hukum
- Bersifat independen

Formulir tersedia di [tautan](javascript:alert(1)) dan di [laman resmi](https://kpu.go.id)."""


@pytest.fixture
def new_page(browser: Browser, live_server):
    """Each call is another person: a browser context of their own (cookies, HTTP cache), closed at the end."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server.url, locale="id-ID",
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []  # any alert() that ran would land here
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page: Page, username: str) -> None:
    page.goto("/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()


def expect_neutralised(page: Page, body) -> None:
    """The script is gone with its content, the javascript: link lost its href, the https link kept its own."""
    expect(body).to_contain_text("pemantau pemilu")
    expect(body.get_by_role("heading", name="Persyaratan", level=2)).to_be_visible()
    expect(body.locator("script")).to_have_count(0)
    expect(body).not_to_contain_text("alert")
    expect(body).not_to_contain_text("diretas")
    html = body.inner_html()
    assert "javascript:" not in html.lower(), html
    assert "<script" not in html.lower(), html
    unsafe = body.locator("a", has_text="tautan")
    expect(unsafe).to_have_count(1)
    assert unsafe.get_attribute("href") is None, html
    safe = body.get_by_role("link", name="laman resmi")
    expect(safe).to_have_attribute("href", "https://kpu.go.id")
    expect(safe).to_have_attribute("rel", "noopener nofollow")
    assert page.title() != "diretas"
    assert page.dialogs == []


@pytest.mark.django_db(transaction=True)
def test_press_release_from_draft_to_portal(new_page, madiun, make_staff):
    writer, approver = make_staff(madiun, Role.EDITOR), make_staff(madiun, Role.EDITOR)
    schedule = (timezone.now().astimezone(WIB) + timedelta(minutes=2)).replace(second=0, microsecond=0)

    # 1. The first editor writes the press release and schedules it (wall-clock time in WIB).
    page = new_page()
    log_in(page, writer.username)
    page.goto("/staf/publikasi/")
    page.get_by_role("link", name="Tulis publikasi").click()
    expect(page).to_have_url(re.compile(r"/staf/publikasi/baru/$"))
    page.get_by_label("Jenis", exact=True).select_option(label="Siaran pers")
    page.get_by_label("Judul", exact=True).fill(TITLE)
    page.get_by_label("Ringkasan", exact=True).fill(SUMMARY)
    page.get_by_label("Isi", exact=True).fill(BODY)
    page.get_by_label("Label", exact=True).fill("Pemilu 2029, Pemantau")
    page.get_by_label("Terbit pada (WIB)").fill(schedule.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Simpan draf").click()
    expect(page).to_have_url(re.compile(r"/staf/publikasi/\d+/$"))
    expect(page.locator("ul.messages")).to_contain_text(f"Draf “{TITLE}” disimpan.")

    publication = Publication.objects.get(office=madiun, title=TITLE)
    assert publication.kind == Publication.Kind.PRESS_RELEASE
    assert publication.publish_at == schedule, "the form's time is WIB wall-clock time"
    slug = publication.slug
    assert slug == "kpu-kota-madiun-buka-pendaftaran-pemantau-pemilu"
    expect(page.locator("dl.facts")).to_contain_text(slug)
    detail_url = page.url

    # 2. The preview shows the article as the public will see it, with the script and javascript: link defused.
    page.get_by_role("link", name="Pratinjau").click()
    expect(page).to_have_url(re.compile(r"/pratinjau/$"))
    expect(page.locator(".preview-banner")).to_contain_text("Berstatus Draf; tidak tampil di portal.")
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect_neutralised(page, page.locator(".article-body"))
    page.get_by_role("link", name="Kembali ke publikasi").click()

    # 3. Submitted for review; the writer cannot approve their own text (four eyes).
    page.get_by_role("button", name="Ajukan untuk ditinjau").click()
    expect(page.locator("ul.messages")).to_contain_text("Diajukan untuk ditinjau.")
    expect(page.locator(".workflow .badge")).to_have_text("Ditinjau")
    expect(page.locator(".workflow .notice")).to_contain_text("prinsip empat mata")
    expect(page.get_by_role("button", name=re.compile(r"^Setujui"))).to_have_count(0)

    # A reader opens the portal while the item is under review.
    reader = new_page()
    reader.goto("/kota-madiun/")
    expect(reader.get_by_role("heading", name="Publikasi terbaru")).to_be_visible()
    expect(reader.locator("main")).not_to_contain_text(TITLE)

    # 4. A second editor, in their own browser session, approves it; it is scheduled, not public yet.
    second = new_page()
    log_in(second, approver.username)
    second.goto(detail_url)
    second.get_by_role("button", name="Setujui dan jadwalkan").click()
    expect(second.locator("ul.messages")).to_contain_text(
        f"Disetujui. Publikasi akan tampil di portal pada {format_moment(schedule, WIB)}")
    expect(second.locator(".workflow .badge")).to_have_text("Terbit")
    expect(second.locator(".workflow")).to_contain_text("Terjadwal: tampil mulai")
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PUBLISHED
    assert publication.reviewed_by == approver
    assert publication.publish_at == schedule

    reader.reload()  # revalidates: publishing changed the site generation, so the ETag no longer matches
    expect(reader.get_by_role("heading", name="Publikasi terbaru")).to_be_visible()
    expect(reader.locator("main")).not_to_contain_text(TITLE)
    assert reader.request.get(f"/kota-madiun/publikasi/{slug}/").status == 404
    assert TITLE not in reader.request.get("/kota-madiun/feed.rss").text()

    # 5. Its time comes (see the module docstring).
    Publication.objects.filter(pk=publication.pk).update(publish_at=timezone.now() - timedelta(seconds=5))
    bump_generation()

    reader.reload()
    card = reader.locator(".card", has_text=TITLE)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Siaran pers")
    expect(card).to_contain_text(SUMMARY)
    card.get_by_role("link", name=TITLE).click()
    expect(reader).to_have_url(re.compile(rf"/kota-madiun/publikasi/{slug}/$"))
    expect(reader.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(reader.locator(".article-meta")).to_contain_text("KPU Kota Madiun")
    expect(reader.locator(".article-meta")).to_contain_text("WIB")
    expect(reader.locator(".article-footer")).to_contain_text("Pemantau")
    expect_neutralised(reader, reader.locator(".article-body"))

    feed = reader.request.get("/kota-madiun/feed.rss")
    assert feed.ok and feed.headers["content-type"].startswith("application/rss+xml"), feed.headers
    rss = feed.text()
    assert f"<title>{TITLE}</title>" in rss, rss
    assert f"/kota-madiun/publikasi/{slug}/</link>" in rss, rss
    assert SUMMARY in rss

    assert page.dialogs == second.dialogs == reader.dialogs == []
