"""Bulk import of members from CSV/XLSX: column mapping, dry run, deduplication, batched writes.

The file is read as a stream twice at most (preview, then import), so memory stays flat for large files; the
reader's limits come from the IMPORT_* settings. Writes go in short transactions of one batch each, never while
the file is being read, so on SQLite the write lock is free between batches. Only the first
IMPORT_MAX_ERROR_ROWS bad rows are stored; the rest are counted. Rows already written by an interrupted run of
the same job are recognised and not written again.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from lib.contacts import AddressError, clean_plain_text, normalize_address
from lib.tabular import Limits, TableInfo, TabularError, iter_rows
from members.models import Address, Category, Consent, ImportJob, ImportRowError, Member, Organization, Tag

BATCH_SIZE = 1000

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


@dataclass
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
    total_rows: int = 0
    valid_rows: int = 0
    error_rows: int = 0
    duplicate_rows: int = 0
    created_members: int = 0
    # The errors of the first IMPORT_MAX_ERROR_ROWS bad rows (also stored on the job); the others are only counted.
    errors: list[RowError] = field(default_factory=list)
    unlisted_rows: int = 0


def parse_row(row_number: int, cells: list[str], mapping: dict[str, int],
              default_category: str) -> tuple[ParsedRow | None, list[RowError]]:
    def cell(name: str) -> str:
        index = mapping.get(name)
        return cells[index].strip() if index is not None and index < len(cells) and cells[index] else ""

    errors: list[RowError] = []

    def text(name: str, max_length: int, required: bool = False) -> str:
        try:
            return clean_plain_text(cell(name), max_length=max_length, label=FIELDS[name], required=required)
        except ValidationError as exc:
            errors.append(RowError(row_number, FIELDS[name], exc.messages[0]))
            return ""

    full_name = text("full_name", 150, required=True)
    position = text("position", 150)
    organization = text("organization", 200)
    notes = cell("notes")[:2000]
    raw_category = cell("category")
    category = default_category
    if raw_category:
        category = CATEGORY_WORDS.get(raw_category.lower())
        if category is None:
            errors.append(RowError(row_number, FIELDS["category"],
                                   _("Kategori “%s” tidak dikenal.") % raw_category[:40]))
    addresses: list[tuple[str, str]] = []
    for name, kind in ADDRESS_FIELDS.items():
        raw = cell(name)
        if not raw:
            continue
        try:
            addresses.append((kind, normalize_address(kind, raw)))
        except AddressError as exc:
            errors.append(RowError(row_number, FIELDS[name], str(exc)))
    if not addresses and not any(e.field in {FIELDS[f] for f in ADDRESS_FIELDS} for e in errors):
        errors.append(RowError(row_number, _("Kontak"),
                               _("Tidak ada kontak: isi WhatsApp, telepon, e-mail atau Telegram.")))
    tags = [t.strip()[:50] for t in re.split(r"[,;]", cell("tags")) if t.strip()]
    if errors:
        return None, errors
    return ParsedRow(row_number, full_name, position, organization, category, addresses, tags, notes), []


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


class RowInserter:
    """INSERTs plain rows into one model's table, without building a model instance per row.

    Django's bulk_create() spends about 50 µs of Python per object (instance, then pre_save() and
    get_db_prep_save() per field, then placeholder assembly). A 50,000-row file writes some 200,000 rows
    (members, addresses, consents), which made the writes four fifths of the import time. Here the SQL is a
    multi-row INSERT … VALUES built from the model's metadata, and the values go to the driver as they are.

    `varying` names the fields given per row (use attnames, e.g. "member_id"); their values must already be
    what the database takes: str, int, bool or None. Every other concrete field gets `constants[attname]`, or
    `now` for auto_now/auto_now_add fields, or the field's default, each prepared once with
    get_db_prep_save(). A field added to the model later with a default is filled in automatically; one
    without a default makes the INSERT fail loudly (NOT NULL). No signals are sent, as with bulk_create().
    """

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
        columns = [by_attname[name] for name in varying] + fixed
        # Only quoted table/column names from the model's metadata go into the SQL; every value is a parameter.
        table, names = quote(meta.db_table), ", ".join(quote(f.column) for f in columns)
        self.returning = f" RETURNING {quote(meta.pk.column)}"
        self.varying_count = len(varying)
        # PostgreSQL: one array parameter per column, as bulk_create() does there (a statement with thousands of
        # placeholders costs more to send, parse and plan than to run). Elsewhere: INSERT … VALUES (…), (…).
        self.unnest = self.connection.vendor == "postgresql"
        if self.unnest:
            arrays = ", ".join(f"(%s)::{f.db_type(self.connection).split('(')[0]}[]" for f in columns)
            self.head = f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays})"  # noqa: S608
        else:
            self.head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
            self.row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
            # Statements of 256 rows, and the rest in powers of two: a handful of distinct SQL texts per table.
            # sqlite3 keeps the last 128 statements compiled; one per batch size held ~85 MB for a 50k-row file.
            limit = min(256, (self.connection.features.max_query_params or 65535) // len(columns))
            self.rows_per_statement = 1 << (max(1, limit).bit_length() - 1)

    def insert(self, rows: list[tuple], *, returning_pks: bool = False) -> list[int]:
        """Insert the rows in order; with returning_pks, their primary keys in the same order.

        The rows come back in insertion order, which bulk_create() relies on as well."""
        if returning_pks and not self.connection.features.can_return_rows_from_bulk_insert:
            raise NotImplementedError(f"{self.connection.vendor} cannot return keys from a multi-row INSERT")
        if not rows:
            return []
        pks: list[int] = []
        with self.connection.cursor() as cursor:
            if self.unnest:
                columns = [list(column) for column in zip(*rows, strict=True)]
                columns += [[value] * len(rows) for value in self.fixed_values]
                cursor.execute(self.head + self.returning if returning_pks else self.head, columns)
                if returning_pks:
                    pks.extend(pk for (pk,) in cursor.fetchall())
                return pks
            for start, size in _statement_sizes(len(rows), self.rows_per_statement):
                chunk = rows[start:start + size]
                sql = self.head + ", ".join([self.row_sql] * size)
                fixed = self.fixed_values
                cursor.execute(sql + self.returning if returning_pks else sql,
                               [value for row in chunk for value in (*row, *fixed)])
                if returning_pks:
                    pks.extend(pk for (pk,) in cursor.fetchall())
        return pks


class MemberImporter:
    """Validates (dry run) or writes the rows of one ImportJob."""

    def __init__(self, job: ImportJob, *, dry_run: bool, on_progress: Callable[[int], None] | None = None):
        self.job = job
        self.dry_run = dry_run
        self.on_progress = on_progress
        self.office = job.office
        self.table = TableInfo(job.file_format, job.encoding, job.delimiter, job.headers)
        self.mapping = {k: int(v) for k, v in job.mapping.items()}
        existing = Address.objects.filter(office=self.office).values_list("kind", "value", "member__full_name",
                                                                         "member__import_job_id")
        self.known: dict[tuple[str, str], tuple[str, int | None]] = {
            (kind, value): (name, job_id) for kind, value, name, job_id in existing
        }
        self.seen_in_file: dict[tuple[str, str], int] = {}
        self.organizations = {o.name.lower(): o for o in Organization.objects.filter(office=self.office)}
        self.tags = {t.name.lower(): t for t in Tag.objects.filter(office=self.office)}
        self.outcome = ImportOutcome()
        self.pending: list[ParsedRow] = []
        self.max_error_rows = settings.IMPORT_MAX_ERROR_ROWS
        self.listed_rows = 0
        self.pending_errors: list[RowError] = []

    def run(self) -> ImportOutcome:
        ImportRowError.objects.filter(job=self.job).delete()
        rows = iter_rows(Path(self.job.file.path), self.table, import_limits())
        next(rows, None)  # header row
        processed = 0
        for row_number, cells in rows:
            processed += 1
            self._handle(row_number, cells)
            if len(self.pending) >= BATCH_SIZE:
                self._flush()
            if len(self.pending_errors) >= BATCH_SIZE:
                self._flush_errors()
            if processed % BATCH_SIZE == 0 and self.on_progress:
                self.on_progress(processed)
        self._flush()
        self._flush_errors()
        self.outcome.total_rows = processed
        if self.on_progress:
            self.on_progress(processed)
        return self.outcome

    def _handle(self, row_number: int, cells: list[str]) -> None:
        parsed, errors = parse_row(row_number, cells, self.mapping, self.job.default_category)
        if errors:
            self.outcome.error_rows += 1
            self._bad_row(errors)
            return
        for key in parsed.addresses:
            if key in self.seen_in_file:
                self._duplicate(row_number, _("Duplikat baris %(n)d (%(v)s).") % {
                    "n": self.seen_in_file[key], "v": key[1]})
                return
            if key in self.known:
                name, job_id = self.known[key]
                if job_id == self.job.pk and not self.dry_run:
                    # Written by an earlier, interrupted run of this same job.
                    self.outcome.valid_rows += 1
                    return
                self._duplicate(row_number, _("%(v)s sudah terdaftar atas nama %(name)s.") % {"v": key[1],
                                                                                             "name": name})
                return
        for key in parsed.addresses:
            self.seen_in_file[key] = row_number
        self.outcome.valid_rows += 1
        if not self.dry_run:
            self.pending.append(parsed)

    def _duplicate(self, row_number: int, message: str) -> None:
        self.outcome.duplicate_rows += 1
        self._bad_row([RowError(row_number, _("Kontak"), message, is_duplicate=True)])

    def _bad_row(self, errors: list[RowError]) -> None:
        if self.listed_rows >= self.max_error_rows:
            self.outcome.unlisted_rows += 1
            return
        self.listed_rows += 1
        self.outcome.errors.extend(errors)
        self.pending_errors.extend(errors)

    def _flush_errors(self) -> None:
        if not self.pending_errors:
            return
        batch, self.pending_errors = self.pending_errors, []
        ImportRowError.objects.bulk_create(
            [ImportRowError(job_id=self.job.pk, row_number=e.row_number, field=e.field[:40],
                            message=e.message[:300], is_duplicate=e.is_duplicate) for e in batch],
            batch_size=BATCH_SIZE,
        )

    def _organization(self, name: str, category: str) -> Organization | None:
        if not name:
            return None
        org = self.organizations.get(name.lower())
        if org is None:
            org = Organization.objects.create(office=self.office, name=name, category=category)
            self.organizations[name.lower()] = org
        return org

    def _tag(self, name: str) -> Tag:
        tag = self.tags.get(name.lower())
        if tag is None:
            tag = Tag.objects.create(office=self.office, name=name)
            self.tags[name.lower()] = tag
        return tag

    def _flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        now = timezone.now()
        job = self.job
        with transaction.atomic():
            members = RowInserter(Member, ["organization_id", "full_name", "position", "notes"], now=now,
                                  office_id=self.office.pk, status=Member.Status.ACTIVE,
                                  source=Member.Source.IMPORT, import_job_id=job.pk)
            member_pks = members.insert([
                (org.pk if (org := self._organization(p.organization, p.category)) else None,
                 p.full_name, p.position, p.notes)
                for p in batch
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
            through = Member.tags.through
            tag_rows = [(member_pk, tag_pk)
                        for member_pk, parsed in zip(member_pks, batch, strict=True)
                        # "Pers" and "pers" are one tag: deduplicate on the tag, not the spelling.
                        for tag_pk in dict.fromkeys(self._tag(name).pk for name in parsed.tags)]
            if tag_rows:
                RowInserter(through, ["member_id", "tag_id"], now=now).insert(tag_rows)
        self.outcome.created_members += len(member_pks)
        for parsed in batch:
            for key in parsed.addresses:
                self.known[key] = (parsed.full_name, job.pk)


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
