"""/api/v1/: bearer tokens, the OpenAPI document, office scoping, validation, optimistic locking, audit."""

from types import SimpleNamespace

import pytest

from accounts.models import Role
from accounts.services import revoke_api_token
from audit.models import AuditEntry
from conftest import grant_api_token
from members import services
from members.models import Address, Category, Consent, Group, Member, Purpose

API = "/api/v1"


class Api:
    """A test client speaking JSON with a bearer token."""

    def __init__(self, client, key):
        self.client, self.headers = client, {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path, **params):
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path, data):
        return self.client.post(API + path, data, content_type="application/json", headers=self.headers)

    def patch(self, path, data):
        return self.client.patch(API + path, data, content_type="application/json", headers=self.headers)


@pytest.fixture
def api_for(client, make_staff):
    def make(office, role=Role.OPERATOR):
        user = make_staff(office, role)
        _token, key = grant_api_token(user, name="uji")
        api = Api(client, key)
        api.user = user
        return api

    return make


def _registry(office, actor, n: int) -> SimpleNamespace:
    org = services.create_organization(actor=actor, office=office, name=f"Bawaslu {office.name}",
                                       category=Category.BAWASLU)
    member = services.create_member(
        actor=actor, office=office, full_name=f"Anggota {office.name}", organization=org,
        addresses=[services.AddressInput(Address.Kind.WHATSAPP, f"0812-3456-78{n}0")],
        tags=services.get_or_create_tags(office=office, names=["Forkopimda"]),
        consent=services.ConsentInput([Purpose.DISSEMINATION], Consent.Method.FORM, "Formulir rapat"),
    )
    group = services.create_group(actor=actor, office=office, name=f"Grup {office.name}", kind=Group.Kind.MANUAL,
                                  members=[member])
    return SimpleNamespace(org=org, member=member, group=group)


@pytest.fixture
def world(madiun, kab_madiun, make_staff):
    return SimpleNamespace(mine=_registry(madiun, make_staff(madiun, Role.ADMIN), 1),
                           theirs=_registry(kab_madiun, make_staff(kab_madiun, Role.ADMIN), 2))


def _ids(response) -> set[int]:
    return {item["id"] for item in response.json()["items"]}


# Authentication ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/members", "/organizations", "/groups", "/offices"])
def test_it_requires_a_token(path, client, offices):
    assert Api(client, None).get(path).status_code == 401


def test_it_refuses_an_unknown_token(client, offices):
    assert Api(client, "bkh_tidak-ada").get("/members").status_code == 401


def test_it_refuses_a_revoked_token(client, make_staff, madiun):
    user = make_staff(madiun, Role.OPERATOR)
    token, key = grant_api_token(user, name="uji")
    assert Api(client, key).get("/members").status_code == 200
    revoke_api_token(actor=user, token=token)
    assert Api(client, key).get("/members").status_code == 401


def test_it_refuses_a_token_of_an_inactive_user(client, make_staff, madiun):
    user = make_staff(madiun, Role.OPERATOR)
    _token, key = grant_api_token(user, name="uji")
    user.is_active = False
    user.save()
    assert Api(client, key).get("/members").status_code == 401


def test_it_refuses_a_session_instead_of_a_token(client_for, operator):
    assert client_for(operator).get(API + "/members").status_code == 401


def test_it_records_when_a_token_was_used(client, make_staff, madiun):
    user = make_staff(madiun, Role.VIEWER)
    token, key = grant_api_token(user, name="uji")
    Api(client, key).get("/offices")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_publishes_the_openapi_document(client, offices):
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/v1/offices", "/api/v1/organizations", "/api/v1/organizations/{org_id}", "/api/v1/members",
                 "/api/v1/members/{member_id}", "/api/v1/groups", "/api/v1/groups/{group_id}/members"]:
        assert path in paths
    assert "patch" in paths["/api/v1/members/{member_id}"]


# Reading and scoping -----------------------------------------------------------------------------------------

def test_it_lists_the_offices_in_scope(api_for, madiun, jatim):
    assert [o["code"] for o in api_for(madiun, Role.VIEWER).get("/offices").json()["items"]] == ["35.77"]
    codes = {o["code"] for o in api_for(jatim, Role.VIEWER).get("/offices").json()["items"]}
    assert {"35", "35.77", "35.19"} <= codes
    assert all(code == "35" or code.startswith("35.") for code in codes)


def test_it_lists_only_the_offices_own_registry(world, api_for, madiun):
    api = api_for(madiun, Role.VIEWER)
    assert _ids(api.get("/members")) == {world.mine.member.pk}
    assert _ids(api.get("/organizations")) == {world.mine.org.pk}
    assert _ids(api.get("/groups")) == {world.mine.group.pk}


def test_it_lists_descendants_for_the_province(world, api_for, jatim):
    api = api_for(jatim, Role.VIEWER)
    assert _ids(api.get("/members")) == {world.mine.member.pk, world.theirs.member.pk}
    assert _ids(api.get("/organizations")) == {world.mine.org.pk, world.theirs.org.pk}
    assert _ids(api.get("/groups")) == {world.mine.group.pk, world.theirs.group.pk}
    assert _ids(api.get("/members", office="35.19")) == {world.theirs.member.pk}


def test_it_returns_a_member(world, api_for, madiun):
    response = api_for(madiun, Role.VIEWER).get(f"/members/{world.mine.member.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == "Anggota KPU Kota Madiun"
    assert body["office_code"] == "35.77"
    assert body["organization_name"] == "Bawaslu KPU Kota Madiun"
    assert body["tags"] == ["Forkopimda"]
    assert body["addresses"] == [{"kind": "whatsapp", "value": "+6281234567810", "opted_out": False,
                                  "urn": "whatsapp:+6281234567810", "consents": ["informasi"]}]
    assert body["version"] == 1


@pytest.mark.parametrize("path", [
    "/members/{theirs.member.pk}",
    "/organizations/{theirs.org.pk}",
    "/groups/{theirs.group.pk}/members",
    "/members?group_id={theirs.group.pk}",
    "/members?office=35.19",
    "/members/999999",
])
def test_it_hides_a_sibling_offices_registry(path, world, api_for, madiun):
    api = api_for(madiun, Role.ADMIN)
    response = api.client.get(API + path.format(theirs=world.theirs), headers=api.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Tidak ditemukan."}


@pytest.mark.parametrize("office", ["mine", "theirs"])
def test_it_lets_the_province_read_descendants(office, world, api_for, jatim):
    registry = getattr(world, office)
    api = api_for(jatim, Role.VIEWER)
    assert api.get(f"/members/{registry.member.pk}").json()["id"] == registry.member.pk
    assert api.get(f"/organizations/{registry.org.pk}").json()["id"] == registry.org.pk
    assert _ids(api.get(f"/groups/{registry.group.pk}/members")) == {registry.member.pk}


def test_it_hides_the_province_from_a_kota(api_for, madiun, jatim, make_staff):
    org = services.create_organization(actor=make_staff(jatim, Role.ADMIN), office=jatim, name="Bakesbangpol Jatim",
                                       category=Category.GOVERNMENT)
    assert api_for(madiun, Role.ADMIN).get(f"/organizations/{org.pk}").status_code == 404


# Writing -----------------------------------------------------------------------------------------------------

def _new_member(**overrides):
    return {"full_name": "Budi Santoso", "position": "Ketua",
            "addresses": [{"kind": "whatsapp", "value": "0857-1234-5678"},
                          {"kind": "mailto", "value": "Budi@Contoh.ID"}],
            "tags": ["Parpol"], "consent_purposes": ["informasi"], "consent_evidence": "Formulir rapat 12 Maret",
            **overrides}


def test_it_creates_a_member(world, api_for, madiun):
    api = api_for(madiun, Role.OPERATOR)
    response = api.post("/members", _new_member(organization_id=world.mine.org.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    member = Member.objects.get(pk=body["id"])
    assert (member.office, member.source, member.organization) == (madiun, Member.Source.API, world.mine.org)
    assert {a["urn"] for a in body["addresses"]} == {"whatsapp:+6285712345678", "mailto:budi@contoh.id"}
    assert all(a["consents"] == ["informasi"] for a in body["addresses"])
    entry = AuditEntry.objects.get(action="member.created", target_id=str(member.pk))
    assert (entry.actor, entry.office) == (api.user, madiun)


@pytest.mark.parametrize("payload, field, message", [
    (_new_member(addresses=[{"kind": "whatsapp", "value": "0812"}]), "addresses", "bukan nomor Indonesia"),
    (_new_member(addresses=[{"kind": "whatsapp", "value": "(0351) 462300"}]), "addresses", "bukan nomor ponsel"),
    (_new_member(addresses=[{"kind": "mailto", "value": "bukan-email"}]), "addresses", "bukan alamat e-mail"),
    (_new_member(full_name="<script>alert(1)</script>"), "full_name", "tidak boleh berisi kode HTML"),
    (_new_member(full_name='Budi <b onclick="x">'), "full_name", "tidak boleh berisi kode HTML"),
    (_new_member(full_name="   "), "full_name", "wajib diisi"),
    (_new_member(position="<img src=x>"), "position", "tidak boleh berisi kode HTML"),
    (_new_member(organization_id=999999), "organization_id", "Instansi tidak ditemukan"),
    (_new_member(consent_purposes=["jualan"]), "consent", "Tujuan persetujuan tidak dikenal"),
])
def test_it_refuses_bad_members(payload, field, message, world, api_for, madiun):
    api = api_for(madiun)
    before = (Member.objects.count(), AuditEntry.objects.count())
    response = api.post("/members", payload)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Data tidak valid."
    assert message in " ".join(body["errors"][field])
    assert (Member.objects.count(), AuditEntry.objects.count()) == before


def test_it_refuses_another_offices_organization(world, api_for, madiun):
    response = api_for(madiun).post("/members", _new_member(organization_id=world.theirs.org.pk))
    assert response.status_code == 400
    assert response.json()["errors"] == {"organization_id": ["Instansi tidak ditemukan di satker Anda."]}


def test_it_refuses_a_duplicate_address(world, api_for, madiun):
    response = api_for(madiun).post("/members", _new_member(
        addresses=[{"kind": "whatsapp", "value": "+62 812-3456-7810"}]))
    assert response.status_code == 400
    assert "sudah terdaftar atas nama Anggota KPU Kota Madiun" in response.json()["errors"]["addresses"][0]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.VERIFIER])
def test_it_forbids_writes_without_the_edit_role(role, world, api_for, madiun):
    api = api_for(madiun, role)
    before = (Member.objects.count(), AuditEntry.objects.count())
    response = api.post("/members", _new_member())
    assert response.status_code == 403
    assert response.json() == {"detail": "Peran Anda tidak mengizinkan tindakan ini."}
    assert api.post("/organizations", {"name": "Media Contoh", "category": "media"}).status_code == 403
    assert api.patch(f"/members/{world.mine.member.pk}", {"version": 1, "full_name": "X"}).status_code == 403
    assert (Member.objects.count(), AuditEntry.objects.count()) == before


def test_it_updates_a_member(world, api_for, madiun):
    api = api_for(madiun, Role.EDITOR)
    member = world.mine.member
    response = api.patch(f"/members/{member.pk}", {"version": 1, "position": "Ketua", "tags": ["Pers"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["position"], body["tags"], body["version"]) == ("Ketua", ["Pers"], 2)
    # What the PATCH left out stays as it was.
    assert body["full_name"] == "Anggota KPU Kota Madiun"
    assert [a["urn"] for a in body["addresses"]] == ["whatsapp:+6281234567810"]
    assert body["organization_id"] == world.mine.org.pk
    entry = AuditEntry.objects.get(action="member.updated", target_id=str(member.pk))
    assert entry.actor == api.user
    assert sorted(entry.changes()) == [("position", "", "Ketua"), ("tags", ["Forkopimda"], ["Pers"])]


def test_it_refuses_a_stale_version(world, api_for, madiun):
    api = api_for(madiun, Role.EDITOR)
    member = world.mine.member
    assert api.patch(f"/members/{member.pk}", {"version": 1, "position": "Ketua"}).status_code == 200
    response = api.patch(f"/members/{member.pk}", {"version": 1, "position": "Wakil Ketua"})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert "sudah diubah oleh pengguna lain" in response.json()["detail"]
    member.refresh_from_db()
    assert (member.position, member.version) == ("Ketua", 2)
    assert AuditEntry.objects.filter(action="member.updated", target_id=str(member.pk)).count() == 1


def test_it_refuses_bad_patches(world, api_for, madiun):
    api = api_for(madiun, Role.EDITOR)
    member = world.mine.member
    response = api.patch(f"/members/{member.pk}", {"version": 1, "full_name": "<b>Budi</b>"})
    assert response.status_code == 400
    assert "full_name" in response.json()["errors"]
    response = api.patch(f"/members/{member.pk}", {"version": 1, "status": "erased"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    member.refresh_from_db()
    assert (member.full_name, member.status, member.version) == ("Anggota KPU Kota Madiun", "active", 1)


def test_it_hides_a_sibling_offices_member_from_patch(world, api_for, madiun):
    response = api_for(madiun, Role.ADMIN).patch(f"/members/{world.theirs.member.pk}", {"version": 1, "notes": "x"})
    assert response.status_code == 404


def test_it_lets_the_province_read_but_not_patch(world, api_for, jatim):
    member = world.theirs.member
    response = api_for(jatim, Role.ADMIN).patch(f"/members/{member.pk}", {"version": 1, "notes": "dari provinsi"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert (member.notes, member.version) == ("", 1)


def test_it_creates_an_organization(api_for, madiun):
    api = api_for(madiun, Role.EDITOR)
    response = api.post("/organizations", {"name": "Radar Madiun", "category": "media", "abbreviation": "RM"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["office_code"], body["name"], body["category"], body["version"]) == ("35.77", "Radar Madiun",
                                                                                     "media", 1)
    entry = AuditEntry.objects.get(action="organization.created", target_id=str(body["id"]))
    assert (entry.actor, entry.office) == (api.user, madiun)


def test_it_refuses_bad_organizations(world, api_for, madiun):
    api = api_for(madiun, Role.EDITOR)
    before = AuditEntry.objects.count()
    response = api.post("/organizations", {"name": "Bawaslu kpu kota madiun", "category": "bawaslu"})
    assert response.status_code == 400
    assert "sudah ada" in response.json()["errors"]["name"][0]
    response = api.post("/organizations", {"name": "<a href='x'>Jahat</a>", "category": "media"})
    assert response.status_code == 400
    assert "tidak boleh berisi kode HTML" in response.json()["errors"]["name"][0]
    assert AuditEntry.objects.count() == before


def test_schema_errors_are_400_with_the_field_named(madiun, make_staff, client):
    _token, key = grant_api_token(make_staff(madiun, "operator"))
    response = client.post(API + "/members", data={"position": "Ketua"}, content_type="application/json",
                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 400
    assert response.json()["errors"]["full_name"] == ["Wajib diisi."]
    response = client.post(API + "/organizations", data="{bukan json", content_type="application/json",
                           headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 400


def test_tokens_stop_working_when_the_office_requires_a_second_factor(madiun, make_staff, client):
    _token, key = grant_api_token(make_staff(madiun, "operator"))
    madiun.requires_second_factor = True
    madiun.save()
    response = client.get(API + "/members", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


# Who may do what (security review) -----------------------------------------------------------------------------

def test_an_operator_cannot_erase_a_member_by_moving_it_to_pending(world, madiun, make_staff, client, client_for):
    """PATCH status=pending used to let the registration screen 'reject' (erase) any member."""
    operator = make_staff(madiun, Role.OPERATOR)
    api = Api(client, grant_api_token(operator)[1])
    member = world.mine.member
    response = api.patch(f"/members/{member.pk}", {"version": member.version, "status": "pending"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    # Even a member that somehow is pending cannot be rejected (erased) unless it is a self-registration.
    Member.objects.filter(pk=member.pk).update(status=Member.Status.PENDING)
    response = client_for(operator).post(f"/staf/pendaftaran/{member.pk}/", {"decision": "reject"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.PENDING and member.full_name.startswith("Anggota")
    assert not AuditEntry.objects.filter(action="member.erased").exists()


def test_a_read_token_cannot_write(world, madiun, make_staff, client):
    api = Api(client, grant_api_token(make_staff(madiun, Role.OPERATOR), scope="read")[1])
    assert api.get("/members").status_code == 200
    response = api.post("/organizations", {"name": "Ormas Baru", "category": "ormas"})
    assert response.status_code == 403
    member = world.mine.member
    assert api.patch(f"/members/{member.pk}", {"version": member.version, "position": "X"}).status_code == 403


def test_an_expired_token_is_refused(madiun, make_staff, client):
    from django.utils import timezone

    from accounts.models import ApiToken

    token, key = grant_api_token(make_staff(madiun, Role.OPERATOR))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    assert Api(client, key).get("/members").status_code == 401


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.EDITOR, Role.VIEWER])
def test_only_an_admin_grants_tokens(role, madiun, make_staff):
    from django.core.exceptions import PermissionDenied

    from accounts.services import create_api_token

    user = make_staff(madiun, role)
    with pytest.raises(PermissionDenied):
        create_api_token(actor=user, user=user, name="sendiri")


def test_an_admin_grants_tokens_only_in_their_own_office(madiun, kab_madiun, jatim, make_staff):
    from django.core.exceptions import PermissionDenied

    from accounts.services import create_api_token

    for admin in (make_staff(kab_madiun, Role.ADMIN), make_staff(jatim, Role.ADMIN)):
        with pytest.raises(PermissionDenied):
            create_api_token(actor=admin, user=make_staff(madiun, Role.OPERATOR), name="lintas satker")


def test_bulk_reads_are_audited_and_rate_limited(world, madiun, make_staff, client, settings):
    settings.API_BULK_READS_PER_MINUTE = 3
    token, key = grant_api_token(make_staff(madiun, Role.VIEWER), scope="read")
    api = Api(client, key)
    for _ in range(3):
        assert api.get("/members", q="Anggota").status_code == 200
    entries = AuditEntry.objects.filter(action="api.bulk_read", target_id=str(token.pk))
    assert entries.count() == 3
    assert entries.first().after == {"what": "members", "query": {"q": "Anggota"}}
    response = api.get("/members")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    # A single record is not a bulk read.
    assert api.get(f"/members/{world.mine.member.pk}").status_code == 200


# Hostile calls get 4xx, never 500 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["tags", "notes", "full_name", "position", "status", "addresses"])
def test_patch_with_null_names_the_field(field, world, api_for, madiun):
    api = api_for(madiun)
    member = world.mine.member
    response = api.patch(f"/members/{member.pk}", {"version": member.version, field: None})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_patch_with_a_null_organisation_removes_it(world, api_for, madiun):
    member = world.mine.member
    response = api_for(madiun).patch(f"/members/{member.pk}", {"version": member.version, "organization_id": None})
    assert response.status_code == 200 and response.json()["organization_id"] is None


@pytest.mark.parametrize("path", ["/members", "/organizations", "/groups", "/offices"])
@pytest.mark.parametrize("page", ["99999999999999999999", "0", "-1", "abc"])
def test_an_absurd_page_number_is_a_400(path, page, api_for, madiun):
    response = api_for(madiun).get(path, page=page)
    assert response.status_code == 400
    assert "page" in response.json()["errors"]


@pytest.mark.parametrize("path", ["/members/99999999999999999999", "/organizations/99999999999999999999",
                                  "/groups/99999999999999999999/members", "/members/0"])
def test_an_absurd_id_is_a_4xx(path, api_for, madiun):
    assert api_for(madiun).get(path).status_code in {400, 404}


def test_absurd_ids_in_bodies_and_queries_are_400(world, api_for, madiun):
    api = api_for(madiun)
    assert api.get("/members", group_id="99999999999999999999").status_code == 400
    response = api.post("/members", {"full_name": "Baru", "organization_id": 99999999999999999999})
    assert response.status_code == 400 and "organization_id" in response.json()["errors"]


def test_control_characters_never_reach_the_database_or_break_an_export(world, api_for, madiun, client_for):
    api = api_for(madiun)
    member = world.mine.member
    response = api.patch(f"/members/{member.pk}", {"version": member.version, "tags": ["Tamu\u0001", "Nul\u0000"],
                                                    "notes": "baris\x00satu\r\ndua"})
    assert response.status_code == 200, response.content
    assert sorted(response.json()["tags"]) == ["Nul", "Tamu"]
    member.refresh_from_db()
    assert member.notes == "barissatu\ndua"
    assert api.get("/members", q="Anggota\x00").status_code == 200
    # Text stored before this cleaning existed still exports.
    from members.models import Tag

    Tag.objects.filter(office=madiun, name="Tamu").update(name="Tamu\u0001")
    admin = world.mine.member.office.staff.filter(role=Role.ADMIN).first()
    response = client_for(admin).get("/staf/anggota/ekspor.xlsx")
    assert response.status_code == 200


def test_every_answer_is_documented(client, offices):
    paths = client.get(API + "/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"400", "401", "403", "429"} <= documented, (method, path, documented)
            if "{" in path:
                assert "404" in documented, (method, path)
            if method in {"post", "patch"}:
                assert "409" in documented, (method, path)


def test_an_unknown_token_gets_an_indonesian_401(client, offices):
    response = Api(client, "bkh_tidak-ada").get("/members")
    assert response.status_code == 401 and "Token" in response.json()["detail"]
