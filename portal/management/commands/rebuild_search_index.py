from django.core.management.base import BaseCommand

from portal.services import rebuild_search_index


class Command(BaseCommand):
    help = "Membangun ulang indeks pencarian publikasi (mis. setelah memulihkan cadangan)."

    def handle(self, *args, **options):
        self.stdout.write(f"{rebuild_search_index()} publikasi diindeks.")
