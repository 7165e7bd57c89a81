"""What the claim and clarification pages offer (selectors.claim_actions, selectors.clarification_actions)."""

from dataclasses import fields
from types import SimpleNamespace

import pytest

from accounts.models import Role
from conftest import refreshed, staff_maker
from factcheck import selectors
from factcheck.models import Claim, Clarification, ClarificationChange
from offices.models import Office

C = Clarification.Status
CLARIFICATION_FLAGS = [f.name for f in fields(selectors.ClarificationActions)]


@pytest.fixture(scope="module")
def _users(module_transaction):
    make = staff_maker("aksi-cek-fakta")
    madiun, jatim = Office.objects.get(code="35.77"), Office.objects.get(code="35")
    return SimpleNamespace(madiun=madiun, verifier=make(madiun, Role.VERIFIER), operator=make(madiun, Role.OPERATOR),
                           editor=make(madiun, Role.EDITOR), other_editor=make(madiun, Role.EDITOR),
                           viewer=make(madiun, Role.VIEWER), province=make(jatim, Role.ADMIN))


@pytest.fixture
def users(_users, db):
    return refreshed(_users)


# Claims --------------------------------------------------------------------------------------------------------

def claim_offers(users, user: str, status: str, assigned_to: str | None = None) -> tuple[bool, bool, bool]:
    claim = Claim(office=users.madiun, status=status,
                  assigned_to=getattr(users, assigned_to) if assigned_to else None)
    actions = selectors.claim_actions(getattr(users, user), claim)
    return actions.verify, actions.assign_self, actions.note


@pytest.mark.parametrize("status", [Claim.Status.NEW, Claim.Status.VERIFYING])
def test_a_verifier_works_on_an_open_claim(users, status):
    assert claim_offers(users, "verifier", status) == (True, True, True)
    assert claim_offers(users, "verifier", status, assigned_to="verifier") == (True, False, True)
    assert claim_offers(users, "verifier", status, assigned_to="editor") == (True, True, True)


def test_a_done_claim_only_takes_notes(users):
    assert claim_offers(users, "verifier", Claim.Status.DONE) == (False, False, True)


@pytest.mark.parametrize("user", ["operator", "viewer", "province"])
@pytest.mark.parametrize("status", Claim.Status.values)
def test_no_one_else_works_on_a_claim(users, user, status):
    assert claim_offers(users, user, status) == (False, False, False)


def test_the_queue_selects_only_the_verifiers_own_office_claims(users):
    own, below = Claim(office=users.madiun), Claim(office=Office.objects.get(code="35.19"))
    rows = selectors.queue_rows(users.province, [own, below])
    assert [(r.selectable, r.other_office) for r in rows] == [(False, True), (False, True)]
    rows = selectors.queue_rows(users.verifier, [own, below])
    assert [(r.selectable, r.other_office) for r in rows] == [(True, False), (False, True)]
    assert [r.selectable for r in selectors.queue_rows(users.viewer, [own])] == [False]


# Clarifications ------------------------------------------------------------------------------------------------

def offered(users, user: str, status: str, *, author: str = "verifier", external: bool = False,
            change_by: str | None = None) -> set[str]:
    writer = getattr(users, author)
    clarification = Clarification(office=users.madiun, status=status, author=writer, edited_by=writer,
                                  external_url="https://cekfakta.test/1" if external else "")
    change = (ClarificationChange(clarification=clarification, kind=ClarificationChange.Kind.CORRECTION,
                                  proposed_by=getattr(users, change_by)) if change_by else None)
    actions = selectors.clarification_actions(getattr(users, user), clarification, change)
    return {name for name in CLARIFICATION_FLAGS if getattr(actions, name)}


@pytest.mark.parametrize(("status", "verifier", "editor"), [
    (C.DRAFT, {"edit", "submit"}, {"edit", "submit"}),
    (C.PENDING, {"edit"}, {"review"}),      # the reviewer reviews or returns it; editing is the author's
    (C.PUBLISHED, {"propose_correction", "propose_withdrawal"},
     {"propose_correction", "propose_withdrawal", "broadcast"}),
    (C.WITHDRAWN, set(), set()),
])
def test_what_the_author_and_an_approver_may_do_in_each_state(users, status, verifier, editor):
    assert offered(users, "verifier", status) == verifier
    assert offered(users, "editor", status) == editor


def test_the_author_or_last_editor_waits_for_someone_else_to_review(users):
    assert offered(users, "editor", C.PENDING, author="editor") == {"edit", "own_text_waits"}
    assert offered(users, "other_editor", C.PENDING, author="editor") == {"review"}
    assert "review" not in offered(users, "editor", C.DRAFT, author="other_editor")


def test_an_imported_clarification_is_not_edited_submitted_or_corrected_here(users):
    assert offered(users, "verifier", C.DRAFT, external=True) == set()
    assert offered(users, "verifier", C.PENDING, external=True) == set()
    assert offered(users, "verifier", C.PUBLISHED, external=True) == {"propose_withdrawal"}


def test_a_pending_change_is_decided_by_someone_other_than_its_proposer(users):
    assert offered(users, "editor", C.PUBLISHED, change_by="verifier") == {"broadcast", "approve_change",
                                                                            "reject_change"}
    assert offered(users, "editor", C.PUBLISHED, change_by="editor") == {"broadcast", "reject_change",
                                                                          "own_change"}
    # Nothing new is proposed while one waits.
    assert offered(users, "verifier", C.PUBLISHED, change_by="editor") == set()


@pytest.mark.parametrize("user", ["viewer", "province"])
@pytest.mark.parametrize("status", C.values)
def test_a_viewer_and_a_higher_office_only_read(users, user, status):
    assert offered(users, user, status, change_by="verifier") == set()
