from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from hypothesis import example, given, settings
from hypothesis import strategies as st

from audit.models import AuditEntry
from lib.contacts import clean_plain_text
from members import services
from members.importing import MemberImporter, RowParser, guess_mapping, run_import_job
from members.models import Address, Consent, ImportJob, Member, Organization, Purpose

HEADER = "Nama;Instansi;Kategori;Jabatan;No HP;Email\r\n"
GOOD = [
    "Siti Rahmawati;DPC PKB Kota Madiun;Partai politik;Sekretaris;0812-3456-7890;siti@example.id",
    "José Ramírez;Radar Madiun;media;Wartawan;+62 813 1111 2222;",
    "Budi Santoso;Polres Madiun Kota;Polri;Kasat Binmas;6285733334444;budi@example.id",
]
BAD = [
    ";DPC PKB Kota Madiun;Partai politik;;0812-9999-0000;",             # row: empty name
    "<script>alert(1)</script>;X;lsm;;0812-7777-0000;",                  # HTML in name
    "Asing;X;lsm;;+60123456789;",                                         # foreign number
    "Pendek;X;lsm;;0812;",                                                # invalid number
    "Tanpa Kontak;X;lsm;;;",                                              # no contact
    "Salah Kategori;X;planet;;0812-6666-0000;",                           # unknown category
]


def upload(office, actor, text: str, *, name="anggota.csv", encoding="utf-8"):
    data = text.encode(encoding)
    return services.create_import_job(actor=actor, office=office, uploaded_file=SimpleUploadedFile(name, data))


def configure(job, actor, **kw):
    return services.configure_import_job(actor=actor, job=job, mapping=job.mapping,
                                         consent_purposes=kw.get("purposes", []),
                                         consent_evidence=kw.get("evidence", ""), run_in_background=False)


def test_it_guesses_the_mapping_from_indonesian_headers():
    mapping = guess_mapping(["No", "Nama Lengkap", "Asal Instansi", "Jabatan", "No. HP/WA", "E-mail", "Ket."])
    assert mapping == {"full_name": 1, "organization": 2, "position": 3, "whatsapp": 4, "email": 5, "notes": 6}
    assert guess_mapping(["nama", "whatsapp", "surel"]) == {"full_name": 0, "whatsapp": 1, "email": 2}


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet=st.sampled_from("aZo n<>/:=!\t\x00\x7f.,;'") | st.characters(max_codepoint=0x7F)
               | st.sampled_from("é\u00a0\u2028😀"), max_size=40))
@example("Budi onclick=alert(1)")
@example("javascript:alert(1)")
@example("H. Ahmad  Dahlan")
@example("x" * 151)
def test_a_name_is_cleaned_or_refused_as_clean_plain_text_does_it(name):
    parsed, errors = RowParser({"full_name": 0, "whatsapp": 1}, "lainnya")(2, [name, "0812-3456-7890"])
    try:
        expected = clean_plain_text(name.strip(), max_length=150, label="Nama lengkap", required=True)
    except ValidationError as exc:
        assert parsed is None
        assert [(e.field, e.message) for e in errors] == [("Nama lengkap", exc.messages[0])]
    else:
        assert errors == [] and parsed.full_name == expected


def test_dry_run_lists_every_bad_row_with_number_and_reason_and_writes_nothing(madiun, operator):
    text = HEADER + "\r\n".join(GOOD + BAD) + "\r\n"
    job = configure(upload(madiun, operator, "\ufeff" + text, encoding="utf-8"), operator)
    outcome = run_import_job(job, dry_run=True)
    assert (outcome.total_rows, outcome.valid_rows, outcome.error_rows) == (9, 3, 6)
    rows = {e.row_number: e for e in outcome.errors}
    assert sorted(rows) == [5, 6, 7, 8, 9, 10]
    assert "wajib" in rows[5].message and "HTML" in rows[6].message
    assert "bukan nomor Indonesia" in rows[7].message and "valid" in rows[8].message
    assert "Tidak ada kontak" in rows[9].message and "planet" in rows[10].message
    assert not Member.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and job.row_errors.count() == 6


def test_windows_1252_semicolon_file_imports_with_accents_and_consent(madiun, operator):
    job = upload(madiun, operator, HEADER + "\r\n".join(GOOD) + "\r\n", encoding="cp1252")
    assert (job.encoding, job.delimiter) == ("cp1252", ";")
    configure(job, operator, purposes=[Purpose.DISSEMINATION], evidence="Daftar hadir rapat 12 Maret 2024")
    outcome = run_import_job(job, dry_run=False)
    assert outcome.created_members == 3
    assert Member.objects.filter(full_name="José Ramírez", source=Member.Source.IMPORT).exists()
    assert set(Address.objects.filter(kind="whatsapp").values_list("value", flat=True)) == {
        "+6281234567890", "+6281311112222", "+6285733334444"}
    consent = Consent.objects.filter(method=Consent.Method.IMPORT).first()
    assert consent.evidence == "Daftar hadir rapat 12 Maret 2024" and consent.recorded_by == operator
    assert Organization.objects.get(name="Radar Madiun").category == "media"
    assert AuditEntry.objects.filter(action="members.imported", after__created=3).exists()


def test_organisations_and_labels_are_found_whatever_the_case_accented_letters_too(madiun, operator):
    Organization.objects.create(office=madiun, name="ÉLAN Madiun", category="lsm")
    Organization.objects.create(office=madiun, name="Radar Madiun", category="media")
    job = upload(madiun, operator, "Nama,HP,Instansi\nSatu,0812-3456-7001,élan madiun\n"
                 "Dua,0812-3456-7002,RADAR MADIUN\nTiga,0812-3456-7003,Ömer Ürün\nEmpat,0812-3456-7004,ÖMER ÜRÜN\n")
    configure(job, operator)
    run_import_job(job, dry_run=False)
    assert Organization.objects.filter(office=madiun).count() == 3
    assert set(Member.objects.values_list("full_name", "organization__name")) == {
        ("Satu", "ÉLAN Madiun"), ("Dua", "Radar Madiun"), ("Tiga", "Ömer Ürün"), ("Empat", "Ömer Ürün")}


def test_organisations_are_found_when_the_remembered_names_are_forgotten_between_batches(madiun, operator,
                                                                                       monkeypatch):
    from members import importing

    monkeypatch.setattr(importing, "BATCH_SIZE", 3)
    monkeypatch.setattr(importing, "NAME_CACHE_SIZE", 2)
    organizations = ["Alfa", "Beta", "Gama", "Alfa", "Delta", "Beta"]
    lines = [f"Anggota {i},0812-3456-70{i:02d},{name}" for i, name in enumerate(organizations)]
    job = configure(upload(madiun, operator, "Nama,HP,Instansi\n" + "\n".join(lines) + "\n"), operator)
    assert run_import_job(job, dry_run=False).created_members == 6
    assert Organization.objects.filter(office=madiun).count() == 4
    assert [m.organization.name for m in Member.objects.order_by("full_name")] == organizations


def test_the_import_leaves_the_connection_and_the_garbage_collector_as_it_found_them(madiun, operator):
    import gc

    from django.db import connection

    def state():
        if connection.vendor != "sqlite":      # the page caches are SQLite's
            return gc.get_threshold(), gc.get_freeze_count()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA main.cache_size")
            main = cursor.fetchone()[0]
            cursor.execute("PRAGMA temp.cache_size")
            return main, cursor.fetchone()[0], gc.get_threshold(), gc.get_freeze_count()

    before = state()
    job = configure(upload(madiun, operator, HEADER + "\r\n".join(GOOD + BAD) + "\r\n"), operator)
    run_import_job(job, dry_run=False)
    assert state() == before


def test_duplicates_against_the_file_and_the_database_are_reported_not_imported(madiun, operator):
    services.create_member(actor=operator, office=madiun, full_name="Sudah Ada",
                           addresses=[services.AddressInput("mailto", "budi@example.id")])
    text = HEADER + "\r\n".join([*GOOD, GOOD[0].replace("Siti Rahmawati", "Siti R"), ""]) + "\r\n"
    job = configure(upload(madiun, operator, text), operator)
    outcome = run_import_job(job, dry_run=False)
    assert (outcome.created_members, outcome.duplicate_rows) == (2, 2)
    messages = sorted(e.message for e in outcome.errors)
    assert any("Duplikat baris 2" in m for m in messages)
    assert any("sudah terdaftar atas nama Sudah Ada" in m for m in messages)


def test_extra_missing_columns_and_empty_lines(madiun, operator):
    text = "Nama,HP,Kolom Lain\n\nA Satu,0812-1000-0001,x,y,z\n,,\nB Dua\nC Tiga,0812-1000-0003\n"
    job = configure(upload(madiun, operator, text), operator)
    outcome = run_import_job(job, dry_run=False)
    assert outcome.created_members == 2
    assert [e.row_number for e in outcome.errors] == [5]


def test_mapping_must_name_a_name_column_and_a_contact(madiun, operator):
    job = upload(madiun, operator, "Kolom A,Kolom B\nx,y\n")
    with pytest.raises(ValidationError, match="Nama lengkap"):
        services.configure_import_job(actor=operator, job=job, mapping={}, consent_purposes=[],
                                      consent_evidence="", run_in_background=False)
    with pytest.raises(ValidationError, match="kolom kontak"):
        services.configure_import_job(actor=operator, job=job, mapping={"full_name": 0}, consent_purposes=[],
                                      consent_evidence="", run_in_background=False)
    with pytest.raises(ValidationError, match="dasar persetujuan"):
        services.configure_import_job(actor=operator, job=job, mapping={"full_name": 0, "whatsapp": 1},
                                      consent_purposes=[Purpose.DISSEMINATION], consent_evidence="",
                                      run_in_background=False)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("a.pdf", b"%PDF-1.4", "tidak didukung"),
    ("a.csv", b"", "kosong"),
    ("a.csv", b"\x00\x01\x02" * 50, "biner"),
])
def test_unreadable_uploads_are_refused_with_a_reason(madiun, operator, name, data, message):
    with pytest.raises(ValidationError, match=message):
        services.create_import_job(actor=operator, office=madiun, uploaded_file=SimpleUploadedFile(name, data))
    assert not ImportJob.objects.exists()


def test_too_large_uploads_are_refused(madiun, operator, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="terlalu besar"):
        upload(madiun, operator, "Nama,HP\n" + "Budi,0812-1000-0001\n" * 20)


def test_an_interrupted_import_resumes_without_duplicates(madiun, operator, monkeypatch):
    from members import importing

    lines = [f"Anggota {i},0812-20{i:02d}-{1000 + i}" for i in range(30)] + ["Anggota Lagi,0812-2000-1000"]
    job = configure(upload(madiun, operator, "Nama,HP\n" + "\n".join(lines) + "\n"), operator)
    monkeypatch.setattr(importing, "BATCH_SIZE", 10)
    real_write = MemberImporter._write
    batches: list[int] = []

    def write_then_crash(self, batch):
        batches.append(len(batch))
        if len(batches) == 2:
            raise RuntimeError("worker killed")
        real_write(self, batch)

    monkeypatch.setattr(MemberImporter, "_write", write_then_crash)
    with pytest.raises(RuntimeError):
        run_import_job(job, dry_run=False)
    assert Member.objects.count() == 10
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    monkeypatch.setattr(MemberImporter, "_write", real_write)
    outcome = run_import_job(job, dry_run=False)
    assert Member.objects.count() == 30
    assert (outcome.valid_rows, outcome.duplicate_rows, outcome.created_members) == (30, 1, 20)
    # The first ten rows, written by the interrupted run, still count as met: their number again is a duplicate.
    assert [(e.row_number, e.message) for e in outcome.errors] == [(32, "Duplikat baris 2 (+6281220001000).")]


def test_imported_rows_get_keys_never_given_before_and_their_own_addresses_and_consents(madiun, operator,
                                                                                        monkeypatch):
    from members import importing

    gone = services.create_member(actor=operator, office=madiun, full_name="Dihapus",
                                  addresses=[services.AddressInput("whatsapp", "0812-3999-0000")])
    Member.objects.filter(pk=gone.pk).delete()
    monkeypatch.setattr(importing, "BATCH_SIZE", 4)
    lines = [f"Anggota {i},0812-30{i:02d}-{2000 + i},a{i}@example.id" for i in range(10)]
    job = configure(upload(madiun, operator, "Nama,HP,Email\n" + "\n".join(lines) + "\n"), operator,
                    purposes=[Purpose.DISSEMINATION, Purpose.EVENTS], evidence="Daftar hadir")
    assert run_import_job(job, dry_run=False).created_members == 10
    members = Member.objects.filter(import_job=job)
    assert min(m.pk for m in members) > gone.pk
    for member in members:
        i = int(member.full_name.split()[1])
        addresses = member.addresses.all()
        assert {(a.kind, a.value) for a in addresses} == {("whatsapp", f"+62812{30_000_000 + i * 10_000 + 2000 + i}"),
                                                          ("mailto", f"a{i}@example.id")}
        assert sorted(Consent.objects.filter(address__member=member).values_list("address__kind", "purpose")) == [
            ("mailto", "informasi"), ("mailto", "kegiatan"), ("whatsapp", "informasi"), ("whatsapp", "kegiatan")]


def test_the_command_imports_and_reports_bad_rows(madiun, tmp_path, capsys):
    path = tmp_path / "anggota.csv"
    path.write_text(HEADER + "\r\n".join(GOOD + BAD) + "\r\n", encoding="cp1252")
    call_command("import_members", str(path), "--office", "35.77", "--dry-run")
    out = capsys.readouterr().out
    assert "Baris 7 · Nomor WhatsApp" in out and "3 akan diimpor, 6 salah" in out
    assert not Member.objects.exists()
    call_command("import_members", str(path), "--office", "35.77", "--consent-purpose", "informasi",
                 "--consent-evidence", "Formulir rapat 2024")
    assert Member.objects.filter(office=madiun).count() == 3


def test_the_command_rejects_an_unknown_office(tmp_path, offices):
    path = tmp_path / "a.csv"
    path.write_text("Nama,HP\nA,0812-1000-0001\n")
    with pytest.raises(CommandError, match="Kode satker tidak dikenal"):
        call_command("import_members", str(path), "--office", "99.99")
    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("import_members", str(tmp_path / "nope.csv"), "--office", "35.77")


def test_erasure_removes_the_upload_and_preview_messages_that_name_the_person(madiun, operator, make_staff):
    from audit.services import REDACTED
    from members.models import ImportRowError

    job = configure(upload(madiun, operator, "Nama,HP\nSiti Rahmawati,0812-3456-7890\n"), operator)
    run_import_job(job, dry_run=False)
    member = Member.objects.get(full_name="Siti Rahmawati")
    other = configure(upload(madiun, operator, "Nama,HP\nSiti Lagi,0812-3456-7890\n"), operator)
    run_import_job(other, dry_run=True)
    assert "Siti Rahmawati" in ImportRowError.objects.get(job=other).message
    path = Path(job.file.path)
    services.erase_member(actor=make_staff(madiun, "admin"), member=member, reason="Permintaan tertulis")
    assert not path.exists()
    assert ImportRowError.objects.get(job=other).message == REDACTED
    job.refresh_from_db()
    assert not job.file


def test_a_purged_upload_cannot_be_previewed_again(madiun, operator):
    job = upload(madiun, operator, "Nama,HP\nA,0812-3456-7890\n")
    services._purge_import_file(job)
    job.refresh_from_db()
    with pytest.raises(ValidationError, match="sudah dihapus"):
        configure(job, operator)


def test_old_import_files_are_purged_after_the_retention_period(madiun, operator):
    from datetime import timedelta

    from django.utils import timezone

    job = configure(upload(madiun, operator, "Nama,HP\nA,0812-3456-7890\n"), operator)
    run_import_job(job, dry_run=False)
    path = Path(job.file.path)
    call_command("purge_import_files", "--days", "30")
    assert path.exists()
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=31))
    call_command("purge_import_files", "--days", "30")
    assert not path.exists() and not ImportJob.objects.get(pk=job.pk).file
    assert AuditEntry.objects.filter(action="imports.files_purged").exists()
