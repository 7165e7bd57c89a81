"""What the member, group and import pages offer (selectors.member_actions, group_actions, import_actions)."""

from dataclasses import fields
from types import SimpleNamespace

import pytest

from accounts.models import Role
from conftest import refreshed, staff_maker
from members import selectors
from members.models import Group, ImportJob, Member
from offices.models import Office

M, J = Member.Status, ImportJob.Status


@pytest.fixture(scope="module")
def _world(module_transaction):
    make = staff_maker("aksi-anggota")
    madiun, jatim = Office.objects.get(code="35.77"), Office.objects.get(code="35")
    return SimpleNamespace(madiun=madiun, admin=make(madiun, Role.ADMIN), editor=make(madiun, Role.EDITOR),
                           operator=make(madiun, Role.OPERATOR), viewer=make(madiun, Role.VIEWER),
                           province=make(jatim, Role.ADMIN))


@pytest.fixture
def world(_world, db):
    return refreshed(_world)


def offered(actions) -> set[str]:
    return {f.name for f in fields(actions) if getattr(actions, f.name)}


def member_offers(world, user: str, status: str) -> set[str]:
    return offered(selectors.member_actions(getattr(world, user), Member(office=world.madiun, status=status)))


@pytest.mark.parametrize(("user", "status", "expected"), [
    ("operator", M.ACTIVE, {"edit", "export_personal_data"}),
    ("operator", M.INACTIVE, {"edit", "export_personal_data"}),
    ("operator", M.PENDING, {"edit", "export_personal_data", "decide_registration"}),
    ("editor", M.PENDING, {"edit", "export_personal_data"}),
    ("admin", M.ACTIVE, {"edit", "export_personal_data", "erase"}),
    ("admin", M.PENDING, {"edit", "export_personal_data", "erase", "decide_registration"}),
    ("admin", M.ERASED, set()),
    ("viewer", M.PENDING, set()),
    ("province", M.PENDING, {"export_personal_data"}),
    ("province", M.ERASED, set()),
])
def test_member_page(world, user, status, expected):
    assert member_offers(world, user, status) == expected


@pytest.mark.parametrize(("user", "kind", "expected"), [
    ("operator", Group.Kind.MANUAL, {"edit", "manage_members"}),
    ("operator", Group.Kind.DYNAMIC, {"edit"}),
    ("viewer", Group.Kind.MANUAL, set()),
    ("province", Group.Kind.MANUAL, set()),
])
def test_group_page(world, user, kind, expected):
    assert offered(selectors.group_actions(getattr(world, user), Group(office=world.madiun, kind=kind))) == expected


@pytest.mark.parametrize(("status", "expected"), [
    (J.UPLOADED, {"map_columns"}),
    (J.VALIDATING, set()),
    (J.VALIDATED, {"map_columns", "remap", "decide", "checked"}),
    (J.IMPORTING, set()),
    (J.DONE, {"checked", "imported"}),
    (J.FAILED, {"map_columns"}),
    (J.CANCELLED, set()),
])
def test_import_page_by_the_jobs_state(world, status, expected):
    assert offered(selectors.import_actions(world.operator, ImportJob(office=world.madiun, status=status))) == expected


@pytest.mark.parametrize("user", ["viewer", "province"])
def test_only_importers_of_the_office_act_on_an_import(world, user):
    job = ImportJob(office=world.madiun, status=J.VALIDATED)
    assert offered(selectors.import_actions(getattr(world, user), job)) == {"remap", "checked"}
