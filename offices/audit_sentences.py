"""The sentences of the office tree's audit rows (audit.sentences)."""

from django.utils.translation import gettext_lazy as _

from audit.sentences import Target, register_area, register_many, register_target

register_area("office", _("Pengaturan satker"))
register_area("offices", _("Daftar satker"))

register_target("offices.office", Target(
    url=lambda pk: "", capability="office.manage",
    labels={"created": _("baru"), "updated": _("diperbarui"), "requires_approval": _("siaran perlu persetujuan"),
            "quiet": _("jam tenang"), "token_rotated": _("tautan diganti")}))

register_many({
    "offices.seeded": _("{actor} memuat daftar satker: {created} baru, {updated} diperbarui"),
    "office.profile_updated": _("{actor} mengubah profil publik {object}"),
})
