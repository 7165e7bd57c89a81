"""Who may open which elections page: roles, office scoping, anonymous visitors; and that writes happen.

Every view in elections/urls.py is listed once in VIEWS with the roles that may use it; each runs for every role
of KPU Kota Madiun, a user without an office, an anonymous visitor, staff of the sibling KPU Kabupaten Madiun
(404) and the admin of KPU Provinsi Jawa Timur above both (reads pass, writes are 403).
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditEntry
from conftest import refreshed, staff_user
from elections import services
from elections.models import Election, Stage
from offices.models import Office

ADMIN, EDITOR, VERIFIER, OPERATOR, VIEWER = Role.ADMIN, Role.EDITOR, Role.VERIFIER, Role.OPERATOR, Role.VIEWER
ROLES = [ADMIN, EDITOR, VERIFIER, OPERATOR, VIEWER]
EVERYONE = frozenset(ROLES)
MANAGERS = frozenset({ADMIN, EDITOR})

STAGE_CSV = (b"kode;tahapan;mulai;selesai;sumber;catatan\n"
             b"PSU-01;Pengumuman PSU;1 Maret 2024;1 Maret 2024;SK KPU;\n"
             b"PSU-02;Pemungutan suara ulang;10/03/2024;10/03/2024;SK KPU;\n")
BAD_CSV = (b"kode,tahapan,mulai,selesai,sumber,catatan\n"
           b"PSU-01,Pengumuman PSU,2024-03-01,2024-03-01,,\n"
           b"PSU-02,Pemungutan suara ulang,10 Maretan 2024,,,\n"
           b"PSU-03,Rekap,12/03/2024,11/03/2024,,\n")


def _no_data(registry):
    return {}


def _stage_post(registry, **overrides):
    return {"code": "PSU-09", "name": "Rekapitulasi", "starts_on": "11 Maret 2024", "ends_on": "2024-03-12",
            "is_firm": "on", "source": "SK KPU", "notes": "", "version": registry.stage.version, **overrides}


def _election_post(registry, **overrides):
    return {"code": "psu-baru", "name": "PSU Baru", "kind": Election.Kind.REVOTE, "description": "Putusan MK",
            "version": registry.election.version, **overrides}


@dataclass(frozen=True)
class View:
    name: str
    allowed: frozenset
    ok: int = 200
    method: str = "get"
    target: str | None = None  # "election" or "stage" of the office's registry
    data: Callable = _no_data
    province: int | None = None  # what KPU Jawa Timur's admin gets on a kota/kabupaten object
    label: str = ""

    def __str__(self):
        return self.label or self.name.split(":")[-1]


VIEWS = [
    View("elections:election_list", EVERYONE),
    View("elections:election_detail", EVERYONE, target="election", province=200),
    View("elections:election_ics", EVERYONE, target="election", province=200),
    View("elections:election_create", MANAGERS),
    View("elections:election_create", MANAGERS, 302, "post", data=lambda r: _election_post(r), label="create-post"),
    View("elections:election_edit", MANAGERS, target="election", province=403),
    View("elections:election_edit", MANAGERS, 302, "post", "election", province=403,
         data=lambda r: _election_post(r, name="PSU Diubah"), label="edit-post"),
    View("elections:stage_create", MANAGERS, target="election", province=403),
    View("elections:stage_create", MANAGERS, 302, "post", "election", province=403, data=_stage_post,
         label="stage-create-post"),
    View("elections:stage_import", MANAGERS, target="election", province=403),
    View("elections:stage_import", MANAGERS, 200, "post", "election", province=403,
         data=lambda r: {"file": SimpleUploadedFile("tahapan.csv", STAGE_CSV)}, label="stage-import-post"),
    View("elections:stage_import_confirm", MANAGERS, 302, "post", "election", province=403,
         data=lambda r: {"content": base64.b64encode(STAGE_CSV).decode(), "name": "tahapan.csv"}),
    View("elections:stage_edit", MANAGERS, target="stage", province=403),
    View("elections:stage_edit", MANAGERS, 302, "post", "stage", province=403, data=_stage_post,
         label="stage-edit-post"),
    View("elections:stage_delete", MANAGERS, target="stage", province=403),
    View("elections:stage_delete", MANAGERS, 302, "post", "stage", province=403, label="stage-delete-post"),
]
OBJECT_VIEWS = [v for v in VIEWS if v.province is not None]


def _registry(office, actor, n: int) -> SimpleNamespace:
    election = services.create_election(actor=actor, office=office, code=f"psu-{office.slug}",
                                        name=f"PSU {office.name}", kind=Election.Kind.REVOTE)
    stage = services.create_stage(actor=actor, election=election, code="PSU-01", name=f"Pemungutan suara {n}",
                                  starts_on=date(2024, 3, 10), ends_on=date(2024, 3, 10))
    return SimpleNamespace(office=office, actor=actor, election=election, stage=stage)


@pytest.fixture(scope="module")
def _registries(module_transaction):
    """Built once for the module (every test's own changes are rolled back after it)."""
    madiun, kab_madiun = Office.objects.get(code="35.77"), Office.objects.get(code="35.19")
    return SimpleNamespace(mine=_registry(madiun, staff_user(madiun, ADMIN, "admin-pemilihan-35.77"), 1),
                           theirs=_registry(kab_madiun, staff_user(kab_madiun, ADMIN, "admin-pemilihan-35.19"), 2))


@pytest.fixture
def mine(_registries, db):
    return refreshed(_registries.mine)


@pytest.fixture
def world(_registries, db):
    return refreshed(_registries)


def _url(view: View, registry) -> str:
    if view.target:
        return reverse(view.name, args=[getattr(registry, view.target).pk])
    return reverse(view.name)


def _call(client, view: View, registry):
    url = _url(view, registry)
    return client.post(url, view.data(registry)) if view.method == "post" else client.get(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", VIEWS, ids=str)
def test_it_checks_the_role(view, role, mine, madiun, make_staff, client_for):
    response = _call(client_for(make_staff(madiun, role)), view, mine)
    if role in view.allowed:
        assert response.status_code == view.ok, response.content[:500]
        if view.ok == 302:
            assert not response.url.startswith("/masuk/")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("view", VIEWS, ids=str)
def test_it_forbids_staff_without_an_office(view, mine, client_for):
    user = User.objects.create_user(username="tanpa-satker", role=ADMIN)
    assert _call(client_for(user), view, mine).status_code == 403


@pytest.mark.parametrize("view", VIEWS, ids=str)
def test_it_sends_anonymous_visitors_to_login(view, mine, client):
    response = _call(client, view, mine)
    assert response.status_code == 302
    assert response.url == f"/masuk/?next={_url(view, mine)}"


def test_it_refuses_get_on_the_import_confirmation(mine, client_for):
    assert client_for(mine.actor).get(reverse("elections:stage_import_confirm", args=[mine.election.pk])).status_code \
        == 405


@pytest.mark.parametrize("view", OBJECT_VIEWS, ids=str)
def test_it_hides_a_sibling_offices_elections(view, world, client_for):
    """KPU Kota Madiun's admin never reaches KPU Kabupaten Madiun's PSU."""
    assert _call(client_for(world.mine.actor), view, world.theirs).status_code == 404


@pytest.mark.parametrize("view", OBJECT_VIEWS, ids=str)
@pytest.mark.parametrize("office", ["mine", "theirs"])
def test_it_lets_the_province_read_but_not_write(view, office, world, jatim, make_staff, client_for):
    admin = make_staff(jatim, ADMIN)
    assert _call(client_for(admin), view, getattr(world, office)).status_code == view.province


@pytest.mark.parametrize("name, target", [
    ("elections:election_edit", "election"), ("elections:stage_create", "election"),
    ("elections:stage_import", "election"), ("elections:stage_edit", "stage"), ("elections:stage_delete", "stage"),
])
def test_it_lets_every_office_read_kpu_ris_pemilu_but_only_kpu_ri_edit_it(name, target, pemilu, madiun, ri,
                                                                         make_staff, client_for):
    obj = pemilu if target == "election" else pemilu.stages.first()
    editor = make_staff(madiun, EDITOR)
    assert client_for(editor).get(reverse("elections:election_detail", args=[pemilu.pk])).status_code == 200
    assert client_for(editor).get(reverse(name, args=[obj.pk])).status_code == 403
    assert client_for(make_staff(ri, EDITOR)).get(reverse(name, args=[obj.pk])).status_code == 200


# What the pages show ----------------------------------------------------------------------------------------

def test_the_list_shows_what_applies_and_what_is_below(seeded, world, make_staff, madiun, kab_madiun, jatim,
                                                       client_for):
    text = client_for(make_staff(madiun, VIEWER)).get(reverse("elections:election_list")).text
    assert "Pemilu 2024" in text and "Pilkada Serentak 2024" in text
    assert "PSU KPU Kota Madiun" in text and "PSU KPU Kabupaten Madiun" not in text
    assert "+ Tambah pemilihan" not in text
    province = client_for(make_staff(jatim, VIEWER)).get(reverse("elections:election_list")).text
    assert "PSU KPU Kota Madiun" in province and "PSU KPU Kabupaten Madiun" in province
    assert "satker di bawah" in province


def test_the_detail_shows_indonesian_dates_and_flags(pemilu, make_staff, madiun, client_for):
    text = client_for(make_staff(madiun, VIEWER)).get(reverse("elections:election_detail", args=[pemilu.pk])).text
    assert "14 Februari 2024" in text
    assert "28 November 2023 – 10 Februari 2024" in text
    assert "Belum ditetapkan" in text
    assert "belum pasti" in text
    assert "PKPU 3/2022" in text
    assert reverse("elections:stage_edit", args=[pemilu.stages.first().pk]) not in text


def test_the_detail_offers_edits_to_the_owning_office(mine, make_staff, madiun, client_for):
    text = client_for(make_staff(madiun, EDITOR)).get(reverse("elections:election_detail",
                                                              args=[mine.election.pk])).text
    assert reverse("elections:stage_edit", args=[mine.stage.pk]) in text
    assert reverse("elections:stage_import", args=[mine.election.pk]) in text


def test_the_staff_calendar_download(pemilu, make_staff, madiun, client_for):
    response = client_for(make_staff(madiun, VIEWER)).get(reverse("elections:election_ics", args=[pemilu.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"UID:pemilu-2024-PEMILU24-12@bakohumas" in response.content


# Writes really happen, or really do not ---------------------------------------------------------------------

def test_an_editor_creates_an_election_for_the_own_office(mine, make_staff, madiun, client_for):
    editor = make_staff(madiun, EDITOR)
    response = client_for(editor).post(reverse("elections:election_create"), _election_post(mine))
    election = Election.objects.get(code="psu-baru")
    assert response.url == reverse("elections:election_detail", args=[election.pk])
    assert election.office == madiun
    assert AuditEntry.objects.filter(action="election.created", actor=editor, target_id=str(election.pk)).exists()


def test_the_election_code_cannot_change(mine, client_for):
    client_for(mine.actor).post(reverse("elections:election_edit", args=[mine.election.pk]),
                                _election_post(mine, code="kode-lain", name="PSU Diubah"))
    mine.election.refresh_from_db()
    assert (mine.election.code, mine.election.name) == (f"psu-{mine.office.slug}", "PSU Diubah")


def test_a_stale_election_edit_is_refused(mine, client_for):
    client = client_for(mine.actor)
    client.post(reverse("elections:election_edit", args=[mine.election.pk]), _election_post(mine, name="Satu"))
    response = client.post(reverse("elections:election_edit", args=[mine.election.pk]),
                           _election_post(mine, name="Dua", version=1))
    assert response.status_code == 200
    assert "sudah diubah oleh pengguna lain" in response.text
    mine.election.refresh_from_db()
    assert mine.election.name == "Satu"


def test_a_stage_form_reads_indonesian_dates(mine, client_for):
    client_for(mine.actor).post(reverse("elections:stage_create", args=[mine.election.pk]), _stage_post(mine))
    stage = mine.election.stages.get(code="PSU-09")
    assert (stage.starts_on, stage.ends_on, stage.position) == (date(2024, 3, 11), date(2024, 3, 12), 2)
    assert AuditEntry.objects.filter(action="stage.created", target_id=str(stage.pk), actor=mine.actor).exists()


@pytest.mark.parametrize("overrides, message", [
    ({"starts_on": "12 Maret 2024", "ends_on": "11 Maret 2024"}, "Tanggal selesai sebelum tanggal mulai."),
    ({"starts_on": "besok"}, "format tanggal tidak dikenal"),
    ({"code": "PSU-01"}, "sudah dipakai"),
    ({"name": "<b>Rekap</b>"}, "HTML"),
])
def test_a_bad_stage_form_says_why(mine, client_for, overrides, message):
    response = client_for(mine.actor).post(reverse("elections:stage_create", args=[mine.election.pk]),
                                           _stage_post(mine, **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert mine.election.stages.count() == 1


def test_a_stage_edit_is_saved_and_audited(mine, client_for):
    client_for(mine.actor).post(reverse("elections:stage_edit", args=[mine.stage.pk]),
                                _stage_post(mine, code="PSU-01", starts_on="", ends_on="", is_firm=""))
    mine.stage.refresh_from_db()
    assert (mine.stage.name, mine.stage.starts_on, mine.stage.is_firm) == ("Rekapitulasi", None, False)
    assert AuditEntry.objects.filter(action="stage.updated", target_id=str(mine.stage.pk)).exists()


def test_a_stage_is_deleted_only_on_post(mine, client_for):
    client = client_for(mine.actor)
    assert "Hapus tahapan" in client.get(reverse("elections:stage_delete", args=[mine.stage.pk])).text
    assert Stage.objects.filter(pk=mine.stage.pk).exists()
    client.post(reverse("elections:stage_delete", args=[mine.stage.pk]))
    assert not Stage.objects.filter(pk=mine.stage.pk).exists()
    assert AuditEntry.objects.filter(action="stage.deleted", target_id=str(mine.stage.pk)).exists()


@pytest.mark.parametrize("name, target, data", [
    ("elections:election_create", None, lambda r: _election_post(r)),
    ("elections:stage_create", "election", _stage_post),
    ("elections:stage_edit", "stage", lambda r: _stage_post(r, name="Diubah peninjau")),
    ("elections:stage_delete", "stage", _no_data),
    ("elections:stage_import_confirm", "election",
     lambda r: {"content": base64.b64encode(STAGE_CSV).decode(), "name": "a.csv"}),
])
def test_it_refuses_viewer_writes(name, target, data, mine, make_staff, madiun, client_for):
    def state():
        return list(Election.objects.values_list("code", "name")), list(Stage.objects.values_list("code", "name"))

    before = state()
    url = reverse(name, args=[getattr(mine, target).pk]) if target else reverse(name)
    assert client_for(make_staff(madiun, VIEWER)).post(url, data(mine)).status_code == 403
    assert state() == before


def test_the_province_cannot_change_a_kota_stage(mine, jatim, make_staff, client_for):
    response = client_for(make_staff(jatim, ADMIN)).post(reverse("elections:stage_edit", args=[mine.stage.pk]),
                                                        _stage_post(mine, code="PSU-01"))
    assert response.status_code == 403
    mine.stage.refresh_from_db()
    assert mine.stage.name == "Pemungutan suara 1" and mine.stage.version == 1


# Import: dry run → confirm ----------------------------------------------------------------------------------

def test_the_import_previews_then_saves(mine, make_staff, madiun, client_for):
    editor = make_staff(madiun, EDITOR)
    client = client_for(editor)
    url = reverse("elections:stage_import", args=[mine.election.pk])
    preview = client.post(url, {"file": SimpleUploadedFile("tahapan.csv", STAGE_CSV)})
    assert preview.status_code == 200
    assert "Simpan: 1 baru, 1 diubah" in preview.text
    assert preview.context["content"] == base64.b64encode(STAGE_CSV).decode()
    assert mine.election.stages.get(code="PSU-01").name == "Pemungutan suara 1"  # nothing written yet
    assert not mine.election.stages.filter(code="PSU-02").exists()

    response = client.post(reverse("elections:stage_import_confirm", args=[mine.election.pk]),
                           {"content": preview.context["content"], "name": "tahapan.csv"})
    assert response.url == reverse("elections:election_detail", args=[mine.election.pk])
    assert list(mine.election.stages.values_list("code", "name")) == [
        ("PSU-01", "Pengumuman PSU"), ("PSU-02", "Pemungutan suara ulang")]
    entry = AuditEntry.objects.get(action="election.stages_imported")
    assert entry.actor == editor and entry.after == {"file": "tahapan.csv", "rows": 2, "created": ["PSU-02"],
                                                     "updated": ["PSU-01"], "unchanged": 0}


def test_the_import_lists_bad_rows_and_offers_no_confirmation(mine, client_for):
    response = client_for(mine.actor).post(reverse("elections:stage_import", args=[mine.election.pk]),
                                           {"file": SimpleUploadedFile("tahapan.csv", BAD_CSV)})
    assert response.status_code == 200
    assert "Tidak ada yang disimpan" in response.text
    rows = [(e.row_number, e.field) for e in response.context["outcome"].errors]
    assert rows == [(3, "mulai"), (4, "selesai")]
    assert "format tanggal tidak dikenal: “10 Maretan 2024”" in response.text
    assert "Tanggal selesai sebelum tanggal mulai." in response.text
    assert reverse("elections:stage_import_confirm", args=[mine.election.pk]) not in response.text
    assert mine.election.stages.count() == 1


def test_a_tampered_confirmation_is_checked_again(mine, client_for):
    response = client_for(mine.actor).post(reverse("elections:stage_import_confirm", args=[mine.election.pk]),
                                           {"content": base64.b64encode(BAD_CSV).decode(), "name": "x.csv"})
    assert response.status_code == 200
    assert "Tanggal selesai sebelum tanggal mulai." in response.text
    assert mine.election.stages.count() == 1


def test_a_garbled_confirmation_goes_back_to_the_upload(mine, client_for):
    url = reverse("elections:stage_import_confirm", args=[mine.election.pk])
    response = client_for(mine.actor).post(url, {"content": "%%%", "name": "x.csv"})
    assert response.url == reverse("elections:stage_import", args=[mine.election.pk])


def test_the_import_refuses_a_file_without_the_columns(mine, client_for):
    response = client_for(mine.actor).post(reverse("elections:stage_import", args=[mine.election.pk]),
                                           {"file": SimpleUploadedFile("a.csv", b"nama,tanggal\nA,B\n")})
    assert response.status_code == 200
    assert "Kolom wajib tidak ada" in response.text
