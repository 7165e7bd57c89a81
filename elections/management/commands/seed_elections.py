from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from elections.services import seed_elections


class Command(BaseCommand):
    help = ("Membuat Pemilu 2024, putaran kedua Pilpres (bersyarat) dan Pilkada Serentak 2024 (KPU RI) beserta "
            "tahapannya dari data/tahapan_pemilu_2024.csv. Idempoten: pemilihan yang sudah ada tidak diubah.")

    def handle(self, *args, **options):
        try:
            outcome = seed_elections()
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for code in outcome.created:
            self.stdout.write(f"{code}: dibuat dengan {outcome.stages[code]} tahapan")
        for code in outcome.existing:
            self.stdout.write(f"{code}: sudah ada, tidak diubah")
        self.stdout.write(self.style.SUCCESS(
            f"Pemilihan: {len(outcome.created)} baru, {len(outcome.existing)} sudah ada."))
