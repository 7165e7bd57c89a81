import pytest

from accounts.models import Role
from channels import http


@pytest.fixture(autouse=True)
def _loopback_only():
    """Nothing in the channel tests may leave the machine: outbound requests go to loopback fakes only."""
    with http.allowed_hosts([]):
        yield


@pytest.fixture
def admin(make_staff, madiun):
    return make_staff(madiun, Role.ADMIN)
