"""Bulk import of members from CSV/XLSX: column mapping, dry run, deduplication, batched writes.

The file is read as a stream twice at most (preview, then import), and nothing about a row is kept beyond its
batch, so memory stays flat however long the file is; the reader's limits come from the IMPORT_* settings.
Addresses already met in the file are kept in a temporary table, those of the registry looked up per batch.
Writes go in short transactions of one batch each, never while the file is being read, so on SQLite the write
lock is free between batches. The errors of bad rows go to the database with their batch, up to
IMPORT_MAX_ERROR_ROWS bad rows (a bound for hostile files); the rest are counted. Rows already written by an
interrupted run of the same job are recognised and not written again.
"""

import gc
import re
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from lib.contacts import AddressError, clean_plain_text, normalize_address
from lib.tabular import Limits, TableInfo, TabularError, iter_rows
from members.models import Address, Category, Consent, ImportJob, ImportRowError, Member, Organization, Tag

BATCH_SIZE = 5000
# Page caches of the connection's main and temporary databases (SQLite) while an import runs, in KiB.
PAGE_CACHE_KIB = {"main": 16_000, "temp": 32_000}
# Allocations between two collections of the youngest generation while an import runs (Python's default: 700).
GC_THRESHOLD = 20_000
# Organisations and labels remembered by name (ids only); beyond this the memory starts again.
NAME_CACHE_SIZE = 20_000

FIELDS: dict[str, str] = {
    "full_name": "Nama lengkap",
    "organization": "Instansi/lembaga",
    "category": "Kategori",
    "position": "Jabatan",
    "whatsapp": "Nomor WhatsApp",
    "phone": "Nomor telepon",
    "email": "E-mail",
    "telegram": "Telegram",
    "tags": "Label (pisahkan dengan koma)",
    "notes": "Catatan",
}
REQUIRED_FIELDS = {"full_name"}
ADDRESS_FIELDS = {"whatsapp": Address.Kind.WHATSAPP, "phone": Address.Kind.PHONE, "email": Address.Kind.EMAIL,
                  "telegram": Address.Kind.TELEGRAM}

HEADER_SYNONYMS: dict[str, set[str]] = {
    "full_name": {"nama", "nama lengkap", "name", "full name", "nama anggota", "nama kontak", "nama peserta"},
    "organization": {"instansi", "lembaga", "organisasi", "instansi lembaga", "asal instansi", "organization",
                     "partai", "nama instansi", "asal"},
    "category": {"kategori", "jenis", "kelompok instansi", "category", "jenis instansi"},
    "position": {"jabatan", "posisi", "position", "title"},
    "whatsapp": {"whatsapp", "wa", "no wa", "nomor wa", "no whatsapp", "nomor whatsapp", "hp", "no hp",
                 "nomor hp", "handphone", "ponsel", "no ponsel", "mobile", "hp wa"},
    "phone": {"telepon", "telp", "no telp", "nomor telepon", "phone", "telepon kantor"},
    "email": {"email", "e mail", "surel", "alamat email", "e mail address"},
    "telegram": {"telegram", "akun telegram", "username telegram", "id telegram"},
    "tags": {"label", "tag", "tags", "kelompok", "grup"},
    "notes": {"catatan", "keterangan", "notes", "ket"},
}

CATEGORY_WORDS: dict[str, str] = {
    **{c.value: c.value for c in Category},
    **{str(c.label).lower(): c.value for c in Category},
    "partai politik": Category.PARTY, "parpol": Category.PARTY, "ormas": Category.NGO, "lsm": Category.NGO,
    "tni": Category.MILITARY, "polri": Category.POLICE, "polisi": Category.POLICE, "pemda": Category.GOVERNMENT,
    "opd": Category.GOVERNMENT, "pemerintah daerah": Category.GOVERNMENT, "media": Category.MEDIA,
    "pers": Category.MEDIA, "perguruan tinggi": Category.UNIVERSITY, "kampus": Category.UNIVERSITY,
    "universitas": Category.UNIVERSITY, "bawaslu": Category.BAWASLU, "tokoh masyarakat": Category.COMMUNITY_LEADER,
    "tokoh agama": Category.COMMUNITY_LEADER, "fkub": Category.FKUB, "lainnya": Category.OTHER,
}


def import_limits() -> Limits:
    return Limits(max_unzipped_bytes=settings.IMPORT_XLSX_MAX_UNZIPPED_BYTES,
                  max_cell_chars=settings.IMPORT_MAX_CELL_CHARS, max_columns=settings.IMPORT_MAX_COLUMNS,
                  max_rows=settings.IMPORT_MAX_ROWS)


def _header_key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# Second chance for headers like "No. HP/WA" or "Nama Instansi": a telling word inside the header.
HEADER_WORDS: list[tuple[str, set[str]]] = [
    ("email", {"email", "surel", "mail"}),
    ("telegram", {"telegram"}),
    ("whatsapp", {"wa", "whatsapp", "hp", "ponsel", "handphone"}),
    ("phone", {"telp", "telepon", "phone"}),
    ("organization", {"instansi", "lembaga", "organisasi", "partai"}),
    ("category", {"kategori"}),
    ("position", {"jabatan"}),
    ("tags", {"label", "tag"}),
    ("notes", {"catatan", "keterangan", "ket"}),
    ("full_name", {"nama"}),
]


def guess_mapping(headers: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    keys = [_header_key(h) for h in headers]
    for index, key in enumerate(keys):
        for field_name, synonyms in HEADER_SYNONYMS.items():
            if field_name not in mapping and (key in synonyms or key == _header_key(FIELDS[field_name])):
                mapping[field_name] = index
                break
    taken = set(mapping.values())
    for index, key in enumerate(keys):
        if index in taken:
            continue
        words = set(key.split())
        for field_name, telling in HEADER_WORDS:
            if field_name not in mapping and words & telling:
                mapping[field_name] = index
                taken.add(index)
                break
    return mapping


def validate_mapping(mapping: dict[str, int], headers: list[str]) -> dict[str, int]:
    clean: dict[str, int] = {}
    for field_name, index in mapping.items():
        if field_name not in FIELDS:
            raise ValidationError(_("Kolom tujuan tidak dikenal: %s") % field_name)
        if index is None or index == "":
            continue
        index = int(index)
        if not 0 <= index < len(headers):
            raise ValidationError(_("Kolom nomor %(n)s tidak ada di berkas.") % {"n": index + 1})
        clean[field_name] = index
    missing = REQUIRED_FIELDS - clean.keys()
    if missing:
        raise ValidationError(_("Pilih kolom untuk: %s.") % ", ".join(FIELDS[f] for f in sorted(missing)))
    if not set(ADDRESS_FIELDS) & clean.keys():
        raise ValidationError(_("Pilih setidaknya satu kolom kontak (WhatsApp, telepon, e-mail atau Telegram)."))
    used = [i for i in clean.values()]
    if len(used) != len(set(used)):
        raise ValidationError(_("Satu kolom berkas dipetakan ke lebih dari satu isian."))
    return clean


@dataclass
class RowError:
    row_number: int
    field: str
    message: str
    is_duplicate: bool = False


@dataclass(slots=True)
class ParsedRow:
    row_number: int
    full_name: str
    position: str
    organization: str
    category: str
    addresses: list[tuple[str, str]]
    tags: list[str]
    notes: str


@dataclass
class ImportOutcome:
    job_id: int | None = None
    total_rows: int = 0
    valid_rows: int = 0
    error_rows: int = 0
    duplicate_rows: int = 0
    created_members: int = 0
    # Bad rows beyond IMPORT_MAX_ERROR_ROWS: counted, not stored.
    unlisted_rows: int = 0

    def iter_errors(self):
        """The stored errors of this pass, by row number, read from the database as a stream."""
        stored = ImportRowError.objects.filter(job_id=self.job_id).order_by("row_number", "id")
        for row_number, field_name, message, is_duplicate in stored.values_list(
                "row_number", "field", "message", "is_duplicate").iterator(chunk_size=2000):
            yield RowError(row_number, field_name, message, is_duplicate)

    @property
    def errors(self) -> list[RowError]:
        return list(self.iter_errors())


# A cell that clean_plain_text() returns as it is: printable ASCII without the characters that markup needs (<, :
# and =), no two spaces together. Most names are; the others go through clean_plain_text().
PLAIN_CELL = re.compile(r"[ -9;>-~]*")
ADDRESS_LABELS = {FIELDS[name] for name in ADDRESS_FIELDS}


class RowParser:
    """A row's cells as a ParsedRow, or the row's errors (row, field, reason), for one column mapping."""

    def __init__(self, mapping: dict[str, int], default_category: str):
        self.default_category = default_category
        self.texts = [(mapping.get(name), FIELDS[name], max_length, name in REQUIRED_FIELDS)
                      for name, max_length in (("full_name", 150), ("position", 150), ("organization", 200))]
        self.addresses = [(mapping[name], kind, FIELDS[name]) for name, kind in ADDRESS_FIELDS.items()
                          if name in mapping]
        self.category_at, self.notes_at, self.tags_at = (mapping.get(name) for name in ("category", "notes", "tags"))

    def __call__(self, row_number: int, cells: list[str]) -> tuple[ParsedRow | None, list[RowError]]:
        count = len(cells)
        errors: list[RowError] = []
        texts: list[str] = []
        for index, label, max_length, required in self.texts:
            raw = cells[index].strip() if index is not None and index < count else ""
            if (raw and len(raw) <= max_length and PLAIN_CELL.fullmatch(raw) and "  " not in raw) or (
                    not raw and not required):
                texts.append(raw)
                continue
            try:
                texts.append(clean_plain_text(raw, max_length=max_length, label=label, required=required))
            except ValidationError as exc:
                errors.append(RowError(row_number, label, exc.messages[0]))
                texts.append("")
        category = self.default_category
        index = self.category_at
        if index is not None and index < count and (raw_category := cells[index].strip()):
            category = CATEGORY_WORDS.get(raw_category.lower())
            if category is None:
                errors.append(RowError(row_number, FIELDS["category"],
                                       _("Kategori “%s” tidak dikenal.") % raw_category[:40]))
        addresses: list[tuple[str, str]] = []
        for index, kind, label in self.addresses:
            raw = cells[index].strip() if index < count else ""
            if raw:
                try:
                    addresses.append((kind, normalize_address(kind, raw)))
                except AddressError as exc:
                    errors.append(RowError(row_number, label, str(exc)))
        if not addresses and not any(e.field in ADDRESS_LABELS for e in errors):
            errors.append(RowError(row_number, _("Kontak"),
                                   _("Tidak ada kontak: isi WhatsApp, telepon, e-mail atau Telegram.")))
        if errors:
            return None, errors
        index = self.notes_at
        notes = cells[index].strip()[:2000] if index is not None and index < count else ""
        index = self.tags_at
        tags = [t.strip()[:50] for t in re.split(r"[,;]", cells[index]) if t.strip()] if (
            index is not None and index < count) else []
        return ParsedRow(row_number, texts[0], texts[1], texts[2], category, addresses, tags, notes), []


def _statement_sizes(count: int, size: int):
    """(start, length) slices: full statements of `size` rows, then the rest in falling powers of two."""
    start = 0
    while count - start >= size:
        yield start, size
        start += size
    power = size >> 1
    while power:
        if (count - start) & power:
            yield start, power
            start += power
        power >>= 1


def _insert_verb(connection) -> str:
    """INSERT; on SQLite, in a transaction that is the batch's alone, INSERT OR ROLLBACK.

    A failing row ends the batch's transaction either way, and OR ROLLBACK spares SQLite its statement journal
    (a temporary file of the original of every page a multi-row statement changes, kept to undo that statement
    alone), which was most of the file writes of an import. Nested in a caller's transaction, a failure must
    undo the batch only: plain INSERT."""
    if connection.vendor == "sqlite" and len(connection.atomic_blocks) == 1:
        return "INSERT OR ROLLBACK"
    return "INSERT"


@contextmanager
def _sqlite_page_caches(connection, sizes: dict[str, int]):
    """Page caches of the given sizes (KiB, by schema) while the import runs, the previous sizes afterwards.
    SQLite's default 2 MB made each batch write the same index pages to the WAL again and again and read them
    back; the temporary database holds the addresses met in the file. The bounds keep memory flat however long
    the file."""
    if connection.vendor != "sqlite":
        yield
        return
    previous = {}
    with connection.cursor() as cursor:
        for schema, kib in sizes.items():
            cursor.execute(f"PRAGMA {schema}.cache_size")
            previous[schema] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {schema}.cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for schema, size in previous.items():
                cursor.execute(f"PRAGMA {schema}.cache_size = {size}")


@contextmanager
def _collector_for_batches():
    """The cyclic garbage collector set for an import, as it was afterwards.

    A batch is tens of thousands of young objects that live until it is written; with the default threshold the
    collector walked them over and over, and every full collection walked Django's own objects too. Objects that
    exist before the import are frozen (not walked until it ends) and young ones are collected every GC_THRESHOLD
    allocations: cycles (an exception and its frames) are still collected as the file goes, so memory stays flat.
    Where something else already froze objects (a server that freezes after start-up), freezing and unfreezing here
    would thaw its objects too: then only the threshold is changed."""
    threshold = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freeze:
            gc.unfreeze()


class RowInserter:
    """INSERTs plain rows into one model's table, without building a model instance per row.

    Django's bulk_create() spends about 50 µs of Python per object (instance, then pre_save() and
    get_db_prep_save() per field, then placeholder assembly). A 50,000-row file writes some 200,000 rows
    (members, addresses, consents), which made the writes four fifths of the import time. Here the SQL is built
    from the model's metadata, and the values go to the driver as they are.

    `varying` names the fields given per row (use attnames, e.g. "member_id"); their values must already be
    what the database takes: str, int, bool or None. Every other concrete field gets `constants[attname]`, or
    `now` for auto_now/auto_now_add fields, or the field's default, each prepared once with
    get_db_prep_save(). A field added to the model later with a default is filled in automatically; one
    without a default makes the INSERT fail loudly (NOT NULL). No signals are sent, as with bulk_create().
    """

    # SQLite keeps a statement's original pages in a temporary file (its statement journal) in case it fails
    # half-way; fewer, larger statements write far fewer of them.
    MAX_ROWS_PER_STATEMENT = 1024

    def __init__(self, model, varying: list[str], *, now, **constants):
        self.connection = connections[router.db_for_write(model)]
        meta = model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields if f is not meta.pk}
        unknown = (set(varying) | set(constants)) - by_attname.keys()
        if unknown:
            raise ValueError(f"{meta.label} has no column(s) {sorted(unknown)}")
        fixed = [f for name, f in by_attname.items() if name not in varying]
        values = []
        for f in fixed:
            if f.attname in constants:
                value = constants[f.attname]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()
            values.append(f.get_db_prep_save(value, connection=self.connection))
        self.fixed_values = tuple(values)
        quote = self.connection.ops.quote_name
        self.auto_pk = meta.pk.get_internal_type() in {"AutoField", "BigAutoField", "SmallAutoField"}
        # Only quoted table/column names from the model's metadata go into the SQL; every value is a parameter.
        self.db_table, self.table, self.pk_column = meta.db_table, quote(meta.db_table), quote(meta.pk.column)
        varying_columns = [quote(by_attname[name].column) for name in varying]
        fixed_columns = [quote(f.column) for f in fixed]
        self.varying_count = len(varying)
        # PostgreSQL: one array parameter per column, as bulk_create() does there (a statement with thousands of
        # placeholders costs more to send, parse and plan than to run).
        self.unnest = self.connection.vendor == "postgresql"
        if self.unnest:
            names = ", ".join(varying_columns + fixed_columns)
            arrays = ", ".join(f"(%s)::{f.db_type(self.connection).split('(')[0]}[]"
                               for f in [by_attname[name] for name in varying] + fixed)
            self.head = f"INSERT INTO {self.table} ({names}) SELECT * FROM UNNEST({arrays})"  # noqa: S608
            return
        # SQLite: INSERT … SELECT column1, …, <each fixed value once> FROM (VALUES (…), (…)); with the primary key
        # given (see insert()) as the first column.
        self.heads = {}
        self.rows_per_statement = {}
        limit = self.connection.features.max_query_params or 999
        for with_pk in (False, True):
            width = self.varying_count + with_pk
            names = ", ".join(([self.pk_column] if with_pk else []) + varying_columns + fixed_columns)
            selected = ", ".join([f"column{i + 1}" for i in range(width)] + ["%s"] * len(fixed))
            self.heads[with_pk] = (f" INTO {self.table} ({names}) SELECT {selected} FROM (VALUES ",  # noqa: S608
                                   "(" + ", ".join(["%s"] * width) + ")")
            rows = min(self.MAX_ROWS_PER_STATEMENT, (limit - len(fixed)) // width)
            # A power of two, and the rest of a batch in falling powers of two: a handful of distinct SQL texts
            # per table, which sqlite3 keeps compiled (one per batch size held ~85 MB for a 50k-row file).
            self.rows_per_statement[with_pk] = 1 << (max(1, rows).bit_length() - 1)

    def insert(self, rows: list[tuple], *, returning_pks: bool = False) -> list[int]:
        """Insert the rows in order; with returning_pks, their primary keys in the same order."""
        if returning_pks and not self.auto_pk:
            raise NotImplementedError(f"{self.table} has no automatic primary key")
        if not rows:
            return []
        pks: list[int] = []
        with self.connection.cursor() as cursor:
            if self.unnest:
                columns = [list(column) for column in zip(*rows, strict=True)]
                columns += [[value] * len(rows) for value in self.fixed_values]
                cursor.execute(self.head + f" RETURNING {self.pk_column}" if returning_pks else self.head, columns)
                if returning_pks:
                    pks.extend(pk for (pk,) in cursor.fetchall())
                return pks
            if returning_pks:
                pks = self._next_pks(cursor, len(rows))
                rows = [(pk, *row) for pk, row in zip(pks, rows, strict=True)]
            head, row_sql = self.heads[returning_pks]
            head = _insert_verb(self.connection) + head
            for start, size in _statement_sizes(len(rows), self.rows_per_statement[returning_pks]):
                params = list(self.fixed_values)
                params.extend(chain.from_iterable(rows[start:start + size]))
                cursor.execute(head + ", ".join([row_sql] * size) + ")", params)
        return pks

    def _next_pks(self, cursor, count: int) -> list[int]:
        """The keys SQLite would give the next `count` rows, given here instead of read back.

        SQLite does not promise RETURNING's order for INSERT … SELECT. Inside the batch's transaction no other
        connection can write to the table (BEGIN IMMEDIATE takes the write lock; under a deferred BEGIN a
        concurrent commit makes this transaction fail, not reuse a key), and an AUTOINCREMENT key is one more
        than the largest ever given, which sqlite_sequence keeps."""
        if not self.connection.in_atomic_block:
            raise RuntimeError("RowInserter gives SQLite keys only inside a transaction")
        cursor.execute(f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
                       f"coalesce((SELECT max({self.pk_column}) FROM {self.table}), 0))",
                       [self.db_table])
        last = cursor.fetchone()[0]
        return list(range(last + 1, last + 1 + count))


class SeenInFile:
    """The addresses met so far in the file, each with the row that brought it, in a temporary table.

    A set of every address would grow with the file. The table lives in the connection's own temporary database
    (on SQLite outside the shared file, with a bounded page cache) and is read and filled once per batch. Each
    address is one integer key: a phone number is exact (its digits and its kind); an e-mail or Telegram address
    is a 62-bit hash of it, so two different ones in one file could share a key with a probability of about
    n² / 2⁶³ (10⁻⁷ at a million addresses), and the later row would then be listed as a duplicate, not lost."""

    PHONE_KINDS = {Address.Kind.WHATSAPP: 0, Address.Kind.PHONE: 1}

    def __init__(self, job_id: int):
        self.connection = connections[router.db_for_write(Address)]
        self.table = self.connection.ops.quote_name(f"import_seen_{job_id}")
        sqlite = self.connection.vendor == "sqlite"
        # Keep each statement under SQLite's bound-parameter limit and its SQL text among a few sizes.
        self.chunk = 400
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} "
                           f"(key {'INTEGER' if sqlite else 'BIGINT'} PRIMARY KEY, row_number INTEGER NOT NULL)")

    @classmethod
    def key(cls, kind: str, value: str) -> int:
        if kind in cls.PHONE_KINDS:
            return int(value[1:]) * 2 + cls.PHONE_KINDS[kind]   # value is E.164: "+" and at most 15 digits
        return -1 - (hash((kind, value)) & 0x3FFF_FFFF_FFFF_FFFF)

    def lookup(self, keys: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        with self.connection.cursor() as cursor:
            for start in range(0, len(keys), self.chunk):
                part = keys[start:start + self.chunk]
                cursor.execute(f"SELECT key, row_number FROM {self.table} WHERE key IN "  # noqa: S608
                               f"({', '.join(['%s'] * len(part))})", part)
                found.update(cursor.fetchall())
        return found

    def add(self, items: list[tuple[int, int]]) -> None:
        with self.connection.cursor() as cursor:
            for start in range(0, len(items), self.chunk // 2):
                part = items[start:start + self.chunk // 2]
                cursor.execute(f"{_insert_verb(self.connection)} INTO {self.table} (key, row_number) VALUES "  # noqa: S608
                               + ", ".join(["(%s, %s)"] * len(part)), [v for item in part for v in item])

    def drop(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


class MemberImporter:
    """Validates (dry run) or writes the rows of one ImportJob.

    Rows are taken BATCH_SIZE at a time; nothing about a row outlives its batch. For each batch the addresses
    are looked up in the file's earlier rows (SeenInFile) and in the office's registry (`IN (…)` on the address
    index), its good rows are written and its bad rows' errors stored, all in one short transaction."""

    def __init__(self, job: ImportJob, *, dry_run: bool, on_progress: Callable[[int], None] | None = None):
        self.job = job
        self.dry_run = dry_run
        self.on_progress = on_progress
        self.office = job.office
        self.table = TableInfo(job.file_format, job.encoding, job.delimiter, job.headers)
        self.mapping = {k: int(v) for k, v in job.mapping.items()}
        self.outcome = ImportOutcome(job_id=job.pk)
        self.max_error_rows = settings.IMPORT_MAX_ERROR_ROWS
        self.listed_rows = 0
        # Organisations and labels by lower-case name, as ids; bounded, since a file may name a new one per row.
        self.organizations: dict[str, int] = {}
        self.tags: dict[str, int] = {}
        self.parsed: list[ParsedRow] = []
        self.bad: list[list[RowError]] = []
        self.seen: SeenInFile | None = None
        quote = connections[router.db_for_read(Address)].ops.quote_name
        address, member = Address._meta, Member._meta
        # Only table and column names from the models' metadata go into the SQL; every value is a parameter.
        self.registry_sql = (
            f"SELECT a.{quote(address.get_field('value').column)}, m.{quote(member.get_field('full_name').column)}, "  # noqa: S608
            f"m.{quote(member.get_field('import_job').column)} FROM {quote(address.db_table)} a "
            f"INNER JOIN {quote(member.db_table)} m ON m.{quote(member.pk.column)} = "
            f"a.{quote(address.get_field('member').column)} WHERE a.{quote(address.get_field('office').column)} = %%s "
            f"AND a.{quote(address.get_field('kind').column)} = %%s "
            f"AND a.{quote(address.get_field('value').column)} IN (%s)")

    def run(self) -> ImportOutcome:
        ImportRowError.objects.filter(job=self.job).delete()
        rows = iter_rows(Path(self.job.file.path), self.table, import_limits())
        next(rows, None)  # header row
        processed = 0
        parse_row = RowParser(self.mapping, self.job.default_category)
        self.seen = SeenInFile(self.job.pk)
        try:
            with _sqlite_page_caches(self.seen.connection, PAGE_CACHE_KIB), _collector_for_batches():
                for row_number, cells in rows:
                    processed += 1
                    parsed, errors = parse_row(row_number, cells)
                    if errors:
                        self.outcome.error_rows += 1
                        self.bad.append(errors)
                    else:
                        self.parsed.append(parsed)
                    if processed % BATCH_SIZE == 0:
                        self._batch()
                        if self.on_progress:
                            self.on_progress(processed)
                self._batch()
        finally:
            self.seen.drop()
        self.outcome.total_rows = processed
        if self.on_progress:
            self.on_progress(processed)
        return self.outcome

    def _batch(self) -> None:
        parsed, self.parsed = self.parsed, []
        bad, self.bad = self.bad, []
        good, seen = self._deduplicate(parsed, bad)
        bad.sort(key=lambda errors: errors[0].row_number)
        listed = bad[:max(0, self.max_error_rows - self.listed_rows)]
        self.listed_rows += len(listed)
        self.outcome.unlisted_rows += len(bad) - len(listed)
        if not (good or listed or seen):
            return
        with transaction.atomic():
            self.seen.add(seen)
            if listed:
                self._store_errors([error for errors in listed for error in errors])
            if good:
                self._write(good)

    def _deduplicate(self, parsed: list[ParsedRow],
                     bad: list[list[RowError]]) -> tuple[list[ParsedRow], list[tuple[int, int]]]:
        """The batch's good rows to write and the (key, row) of the addresses they bring; the rows whose
        address came earlier in the file or is in the registry become duplicate errors in `bad`."""
        if not parsed:
            return [], []
        key = SeenInFile.key
        keyed = [[(key(kind, value), kind, value) for kind, value in row.addresses] for row in parsed]
        earlier = self.seen.lookup(list({k for addresses in keyed for k, _kind, _value in addresses}))
        known: dict[tuple[str, str], tuple[str, int | None]] = {}
        by_kind: dict[str, set[str]] = {}
        for addresses in keyed:
            for _key, kind, value in addresses:
                by_kind.setdefault(kind, set()).add(value)
        with self.seen.connection.cursor() as cursor:
            for kind, kind_values in by_kind.items():
                values = list(kind_values)
                for start in range(0, len(values), 400):
                    part = values[start:start + 400]
                    # Office, kind and value together, so that the unique index answers it (without ANALYZE,
                    # SQLite would otherwise walk every address of the office).
                    cursor.execute(self.registry_sql % ", ".join(["%s"] * len(part)), [self.office.pk, kind, *part])
                    known.update(((kind, value), (name, job_id)) for value, name, job_id in cursor.fetchall())
        good: list[ParsedRow] = []
        seen: list[tuple[int, int]] = []
        for row, addresses in zip(parsed, keyed, strict=True):
            problem = None
            for k, kind, value in addresses:
                first = earlier.get(k)
                if first is not None:
                    problem = _("Duplikat baris %(n)d (%(v)s).") % {"n": first, "v": value}
                    break
                if known and (kind, value) in known:
                    name, job_id = known[(kind, value)]
                    if job_id == self.job.pk and not self.dry_run:
                        problem = ""   # written by an earlier, interrupted run of this same job
                        break
                    problem = _("%(v)s sudah terdaftar atas nama %(name)s.") % {"v": value, "name": name}
                    break
            if problem:
                self.outcome.duplicate_rows += 1
                bad.append([RowError(row.row_number, _("Kontak"), problem, is_duplicate=True)])
                continue
            self.outcome.valid_rows += 1
            row_number = row.row_number
            for k, _kind, _value in addresses:
                earlier[k] = row_number
                seen.append((k, row_number))
            if problem is None and not self.dry_run:
                good.append(row)
        return good, seen

    def _store_errors(self, errors: list[RowError]) -> None:
        RowInserter(ImportRowError, ["row_number", "field", "message", "is_duplicate"], now=timezone.now(),
                    job_id=self.job.pk).insert(
            [(e.row_number, e.field[:40], e.message[:300], e.is_duplicate) for e in errors])

    def _ids_by_name(self, model, cache: dict[str, int], wanted: dict[str, dict]) -> None:
        """Put in `cache` the ids of the office's `model` rows for `wanted` (lower-case name → the fields of a
        new row), creating those that do not exist yet."""
        missing = [key for key in wanted if key not in cache]
        if not missing:
            return
        if len(cache) + len(missing) > NAME_CACHE_SIZE:
            cache.clear()
            missing = list(wanted)
        for start in range(0, len(missing), 400):
            cache.update(model.objects.annotate(key=Lower("name")).filter(
                office=self.office, key__in=missing[start:start + 400]).values_list("key", "pk"))
        if not_ascii := {key for key in missing if key not in cache and not key.isascii()}:
            # SQLite's lower() folds ASCII only: "ÉLAN" would not be found as "élan".
            for name, pk in model.objects.filter(office=self.office).values_list("name", "pk").iterator():
                if name.lower() in not_ascii:
                    cache.setdefault(name.lower(), pk)
        for key in missing:
            if key not in cache:
                cache[key] = model.objects.create(office=self.office, **wanted[key]).pk

    def _write(self, batch: list[ParsedRow]) -> None:
        now = timezone.now()
        job = self.job
        organizations: dict[str, dict] = {}
        tags: dict[str, dict] = {}
        organization_keys = [p.organization.lower() if p.organization else None for p in batch]
        for p, key in zip(batch, organization_keys, strict=True):
            if key is not None and key not in organizations:
                organizations[key] = {"name": p.organization, "category": p.category}
            for name in p.tags:
                tags.setdefault(name.lower(), {"name": name})
        self._ids_by_name(Organization, self.organizations, organizations)
        self._ids_by_name(Tag, self.tags, tags)
        organization_ids = self.organizations
        members = RowInserter(Member, ["organization_id", "full_name", "position", "notes"], now=now,
                              office_id=self.office.pk, status=Member.Status.ACTIVE,
                              source=Member.Source.IMPORT, import_job_id=job.pk)
        member_pks = members.insert([
            (organization_ids[key] if key is not None else None, p.full_name, p.position, p.notes)
            for p, key in zip(batch, organization_keys, strict=True)
        ], returning_pks=True)
        address_rows = [(member_pk, kind, value)
                        for member_pk, parsed in zip(member_pks, batch, strict=True)
                        for kind, value in parsed.addresses]
        addresses = RowInserter(Address, ["member_id", "kind", "value"], now=now, office_id=self.office.pk,
                                is_primary=True)
        address_pks = addresses.insert(address_rows, returning_pks=bool(job.consent_purposes))
        if job.consent_purposes:
            consents = RowInserter(Consent, ["address_id", "purpose"], now=now, given_at=now,
                                   method=Consent.Method.IMPORT, evidence=job.consent_evidence,
                                   recorded_by_id=job.created_by_id)
            consents.insert([
                (address_pk, purpose)
                for address_pk, (_member_pk, kind, _value) in zip(address_pks, address_rows, strict=True)
                if kind != Address.Kind.PHONE
                for purpose in job.consent_purposes
            ])
        tag_rows = [(member_pk, tag_pk)
                    for member_pk, parsed in zip(member_pks, batch, strict=True)
                    # "Pers" and "pers" are one tag: deduplicate on the tag, not the spelling.
                    for tag_pk in dict.fromkeys(self.tags[name.lower()] for name in parsed.tags)]
        if tag_rows:
            RowInserter(Member.tags.through, ["member_id", "tag_id"], now=now).insert(tag_rows)
        self.outcome.created_members += len(member_pks)


def run_import_job(job: ImportJob, *, dry_run: bool,
                   on_progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Run one pass over the job's file and store the outcome and the first bad rows on the job.

    Call it outside a transaction: every batch commits on its own (an outer transaction would hold SQLite's
    write lock for the whole file)."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.VALIDATING if dry_run else ImportJob.Status.IMPORTING, processed_rows=0)
    try:
        def progress(processed: int) -> None:
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed)
            if on_progress:
                on_progress(processed)

        outcome = MemberImporter(job, dry_run=dry_run, on_progress=progress).run()
    except Exception as exc:
        # Rows already written stay (a re-run skips them); the job must not look "running" forever.
        message = str(exc) if isinstance(exc, TabularError) else _(
            "Impor terhenti karena kesalahan (%s). Baris yang sudah tersimpan tidak hilang; jalankan lagi "
            "untuk melanjutkan.") % type(exc).__name__
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, failure_message=message,
                                                   finished_at=timezone.now())
        record(actor=job.created_by, office=job.office, action="import.failed", target=job,
               after={"error": message})
        raise
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.VALIDATED if dry_run else ImportJob.Status.DONE,
            total_rows=outcome.total_rows, processed_rows=outcome.total_rows, valid_rows=outcome.valid_rows,
            error_rows=outcome.error_rows, duplicate_rows=outcome.duplicate_rows,
            created_members=outcome.created_members if not dry_run else 0,
            finished_at=None if dry_run else timezone.now(),
        )
        if not dry_run:
            record(actor=job.created_by, office=job.office, action="members.imported", target=job,
                   after={"file": job.original_name, "created": outcome.created_members,
                          "bad_rows": outcome.error_rows, "duplicates": outcome.duplicate_rows,
                          "consent_purposes": job.consent_purposes, "consent_evidence": job.consent_evidence})
    job.refresh_from_db()
    return outcome
