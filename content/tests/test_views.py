"""What the publication pages do: forms in the office's time zone, conflicts, workflow buttons, diff, preview,
uploads. Access rules are in test_views_access.py."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from content import services
from content.models import Attachment, Publication
from content.tests.samples import image_bytes, pdf_bytes, upload
from offices.models import Office

Status = Publication.Status


def form_data(publication=None, **overrides):
    data = {"kind": Publication.Kind.PRESS_RELEASE, "title": "Penetapan DPT Kota Madiun",
            "summary": "DPT ditetapkan.", "body": "KPU menetapkan **DPT**.", "tags": "Pemilu 2029, DPT",
            "stage": "", "publish_at": "", "unpublish_at": "", "slug": ""}
    if publication is not None:
        data.update(kind=publication.kind, title=publication.title, summary=publication.summary,
                    body=publication.body, tags=", ".join(publication.tags), version=publication.version)
    return {**data, **overrides}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_it_creates_a_draft_with_times_in_the_office_zone(writer, client_for):
    year = timezone.now().year + 2
    client = client_for(writer)
    response = client.post(reverse("content:publication_create"), form_data(
        publish_at=f"{year}-03-01T10:00", unpublish_at=f"{year}-03-31T23:59"))
    publication = Publication.objects.get()
    assert response.status_code == 302 and response.url == reverse("content:publication_detail",
                                                                   args=[publication.pk])
    assert publication.publish_at == datetime(year, 3, 1, 3, 0, tzinfo=UTC)
    assert publication.tags == ["Pemilu 2029", "DPT"] and publication.created_by == writer
    page = client.get(reverse("content:publication_edit", args=[publication.pk])).text
    assert f'value="{year}-03-01T10:00"' in page and 'type="datetime-local"' in page
    assert "Terbit pada (WIB)" in page


def test_times_are_read_in_the_authors_office_zone_not_the_server_zone(make_staff, client_for):
    papua = Office.objects.filter(timezone=Office.Zone.WIT, level=Office.Level.REGENCY).first()
    year = timezone.now().year + 2
    client_for(make_staff(papua, Role.OPERATOR)).post(reverse("content:publication_create"),
                                                      form_data(publish_at=f"{year}-03-01T10:00"))
    assert Publication.objects.get().publish_at == datetime(year, 3, 1, 1, 0, tzinfo=UTC)


def test_the_form_shows_service_errors_on_their_fields(writer, client_for, make_publication):
    make_publication(title="Ada", slug="sudah-ada")
    response = client_for(writer).post(reverse("content:publication_create"), form_data(
        title="<b>Rilis</b>", slug="sudah-ada"))
    assert response.status_code == 200
    assert "tidak boleh berisi kode HTML atau skrip" in response.text
    response = client_for(writer).post(reverse("content:publication_create"), form_data(slug="sudah-ada"))
    assert "sudah dipakai" in response.text
    past = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(writer).post(reverse("content:publication_create"), form_data(publish_at=past))
    assert "Jadwal terbit sudah lewat" in response.text
    assert Publication.objects.count() == 1


def test_the_stage_select_offers_stages_of_elections_of_the_office_and_above(writer, client_for, stage_for, ri,
                                                                           kab_madiun):
    national, sibling = stage_for(ri, code="pemilu-2029"), stage_for(kab_madiun, code="psu-kab")
    page = client_for(writer).get(reverse("content:publication_create")).text
    assert f'<option value="{national.pk}">Pemilu pemilu-2029 — Penetapan DPT</option>' in page
    assert f'value="{sibling.pk}"' not in page
    client_for(writer).post(reverse("content:publication_create"), form_data(stage=national.pk))
    assert Publication.objects.get().stage == national


def test_a_second_save_of_the_same_version_shows_the_conflict_and_the_saved_text(make_publication, writer, editor,
                                                                                  client_for):
    publication = make_publication()
    opened = form_data(publication)
    client_for(writer).post(reverse("content:publication_edit", args=[publication.pk]),
                            {**opened, "body": "Teks yang disimpan duluan."})
    response = client_for(editor).post(reverse("content:publication_edit", args=[publication.pk]),
                                       {**opened, "body": "Teks editor yang terlambat."})
    assert response.status_code == 200
    assert "sudah diubah oleh pengguna lain" in response.text
    assert "Teks yang disimpan duluan." in response.text  # the saved version
    assert "Teks editor yang terlambat." in response.text  # what the editor typed is not lost
    assert Publication.objects.get(pk=publication.pk).body == "Teks yang disimpan duluan."


def test_the_detail_page_offers_the_steps_of_the_users_role(make_publication, writer, editor, make_staff, madiun,
                                                             client_for):
    publication = make_publication()
    url = reverse("content:publication_detail", args=[publication.pk])
    submit = reverse("content:publication_submit", args=[publication.pk])
    publish = reverse("content:publication_publish", args=[publication.pk])
    send_back = reverse("content:publication_return", args=[publication.pk])
    assert submit in client_for(writer).get(url).text
    assert submit not in client_for(make_staff(madiun, Role.VIEWER)).get(url).text
    services.submit_for_review(actor=writer, publication=publication)
    page = client_for(editor).get(url).text
    assert publish in page and send_back in page and "Setujui dan terbitkan sekarang" in page
    page = client_for(writer).get(url).text
    assert publish not in page and send_back not in page and submit not in page
    # The last editor is told why they cannot approve.
    services.update_publication(actor=editor, publication=publication, expected_version=publication.version,
                                kind=publication.kind, title=publication.title, summary="", body="Diubah editor.")
    page = client_for(editor).get(url).text
    assert "prinsip empat mata" in page and publish not in page and send_back in page


def test_publishing_through_the_page(make_publication, writer, editor, client_for):
    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    response = client_for(editor).post(reverse("content:publication_publish", args=[publication.pk]),
                                       {"version": publication.version}, follow=True)
    assert "Disetujui dan diterbitkan" in " ".join(messages_of(response))
    assert Publication.objects.get(pk=publication.pk).status == Status.PUBLISHED
    assert "Tampil di portal" in response.text


def test_a_stale_approval_is_refused_with_the_conflict_message(make_publication, writer, editor, client_for):
    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    response = client_for(editor).post(reverse("content:publication_publish", args=[publication.pk]),
                                       {"version": publication.version - 1}, follow=True)
    assert "sudah diubah oleh pengguna lain" in " ".join(messages_of(response))
    assert Publication.objects.get(pk=publication.pk).status == Status.REVIEW


def test_self_approval_through_the_page_is_refused(make_publication, editor, client_for):
    publication = make_publication(actor=editor)
    services.submit_for_review(actor=editor, publication=publication)
    response = client_for(editor).post(reverse("content:publication_publish", args=[publication.pk]),
                                       {"version": publication.version}, follow=True)
    assert "orang lain" in " ".join(messages_of(response))
    assert Publication.objects.get(pk=publication.pk).status == Status.REVIEW


def test_returning_to_draft_shows_the_note_in_the_history(make_publication, writer, editor, client_for):
    publication = make_publication()
    services.submit_for_review(actor=writer, publication=publication)
    client_for(editor).post(reverse("content:publication_return", args=[publication.pk]),
                            {"note": "Sebutkan <b>jumlah</b> TPS.", "version": publication.version})
    assert Publication.objects.get(pk=publication.pk).status == Status.DRAFT
    page = client_for(writer).get(reverse("content:publication_detail", args=[publication.pk])).text
    assert "ke draf: “Sebutkan &lt;b&gt;jumlah&lt;/b&gt; TPS.”" in page


def test_the_editor_of_a_published_item_proposes_a_change(make_publication, publish, writer, editor, client_for):
    publication = publish(make_publication())
    page = client_for(writer).get(reverse("content:publication_edit", args=[publication.pk])).text
    assert "sudah terbit" in page and "disetujui editor lain" in page
    services.archive(actor=editor, publication=publication)
    response = client_for(editor).get(reverse("content:publication_edit", args=[publication.pk]))
    assert response.status_code == 302


def test_an_editor_alone_cannot_change_a_live_page_a_second_editor_approves_it(
        make_publication, publish, editor, make_staff, madiun, client, client_for,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publication = publish(make_publication(body="Jumlah TPS: **612**."))
    public_url = f"/kota-madiun/publikasi/{publication.slug}/"
    assert "612" in client.get(public_url).text

    edit_url = reverse("content:publication_edit", args=[publication.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(edit_url, form_data(
            publication, body="Jumlah TPS: **613**.", publish_at=timezone.localtime(
                publication.publish_at, timezone.get_fixed_timezone(420)).strftime("%Y-%m-%dT%H:%M")), follow=True)
    assert "Perubahan diajukan" in " ".join(messages_of(response))
    client.logout()
    page = client.get(public_url).text
    assert "612" in page and "613" not in page

    # The proposer sees the diff and why they cannot approve; there is no approve button for them.
    detail_url = reverse("content:publication_detail", args=[publication.pk])
    approve_url = reverse("content:change_approve", args=[publication.pk])
    page = client_for(editor).get(detail_url).text
    assert "Perubahan menunggu persetujuan" in page and "prinsip empat mata" in page and approve_url not in page
    assert 'class="diff-add">+ Jumlah TPS: **613**.' in page and 'class="diff-del">− Jumlah TPS: **612**.' in page
    stored = Publication.objects.get(pk=publication.pk)
    response = client_for(editor).post(approve_url, {"version": stored.version}, follow=True)
    assert "empat mata" in " ".join(messages_of(response))
    client.logout()
    assert "613" not in client.get(public_url).text

    second = make_staff(madiun, Role.EDITOR)
    page = client_for(second).get(detail_url).text
    assert approve_url in page and reverse("content:change_reject", args=[publication.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(second).post(approve_url, {"version": stored.version}, follow=True)
    assert "kini tampil di portal" in " ".join(messages_of(response))
    client.logout()
    page = client.get(public_url).text
    assert "613" in page and "612" not in page
    assert "Diperbarui" in page


def test_an_item_never_changed_after_publishing_does_not_say_it_was_updated(make_publication, publish, client):
    publication = publish(make_publication(body="Baru disimpan lalu langsung disetujui."))
    assert "Diperbarui" not in client.get(f"/kota-madiun/publikasi/{publication.slug}/").text


def test_a_rejected_change_through_the_page_keeps_the_live_text(make_publication, publish, writer, editor,
                                                                client_for):
    publication = publish(make_publication(body="Teks asli."))
    services.update_publication(actor=writer, publication=publication, expected_version=publication.version,
                                kind=publication.kind, title=publication.title, summary=publication.summary,
                                body="Teks usulan.", publish_at=publication.publish_at)
    stored = Publication.objects.get(pk=publication.pk)
    reject_url = reverse("content:change_reject", args=[publication.pk])
    response = client_for(editor).post(reject_url, {"version": stored.version, "note": ""}, follow=True)
    assert "catatan" in " ".join(messages_of(response))
    response = client_for(editor).post(reject_url, {"version": stored.version, "note": "Belum dicek."}, follow=True)
    assert "ditolak" in " ".join(messages_of(response))
    assert Publication.objects.get(pk=publication.pk).body == "Teks asli."
    assert "menolak usulan perubahan publikasi" in response.text and ": “Belum dicek.”" in response.text


def test_the_revision_page_shows_an_escaped_diff_and_restores(make_publication, writer, client_for):
    publication = make_publication(body="Baris satu\nBaris dua")
    services.update_publication(actor=writer, publication=publication, expected_version=publication.version,
                                kind=publication.kind, title=publication.title, summary=publication.summary,
                                body="Baris satu\nBaris <script>alert(1)</script> baru")
    client = client_for(writer)
    page = client.get(reverse("content:revision_list", args=[publication.pk])).text
    assert "Perbedaan revisi 1 → 2" in page
    assert '<span class="diff-del">− Baris dua</span>' in page
    assert '<span class="diff-add">+ Baris &lt;script&gt;alert(1)&lt;/script&gt; baru</span>' in page
    assert "<script>alert" not in page
    assert client.get(reverse("content:revision_list", args=[publication.pk]), {"a": 2, "b": 1}).status_code == 200
    assert client.get(reverse("content:revision_list", args=[publication.pk]), {"a": 9}).status_code == 404
    publication.refresh_from_db()
    client.post(reverse("content:revision_restore", args=[publication.pk, 1]), {"version": publication.version})
    publication.refresh_from_db()
    assert publication.body == "Baris satu\nBaris dua" and publication.revisions.count() == 3


def test_the_preview_renders_the_sanitised_article_with_cover_and_attachments(make_publication, writer, client_for):
    publication = make_publication(body="## Hasil\n\nLihat <script>alert(1)</script>[tautan](javascript:alert(1))")
    services.set_cover_image(actor=writer, publication=publication, uploaded_file=upload("f.png", image_bytes()),
                             alt="Rapat pleno")
    attachment = services.add_attachment(actor=writer, publication=publication,
                                         uploaded_file=upload("sk.pdf", pdf_bytes()), title="SK KPU")
    page = client_for(writer).get(reverse("content:publication_preview", args=[publication.pk])).text
    assert '<article class="article">' in page and "<h2>Hasil</h2>" in page
    assert "<script>alert" not in page and "javascript:" not in page
    assert f'src="{reverse("content:cover_image", args=[publication.pk])}" alt="Rapat pleno"' in page
    assert f'href="{reverse("content:attachment_download", args=[publication.pk, attachment.pk])}">SK KPU</a>' in page
    assert "Pratinjau" in page


def test_files_are_served_with_their_checked_type_and_no_caching(make_publication, writer, client_for):
    publication = make_publication()
    attachment = services.add_attachment(actor=writer, publication=publication,
                                         uploaded_file=upload("SK 12.pdf", pdf_bytes(), "text/html"))
    response = client_for(writer).get(reverse("content:attachment_download", args=[publication.pk, attachment.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "SK 12.pdf" in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"] and "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_uploading_through_the_page(make_publication, writer, client_for):
    publication = make_publication()
    client = client_for(writer)
    response = client.post(reverse("content:attachment_add", args=[publication.pk]),
                           {"file": upload("pengumuman.pdf", b"<html><script>x</script></html>"), "title": ""},
                           follow=True)
    assert "isi berkas bukan PDF" in " ".join(messages_of(response))
    client.post(reverse("content:attachment_add", args=[publication.pk]),
                {"file": upload("sk.pdf", pdf_bytes()), "title": "SK Penetapan"})
    assert Attachment.objects.get().title == "SK Penetapan"


def test_a_huge_upload_is_refused_from_its_declared_length_before_the_body_is_read(make_publication, writer,
                                                                                  client_for):
    publication = make_publication()
    # The test client would fail loudly if anything tried to read 200 MB from this small body.
    response = client_for(writer).post(reverse("content:attachment_add", args=[publication.pk]),
                                       {"file": upload("besar.pdf", pdf_bytes())},
                                       CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert response.status_code == 302
    follow = client_for(writer).get(response.url)
    assert "Berkas terlalu besar (200 MB). Batasnya 25 MB" in " ".join(messages_of(follow))
    assert not Attachment.objects.exists()


def test_the_list_filters_by_status_kind_and_title(make_publication, publish, writer, client_for):
    make_publication(title="Pengumuman rekrutmen PPK", kind=Publication.Kind.ANNOUNCEMENT)
    publish(make_publication(title="Siaran pers DPT"))
    client = client_for(writer)
    url = reverse("content:publication_list")
    page = client.get(url, {"status": Status.PUBLISHED}).text
    assert "Siaran pers DPT" in page and "rekrutmen" not in page
    page = client.get(url, {"kind": Publication.Kind.ANNOUNCEMENT}).text
    assert "rekrutmen" in page and "Siaran pers DPT" not in page
    page = client.get(url, {"q": "REKRUTMEN"}).text
    assert "rekrutmen" in page and "Siaran pers DPT" not in page


def test_deleting_a_draft_through_the_page(make_publication, writer, client_for):
    publication = make_publication()
    response = client_for(writer).post(reverse("content:publication_delete", args=[publication.pk]),
                                       {"version": publication.version})
    assert response.url == reverse("content:publication_list")
    assert not Publication.objects.exists()
    assert AuditEntry.objects.filter(action="publication.deleted").exists()


@pytest.mark.parametrize("name", ["content:publication_list", "content:publication_create"])
def test_pages_have_no_inline_scripts_or_styles(name, writer, client_for):
    page = client_for(writer).get(reverse(name)).text
    assert "<script>" not in page and " style=" not in page and "<style" not in page
