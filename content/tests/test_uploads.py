from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from audit.models import AuditEntry
from content import conf, selectors, services
from content.models import Attachment, Publication
from content.tests.samples import image_bytes, pdf_bytes, upload, xlsx_bytes, zip_bytes

DOCX_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
              b'wordprocessingml.document.main+xml"/></Types>')
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>'


def add(publication, actor, name, data, title=""):
    return services.add_attachment(actor=actor, publication=publication, uploaded_file=upload(name, data),
                                   title=title)


@pytest.fixture
def draft(make_publication):
    return make_publication(body="")


def test_it_accepts_a_real_pdf_and_records_it(draft, writer, madiun):
    attachment = add(draft, writer, "Keputusan KPU 12 2029.PDF", pdf_bytes(), title="SK Penetapan DPT")
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "Keputusan KPU 12 2029.PDF"
    assert attachment.file.name.endswith(".pdf") and Path(attachment.file.path).read_bytes().startswith(b"%PDF-")
    assert attachment.size == len(pdf_bytes())
    entry = AuditEntry.objects.get(action="publication.attachment_added")
    assert entry.actor == writer and entry.office == madiun and entry.after["title"] == "SK Penetapan DPT"
    # The file name is the default title.
    assert add(draft, writer, "rekap-dpt.pdf", pdf_bytes()).title == "rekap-dpt"


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("rekap.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("siaran.docx", zip_bytes({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": b"<w:document/>"}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("notulen.odt", zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
     "application/vnd.oasis.opendocument.text"),
    ("foto.png", image_bytes("PNG"), "image/png"),
    ("foto.jpeg", image_bytes("JPEG"), "image/jpeg"),
    ("foto.webp", image_bytes("WEBP"), "image/webp"),
])
def test_it_accepts_office_documents_and_images_by_their_content(draft, writer, name, data, content_type):
    assert add(draft, writer, name, data).content_type == content_type


@pytest.mark.parametrize(("name", "data", "message"), [
    ("pengumuman.pdf", HTML, "isi berkas bukan PDF"),
    ("logo.svg", SVG, "SVG tidak diterima karena dapat berisi skrip"),
    ("halaman.html", HTML, "Jenis berkas .html tidak diterima"),
    ("program.exe", b"MZ\x90\x00", "Jenis berkas .exe tidak diterima"),
    ("tanpa-akhiran", pdf_bytes(), "tidak berakhiran jenis berkas"),
    ("lama.doc", b"\xd0\xcf\x11\xe0", "Format Office lama"),
    ("palsu.docx", zip_bytes({"word/document.xml": b"<x/>"}), "bukan dokumen Word"),
    ("teks.docx", b"bukan zip sama sekali", "bukan dokumen Word"),
    ("makro.docx", zip_bytes({"[Content_Types].xml": DOCX_TYPES, "word/vbaProject.bin": b"x"}), "makro"),
    ("palsu.odt", zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "bukan dokumen"),
    ("foto.png", b"\x89PNG\r\n\x1a\n" + b"rusak" * 20, "bukan gambar PNG yang utuh"),
    ("foto.png", image_bytes("PNG", (64, 64))[:-30], "bukan gambar PNG yang utuh"),
    ("foto.jpg", image_bytes("PNG"), "isinya gambar PNG, bukan JPEG"),
    ("kosong.pdf", b"", "Berkas kosong"),
])
def test_it_refuses_files_whose_content_is_not_what_is_allowed(draft, writer, name, data, message):
    with pytest.raises(ValidationError, match=message) as caught:
        add(draft, writer, name, data)
    assert "file" in caught.value.message_dict
    assert not Attachment.objects.exists()


@override_settings(CONTENT_UPLOAD_MAX_MB=1)
def test_it_refuses_an_oversized_file(draft, writer):
    with pytest.raises(ValidationError, match="Berkas terlalu besar .* Batasnya 1 MB"):
        add(draft, writer, "besar.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1))
    add(draft, writer, "pas.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 - 100))


def test_a_200_mb_upload_is_refused_by_its_size_without_reading_it(draft, writer):
    class Huge:
        name = "rekaman-rapat.pdf"
        size = 200 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("the file was read")

        seek = read

    with pytest.raises(ValidationError, match="Berkas terlalu besar \\(200,0 MB\\). Batasnya 25 MB"):
        services.add_attachment(actor=writer, publication=draft, uploaded_file=Huge())


def test_the_limit_comes_from_settings():
    assert conf.upload_max_mb() == 25
    with override_settings(CONTENT_UPLOAD_MAX_MB=10):
        assert conf.upload_max_bytes() == 10 * 1024 * 1024


def test_removing_an_attachment_deletes_its_file_after_commit(draft, writer, django_capture_on_commit_callbacks):
    attachment = add(draft, writer, "sk.pdf", pdf_bytes())
    path = Path(attachment.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_attachment(actor=writer, attachment=attachment)
    assert not path.exists() and not Attachment.objects.exists()
    assert AuditEntry.objects.filter(action="publication.attachment_removed").exists()


def test_attachments_count_as_a_change_of_the_publication(draft, writer):
    version = draft.version
    add(draft, writer, "sk.pdf", pdf_bytes())
    draft.refresh_from_db()
    assert draft.version == version + 1


def test_an_attachment_added_to_a_published_item_waits_for_a_second_person(
        make_publication, publish, writer, editor, django_capture_on_commit_callbacks):
    publication = publish(make_publication())
    staged = add(publication, writer, "sk.pdf", pdf_bytes())
    assert staged.change is not None and not selectors.approved_attachments(publication).exists()
    # Rejecting the change throws the staged file away.
    path = Path(staged.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_change(actor=editor, publication=Publication.objects.get(pk=publication.pk),
                               note="Salah berkas.")
    assert not path.exists() and not Attachment.objects.filter(pk=staged.pk).exists()


def test_taking_a_live_attachment_down_is_one_step_for_someone_who_may_publish(make_publication, publish, writer,
                                                                               editor, make_staff, madiun):
    publication = publish(make_publication())
    attachment = add(publication, writer, "sk.pdf", pdf_bytes())
    services.approve_change(actor=editor, publication=Publication.objects.get(pk=publication.pk))
    attachment.refresh_from_db()
    assert attachment.change is None
    with pytest.raises(PermissionDenied):
        services.remove_attachment(actor=writer, attachment=attachment)
    services.remove_attachment(actor=make_staff(madiun, "editor"), attachment=attachment)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_the_cover_image_needs_alt_text_and_a_real_image(draft, writer, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError, match="Teks alternatif gambar wajib diisi"):
        services.set_cover_image(actor=writer, publication=draft, uploaded_file=upload("a.png", image_bytes()),
                                 alt=" ")
    with pytest.raises(ValidationError, match="SVG tidak diterima"):
        services.set_cover_image(actor=writer, publication=draft, uploaded_file=upload("a.svg", SVG), alt="Logo")
    with pytest.raises(ValidationError, match="Jenis berkas .pdf tidak diterima"):
        services.set_cover_image(actor=writer, publication=draft, uploaded_file=upload("a.pdf", pdf_bytes()),
                                 alt="Logo")
    with pytest.raises(ValidationError, match="tidak boleh berisi kode HTML"):
        services.set_cover_image(actor=writer, publication=draft, uploaded_file=upload("a.png", image_bytes()),
                                 alt='<img src=x onerror="alert(1)">')
    services.set_cover_image(actor=writer, publication=draft, uploaded_file=upload("rapat pleno.png", image_bytes()),
                             alt="Rapat pleno penetapan DPT")
    draft.refresh_from_db()
    first = Path(draft.cover_image.path)
    assert first.exists() and draft.cover_alt == "Rapat pleno penetapan DPT"
    with django_capture_on_commit_callbacks(execute=True):
        services.set_cover_image(actor=writer, publication=draft, uploaded_file=upload("b.jpg", image_bytes("JPEG")),
                                 alt="Foto baru")
    draft.refresh_from_db()
    assert not first.exists() and draft.cover_image.name.endswith(".jpg")
    # Only the alt text.
    services.set_cover_image(actor=writer, publication=draft, alt="Ketua KPU membuka rapat")
    draft.refresh_from_db()
    assert draft.cover_alt == "Ketua KPU membuka rapat" and draft.cover_image.name.endswith(".jpg")
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_cover_image(actor=writer, publication=draft)
    draft.refresh_from_db()
    assert not draft.cover_image and draft.cover_alt == ""
    actions = set(AuditEntry.objects.filter(target_id=str(draft.pk)).values_list("action", flat=True))
    assert {"publication.cover_set", "publication.cover_removed"} <= actions
