"""Plain-language explanations of delivery statuses and provider errors, for staff."""

from django.utils.translation import gettext_lazy as _

from broadcasts.models import Delivery
from channels.explain import explain_error

S = Delivery.Status
STATUS_HELP = {
    S.QUEUED: _("Menunggu giliran: pesan dikirim sesuai batas kecepatan kanal, dan siaran biasa menunggu jam "
                "tenang selesai."),
    S.SENDING: _("Sedang diserahkan ke penyedia."),
    S.HELD: _("Ditahan karena siaran dijeda; dikirim lagi bila siaran dilanjutkan."),
    S.SENT: _("Penyedia (WhatsApp, Telegram atau server e-mail) sudah menerima pesan. Telegram dan e-mail tidak "
              "memberi kabar lebih lanjut; WhatsApp akan mengabarkan bila pesan sampai."),
    S.DELIVERED: _("Pesan sampai di perangkat penerima."),
    S.READ: _("Penerima sudah membuka pesan (WhatsApp, bila tanda baca penerima aktif)."),
    S.FAILED: _("Pesan tidak sampai. Lihat penyebab di bawah."),
    S.SKIPPED: _("Pesan tidak dikirim."),
}
DELIVERY_OUTCOME_HELP = {
    "opted_out": _("Penerima berhenti berlangganan atau menarik persetujuannya sebelum pesan dikirim."),
    "cancelled": _("Siaran dibatalkan sebelum pesan ini dikirim."),
}


def explain_delivery(delivery: Delivery) -> dict:
    return {"status": STATUS_HELP.get(delivery.status, ""),
            "error": explain_error(delivery.channel.kind, delivery.error_outcome, delivery.error_code,
                                   DELIVERY_OUTCOME_HELP)
            if delivery.error_outcome else ""}
