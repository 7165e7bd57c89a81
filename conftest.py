import pytest
from django.core.cache import cache

from accounts import second_factor
from accounts.models import Role, User
from offices.models import Office
from offices.services import seed_offices

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real office tree (553 offices) is loaded once per test database."""
    with django_db_blocker.unblock():
        seed_offices()


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def offices(db):
    """Transactional tests (live server, worker) flush the database; put the tree back when that happened."""
    if not Office.objects.exists():
        seed_offices()


@pytest.fixture
def madiun(offices) -> Office:
    return Office.objects.get(code="35.77")


@pytest.fixture
def kab_madiun(offices) -> Office:
    return Office.objects.get(code="35.19")


@pytest.fixture
def jatim(offices) -> Office:
    return Office.objects.get(code="35")


@pytest.fixture
def ri(offices) -> Office:
    return Office.objects.get(code="00")


@pytest.fixture
def make_staff(db):
    counter = {"n": 0}

    def make(office: Office, role: str = Role.OPERATOR, **extra) -> User:
        counter["n"] += 1
        user = User(username=f"{role}{counter['n']}-{office.code}", office=office, role=role, **extra)
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def operator(make_staff, madiun) -> User:
    return make_staff(madiun, Role.OPERATOR)


@pytest.fixture
def client_for(client):
    """A test client logged in as the given user, as after the full log-in (password, and the code if any)."""

    def login(user: User):
        client.force_login(user)
        session = client.session
        session[second_factor.SESSION_KEY] = user.pk
        session.save()
        return client

    return login


def grant_api_token(user: User, *, scope: str = "write", name: str = "uji"):
    """An API token for `user`, granted as the platform requires: by an admin of the user's office."""
    from accounts.services import create_api_token

    admin = user if user.role == Role.ADMIN else User.objects.create(
        username=f"pemberi-token-{user.pk}", office=user.office, role=Role.ADMIN)
    return create_api_token(actor=admin, user=user, name=name, scope=scope)


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """One transaction around a whole test module, rolled back at its end: data built once in it (like Django's
    setUpTestData) is seen by every test, and each test's own changes are rolled back to a savepoint after it."""
    from django.db import transaction

    with django_db_blocker.unblock():
        if not Office.objects.exists():   # a transactional test before this module flushed the tree
            seed_offices()
        with transaction.atomic():
            yield
            transaction.set_rollback(True)


def staff_user(office: Office, role: str, username: str) -> User:
    user = User(username=username, office=office, role=role)
    user.set_password(PASSWORD)
    user.save()
    return user


def staff_maker(prefix: str):
    """make_staff for data built once per module (see module_transaction): unique usernames under `prefix`."""
    counter = {"n": 0}

    def make(office: Office, role: str = Role.OPERATOR) -> User:
        counter["n"] += 1
        return staff_user(office, role, f"{prefix}-{role}{counter['n']}-{office.code}")

    return make


def refreshed(namespace):
    """The module's shared objects as the database has them now (an earlier test may have refreshed one to a state
    its rollback has since undone)."""
    from django.db.models import Model

    for value in vars(namespace).values():
        if isinstance(value, Model):
            value.refresh_from_db()
        elif hasattr(value, "__dict__") and not isinstance(value, type):
            refreshed(value)
    return namespace
