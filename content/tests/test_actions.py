"""What the publication page offers (selectors.publication_actions): each state, each kind of user."""

from dataclasses import fields
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import Role
from conftest import refreshed, staff_maker
from content import selectors, services
from content.models import Publication
from offices.models import Office

FLAGS = [f.name for f in fields(selectors.PublicationActions) if f.type is bool]


@pytest.fixture(scope="module")
def _world(module_transaction):
    make = staff_maker("aksi-publikasi")
    madiun, jatim = Office.objects.get(code="35.77"), Office.objects.get(code="35")
    writer, editor, other_editor = make(madiun, Role.OPERATOR), make(madiun, Role.EDITOR), make(madiun, Role.EDITOR)

    def draft(title):
        return services.create_publication(actor=writer, office=madiun, kind=Publication.Kind.NEWS, title=title,
                                           body="Isi.")

    def reviewed(title):
        return services.submit_for_review(actor=writer, publication=draft(title))

    def published(title):
        return services.approve_and_publish(actor=editor, publication=reviewed(title))

    def propose(publication, actor):
        return services.update_publication(actor=actor, publication=publication, expected_version=publication.version,
                                           kind=publication.kind, title=publication.title, summary="",
                                           body="Isi usulan.", publish_at=publication.publish_at)

    edited_in_review = reviewed("Diubah editor saat ditinjau")
    propose(edited_in_review, editor)
    reopened = published("Keluar dari arsip")
    services.unarchive(actor=editor, publication=services.archive(actor=editor, publication=reopened))
    items = SimpleNamespace(
        draft=draft("Draf"), review=reviewed("Ditinjau"), edited_in_review=edited_in_review,
        published=published("Terbit"),
        archived=services.archive(actor=editor, publication=published("Arsip")),
        reopened=reopened,
        changed_by_writer=propose(published("Diusulkan penulis"), writer),
        changed_by_editor=propose(published("Diusulkan editor"), editor),
    )
    users = SimpleNamespace(writer=writer, editor=editor, other_editor=other_editor,
                            verifier=make(madiun, Role.VERIFIER), viewer=make(madiun, Role.VIEWER),
                            province=make(jatim, Role.ADMIN))
    return SimpleNamespace(items=items, users=users)


@pytest.fixture
def world(_world, db):
    return refreshed(_world)


def offered(world, item: str, user: str) -> set[str]:
    publication = getattr(world.items, item)
    actions = selectors.publication_actions(getattr(world.users, user), publication,
                                            selectors.pending_change(publication))
    return {name for name in FLAGS if getattr(actions, name)}


EDIT = {"edit", "take_down"}
PUBLISHED_EDIT = {"edit", "propose_cover"}


@pytest.mark.parametrize(("item", "user", "expected"), [
    ("draft", "writer", EDIT | {"submit", "delete"}),
    ("draft", "editor", EDIT | {"submit", "delete"}),
    ("draft", "verifier", set()),
    ("draft", "viewer", set()),
    ("draft", "province", set()),
    ("review", "writer", EDIT),
    ("review", "editor", EDIT | {"publish", "return_to_draft"}),
    ("edited_in_review", "editor", EDIT | {"own_last_edit", "return_to_draft"}),
    ("edited_in_review", "other_editor", EDIT | {"publish", "return_to_draft"}),
    ("review", "viewer", set()),
    ("review", "province", set()),
    ("published", "writer", PUBLISHED_EDIT | {"broadcast"}),
    ("published", "editor", PUBLISHED_EDIT | {"take_down", "archive", "broadcast"}),
    ("published", "verifier", set()),
    ("published", "province", set()),
    ("archived", "writer", set()),
    ("archived", "editor", {"unarchive"}),
    ("reopened", "writer", EDIT | {"submit"}),
    ("changed_by_writer", "writer", PUBLISHED_EDIT | {"broadcast"}),
    ("changed_by_writer", "editor", PUBLISHED_EDIT | {"take_down", "archive", "broadcast", "approve_change",
                                                      "reject_change"}),
    ("changed_by_editor", "editor", PUBLISHED_EDIT | {"take_down", "archive", "broadcast", "reject_change"}),
    ("changed_by_editor", "other_editor", PUBLISHED_EDIT | {"take_down", "archive", "broadcast", "approve_change",
                                                            "reject_change"}),
    ("changed_by_editor", "viewer", set()),
    ("changed_by_editor", "province", set()),
])
def test_it_offers_what_the_user_may_do_in_this_state(world, item, user, expected):
    assert offered(world, item, user) == expected


def test_a_contributor_to_the_change_is_told_why_someone_else_approves(world):
    publication = world.items.changed_by_editor
    change = selectors.pending_change(publication)
    assert "prinsip empat mata" in selectors.publication_actions(world.users.editor, publication, change) \
        .own_change_reason
    assert selectors.publication_actions(world.users.other_editor, publication, change).own_change_reason == ""
    # Only someone who could decide is told.
    assert selectors.publication_actions(world.users.writer, publication, change).own_change_reason == ""


def test_the_public_state_names_where_the_item_stands(world):
    now = timezone.now()
    published = world.items.published
    assert selectors.public_state(published, now) == "live"
    assert selectors.public_state(published, published.publish_at - timedelta(minutes=1)) == "scheduled"
    published.unpublish_at = now
    assert selectors.public_state(published, now) == "ended"
    assert [selectors.public_state(getattr(world.items, name)) for name in ("draft", "review", "archived")] == [
        "draft", "review", "archived"]
