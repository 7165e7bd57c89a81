import pytest

from accounts.models import Role
from broadcasts.tests.conftest import (  # noqa: F401 (fixtures shared with the broadcasts and inbox tests)
    _loopback_only,
    _no_quiet_hours,
    admin,
    editor,
    fake_tg,
    fake_wa,
    make_member,
    outbox,
    tg_channel,
    wa_channel,
)
from factcheck import services
from factcheck.models import Verdict
from inbox.tests.conftest import post_telegram, post_webhook  # noqa: F401


@pytest.fixture
def verifier(make_staff, madiun):
    return make_staff(madiun, Role.VERIFIER)


@pytest.fixture
def publish(verifier, editor):  # noqa: F811 (the fixture imported above)
    """A clarification written by the verifier and published by the editor (two people, as the workflow wants)."""

    def publish(office=None, *, claim=None, claim_reviewed: str, summary: str = "Tidak benar. Penjelasan resmi ada "
                "di tautan.", verdict: str = Verdict.FALSE, author=None, approver=None):
        author = author or verifier
        office = office or author.office
        clarification = services.save_clarification(actor=author, office=office, claim=claim,
                                                    claim_reviewed=claim_reviewed, verdict=verdict, summary=summary)
        services.submit_clarification(actor=author, clarification=clarification)
        return services.publish_clarification(actor=approver or editor, clarification=clarification)

    return publish
