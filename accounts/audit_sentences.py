"""The sentences of the staff accounts' audit rows (audit.sentences)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.sentences import Target, register_area, register_many, register_target

register_area("staff", _("Staf dan log masuk"))
register_area("api_token", _("Token API"))
register_area("api", _("API"))

register_target("accounts.user", Target(
    url=lambda pk: reverse("accounts:staff_edit", args=[pk]), capability="staff.manage",
    labels={"name": _("nama"), "office": _("satker")}))
register_target("accounts.apitoken", Target(
    url=lambda pk: "", capability="staff.manage",
    labels={"user": _("staf"), "what": _("data"), "query": _("saringan")}))

register_many({
    "staff.created": _("{actor} membuat akun staf {object} (peran {role})"),
    "staff.updated": _("{actor} mengubah akun staf {object}"),
    "staff.created_in_admin": _("{actor} membuat akun staf {object} lewat halaman admin"),
    "staff.updated_in_admin": _("{actor} mengubah akun staf {object} lewat halaman admin"),
    "staff.logged_in": _("{actor} masuk"),
    "staff.logged_out": _("{actor} keluar"),
    "staff.on_duty": _("{actor} menandai {object} bertugas di kotak masuk"),
    "staff.off_duty": _("{actor} menandai {object} tidak bertugas di kotak masuk"),
    "staff.password_changed": _("{actor} mengganti kata sandinya"),
    "staff.password_reset": _("{actor} mengatur ulang kata sandi {object}"),
    "staff.totp_enabled": _("{actor} mengaktifkan verifikasi dua langkah untuk {object}"),
    "staff.totp_disabled": _("{actor} menonaktifkan verifikasi dua langkah untuk {object}"),
    "api_token.created": _("{actor} memberikan token API {object} kepada {user} ({scope}, berlaku sampai "
                           "{expires_at})"),
    "api_token.revoked": _("{actor} mencabut token API {object}"),
    "api.bulk_read": _("{actor} membaca daftar {what} lewat API dengan token {object}"),
})
