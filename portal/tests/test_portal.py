from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from content import selectors as content_selectors
from content import services as content
from content.models import Publication
from elections.services import seed_elections


@pytest.fixture
def editor(make_staff, madiun):
    return make_staff(madiun, "editor")


def test_it_serves_the_home_office_at_root_and_every_office_at_its_slug(client, madiun, publish, ri):
    publish(madiun, "Rapat Koordinasi Bakohumas Kota Madiun")
    response = client.get("/")
    assert response.status_code == 200 and "KPU RI" in response.text
    response = client.get("/kota-madiun/")
    assert response.status_code == 200
    assert "Rapat Koordinasi Bakohumas Kota Madiun" in response.text
    assert '<link rel="canonical" href="http://127.0.0.1:8000/kota-madiun/">' in response.text
    assert client.get("/tidak-ada-satker/").status_code == 404


def test_publications_flow_to_parents_and_from_kpu_ri_to_everyone(client, madiun, kab_madiun, jatim, ri, publish):
    publish(madiun, "Siaran Pers Kota Madiun")
    publish(ri, "Siaran Pers KPU RI")
    kota = client.get("/kota-madiun/publikasi/").text
    assert "Siaran Pers Kota Madiun" in kota and "Siaran Pers KPU RI" in kota
    assert "Siaran Pers KPU RI" in client.get("/kabupaten-madiun/publikasi/").text
    assert "Siaran Pers Kota Madiun" not in client.get("/kabupaten-madiun/publikasi/").text
    assert "Siaran Pers Kota Madiun" in client.get("/jawa-timur/publikasi/").text


def test_a_publication_page_has_open_graph_and_twitter_cards(client, madiun, publish):
    item = publish(madiun, "Pengumuman DPS", summary="Daftar pemilih sementara dapat dicek.")
    response = client.get(f"/kota-madiun/publikasi/{item.slug}/")
    assert response.status_code == 200
    for tag in ['property="og:title" content="Pengumuman DPS"', 'property="og:type" content="article"',
                'name="twitter:card"', 'property="og:description" content="Daftar pemilih sementara dapat dicek."']:
        assert tag in response.text
    # Seen from the parent's portal, the canonical address is the author office's.
    response = client.get(f"/jawa-timur/publikasi/{item.slug}/")
    assert response.status_code == 302 and response["Location"] == f"/kota-madiun/publikasi/{item.slug}/"


def test_scheduled_items_appear_at_their_minute_and_drafts_never(client, madiun, publish, editor, monkeypatch):
    later = timezone.now() + timedelta(minutes=5)
    scheduled = publish(madiun, "Terjadwal Nanti", publish_at=later)
    content.create_publication(actor=editor, office=madiun, kind="berita", title="Masih Draf", summary="", body="x",
                               tags=[], stage=None)
    page = client.get("/kota-madiun/publikasi/").text
    assert "Terjadwal Nanti" not in page and "Masih Draf" not in page
    assert client.get(f"/kota-madiun/publikasi/{scheduled.slug}/").status_code == 404
    # No publishing change in between: the clock alone brings it, at its minute (see test_caching.py).
    monkeypatch.setattr(timezone, "now", lambda: scheduled.publish_at)  # the minute, rounded up from `later`
    assert "Terjadwal Nanti" in client.get("/kota-madiun/publikasi/").text


def test_pages_carry_etag_and_cache_control_and_answer_304(client, madiun):
    response = client.get("/kota-madiun/")
    etag = response["ETag"]
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert client.get("/kota-madiun/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_publishing_invalidates_cached_pages(client, madiun, publish):
    first = client.get("/kota-madiun/")
    publish(madiun, "Berita Baru Sekali")
    second = client.get("/kota-madiun/")
    assert second["ETag"] != first["ETag"] and "Berita Baru Sekali" in second.text
    assert client.get("/kota-madiun/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_public_pages_set_no_cookies_and_touch_no_session(client, madiun, django_assert_max_num_queries):
    client.get("/kota-madiun/")
    with django_assert_max_num_queries(1):  # the site generation; the page itself comes from the cache
        response = client.get("/kota-madiun/")
    assert response.status_code == 200 and not response.cookies


def test_search_understands_indonesian_word_forms(client, madiun, publish):
    publish(madiun, "Jadwal Pemungutan Suara", body="Pemilihan dilaksanakan serentak di seluruh TPS.")
    publish(madiun, "Rekapitulasi Pemilu 2024", body="Hasil rekapitulasi tingkat kota.")
    found = client.get("/kota-madiun/cari/", {"q": "memilih"}).text
    assert "Jadwal Pemungutan Suara" in found and "Rekapitulasi" not in found
    assert "Rekapitulasi Pemilu 2024" in client.get("/kota-madiun/cari/", {"q": "pemilu"}).text
    assert "0 hasil" in client.get("/kota-madiun/cari/", {"q": "<script>alert(1)</script>"}).text


def test_feeds_sitemap_and_robots(client, madiun, publish):
    item = publish(madiun, "Siaran Pers Feed")
    rss = client.get("/kota-madiun/feed.rss")
    assert rss.status_code == 200 and "Siaran Pers Feed" in rss.text and "<rss" in rss.text
    atom = client.get("/kota-madiun/feed.atom")
    assert "http://www.w3.org/2005/Atom" in atom.text and "Siaran Pers Feed" in atom.text
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and "sitemap-publikasi.xml" in index.text
    assert f"/kota-madiun/publikasi/{item.slug}/" in client.get("/sitemap-publikasi.xml").text
    robots = client.get("/robots.txt").text
    assert "Disallow: /staf/" in robots and "Sitemap: " in robots


def test_schedule_page_and_calendar(client, madiun):
    seed_elections()
    page = client.get("/kota-madiun/jadwal/")
    assert page.status_code == 200 and "Pemungutan Suara" in page.text and "Belum ditetapkan" in page.text
    ics = client.get("/kota-madiun/jadwal.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content


def test_language_switch_is_a_safe_link(client, madiun):
    response = client.get(reverse("portal:set_language", args=["en"]), {"next": "/kota-madiun/"})
    assert response.status_code == 302 and response["Location"] == "/kota-madiun/"
    response = client.get(reverse("portal:set_language", args=["en"]), {"next": "https://jahat.example/"})
    assert response["Location"] == "/"
    assert client.get(reverse("portal:set_language", args=["xx"])).status_code == 404


def test_attachments_and_cover_are_served_only_while_live(client, madiun, publish, make_staff,
                                                          django_capture_on_commit_callbacks):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    item = publish(madiun, "Keputusan KPU")
    admin = make_staff(madiun, "admin")
    pdf = SimpleUploadedFile("sk.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    with django_capture_on_commit_callbacks(execute=True):
        attachment = content.add_attachment(actor=admin, publication=item, uploaded_file=pdf, title="SK KPU")
        item.refresh_from_db()
        content.set_cover_image(actor=admin, publication=item, alt="Logo KPU",
                                uploaded_file=SimpleUploadedFile("c.png", png.getvalue(), "image/png"))
    # Added to a published item, they wait for a second person before the portal serves them.
    page = client.get(f"/kota-madiun/publikasi/{item.slug}/").text
    assert "SK KPU" not in page and 'alt="Logo KPU"' not in page
    assert client.get(f"/kota-madiun/publikasi/{item.slug}/lampiran/{attachment.pk}/").status_code == 404
    assert client.get(f"/kota-madiun/publikasi/{item.slug}/sampul").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        content.approve_change(actor=make_staff(madiun, "editor"), publication=Publication.objects.get(pk=item.pk))
    page = client.get(f"/kota-madiun/publikasi/{item.slug}/").text
    assert "SK KPU" in page and 'alt="Logo KPU"' in page and 'property="og:image"' in page
    download = client.get(f"/kota-madiun/publikasi/{item.slug}/lampiran/{attachment.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert client.get(f"/kota-madiun/publikasi/{item.slug}/sampul").status_code == 200
    item.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        content.archive(actor=admin, publication=item)
    assert client.get(f"/kota-madiun/publikasi/{item.slug}/lampiran/{attachment.pk}/").status_code == 404
    assert client.get(f"/kota-madiun/publikasi/{item.slug}/sampul").status_code == 404


def test_indonesian_is_shown_whatever_the_browser_language_until_english_is_chosen(client, madiun):
    response = client.get("/kota-madiun/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="id">' in response.text and response["Content-Language"] == "id"
    client.get(reverse("portal:set_language", args=["en"]), {"next": "/kota-madiun/"})
    response = client.get("/kota-madiun/")
    assert '<html lang="en">' in response.text


def test_schedule_changes_invalidate_cached_pages(client, madiun, django_capture_on_commit_callbacks):
    from elections import services as elections
    from elections.models import Stage

    seed_elections()
    first = client.get("/kota-madiun/jadwal/")
    stage = Stage.objects.get(code="PEMILU24-12")
    with django_capture_on_commit_callbacks(execute=True):
        elections.update_stage(actor=None, stage=stage, expected_version=stage.version, code=stage.code,
                               name="Pemungutan Suara Serentak", starts_on=stage.starts_on, ends_on=stage.ends_on,
                               is_firm=stage.is_firm, source=stage.source, notes=stage.notes)
    assert client.get("/kota-madiun/jadwal/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert "Pemungutan Suara Serentak" in client.get("/kota-madiun/jadwal/").text


def test_conditional_elections_are_flagged_not_shown_as_running(client, madiun):
    seed_elections()
    page = client.get("/kota-madiun/jadwal/").text
    assert "(bersyarat)" in page and "Hanya bila syaratnya terpenuhi" in page


def test_head_requests_and_odd_query_strings_do_not_fail(client, madiun, publish):
    publish(madiun, "Siaran Pers Biasa")
    assert client.head("/kota-madiun/").status_code == 200
    for path in ["/kota-madiun/publikasi/?halaman=abc", "/kota-madiun/publikasi/?halaman=99999999999999999999",
                 "/kota-madiun/cari/?q=%00", "/kota-madiun/cari/?q=" + "pemilu%20" * 500,
                 "/kota-madiun/cari/?q=%F0%9F%98%80%D8%B9%D8%B1%D8%A8%D9%8A"]:
        assert client.get(path).status_code == 200, path


def test_other_offices_items_cannot_crowd_out_a_portals_search_results(client, madiun, publish, ri):
    from content.models import Publication
    from portal import search

    aceh = madiun.__class__.objects.get(code="11")
    target = publish(madiun, "Rekapitulasi Kota Madiun")
    for i in range(250):
        item = Publication.objects.create(office=aceh, kind="berita", title=f"Rekapitulasi Aceh {i}", slug=f"r-{i}",
                                          status=Publication.Status.PUBLISHED, publish_at=target.publish_at)
        search.index_publication(item)
    found = search.search(content_selectors.portal_listing(madiun), "rekapitulasi",
                          office_ids=content_selectors.portal_office_ids(madiun), limit=5)
    assert [p.pk for p in found] == [target.pk]


def test_the_icon_is_named_by_every_page_and_favicon_ico_is_not_a_404(client, madiun, client_for, make_staff):
    assert 'rel="icon"' in client.get("/kota-madiun/").text
    staff_page = client_for(make_staff(madiun, Role.OPERATOR)).get("/staf/").text
    assert 'rel="icon"' in staff_page
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("favicon.ico")


def test_the_home_page_says_there_is_no_clarification_yet_instead_of_an_empty_heading(client, madiun):
    page = client.get("/kota-madiun/").text
    assert "Klarifikasi terbaru" in page and "Belum ada klarifikasi hoaks dari satker ini" in page
