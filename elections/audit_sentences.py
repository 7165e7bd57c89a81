"""The sentences of the elections' audit rows (audit.sentences)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.sentences import Target, register_area, register_many, register_target

register_area("election", _("Pemilihan"))
register_area("stage", _("Tahapan"))

register_target("elections.election", Target(
    url=lambda pk: reverse("elections:election_detail", args=[pk]), capability="content.view",
    labels={"file": _("berkas"), "rows": _("baris"), "created": _("baru"), "updated": _("diubah"),
            "unchanged": _("tidak berubah")}))

register_many({
    "election.created": _("{actor} membuat pemilihan {object}"),
    "election.updated": _("{actor} mengubah pemilihan {object}"),
    "election.stages_imported": _("{actor} mengimpor tahapan pemilihan {object} dari {file} ({rows} baris)"),
    "stage.created": _("{actor} menambahkan tahapan {object}"),
    "stage.updated": _("{actor} mengubah tahapan {object}"),
})
register_many({
    "stage.deleted": _("{actor} menghapus tahapan {object}"),
}, link=False)
