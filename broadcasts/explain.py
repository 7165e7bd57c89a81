"""Plain-language explanations of delivery statuses and provider errors, for staff."""

from django.utils.translation import gettext_lazy as _

from broadcasts.models import Delivery
from channels.providers import REGISTRY
from channels.providers.base import BAD_ADDRESS, CHANNEL_BROKEN, NEEDS_TEMPLATE, REJECTED, TRANSIENT

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
OUTCOME_HELP = {
    TRANSIENT: _("Gangguan sementara di penyedia (batas kecepatan, server sibuk, atau tidak ada jawaban). Sistem "
                 "mencoba lagi otomatis dengan jeda yang makin panjang."),
    NEEDS_TEMPLATE: _("Penerima belum menulis ke nomor ini dalam 24 jam terakhir, sehingga WhatsApp hanya menerima "
                      "templat yang disetujui. Pilih templat pada siaran."),
    BAD_ADDRESS: _("Alamat ini tidak dapat menerima pesan (nomor tidak memakai WhatsApp, bot diblokir, atau obrolan "
                   "tidak ditemukan). Alamat ditandai agar tidak dicoba lagi."),
    CHANNEL_BROKEN: _("Akun pengirim ditolak penyedia (token kedaluwarsa atau dicabut). Kanal dihentikan; pesan "
                      "tetap antre sampai admin memperbarui kredensial."),
    REJECTED: _("Penyedia menolak pesan ini. Periksa isi pesan atau templat."),
    "failed": _("Penyedia melaporkan pesan gagal sampai."),
    "opted_out": _("Penerima berhenti berlangganan atau menarik persetujuannya sebelum pesan dikirim."),
    "cancelled": _("Siaran dibatalkan sebelum pesan ini dikirim."),
}


def explain_error(kind: str, outcome: str, code: int | None) -> str:
    provider = REGISTRY.get(kind)
    specific = provider.error_help.get(code) if provider is not None and code is not None else None
    general = OUTCOME_HELP.get(outcome, "")
    return " ".join(str(p) for p in (specific, general) if p)


def explain_delivery(delivery: Delivery) -> dict:
    return {"status": STATUS_HELP.get(delivery.status, ""),
            "error": explain_error(delivery.channel.kind, delivery.error_outcome, delivery.error_code)
            if delivery.error_outcome else ""}


def explain_result(result) -> str:
    return OUTCOME_HELP.get(result.outcome, "") + (f" ({result.error_code}: {result.detail})" if result.detail else "")
