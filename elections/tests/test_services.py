from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from audit.models import AuditEntry
from bakohumas.locking import ConflictError
from elections import services
from elections.models import Election, Stage


@pytest.fixture
def editor(make_staff, madiun):
    return make_staff(madiun, Role.EDITOR)


@pytest.fixture
def psu(editor, madiun) -> Election:
    return services.create_election(actor=editor, office=madiun, code="psu-kota-madiun-2024",
                                    name="PSU Kota Madiun 2024", kind=Election.Kind.REVOTE,
                                    description="Putusan MK")


def test_it_creates_an_election_and_audits_it(psu, editor, madiun):
    entry = AuditEntry.objects.get(action="election.created", target_id=str(psu.pk))
    assert entry.actor == editor and entry.office == madiun
    assert entry.after["code"] == "psu-kota-madiun-2024"


@pytest.mark.parametrize("code, message", [
    ("PSU Madiun", "huruf kecil"), ("", "huruf kecil"), ("psu-kota-madiun-2024", "sudah dipakai"),
])
def test_it_refuses_bad_election_codes(psu, editor, madiun, code, message):
    with pytest.raises(ValidationError) as info:
        services.create_election(actor=editor, office=madiun, code=code, name="PSU", kind=Election.Kind.REVOTE)
    assert message in " ".join(info.value.message_dict["code"])


def test_it_refuses_markup_in_an_election_name(editor, madiun):
    with pytest.raises(ValidationError) as info:
        services.create_election(actor=editor, office=madiun, code="psu-x", name="<b>PSU</b>",
                                 kind=Election.Kind.REVOTE)
    assert "HTML" in info.value.message_dict["name"][0]
    assert not Election.objects.filter(code="psu-x").exists()


def test_it_updates_an_election_with_optimistic_locking(psu, editor):
    services.update_election(actor=editor, election=psu, expected_version=1, name="PSU Kota Madiun",
                             kind=Election.Kind.REVOTE, description="Putusan MK No. 1", is_conditional=True)
    psu.refresh_from_db()
    assert (psu.name, psu.version, psu.is_conditional) == ("PSU Kota Madiun", 2, True)
    entry = AuditEntry.objects.get(action="election.updated")
    assert entry.before["name"] == "PSU Kota Madiun 2024" and entry.after["name"] == "PSU Kota Madiun"
    with pytest.raises(ConflictError, match="sudah diubah oleh pengguna lain"):
        services.update_election(actor=editor, election=Election.objects.get(pk=psu.pk), expected_version=1,
                                 name="Basi", kind=Election.Kind.REVOTE)
    psu.refresh_from_db()
    assert psu.name == "PSU Kota Madiun"


def test_it_creates_stages_in_order_and_audits_them(psu, editor):
    first = services.create_stage(actor=editor, election=psu, code="PSU-01", name="Pengumuman",
                                  starts_on=date(2024, 3, 1), ends_on=date(2024, 3, 1))
    second = services.create_stage(actor=editor, election=psu, code="PSU-02", name="  Pemungutan   suara ulang ")
    assert (first.position, second.position) == (1, 2)
    assert second.name == "Pemungutan suara ulang"
    assert second.starts_on is None and second.ends_on is None
    entry = AuditEntry.objects.get(action="stage.created", target_id=str(first.pk))
    assert entry.after["starts_on"] == "2024-03-01"
    assert entry.target_label == "psu-kota-madiun-2024/PSU-01: Pengumuman"


def test_it_refuses_an_end_before_the_start(psu, editor):
    with pytest.raises(ValidationError) as info:
        services.create_stage(actor=editor, election=psu, code="PSU-01", name="Rekap",
                              starts_on=date(2024, 3, 2), ends_on=date(2024, 3, 1))
    assert info.value.message_dict["ends_on"] == ["Tanggal selesai sebelum tanggal mulai."]


@pytest.mark.parametrize("name", ["", "<script>alert(1)</script>", "x" * 201])
def test_it_refuses_a_bad_stage_name(psu, editor, name):
    with pytest.raises(ValidationError) as info:
        services.create_stage(actor=editor, election=psu, code="PSU-01", name=name)
    assert "name" in info.value.message_dict


@pytest.mark.parametrize("code", ["", "PSU 01", "PSU/01", "-PSU"])
def test_it_refuses_a_bad_stage_code(psu, editor, code):
    with pytest.raises(ValidationError) as info:
        services.create_stage(actor=editor, election=psu, code=code, name="Rekap")
    assert "code" in info.value.message_dict


def test_it_refuses_a_duplicate_stage_code_per_election(psu, editor, pemilu):
    services.create_stage(actor=editor, election=psu, code="PSU-01", name="Pengumuman")
    with pytest.raises(ValidationError, match="sudah dipakai"):
        services.create_stage(actor=editor, election=psu, code="PSU-01", name="Lagi")
    # Another election may use the same code.
    services.create_stage(actor=None, election=pemilu, code="PSU-01", name="Lain")


def test_it_updates_a_stage(psu, editor):
    stage = services.create_stage(actor=editor, election=psu, code="PSU-01", name="Pengumuman")
    services.update_stage(actor=editor, stage=stage, expected_version=1, code="PSU-01", name="Pengumuman PSU",
                          starts_on=date(2024, 3, 1), ends_on=date(2024, 3, 2), is_firm=False, source="SK",
                          notes="")
    stage.refresh_from_db()
    assert (stage.name, stage.ends_on, stage.is_firm, stage.version) == ("Pengumuman PSU", date(2024, 3, 2), False, 2)
    entry = AuditEntry.objects.get(action="stage.updated")
    assert entry.before["ends_on"] is None and entry.after["ends_on"] == "2024-03-02"
    with pytest.raises(ConflictError):
        services.update_stage(actor=editor, stage=Stage.objects.get(pk=stage.pk), expected_version=1, code="PSU-01",
                              name="Basi", starts_on=None, ends_on=None, is_firm=True)


def test_it_refuses_renaming_a_stage_to_a_taken_code(psu, editor):
    services.create_stage(actor=editor, election=psu, code="PSU-01", name="Satu")
    two = services.create_stage(actor=editor, election=psu, code="PSU-02", name="Dua")
    with pytest.raises(ValidationError, match="sudah dipakai"):
        services.update_stage(actor=editor, stage=two, expected_version=1, code="PSU-01", name="Dua",
                              starts_on=None, ends_on=None, is_firm=True)


def test_it_deletes_a_stage_and_audits_it(psu, editor):
    stage = services.create_stage(actor=editor, election=psu, code="PSU-01", name="Pengumuman")
    pk = stage.pk
    services.delete_stage(actor=editor, stage=stage)
    assert not Stage.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action="stage.deleted", target_id=str(pk))
    assert entry.before["code"] == "PSU-01" and entry.office == psu.office
