"""Bulk import of members from CSV/XLSX: column mapping, dry run, deduplication, batched writes.

The file is read as a stream twice at most (preview, then import), so memory stays flat for large files.
Rows already written by an interrupted run of the same job are recognised and not written again.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from lib.contacts import AddressError, clean_plain_text, normalize_address
from lib.tabular import TableInfo, TabularError, iter_rows
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
    errors: list[RowError] = field(default_factory=list)


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

    def run(self) -> ImportOutcome:
        rows = iter_rows(Path(self.job.file.path), self.table)
        next(rows, None)  # header row
        processed = 0
        for row_number, cells in rows:
            processed += 1
            self._handle(row_number, cells)
            if len(self.pending) >= BATCH_SIZE:
                self._flush()
            if processed % BATCH_SIZE == 0 and self.on_progress:
                self.on_progress(processed)
        self._flush()
        self.outcome.total_rows = processed
        if self.on_progress:
            self.on_progress(processed)
        return self.outcome

    def _handle(self, row_number: int, cells: list[str]) -> None:
        parsed, errors = parse_row(row_number, cells, self.mapping, self.job.default_category)
        if errors:
            self.outcome.error_rows += 1
            self.outcome.errors.extend(errors)
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
        self.outcome.errors.append(RowError(row_number, _("Kontak"), message, is_duplicate=True))

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
        with transaction.atomic():
            members = Member.objects.bulk_create([
                Member(office=self.office, organization=self._organization(p.organization, p.category),
                       full_name=p.full_name, position=p.position, notes=p.notes, status=Member.Status.ACTIVE,
                       source=Member.Source.IMPORT, import_job=self.job)
                for p in batch
            ])
            addresses = Address.objects.bulk_create([
                Address(member=member, office=self.office, kind=kind, value=value, is_primary=True)
                for member, parsed in zip(members, batch, strict=True)
                for kind, value in parsed.addresses
            ])
            if self.job.consent_purposes:
                Consent.objects.bulk_create([
                    Consent(address=address, purpose=purpose, method=Consent.Method.IMPORT,
                            evidence=self.job.consent_evidence, given_at=now, recorded_by=self.job.created_by)
                    for address in addresses if address.kind != Address.Kind.PHONE
                    for purpose in self.job.consent_purposes
                ])
            through = Member.tags.through
            through.objects.bulk_create([
                through(member_id=member.pk, tag_id=self._tag(name).pk)
                for member, parsed in zip(members, batch, strict=True)
                for name in dict.fromkeys(parsed.tags)
            ], ignore_conflicts=True)
        self.outcome.created_members += len(members)
        for member, parsed in zip(members, batch, strict=True):
            for key in parsed.addresses:
                self.known[key] = (member.full_name, self.job.pk)


def run_import_job(job: ImportJob, *, dry_run: bool,
                   on_progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Run one pass over the job's file and store the outcome and every bad row on the job."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.VALIDATING if dry_run else ImportJob.Status.IMPORTING, processed_rows=0)
    try:
        def progress(processed: int) -> None:
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed)
            if on_progress:
                on_progress(processed)

        outcome = MemberImporter(job, dry_run=dry_run, on_progress=progress).run()
    except TabularError as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, failure_message=str(exc),
                                                   finished_at=timezone.now())
        raise
    with transaction.atomic():
        ImportRowError.objects.filter(job=job).delete()
        ImportRowError.objects.bulk_create(
            [ImportRowError(job=job, row_number=e.row_number, field=e.field[:40], message=e.message[:300],
                            is_duplicate=e.is_duplicate) for e in outcome.errors],
            batch_size=2000,
        )
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
