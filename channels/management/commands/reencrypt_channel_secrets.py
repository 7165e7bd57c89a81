"""Key rotation: with the new key first in SECRETS_KEY (the old ones after it), every channel secret is encrypted
again with the new key; then the old key can be dropped. Running it again changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from audit.services import record
from channels.crypto import reseal_channels
from channels.models import Channel


class Command(BaseCommand):
    help = ("Mengenkripsi ulang semua rahasia kanal dengan kunci pertama di SECRETS_KEY (rotasi kunci). "
            "Aman dijalankan berulang.")

    def handle(self, *args, **options):
        counts, rewritten = reseal_channels(Channel)
        for channel in Channel.objects.filter(pk__in=rewritten).select_related("office"):
            record(actor=None, office=channel.office, action="channel.secrets_reencrypted", target=channel)
        self.stdout.write(
            f"{counts['old']} rahasia dienkripsi ulang dengan kunci pertama, {counts['plain']} teks biasa dienkripsi, "
            f"{counts['current']} sudah memakai kunci pertama ({len(rewritten)} kanal ditulis ulang).")
        if counts["unreadable"]:
            raise CommandError(
                f"{counts['unreadable']} rahasia tidak dapat dibuka dengan kunci mana pun di SECRETS_KEY dan dibiarkan "
                "apa adanya: tambahkan kunci lama ke SECRETS_KEY lalu jalankan lagi, atau isi ulang rahasia kanalnya.")
