"""Every write to elections and their stages. Keyword-only, validated, transactional, audited."""

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from audit.services import record
from bakohumas import portal_hooks
from bakohumas.locking import bump_version
from elections.dates import parse_date
from elections.models import Election, Stage
from lib.contacts import clean_plain_text
from lib.tabular import TabularError, inspect, iter_rows
from offices.models import Office

SEED_FILE = settings.BASE_DIR / "data" / "tahapan_pemilu_2024.csv"
NATIONAL_CODE = "00"
MAX_IMPORT_BYTES = 1024 * 1024
TEXT_LIMIT = 2000

# Codes go into iCalendar UIDs and URLs: letters, digits and - _ . only.
STAGE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
ELECTION_CODE = re.compile(r"[a-z0-9][a-z0-9-]*")
NOT_FIRM_MARKERS = ("TIDAK PASTI", "BERSYARAT")


def _portal_changed() -> None:
    """Schedules are on the public portal: cached pages and ETags must not outlive this change."""
    portal_hooks.site_changed()


def is_firm_note(notes: str) -> bool:
    """A stage whose note says TIDAK PASTI or BERSYARAT has no firm date."""
    upper = (notes or "").upper()
    return not any(marker in upper for marker in NOT_FIRM_MARKERS)


# Elections -------------------------------------------------------------------------------------------------

def election_snapshot(election: Election) -> dict:
    return {"code": election.code, "name": election.name, "kind": election.kind,
            "description": election.description, "is_conditional": election.is_conditional}


def _validate_election(*, name: str, kind: str, description: str) -> tuple[str, str]:
    errors = {}
    try:
        name = clean_plain_text(name, max_length=150, label=_("Nama pemilihan"))
    except ValidationError as exc:
        errors["name"] = exc.messages
    if kind not in Election.Kind.values:
        errors["kind"] = [_("Jenis pemilihan tidak dikenal.")]
    description = (description or "").strip()
    if len(description) > TEXT_LIMIT:
        errors["description"] = [_("Keterangan terlalu panjang (maksimal %d karakter).") % TEXT_LIMIT]
    if errors:
        raise ValidationError(errors)
    return name, description


@transaction.atomic
def create_election(*, actor, office: Office, code: str, name: str, kind: str, description: str = "",
                    is_conditional: bool = False) -> Election:
    code = (code or "").strip().lower()
    errors = {}
    if not ELECTION_CODE.fullmatch(code) or len(code) > 40:
        errors["code"] = [_("Kode hanya boleh berisi huruf kecil, angka dan tanda hubung (maks. 40), "
                            "mis. psu-kota-madiun-2024.")]
    elif Election.objects.filter(code=code).exists():
        errors["code"] = [_("Kode pemilihan ini sudah dipakai.")]
    try:
        name, description = _validate_election(name=name, kind=kind, description=description)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            election = Election.objects.create(office=office, code=code, name=name, kind=kind,
                                               description=description, is_conditional=is_conditional)
    except IntegrityError as exc:
        raise ValidationError({"code": [_("Kode pemilihan ini sudah dipakai.")]}) from exc
    _portal_changed()
    record(actor=actor, office=office, action="election.created", target=election,
           after=election_snapshot(election))
    return election


@transaction.atomic
def update_election(*, actor, election: Election, expected_version: int | None, name: str, kind: str,
                    description: str = "", is_conditional: bool = False) -> Election:
    """The code stays: it is part of every calendar event's UID, so subscribers would see duplicates."""
    name, description = _validate_election(name=name, kind=kind, description=description)
    before = election_snapshot(election)
    bump_version(election, expected_version)
    election.name, election.kind, election.description = name, kind, description
    election.is_conditional = is_conditional
    election.save(update_fields=["name", "kind", "description", "is_conditional"])
    _portal_changed()
    record(actor=actor, office=election.office, action="election.updated", target=election, before=before,
           after=election_snapshot(election))
    return election


# Stages ----------------------------------------------------------------------------------------------------

def stage_snapshot(stage: Stage) -> dict:
    return {"code": stage.code, "name": stage.name,
            "starts_on": stage.starts_on.isoformat() if stage.starts_on else None,
            "ends_on": stage.ends_on.isoformat() if stage.ends_on else None,
            "is_firm": stage.is_firm, "source": stage.source, "notes": stage.notes, "position": stage.position}


def _stage_label(stage: Stage) -> str:
    return f"{stage.election.code}/{stage.code}: {stage.name}"


def _check_code(code: str) -> str | None:
    """The error message for a bad stage code, None when it is fine."""
    if not code:
        return _("Kode tahapan wajib diisi.")
    if len(code) > 40 or not STAGE_CODE.fullmatch(code):
        return _("Kode “%s” tidak valid: hanya huruf, angka, titik, garis bawah dan tanda hubung "
                 "(maks. 40), mis. PEMILU24-01.") % code[:60]
    return None


def _check_dates(starts_on: date | None, ends_on: date | None) -> str | None:
    if starts_on and ends_on and ends_on < starts_on:
        return _("Tanggal selesai sebelum tanggal mulai.")
    return None


def _validate_stage(election: Election, *, code: str, name: str, starts_on, ends_on, source: str, notes: str,
                    exclude_pk=None) -> tuple[str, str, str, str]:
    errors: dict[str, list[str]] = {}
    code = (code or "").strip()
    if message := _check_code(code):
        errors["code"] = [message]
    elif Stage.objects.filter(election=election, code=code).exclude(pk=exclude_pk).exists():
        errors["code"] = [_("Kode tahapan %s sudah dipakai di pemilihan ini.") % code]
    try:
        name = clean_plain_text(name, max_length=200, label=_("Nama tahapan"))
    except ValidationError as exc:
        errors["name"] = exc.messages
    if message := _check_dates(starts_on, ends_on):
        errors["ends_on"] = [message]
    source, notes = (source or "").strip(), (notes or "").strip()
    for key, value in (("source", source), ("notes", notes)):
        if len(value) > TEXT_LIMIT:
            errors[key] = [_("Terlalu panjang (maksimal %d karakter).") % TEXT_LIMIT]
    if errors:
        raise ValidationError(errors)
    return code, name, source, notes


def _save_stage(stage: Stage) -> Stage:
    try:
        with transaction.atomic():
            stage.save()
    except IntegrityError as exc:
        raise ValidationError({"code": [_("Kode tahapan %s sudah dipakai di pemilihan ini.") % stage.code]}) from exc
    return stage


@transaction.atomic
def create_stage(*, actor, election: Election, code: str, name: str, starts_on: date | None = None,
                 ends_on: date | None = None, is_firm: bool = True, source: str = "", notes: str = "",
                 position: int | None = None) -> Stage:
    code, name, source, notes = _validate_stage(election, code=code, name=name, starts_on=starts_on,
                                                ends_on=ends_on, source=source, notes=notes)
    if position is None:
        position = (election.stages.aggregate(m=Max("position"))["m"] or 0) + 1
    stage = Stage(election=election, code=code, name=name, starts_on=starts_on, ends_on=ends_on, is_firm=is_firm,
                  source=source, notes=notes, position=position)
    _save_stage(stage)
    _portal_changed()
    record(actor=actor, office=election.office, action="stage.created", target=stage,
           target_label=_stage_label(stage), after=stage_snapshot(stage))
    return stage


@transaction.atomic
def update_stage(*, actor, stage: Stage, expected_version: int | None, code: str, name: str,
                 starts_on: date | None, ends_on: date | None, is_firm: bool, source: str = "",
                 notes: str = "") -> Stage:
    election = stage.election
    code, name, source, notes = _validate_stage(election, code=code, name=name, starts_on=starts_on,
                                                ends_on=ends_on, source=source, notes=notes, exclude_pk=stage.pk)
    before = stage_snapshot(stage)
    bump_version(stage, expected_version)
    stage.code, stage.name, stage.starts_on, stage.ends_on = code, name, starts_on, ends_on
    stage.is_firm, stage.source, stage.notes = is_firm, source, notes
    _save_stage(stage)
    _portal_changed()
    record(actor=actor, office=election.office, action="stage.updated", target=stage,
           target_label=_stage_label(stage), before=before, after=stage_snapshot(stage))
    return stage


@transaction.atomic
def delete_stage(*, actor, stage: Stage) -> None:
    election = stage.election
    before = stage_snapshot(stage)
    label = _stage_label(stage)
    _portal_changed()
    record(actor=actor, office=election.office, action="stage.deleted", target=stage, target_label=label,
           before=before)
    stage.delete()


# Import ----------------------------------------------------------------------------------------------------

COLUMNS: dict[str, str] = {
    "code": "kode",
    "name": "tahapan",
    "starts_on": "mulai",
    "ends_on": "selesai",
    "source": "sumber",
    "notes": "catatan",
}
REQUIRED_COLUMNS = ("code", "name", "starts_on", "ends_on")
HEADER_SYNONYMS: dict[str, set[str]] = {
    "code": {"kode", "kode tahapan", "code"},
    "name": {"tahapan", "nama tahapan", "nama", "stage", "name"},
    "starts_on": {"mulai", "tanggal mulai", "tgl mulai", "start", "starts on"},
    "ends_on": {"selesai", "tanggal selesai", "tgl selesai", "akhir", "end", "ends on"},
    "source": {"sumber", "dasar", "source"},
    "notes": {"catatan", "keterangan", "ket", "notes"},
}


@dataclass
class RowError:
    row_number: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Baris {self.row_number} · {self.field}: {self.message}"


@dataclass
class StageRow:
    """One good row of the file and what importing it does: "baru", "diubah" or "sama"."""

    row_number: int
    code: str
    name: str
    starts_on: date | None
    ends_on: date | None
    is_firm: bool
    source: str
    notes: str
    position: int
    action: str = ""


@dataclass
class StageImportOutcome:
    total_rows: int = 0
    rows: list[StageRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    written: bool = False

    @property
    def error_rows(self) -> int:
        return len({e.row_number for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


def _header_key(header: str) -> str:
    return " ".join(header.replace("_", " ").lower().split())


def _column_map(headers: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _header_key(header)
        for name, synonyms in HEADER_SYNONYMS.items():
            if name not in mapping and key in synonyms:
                mapping[name] = index
                break
    missing = [COLUMNS[c] for c in REQUIRED_COLUMNS if c not in mapping]
    if missing:
        raise ValidationError(
            _("Kolom wajib tidak ada: %(missing)s. Baris judul harus berisi kode,tahapan,mulai,selesai,sumber,catatan "
              "(judul di berkas: %(found)s).") % {"missing": ", ".join(missing),
                                                   "found": ", ".join(headers) or "-"})
    return mapping


def read_stage_rows(path: Path, name: str) -> StageImportOutcome:
    """Parse and check every row of a stage file. Raises ValidationError for a file that cannot be read."""
    try:
        info = inspect(path, name)
        mapping = _column_map(info.headers)
        rows = iter_rows(path, info)
        next(rows, None)  # header row
        outcome = StageImportOutcome()
        seen: dict[str, int] = {}
        for row_number, cells in rows:
            outcome.total_rows += 1
            parsed, errors = _parse_row(row_number, cells, mapping, seen)
            outcome.errors.extend(errors)
            if parsed is not None:
                parsed.position = outcome.total_rows
                outcome.rows.append(parsed)
    except TabularError as exc:
        raise ValidationError(str(exc)) from exc
    if not outcome.total_rows:
        raise ValidationError(_("Berkas tidak berisi baris tahapan (hanya baris judul)."))
    return outcome


def _parse_row(row_number: int, cells: list[str], mapping: dict[str, int],
               seen: dict[str, int]) -> tuple[StageRow | None, list[RowError]]:
    def cell(name: str) -> str:
        index = mapping.get(name)
        return (cells[index] or "").strip() if index is not None and index < len(cells) else ""

    errors: list[RowError] = []
    code = cell("code")
    if message := _check_code(code):
        errors.append(RowError(row_number, COLUMNS["code"], message))
    elif code in seen:
        errors.append(RowError(row_number, COLUMNS["code"],
                               _("Kode %(code)s ganda: sudah dipakai di baris %(row)d.") % {
                                   "code": code, "row": seen[code]}))
    else:
        seen[code] = row_number
    try:
        name = clean_plain_text(cell("name"), max_length=200, label=_("Nama tahapan"))
    except ValidationError as exc:
        errors.append(RowError(row_number, COLUMNS["name"], exc.messages[0]))
        name = ""
    dates: dict[str, date | None] = {}
    for key in ("starts_on", "ends_on"):
        try:
            dates[key] = parse_date(cell(key))
        except ValueError as exc:
            errors.append(RowError(row_number, COLUMNS[key], str(exc)))
            dates[key] = None
    if message := _check_dates(dates["starts_on"], dates["ends_on"]):
        errors.append(RowError(row_number, COLUMNS["ends_on"], message))
    source, notes = cell("source"), cell("notes")
    for key, value in (("source", source), ("notes", notes)):
        if len(value) > TEXT_LIMIT:
            errors.append(RowError(row_number, COLUMNS[key],
                                   _("Terlalu panjang (maksimal %d karakter).") % TEXT_LIMIT))
    if errors:
        return None, errors
    return StageRow(row_number, code, name, dates["starts_on"], dates["ends_on"], is_firm_note(notes), source,
                    notes, position=0), []


STAGE_FIELDS = ("name", "starts_on", "ends_on", "is_firm", "source", "notes", "position")


def _plan(election: Election, outcome: StageImportOutcome) -> dict[str, Stage]:
    """Mark each row as new, changed or the same as what is stored; return the stored stages by code."""
    existing = {s.code: s for s in Stage.objects.filter(election=election)}
    for row in outcome.rows:
        stage = existing.get(row.code)
        if stage is None:
            row.action = "baru"
            outcome.created += 1
        elif any(getattr(stage, f) != getattr(row, f) for f in STAGE_FIELDS):
            row.action = "diubah"
            outcome.updated += 1
        else:
            row.action = "sama"
            outcome.unchanged += 1
    return existing


def _write(*, actor, election: Election, outcome: StageImportOutcome, file_name: str,
           existing: dict[str, Stage]) -> None:
    created, updated = [], []
    for row in outcome.rows:
        if row.action == "sama":
            continue
        stage = existing.get(row.code) or Stage(election=election, code=row.code)
        for name in STAGE_FIELDS:
            setattr(stage, name, getattr(row, name))
        if stage.pk:
            stage.version += 1
            updated.append(row.code)
        else:
            created.append(row.code)
        stage.save()
    outcome.written = True
    if created or updated:
        _portal_changed()
        record(actor=actor, office=election.office, action="election.stages_imported", target=election,
               after={"file": file_name, "rows": outcome.total_rows, "created": created, "updated": updated,
                      "unchanged": outcome.unchanged})


def _as_path(path_or_file, workdir: Path) -> tuple[Path, str]:
    if isinstance(path_or_file, str | Path):
        path = Path(path_or_file)
        if not path.is_file():
            raise ValidationError(_("Berkas tidak ditemukan: %s") % path)
        return path, path.name
    name = Path(getattr(path_or_file, "name", "") or "tahapan.csv").name
    if hasattr(path_or_file, "seek"):
        path_or_file.seek(0)
    data = path_or_file.read(MAX_IMPORT_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_("Berkas tahapan terlalu besar (maksimal 1 MB)."))
    path = workdir / ("upload" + (Path(name).suffix.lower() or ".csv"))
    path.write_bytes(data)
    return path, name


def import_stages(*, actor, election: Election, path_or_file, dry_run: bool = False) -> StageImportOutcome:
    """Upsert an election's stages by code from a CSV/XLSX file with the columns kode,tahapan,mulai,selesai,sumber,
    catatan. All or nothing: a single bad row and nothing is written; every bad row is in `outcome.errors`.

    Empty dates stay empty, positions follow the file, a note with TIDAK PASTI or BERSYARAT makes the stage not
    firm. Stages of the election that are not in the file are kept. Running it twice changes nothing.
    """
    with tempfile.TemporaryDirectory(prefix="bakohumas-tahapan-") as workdir:
        path, name = _as_path(path_or_file, Path(workdir))
        outcome = read_stage_rows(path, name)
    outcome.dry_run = dry_run
    with transaction.atomic():
        # The row lock keeps two imports into one election from interleaving.
        Election.objects.select_for_update().filter(pk=election.pk).first()
        existing = _plan(election, outcome)
        if outcome.errors or dry_run:
            return outcome
        try:
            _write(actor=actor, election=election, outcome=outcome, file_name=name, existing=existing)
        except IntegrityError as exc:
            raise ValidationError(
                _("Tahapan pemilihan ini baru saja diubah oleh pengguna lain; ulangi impor.")) from exc
    return outcome


# Seeding ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SeedElection:
    code: str
    prefix: str
    name: str
    kind: str
    description: str
    is_conditional: bool = False


SEED_ELECTIONS = [
    SeedElection(
        code="pemilu-2024", prefix="PEMILU24-", name="Pemilu 2024", kind=Election.Kind.GENERAL,
        description=(
            "Pemilihan Umum Presiden dan Wakil Presiden serta anggota DPR, DPD, DPRD provinsi dan DPRD "
            "kabupaten/kota, pemungutan suara 14 Februari 2024. Tahapan dan jadwal menurut Peraturan KPU "
            "Nomor 3 Tahun 2022 tentang Tahapan dan Jadwal Penyelenggaraan Pemilihan Umum Tahun 2024; "
            "sumber tiap tahapan dicantumkan pada tahapannya."),
    ),
    SeedElection(
        code="pilpres-2024-putaran-2", prefix="PILPRES24-P2-", name="Pemilu 2024 — Putaran kedua Pilpres",
        kind=Election.Kind.GENERAL, is_conditional=True,
        description=(
            "Putaran kedua Pemilihan Presiden dan Wakil Presiden, hanya dilaksanakan bila tidak ada pasangan "
            "calon yang memperoleh lebih dari 50% suara dengan sedikitnya 20% suara di lebih dari setengah "
            "jumlah provinsi (Pasal 416 UU 7/2017). Tidak dilaksanakan: putaran pertama 14 Februari 2024 sudah "
            "menghasilkan pasangan calon terpilih (hasil ditetapkan KPU 20 Maret 2024). Jadwal menurut "
            "Peraturan KPU Nomor 3 Tahun 2022 dan rancangan perubahannya yang diuji publik KPU pada "
            "11 Januari 2024; tanggal dari rancangan tidak pasti."),
    ),
    SeedElection(
        code="pilkada-2024", prefix="PILKADA24-", name="Pilkada Serentak 2024", kind=Election.Kind.REGIONAL,
        description=(
            "Pemilihan Gubernur dan Wakil Gubernur, Bupati dan Wakil Bupati, serta Wali Kota dan Wakil Wali Kota "
            "serentak, pemungutan suara 27 November 2024. Tahapan dan jadwal menurut Peraturan KPU Nomor 2 "
            "Tahun 2024 tentang Tahapan dan Jadwal Pemilihan Gubernur dan Wakil Gubernur, Bupati dan Wakil "
            "Bupati, serta Wali Kota dan Wakil Wali Kota Tahun 2024; sumber tiap tahapan dicantumkan pada "
            "tahapannya."),
    ),
]


@dataclass
class SeedOutcome:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    stages: dict[str, int] = field(default_factory=dict)


def _seed_prefix(code: str) -> SeedElection | None:
    # Longest prefix first: PILPRES24-P2- rows must not be taken for another election.
    for seed in sorted(SEED_ELECTIONS, key=lambda s: -len(s.prefix)):
        if code.startswith(seed.prefix):
            return seed
    return None


@transaction.atomic
def seed_elections(path: Path = SEED_FILE) -> SeedOutcome:
    """Pemilu 2024, the conditional second Pilpres round and Pilkada 2024, run by KPU RI, with their stages
    from data/tahapan_pemilu_2024.csv. Idempotent: an election that already exists is left as it is (staff may
    have corrected it since), so running it again changes nothing."""
    national = Office.objects.filter(code=NATIONAL_CODE).first()
    if national is None:
        raise ValidationError(_("Satker KPU RI (kode 00) belum ada. Jalankan dulu `manage.py seed_offices`."))
    parsed = read_stage_rows(Path(path), Path(path).name)
    if parsed.errors:
        raise ValidationError([str(e) for e in parsed.errors])
    by_election: dict[str, list[StageRow]] = {seed.code: [] for seed in SEED_ELECTIONS}
    for row in parsed.rows:
        seed = _seed_prefix(row.code)
        if seed is None:
            raise ValidationError(_("Baris %(n)d: kode %(code)s bukan milik pemilihan mana pun.") % {
                "n": row.row_number, "code": row.code})
        by_election[seed.code].append(row)
    outcome = SeedOutcome()
    for seed in SEED_ELECTIONS:
        if Election.objects.filter(code=seed.code).exists():
            outcome.existing.append(seed.code)
            continue
        election = create_election(actor=None, office=national, code=seed.code, name=seed.name, kind=seed.kind,
                                   description=seed.description, is_conditional=seed.is_conditional)
        rows = by_election[seed.code]
        for position, row in enumerate(rows, start=1):
            row.position = position
        stages = StageImportOutcome(total_rows=len(rows), rows=rows)
        existing = _plan(election, stages)
        _write(actor=None, election=election, outcome=stages, file_name=Path(path).name, existing=existing)
        outcome.created.append(seed.code)
        outcome.stages[seed.code] = len(rows)
    return outcome
