import io
import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from bakohumas import spamguard
from factcheck import index, public
from factcheck import public as factcheck_public
from factcheck.models import Claim, Clarification, Correction, Report, Verdict

LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture(autouse=True)
def _no_fill_time(monkeypatch):
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)


def clarify(office, slug: str, claim_reviewed: str, *, verdict: str = Verdict.FALSE, status: str = "published",
            summary: str = "Tidak benar: penjelasan resmi KPU.", age_days: int = 0, **extra) -> Clarification:
    published = status in ("published", "withdrawn")
    clarification = Clarification.objects.create(
        office=office, slug=slug, claim_reviewed=claim_reviewed, verdict=verdict, summary=summary, status=status,
        published_at=timezone.now() - timedelta(days=age_days) if published else None, **extra)
    if published:
        index.log_change(clarification.pk)   # created without the services, so logged as they would
    return clarification


def list_url(office) -> str:
    return reverse("factcheck_public:clarifications", args=[office.slug])


def detail(client, clarification):
    return client.get(reverse("factcheck_public:clarification", args=[clarification.office.slug,
                                                                      clarification.slug]))


def json_ld(response) -> list[dict]:
    return [json.loads(block) for block in LD_JSON.findall(response.text)]


# The list ------------------------------------------------------------------------------------------------------

def test_the_list_shows_only_the_offices_published_clarifications_newest_first(client, madiun, kab_madiun):
    clarify(madiun, "lama", "Klaim lama tentang TPS", age_days=3)
    clarify(madiun, "baru", "Klaim baru tentang surat suara", age_days=1)
    clarify(madiun, "draf", "Klaim draf", status="draft")
    clarify(madiun, "menunggu", "Klaim menunggu persetujuan", status="pending")
    clarify(madiun, "ditarik", "Klaim yang ditarik", status="withdrawn", withdrawn_reason="Keliru.")
    clarify(kab_madiun, "tetangga", "Klaim satker tetangga")
    response = client.get(list_url(madiun))
    assert response.status_code == 200
    text = response.text
    assert "Klaim baru tentang surat suara" in text and "Klaim lama tentang TPS" in text
    assert text.index("Klaim baru") < text.index("Klaim lama")
    for hidden in ("Klaim draf", "Klaim menunggu", "Klaim yang ditarik", "Klaim satker tetangga"):
        assert hidden not in text
    assert reverse("factcheck_public:clarification", args=[madiun.slug, "baru"]) in text


def test_the_list_searches_every_word_and_filters_by_verdict(client, madiun):
    clarify(madiun, "gudang", "Surat suara sudah dicoblos di gudang", verdict=Verdict.FALSE)
    clarify(madiun, "balai", "TPS dipindah ke balai desa", verdict=Verdict.TRUE,
            summary="Benar, TPS 5 dipindah karena banjir.")
    url = list_url(madiun)
    found = client.get(url, {"q": "SURAT gudang"}).text
    assert "dicoblos di gudang" in found and "balai desa" not in found
    assert "balai desa" in client.get(url, {"q": "banjir"}).text   # the summary is searched too
    nothing = client.get(url, {"q": "surat balai"}).text
    assert "dicoblos di gudang" not in nothing and "balai desa" not in nothing
    by_verdict = client.get(url, {"putusan": "true"}).text
    assert "balai desa" in by_verdict and "dicoblos di gudang" not in by_verdict
    ignored = client.get(url, {"putusan": "nonsense"}).text
    assert "balai desa" in ignored and "dicoblos di gudang" in ignored


def test_the_home_page_lists_the_newest_clarifications(client, madiun):
    clarify(madiun, "beranda", "Klaim di beranda")
    clarify(madiun, "draf", "Klaim draf", status="draft")
    text = client.get(reverse("portal:office_home", args=[madiun.slug])).text
    assert "Klaim di beranda" in text and "Klaim draf" not in text
    assert reverse("factcheck_public:clarification", args=[madiun.slug, "beranda"]) in text
    assert reverse("factcheck_public:report_form", args=[madiun.slug]) in text


# The page ------------------------------------------------------------------------------------------------------

def test_the_page_carries_a_claim_review(client, madiun, settings):
    claim = Claim.objects.create(office=madiun, summary="x", first_reported_at=timezone.now() - timedelta(days=2),
                                 last_reported_at=timezone.now())
    clarification = clarify(madiun, "gudang", "Surat suara sudah dicoblos di gudang", verdict=Verdict.MISLEADING,
                            body="## Faktanya\n\nSurat suara disimpan tersegel.<script>alert(1)</script>",
                            evidence=["https://kpu.go.id/berita/1", "javascript:alert(1)"],
                            item_reviewed_url="https://facebook.com/post/1", claim=claim)
    response = detail(client, clarification)
    assert response.status_code == 200
    text = response.text
    assert "Menyesatkan" in text and "<h2>Faktanya</h2>" in text and "alert(1)" not in text
    assert 'href="https://kpu.go.id/berita/1"' in text and "https://facebook.com/post/1" in text
    assert '<meta property="og:type" content="article">' in text
    assert '<meta property="og:title" content="Menyesatkan: Surat suara sudah dicoblos di gudang">' in text
    assert '<meta property="og:description" content="Tidak benar: penjelasan resmi KPU.">' in text
    [review] = json_ld(response)
    path = reverse("factcheck_public:clarification", args=[madiun.slug, "gudang"])
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "Surat suara sudah dicoblos di gudang"
    assert review["url"] == settings.SITE_URL + path
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Menyesatkan", "ratingValue": 2,
                                      "bestRating": 5, "worstRating": 1}
    assert review["author"] == {"@type": "Organization", "name": madiun.name,
                                "url": settings.SITE_URL + reverse("portal:office_home", args=[madiun.slug])}
    assert review["datePublished"] == public._local_date(clarification.published_at, madiun)
    assert review["itemReviewed"] == {
        "@type": "Claim", "author": {"@type": "Organization", "name": "Pesan berantai"},
        "datePublished": public._local_date(claim.first_reported_at, madiun),
        "appearance": {"@type": "CreativeWork", "url": "https://facebook.com/post/1"}}
    assert review["inLanguage"] == "id"


@pytest.mark.parametrize(("verdict", "value"), [
    (Verdict.FALSE, 1), (Verdict.MANIPULATED, 1), (Verdict.FALSE_CONTEXT, 2), (Verdict.MISLEADING, 2),
    (Verdict.SATIRE, 3), (Verdict.UNVERIFIED, 3), (Verdict.TRUE, 5)])
def test_each_verdict_has_a_rating_value(client, madiun, verdict, value):
    [review] = json_ld(detail(client, clarify(madiun, "k", "Klaim", verdict=verdict)))
    assert review["reviewRating"]["ratingValue"] == value
    assert "itemReviewed" in review and "appearance" not in review["itemReviewed"]


def test_a_claim_cannot_break_out_of_the_json_ld(client, madiun):
    claim = 'Kabar </script><script>alert("x")</script> & <!-- lain'
    response = detail(client, clarify(madiun, "jahat", claim))
    assert "<script>alert" not in response.text
    [review] = json_ld(response)
    assert review["claimReviewed"] == claim
    block = LD_JSON.search(response.text).group(1)
    assert "<" not in block and ">" not in block


def test_a_withdrawn_clarification_stays_reachable_with_its_reason_and_no_claim_review(client, madiun):
    clarification = clarify(madiun, "ditarik", "Klaim yang ditarik", status="withdrawn",
                            withdrawn_reason="Sumber data ternyata keliru; sedang diperiksa ulang.")
    response = detail(client, clarification)
    assert response.status_code == 200
    assert "telah ditarik" in response.text and "Sumber data ternyata keliru" in response.text
    assert json_ld(response) == [] and "application/ld+json" not in response.text
    assert 'name="robots" content="noindex"' in response.text


def test_the_corrections_stay_visible(client, madiun):
    clarification = clarify(madiun, "dikoreksi", "Klaim yang dikoreksi", verdict=Verdict.FALSE_CONTEXT, revision=2)
    Correction.objects.create(clarification=clarification, revision=2, note="Putusan diubah setelah bukti baru.",
                              previous_verdict=Verdict.FALSE, previous_summary="Ringkasan lama.")
    text = detail(client, clarification).text
    assert "Riwayat koreksi" in text and "Putusan diubah setelah bukti baru." in text
    assert "Putusan sebelumnya:" in text and "Hoaks/Salah" in text and "Ringkasan lama." in text


def test_an_imported_fact_check_is_attributed(client, madiun):
    clarification = clarify(madiun, "impor", "Foto antrean TPS tahun 2019", external_publisher="Mafindo",
                            external_url="https://turnbackhoax.id/2024/01/foto", external_rating="Salah")
    response = detail(client, clarification)
    assert "Sumber: Mafindo" in response.text and 'href="https://turnbackhoax.id/2024/01/foto"' in response.text
    [review] = json_ld(response)
    assert review["reviewRating"]["alternateName"] == "Salah"
    assert review["author"]["name"] == "Mafindo"


def test_drafts_and_other_offices_are_not_found(client, madiun, kab_madiun):
    draft = clarify(madiun, "draf", "Klaim draf", status="draft")
    pending = clarify(madiun, "menunggu", "Klaim menunggu", status="pending")
    assert detail(client, draft).status_code == 404
    assert detail(client, pending).status_code == 404
    published = clarify(madiun, "terbit", "Klaim terbit")
    assert client.get(reverse("factcheck_public:clarification",
                              args=[kab_madiun.slug, published.slug])).status_code == 404
    assert client.get(reverse("factcheck_public:clarification", args=["tidak-ada", "terbit"])).status_code == 404


def test_the_rss_feed_lists_published_clarifications(client, madiun):
    clarify(madiun, "gudang", "Surat suara dicoblos di gudang", summary="Tidak ada surat suara tercoblos.")
    clarify(madiun, "draf", "Klaim draf", status="draft")
    clarify(madiun, "ditarik", "Klaim ditarik", status="withdrawn")
    response = client.get(reverse("factcheck_public:clarification_feed", args=[madiun.slug]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/rss+xml")
    text = response.content.decode()
    assert "<title>[HOAKS/SALAH] Surat suara dicoblos di gudang</title>" in text
    assert "Tidak ada surat suara tercoblos." in text and "<pubDate>" in text
    assert reverse("factcheck_public:clarification", args=[madiun.slug, "gudang"]) in text
    assert "Klaim draf" not in text and "Klaim ditarik" not in text


# Lapor hoaks ---------------------------------------------------------------------------------------------------

def report_data(**overrides) -> dict:
    data = {"text": "Katanya surat suara sudah dicoblos duluan di gudang KPU, benar?", "url": "", "name": "",
            "contact": "", "website": "", "started": spamguard.form_token(factcheck_public.REPORT_FORM_SALT)}
    return {**data, **overrides}


def form_url(office) -> str:
    return reverse("factcheck_public:report_form", args=[office.slug])


def tracking(client, office, number: str):
    return client.get(reverse("factcheck_public:report_tracking", args=[office.slug]), {"nomor": number})


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return SimpleUploadedFile("tangkapan.png", buffer.getvalue(), content_type="image/png")


def test_the_form_page_is_a_multipart_form_with_the_consent_box(client, madiun):
    response = client.get(form_url(madiun))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'enctype="multipart/form-data"' in response.text and 'accept="image/*"' in response.text
    assert "Saya setuju dihubungi untuk menerima hasil pemeriksaan laporan ini" in response.text


def test_a_report_from_the_portal_gets_a_number_to_track(client, madiun):
    response = client.post(form_url(madiun), report_data(name="Sri", url="contoh.id/kabar", media=png()))
    report = Report.objects.get()
    assert report.source == Report.Source.PORTAL and report.office == madiun
    assert report.reporter_name == "Sri" and report.url == "https://contoh.id/kabar"
    assert report.media and report.image_hash and report.notify_address == ""
    assert report.status == Report.Status.QUEUED and report.claim is not None
    assert report.tracking_number in response.text and "menunggu verifikasi" in response.text
    page = tracking(client, madiun, report.tracking_number.lower())
    assert "Menunggu verifikasi" in page.text and report.tracking_number in page.text
    assert "gudang" not in page.text and "Sri" not in page.text   # status only, never the report


def test_a_report_answered_at_once_shows_the_verdict_right_away(client, madiun):
    clarification = clarify(madiun, "gudang", "Surat suara sudah dicoblos duluan di gudang KPU sebelum pemilu",
                            summary="Hoaks: surat suara disimpan tersegel dan diawasi Bawaslu.")
    response = client.post(form_url(madiun), report_data(
        text="Surat suara sudah dicoblos duluan di gudang KPU sebelum pemilu!!"))
    report = Report.objects.get()
    assert report.status == Report.Status.ANSWERED and report.answered_with == clarification
    assert "Hoaks/Salah" in response.text and "disimpan tersegel" in response.text
    path = reverse("factcheck_public:clarification", args=[madiun.slug, "gudang"])
    assert path in response.text
    page = tracking(client, madiun, report.tracking_number)
    assert "Sudah dijawab" in page.text and path in page.text


def test_bots_are_answered_like_people_and_nothing_is_stored(client, madiun, monkeypatch):
    assert "Laporan terkirim" in client.post(form_url(madiun), report_data(website="http://spam.example")).text
    assert "Laporan terkirim" in client.post(form_url(madiun), report_data(started="palsu")).text
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 60)
    assert "Laporan terkirim" in client.post(form_url(madiun), report_data()).text   # faster than a person types
    assert not Report.objects.exists()


def test_a_reporter_is_throttled(client, madiun, monkeypatch):
    monkeypatch.setattr(public, "REPORTS_PER_IP_PER_HOUR", 2)
    for n in range(3):
        client.post(form_url(madiun), report_data(text=f"Kabar nomor {n} tentang TPS yang dipindah"))
    assert "Terlalu banyak laporan" in client.post(form_url(madiun), report_data()).text
    assert Report.objects.count() == 2


def test_an_empty_report_is_refused_in_indonesian(client, madiun):
    response = client.post(form_url(madiun), report_data(text="", name="Sri", contact="0812-3456-7890"))
    assert response.status_code == 200 and "Laporan kosong" in response.text
    assert 'value="Sri"' in response.text and 'value="0812-3456-7890"' in response.text   # nothing is lost
    assert not Report.objects.exists()


def test_a_report_too_long_is_refused_and_kept(client, madiun):
    response = client.post(form_url(madiun), report_data(text="a" * 4097, url="https://contoh.id/x"))
    assert "paling banyak 4096 karakter" in response.text and "a" * 4097 in response.text
    assert 'value="https://contoh.id/x"' in response.text
    assert not Report.objects.exists()


def test_a_screenshot_that_is_not_an_image_is_refused_on_its_field(client, madiun):
    pdf = SimpleUploadedFile("tangkapan.png", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n", content_type="image/png")
    response = client.post(form_url(madiun), report_data(media=pdf))
    form = response.context["form"]
    assert "bukan gambar" in " ".join(form.errors["media"])
    assert "pilih berkasnya lagi" in response.text
    assert not Report.objects.exists()


@pytest.mark.parametrize("client_name", ["laporan.html", "tangkapan.svg", "tanpa-ekstensi", "../../x.php"])
def test_a_screenshot_is_stored_under_its_decoded_type_never_the_clients_name(client, madiun, client_name):
    upload = png()
    upload.name, upload.content_type = client_name, "text/html"
    client.post(form_url(madiun), report_data(media=upload))
    stored = Report.objects.get().media.name
    assert stored.startswith("cekfakta/") and stored.endswith(".png")
    assert "laporan" not in stored and "svg" not in stored and "php" not in stored


def test_a_jpeg_named_png_is_stored_as_jpeg(client, madiun):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="JPEG")
    client.post(form_url(madiun), report_data(media=SimpleUploadedFile("foto.png", buffer.getvalue())))
    assert Report.objects.get().media.name.endswith(".jpg")


def test_an_oversized_report_is_refused_before_its_body_is_read(client, madiun):
    # The test client fails loudly if anything tries to read 60 MB from this small body.
    response = client.post(form_url(madiun), report_data(media=png()), CONTENT_LENGTH=str(60 * 1024 * 1024))
    assert response.status_code == 413 and response["Cache-Control"] == "no-store"
    assert "Kiriman terlalu besar (60 MB). Tangkapan layar paling besar 10 MB" in response.text
    assert not Report.objects.exists()
    # Under the limit the form works as before, and the CSRF check still runs.
    assert client.post(form_url(madiun), report_data(media=png())).status_code == 200
    assert Report.objects.count() == 1
    assert Client(enforce_csrf_checks=True).post(form_url(madiun), report_data()).status_code == 403


def test_a_contact_is_kept_only_with_consent(client, madiun):
    response = client.post(form_url(madiun), report_data(contact="0812-3456-7890"))
    report = Report.objects.get()
    assert report.notify_address == "" and "tidak kami simpan" in response.text
    client.post(form_url(madiun), report_data(text="Kabar lain tentang Sirekap", contact="0812-3456-7890",
                                              consent="on"))
    assert Report.objects.latest("pk").notify_address == "whatsapp:+6281234567890"
    client.post(form_url(madiun), report_data(text="Kabar ketiga soal DPT", contact="Sri@Contoh.ID", consent="on"))
    assert Report.objects.latest("pk").notify_address == "mailto:sri@contoh.id"
    response = client.post(form_url(madiun), report_data(contact="bukan kontak", consent="on"))
    assert response.context["form"].errors["contact"] and Report.objects.count() == 3


def test_a_number_is_found_only_on_its_own_offices_page(client, madiun, kab_madiun):
    own = Report.objects.create(office=madiun, source=Report.Source.PORTAL, text="rahasia pelapor",
                                notify_address="whatsapp:+6281234567890", tracking_number="CEK-AAAA-BBBB",
                                created_at=timezone.now())
    Report.objects.create(office=kab_madiun, source=Report.Source.PORTAL, status=Report.Status.DISMISSED,
                          tracking_number="CEK-CCCC-DDDD", created_at=timezone.now())
    page = tracking(client, madiun, " cek-aaaa-bbbb ")
    assert "CEK-AAAA-BBBB" in page.text and "Menunggu verifikasi" in page.text
    assert "rahasia" not in page.text and "6281234567890" not in page.text
    assert "tidak ditemukan" in tracking(client, madiun, "CEK-CCCC-DDDD").text
    assert "Ditolak" in tracking(client, kab_madiun, "CEK-CCCC-DDDD").text
    assert "tidak ditemukan" in tracking(client, madiun, "CEK-ZZZZ-ZZZZ").text
    assert own.pk


def test_lookups_are_throttled(client, madiun, monkeypatch):
    monkeypatch.setattr(public, "LOOKUPS_PER_IP_PER_HOUR", 1)
    tracking(client, madiun, "CEK-ZZZZ-ZZZZ")
    assert "Terlalu banyak pencarian" in tracking(client, madiun, "CEK-ZZZZ-ZZZZ").text
