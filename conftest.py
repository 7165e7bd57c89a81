import copy
import fcntl
import hashlib
import re
import sqlite3
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.core.cache import cache
from django.http import HttpRequest

from accounts import second_factor
from accounts.models import Role, User
from offices.models import Office
from offices.services import REGION_FILE, seed_offices

PASSWORD = "kata-sandi-uji-123"
TEMPLATES_KEPT = 3
SEED_MODULES = ["offices/models", "offices/services", "audit/models", "audit/services"]


def _template_key() -> str:
    """What the migrated and seeded database depends on: every installed app's migrations (and the project modules
    they import), the office seed with the audit row it writes, and Django's version. The seed runs again on every
    copy, so a change elsewhere in what it writes is repaired there."""
    import django
    from django.apps import apps

    base = Path(settings.BASE_DIR)
    files = [REGION_FILE, *(base / f"{module}.py" for module in SEED_MODULES)]
    for app in apps.get_app_configs():
        for migration in sorted((Path(app.path) / "migrations").glob("*.py")):
            files.append(migration)
            for module in re.findall(r"^(?:from|import) ([\w.]+)", migration.read_text(encoding="utf-8"), re.M):
                source = base / (module.replace(".", "/") + ".py")
                if source.is_file():
                    files.append(source)
    digest = hashlib.sha256(django.get_version().encode())
    for path in files:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _copy_sqlite(source: str, target: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _sqlite_test_databases(aliases, serialized_aliases, verbosity: int, rebuild: bool):
    """The test database as a copy of a template that was migrated and seeded once (and kept in var/ between runs
    while its key holds); Django's migrate then runs on the copy as usual and finds nothing left to apply. The first
    xdist worker builds a missing template, the others wait for it rather than migrate in parallel."""
    from django.db import connection
    from django.test.utils import setup_databases

    var = Path(settings.VAR_DIR)
    template = var / f"test-template-{_template_key()}.sqlite3"
    test_name = connection.creation._get_test_db_name()
    with open(var / "test-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if template.exists() and not rebuild:
            _copy_sqlite(str(template), test_name)
            return setup_databases(verbosity=verbosity, interactive=False, keepdb=True, aliases=aliases,
                                   serialized_aliases=serialized_aliases)
        db_cfg = setup_databases(verbosity=verbosity, interactive=False, aliases=aliases,
                                 serialized_aliases=serialized_aliases)
        seed_offices()
        connection.close()
        _copy_sqlite(test_name, f"{template}.part")
        Path(f"{template}.part").replace(template)
        for old in sorted(var.glob("test-template-*.sqlite3"), key=lambda p: p.stat().st_mtime)[:-TEMPLATES_KEPT]:
            old.unlink(missing_ok=True)
        return db_cfg


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_use_migrations,
                    django_db_keepdb, django_db_createdb, django_db_modify_db_settings):
    """pytest-django's test database setup, with the real office tree (553 offices) loaded once per database. On
    SQLite the migrated and seeded database is copied from a template (see _sqlite_test_databases); on PostgreSQL, or
    with --reuse-db or --nomigrations, every run migrates as pytest-django does. `--create-db` rebuilds the template."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    verbosity = request.config.option.verbose
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite" and django_db_use_migrations and not django_db_keepdb:
            db_cfg = _sqlite_test_databases(aliases, serialized_aliases, verbosity, rebuild=django_db_createdb)
        else:
            if not django_db_use_migrations:
                _disable_migrations()
            db_cfg = setup_databases(verbosity=verbosity, interactive=False, aliases=aliases,
                                     serialized_aliases=serialized_aliases,
                                     keepdb=django_db_keepdb and not django_db_createdb)
        seed_offices()
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=verbosity)


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
        if settings.SESSION_COOKIE_NAME in client.cookies:
            client.force_login(user)
            session = client.session
            session[second_factor.SESSION_KEY] = user.pk
            session.save()
            return client
        # A fresh client: what force_login does, with the code's mark in the same new session (force_login would
        # first save an empty session, then replace it and load it again for the mark).
        request = HttpRequest()
        request.session = import_module(settings.SESSION_ENGINE).SessionStore()
        user.backend = client._get_backend()
        auth_login(request, user, user.backend)
        request.session[second_factor.SESSION_KEY] = user.pk
        request.session.save()
        client._set_login_cookies(request)
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
            _snapshots.clear()
            yield
            _snapshots.clear()
            transaction.set_rollback(True)


def staff_user(office: Office, role: str, username: str, **extra) -> User:
    user = User(username=username, office=office, role=role, **extra)
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


def _namespaces_and_models(namespace, namespaces, models):
    from django.db.models import Model

    namespaces.setdefault(id(namespace), namespace)
    for value in vars(namespace).values():
        if isinstance(value, Model):
            models.setdefault(id(value), value)
        elif hasattr(value, "__dict__") and not isinstance(value, type) and id(value) not in namespaces:
            _namespaces_and_models(value, namespaces, models)


class _Snapshot:
    """The shared objects of a module fixture as the database has them at the start of every test (each test's own
    changes are rolled back): a copy of them stands in for reading each object again before every test."""

    def __init__(self, namespace):
        self.namespaces, self.models = {}, {}
        _namespaces_and_models(namespace, self.namespaces, self.models)
        self.take()

    def take(self):
        for model in self.models.values():
            model.refresh_from_db()
        self.bindings = [(ns, dict(vars(ns))) for ns in self.namespaces.values()]
        self.states = [(model, copy.deepcopy(model.__dict__)) for model in self.models.values()]

    def restore(self):
        for namespace, bindings in self.bindings:
            vars(namespace).update(bindings)
        for model, state in self.states:
            model.__dict__.clear()
            model.__dict__.update(copy.deepcopy(state))


_snapshots: dict[int, _Snapshot] = {}   # by id() of each namespace in them, for the module running now


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Snapshot what a module fixture built in module_transaction. Scopes are set up before the test's own fixtures
    run, so nothing has changed it yet; the earlier snapshots of the module are taken again, in case it changed
    their objects."""
    result = yield
    if fixturedef.scope == "module" and "module_transaction" in fixturedef.argnames and hasattr(result, "__dict__"):
        for snapshot in set(_snapshots.values()):
            snapshot.take()
        try:
            snapshot = _Snapshot(result)
        except (TypeError, copy.Error):   # something in it cannot be copied: `refreshed` reads it again instead
            return result
        _snapshots.update(dict.fromkeys(snapshot.namespaces, snapshot))
    return result


def refreshed(namespace):
    """The module's shared objects as the database has them now (an earlier test may have refreshed one to a state
    its rollback has since undone)."""
    snapshot = _snapshots.get(id(namespace))
    if snapshot is not None and snapshot.namespaces.get(id(namespace)) is namespace:
        snapshot.restore()
        return namespace
    from django.db.models import Model

    for value in vars(namespace).values():
        if isinstance(value, Model):
            value.refresh_from_db()
        elif hasattr(value, "__dict__") and not isinstance(value, type):
            refreshed(value)
    return namespace
