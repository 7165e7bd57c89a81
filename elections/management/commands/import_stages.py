from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from elections.models import Election
from elections.services import import_stages


class Command(BaseCommand):
    help = ("Impor tahapan sebuah pemilihan dari CSV/XLSX (kolom kode,tahapan,mulai,selesai,sumber,catatan), "
            "diperbarui menurut kode. Satu baris salah: tidak ada yang disimpan; setiap baris salah dicantumkan.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--election", required=True, metavar="KODE", help="kode pemilihan, mis. pilkada-2024")
        parser.add_argument("--dry-run", action="store_true", help="periksa saja, tidak menyimpan apa pun")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Berkas tidak ditemukan: {path}")
        election = Election.objects.select_related("office").filter(code=options["election"].strip()).first()
        if election is None:
            known = ", ".join(Election.objects.order_by("code").values_list("code", flat=True)) or "belum ada"
            raise CommandError(f"Kode pemilihan tidak dikenal: {options['election']!r}. Kode yang ada: {known}. "
                               "Jalankan `manage.py seed_elections` bila pemilihan 2024 belum dibuat.")
        try:
            outcome = import_stages(actor=None, election=election, path_or_file=path, dry_run=options["dry_run"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for error in outcome.errors:
            self.stdout.write(str(error))
        summary = (f"{election.code}: {outcome.total_rows} baris, {outcome.error_rows} salah; "
                   f"{outcome.created} baru, {outcome.updated} diubah, {outcome.unchanged} sama.")
        if outcome.errors:
            self.stdout.write(summary)
            raise CommandError(f"{outcome.error_rows} baris salah: tidak ada yang disimpan. "
                               "Perbaiki berkas lalu jalankan lagi.")
        if options["dry_run"]:
            self.stdout.write(self.style.SUCCESS(summary + " Uji coba: tidak ada yang disimpan."))
        else:
            self.stdout.write(self.style.SUCCESS(summary + " Tersimpan."))
