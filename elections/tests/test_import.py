import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Role
from audit.models import AuditEntry
from elections.models import Election, Stage
from elections.services import create_election, import_stages

HEADER = "kode,tahapan,mulai,selesai,sumber,catatan\n"
GOOD = (HEADER
        + "PSU-01,Pengumuman PSU,1 Maret 2024,1 Maret 2024,Keputusan KPU Kota Madiun,\n"
        + "PSU-02,Pemungutan suara ulang,10/03/2024,10/03/2024,Keputusan KPU Kota Madiun,\n"
        + "PSU-03,Penetapan hasil,,,Keputusan KPU Kota Madiun,BERSYARAT: setelah rekapitulasi\n")


@pytest.fixture
def editor(make_staff, madiun):
    return make_staff(madiun, Role.EDITOR)


@pytest.fixture
def psu(editor, madiun) -> Election:
    return create_election(actor=editor, office=madiun, code="psu-kota-madiun-2024", name="PSU Kota Madiun 2024",
                           kind=Election.Kind.REVOTE)


def upload(text: str, name="tahapan.csv", encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def test_it_imports_stages_in_file_order(editor, psu):
    outcome = import_stages(actor=editor, election=psu, path_or_file=upload(GOOD))
    assert outcome.ok and outcome.written
    assert (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    stages = list(psu.stages.all())
    assert [(s.code, s.position) for s in stages] == [("PSU-01", 1), ("PSU-02", 2), ("PSU-03", 3)]
    assert stages[1].starts_on == stages[1].ends_on == date(2024, 3, 10)
    assert stages[2].starts_on is None and stages[2].ends_on is None
    assert [s.is_firm for s in stages] == [True, True, False]


def test_it_is_idempotent_and_upserts_by_code(editor, psu):
    import_stages(actor=editor, election=psu, path_or_file=upload(GOOD))
    again = import_stages(actor=editor, election=psu, path_or_file=upload(GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert AuditEntry.objects.filter(action="election.stages_imported").count() == 1

    changed = GOOD.replace("10/03/2024,10/03/2024", "17/03/2024,17/03/2024") + "PSU-04,Rekapitulasi,,,,\n"
    outcome = import_stages(actor=editor, election=psu, path_or_file=upload(changed))
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 1, 2)
    stage = psu.stages.get(code="PSU-02")
    assert stage.starts_on == date(2024, 3, 17)
    assert stage.version == 2
    assert psu.stages.count() == 4
    entry = AuditEntry.objects.filter(action="election.stages_imported").latest("pk")
    assert entry.actor == editor
    assert entry.after["created"] == ["PSU-04"] and entry.after["updated"] == ["PSU-02"]


def test_it_keeps_stages_missing_from_the_file(editor, psu):
    import_stages(actor=editor, election=psu, path_or_file=upload(GOOD))
    import_stages(actor=editor, election=psu, path_or_file=upload(HEADER + "PSU-09,Tambahan,,,,\n"))
    assert psu.stages.count() == 4


def test_it_writes_nothing_in_a_dry_run(editor, psu):
    outcome = import_stages(actor=editor, election=psu, path_or_file=upload(GOOD), dry_run=True)
    assert outcome.ok and not outcome.written and outcome.created == 3
    assert [r.action for r in outcome.rows] == ["baru", "baru", "baru"]
    assert not psu.stages.exists()


BAD = (HEADER
       + "PSU-01,Pengumuman PSU,1 Maret 2024,1 Maret 2024,,\n"           # 2: good
       + "PSU-02,Pemungutan suara ulang,kemarin,10/03/2024,,\n"        # 3: unknown date format
       + "PSU-03,Rekapitulasi,12/03/2024,11/03/2024,,\n"               # 4: end before start
       + "PSU-04,,12/03/2024,,,\n"                                     # 5: missing name
       + "PSU-01,Pengumuman lagi,,,,\n"                                # 6: duplicate code
       + ",Tanpa kode,,,,\n"                                           # 7: missing code
       + "PSU-07,<script>alert(1)</script>,31/02/2024,,,\n")           # 8: markup and impossible date


def test_it_lists_every_bad_row_and_writes_nothing(editor, psu):
    outcome = import_stages(actor=editor, election=psu, path_or_file=upload(BAD))
    assert not outcome.ok and not outcome.written
    found = [(e.row_number, e.field) for e in outcome.errors]
    assert found == [(3, "mulai"), (4, "selesai"), (5, "tahapan"), (6, "kode"), (7, "kode"), (8, "tahapan"),
                     (8, "mulai")]
    messages = [str(e) for e in outcome.errors]
    assert messages[0] == ("Baris 3 · mulai: format tanggal tidak dikenal: “kemarin”; gunakan 2024-02-14 atau "
                           "14 Februari 2024")
    assert messages[1] == "Baris 4 · selesai: Tanggal selesai sebelum tanggal mulai."
    assert "wajib diisi" in messages[2]
    assert "ganda" in messages[3] and "baris 2" in messages[3]
    assert "Kode tahapan wajib diisi" in messages[4]
    assert "HTML" in messages[5]
    assert "tanggal tidak ada di kalender" in messages[6]
    assert outcome.total_rows == 7 and outcome.error_rows == 6
    assert not Stage.objects.filter(election=psu).exists()
    assert not AuditEntry.objects.filter(action="election.stages_imported").exists()


def test_it_changes_nothing_when_a_later_row_is_bad(editor, psu):
    import_stages(actor=editor, election=psu, path_or_file=upload(GOOD))
    broken = GOOD.replace("1 Maret 2024,1 Maret 2024", "5 Maret 2024,5 Maret 2024") + "PSU-04,Rekap,2024-99-01,,,\n"
    outcome = import_stages(actor=editor, election=psu, path_or_file=upload(broken))
    assert [e.row_number for e in outcome.errors] == [5]
    assert psu.stages.get(code="PSU-01").starts_on == date(2024, 3, 1)
    assert psu.stages.count() == 3


@pytest.mark.parametrize("encoding, separator, bom", [
    ("utf-8", ";", True), ("cp1252", ";", False), ("utf-8", ",", False),
])
def test_it_reads_excel_csv_files(editor, psu, encoding, separator, bom):
    text = (HEADER + "PSU-01,Sosialisasi di Café Pemuda,14 Feb 2024,14 Feb 2024,,\n").replace(",", separator)
    data = ("\ufeff" if bom else "") + text
    outcome = import_stages(actor=editor, election=psu, path_or_file=upload(data, encoding=encoding))
    assert outcome.ok, outcome.errors
    assert psu.stages.get().name == "Sosialisasi di Café Pemuda"


def test_it_reads_a_path(editor, psu, tmp_path):
    path = tmp_path / "tahapan.csv"
    path.write_text(GOOD)
    assert import_stages(actor=editor, election=psu, path_or_file=path).created == 3
    assert import_stages(actor=editor, election=psu, path_or_file=str(path)).unchanged == 3


def test_it_refuses_a_file_without_the_columns(editor, psu):
    with pytest.raises(ValidationError, match="Kolom wajib tidak ada: mulai, selesai"):
        import_stages(actor=editor, election=psu, path_or_file=upload("kode,tahapan\nA,B\n"))


def test_it_refuses_a_file_with_only_a_header(editor, psu):
    with pytest.raises(ValidationError, match="tidak berisi baris tahapan"):
        import_stages(actor=editor, election=psu, path_or_file=upload(HEADER))


def test_it_refuses_a_binary_file(editor, psu):
    with pytest.raises(ValidationError):
        import_stages(actor=editor, election=psu, path_or_file=SimpleUploadedFile("x.csv", b"\x00\x01\x02" * 100))


# The command -----------------------------------------------------------------------------------------------

def run(*args) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("import_stages", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_the_command_imports(psu, tmp_path):
    path = tmp_path / "tahapan.csv"
    path.write_text(GOOD)
    out, error = run(str(path), "--election", psu.code)
    assert error is None
    assert "3 baris, 0 salah; 3 baru, 0 diubah, 0 sama. Tersimpan." in out
    assert psu.stages.count() == 3
    entry = AuditEntry.objects.get(action="election.stages_imported")
    assert entry.actor is None and entry.office == psu.office


def test_the_command_dry_run_writes_nothing(psu, tmp_path):
    path = tmp_path / "tahapan.csv"
    path.write_text(GOOD)
    out, error = run(str(path), "--election", psu.code, "--dry-run")
    assert error is None
    assert "Uji coba" in out
    assert not psu.stages.exists()


def test_the_command_prints_every_bad_row(psu, tmp_path):
    path = tmp_path / "tahapan.csv"
    path.write_text(BAD)
    out, error = run(str(path), "--election", psu.code)
    assert "Baris 3 · mulai: format tanggal tidak dikenal: “kemarin”" in out
    assert "Baris 4 · selesai: Tanggal selesai sebelum tanggal mulai." in out
    assert "Baris 5 · tahapan: Nama tahapan wajib diisi." in out
    assert "Baris 6 · kode: Kode PSU-01 ganda: sudah dipakai di baris 2." in out
    assert "7 baris, 6 salah" in out
    assert isinstance(error, CommandError) and "tidak ada yang disimpan" in str(error)
    assert not psu.stages.exists()


def test_the_command_refuses_an_unknown_election(psu, tmp_path):
    path = tmp_path / "tahapan.csv"
    path.write_text(GOOD)
    _out, error = run(str(path), "--election", "pemilu-2029")
    assert isinstance(error, CommandError)
    assert "Kode pemilihan tidak dikenal: 'pemilu-2029'" in str(error)
    assert psu.code in str(error)


def test_the_command_refuses_a_missing_file(psu):
    _out, error = run("/tidak/ada.csv", "--election", psu.code)
    assert "Berkas tidak ditemukan" in str(error)


def test_the_command_reimports_the_shipped_file_without_changes(seeded, tmp_path):
    from elections.services import SEED_FILE

    pilkada_only = "\n".join(line for line in SEED_FILE.read_text().splitlines()
                             if line.startswith(("kode,", "PILKADA24-"))) + "\n"
    target = tmp_path / "pilkada.csv"
    target.write_text(pilkada_only)
    out, error = run(str(target), "--election", "pilkada-2024")
    assert error is None
    assert "20 baris, 0 salah; 0 baru, 0 diubah, 20 sama." in out
