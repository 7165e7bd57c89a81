"""What the conversation page offers (selectors.conversation_actions): each state, each kind of user."""

from dataclasses import fields
from types import SimpleNamespace

import pytest

from accounts.models import Role
from conftest import refreshed, staff_maker
from inbox import selectors
from inbox.models import Conversation
from offices.models import Office

OPEN, WAITING, CLOSED = Conversation.Status.OPEN, Conversation.Status.WAITING, Conversation.Status.CLOSED
FLAGS = [f.name for f in fields(selectors.ConversationActions)]


@pytest.fixture(scope="module")
def _world(module_transaction):
    make = staff_maker("aksi-percakapan")
    madiun, jatim, ri = (Office.objects.get(code=code) for code in ("35.77", "35", "00"))
    return SimpleNamespace(madiun=madiun, jatim=jatim, ri=ri, operator=make(madiun, Role.OPERATOR),
                           viewer=make(madiun, Role.VIEWER), province=make(jatim, Role.OPERATOR),
                           province_viewer=make(jatim, Role.VIEWER), national=make(ri, Role.OPERATOR))


@pytest.fixture
def world(_world, db):
    return refreshed(_world)


def offered(world, user: str, status: str = OPEN, *, escalated_to: str | None = None,
            assigned_to: str | None = None, **extra) -> set[str]:
    conversation = Conversation(office=world.madiun, status=status,
                                escalated_to=getattr(world, escalated_to) if escalated_to else None,
                                assigned_to=getattr(world, assigned_to) if assigned_to else None, **extra)
    actions = selectors.conversation_actions(getattr(world, user), conversation)
    return {name for name in FLAGS if getattr(actions, name)}


OWN = {"view_member", "report_hoax"}
HANDLING = {"handle", "assign_self"}


@pytest.mark.parametrize(("status", "expected"), [
    (OPEN, OWN | HANDLING | {"reply", "close", "escalate"}),
    (WAITING, OWN | HANDLING | {"reply", "close", "escalate"}),
    (CLOSED, OWN | HANDLING | {"reopen"}),
])
def test_the_office_answers_closes_reopens_and_escalates_its_conversation(world, status, expected):
    assert offered(world, "operator", status) == expected


def test_taking_it_on_is_offered_to_whoever_does_not_handle_it_yet(world):
    assert "assign_self" not in offered(world, "operator", assigned_to="operator")
    assert "assign_self" in offered(world, "operator", assigned_to="province", escalated_to="jatim")


def test_a_flood_flag_is_lifted_and_a_contact_form_linked_by_the_office(world):
    assert {"unflag", "link_member"} <= offered(world, "operator", flagged_flood=True, from_contact_form=True)
    assert not {"unflag", "link_member"} & offered(world, "operator")


def test_the_office_above_answers_what_was_escalated_to_it(world):
    province = offered(world, "province", escalated_to="jatim", from_contact_form=True)
    assert province == HANDLING | {"reply", "close", "escalate", "return_escalation"}
    # The office below keeps answering, but only the holder escalates further.
    assert offered(world, "operator", escalated_to="jatim") == OWN | HANDLING | {"reply", "close"}
    assert "escalate" not in offered(world, "national", escalated_to="ri")


@pytest.mark.parametrize("status", [OPEN, CLOSED])
def test_a_viewer_and_an_office_not_asked_only_read(world, status):
    assert offered(world, "viewer", status, flagged_flood=True) == {"view_member"}
    assert offered(world, "province", status) == set()
    assert offered(world, "province_viewer", status, escalated_to="jatim") == set()
