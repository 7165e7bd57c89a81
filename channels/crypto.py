"""Channel secrets at rest: Fernet with the keys in SECRETS_KEY (comma-separated; the first encrypts, all decrypt).

A stored value is "fernet:<token>". The key never enters the database, so a dump or a backup holds only tokens.
"""

import functools
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

PREFIX = "fernet:"


class Unreadable(str):
    """A stored secret no key in SECRETS_KEY opens. Empty to every reader (it is never sent anywhere, never mistaken
    for a real value); saving the channel writes the stored token back unchanged, so the right key still opens it."""

    stored: str

    def __new__(cls, stored: str = ""):
        value = super().__new__(cls, "")
        value.stored = stored
        return value

    def __repr__(self) -> str:
        return "<Unreadable secret>"


@functools.cache
def _fernets(keys: str) -> tuple[Fernet, MultiFernet]:
    try:
        fernets = [Fernet(key.strip()) for key in keys.split(",") if key.strip()]
    except ValueError as exc:
        raise ImproperlyConfigured("SECRETS_KEY: every comma-separated key must be a Fernet key.") from exc
    if not fernets:
        raise ImproperlyConfigured("SECRETS_KEY is not set: channel secrets cannot be encrypted.")
    return fernets[0], MultiFernet(fernets)


def encrypt(value: str) -> str:
    if isinstance(value, Unreadable):
        return value.stored
    return PREFIX + _fernets(settings.SECRETS_KEY)[1].encrypt(value.encode()).decode()


def decrypt(value):
    """The plain value; a value stored before encryption (no prefix) as it is; Unreadable when no key opens it."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return value
    try:
        return _fernets(settings.SECRETS_KEY)[1].decrypt(value.removeprefix(PREFIX).encode()).decode()
    except (InvalidToken, UnicodeDecodeError):
        return Unreadable(value)


def state(value) -> str:
    """How a stored value stands: "plain", "current" (first key), "old" (another key), "unreadable", or "empty"."""
    if not isinstance(value, str) or not value:
        return "empty"
    if not value.startswith(PREFIX):
        return "plain"
    first, every = _fernets(settings.SECRETS_KEY)
    token = value.removeprefix(PREFIX).encode()
    for fernet, outcome in ((first, "current"), (every, "old")):
        try:
            fernet.decrypt(token)
        except InvalidToken:
            continue
        return outcome
    return "unreadable"


def _load(raw) -> dict:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {}


def _raw_rows(model, connection) -> tuple[list, list]:
    # The raw columns, so that what key wrote each value can be told (the model field only ever shows it opened).
    quote = connection.ops.quote_name
    opts = model._meta
    fields = [opts.get_field(name) for name in ("secrets", "config")]
    sql = (f"SELECT {quote(opts.pk.column)}, {', '.join(quote(f.column) for f in fields)} "  # noqa: S608
           f"FROM {quote(opts.db_table)} ORDER BY {quote(opts.pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return fields, cursor.fetchall()


def reseal_channels(model, using: str = "default") -> tuple[dict[str, int], list]:
    """Every stored secret of every channel encrypted with the first key: plain ones (from before encryption) and
    ones under an older key are written again, the rest is left alone. Returns the count of stored values per state
    before, and the ids of the channels rewritten. Idempotent. Used by the data migration and
    `manage.py reencrypt_channel_secrets`."""
    fields, rows = _raw_rows(model, connections[using])
    counts, rewritten = {"current": 0, "old": 0, "plain": 0, "unreadable": 0}, []
    for pk, *raw in rows:
        states = [state(value) for field, column in zip(fields, raw, strict=True)
                  for key, value in _load(column).items() if field._encrypts(key)]
        for outcome in states:
            if outcome in counts:
                counts[outcome] += 1
        if "plain" not in states and "old" not in states:
            continue
        with transaction.atomic(using=using):
            # Opened with any key, written with the first; an unreadable value goes back as it was stored.
            channel = model._base_manager.using(using).select_for_update().only("secrets", "config").get(pk=pk)
            model._base_manager.using(using).filter(pk=pk).update(secrets=channel.secrets, config=channel.config)
        rewritten.append(pk)
    return counts, rewritten


def unseal_channels(model, using: str = "default") -> None:
    """Undo of the data migration: every secret written back plain (refused if one cannot be opened)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    fields, rows = _raw_rows(model, connection)
    for pk, *raw in rows:
        values = [{k: decrypt(v) for k, v in _load(column).items()} for column in raw]
        if any(isinstance(v, Unreadable) for opened in values for v in opened.values()):
            raise ImproperlyConfigured(f"Channel {pk}: a secret cannot be decrypted with SECRETS_KEY.")
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608
                           f"WHERE {quote(model._meta.pk.column)} = %s",
                           [*(connection.ops.adapt_json_value(v, None) for v in values), pk])
