"""Hostile import files: every read bounded, nothing read inside a transaction, bad rows stored up to a limit."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from lib.tests.test_tabular import make_xlsx
from members import importing, services
from members.importing import run_import_job
from members.models import ImportJob, ImportRowError


def upload(office, actor, name: str, data: bytes) -> ImportJob:
    return services.create_import_job(actor=actor, office=office, uploaded_file=SimpleUploadedFile(name, data))


def configure(job, actor):
    return services.configure_import_job(actor=actor, job=job, mapping=job.mapping, consent_purposes=[],
                                         consent_evidence="", run_in_background=False)


def test_an_xlsx_bomb_is_refused_at_upload_with_the_limit_named(madiun, operator, settings, tmp_path):
    settings.IMPORT_XLSX_MAX_UNZIPPED_BYTES = 1024 * 1024
    path = make_xlsx(tmp_path / "bom.xlsx", [[("s", 0), "HP"]], shared=["N" * (3 * 1024 * 1024)])
    with pytest.raises(ValidationError, match=r"terlalu besar setelah diekstrak \(lebih dari 1 MB\)"):
        upload(madiun, operator, "bom.xlsx", path.read_bytes())
    assert not ImportJob.objects.exists()


def test_an_xlsx_whose_zip_header_lies_is_refused_too(madiun, operator, settings, tmp_path):
    settings.IMPORT_XLSX_MAX_UNZIPPED_BYTES = 1024 * 1024
    path = make_xlsx(tmp_path / "liar.xlsx", [[("s", 0), "HP"]], shared=["N" * (3 * 1024 * 1024)],
                     lie_about={"xl/sharedStrings.xml": 500})
    with pytest.raises(ValidationError, match="terlalu besar setelah diekstrak"):
        upload(madiun, operator, "liar.xlsx", path.read_bytes())


def test_a_huge_header_cell_is_refused_and_a_long_one_is_stored_shortened(madiun, operator, settings, tmp_path):
    settings.IMPORT_MAX_CELL_CHARS = 1000
    bomb = make_xlsx(tmp_path / "h.xlsx", [[("s", 0), "HP"]], shared=["N" * 5000])
    with pytest.raises(ValidationError, match="Sel di baris 1 kolom A lebih dari 1.000 karakter"):
        upload(madiun, operator, "h.xlsx", bomb.read_bytes())
    long = make_xlsx(tmp_path / "l.xlsx", [["Nama " * 150, "HP"], ["Siti", "0812-3456-7890"]])
    job = upload(madiun, operator, "l.xlsx", long.read_bytes())
    assert len(job.headers) == 2 and max(len(h) for h in job.headers) <= 100


def test_a_preview_of_5000_bad_rows_stores_the_first_ones_and_counts_every_row(madiun, operator, settings,
                                                                                client_for):
    settings.IMPORT_MAX_ERROR_ROWS = 100
    lines = [f"Anggota {i},0812" for i in range(4990)] + ["Sama,0812-3456-7890"] * 10
    job = configure(upload(madiun, operator, "bad.csv", ("Nama,HP\n" + "\n".join(lines) + "\n").encode()),
                    operator)
    outcome = run_import_job(job, dry_run=True)
    job.refresh_from_db()
    assert (job.total_rows, job.valid_rows, job.error_rows, job.duplicate_rows) == (5000, 1, 4990, 9)
    assert job.valid_rows + job.error_rows + job.duplicate_rows == job.total_rows
    stored = ImportRowError.objects.filter(job=job)
    assert stored.values("row_number").distinct().count() == 100
    assert min(stored.values_list("row_number", flat=True)) == 2
    assert outcome.unlisted_rows == 4999 - 100 and len(outcome.errors) == 100
    page = client_for(operator).get(f"/staf/impor/{job.pk}/")
    assert "4.899 baris bermasalah lainnya hanya dihitung" in page.content.decode()
    # A second preview replaces the stored rows rather than adding to them.
    run_import_job(job, dry_run=True)
    assert ImportRowError.objects.filter(job=job).count() == 100


def test_errors_go_to_the_database_in_batches_while_the_file_is_read(madiun, operator, settings, monkeypatch):
    settings.IMPORT_MAX_ERROR_ROWS = 10_000
    monkeypatch.setattr(importing, "BATCH_SIZE", 50)
    job = configure(upload(madiun, operator, "bad.csv",
                           ("Nama,HP\n" + "\n".join(f"A{i},0812" for i in range(500)) + "\n").encode()), operator)
    stored_when_read: list[int] = []
    real_iter_rows = importing.iter_rows

    def spying_iter_rows(*args, **kwargs):
        for row in real_iter_rows(*args, **kwargs):
            stored_when_read.append(ImportRowError.objects.filter(job=job).count())
            yield row

    monkeypatch.setattr(importing, "iter_rows", spying_iter_rows)
    run_import_job(job, dry_run=True)
    assert stored_when_read[-1] >= 400 and ImportRowError.objects.filter(job=job).count() == 500


def test_a_file_with_too_many_rows_fails_its_preview_with_the_limit_named(madiun, operator, settings):
    settings.IMPORT_MAX_ROWS = 100
    job = configure(upload(madiun, operator, "long.csv",
                           ("Nama,HP\n" + "\n".join(f"A{i},0812-3456-{i:04d}" for i in range(150)) + "\n").encode()),
                    operator)
    assert job.total_rows == 100
    from lib.tabular import TabularError

    with pytest.raises(TabularError):
        run_import_job(job, dry_run=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "lebih dari 100 baris data" in job.failure_message


@pytest.mark.django_db(transaction=True)
def test_no_file_is_written_or_read_while_a_transaction_is_open(madiun, operator, monkeypatch, tmp_path):
    """On SQLite an open transaction holds the only write lock: webhooks would wait for the whole file."""
    from django.core.files.storage import FileSystemStorage

    import lib.tabular

    seen: list[tuple[str, bool]] = []

    def spy(name, real):
        def wrapper(*args, **kwargs):
            seen.append((name, connection.in_atomic_block))
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(services, "inspect", spy("inspect", services.inspect))
    monkeypatch.setattr(services, "estimate_data_rows", spy("estimate", services.estimate_data_rows))
    monkeypatch.setattr(FileSystemStorage, "_save", spy("store", FileSystemStorage._save))
    real_chunks = lib.tabular._Xlsx._chunks

    def chunks(self, name):
        for chunk in real_chunks(self, name):
            seen.append(("xlsx part", connection.in_atomic_block))
            yield chunk

    monkeypatch.setattr(lib.tabular._Xlsx, "_chunks", chunks)
    rows = [["Nama", "HP"]] + [[f"Anggota {i}", f"0812-3456-{i:04d}"] for i in range(30)] + [["Salah", "0812"]]
    path = make_xlsx(tmp_path / "a.xlsx", rows)
    job = configure(upload(madiun, operator, "a.xlsx", path.read_bytes()), operator)
    real_iter_rows = importing.iter_rows

    def iter_rows(*args, **kwargs):
        for row in real_iter_rows(*args, **kwargs):
            seen.append(("row", connection.in_atomic_block))
            yield row

    monkeypatch.setattr(importing, "iter_rows", iter_rows)
    monkeypatch.setattr(importing, "BATCH_SIZE", 10)
    run_import_job(job, dry_run=True)
    outcome = run_import_job(ImportJob.objects.get(pk=job.pk), dry_run=False)
    assert outcome.created_members == 30
    assert {name for name, _ in seen} == {"inspect", "estimate", "store", "xlsx part", "row"}
    assert [entry for entry in seen if entry[1]] == []
