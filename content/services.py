"""Every write to publications. Keyword-only, validated, transactional, audited.

Workflow: DRAFT -> REVIEW (content.write) -> PUBLISHED (content.publish, by someone other than the last editor)
-> ARCHIVED -> DRAFT. REVIEW -> DRAFT returns an item with a note. A PUBLISHED item is never changed by one person:
edits, restored revisions, new attachments and a new cover go into its pending PublicationChange, which someone
with content.publish who did not contribute to it approves (then it goes live) or rejects with a note. Taking
something down (archive, removing a live attachment or the cover) stays a one-person step. Role checks happen here
(PermissionDenied) as well as in the views, so the API and commands get the same rules; `actor=None` is the system
(seed commands) and skips them.
"""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import can
from audit.services import record
from bakohumas import portal_hooks
from bakohumas.locking import bump_version
from content import uploads
from content.models import Attachment, Publication, PublicationChange, Revision
from content.rendering import render_markdown
from content.selectors import last_editor_id, own_change_reason, stages_available_to
from lib.contacts import clean_plain_text
from lib.moments import format_moment
from lib.text import word_slug

Status = Publication.Status
ChangeStatus = PublicationChange.Status

MAX_BODY_CHARS = 200_000
MAX_TAGS = 20
MAX_ATTACHMENTS = 30
# A schedule typed a few seconds before pressing the button is not "in the past".
SCHEDULE_GRACE = timedelta(minutes=1)


def _public_side_changed(publication_pk: int) -> None:
    """After commit: the portal re-indexes the item and drops cached pages (see portal.services)."""
    portal_hooks.publication_changed(publication_pk)


def _bump_version(publication: Publication, expected_version: int | None, *, public: bool = True) -> None:
    """`public=False` when only staff-side state changes (a pending change): the portal needs no refresh."""
    if public:
        _public_side_changed(publication.pk)
    bump_version(publication, expected_version)


# Rules ---------------------------------------------------------------------------------------------------------

ROLE_MESSAGES = {
    "content.write": gettext_lazy("Peran Anda tidak berwenang menulis publikasi."),
    "content.publish": gettext_lazy("Peran Anda tidak berwenang meninjau atau menerbitkan publikasi."),
}


def _require(actor, capability: str, office) -> None:
    if actor is None:
        return
    if not can(actor, capability):
        raise PermissionDenied(str(ROLE_MESSAGES.get(capability, _("Anda tidak berwenang."))))
    if actor.office_id != office.pk:
        raise PermissionDenied(_("Publikasi ini milik satker lain; satker atasan hanya dapat membacanya."))


def _require_editable(actor, publication: Publication) -> None:
    """Text, schedule, attachments and cover may change until the item is archived. On a published item the
    change waits for a second person (see propose/approve below), so writers may propose it."""
    if publication.status == Status.ARCHIVED:
        raise ValidationError(_("Publikasi yang diarsipkan tidak dapat diubah. Keluarkan dari arsip dulu."))
    _require(actor, "content.write", publication.office)


def _wrong_state(publication: Publication, action: str, *expected: str) -> ValidationError:
    labels = ", ".join(f"“{Status(s).label}”" for s in expected)
    return ValidationError(
        _("Publikasi ini berstatus “%(status)s”, sehingga tidak dapat %(action)s (hanya dari status %(expected)s).")
        % {"status": publication.get_status_display(), "action": action, "expected": labels})


def _office_zone(office) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(office.timezone)


def _as_utc(value: datetime | None, office, *, round_up: bool = False) -> datetime | None:
    """Naive times are wall-clock times in the office's zone (WIB/WITA/WIT); everything is stored in UTC.

    Schedules are kept to the whole minute (pages are cached per minute): publishing rounds up, taking down
    rounds down, so nothing is public earlier or longer than asked."""
    if value is None:
        return None
    if value.year < 1900:
        raise ValidationError(_("Tanggal %s tidak masuk akal.") % value.date().isoformat())
    if timezone.is_naive(value):
        value = timezone.make_aware(value, _office_zone(office))
    value = value.astimezone(UTC)
    whole = value.replace(second=0, microsecond=0)
    return whole + timedelta(minutes=1) if round_up and whole != value else whole


def _local(value: datetime, office) -> str:
    return format_moment(value, office)


def _same_minute(a: datetime | None, b: datetime | None) -> bool:
    """Forms send minutes; a stored time with seconds is unchanged when it falls in the same minute."""
    if a is None or b is None:
        return a is b
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def _past_schedule(office, publish_at: datetime) -> ValidationError:
    return ValidationError({"publish_at": [
        _("Jadwal terbit sudah lewat (%s). Kosongkan agar terbit saat disetujui, atau pilih waktu mendatang.")
        % _local(publish_at, office)]})


def _validate_schedule(office, publish_at, unpublish_at, *, now, check_past: bool) -> None:
    if check_past and publish_at is not None and publish_at < now - SCHEDULE_GRACE:
        raise _past_schedule(office, publish_at)
    if unpublish_at is not None:
        start = publish_at or now
        if unpublish_at <= start:
            raise ValidationError({"unpublish_at": [
                _("Waktu berhenti tayang harus sesudah waktu terbit (%s).") % _local(start, office)]})


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned, seen = [], set()
    for raw in tags or []:
        try:
            tag = clean_plain_text(raw, max_length=50, label=_("Label"), required=False)
        except ValidationError as exc:
            raise ValidationError({"tags": exc.messages}) from exc
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": [_("Paling banyak %d label.") % MAX_TAGS]})
    return cleaned


# Word's manual line break (\x0b) and other control characters: invisible, and invalid in XML feeds.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(*, title: str, summary: str, body: str) -> tuple[str, str, str]:
    errors = {}
    try:
        title = clean_plain_text(title, max_length=200, label=_("Judul"))
    except ValidationError as exc:
        errors["title"] = exc.messages
    try:
        summary = clean_plain_text(summary, max_length=300, label=_("Ringkasan"), required=False)
    except ValidationError as exc:
        errors["summary"] = exc.messages
    body = CONTROL_CHARACTERS.sub("", (body or "").replace("\r\n", "\n")).strip("\n")
    if len(body) > MAX_BODY_CHARS:
        errors["body"] = [_("Isi terlalu panjang (maksimal %d karakter).") % MAX_BODY_CHARS]
    if errors:
        raise ValidationError(errors)
    return title, summary, body


def _validate_fields(office, *, kind: str, stage) -> None:
    if kind not in Publication.Kind.values:
        raise ValidationError({"kind": [_("Jenis publikasi tidak dikenal.")]})
    if stage is not None and not stages_available_to(office).filter(pk=stage.pk).exists():
        raise ValidationError({"stage": [
            _("Tahapan ini milik pemilihan yang tidak diselenggarakan untuk satker ini.")]})


def _slug_taken(office, slug: str, exclude_pk=None) -> bool:
    return Publication.objects.filter(office=office, slug=slug).exclude(pk=exclude_pk).exists()


def _explicit_slug(office, slug: str, exclude_pk=None) -> str:
    cleaned = slugify(slug)[:120].strip("-")
    if not cleaned:
        raise ValidationError({"slug": [_("Slug hanya boleh berisi huruf kecil, angka dan tanda hubung.")]})
    if _slug_taken(office, cleaned, exclude_pk):
        raise ValidationError({"slug": [
            _("Slug “%s” sudah dipakai publikasi lain di satker ini; pilih slug lain.") % cleaned]})
    return cleaned


def _auto_slug(office, title: str) -> str:
    base = word_slug(title, 110) or "publikasi"
    slug, n = base, 1
    while _slug_taken(office, slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


TEXT_FIELDS = ("title", "summary", "body", "body_html")


def snapshot(publication: Publication) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "kind": publication.kind, "title": publication.title, "slug": publication.slug,
        "summary": publication.summary, "status": publication.status, "tags": list(publication.tags),
        "stage": publication.stage_id, "publish_at": iso(publication.publish_at),
        "unpublish_at": iso(publication.unpublish_at), "body_chars": len(publication.body),
    }


def _write_revision(publication: Publication, actor) -> Revision:
    number = (publication.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return Revision.objects.create(
        publication=publication, number=number, title=publication.title, summary=publication.summary,
        body=publication.body, created_by=actor if actor is not None and actor.pk else None)


# Writing -------------------------------------------------------------------------------------------------------

@transaction.atomic
def create_publication(*, actor, office, kind: str, title: str, summary: str = "", body: str = "", slug: str = "",
                       tags=(), stage=None, publish_at: datetime | None = None,
                       unpublish_at: datetime | None = None) -> Publication:
    _require(actor, "content.write", office)
    title, summary, body = _clean_text(title=title, summary=summary, body=body)
    _validate_fields(office, kind=kind, stage=stage)
    tags = _clean_tags(tags)
    publish_at, unpublish_at = _as_utc(publish_at, office, round_up=True), _as_utc(unpublish_at, office)
    _validate_schedule(office, publish_at, unpublish_at, now=timezone.now(), check_past=True)
    slug = _explicit_slug(office, slug) if (slug or "").strip() else _auto_slug(office, title)
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                office=office, kind=kind, title=title, slug=slug, summary=summary, body=body,
                body_html=render_markdown(body), tags=tags, stage=stage, publish_at=publish_at,
                unpublish_at=unpublish_at, created_by=actor if actor is not None and actor.pk else None,
            )
    except IntegrityError as exc:
        raise ValidationError({"slug": [
            _("Slug “%s” baru saja dipakai publikasi lain di satker ini; simpan sekali lagi.") % slug]}) from exc
    revision = _write_revision(publication, actor)
    _public_side_changed(publication.pk)
    record(actor=actor, office=office, action="publication.created", target=publication,
           after={**snapshot(publication), "revision": revision.number})
    return publication


@transaction.atomic
def update_publication(*, actor, publication: Publication, expected_version: int | None, kind: str, title: str,
                       summary: str, body: str, tags=(), stage=None, publish_at: datetime | None = None,
                       unpublish_at: datetime | None = None, slug: str | None = None) -> Publication:
    """Save a new text and settings. Every save keeps a revision. `slug=None` or "" keeps the current slug; a
    slug cannot change once the item has been public (links already shared would break). On a published item
    nothing public changes: the values become its pending change (see approve_change)."""
    _require_editable(actor, publication)
    office = publication.office
    title, summary, body = _clean_text(title=title, summary=summary, body=body)
    _validate_fields(office, kind=kind, stage=stage)
    tags = _clean_tags(tags)
    publish_at, unpublish_at = _as_utc(publish_at, office, round_up=True), _as_utc(unpublish_at, office)
    if publication.status == Status.PUBLISHED and publish_at is None:
        raise ValidationError({"publish_at": [_("Publikasi yang sudah terbit harus tetap punya waktu terbit.")]})
    _validate_schedule(office, publish_at, unpublish_at, now=timezone.now(),
                       check_past=not _same_minute(publish_at, publication.publish_at))
    new_slug = publication.slug
    if (slug or "").strip() and slugify(slug) != publication.slug:
        if publication.first_published_at is not None:
            raise ValidationError({"slug": [_("Slug tidak dapat diubah setelah publikasi pernah terbit: tautan yang "
                                              "sudah dibagikan akan rusak.")]})
        new_slug = _explicit_slug(office, slug, exclude_pk=publication.pk)
    if publication.status == Status.PUBLISHED:
        _propose(actor=actor, publication=publication, expected_version=expected_version, kind=kind, title=title,
                 summary=summary, body=body, tags=tags, stage=stage, publish_at=publish_at,
                 unpublish_at=unpublish_at)
        return publication

    before = snapshot(publication)
    _bump_version(publication, expected_version)
    publication.kind, publication.title, publication.summary, publication.body = kind, title, summary, body
    publication.body_html = render_markdown(body)
    publication.slug, publication.tags, publication.stage = new_slug, tags, stage
    publication.publish_at, publication.unpublish_at = publish_at, unpublish_at
    try:
        with transaction.atomic():
            publication.save(update_fields=[*TEXT_FIELDS, "kind", "slug", "tags", "stage", "publish_at",
                                            "unpublish_at", "version", "updated_at"])
    except IntegrityError as exc:
        raise ValidationError({"slug": [_("Slug “%s” baru saja dipakai publikasi lain di satker ini.")
                                        % new_slug]}) from exc
    revision = _write_revision(publication, actor)
    action = "publication.corrected" if publication.status == Status.PUBLISHED else "publication.updated"
    record(actor=actor, office=office, action=action, target=publication, before=before,
           after={**snapshot(publication), "revision": revision.number})
    return publication


@transaction.atomic
def restore_revision(*, actor, publication: Publication, revision: Revision,
                     expected_version: int | None) -> Publication:
    """Bring back the title, summary and body of an earlier revision; this itself becomes a new revision (on a
    published item: the pending change, until a second person approves it)."""
    if revision.publication_id != publication.pk:
        raise ValidationError(_("Revisi ini milik publikasi lain."))
    _require_editable(actor, publication)
    if publication.status == Status.PUBLISHED:
        _propose(actor=actor, publication=publication, expected_version=expected_version, title=revision.title,
                 summary=revision.summary, body=revision.body, restored_revision=revision.number)
        return publication
    before = snapshot(publication)
    _bump_version(publication, expected_version)
    publication.title, publication.summary, publication.body = revision.title, revision.summary, revision.body
    publication.body_html = render_markdown(revision.body)
    publication.save(update_fields=[*TEXT_FIELDS, "version", "updated_at"])
    new = _write_revision(publication, actor)
    record(actor=actor, office=publication.office, action="publication.revision_restored", target=publication,
           before=before, after={**snapshot(publication), "restored_revision": revision.number,
                                 "revision": new.number})
    return publication


@transaction.atomic
def delete_draft(*, actor, publication: Publication, expected_version: int | None = None) -> None:
    """A draft that was never public can be thrown away; anything that was public is archived instead."""
    _require(actor, "content.write", publication.office)
    if publication.status not in {Status.DRAFT} or publication.first_published_at is not None:
        raise ValidationError(_("Hanya draf yang belum pernah terbit yang dapat dihapus; arsipkan publikasi lain."))
    _bump_version(publication, expected_version)
    files = [a.file for a in publication.attachments.all()] + ([publication.cover_image]
                                                               if publication.cover_image else [])
    record(actor=actor, office=publication.office, action="publication.deleted", target=publication,
           before=snapshot(publication))
    publication.delete()
    _delete_files_after_commit(files)


# Workflow ------------------------------------------------------------------------------------------------------

def _transition(*, actor, publication: Publication, expected_version: int | None, to: str, action: str,
                extra: dict | None = None, fields: tuple[str, ...] = ()) -> Publication:
    before = {"status": publication.status}
    _bump_version(publication, expected_version)
    publication.status = to
    publication.save(update_fields=["status", "version", "updated_at", *fields])
    record(actor=actor, office=publication.office, action=action, target=publication, before=before,
           after={"status": to, **(extra or {})})
    return publication


@transaction.atomic
def submit_for_review(*, actor, publication: Publication, expected_version: int | None = None) -> Publication:
    _require(actor, "content.write", publication.office)
    if publication.status != Status.DRAFT:
        raise _wrong_state(publication, _("diajukan untuk ditinjau"), Status.DRAFT)
    if not publication.body.strip() and not publication.attachments.exists():
        raise ValidationError(_("Isi publikasi masih kosong. Tulis isinya atau lampirkan dokumen sebelum "
                                "mengajukan tinjauan."))
    return _transition(actor=actor, publication=publication, expected_version=expected_version, to=Status.REVIEW,
                       action="publication.submitted")


@transaction.atomic
def return_to_draft(*, actor, publication: Publication, note: str,
                    expected_version: int | None = None) -> Publication:
    _require(actor, "content.publish", publication.office)
    if publication.status != Status.REVIEW:
        raise _wrong_state(publication, _("dikembalikan ke draf"), Status.REVIEW)
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": [_("Tulis catatan untuk penulis: apa yang perlu diperbaiki.")]})
    return _transition(actor=actor, publication=publication, expected_version=expected_version, to=Status.DRAFT,
                       action="publication.returned", extra={"note": note[:1000]})


@transaction.atomic
def approve_and_publish(*, actor, publication: Publication, expected_version: int | None = None,
                        publish_at: datetime | None = None) -> Publication:
    """Second pair of eyes: the approver is not the person who saved the text last. Publishes now, or at the
    scheduled publish_at (the item's own, or `publish_at` given here by the approver; naive = office zone); the
    item is public from then until unpublish_at (see content.selectors.live)."""
    _require(actor, "content.publish", publication.office)
    if publication.status != Status.REVIEW:
        raise _wrong_state(publication, _("disetujui dan diterbitkan"), Status.REVIEW)
    if actor is not None and last_editor_id(publication) == actor.pk:
        raise ValidationError(_("Anda yang terakhir mengubah publikasi ini, jadi tidak dapat menyetujuinya sendiri. "
                                "Persetujuan harus diberikan oleh orang lain (prinsip empat mata)."))
    now = timezone.now()
    office = publication.office
    publish_at = _as_utc(publish_at, office, round_up=True) or publication.publish_at
    if publish_at is not None and publish_at < now - SCHEDULE_GRACE:
        raise _past_schedule(office, publish_at)
    publish_at = publish_at or now.replace(second=0, microsecond=0)
    _validate_schedule(office, publish_at, publication.unpublish_at, now=now, check_past=False)
    publication.publish_at = publish_at
    publication.first_published_at = publication.first_published_at or publish_at
    publication.reviewed_by = actor if actor is not None and actor.pk else None
    return _transition(
        actor=actor, publication=publication, expected_version=expected_version, to=Status.PUBLISHED,
        action="publication.published", fields=("publish_at", "first_published_at", "reviewed_by"),
        extra={"publish_at": publish_at.isoformat(), "scheduled": publish_at > now + SCHEDULE_GRACE,
               "unpublish_at": publication.unpublish_at.isoformat() if publication.unpublish_at else None})


@transaction.atomic
def archive(*, actor, publication: Publication, expected_version: int | None = None, note: str = "") -> Publication:
    _require(actor, "content.publish", publication.office)
    if publication.status != Status.PUBLISHED:
        raise _wrong_state(publication, _("diarsipkan"), Status.PUBLISHED)
    change = (PublicationChange.objects.select_for_update()
              .filter(publication=publication, status=ChangeStatus.PENDING).first())
    if change is not None:
        _close_change(actor, change, status=ChangeStatus.CANCELLED, action="publication.change_cancelled",
                      note=_("Publikasi diarsipkan."))
    return _transition(actor=actor, publication=publication, expected_version=expected_version, to=Status.ARCHIVED,
                       action="publication.archived", extra={"note": " ".join(note.split())[:1000]} if note else {})


@transaction.atomic
def unarchive(*, actor, publication: Publication, expected_version: int | None = None) -> Publication:
    """Back to DRAFT for another round of review. The old schedule is cleared: it lies in the past."""
    _require(actor, "content.publish", publication.office)
    if publication.status != Status.ARCHIVED:
        raise _wrong_state(publication, _("dikeluarkan dari arsip"), Status.ARCHIVED)
    publication.publish_at = publication.unpublish_at = publication.reviewed_by = None
    return _transition(actor=actor, publication=publication, expected_version=expected_version, to=Status.DRAFT,
                       action="publication.unarchived", fields=("publish_at", "unpublish_at", "reviewed_by"))


# Changes to published items ------------------------------------------------------------------------------------

CHANGE_FIELDS = ("kind", "title", "summary", "body", "tags", "stage", "publish_at", "unpublish_at")


def change_snapshot(change: PublicationChange) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "change": change.pk, "kind": change.kind, "title": change.title, "summary": change.summary,
        "tags": list(change.tags), "stage": change.stage_id, "publish_at": iso(change.publish_at),
        "unpublish_at": iso(change.unpublish_at), "body_chars": len(change.body),
        "cover_changed": change.cover_changed, "cover_alt": change.cover_alt if change.cover_changed else None,
        "attachments": list(change.attachments.values_list("pk", flat=True)) if change.pk else [],
    }


def _open_change(publication: Publication) -> PublicationChange:
    """The item's pending change, locked; a new one starting from the live values when none waits."""
    change = (PublicationChange.objects.select_for_update()
              .filter(publication=publication, status=ChangeStatus.PENDING).first())
    if change is None:
        change = PublicationChange(publication=publication, **{f: getattr(publication, f) for f in CHANGE_FIELDS})
        change.tags = list(publication.tags)
    return change


def _touch_change(change: PublicationChange, actor) -> None:
    """The actor changed the proposal: they become its proposer and may no longer approve it."""
    change.proposed_by = actor if actor is not None and actor.pk else None
    change.proposed_at = timezone.now()
    if change.proposed_by is not None and actor.pk not in change.contributors:
        change.contributors = [*change.contributors, actor.pk]
    change.save()


def _propose(*, actor, publication: Publication, expected_version: int | None, restored_revision: int | None = None,
             **values) -> PublicationChange:
    """Store already validated values in the pending change of a published item; the live item is untouched."""
    _bump_version(publication, expected_version, public=False)
    change = _open_change(publication)
    before = change_snapshot(change) if change.pk else None
    for field, value in values.items():
        setattr(change, field, value)
    _touch_change(change, actor)
    after = change_snapshot(change)
    if restored_revision is not None:
        after["restored_revision"] = restored_revision
    record(actor=actor, office=publication.office, action="publication.change_proposed", target=publication,
           before=before, after=after)
    return change


def _staged_change(actor, publication: Publication) -> PublicationChange:
    """For attachments and cover: the pending change they join, marked as changed by the actor."""
    _bump_version(publication, None, public=False)
    change = _open_change(publication)
    _touch_change(change, actor)
    return change


def _pending_or_error(publication: Publication) -> PublicationChange:
    change = (PublicationChange.objects.select_for_update()
              .filter(publication=publication, status=ChangeStatus.PENDING).first())
    if change is None:
        raise ValidationError(_("Tidak ada perubahan yang menunggu persetujuan pada publikasi ini."))
    return change


def _discard_staged_files(change: PublicationChange) -> None:
    files = [a.file for a in change.attachments.all()] + ([change.cover_image] if change.cover_image else [])
    change.attachments.all().delete()
    _delete_files_after_commit(files)


@transaction.atomic
def approve_change(*, actor, publication: Publication, expected_version: int | None = None) -> PublicationChange:
    """Second pair of eyes on a published item: the pending change goes live. Nobody who changed the proposal may
    approve it (the same four-eyes rule as the first publication, applied to every contributor)."""
    _require(actor, "content.publish", publication.office)
    if publication.status != Status.PUBLISHED:
        raise _wrong_state(publication, _("disetujui perubahannya"), Status.PUBLISHED)
    change = _pending_or_error(publication)
    reason = own_change_reason(actor, change)
    if reason:
        raise ValidationError(reason)
    office = publication.office
    _validate_fields(office, kind=change.kind, stage=change.stage)
    if change.publish_at is None:
        raise ValidationError({"publish_at": [_("Publikasi yang sudah terbit harus tetap punya waktu terbit.")]})
    _validate_schedule(office, change.publish_at, change.unpublish_at, now=timezone.now(),
                       check_past=not _same_minute(change.publish_at, publication.publish_at))
    before = snapshot(publication)
    _bump_version(publication, expected_version)
    for field in CHANGE_FIELDS:
        setattr(publication, field, getattr(change, field))
    publication.body_html = render_markdown(change.body)
    publication.reviewed_by = actor if actor is not None and actor.pk else None
    fields = [*TEXT_FIELDS, "kind", "tags", "stage", "publish_at", "unpublish_at", "reviewed_by", "version",
              "updated_at"]
    if change.cover_changed and (change.cover_image or publication.cover_image):
        if change.cover_image:
            if publication.cover_image:
                _delete_files_after_commit([publication.cover_image])
            publication.cover_image.name = change.cover_image.name
        publication.cover_alt = change.cover_alt
        fields += ["cover_image", "cover_alt"]
    publication.save(update_fields=fields)
    added = list(change.attachments.values_list("pk", flat=True))
    change.attachments.update(change=None)
    revision = _write_revision(publication, change.proposed_by)
    change.status, change.decided_by, change.decided_at = ChangeStatus.APPROVED, publication.reviewed_by, timezone.now()
    change.cover_image = ""  # the file now belongs to the publication
    change.save(update_fields=["status", "decided_by", "decided_at", "cover_image"])
    record(actor=actor, office=office, action="publication.change_approved", target=publication, before=before,
           after={**snapshot(publication), "change": change.pk, "proposed_by": change.proposed_by_id,
                  "revision": revision.number, "attachments_added": added})
    return change


@transaction.atomic
def reject_change(*, actor, publication: Publication, note: str,
                  expected_version: int | None = None) -> PublicationChange:
    """The pending change is dropped with a note for its proposer; the live item stays as it is."""
    _require(actor, "content.publish", publication.office)
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": [_("Tulis catatan untuk pengusul: mengapa perubahan ini ditolak.")]})
    change = _pending_or_error(publication)
    _bump_version(publication, expected_version, public=False)
    _close_change(actor, change, status=ChangeStatus.REJECTED, action="publication.change_rejected", note=note)
    return change


def _close_change(actor, change: PublicationChange, *, status: str, action: str, note: str = "") -> None:
    before = change_snapshot(change)
    _discard_staged_files(change)
    change.status, change.decided_at, change.note = status, timezone.now(), note[:1000]
    change.decided_by = actor if actor is not None and actor.pk else None
    change.cover_image = ""
    change.save(update_fields=["status", "decided_by", "decided_at", "note", "cover_image"])
    record(actor=actor, office=change.publication.office, action=action, target=change.publication, before=before,
           after={"change": change.pk, "status": status, "proposed_by": change.proposed_by_id,
                  **({"note": change.note} if change.note else {})})


# Files ---------------------------------------------------------------------------------------------------------

def _delete_files_after_commit(files) -> None:
    names = [(f.storage, f.name) for f in files if f]

    def delete():
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def add_attachment(*, actor, publication: Publication, uploaded_file, title: str = "") -> Attachment:
    _require_editable(actor, publication)
    if publication.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"file": [_("Paling banyak %d lampiran per publikasi.") % MAX_ATTACHMENTS]})
    checked = uploads.check_attachment(uploaded_file)
    default_title = checked.original_name.rsplit(".", 1)[0]
    try:
        title = clean_plain_text(title or default_title, max_length=200, label=_("Judul lampiran"))
    except ValidationError as exc:
        raise ValidationError({"title": exc.messages}) from exc
    change = None
    if publication.status == Status.PUBLISHED:
        change = _staged_change(actor, publication)
    else:
        _bump_version(publication, None)
    attachment = Attachment(publication=publication, change=change, title=title,
                            original_name=checked.original_name, content_type=checked.kind.content_type,
                            size=checked.size)
    attachment.file.save(checked.storage_name, uploaded_file, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    record(actor=actor, office=publication.office, action="publication.attachment_added", target=publication,
           after={"attachment": attachment.pk, "title": title, "file": checked.original_name,
                  "content_type": attachment.content_type, "size": attachment.size,
                  **({"change": change.pk} if change is not None else {})})
    return attachment


@transaction.atomic
def remove_attachment(*, actor, attachment: Attachment) -> None:
    """An attachment waiting in a change leaves the proposal; taking a live one off a published item is a
    one-person step for someone who may publish (nothing new becomes public)."""
    publication = attachment.publication
    _require_editable(actor, publication)
    staged = attachment.change_id is not None
    if staged:
        _staged_change(actor, publication)
    elif publication.status == Status.PUBLISHED:
        _require(actor, "content.publish", publication.office)
        _bump_version(publication, None)
    else:
        _bump_version(publication, None)
    record(actor=actor, office=publication.office, action="publication.attachment_removed", target=publication,
           before={"attachment": attachment.pk, "title": attachment.title, "file": attachment.original_name,
                   **({"change": attachment.change_id} if staged else {})})
    attachment.delete()
    _delete_files_after_commit([attachment.file])


@transaction.atomic
def set_cover_image(*, actor, publication: Publication, uploaded_file=None, alt: str) -> Publication:
    """A new cover image (checked like image attachments), or only a new alt text when no file is given.
    The alt text is required: it is what a screen reader says instead of the picture."""
    _require_editable(actor, publication)
    try:
        alt = clean_plain_text(alt, max_length=200, label=_("Teks alternatif gambar"))
    except ValidationError as exc:
        raise ValidationError({"cover_alt": [*exc.messages, _("Jelaskan isi gambar untuk pembaca tunanetra.")]}
                              ) from exc
    uploaded_file = uploaded_file or None  # a cleared file field gives False
    if uploaded_file is None and not publication.cover_image:
        raise ValidationError({"cover_image": [_("Pilih berkas gambar.")]})
    checked = uploads.check_image(uploaded_file) if uploaded_file is not None else None
    if publication.status == Status.PUBLISHED:
        return _stage_cover(actor, publication, uploaded_file if checked is not None else None, checked, alt)
    before = {"cover_image": publication.cover_image.name or None, "cover_alt": publication.cover_alt}
    _bump_version(publication, None)
    old = publication.cover_image if checked is not None and publication.cover_image else None
    old_name = old.name if old else None
    if checked is not None:
        publication.cover_image.save(checked.storage_name, uploaded_file, save=False)
    publication.cover_alt = alt
    publication.save(update_fields=["cover_image", "cover_alt", "version", "updated_at"])
    if old_name:
        storage = publication.cover_image.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    record(actor=actor, office=publication.office, action="publication.cover_set", target=publication,
           before=before, after={"cover_image": publication.cover_image.name, "cover_alt": alt})
    return publication


def _stage_cover(actor, publication: Publication, uploaded_file, checked, alt: str) -> Publication:
    """A new cover for a published item waits in its pending change."""
    change = _staged_change(actor, publication)
    before = {"cover_image": change.cover_image.name or None, "cover_alt": change.cover_alt,
              "change": change.pk} if change.cover_changed else None
    if checked is not None:
        if change.cover_image:
            _delete_files_after_commit([change.cover_image])
        change.cover_image.save(checked.storage_name, uploaded_file, save=False)
    change.cover_changed, change.cover_alt = True, alt
    change.save(update_fields=["cover_changed", "cover_image", "cover_alt"])
    record(actor=actor, office=publication.office, action="publication.cover_set", target=publication,
           before=before, after={"cover_image": change.cover_image.name or None, "cover_alt": alt,
                                 "change": change.pk})
    return publication


@transaction.atomic
def remove_cover_image(*, actor, publication: Publication) -> Publication:
    """Taking the cover off a published item is immediate (nothing new becomes public) and needs content.publish."""
    _require_editable(actor, publication)
    if publication.status == Status.PUBLISHED:
        _require(actor, "content.publish", publication.office)
    if not publication.cover_image:
        return publication
    _bump_version(publication, None)
    old_name, storage = publication.cover_image.name, publication.cover_image.storage
    publication.cover_image, publication.cover_alt = "", ""
    publication.save(update_fields=["cover_image", "cover_alt", "version", "updated_at"])
    transaction.on_commit(lambda: storage.delete(old_name))
    record(actor=actor, office=publication.office, action="publication.cover_removed", target=publication,
           before={"cover_image": old_name})
    return publication
