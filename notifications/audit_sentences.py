"""The sentences of the notifications' audit rows (audit.sentences)."""

from django.utils.translation import gettext_lazy as _

from audit.sentences import register, register_area

register_area("notifications", _("Notifikasi"))

register("notifications.preference_saved", _("{actor} mengubah pilihan notifikasinya"))
