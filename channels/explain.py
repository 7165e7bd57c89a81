"""What a provider's answer means, in words staff understand: per outcome, and per provider error code."""

from django.utils.translation import gettext_lazy as _

from channels.providers import REGISTRY
from channels.providers.base import BAD_ADDRESS, CHANNEL_BROKEN, NEEDS_TEMPLATE, REJECTED, TRANSIENT

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
}




def explain_error(kind: str, outcome: str, code: int | None, more: dict | None = None) -> str:
    """The provider's own help for the code (when it has one), then what the outcome means. `more` adds outcomes
    that belong to the caller (a cancelled broadcast, say)."""
    provider = REGISTRY.get(kind)
    specific = provider.error_help.get(code) if provider is not None and code is not None else None
    general = {**OUTCOME_HELP, **(more or {})}.get(outcome, "")
    return " ".join(str(p) for p in (specific, general) if p)


def explain_result(result) -> str:
    return OUTCOME_HELP.get(result.outcome, "") + (f" ({result.error_code}: {result.detail})" if result.detail else "")
