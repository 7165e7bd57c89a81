import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from lib.tabular import TabularError
from members.importing import FIELDS, run_import_job
from members.models import Category, Purpose
from members.services import configure_import_job, create_import_job
from offices.selectors import office_by_code


class Command(BaseCommand):
    # The checks load every URLconf and model check: a second of start-up that an import does not need.
    requires_system_checks = []
    help = "Impor anggota Bakohumas dari CSV/XLSX. Baris yang salah dicantumkan dengan nomor baris dan alasannya."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--office", required=True, help="kode satker, mis. 35.77 (KPU Kota Madiun)")
        parser.add_argument("--dry-run", action="store_true", help="periksa saja, tidak menyimpan apa pun")
        parser.add_argument("--category", default=Category.OTHER, choices=Category.values,
                            help="kategori instansi bila kolom kategori kosong")
        parser.add_argument("--map", action="append", default=[], metavar="ISIAN=JUDUL KOLOM",
                            help=f"pemetaan kolom manual; isian: {', '.join(FIELDS)}")
        parser.add_argument("--consent-purpose", action="append", default=[], choices=Purpose.values)
        parser.add_argument("--consent-evidence", default="", help="dasar persetujuan yang terdokumentasi")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Berkas tidak ditemukan: {path}")
        office = office_by_code(options["office"])
        if office is None:
            raise CommandError(f"Kode satker tidak dikenal: {options['office']!r} (contoh: 35.77). "
                               "Jalankan `manage.py seed_offices` bila pohon satker belum dibuat.")
        try:
            with open(path, "rb") as fh:
                job = create_import_job(actor=None, office=office, uploaded_file=File(fh, name=path.name),
                                        default_category=options["category"])
            mapping = dict(job.mapping)
            for item in options["map"]:
                field_name, _, header = item.partition("=")
                if header not in job.headers:
                    raise CommandError(f"Judul kolom {header!r} tidak ada. Judul di berkas: {job.headers}")
                mapping[field_name.strip()] = job.headers.index(header)
            job = configure_import_job(actor=None, job=job, mapping=mapping,
                                       consent_purposes=options["consent_purpose"],
                                       consent_evidence=options["consent_evidence"], run_in_background=False)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

        self.stdout.write(f"{job.original_name}: {job.file_format.upper()} {job.encoding} "
                          f"pemisah {job.delimiter!r}, ±{job.total_rows} baris")
        self.stdout.write("Pemetaan: " + ", ".join(f"{FIELDS[k]} ← {job.headers[v]!r}" for k, v in job.mapping.items()))
        try:
            outcome = run_import_job(job, dry_run=options["dry_run"],
                                     on_progress=lambda n: sys.stderr.write(f"\r{n}/{job.total_rows} baris"))
            sys.stderr.write("\n")
        except TabularError as exc:
            raise CommandError(str(exc)) from exc
        for error in outcome.iter_errors():
            self.stdout.write(f"Baris {error.row_number} · {error.field}: {error.message}")
        verb = "akan diimpor" if options["dry_run"] else "diimpor"
        self.stdout.write(self.style.SUCCESS(
            f"{outcome.total_rows} baris: {outcome.valid_rows} {verb}, {outcome.error_rows} salah, "
            f"{outcome.duplicate_rows} duplikat."))
