from django.core.management.base import BaseCommand

from offices.services import seed_offices


class Command(BaseCommand):
    help = "Membuat/memperbarui pohon satker KPU (KPU RI, 38 provinsi, 514 kabupaten/kota). Idempoten."

    def handle(self, *args, **options):
        result = seed_offices()
        self.stdout.write(f"Satker: {result.total} (baru {result.created}, diperbarui {result.updated})")
