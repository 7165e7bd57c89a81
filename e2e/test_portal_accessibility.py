"""Accessibility of the public portal: axe-core (its default WCAG 2.x A/AA and best-practice rules) run in Chromium
on the pages most readers land on, with real content: the seeded Pemilu 2024 schedule, a local revote with a stage
running today and one coming up (so the home page shows its stage boxes and countdown) and a few published items
(headings, a table, a list, a quote and links in the article). The home page is checked on a desktop and on a
phone-sized viewport. Serious and critical findings fail the test; the others are printed.
"""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from content import services
from content.models import Publication
from e2e.conftest import TIMEOUT_MS
from elections.models import Election, Stage
from elections.selectors import local_today
from elections.services import create_election, create_stage, seed_elections
from factcheck.models import Clarification, Verdict

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
PHONE = {"width": 390, "height": 844}

ARTICLE_BODY = """KPU Kota Madiun menetapkan **daftar pemilih tetap** untuk Pemilu 2024.

## Rekapitulasi per kecamatan

| Kecamatan | Pemilih |
|---|---|
| Kartoharjo | 45.120 |
| Manguharjo | 39.870 |
| Taman | 58.304 |

## Cara memeriksa

1. Buka [cekdptonline.kpu.go.id](https://cekdptonline.kpu.go.id).
2. Masukkan NIK.

> Pemilih yang belum terdaftar dapat melapor ke PPS setempat.
"""

ITEMS = [
    (Publication.Kind.PRESS_RELEASE, "Penetapan Daftar Pemilih Tetap Pemilu 2024",
     "KPU Kota Madiun menetapkan DPT Pemilu 2024 dalam rapat pleno terbuka.", ARTICLE_BODY),
    (Publication.Kind.ANNOUNCEMENT, "Pengumuman Rekrutmen Badan Adhoc Pemilu",
     "Pendaftaran PPK dan PPS dibuka untuk warga Kota Madiun.", "Syarat lengkap ada di lampiran pengumuman."),
    (Publication.Kind.NEWS, "Sosialisasi Pemilu untuk Pemilih Pemula",
     "", "KPU Kota Madiun mengunjungi SMA di tiga kecamatan untuk sosialisasi pemilu."),
]


def publish(office, kind, title, summary, body, **extra) -> Publication:
    publication = services.create_publication(actor=None, office=office, kind=kind, title=title, summary=summary,
                                              body=body, **extra)
    services.submit_for_review(actor=None, publication=publication)
    return services.approve_and_publish(actor=None, publication=publication)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


@pytest.fixture
def portal_content(madiun):
    seed_elections()
    today = local_today(madiun)
    revote = create_election(actor=None, office=madiun, code="psu-kota-madiun-uji", kind=Election.Kind.REVOTE,
                             name="Pemungutan Suara Ulang Kota Madiun")
    create_stage(actor=None, election=revote, code="PSU-01", name="Pemutakhiran data pemilih",
                 starts_on=today - timedelta(days=2), ends_on=today + timedelta(days=5))
    create_stage(actor=None, election=revote, code="PSU-02", name="Pemungutan suara ulang",
                 starts_on=today + timedelta(days=20), ends_on=today + timedelta(days=20), is_firm=False)
    create_stage(actor=None, election=revote, code="PSU-03", name="Penetapan hasil")
    stage = Stage.objects.filter(election__code="pemilu-2024").order_by("position").first()
    first, *rest = ITEMS
    article = publish(madiun, *first, tags=["Pemilu 2024", "DPT"], stage=stage)
    for item in rest:
        publish(madiun, *item)
    Clarification.objects.create(
        office=madiun, slug="kpu-mencoblos-ulang", claim_reviewed="KPU akan mencoblos ulang semua surat suara",
        verdict=Verdict.FALSE, summary="Tidak ada pencoblosan ulang nasional.", body="Penjelasan **lengkap**.",
        status=Clarification.Status.PUBLISHED, published_at=timezone.now())
    return article


@pytest.fixture
def phone_page(browser: Browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="id-ID", viewport=PHONE, is_mobile=True,
                                  has_touch=True, device_scale_factor=3)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def audit(page: Page, path: str) -> list[dict]:
    response = page.goto(path)
    assert response is not None and response.ok, (path, response and response.status)
    expect(page.locator("main h1")).to_be_visible()
    violations = Axe().run(page).response["violations"]
    if violations:
        print(f"\naxe on {path} ({page.viewport_size['width']}px):\n{describe(violations)}")
    return violations


@pytest.mark.django_db(transaction=True)
def test_portal_pages_have_no_serious_axe_violations(page: Page, phone_page: Page, portal_content):
    article = portal_content
    pages = {
        "/kota-madiun/": "Sedang berlangsung · Pemungutan Suara Ulang Kota Madiun",
        f"/kota-madiun/publikasi/{article.slug}/": article.title,
        "/kota-madiun/jadwal/": "Belum ditetapkan",
        "/kota-madiun/cari/?q=pemilu": "hasil untuk “pemilu”",
        "/kota-madiun/cek-fakta/": "KPU akan mencoblos ulang",
        "/kota-madiun/cek-fakta/kpu-mencoblos-ulang/": "Tidak ada pencoblosan ulang nasional.",
        "/kota-madiun/lapor-hoaks/": "Lapor hoaks",
    }
    found = {}
    for path, text in pages.items():
        found[path] = audit(page, path)
        expect(page.locator("main")).to_contain_text(text)
    found["/kota-madiun/ (390×844)"] = audit(phone_page, "/kota-madiun/")
    expect(phone_page.locator("main")).to_contain_text(article.title)
    # The page fits the phone: nothing forces sideways scrolling.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    serious = {path: blocking(violations) for path, violations in found.items() if blocking(violations)}
    assert not serious, "axe found serious or critical problems:\n" + "\n".join(
        f"{path}:\n{describe(violations)}" for path, violations in serious.items())
