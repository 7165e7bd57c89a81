"""Clarifications: written by one person, approved and published by another."""

from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from audit.services import record
from bakohumas.locking import ConflictError
from factcheck import index
from factcheck.models import Claim, ClaimNote, Clarification, Notice, Report, Verdict
from factcheck.services._common import OPEN, _require
from factcheck.services.claims import _save_claim
from factcheck.services.notices import _enqueue_notices, notice_text
from lib.text import word_slug


def _clean_clarification(values: dict) -> dict:
    cleaned = {
        "claim_reviewed": " ".join((values.get("claim_reviewed") or "").split()),
        "verdict": values.get("verdict") or "",
        "summary": " ".join((values.get("summary") or "").split()),
        "body": (values.get("body") or "").replace("\r\n", "\n").strip(),
        "item_reviewed_url": (values.get("item_reviewed_url") or "").strip(),
    }
    evidence = values.get("evidence") or []
    errors: dict[str, str] = {}
    if not cleaned["claim_reviewed"]:
        errors["claim_reviewed"] = _("Tulis klaim yang diperiksa.")
    elif len(cleaned["claim_reviewed"]) > 500:
        errors["claim_reviewed"] = _("Klaim paling banyak 500 karakter.")
    if cleaned["verdict"] not in Verdict.values:
        errors["verdict"] = _("Pilih putusan.")
    if not cleaned["summary"]:
        errors["summary"] = _("Tulis penjelasan singkat (dua baris) yang dikirim kepada pelapor.")
    elif len(cleaned["summary"]) > 300:
        errors["summary"] = _("Penjelasan singkat paling banyak 300 karakter: cukup dua baris untuk pesan.")
    if len(cleaned["body"]) > 20_000:
        errors["body"] = _("Penjelasan lengkap paling banyak 20.000 karakter.")
    url = cleaned["item_reviewed_url"]
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
        errors["item_reviewed_url"] = _("Tautan tidak valid: tulis alamat lengkap dengan https://.")
    links = []
    for number, link in enumerate(line.strip() for line in evidence if line.strip()):
        if urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).hostname:
            errors["evidence"] = _("Baris %(n)s bukan tautan http(s) yang lengkap.") % {"n": number + 1}
            break
        links.append(link[:500])
    cleaned["evidence"] = links[:20]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _unique_slug(office, text: str) -> str:
    base = word_slug(text, 100) or "klarifikasi"
    slug, n = base, 2
    while Clarification.objects.filter(office=office, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _snapshot(c: Clarification) -> dict:
    return {"claim_reviewed": c.claim_reviewed, "verdict": c.verdict, "summary": c.summary, "status": c.status,
            "revision": c.revision}


@transaction.atomic
def save_clarification(*, actor, office, claim: Claim | None = None, clarification: Clarification | None = None,
                       expected_version: int | None = None, **values) -> Clarification:
    """Create or edit a draft. A published clarification changes only through correct_clarification()."""
    _require(actor, "factcheck.verify", office)
    cleaned = _clean_clarification(values)
    if clarification is None:
        if claim is not None and claim.office_id != office.pk:
            raise PermissionDenied("claim of another office")
        clarification = Clarification.objects.create(office=office, claim=claim, author=actor, edited_by=actor,
                                                     slug=_unique_slug(office, cleaned["claim_reviewed"]), **cleaned)
        record(actor=actor, office=office, action="factcheck.clarification_created", target=clarification,
               after=_snapshot(clarification))
        if claim is not None and claim.status == Claim.Status.NEW:
            Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.VERIFYING, updated_at=timezone.now())
        return clarification
    _require(actor, "factcheck.verify", clarification.office)
    current = Clarification.objects.select_for_update().get(pk=clarification.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(_("Klarifikasi ini baru saja diubah orang lain. Muat ulang halaman."))
    if current.status not in (Clarification.Status.DRAFT, Clarification.Status.PENDING) or current.is_external:
        raise ValidationError(_("Klarifikasi yang sudah terbit diubah lewat koreksi, agar riwayatnya terlihat."))
    before = _snapshot(current)
    for key, value in cleaned.items():
        setattr(current, key, value)
    current.edited_by = actor
    current.status = Clarification.Status.DRAFT   # an edit after submission needs approval again
    current.version += 1
    current.save()
    record(actor=actor, office=office, action="factcheck.clarification_edited", target=current, before=before,
           after=_snapshot(current))
    return current


def _locked_clarification(actor, clarification: Clarification, capability: str, status: str,
                          refusal: str) -> Clarification:
    _require(actor, capability, clarification.office)
    current = Clarification.objects.select_for_update().get(pk=clarification.pk)
    if current.status != status:
        raise ValidationError(refusal)
    return current


@transaction.atomic
def submit_clarification(*, actor, clarification: Clarification) -> Clarification:
    current = _locked_clarification(actor, clarification, "factcheck.verify", Clarification.Status.DRAFT,
                                    _("Hanya draf yang dapat diajukan untuk disetujui."))
    current.status, current.author = Clarification.Status.PENDING, current.author or actor
    current.version += 1
    current.save()
    record(actor=actor, office=current.office, action="factcheck.clarification_submitted", target=current)
    return current


@transaction.atomic
def publish_clarification(*, actor, clarification: Clarification) -> Clarification:
    """A second person approves: it goes on the portal, the claim is done, and every reporter is told."""
    # The claim is locked before the clarification, in the order merge_claims() takes them (no deadlock).
    claim = _claim_to_close(Clarification.objects.filter(pk=clarification.pk).values_list("claim_id",
                                                                                           flat=True).first())
    current = _locked_clarification(actor, clarification, "factcheck.approve", Clarification.Status.PENDING,
                                    _("Klarifikasi harus diajukan dulu sebelum disetujui."))
    if actor.pk in (current.author_id, current.edited_by_id):
        raise ValidationError(_("Klarifikasi disetujui oleh staf lain, bukan yang menulis atau terakhir mengubahnya."))
    current.status, current.approved_by = Clarification.Status.PUBLISHED, actor
    current.claim = claim or current.claim
    current.published_at = current.published_at or timezone.now()
    current.version += 1
    current.save()
    record(actor=actor, office=current.office, action="factcheck.clarification_published", target=current,
           after=_snapshot(current))
    reports = []
    if claim is not None:
        claim.status, claim.resolution = Claim.Status.DONE, Claim.Resolution.CLARIFIED
        _save_claim(claim, ["status", "resolution"])
        reports = list(Report.objects.filter(claim=claim, status=Report.Status.QUEUED).values_list("pk", flat=True))
        Report.objects.filter(pk__in=reports).update(status=Report.Status.ANSWERED, answered_with=current)
    transaction.on_commit(lambda: _enqueue_notices(current.pk, Notice.Kind.ANSWER, reports))
    _published_changed(current.pk)
    _embed_later([current.pk])
    return current


def _claim_to_close(claim_id: int | None) -> Claim | None:
    """The open claim a clarification answers, locked (a report being filed waits, then files elsewhere); if it
    was merged meanwhile, the claim it was merged into."""
    seen = set()
    while claim_id is not None and claim_id not in seen:
        seen.add(claim_id)
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.resolution == Claim.Resolution.MERGED and claim.merged_into_id is not None:
            claim_id = claim.merged_into_id
            continue
        return claim if claim.status in OPEN else None   # answered otherwise, or dismissed: left as it is
    return None


def _published_changed(clarification_id: int) -> None:
    """A published clarification appeared, or its text, status or office changed: called inside the service's
    transaction. Every process's matching index re-reads it from the change log; the portal's cached pages are
    stale once it commits."""
    from portal.services import bump_generation

    index.log_change(clarification_id)
    transaction.on_commit(bump_generation)


def _embed_later(clarification_ids: list[int]) -> None:
    """With semantic re-ranking on, the worker computes the clarification's vector (about 0.1 s each)."""
    from factcheck import semantic

    if semantic.enabled() and clarification_ids:
        from factcheck.tasks import embed_clarification

        for pk in clarification_ids:
            transaction.on_commit(lambda pk=pk: embed_clarification.enqueue(pk))


@transaction.atomic
def return_clarification(*, actor, clarification: Clarification, reason: str) -> Clarification:
    current = _locked_clarification(actor, clarification, "factcheck.approve", Clarification.Status.PENDING,
                                    _("Hanya klarifikasi yang menunggu persetujuan yang dapat dikembalikan."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Tulis apa yang perlu diperbaiki.")})
    current.status = Clarification.Status.DRAFT
    current.version += 1
    current.save()
    if current.claim_id:
        ClaimNote.objects.create(claim_id=current.claim_id, author=actor,
                                 text=_("Klarifikasi dikembalikan: %(reason)s") % {"reason": reason})
    record(actor=actor, office=current.office, action="factcheck.clarification_returned", target=current,
           after={"reason": reason})
    return current


@transaction.atomic
def broadcast_clarification(*, actor, clarification: Clarification):
    """One click: a broadcast draft to the whole forum with the verdict, the two lines and the link."""
    from broadcasts.services import create_broadcast

    if clarification.status != Clarification.Status.PUBLISHED or clarification.office_id != actor.office_id:
        raise ValidationError(_("Hanya klarifikasi terbit milik satker ini yang dapat disiarkan."))
    with override("id"):
        text = notice_text(clarification, Notice.Kind.ANSWER, tracking_number="")
        title = _("Klarifikasi: %(claim)s") % {"claim": " ".join(clarification.claim_reviewed.split())[:150]}
    return create_broadcast(actor=actor, office=clarification.office, title=title[:200], text=text,
                            audience_all=True)
