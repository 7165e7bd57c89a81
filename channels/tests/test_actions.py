"""What the channel page offers (selectors.channel_actions): each status, each kind of user."""

from types import SimpleNamespace

import pytest

from accounts.models import Role
from channels import selectors
from channels.models import Channel
from conftest import refreshed, staff_maker
from offices.models import Office

S = Channel.Status


@pytest.fixture(scope="module")
def _users(module_transaction):
    make = staff_maker("aksi-kanal")
    madiun, jatim = Office.objects.get(code="35.77"), Office.objects.get(code="35")
    return SimpleNamespace(madiun=madiun, admin=make(madiun, Role.ADMIN), editor=make(madiun, Role.EDITOR),
                           province=make(jatim, Role.ADMIN))


@pytest.fixture
def users(_users, db):
    return refreshed(_users)


def actions(users, user: str, status: str = S.ACTIVE, kind: str = "outbox"):
    return selectors.channel_actions(getattr(users, user), Channel(office=users.madiun, kind=kind, status=status))


@pytest.mark.parametrize(("status", "pause", "activate"), [(S.ACTIVE, True, False), (S.PAUSED, False, True),
                                                            (S.BROKEN, False, True)])
def test_the_offices_admin_pauses_an_active_channel_and_activates_any_other(users, status, pause, activate):
    offered = actions(users, "admin", status)
    assert (offered.manage, offered.pause, offered.activate) == (True, pause, activate)


@pytest.mark.parametrize("user", ["editor", "province"])
@pytest.mark.parametrize("status", S.values)
def test_no_one_else_manages_it(users, user, status):
    offered = actions(users, user, status, kind="telegram")
    assert not (offered.manage or offered.pause or offered.activate or offered.register_webhook)


def test_the_webhook_button_is_for_providers_told_their_address_by_api(users):
    assert actions(users, "admin", kind="telegram").register_webhook
    assert not actions(users, "admin", kind="outbox").register_webhook


@pytest.mark.parametrize("status", S.values)
def test_everyone_is_told_when_it_stopped_itself(users, status):
    assert actions(users, "editor", status).stopped_by_failures == (status == S.BROKEN)
