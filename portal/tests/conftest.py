import pytest

from accounts.models import Role
from content import services as content
from content.models import Publication


@pytest.fixture
def publish(make_staff, django_capture_on_commit_callbacks):
    """Write, submit and approve a publication as two different people (with the after-commit indexing)."""

    def run(office, title, *, body="Isi siaran pers.", kind=Publication.Kind.PRESS_RELEASE, summary="",
            publish_at=None, unpublish_at=None):
        writer, approver = make_staff(office, Role.EDITOR), make_staff(office, Role.EDITOR)
        with django_capture_on_commit_callbacks(execute=True):
            item = content.create_publication(actor=writer, office=office, kind=kind, title=title, summary=summary,
                                              body=body, tags=["pemilu"], stage=None, unpublish_at=unpublish_at)
            content.submit_for_review(actor=writer, publication=item)
            item.refresh_from_db()
            content.approve_and_publish(actor=approver, publication=item, publish_at=publish_at)
        item.refresh_from_db()
        return item

    return run
