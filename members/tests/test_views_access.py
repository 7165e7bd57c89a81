"""Who may open which staff page: roles, office scoping, anonymous visitors and expired htmx sessions.

Every staff view in members/, audit/ and accounts/ is listed once in VIEWS with the roles that may use it;
the tests below run each view for every role, for a user without an office, for an anonymous visitor, for
staff of a sibling office (KPU Kabupaten Madiun) and for the admin of the province above both.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.timezone import now

from accounts.models import ApiToken, Role, User
from conftest import PASSWORD, grant_api_token, refreshed, staff_user
from members import services
from members.models import Address, Category, Consent, Group, ImportJob, Member, Organization, Purpose
from offices.models import Office

ADMIN, EDITOR, VERIFIER, OPERATOR, VIEWER = Role.ADMIN, Role.EDITOR, Role.VERIFIER, Role.OPERATOR, Role.VIEWER
ROLES = [ADMIN, EDITOR, VERIFIER, OPERATOR, VIEWER]

# Written out here rather than read from accounts.permissions, so a change there has to be made on purpose.
EVERYONE = frozenset(ROLES)
EDITORS = frozenset({ADMIN, EDITOR, OPERATOR})
APPROVERS = frozenset({ADMIN, OPERATOR})
ADMINS = frozenset({ADMIN})

IMPORT_CSV = b"Nama lengkap,Instansi,WhatsApp\nSiti Rahmawati,DPC Partai Contoh,0812-3456-7890\n"


def _no_data(registry):
    return {}


@dataclass(frozen=True)
class View:
    name: str
    allowed: frozenset
    ok: int = 200
    method: str = "get"
    target: str | None = None  # key of an object in the office's registry (see _registry)
    kwargs: dict = field(default_factory=dict)
    data: Callable = _no_data
    # What the KPU Provinsi Jawa Timur admin gets on a kabupaten/kota object: reads pass, writes do not,
    # import jobs and registrations stay with the office that owns them.
    province: int | None = None
    post_only: bool = True       # a POST view that also answers GET (a confirmation page) says False

    def __str__(self):
        return f"{self.name.split(':')[-1]}"


VIEWS = [
    # Registry pages anyone with an office may read.
    View("members:dashboard", EVERYONE),
    View("members:member_list", EVERYONE),
    View("members:member_detail", EVERYONE, target="member", province=200),
    View("members:organization_list", EVERYONE),
    View("members:organization_detail", EVERYONE, target="org", province=200),
    View("members:group_list", EVERYONE),
    View("members:group_detail", EVERYONE, target="group", province=200),
    # Members: create, edit, export, consent, opt-out, erasure.
    View("members:member_create", EDITORS),
    View("members:member_edit", EDITORS, target="member", province=403),
    View("members:member_export", EDITORS, kwargs={"fmt": "csv"}),
    View("members:member_export", EDITORS, kwargs={"fmt": "xlsx"}),
    View("members:member_export_json", EDITORS, target="member", province=200),
    View("members:member_erase", ADMINS, target="member", province=403),
    View("members:member_erase", ADMINS, 302, "post", "member", province=403, post_only=False,
         data=lambda r: {"reason": "Permintaan tertulis 3 Juni 2024", "confirm_name": r.member.full_name}),
    View("members:consent_give", EDITORS, 302, "post", "member", province=403,
         data=lambda r: {"address": r.address.pk, "purposes": [Purpose.EVENTS], "evidence": "Rapat"}),
    View("members:consent_withdraw", EDITORS, 302, "post", "consent", province=403),
    View("members:address_opt_out", EDITORS, 302, "post", "address", province=403,
         data=lambda r: {"opted_out": "1"}),
    # Self-registration.
    View("members:registration_list", APPROVERS),
    View("members:registration_qr", APPROVERS),
    View("members:registration_settings", ADMINS, 302, "post", data=lambda r: {"open": "1"}),
    View("members:registration_decide", APPROVERS, 302, "post", "pending", province=404,
         data=lambda r: {"decision": "approve"}),
    # Organisations.
    View("members:organization_create", EDITORS),
    View("members:organization_edit", EDITORS, target="org", province=403),
    # Groups.
    View("members:group_create", EDITORS),
    View("members:group_edit", EDITORS, target="group", province=403),
    View("members:group_membership", EDITORS, 302, "post", "group", province=403,
         data=lambda r: {"member": r.other_member.pk, "action": "add"}),
    View("members:group_delete", EDITORS, 302, "post", "group", province=403),
    # Imports.
    View("members:import_start", EDITORS),
    View("members:import_template", EDITORS),
    View("members:import_detail", EDITORS, target="job", province=404),
    View("members:import_progress", EDITORS, target="job", province=404),
    View("members:import_confirm", EDITORS, 302, "post", "job", province=404),
    View("members:import_cancel", EDITORS, 302, "post", "job", province=404),
    View("members:import_errors_csv", EDITORS, target="job", province=404),
    # Audit log.
    View("audit_log", ADMINS),
    # Accounts: own security page and API tokens, staff management.
    View("accounts:security", EVERYONE),
    View("accounts:password_change", EVERYONE),
    View("accounts:token_revoke", EVERYONE, 302, "post", "token"),
    View("accounts:staff_list", ADMINS),
    View("accounts:staff_create", ADMINS),
    View("accounts:staff_edit", ADMINS, target="staff"),
    View("accounts:token_create", ADMINS, 302, "post", "staff", data=lambda r: {
        "name": "Integrasi SIAKBA", "scope": "read", "valid_days": "30", "secret": PASSWORD}),
    View("accounts:staff_reset_password", ADMINS, 302, "post", "staff"),
]

OBJECT_VIEWS = [v for v in VIEWS if v.province is not None]


def _ids(view: View) -> str:
    return f"{view}-{view.kwargs['fmt']}" if view.kwargs else str(view)


def _registry(office, actor, n: int) -> SimpleNamespace:
    """One office's registry, built through the services the application itself uses."""
    org = services.create_organization(actor=actor, office=office, name=f"DPC Partai Contoh {office.name}",
                                       category=Category.PARTY)
    member = services.create_member(
        actor=actor, office=office, full_name=f"Anggota {office.name}", position="Sekretaris", organization=org,
        addresses=[services.AddressInput(Address.Kind.WHATSAPP, f"0812-3456-78{n}0"),
                   services.AddressInput(Address.Kind.EMAIL, f"anggota{n}@example.id")],
        consent=services.ConsentInput([Purpose.DISSEMINATION], Consent.Method.FORM, "Formulir rapat 12 Maret 2024"),
    )
    other_member = services.create_member(actor=actor, office=office, full_name=f"Tokoh {office.name}",
                                          addresses=[services.AddressInput(Address.Kind.EMAIL, f"tokoh{n}@example.id")])
    pending = services.create_member(
        actor=None, office=office, full_name=f"Pendaftar {office.name}", status=Member.Status.PENDING,
        source=Member.Source.SELF_REGISTRATION, submitted_organization=f"Ormas Contoh {office.name}",
        addresses=[services.AddressInput(Address.Kind.WHATSAPP, f"0813-3456-78{n}1")],
    )
    group = services.create_group(actor=actor, office=office, name=f"Forkopimda {office.name}",
                                  kind=Group.Kind.MANUAL, members=[member])
    job = services.create_import_job(actor=actor, office=office,
                                     uploaded_file=SimpleUploadedFile(f"anggota-{n}.csv", IMPORT_CSV))
    address = member.addresses.get(kind=Address.Kind.WHATSAPP)
    return SimpleNamespace(
        office=office, actor=actor, org=org, member=member, other_member=other_member, pending=pending,
        group=group, job=job, address=address, consent=address.consents.get(),
        staff=User.objects.create_user(username=f"staf-lain-{office.code}", office=office, role=VIEWER),
    )


@pytest.fixture(scope="module")
def _registries(module_transaction):
    """Built once for the module (every test's own changes are rolled back after it)."""
    madiun, kab_madiun = Office.objects.get(code="35.77"), Office.objects.get(code="35.19")
    return SimpleNamespace(
        mine=_registry(madiun, staff_user(madiun, ADMIN, "admin-matriks-35.77"), 1),
        theirs=_registry(kab_madiun, staff_user(kab_madiun, ADMIN, "admin-matriks-35.19"), 2))


@pytest.fixture
def mine(_registries, db):
    """KPU Kota Madiun's registry."""
    return refreshed(_registries.mine)


@pytest.fixture
def world(_registries, db):
    """KPU Kota Madiun (`mine`) and its sibling KPU Kabupaten Madiun (`theirs`), both below KPU Jawa Timur."""
    return refreshed(_registries)


def _url(view: View, registry: SimpleNamespace, user: User | None) -> str:
    kwargs = dict(view.kwargs)
    if view.target == "token":
        owner = user if user is not None and user.office_id == registry.office.pk else registry.actor
        kwargs["pk"] = grant_api_token(owner, name="uji")[0].pk
    elif view.target:
        kwargs["pk"] = getattr(registry, view.target).pk
    return reverse(view.name, kwargs=kwargs)


def _call(client, view: View, registry, user=None, **extra):
    url = _url(view, registry, user)
    if view.method == "post":
        return client.post(url, view.data(registry), **extra)
    return client.get(url, **extra)


def _login_redirect(response, path: str) -> bool:
    return response.status_code == 302 and response.url == f"/masuk/?next={path}"


# Roles ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", VIEWS, ids=_ids)
def test_it_checks_the_role(view, role, mine, madiun, make_staff, client_for):
    user = make_staff(madiun, role)
    response = _call(client_for(user), view, mine, user)
    if role in view.allowed:
        assert response.status_code == view.ok, response.content[:300]
        if view.ok == 302:
            assert not response.url.startswith("/masuk/")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("view", VIEWS, ids=_ids)
def test_it_forbids_staff_without_an_office(view, mine, client_for):
    user = User.objects.create_user(username="tanpa-satker", role=ADMIN)
    assert _call(client_for(user), view, mine, user).status_code == 403


@pytest.mark.parametrize("view", VIEWS, ids=_ids)
def test_it_sends_anonymous_visitors_to_login(view, mine, client):
    url = _url(view, mine, None)
    response = client.post(url, view.data(mine)) if view.method == "post" else client.get(url)
    assert _login_redirect(response, url)


@pytest.mark.parametrize("view", [v for v in VIEWS if v.method == "post" and v.post_only], ids=_ids)
def test_it_refuses_get_on_post_only_views(view, mine, client_for):
    assert client_for(mine.actor).get(_url(view, mine, mine.actor)).status_code == 405


# Office scoping ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("view", OBJECT_VIEWS, ids=_ids)
def test_it_hides_a_sibling_offices_objects(view, world, client_for):
    """KPU Kota Madiun's admin (every capability) never reaches KPU Kabupaten Madiun's registry."""
    response = _call(client_for(world.mine.actor), view, world.theirs, world.mine.actor)
    assert response.status_code == 404


@pytest.mark.parametrize("view", OBJECT_VIEWS, ids=_ids)
@pytest.mark.parametrize("office", ["mine", "theirs"])
def test_it_lets_the_province_read_but_not_write(view, office, world, jatim, make_staff, client_for):
    admin = make_staff(jatim, ADMIN)
    response = _call(client_for(admin), view, getattr(world, office), admin)
    assert response.status_code == view.province


def test_it_hides_other_staffs_api_tokens(world, make_staff, madiun, client_for):
    colleague = make_staff(madiun, OPERATOR)
    token, _key = grant_api_token(colleague, name="milik rekan")
    for outsider in (make_staff(madiun, EDITOR), world.theirs.actor):
        response = client_for(outsider).post(reverse("accounts:token_revoke", args=[token.pk]))
        assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    # The office's admin, who grants tokens, may also take one back.
    assert client_for(world.mine.actor).post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_it_forbids_editing_staff_of_another_office(world, client_for):
    response = client_for(world.mine.actor).get(reverse("accounts:staff_edit", args=[world.theirs.staff.pk]))
    assert response.status_code == 404


def test_it_lists_only_own_staff(world, client_for):
    response = client_for(world.mine.actor).get(reverse("accounts:staff_list"))
    assert world.mine.staff.username in response.text
    assert world.theirs.staff.username not in response.text


@pytest.mark.parametrize("name", ["members:member_list", "members:organization_list", "members:group_list"])
def test_it_lists_only_the_offices_own_registry(name, world, make_staff, madiun, client_for):
    response = client_for(make_staff(madiun, VIEWER)).get(reverse(name))
    assert response.status_code == 200
    assert "Kota Madiun" in response.text
    assert "Kabupaten Madiun" not in response.text


@pytest.mark.parametrize("name", ["members:member_list", "members:organization_list", "members:group_list"])
def test_it_lists_descendants_for_the_province(name, world, make_staff, jatim, client_for):
    response = client_for(make_staff(jatim, VIEWER)).get(reverse(name))
    assert response.status_code == 200
    assert "KPU Kota Madiun" in response.text
    assert "KPU Kabupaten Madiun" in response.text


def test_it_refuses_filtering_by_a_sibling_offices_group(world, client_for):
    response = client_for(world.mine.actor).get(reverse("members:member_list"), {"group": world.theirs.group.pk})
    assert response.status_code == 404


def test_it_exports_only_the_offices_own_members(world, make_staff, madiun, client_for):
    response = client_for(make_staff(madiun, OPERATOR)).get(reverse("members:member_export", args=["csv"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert world.mine.member.full_name in body
    assert world.theirs.member.full_name not in body


def test_it_refuses_adding_a_sibling_offices_member_to_a_group(world, client_for):
    response = client_for(world.mine.actor).post(reverse("members:group_membership", args=[world.mine.group.pk]),
                                                 {"member": world.theirs.member.pk, "action": "add"})
    assert response.status_code == 404
    assert not world.mine.group.members.filter(pk=world.theirs.member.pk).exists()


# Writes really happen, or really do not --------------------------------------------------------------------

def _member_post(registry, **overrides):
    data = {
        "full_name": "Budi Santoso", "organization": registry.org.pk, "position": "Ketua", "status": "active",
        "tags": "Parpol", "notes": "", "version": registry.member.version,
        "addr-TOTAL_FORMS": "1", "addr-INITIAL_FORMS": "0", "addr-MIN_NUM_FORMS": "0", "addr-MAX_NUM_FORMS": "10",
        "addr-0-kind": "whatsapp", "addr-0-value": "0857-1234-5678",
    }
    return {**data, **overrides}


def test_it_creates_a_member_for_an_operator(mine, make_staff, madiun, client_for):
    response = client_for(make_staff(madiun, OPERATOR)).post(reverse("members:member_create"), _member_post(mine))
    member = Member.objects.get(full_name="Budi Santoso")
    assert response.status_code == 302
    assert response.url == reverse("members:member_detail", args=[member.pk])
    assert member.office == madiun


@pytest.mark.parametrize("name, data", [
    ("members:member_create", _member_post),
    ("members:organization_create", lambda r: {"name": "Bawaslu Kota Madiun", "category": Category.BAWASLU}),
    ("members:group_create", lambda r: {"name": "Media", "kind": Group.Kind.MANUAL}),
    ("members:import_start", lambda r: {"file": SimpleUploadedFile("a.csv", IMPORT_CSV),
                                        "default_category": Category.OTHER}),
])
def test_it_refuses_viewer_writes(name, data, mine, make_staff, madiun, client_for):
    def counts():
        return [model.objects.count() for model in (Member, Organization, Group, ImportJob)]

    before = counts()
    response = client_for(make_staff(madiun, VIEWER)).post(reverse(name), data(mine))
    assert response.status_code == 403
    assert counts() == before


def test_it_refuses_province_edits_of_a_kabupaten_member(world, jatim, make_staff, client_for):
    member = world.theirs.member
    response = client_for(make_staff(jatim, ADMIN)).post(reverse("members:member_edit", args=[member.pk]),
                                                        _member_post(world.theirs, organization=""))
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.full_name == "Anggota KPU Kabupaten Madiun"
    assert member.version == 1


def test_it_refuses_province_edits_of_a_kota_organization(mine, jatim, make_staff, client_for):
    org = mine.org
    response = client_for(make_staff(jatim, ADMIN)).post(
        reverse("members:organization_edit", args=[org.pk]),
        {"name": "Diubah provinsi", "category": Category.PARTY, "version": org.version})
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "DPC Partai Contoh KPU Kota Madiun"


@pytest.mark.parametrize("role, erased", [(ADMIN, True), (EDITOR, False), (OPERATOR, False)])
def test_it_lets_only_admin_erase(role, erased, mine, madiun, make_staff, client_for):
    member = mine.member
    client_for(make_staff(madiun, role)).post(reverse("members:member_erase", args=[member.pk]),
                                              {"reason": "Permintaan tertulis", "confirm_name": member.full_name})
    member.refresh_from_db()
    assert (member.status == Member.Status.ERASED) is erased


def test_erasure_shows_what_goes_and_is_refused_without_the_typed_name(mine, madiun, make_staff, client_for):
    member, client = mine.member, client_for(make_staff(madiun, ADMIN))
    url = reverse("members:member_erase", args=[member.pk])
    page = client.get(url).text
    assert 'alamat kontak</td><td class="num">2<' in page
    consents = Consent.objects.filter(address__member=member).count()
    assert f'catatan persetujuan (PDP)</td><td class="num">{consents}<' in page
    assert f"Tulis persis: {member.full_name}" in page
    refused = client.post(url, {"reason": "Permintaan tertulis"})
    assert refused.status_code == 400
    assert "Data belum dihapus" in refused.text
    assert "Ketik nama anggota untuk memastikan penghapusan." in refused.text
    wrong = client.post(url, {"reason": "Permintaan tertulis", "confirm_name": "Orang lain"})
    assert "tidak sama dengan nama anggota ini" in wrong.text
    member.refresh_from_db()
    assert member.status != Member.Status.ERASED and member.addresses.count() == 2
    done = client.post(url, {"reason": "Permintaan tertulis", "confirm_name": f"  {member.full_name.upper()} "})
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.ERASED


def test_destructive_buttons_ask_first(world, madiun, make_staff, client_for):
    client = client_for(make_staff(madiun, ADMIN))
    mine = world.mine
    group_page = client.get(reverse("members:group_detail", args=[mine.group.pk])).text
    assert 'data-confirm="Hapus grup ini?' in group_page
    assert "membuat grup «Forkopimda" in group_page                     # its history, as sentences
    pending_page = client.get(reverse("members:member_detail", args=[mine.pending.pk])).text
    assert 'data-confirm="Tolak pendaftaran ini? Datanya dihapus."' in pending_page
    grant_api_token(mine.staff)
    staff_page = client.get(reverse("accounts:staff_edit", args=[mine.staff.pk])).text
    assert 'data-confirm="Cabut token ini?' in staff_page and 'data-confirm="Atur ulang kata sandi' in staff_page


def test_it_lets_only_admin_manage_staff(mine, madiun, make_staff, client_for):
    data = {"username": "staf-baru", "role": VIEWER, "password": "Kata-sandi-panjang-9"}
    assert client_for(make_staff(madiun, EDITOR)).post(reverse("accounts:staff_create"), data).status_code == 403
    assert not User.objects.filter(username="staf-baru").exists()
    response = client_for(mine.actor).post(reverse("accounts:staff_create"), data)
    assert response.status_code == 302
    assert User.objects.get(username="staf-baru").office == madiun


# htmx --------------------------------------------------------------------------------------------------------

def test_it_asks_htmx_to_redirect_when_the_session_expired(mine, client):
    page = reverse("members:import_detail", args=[mine.job.pk])
    response = client.get(reverse("members:import_progress", args=[mine.job.pk]),
                          headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"})
    assert response.status_code == 401
    assert response["HX-Redirect"] == f"/masuk/?next={page}"


def test_it_redirects_htmx_to_login_without_a_current_url(mine, client):
    response = client.get(reverse("members:import_progress", args=[mine.job.pk]),
                          headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith("/masuk/?next=")


def test_it_refreshes_the_page_when_an_import_is_no_longer_running(mine, client_for):
    response = client_for(mine.actor).get(reverse("members:import_progress", args=[mine.job.pk]),
                                                headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"


def test_it_clears_an_undeliverable_flag_only_for_the_own_office(client_for, operator, madiun, make_staff,
                                                                   kab_madiun):
    member = services.create_member(actor=operator, office=madiun, full_name="Rina", addresses=[
        services.AddressInput("whatsapp", "081230000123")])
    address = member.addresses.get()
    Address.objects.filter(pk=address.pk).update(undeliverable_at=now(), undeliverable_reason="131026")
    page = client_for(operator).get(reverse("members:member_detail", args=[member.pk])).text
    assert "tidak dapat dihubungi" in page
    other = make_staff(kab_madiun, "admin")
    assert client_for(other).post(reverse("members:address_reachable", args=[address.pk])).status_code == 404
    client_for(operator).post(reverse("members:address_reachable", args=[address.pk]))
    address.refresh_from_db()
    assert address.undeliverable_at is None
