"""The sentences of the channels' audit rows (audit.sentences)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.sentences import Target, register_area, register_many, register_target
from channels import providers

register_area("channel", _("Kanal"))
register_area("template", _("Templat WhatsApp"))

register_target("channels.channel", Target(
    url=lambda pk: reverse("channels:channel_detail", args=[pk]), capability="broadcast.view",
    labels={"secrets_set": _("rahasia yang diisi"), "secrets_changed": _("rahasia yang diganti"),
            "to": _("tujuan"), "ok": _("berhasil"), "outcome": _("hasil"), "error_code": _("kode galat"),
            "url": _("alamat"), "detail": _("keterangan"), "messages": _("pesan"), "reason": _("alasan"),
            "config": _("pengaturan"), "sender": _("pengirim"),
            "text": _("teks")},
    choices={"kind": providers.choices}))
register_target("channels.template", Target(
    url=lambda pk: "", capability="channels.manage",
    labels={"parameters": _("parameter"), "by": _("oleh"), "at": _("pada")}))

register_many({
    "channel.created": _("{actor} menambahkan kanal {object}"),
    "channel.updated": _("{actor} mengubah kanal {object}"),
    "channel.paused": _("{actor} menjeda kanal {object}"),
    "channel.resumed": _("{actor} mengaktifkan kanal {object}"),
    "channel.tested": _("{actor} mengirim pesan uji lewat kanal {object} ke {to}: berhasil {ok}"),
    "channel.webhook_registered": _("{actor} mendaftarkan webhook kanal {object}: berhasil {ok}"),
    "channel.routing_retried": _("{actor} mengirim ulang {messages} pesan yang tertahan di kanal {object}"),
    "channel.message_typed": _("{actor} mengetik pesan masuk uji atas nama {sender} di kanal {object}"),
    "channel.secrets_reencrypted": _("{actor} mengenkripsi ulang rahasia kanal {object}"),
    "template.category_changed": _("Meta mengubah kategori templat WhatsApp {object} dari {old_category} menjadi "
                                   "{category}"),
    "template.saved": _("{actor} menyimpan templat WhatsApp {object} ({status})"),
    "office.sending_settings": _("{actor} mengubah pengaturan pengiriman {object}"),
})
