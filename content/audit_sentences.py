"""The sentences of the publications' audit rows (audit.sentences)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.sentences import Target, quoted_note, register, register_area, register_many, register_target

register_area("publication", _("Publikasi"))

register_target("content.publication", Target(
    url=lambda pk: reverse("content:publication_detail", args=[pk]), capability="content.view",
    labels={"revision": _("revisi"), "restored_revision": _("revisi yang dipulihkan"), "note": _("catatan"),
            "scheduled": _("terjadwal"), "change": _("usulan perubahan"), "proposed_by": _("pengusul"),
            "attachment": _("lampiran"), "attachments_added": _("lampiran baru"), "file": _("berkas"),
            "title": _("judul"), "content_type": _("jenis berkas"), "size": _("ukuran (bita)"),
            "cover_image": _("gambar sampul"), "cover_alt": _("teks alternatif sampul"), "tags": _("label"),
            "body_chars": _("panjang isi (karakter)"), "stage": _("tahapan terkait")}))

register_many({
    "publication.created": _("{actor} membuat publikasi {object}"),
    "publication.updated": _("{actor} mengubah publikasi {object}"),
    "publication.corrected": _("{actor} mengoreksi publikasi {object} setelah terbit"),
    "publication.revision_restored": _("{actor} memulihkan revisi {restored_revision} publikasi {object}"),
    "publication.submitted": _("{actor} mengajukan publikasi {object} untuk ditinjau"),
    "publication.published": _("{actor} menyetujui dan menerbitkan publikasi {object}"),
    "publication.archived": _("{actor} mengarsipkan publikasi {object}"),
    "publication.unarchived": _("{actor} mengeluarkan publikasi {object} dari arsip"),
    "publication.attachment_added": _("{actor} menambahkan lampiran {title} pada publikasi {object}"),
    "publication.attachment_removed": _("{actor} menghapus lampiran {old_title} dari publikasi {object}"),
    "publication.cover_set": _("{actor} mengatur gambar sampul publikasi {object}"),
    "publication.cover_removed": _("{actor} menghapus gambar sampul publikasi {object}"),
    "publication.change_proposed": _("{actor} mengusulkan perubahan pada publikasi terbit {object}"),
    "publication.change_approved": _("{actor} menyetujui perubahan publikasi {object}, kini tayang"),
    "publication.change_cancelled": _("{actor} membatalkan usulan perubahan publikasi {object}"),
})
register_many({
    "publication.deleted": _("{actor} menghapus draf publikasi {object}"),
}, link=False)
register("publication.returned", _("{actor} mengembalikan publikasi {object} ke draf{note}"), values=quoted_note())
register("publication.change_rejected", _("{actor} menolak usulan perubahan publikasi {object}{note}"),
         values=quoted_note())
