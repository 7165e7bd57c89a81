"""A file of many batches: every row accounted for, every bad row listed, duplicates found across batches."""

import random

from django.core.files.uploadedfile import SimpleUploadedFile

from members import importing, services
from members.importing import run_import_job
from members.models import Address, ImportJob, ImportRowError, Member

ROWS = 20_000


def number(i: int) -> str:
    return f"+62812{i:08d}"


def written(i: int, rnd: random.Random) -> str:
    """The same number in one of the ways people write it."""
    digits = f"812{i:08d}"
    return rnd.choice([f"0{digits[:3]}-{digits[3:7]}-{digits[7:]}", f"0{digits}", f"+62 {digits[:3]} {digits[3:]}",
                       f"62{digits}", digits, f"(+62) {digits}"])


def build_file(registered: list[int]) -> tuple[str, dict]:
    """ROWS data rows: good ones, bad ones of several kinds, duplicates of earlier rows far back in the file
    (other batches) and near, and numbers already in the registry. Returns the text and what must come out."""
    rnd = random.Random(7)
    lines = ["Nama,No. WA,E-mail,Instansi"]
    expected = {"bad": set(), "duplicate": {}, "registered": set(), "valid": 0}
    firsts: list[tuple[int, int]] = []   # (row number, number index) of good rows so far
    for index in range(ROWS):
        row = index + 2
        kind = rnd.random()
        if kind < 0.03:
            lines.append(f"Anggota {index},0812,,")
            expected["bad"].add(row)
        elif kind < 0.05:
            lines.append(f"<b>Anggota {index}</b>,{written(index, rnd)},,")
            expected["bad"].add(row)
        elif kind < 0.06:
            lines.append(f"Anggota {index},+60 12-345 6789,,")
            expected["bad"].add(row)
        elif kind < 0.09 and firsts:
            first_row, first = rnd.choice(firsts[:50]) if rnd.random() < 0.5 else firsts[-1]
            lines.append(f"Ulang {index},{written(first, rnd)},,")
            expected["duplicate"][row] = first_row
        elif kind < 0.10 and registered:
            lines.append(f"Terdaftar {index},{written(rnd.choice(registered), rnd)},,")
            expected["registered"].add(row)
        else:
            email = f"anggota{index}@contoh.id" if index % 3 else ""
            lines.append(f"Anggota {index},{written(index, rnd)},{email},Instansi {index % 40}")
            firsts.append((row, index))
            expected["valid"] += 1
    return "\n".join(lines) + "\n", expected


def test_a_file_of_many_batches_accounts_for_every_row_and_lists_every_bad_one(madiun, operator):
    registered = [ROWS + 1, ROWS + 2, ROWS + 3]
    for i in registered:
        services.create_member(actor=operator, office=madiun, full_name=f"Lama {i}",
                               addresses=[services.AddressInput("whatsapp", number(i))])
    text, expected = build_file(registered)
    assert importing.BATCH_SIZE < ROWS // 3
    job = services.create_import_job(actor=operator, office=madiun,
                                     uploaded_file=SimpleUploadedFile("banyak.csv", text.encode()))
    job = services.configure_import_job(actor=operator, job=job, mapping=job.mapping, consent_purposes=[],
                                        consent_evidence="", run_in_background=False)
    for dry_run in (True, False):
        outcome = run_import_job(job, dry_run=dry_run)
        duplicates = len(expected["duplicate"]) + len(expected["registered"])
        assert (outcome.total_rows, outcome.valid_rows, outcome.error_rows, outcome.duplicate_rows) == (
            ROWS, expected["valid"], len(expected["bad"]), duplicates)
        assert outcome.valid_rows + outcome.error_rows + outcome.duplicate_rows == ROWS
        assert outcome.unlisted_rows == 0
        stored = {}
        for error in outcome.iter_errors():
            stored.setdefault(error.row_number, []).append(error)
        assert set(stored) == expected["bad"] | set(expected["duplicate"]) | expected["registered"]
        for row, first_row in expected["duplicate"].items():
            assert stored[row][0].message.startswith(f"Duplikat baris {first_row} ("), row
        for row in expected["registered"]:
            assert "sudah terdaftar atas nama Lama" in stored[row][0].message
        assert ImportRowError.objects.filter(job=job).values("row_number").distinct().count() == len(stored)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and outcome.created_members == expected["valid"]
    assert Member.objects.filter(import_job=job).count() == expected["valid"]
    assert Address.objects.filter(office=madiun, kind="whatsapp").count() == expected["valid"] + len(registered)
