import pytest
from django.core.management import call_command

from audit.models import AuditEntry
from elections.models import Election, Stage
from elections.services import seed_elections


def test_it_seeds_three_elections_run_by_kpu_ri(seeded, ri):
    assert set(seeded) == {"pemilu-2024", "pilpres-2024-putaran-2", "pilkada-2024"}
    assert all(e.office == ri for e in seeded.values())
    assert seeded["pemilu-2024"].name == "Pemilu 2024"
    assert seeded["pemilu-2024"].kind == Election.Kind.GENERAL
    assert seeded["pilkada-2024"].name == "Pilkada Serentak 2024"
    assert seeded["pilkada-2024"].kind == Election.Kind.REGIONAL
    second = seeded["pilpres-2024-putaran-2"]
    assert second.name == "Pemilu 2024 — Putaran kedua Pilpres"
    assert second.is_conditional
    assert "Tidak dilaksanakan" in second.description
    assert not seeded["pemilu-2024"].is_conditional


@pytest.mark.parametrize("code, regulation", [
    ("pemilu-2024", "Peraturan KPU Nomor 3 Tahun 2022"),
    ("pilpres-2024-putaran-2", "Peraturan KPU Nomor 3 Tahun 2022"),
    ("pilkada-2024", "Peraturan KPU Nomor 2 Tahun 2024"),
])
def test_it_cites_the_regulation(seeded, code, regulation):
    assert regulation in seeded[code].description


@pytest.mark.parametrize("code, count, prefix", [
    ("pemilu-2024", 19, "PEMILU24-"),
    ("pilpres-2024-putaran-2", 6, "PILPRES24-P2-"),
    ("pilkada-2024", 20, "PILKADA24-"),
])
def test_it_puts_each_row_in_its_election(seeded, code, count, prefix):
    stages = list(seeded[code].stages.all())
    assert len(stages) == count
    assert all(s.code.startswith(prefix) for s in stages)
    assert [s.position for s in stages] == list(range(1, count + 1))
    assert stages[0].code == f"{prefix}01"


def test_it_is_idempotent(seeded):
    audit_rows = AuditEntry.objects.count()
    again = seed_elections()
    assert again.created == []
    assert sorted(again.existing) == sorted(seeded)
    assert Election.objects.count() == 3
    assert Stage.objects.count() == 45
    assert AuditEntry.objects.count() == audit_rows


def test_it_leaves_an_edited_election_alone(seeded):
    Stage.objects.filter(code="PEMILU24-12").update(notes="Dikoreksi staf")
    Stage.objects.filter(code="PEMILU24-19").delete()
    seed_elections()
    assert Stage.objects.get(code="PEMILU24-12").notes == "Dikoreksi staf"
    assert not Stage.objects.filter(code="PEMILU24-19").exists()


def test_it_keeps_empty_dates_empty(seeded):
    sumpah = Stage.objects.get(code="PEMILU24-16")
    assert sumpah.starts_on is None and sumpah.ends_on is None
    perencanaan = Stage.objects.get(code="PILKADA24-01")
    assert perencanaan.starts_on is None
    assert perencanaan.ends_on.isoformat() == "2024-01-26"
    assert Stage.objects.filter(starts_on__isnull=True, ends_on__isnull=True).count() == 6


def test_it_marks_conditional_and_uncertain_rows_not_firm(seeded):
    assert not Stage.objects.get(code="PEMILU24-15").is_firm  # BERSYARAT
    assert not Stage.objects.get(code="PEMILU24-05").is_firm  # TIDAK PASTI
    assert not Stage.objects.get(code="PILKADA24-16").is_firm  # TIDAK PASTI
    assert not Stage.objects.filter(election=seeded["pilpres-2024-putaran-2"], is_firm=True).exists()
    assert Stage.objects.get(code="PEMILU24-12").is_firm
    assert Stage.objects.get(code="PEMILU24-10").is_firm  # a note without a marker
    assert Stage.objects.filter(is_firm=False).count() == 11  # 2 Pemilu, 6 second round, 3 Pilkada


def test_it_keeps_the_source_and_notes(seeded):
    stage = Stage.objects.get(code="PEMILU24-12")
    assert stage.name == "Pemungutan Suara"
    assert stage.starts_on.isoformat() == stage.ends_on.isoformat() == "2024-02-14"
    assert stage.source.startswith("PKPU 3/2022")


def test_it_audits_the_seeding(seeded, ri):
    created = AuditEntry.objects.filter(action="election.created", office=ri)
    assert created.count() == 3
    assert all(e.actor is None and e.actor_label == "sistem" for e in created)
    imported = AuditEntry.objects.get(action="election.stages_imported", target_id=str(seeded["pilkada-2024"].pk))
    assert len(imported.after["created"]) == 20


def test_it_runs_as_a_command(ri):
    from io import StringIO

    out = StringIO()
    call_command("seed_elections", stdout=out)
    call_command("seed_elections", stdout=out)
    assert "pemilu-2024: dibuat dengan 19 tahapan" in out.getvalue()
    assert "pemilu-2024: sudah ada, tidak diubah" in out.getvalue()
    assert Election.objects.count() == 3
