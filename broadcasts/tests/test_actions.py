"""What the broadcast page offers (selectors.broadcast_actions): each status, each kind of user."""

from dataclasses import fields
from types import SimpleNamespace

import pytest

from accounts.models import Role
from broadcasts import selectors
from broadcasts.models import Broadcast
from conftest import refreshed, staff_maker
from offices.models import Office

S = Broadcast.Status
FLAGS = [f.name for f in fields(selectors.BroadcastActions)]


@pytest.fixture(scope="module")
def _users(module_transaction):
    make = staff_maker("aksi-siaran")
    madiun, jatim = Office.objects.get(code="35.77"), Office.objects.get(code="35")
    return SimpleNamespace(madiun=madiun, operator=make(madiun, Role.OPERATOR), editor=make(madiun, Role.EDITOR),
                           other_editor=make(madiun, Role.EDITOR), viewer=make(madiun, Role.VIEWER),
                           province=make(jatim, Role.ADMIN))


@pytest.fixture
def users(_users, db):
    return refreshed(_users)


def offered(users, status: str, user: str, author: str = "operator") -> set[str]:
    composer = getattr(users, author)
    broadcast = Broadcast(office=users.madiun, status=status, created_by=composer, updated_by=composer)
    actions = selectors.broadcast_actions(getattr(users, user), broadcast)
    return {name for name in FLAGS if getattr(actions, name)}


RUNNING = {"cancel", "record_group_post"}


@pytest.mark.parametrize(("status", "expected"), [
    (S.DRAFT, {"edit", "submit", "cancel"}),
    (S.PENDING, {"awaiting_approval", "return_to_draft", "cancel"}),
    (S.SCHEDULED, {"return_to_draft", "reach_recounted"} | RUNNING),
    (S.SENDING, {"pause"} | RUNNING),
    (S.PAUSED, {"resume"} | RUNNING),
    (S.DONE, {"record_group_post"}),
    (S.CANCELLED, set()),
])
def test_the_author_works_on_it_through_its_states(users, status, expected):
    assert offered(users, status, "operator") == expected


def test_someone_else_with_the_approve_role_approves_a_pending_broadcast(users):
    assert offered(users, S.PENDING, "editor") == {"approve", "return_to_draft", "cancel"}
    assert "approve" not in offered(users, S.DRAFT, "editor")
    assert "approve" not in offered(users, S.SCHEDULED, "editor")


def test_an_approver_who_composed_or_last_changed_it_waits_for_someone_else(users):
    assert offered(users, S.PENDING, "editor", author="editor") == {"awaiting_approval", "return_to_draft", "cancel"}
    assert "approve" in offered(users, S.PENDING, "other_editor", author="editor")
    changed = Broadcast(office=users.madiun, status=S.PENDING, created_by=users.operator, updated_by=users.editor)
    assert not selectors.broadcast_actions(users.editor, changed).approve


@pytest.mark.parametrize("status", S.values)
def test_a_viewer_and_a_higher_office_only_read(users, status):
    scheduled = {"reach_recounted"} if status == S.SCHEDULED else set()
    assert offered(users, status, "viewer") == scheduled | ({"awaiting_approval"} if status == S.PENDING else set())
    assert offered(users, status, "province") == scheduled


@pytest.mark.parametrize("status", S.values)
def test_the_progress_bar_polls_only_while_its_numbers_may_move(users, status):
    broadcast = Broadcast.objects.create(office=users.madiun, status=status, title="Siaran", text="Isi")
    assert selectors.broadcast_progress(broadcast).polls == (status in (S.SENDING, S.SCHEDULED))


@pytest.mark.parametrize("status", S.values)
def test_no_recipients_yet_is_not_a_finished_bar(users, status):
    broadcast = Broadcast.objects.create(office=users.madiun, status=status, title="Siaran", text="Isi")
    progress = selectors.broadcast_progress(broadcast)
    assert progress.percent == 0 and progress.total == 0
