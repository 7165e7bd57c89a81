"""The sentences of the broadcasts' audit rows (audit.sentences)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.sentences import Target, quoted_note, register, register_area, register_many, register_target
from members.models import Category

register_area("broadcast", _("Siaran"))
register_area("message", _("Pesan keluar"))

register_target("broadcasts.broadcast", Target(
    url=lambda pk: reverse("broadcasts:broadcast_detail", args=[pk]), capability="broadcast.view",
    labels={"categories": _("kategori penerima"), "groups": _("grup penerima"), "audience_all": _("semua anggota"),
            "note": _("catatan"), "held": _("pesan ditahan"), "resumed": _("pesan dilanjutkan"),
            "not_sent": _("pesan tidak dikirim"), "group": _("grup WhatsApp"), "recipients": _("penerima"),
            "excluded": _("tidak terjangkau"), "per_channel": _("per kanal"), "queued": _("pesan didahulukan")},
    choices={"categories": Category}))
register_target("broadcasts.delivery", Target(url=lambda pk: "", capability="broadcast.view",
                                              labels={"text": _("teks")}))

register_many({
    "broadcast.created": _("{actor} menyusun siaran {object}"),
    "broadcast.updated": _("{actor} mengubah draf siaran {object}"),
    "broadcast.submitted": _("{actor} mengajukan siaran {object} untuk disetujui"),
    "broadcast.released": _("{actor} mengirim siaran {object} (satker tanpa persetujuan kedua)"),
    "broadcast.approved": _("{actor} menyetujui siaran {object}"),
    "broadcast.marked_urgent": _("{actor} menandai siaran {object} mendesak"),
    "broadcast.paused": _("{actor} menjeda siaran {object} ({held} pesan ditahan)"),
    "broadcast.resumed": _("{actor} melanjutkan siaran {object}"),
    "broadcast.cancelled": _("{actor} membatalkan siaran {object} ({not_sent} pesan tidak dikirim)"),
    "broadcast.group_posted": _("{actor} mencatat siaran {object} sudah ditempel ke grup {group}"),
    "broadcast.started": _("Pengiriman siaran {object} dimulai untuk {recipients} penerima"),
    "broadcast.cost_settings": _("{actor} mengubah tarif dan anggaran pesan {object}"),
    "channel.broken": _("Kanal {object} berhenti: {reason}"),
    "message.queued": _("{actor} mengirim pesan {object}"),
    "message.keyword_reply": _("Balasan otomatis kata kunci dikirim: {object}"),
})
register("broadcast.returned", _("{actor} mengembalikan siaran {object} ke draf{note}"), values=quoted_note())
