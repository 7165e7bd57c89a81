from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from members.services import purge_old_import_files


class Command(BaseCommand):
    help = "Menghapus berkas impor (data pribadi) yang lebih tua dari masa simpan. Jalankan harian (cron/systemd)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.IMPORT_FILE_RETENTION_DAYS)

    def handle(self, *args, **options):
        purged = purge_old_import_files(older_than=timedelta(days=options["days"]))
        self.stdout.write(f"{purged} berkas impor dihapus (lebih tua dari {options['days']} hari).")
