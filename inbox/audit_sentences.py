"""The sentences of the inbox's audit rows (audit.sentences)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.sentences import Target, register, register_area, register_many, register_target

register_area("conversation", _("Percakapan"))
register_area("saved_reply", _("Balasan tersimpan"))

register_target("inbox.conversation", Target(
    url=lambda pk: reverse("inbox:conversation_detail", args=[pk]), capability="inbox.view",
    labels={"to": _("kepada"), "how": _("cara"), "assigned_to": _("ditangani oleh"), "tags": _("label"),
            "member": _("anggota"), "name": _("nama"), "due_at": _("tenggat"), "reason": _("alasan"),
            "note": _("catatan"), "by": _("oleh"), "addresses": _("alamat")}))
register_target("inbox.savedreply", Target(
    url=lambda pk: reverse("inbox:saved_reply_edit", args=[pk]), capability="inbox.manage",
    labels={"shortcode": _("kode singkat")}))

register_many({
    "conversation.replied": _("{actor} membalas percakapan {object}"),
    "conversation.auto_replied": _("Balasan otomatis dikirim pada percakapan {object}"),
    "conversation.noted": _("{actor} menambahkan catatan internal pada percakapan {object}"),
    "conversation.tagged": _("{actor} memberi label percakapan {object}: {tags}"),
    "conversation.closed": _("{actor} menutup percakapan {object}"),
    "conversation.reopened": _("{actor} membuka kembali percakapan {object}"),
    "conversation.contact_form": _("Pesan formulir kontak portal masuk sebagai percakapan {object}"),
    "conversation.escalated": _("{actor} meneruskan percakapan {object} ke satker atas (tenggat {due_at})"),
    "conversation.escalation_answered": _("{actor} menjawab percakapan {object} yang diteruskan"),
    "conversation.escalation_returned": _("{actor} mengembalikan percakapan {object} ke satker asal"),
    "conversation.escalation_reminded": _("Pengingat tenggat percakapan {object} dikirim (tenggat {due_at})"),
    "conversation.flood_flagged": _("Percakapan {object} ditandai membanjiri pesan"),
    "conversation.flood_cleared": _("{actor} mencabut tanda banjir pesan pada percakapan {object}"),
    "conversation.linked_to_member": _("{actor} menghubungkan percakapan {object} dengan anggota {name}"),
    "saved_reply.saved": _("{actor} menyimpan balasan tersimpan {object}"),
})
# Round robin stored {"to": username}; a staff choice {"assigned_to": username or None}.
register("conversation.assigned", _("{actor} menyerahkan percakapan {object} kepada {assignee}"),
         values=lambda before, after: {"assignee": after.get("assigned_to") or after.get("to")})
