"""Claims: the verifiers' workflow."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.permissions import can
from audit.services import record
from bakohumas.locking import ConflictError
from factcheck import selectors
from factcheck.models import Claim, ClaimNote, Clarification, Notice, Report
from factcheck.services._common import MAX_TEXT, OPEN, _require
from factcheck.services.notices import _enqueue_notices


def _locked_claim(claim: Claim, expected_version: int | None) -> Claim:
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(_("Klaim ini baru saja diubah orang lain. Muat ulang halaman."))
    return current


def _save_claim(claim: Claim, fields: list[str]) -> None:
    claim.version += 1
    claim.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def assign_claim(*, actor, claim: Claim, assignee) -> Claim:
    _require(actor, "factcheck.verify", claim.office)
    current = _locked_claim(claim, None)
    if assignee is not None and (assignee.office_id != current.office_id or not can(assignee, "factcheck.verify")):
        raise ValidationError({"assignee": _("Pilih verifikator dari satker ini.")})
    before = current.assigned_to_id
    current.assigned_to = assignee
    if assignee is not None and current.status == Claim.Status.NEW:
        current.status = Claim.Status.VERIFYING
    _save_claim(current, ["assigned_to", "status"])
    record(actor=actor, office=current.office, action="factcheck.claim_assigned", target=current,
           before={"assigned_to": before}, after={"assigned_to": assignee.pk if assignee else None})
    return current


@transaction.atomic
def start_verification(*, actor, claim: Claim, expected_version: int | None = None) -> Claim:
    _require(actor, "factcheck.verify", claim.office)
    current = _locked_claim(claim, expected_version)
    if current.status != Claim.Status.NEW:
        raise ValidationError(_("Hanya klaim baru yang dapat mulai diverifikasi."))
    current.status = Claim.Status.VERIFYING
    current.assigned_to = current.assigned_to or actor
    _save_claim(current, ["status", "assigned_to"])
    record(actor=actor, office=current.office, action="factcheck.claim_verifying", target=current)
    return current


@transaction.atomic
def update_claim(*, actor, claim: Claim, summary: str, evidence: list[str], expected_version: int | None) -> Claim:
    _require(actor, "factcheck.verify", claim.office)
    current = _locked_claim(claim, expected_version)
    summary = " ".join((summary or "").split())
    errors = {}
    if not summary:
        errors["summary"] = _("Tulis ringkasan klaim.")
    elif len(summary) > 300:
        errors["summary"] = _("Ringkasan paling banyak 300 karakter.")
    links = []
    for number, link in enumerate(line.strip() for line in evidence if line.strip()):
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors["evidence"] = _("Baris %(n)s bukan tautan http(s) yang lengkap.") % {"n": number + 1}
            break
        links.append(link[:500])
    if errors:
        raise ValidationError(errors)
    before = {"summary": current.summary, "evidence": current.evidence}
    current.summary, current.evidence = summary, links[:20]
    _save_claim(current, ["summary", "evidence"])
    record(actor=actor, office=current.office, action="factcheck.claim_updated", target=current, before=before,
           after={"summary": summary, "evidence": links})
    return current


@transaction.atomic
def add_claim_note(*, actor, claim: Claim, text: str) -> ClaimNote:
    _require(actor, "factcheck.verify", claim.office)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Catatan kosong.")})
    note = ClaimNote.objects.create(claim=claim, author=actor, text=text[:MAX_TEXT])
    record(actor=actor, office=claim.office, action="factcheck.claim_noted", target=claim)
    return note


def _bulk_claims(actor, office, claim_ids) -> list[Claim]:
    _require(actor, "factcheck.verify", office)
    claims = list(Claim.objects.select_for_update().filter(pk__in=claim_ids, office=office, status__in=OPEN)
                  .order_by("pk"))
    if not claims:
        raise ValidationError(_("Pilih setidaknya satu klaim yang masih terbuka."))
    return claims


@transaction.atomic
def merge_claims(*, actor, office, claim_ids: list[int], into_id: int | None = None) -> Claim:
    """Reports of the chosen claims move to one claim (the one named, else the one with most reports)."""
    claims = _bulk_claims(actor, office, claim_ids)
    if len(claims) < 2:
        raise ValidationError(_("Pilih dua klaim atau lebih untuk digabung."))
    target = next((c for c in claims if c.pk == into_id), None) or max(claims, key=lambda c: (c.report_count, -c.pk))
    others = [c for c in claims if c.pk != target.pk]
    for other in others:
        Report.objects.filter(claim=other).update(claim=target)
        Clarification.objects.filter(claim=other).update(claim=target)
        other.status, other.resolution, other.merged_into = Claim.Status.DONE, Claim.Resolution.MERGED, target
        # Its reports now belong to the target: the merged claim counts none, as its report table shows.
        other.report_count = other.forwarded_many_count = 0
        _save_claim(other, ["status", "resolution", "merged_into", "report_count", "forwarded_many_count"])
    target.report_count = Report.objects.filter(claim=target).count()
    target.forwarded_many_count = Report.objects.filter(claim=target, frequently_forwarded=True).count()
    target.first_reported_at = min(c.first_reported_at for c in claims)
    target.last_reported_at = max(c.last_reported_at for c in claims)
    _save_claim(target, ["report_count", "forwarded_many_count", "first_reported_at", "last_reported_at"])
    record(actor=actor, office=office, action="factcheck.claims_merged", target=target,
           after={"merged": [c.pk for c in others]})
    return target


@transaction.atomic
def dismiss_claims(*, actor, office, claim_ids: list[int]) -> int:
    """Spam or not a claim at all: closed without a clarification; nobody is notified."""
    claims = _bulk_claims(actor, office, claim_ids)
    for claim in claims:
        claim.status, claim.resolution = Claim.Status.DONE, Claim.Resolution.SPAM
        _save_claim(claim, ["status", "resolution"])
        Report.objects.filter(claim=claim, status=Report.Status.QUEUED).update(status=Report.Status.DISMISSED)
        record(actor=actor, office=office, action="factcheck.claim_dismissed", target=claim)
    return len(claims)


@transaction.atomic
def assign_claims(*, actor, office, claim_ids: list[int], assignee) -> int:
    claims = _bulk_claims(actor, office, claim_ids)
    for claim in claims:
        assign_claim(actor=actor, claim=claim, assignee=assignee)
    return len(claims)


@transaction.atomic
def answer_claim_with(*, actor, claim: Claim, clarification: Clarification) -> Claim:
    """The claim is already answered by a published clarification (here, above, or imported): every reporter is
    told it and the claim is done."""
    _require(actor, "factcheck.verify", claim.office)
    current = _locked_claim(claim, None)
    if clarification.status != Clarification.Status.PUBLISHED or clarification.office_id not in \
            selectors.matchable_office_ids(current.office):
        raise ValidationError(_("Pilih klarifikasi terbit dari satker ini atau satker di atasnya."))
    current.status, current.resolution = Claim.Status.DONE, Claim.Resolution.CLARIFIED
    _save_claim(current, ["status", "resolution"])
    reports = list(Report.objects.filter(claim=current, status=Report.Status.QUEUED).values_list("pk", flat=True))
    Report.objects.filter(pk__in=reports).update(status=Report.Status.ANSWERED, answered_with=clarification)
    record(actor=actor, office=current.office, action="factcheck.claim_answered", target=current,
           after={"clarification": clarification.pk, "reports": len(reports)})
    transaction.on_commit(lambda: _enqueue_notices(clarification.pk, Notice.Kind.ANSWER, reports))
    return current
