"""`make run`'s demo data: a forum that already has conversations, a hoax claim, broadcasts; seeded once."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEntry
from broadcasts.models import Broadcast
from factcheck.models import Claim, Clarification, Report
from inbox.models import Conversation

pytestmark = pytest.mark.django_db


def counts() -> dict:
    return {model.__name__: model.objects.count()
            for model in (AuditEntry, Broadcast, Claim, Clarification, Conversation, Report)}


def test_the_demo_has_a_living_forum_and_a_second_run_adds_nothing(offices):
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first

    madiun = Conversation.objects.filter(office__code="35.77")
    assert madiun.filter(status="closed").exists()
    assert madiun.filter(assigned_to__username="operator.madiun").exclude(status="closed").exists()
    assert madiun.filter(assigned_to=None, escalated_to=None, status="open").exists()
    assert madiun.filter(escalated_to__code="35").exists()

    answered = Claim.objects.get(office__code="35.77", status=Claim.Status.DONE)
    assert answered.reports.exclude(reporter=None).count() >= 4
    clarification = answered.clarifications.get(status=Clarification.Status.PUBLISHED)
    assert Report.objects.filter(claim=None, answered_with=clarification).exists()   # matched on arrival
    assert Claim.objects.filter(office__code="35.77", status=Claim.Status.NEW, reports__reporter__isnull=False).exists()

    done = Broadcast.objects.get(office__code="35.77", status=Broadcast.Status.DONE)
    assert set(Counter(done.deliveries.values_list("status", flat=True))) == {"sent", "delivered", "read", "failed"}
    assert Broadcast.objects.filter(office__code="35.77", status=Broadcast.Status.SCHEDULED,
                                    approved_by__username="admin.madiun").exists()
    assert AuditEntry.objects.filter(action="conversation.escalated").exists()
