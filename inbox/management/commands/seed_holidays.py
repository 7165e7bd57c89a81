import csv
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from inbox.models import Holiday

DEFAULT_FILE = Path(settings.BASE_DIR) / "data" / "hari_libur.csv"


class Command(BaseCommand):
    help = "Memuat hari libur nasional dan cuti bersama (untuk tenggat hari kerja). Mengganti tahun yang ada di berkas."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args, file, **options):
        rows, errors = [], []
        try:
            with open(file, encoding="utf-8-sig", newline="") as handle:
                for number, row in enumerate(csv.DictReader(handle), start=2):
                    try:
                        rows.append(Holiday(date=date.fromisoformat((row.get("tanggal") or "").strip()),
                                            name=(row.get("nama") or "").strip()[:120] or "Hari libur"))
                    except ValueError:
                        errors.append(f"baris {number}: tanggal “{row.get('tanggal')}” bukan YYYY-MM-DD")
        except OSError as exc:
            raise CommandError(f"Berkas tidak dapat dibaca: {exc}") from exc
        if errors:
            raise CommandError("Tidak ada yang dimuat:\n" + "\n".join(errors))
        years = {h.date.year for h in rows}
        with transaction.atomic():
            Holiday.objects.filter(date__year__in=years).delete()
            Holiday.objects.bulk_create(rows, ignore_conflicts=True)
        self.stdout.write(self.style.SUCCESS(f"{len(rows)} hari libur untuk tahun {sorted(years)} dimuat."))
