"""Schemathesis over the whole /api/v1/ from its OpenAPI document: no answer is a server error or undocumented.

Bounded (a fixed number of generated calls per operation, derandomised) so that it runs in every `make test`, on
SQLite and on PostgreSQL, through the WSGI application with a real token and a small registry.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from accounts.models import Role
from bakohumas.wsgi import application
from conftest import grant_api_token
from members import services
from members.models import Address, Category, Consent, Group, Purpose

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: a request through the WSGI app must not close the test's open transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(madiun, make_staff, keep_test_connection):
    admin = make_staff(madiun, Role.ADMIN)
    org = services.create_organization(actor=admin, office=madiun, name="Bawaslu Kota Madiun",
                                       category=Category.BAWASLU)
    member = services.create_member(
        actor=admin, office=madiun, full_name="Siti Rahmawati", organization=org,
        addresses=[services.AddressInput(Address.Kind.WHATSAPP, "0812-3456-7890")],
        consent=services.ConsentInput([Purpose.DISSEMINATION], Consent.Method.FORM, "Formulir rapat"))
    services.create_group(actor=admin, office=madiun, name="Forkopimda", kind=Group.Kind.MANUAL, members=[member])
    return grant_api_token(admin)[1]


@pytest.mark.fuzz
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_api_never_answers_500_or_undocumented(case, token, settings):
    settings.API_BULK_READS_PER_MINUTE = 1_000_000
    # Business rules may refuse schema-valid data (a duplicate name, markup in a name) with a documented 400;
    # what must never happen is a server error, an undocumented status code or an answer unlike its schema.
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
