"""The sentences of the registry's audit rows (audit.sentences)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.sentences import Target, register_area, register_many, register_target
from members.models import Category, Consent, Purpose

register_area("member", _("Anggota"))
register_area("members", _("Ekspor dan impor anggota"))
register_area("address", _("Alamat anggota"))
register_area("consent", _("Persetujuan (PDP)"))
register_area("organization", _("Instansi"))
register_area("group", _("Grup"))
register_area("import", _("Impor"))
register_area("imports", _("Berkas impor"))

ADDRESS_LABELS = {"address": _("alamat"), "note": _("catatan"), "opted_out": _("berhenti berlangganan"),
                  "purposes": _("tujuan"), "reason": _("alasan"), "source": _("asal"), "tags": _("label"),
                  "addresses": _("alamat"), "urn": _("alamat"), "primary": _("utama"),
                  "organization": _("instansi"), "method": _("cara pemberian"), "evidence": _("dasar/bukti")}

register_target("members.member", Target(
    url=lambda pk: reverse("members:member_detail", args=[pk]), capability="registry.view",
    labels=ADDRESS_LABELS, choices={"purposes": Purpose, "method": Consent.Method}))
register_target("members.organization", Target(
    url=lambda pk: reverse("members:organization_detail", args=[pk]), capability="registry.view"))
register_target("members.group", Target(
    url=lambda pk: reverse("members:group_detail", args=[pk]), capability="registry.view",
    labels={"categories": _("kategori"), "tags": _("label"), "member_id": _("anggota")},
    choices={"categories": Category}))
register_target("members.importjob", Target(
    url=lambda pk: reverse("members:import_detail", args=[pk]), capability="registry.import",
    labels={"file": _("berkas"), "rows": _("baris"), "created": _("anggota baru"), "bad_rows": _("baris salah"),
            "duplicates": _("duplikat"), "error": _("galat"), "mapping": _("pemetaan kolom"),
            "consent_purposes": _("tujuan persetujuan"), "valid_rows": _("baris valid")},
    choices={"consent_purposes": Purpose}))

register_many({
    "member.created": _("{actor} menambahkan anggota {object}"),
    "member.updated": _("{actor} mengubah data anggota {object}"),
    "member.status_changed": _("{actor} mengubah status anggota {object} menjadi {status}"),
    "member.registration_approved": _("{actor} menyetujui pendaftaran mandiri {object}"),
    "member.data_exported": _("{actor} mengunduh seluruh data pribadi {object}"),
    "member.erased": _("{actor} menghapus dan menganonimkan data anggota {object}"),
    "members.exported": _("{actor} mengekspor {rows} baris daftar anggota ({format})"),
    "members.imported": _("{actor} mengimpor {created} anggota baru dari {object}"),
    "address.opt_out": _("{actor} menandai alamat {address} milik {object} berhenti berlangganan"),
    "address.opt_in": _("{actor} mengaktifkan kembali langganan alamat {address} milik {object}"),
    "address.connected": _("{actor} menghubungkan alamat {address} milik {object}"),
    "address.reachable": _("{actor} menandai alamat {address} milik {object} dapat dihubungi lagi"),
    "consent.given": _("{actor} mencatat persetujuan {object} untuk {purposes} ({method})"),
    "consent.withdrawn": _("{actor} mencatat penarikan persetujuan {object} untuk {purposes}"),
    "organization.created": _("{actor} menambahkan instansi {object}"),
    "organization.updated": _("{actor} mengubah data instansi {object}"),
    "group.created": _("{actor} membuat grup {object}"),
    "group.updated": _("{actor} mengubah grup {object}"),
    "group.member_added": _("{actor} menambahkan seorang anggota ke grup {object}"),
    "group.member_removed": _("{actor} mengeluarkan seorang anggota dari grup {object}"),
    "import.uploaded": _("{actor} mengunggah berkas impor {object} ({rows} baris)"),
    "import.mapped": _("{actor} memetakan kolom berkas impor {object}"),
    "import.confirmed": _("{actor} menjalankan impor {object} ({valid_rows} baris valid)"),
    "import.cancelled": _("{actor} membatalkan impor {object}"),
    "import.failed": _("Impor {object} gagal: {error}"),
    "imports.files_purged": _("{actor} menghapus {jobs} berkas impor yang berumur lebih dari {older_than_days} hari"),
    "office.registration_settings": _("{actor} mengubah pengaturan pendaftaran mandiri {object}"),
})
register_many({
    "group.deleted": _("{actor} menghapus grup {object}"),
}, link=False)
