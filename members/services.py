"""Every write to the registry. Keyword-only, validated, transactional, audited."""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can
from audit.models import AuditEntry
from audit.services import REDACTED, record, redact_target_history
from bakohumas import portal_hooks, spamguard
from bakohumas.locking import bump_version
from lib.contacts import AddressError, clean_plain_text, normalize_address
from lib.tabular import TabularError, detect_format, estimate_data_rows, inspect
from members import personal_data
from members.importing import guess_mapping, import_limits, validate_mapping
from members.models import (
    Address,
    Category,
    Consent,
    Group,
    ImportJob,
    ImportRowError,
    Member,
    Organization,
    Purpose,
    Tag,
)
from ops.services import throttle_exceeded


@dataclass
class AddressInput:
    kind: str
    value: str
    opted_out: bool = False
    is_primary: bool = False


@dataclass
class ConsentInput:
    purposes: list[str] = field(default_factory=list)
    method: str = Consent.Method.FORM
    evidence: str = ""


# Organisations ---------------------------------------------------------------------------------------------

def _organization_snapshot(org: Organization) -> dict:
    return {"name": org.name, "abbreviation": org.abbreviation, "category": org.category, "address": org.address,
            "email": org.email, "phone": org.phone, "website": org.website, "is_active": org.is_active}


def _validate_organization(office, name: str, category: str, exclude_pk=None) -> str:
    try:
        name = clean_plain_text(name, max_length=200, label=_("Nama instansi"))
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from exc
    if category not in Category.values:
        raise ValidationError({"category": _("Kategori tidak dikenal.")})
    clash = Organization.objects.filter(office=office, name__iexact=name).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": _("Instansi dengan nama ini sudah ada di satker ini.")})
    return name


ORGANIZATION_LIMITS = {"abbreviation": 40, "address": 300, "phone": 20, "email": 254, "website": 200}


def _validate_organization_details(values: dict) -> None:
    from django.core.validators import URLValidator, validate_email

    errors = {}
    for key, limit in ORGANIZATION_LIMITS.items():
        if len(values.get(key) or "") > limit:
            errors[key] = [_("Terlalu panjang (maksimal %d karakter).") % limit]
    try:
        if values.get("email"):
            validate_email(values["email"])
    except ValidationError:
        errors["email"] = [_("Alamat e-mail tidak valid.")]
    try:
        if values.get("website"):
            URLValidator(schemes=["http", "https"])(values["website"])
    except ValidationError:
        errors["website"] = [_("Alamat situs harus diawali http:// atau https://.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_organization(*, actor, office, name: str, category: str, abbreviation: str = "", address: str = "",
                        email: str = "", phone: str = "", website: str = "", notes: str = "") -> Organization:
    name = _validate_organization(office, name, category)
    _validate_organization_details({"abbreviation": abbreviation, "address": address, "phone": phone,
                                    "email": email, "website": website})
    org = Organization.objects.create(
        office=office, name=name, category=category, abbreviation=abbreviation.strip(), address=address.strip(),
        email=email.strip(), phone=phone.strip(), website=website.strip(), notes=notes,
    )
    record(actor=actor, office=office, action="organization.created", target=org, after=_organization_snapshot(org))
    return org


@transaction.atomic
def update_organization(*, actor, organization: Organization, expected_version: int | None, **values) -> Organization:
    values["name"] = _validate_organization(organization.office, values["name"], values["category"],
                                            exclude_pk=organization.pk)
    _validate_organization_details(values)
    before = _organization_snapshot(organization)
    bump_version(organization, expected_version)
    for key, value in values.items():
        setattr(organization, key, value.strip() if isinstance(value, str) and key != "notes" else value)
    organization.save()
    record(actor=actor, office=organization.office, action="organization.updated", target=organization,
           before=before, after=_organization_snapshot(organization))
    return organization


# Members ---------------------------------------------------------------------------------------------------

def member_snapshot(member: Member) -> dict:
    return {
        "full_name": member.full_name,
        "position": member.position,
        "status": member.status,
        "organization": member.organization.name if member.organization_id else None,
        "tags": sorted(t.name for t in member.tags.all()),
        "addresses": [
            {"urn": a.urn, "opted_out": a.opted_out, "primary": a.is_primary} for a in member.addresses.all()
        ],
        "notes": member.notes,
        "preferred_channel": member.preferred_channel,
    }


def normalize_addresses(office, addresses: list[AddressInput], *, member: Member | None = None) -> list[AddressInput]:
    """Normalise, drop blanks, refuse duplicates inside the list and against other members of the office."""
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    normalized: list[AddressInput] = []
    for item in addresses:
        if not (item.value or "").strip():
            continue
        try:
            value = normalize_address(item.kind, item.value)
        except AddressError as exc:
            errors.append(str(exc))
            continue
        if (item.kind, value) in seen:
            continue
        seen.add((item.kind, value))
        normalized.append(AddressInput(item.kind, value, item.opted_out, item.is_primary))
    for item in normalized:
        clash = Address.objects.filter(office=office, kind=item.kind, value=item.value).select_related("member")
        if member is not None:
            clash = clash.exclude(member=member)
        other = clash.first()
        if other is not None:
            errors.append(_("%(urn)s sudah terdaftar atas nama %(name)s.") % {
                "urn": item.value, "name": other.member.full_name})
    if errors:
        raise ValidationError({"addresses": errors})
    for kind in {a.kind for a in normalized}:
        same_kind = [a for a in normalized if a.kind == kind]
        if not any(a.is_primary for a in same_kind):
            same_kind[0].is_primary = True
    return normalized


def _validate_member_fields(office, full_name: str, position: str,
                            organization: Organization | None) -> tuple[str, str]:
    errors = {}
    try:
        full_name = clean_plain_text(full_name, max_length=150, label=_("Nama lengkap"))
    except ValidationError as exc:
        errors["full_name"] = exc.messages
    try:
        position = clean_plain_text(position, max_length=150, label=_("Jabatan"), required=False)
    except ValidationError as exc:
        errors["position"] = exc.messages
    if organization is not None and organization.office_id != office.pk:
        errors["organization"] = [_("Instansi ini milik satker lain.")]
    if errors:
        raise ValidationError(errors)
    return full_name, position


def _grant_consents(*, actor, addresses: list[Address], consent: ConsentInput, when=None) -> list[Consent]:
    when = when or timezone.now()
    unknown = set(consent.purposes) - set(Purpose.values)
    if unknown:
        raise ValidationError({"consent": _("Tujuan persetujuan tidak dikenal: %s") % ", ".join(sorted(unknown))})
    if consent.purposes and consent.method == Consent.Method.IMPORT and not consent.evidence.strip():
        raise ValidationError({"consent": _("Impor dengan persetujuan harus menyebut dasarnya (mis. daftar hadir "
                                            "bertanda tangan, tanggal rapat).")})
    rows = [
        Consent(address=address, purpose=purpose, method=consent.method, evidence=consent.evidence.strip()[:300],
                given_at=when, recorded_by=actor if actor is not None and actor.pk else None)
        for address in addresses if address.kind != Address.Kind.PHONE
        for purpose in consent.purposes
    ]
    return Consent.objects.bulk_create(rows)


def _validate_preference(preferred_channel: str) -> None:
    if preferred_channel not in {"", *dict(Member._meta.get_field("preferred_channel").choices)}:
        raise ValidationError({"preferred_channel": _("Kanal yang diutamakan tidak dikenal.")})


@transaction.atomic
def create_member(*, actor, office, full_name: str, position: str = "", organization: Organization | None = None,
                  addresses: list[AddressInput] = (), tags: list[Tag] = (), notes: str = "",
                  status: str = Member.Status.ACTIVE, source: str = Member.Source.STAFF,
                  consent: ConsentInput | None = None, submitted_organization: str = "",
                  submitted_category: str = "", preferred_channel: str = "") -> Member:
    full_name, position = _validate_member_fields(office, full_name, position, organization)
    _validate_preference(preferred_channel)
    normalized = normalize_addresses(office, list(addresses))
    member = Member.objects.create(
        office=office, organization=organization, full_name=full_name, position=position, status=status,
        source=source, notes=notes, submitted_organization=submitted_organization,
        submitted_category=submitted_category, preferred_channel=preferred_channel,
    )
    try:
        with transaction.atomic():
            created = Address.objects.bulk_create([
                Address(member=member, office=office, kind=a.kind, value=a.value, is_primary=a.is_primary,
                        opted_out=a.opted_out, opted_out_at=timezone.now() if a.opted_out else None)
                for a in normalized
            ])
    except IntegrityError as exc:
        raise ValidationError(
            {"addresses": [_("Salah satu alamat baru saja didaftarkan oleh pengguna lain.")]}) from exc
    if consent is not None:
        _grant_consents(actor=actor, addresses=created, consent=consent)
    if tags:
        member.tags.set(tags)
    record(actor=actor, office=office, action="member.created", target=member, after=member_snapshot(member))
    return member


@transaction.atomic
def update_member(*, actor, member: Member, expected_version: int | None, full_name: str, position: str,
                  organization: Organization | None, status: str, addresses: list[AddressInput],
                  tags: list[Tag], notes: str = "", preferred_channel: str | None = None) -> Member:
    if member.status == Member.Status.ERASED:
        raise ValidationError(_("Data anggota ini sudah dihapus atas permintaan pemiliknya."))
    if status not in {Member.Status.ACTIVE, Member.Status.INACTIVE, Member.Status.PENDING}:
        raise ValidationError({"status": _("Status tidak valid.")})
    if member.status == Member.Status.PENDING and status != Member.Status.PENDING:
        raise ValidationError({"status": _("Pendaftaran mandiri harus disetujui melalui halaman Pendaftaran.")})
    if status == Member.Status.PENDING and member.status != Member.Status.PENDING:
        # Only a self-registration that was never approved waits for a decision; rejecting one erases it.
        raise ValidationError({"status": _("Anggota tidak dapat dikembalikan ke status menunggu persetujuan.")})
    full_name, position = _validate_member_fields(member.office, full_name, position, organization)
    normalized = normalize_addresses(member.office, addresses, member=member)
    before = member_snapshot(member)
    bump_version(member, expected_version)

    member.full_name, member.position, member.organization = full_name, position, organization
    member.status, member.notes = status, notes
    if preferred_channel is not None:
        _validate_preference(preferred_channel)
        member.preferred_channel = preferred_channel
    member.save()

    wanted = {(a.kind, a.value): a for a in normalized}
    for existing in list(member.addresses.all()):
        item = wanted.pop((existing.kind, existing.value), None)
        if item is None:
            existing.delete()
            continue
        if existing.opted_out != item.opted_out or existing.is_primary != item.is_primary:
            existing.opted_out, existing.is_primary = item.opted_out, item.is_primary
            existing.opted_out_at = timezone.now() if item.opted_out else None
            existing.save(update_fields=["opted_out", "is_primary", "opted_out_at"])
    Address.objects.bulk_create([
        Address(member=member, office=member.office, kind=a.kind, value=a.value, is_primary=a.is_primary,
                opted_out=a.opted_out, opted_out_at=timezone.now() if a.opted_out else None)
        for a in wanted.values()
    ])
    member.tags.set(tags)
    after = member_snapshot(member)
    record(actor=actor, office=member.office, action="member.updated", target=member, before=before, after=after)
    return member


@transaction.atomic
def set_member_status(*, actor, member: Member, status: str) -> Member:
    if member.status == Member.Status.ERASED:
        raise ValidationError(_("Data anggota ini sudah dihapus atas permintaan pemiliknya."))
    before = {"status": member.status}
    bump_version(member, None)
    member.status = status
    member.save(update_fields=["status", "updated_at"])
    record(actor=actor, office=member.office, action="member.status_changed", target=member, before=before,
           after={"status": status})
    return member


@transaction.atomic
def approve_registration(*, actor, member: Member, organization: Organization | None = None) -> Member:
    if member.status != Member.Status.PENDING:
        raise ValidationError(_("Pendaftaran ini sudah diproses."))
    if organization is None and member.submitted_organization:
        organization = Organization.objects.filter(
            office=member.office, name__iexact=member.submitted_organization).first()
        if organization is None:
            organization = create_organization(
                actor=actor, office=member.office, name=member.submitted_organization,
                category=member.submitted_category or Category.OTHER)
    bump_version(member, None)
    member.status, member.organization = Member.Status.ACTIVE, organization
    member.save(update_fields=["status", "organization", "updated_at"])
    record(actor=actor, office=member.office, action="member.registration_approved", target=member,
           before={"status": Member.Status.PENDING},
           after={"status": member.status, "organization": organization.name if organization else None})
    return member


@transaction.atomic
def reject_registration(*, actor, member: Member) -> None:
    """Rejecting a registration erases it: allowed only for a self-registration that was never approved."""
    if member.status != Member.Status.PENDING or member.source != Member.Source.SELF_REGISTRATION:
        raise ValidationError(_("Pendaftaran ini sudah diproses."))
    if AuditEntry.objects.filter(action="member.registration_approved", target_type=member._meta.label_lower,
                                 target_id=str(member.pk)).exists():
        raise ValidationError(_("Pendaftaran ini sudah pernah disetujui."))
    _erase(actor=actor, member=member, reason=_("Pendaftaran ditolak"))


# Consent and data-subject rights (UU 27/2022) --------------------------------------------------------------

@transaction.atomic
def give_consent(*, actor, address: Address, purposes: list[str], method: str, evidence: str = "") -> list[Consent]:
    active = set(address.consents.filter(withdrawn_at__isnull=True).values_list("purpose", flat=True))
    new = [p for p in purposes if p not in active]
    rows = _grant_consents(actor=actor, addresses=[address], consent=ConsentInput(new, method, evidence))
    if rows:
        record(actor=actor, office=address.office, action="consent.given", target=address.member,
               after={"address": address.urn, "purposes": new, "method": method, "evidence": evidence})
    return rows


@transaction.atomic
def withdraw_consent(*, actor, address: Address, purposes: list[str] | None = None, note: str = "") -> int:
    """Withdrawal takes effect immediately (the law allows 3×24 h; we do not need it)."""
    active = address.consents.filter(withdrawn_at__isnull=True)
    if purposes:
        active = active.filter(purpose__in=purposes)
    withdrawn = list(active.values_list("purpose", flat=True))
    count = active.update(withdrawn_at=timezone.now(), withdrawal_note=note[:300])
    if count:
        record(actor=actor, office=address.office, action="consent.withdrawn", target=address.member,
               after={"address": address.urn, "purposes": withdrawn, "note": note})
    return count


@transaction.atomic
def set_opt_out(*, actor, address: Address, opted_out: bool, note: str = "") -> Address:
    before = {"address": address.urn, "opted_out": address.opted_out}
    address.opted_out = opted_out
    address.opted_out_at = timezone.now() if opted_out else None
    address.save(update_fields=["opted_out", "opted_out_at"])
    record(actor=actor, office=address.office, action="address.opt_out" if opted_out else "address.opt_in",
           target=address.member, before=before, after={"address": address.urn, "opted_out": opted_out, "note": note})
    return address


@transaction.atomic
def connect_address(*, actor, address: Address, value: str, note: str = "") -> Address:
    """Replace a handle with the stable id the provider gave (Telegram "@username" → chat id)."""
    before = {"address": address.urn}
    address.value = value
    address.save(update_fields=["value"])
    record(actor=actor, office=address.office, action="address.connected", target=address.member, before=before,
           after={"address": address.urn, "note": note[:300]})
    return address


@transaction.atomic
def clear_undeliverable(*, actor, address: Address) -> Address:
    before = {"address": address.urn, "undeliverable_reason": address.undeliverable_reason}
    address.undeliverable_at, address.undeliverable_reason = None, ""
    address.save(update_fields=["undeliverable_at", "undeliverable_reason"])
    record(actor=actor, office=address.office, action="address.reachable", target=address.member, before=before,
           after={"address": address.urn})
    return address


@transaction.atomic
def erase_member(*, actor, member: Member, reason: str) -> Member:
    """Anonymise a member: personal data and its history go; the fact that an erasure happened stays.

    Only staff with the erase capability in the member's own office may do it.
    """
    if not (can(actor, "registry.erase") and actor.office_id == member.office_id):
        raise PermissionDenied(_("Hanya admin satker anggota ini yang dapat menghapus data pribadinya."))
    return _erase(actor=actor, member=member, reason=reason)


def _erase(*, actor, member: Member, reason: str) -> Member:
    if member.status == Member.Status.ERASED:
        return member
    if not reason.strip():
        raise ValidationError({"reason": _("Sebutkan dasar penghapusan (mis. permintaan tertulis tanggal …).")})
    redact_target_history(target_type=member._meta.label_lower, target_ids=[str(member.pk)])
    # Import leftovers: the uploaded file that brought the person in, and preview messages naming them.
    ImportRowError.objects.filter(job__office=member.office, message__contains=member.full_name).update(
        message=REDACTED)
    if member.import_job_id:
        _purge_import_file(member.import_job)
    personal_data.erase(member)
    member.addresses.all().delete()
    member.tags.clear()
    member.manual_groups.clear()
    member.full_name = f"Anonim #{member.pk}"
    member.position = member.notes = member.submitted_organization = ""
    member.status = Member.Status.ERASED
    member.erased_at = timezone.now()
    member.version = F("version") + 1
    member.save()
    member.refresh_from_db()
    record(actor=actor, office=member.office, action="member.erased", target=member,
           after={"reason": reason.strip()[:300]})
    return member


# Tags and groups -------------------------------------------------------------------------------------------

def get_or_create_tags(*, office, names: list[str]) -> list[Tag]:
    tags = []
    for raw in names:
        name = " ".join(raw.split())[:50]
        if not name:
            continue
        tag = Tag.objects.filter(office=office, name__iexact=name).first() or Tag.objects.create(office=office,
                                                                                                 name=name)
        tags.append(tag)
    return tags


def _group_snapshot(group: Group) -> dict:
    return {"name": group.name, "kind": group.kind, "description": group.description,
            "categories": group.rule_categories, "tags": sorted(t.name for t in group.rule_tags.all()),
            "include_descendants": group.rule_include_descendants}


def _validate_group(office, name: str, kind: str, categories: list[str], exclude_pk=None) -> str:
    try:
        name = clean_plain_text(name, max_length=120, label=_("Nama grup"))
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from exc
    if kind not in Group.Kind.values:
        raise ValidationError({"kind": _("Jenis grup tidak dikenal.")})
    if set(categories) - set(Category.values):
        raise ValidationError({"rule_categories": _("Kategori tidak dikenal.")})
    if Group.objects.filter(office=office, name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": _("Grup dengan nama ini sudah ada.")})
    return name


@transaction.atomic
def create_group(*, actor, office, name: str, kind: str, description: str = "", categories: list[str] = (),
                 tags: list[Tag] = (), include_descendants: bool = False, members: list[Member] = ()) -> Group:
    name = _validate_group(office, name, kind, list(categories))
    group = Group.objects.create(office=office, name=name, kind=kind, description=description.strip(),
                                 rule_categories=list(categories), rule_include_descendants=include_descendants)
    group.rule_tags.set(tags)
    if kind == Group.Kind.MANUAL:
        group.members.set([m for m in members if m.office_id == office.pk])
    record(actor=actor, office=office, action="group.created", target=group, after=_group_snapshot(group))
    return group


@transaction.atomic
def update_group(*, actor, group: Group, expected_version: int | None, name: str, description: str,
                 categories: list[str], tags: list[Tag], include_descendants: bool) -> Group:
    name = _validate_group(group.office, name, group.kind, categories, exclude_pk=group.pk)
    before = _group_snapshot(group)
    bump_version(group, expected_version)
    group.name, group.description = name, description.strip()
    group.rule_categories, group.rule_include_descendants = list(categories), include_descendants
    group.save()
    group.rule_tags.set(tags)
    record(actor=actor, office=group.office, action="group.updated", target=group, before=before,
           after=_group_snapshot(group))
    return group


@transaction.atomic
def set_group_membership(*, actor, group: Group, member: Member, included: bool) -> None:
    if group.kind != Group.Kind.MANUAL:
        raise ValidationError(_("Anggota grup dinamis ditentukan oleh aturannya."))
    if member.office_id != group.office_id:
        raise ValidationError(_("Anggota ini milik satker lain."))
    (group.members.add if included else group.members.remove)(member)
    record(actor=actor, office=group.office, action="group.member_added" if included else "group.member_removed",
           target=group, after={"member_id": member.pk})


@transaction.atomic
def delete_group(*, actor, group: Group) -> None:
    snapshot = _group_snapshot(group)
    record(actor=actor, office=group.office, action="group.deleted", target=group, before=snapshot)
    group.delete()


# Imports ---------------------------------------------------------------------------------------------------

def create_import_job(*, actor, office, uploaded_file, default_category: str = Category.OTHER) -> ImportJob:
    """Store the upload and read its shape (format, encoding, separator, headers); nothing is imported yet.

    The file is written and read before the transaction opens: on SQLite a transaction holds the one write lock."""
    from django.conf import settings

    if uploaded_file.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError({"file": _("Berkas terlalu besar (%(size)d MB). Batas %(max)d MB; pecah berkas "
                                         "menjadi beberapa bagian.") % {
            "size": uploaded_file.size // (1024 * 1024), "max": settings.IMPORT_MAX_BYTES // (1024 * 1024)}})
    if uploaded_file.size == 0:
        raise ValidationError({"file": _("Berkas kosong.")})
    try:
        file_format = detect_format(uploaded_file.name)
    except TabularError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    if default_category not in Category.values:
        raise ValidationError({"default_category": _("Kategori tidak dikenal.")})
    job = ImportJob(office=office, created_by=actor, original_name=uploaded_file.name[:255],
                    file_format=file_format, default_category=default_category)
    job.file.save(f"{office.code}-{timezone.now():%Y%m%d%H%M%S}.{file_format}", uploaded_file, save=False)
    try:
        limits = import_limits()
        info = inspect(Path(job.file.path), uploaded_file.name, limits)
        job.total_rows = min(estimate_data_rows(Path(job.file.path), info, limits), limits.max_rows)
    except TabularError as exc:
        job.file.delete(save=False)
        raise ValidationError({"file": str(exc)}) from exc
    job.encoding, job.delimiter, job.headers = info.encoding, info.delimiter, info.headers
    job.mapping = {k: v for k, v in guess_mapping(info.headers).items()}
    try:
        with transaction.atomic():
            job.save()
            record(actor=actor, office=office, action="import.uploaded", target=job,
                   after={"file": job.original_name, "rows": job.total_rows, "encoding": job.encoding,
                          "delimiter": job.delimiter})
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def _purge_import_file(job: ImportJob) -> None:
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


@transaction.atomic
def purge_old_import_files(*, older_than: timedelta) -> int:
    """Retention: uploaded member lists are personal data; keep them only while an import may still need them."""
    finished = [ImportJob.Status.DONE, ImportJob.Status.CANCELLED, ImportJob.Status.FAILED,
                ImportJob.Status.VALIDATED, ImportJob.Status.UPLOADED]
    jobs = ImportJob.objects.filter(created_at__lt=timezone.now() - older_than, status__in=finished).exclude(file="")
    purged = 0
    for job in jobs:
        _purge_import_file(job)
        ImportRowError.objects.filter(job=job).delete()
        purged += 1
    if purged:
        record(actor=None, office=None, action="imports.files_purged",
               after={"jobs": purged, "older_than_days": older_than.days})
    return purged


@transaction.atomic
def configure_import_job(*, actor, job: ImportJob, mapping: dict[str, int], consent_purposes: list[str],
                         consent_evidence: str, run_in_background: bool = True) -> ImportJob:
    if job.is_running or job.status == ImportJob.Status.DONE:
        raise ValidationError(_("Impor ini sedang berjalan atau sudah selesai."))
    if not job.file:
        raise ValidationError(_("Berkas impor ini sudah dihapus (masa simpan berakhir). Unggah ulang berkasnya."))
    job.mapping = validate_mapping(mapping, job.headers)
    if set(consent_purposes) - set(Purpose.values):
        raise ValidationError(_("Tujuan persetujuan tidak dikenal."))
    if consent_purposes and not consent_evidence.strip():
        raise ValidationError(_("Sebutkan dasar persetujuan yang terdokumentasi (mis. “Formulir persetujuan "
                                "rapat Bakohumas 12 Maret 2024, arsip Subbag Humas”)."))
    job.consent_purposes, job.consent_evidence = list(consent_purposes), consent_evidence.strip()[:300]
    job.status = ImportJob.Status.VALIDATING
    job.processed_rows = 0
    job.save()
    record(actor=actor, office=job.office, action="import.mapped", target=job,
           after={"mapping": job.mapping, "consent_purposes": job.consent_purposes})
    if run_in_background:
        _enqueue_import(job, dry_run=True)
    return job


@transaction.atomic
def confirm_import_job(*, actor, job: ImportJob) -> ImportJob:
    if job.status != ImportJob.Status.VALIDATED:
        raise ValidationError(_("Pratinjau belum selesai, atau impor ini sudah dijalankan."))
    if not job.file:
        raise ValidationError(_("Berkas impor ini sudah dihapus (masa simpan berakhir). Unggah ulang berkasnya."))
    job.status = ImportJob.Status.IMPORTING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows"])
    record(actor=actor, office=job.office, action="import.confirmed", target=job,
           after={"valid_rows": job.valid_rows})
    _enqueue_import(job, dry_run=False)
    return job


@transaction.atomic
def cancel_import_job(*, actor, job: ImportJob) -> ImportJob:
    if job.status not in {ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED}:
        raise ValidationError(_("Impor yang sedang berjalan atau sudah selesai tidak dapat dibatalkan."))
    job.status = ImportJob.Status.CANCELLED
    job.save(update_fields=["status"])
    record(actor=actor, office=job.office, action="import.cancelled", target=job)
    return job


def _enqueue_import(job: ImportJob, *, dry_run: bool) -> None:
    from members.tasks import process_import

    transaction.on_commit(lambda: process_import.enqueue(job.pk, dry_run))


# Exports, self-registration --------------------------------------------------------------------------------

def record_personal_data_export(*, actor, member: Member) -> None:
    record(actor=actor, office=member.office, action="member.data_exported", target=member)


def record_registry_export(*, actor, fmt: str, count: int) -> None:
    record(actor=actor, office=actor.office, action="members.exported", after={"format": fmt, "rows": count})


@transaction.atomic
def update_registration_settings(*, actor, office, is_open: bool, rotate_token: bool) -> None:
    from offices.models import new_registration_token

    before = {"registration_open": office.registration_open}
    office.registration_open = is_open
    if rotate_token:
        office.registration_token = new_registration_token()
    office.save(update_fields=["registration_open", "registration_token"])
    portal_hooks.site_changed()   # the portal's contact page shows the registration link
    record(actor=actor, office=office, action="office.registration_settings", target=office, before=before,
           after={"registration_open": is_open, "token_rotated": rotate_token})


SELF_REGISTRATION_SALT = "members.self-registration"
MAX_REGISTRATIONS_PER_IP_PER_HOUR = 20


def register_self(*, office, data: dict, ip_address: str | None) -> Member:
    """A stakeholder registers at a sosialisasi meeting; staff approve before the member is active."""
    spamguard.check(data, salt=SELF_REGISTRATION_SALT)
    if throttle_exceeded(scope=f"self-registration:{office.pk}", key=ip_address or "unknown",
                         limit=MAX_REGISTRATIONS_PER_IP_PER_HOUR, window=timedelta(hours=1)):
        raise ValidationError(_("Terlalu banyak pendaftaran dari jaringan ini. Coba lagi dalam satu jam."))
    addresses = [AddressInput(Address.Kind.WHATSAPP, data.get("whatsapp", "")),
                 AddressInput(Address.Kind.EMAIL, data.get("email", "")),
                 AddressInput(Address.Kind.TELEGRAM, data.get("telegram", ""))]
    try:
        submitted_org = clean_plain_text(data.get("organization", ""), max_length=200, label=_("Instansi"),
                                         required=False)
    except ValidationError as exc:
        raise ValidationError({"organization": exc.messages}) from exc
    evidence = _("Formulir pendaftaran mandiri, %s") % timezone.localdate().isoformat()
    addresses, taken = _split_taken_addresses(office, addresses)
    # The registrant gets the same answer whether or not an address is already registered (nobody learns from
    # this form who is in the forum); staff see the clash on the pending registration and decide.
    notes = _("Alamat ini sudah terdaftar pada anggota lain dan tidak disimpan pada pendaftaran ini: %s") % (
        "; ".join(f"{a.value} ({owner.full_name}, ID {owner.pk})" for a, owner in taken)) if taken else ""
    return create_member(
        actor=None, office=office, full_name=data["full_name"], position=data.get("position", ""),
        addresses=addresses, status=Member.Status.PENDING, source=Member.Source.SELF_REGISTRATION,
        consent=ConsentInput(list(data["purposes"]), Consent.Method.SELF_REGISTRATION, evidence),
        submitted_organization=submitted_org, submitted_category=data.get("category", ""), notes=notes,
    )


def _split_taken_addresses(office, addresses: list[AddressInput]) -> tuple[list[AddressInput], list]:
    """(addresses free to register, [(address, its current owner)]); a malformed address is refused as usual."""
    errors, free, taken = [], [], []
    for item in addresses:
        if not (item.value or "").strip():
            continue
        try:
            value = normalize_address(item.kind, item.value)
        except AddressError as exc:
            errors.append(str(exc))
            continue
        owner = Address.objects.filter(office=office, kind=item.kind, value=value).select_related("member").first()
        if owner is None:
            free.append(AddressInput(item.kind, value, item.opted_out, item.is_primary))
        else:
            taken.append((AddressInput(item.kind, value), owner.member))
    if errors:
        raise ValidationError({"addresses": errors})
    return free, taken
