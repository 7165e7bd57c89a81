"""The sentences of cek fakta's audit rows (audit.sentences)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.sentences import (
                        Target,
                        quoted_note,
                        register,
                        register_area,
                        register_labels,
                        register_many,
                        register_target,
)
from factcheck.models import ClarificationChange, Report, Verdict

register_area("factcheck", _("Cek fakta"))

CLARIFICATION_LABELS = {"kind": _("jenis usulan"), "note": _("catatan"), "change": _("usulan"),
                        "proposed_by": _("pengusul"), "reason": _("alasan"), "publisher": _("penerbit"),
                        "url": _("alamat")}

register_target("factcheck.clarification", Target(
    url=lambda pk: reverse("factcheck:clarification", args=[pk]), capability="factcheck.view",
    labels=CLARIFICATION_LABELS, choices={"kind": ClarificationChange.Kind, "verdict": Verdict}))
register_target("factcheck.claim", Target(
    url=lambda pk: reverse("factcheck:claim", args=[pk]), capability="factcheck.view",
    labels={"assigned_to": _("verifikator"), "merged": _("klaim yang digabung"),
            "clarification": _("klarifikasi"), "reports": _("laporan")}))
register_target("factcheck.report", Target(
    url=lambda pk: "", capability="factcheck.view",
    labels={"text": _("isi"), "source": _("sumber"), "clarification": _("klarifikasi"), "percent": _("kemiripan (%)"),
            "reasons": _("alasan kecocokan")},
    choices={"source": Report.Source}))

register_labels("offices.office", {"suggest": _("ambang saran (%)"), "auto": _("ambang jawaban otomatis (%)"),
                                   "template": _("templat pemberitahuan"), "skipped": _("dilewati"),
                                   "problems": _("masalah")})

register_many({
    "factcheck.report_received": _("{actor} mencatat laporan hoaks {object} ({source})"),
    "factcheck.report_acknowledged": _("Tanda terima laporan dikirim: {object}"),
    "factcheck.report_auto_answered": _("Laporan {object} dijawab otomatis dengan klarifikasi yang mirip ({percent}%)"),
    "factcheck.help_sent": _("Petunjuk cara melapor dikirim: {object}"),
    "factcheck.reporter_notified": _("Pelapor diberi tahu hasil klarifikasi: {object}"),
    "factcheck.claim_created": _("{actor} membuka klaim {object}"),
    "factcheck.claim_assigned": _("{actor} menyerahkan klaim {object} kepada verifikator"),
    "factcheck.claim_verifying": _("{actor} mulai memverifikasi klaim {object}"),
    "factcheck.claim_updated": _("{actor} mengubah ringkasan dan bukti klaim {object}"),
    "factcheck.claim_noted": _("{actor} menambahkan catatan internal pada klaim {object}"),
    "factcheck.claims_merged": _("{actor} menggabungkan klaim lain ke klaim {object}"),
    "factcheck.claim_answered": _("{actor} menjawab klaim {object} ({reports} laporan diberi tahu)"),
    "factcheck.claim_dismissed": _("{actor} menutup klaim {object} tanpa klarifikasi"),
    "factcheck.clarification_created": _("{actor} menulis draf klarifikasi {object} (putusan {verdict})"),
    "factcheck.clarification_edited": _("{actor} mengubah draf klarifikasi {object}"),
    "factcheck.clarification_submitted": _("{actor} mengajukan klarifikasi {object} untuk disetujui"),
    "factcheck.clarification_published": _("{actor} menerbitkan klarifikasi {object} (putusan {verdict})"),
    "factcheck.clarification_imported": _("{actor} mengimpor klarifikasi {object} dari {publisher}"),
    "factcheck.correction_proposed": _("{actor} mengusulkan koreksi klarifikasi {object}"),
    "factcheck.withdrawal_proposed": _("{actor} mengusulkan penarikan klarifikasi {object}"),
    "factcheck.clarification_corrected": _("{actor} menyetujui koreksi klarifikasi {object} (putusan {verdict})"),
    "factcheck.clarification_withdrawn": _("{actor} menyetujui penarikan klarifikasi {object}"),
    "factcheck.settings_updated": _("{actor} mengubah pengaturan cek fakta {object}"),
    "factcheck.external_imported": _("{actor} mengimpor {created} klarifikasi cek fakta luar dari {object}"),
})
register("factcheck.clarification_returned", _("{actor} mengembalikan klarifikasi {object} kepada penulisnya{note}"),
         values=quoted_note("reason"))
register("factcheck.change_rejected", _("{actor} menolak usulan {kind} klarifikasi {object}{note}"),
         values=quoted_note("reason"))
