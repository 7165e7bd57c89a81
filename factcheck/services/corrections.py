"""Corrections and withdrawals of published clarifications: proposed by one person, approved by another."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from factcheck.models import Claim, Clarification, ClarificationChange, Correction, Notice, Report
from factcheck.services._common import _require
from factcheck.services.clarifications import _clean_clarification, _embed_later, _published_changed, _snapshot
from factcheck.services.notices import _enqueue_notices
from factcheck.services.reports import _enqueue_refile


def _open_published(actor, clarification: Clarification, capability: str) -> Clarification:
    _require(actor, capability, clarification.office)
    current = Clarification.objects.select_for_update().get(pk=clarification.pk)
    if current.status != Clarification.Status.PUBLISHED:
        raise ValidationError(_("Hanya klarifikasi terbit yang dapat dikoreksi atau ditarik."))
    if current.changes.filter(status=ClarificationChange.Status.PENDING).exists():
        raise ValidationError(_("Sudah ada koreksi atau penarikan yang menunggu persetujuan. Setujui atau tolak "
                                "dulu yang itu."))
    return current


def _change_snapshot(change: ClarificationChange) -> dict:
    values = {"change": change.pk, "kind": change.kind, "note": change.note}
    if change.kind == ClarificationChange.Kind.CORRECTION:
        values.update(claim_reviewed=change.claim_reviewed, verdict=change.verdict, summary=change.summary)
    return values


@transaction.atomic
def propose_correction(*, actor, clarification: Clarification, note: str, **values) -> ClarificationChange:
    """A correction of a published clarification (text and/or verdict), with the note that will show on its page.
    Nothing public changes and nobody is notified until a second person approves it (approve_change)."""
    current = _open_published(actor, clarification, "factcheck.verify")
    if current.is_external:
        raise ValidationError(_("Cek fakta impor tidak dikoreksi di sini; koreksinya dibuat penerbitnya."))
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": _("Tulis apa yang dikoreksi: catatan ini tampil di halaman klarifikasi.")})
    cleaned = _clean_clarification(values)
    if all(getattr(current, key) == value for key, value in cleaned.items()):
        raise ValidationError(_("Koreksi ini tidak mengubah apa pun."))
    change = ClarificationChange.objects.create(clarification=current, kind=ClarificationChange.Kind.CORRECTION,
                                                note=note[:500], proposed_by=actor, **cleaned)
    record(actor=actor, office=current.office, action="factcheck.correction_proposed", target=current,
           before=_snapshot(current), after=_change_snapshot(change))
    return change


@transaction.atomic
def propose_withdrawal(*, actor, clarification: Clarification, reason: str) -> ClarificationChange:
    """A request to withdraw a published clarification; it stays public until a second person approves."""
    current = _open_published(actor, clarification, "factcheck.verify")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Tulis alasan penarikan: alasan ini tampil di halaman klarifikasi.")})
    change = ClarificationChange.objects.create(clarification=current, kind=ClarificationChange.Kind.WITHDRAWAL,
                                                note=reason[:300], proposed_by=actor)
    record(actor=actor, office=current.office, action="factcheck.withdrawal_proposed", target=current,
           before=_snapshot(current), after=_change_snapshot(change))
    return change


def _pending_change(actor, clarification: Clarification) -> tuple[Clarification, ClarificationChange]:
    _require(actor, "factcheck.approve", clarification.office)
    current = Clarification.objects.select_for_update().get(pk=clarification.pk)
    change = current.changes.select_for_update().filter(status=ClarificationChange.Status.PENDING).first()
    if change is None:
        raise ValidationError(_("Tidak ada koreksi atau penarikan yang menunggu persetujuan."))
    return current, change


@transaction.atomic
def approve_change(*, actor, clarification: Clarification) -> Clarification:
    """The second person: the correction or withdrawal takes effect, the portal changes, and everyone told before
    is told (once: the Notice row per person, revision and kind is the guard)."""
    # The claims a withdrawal reopens are locked by its queryset update; the clarification first, as publishing does.
    current, change = _pending_change(actor, clarification)
    if actor is not None and actor.pk == change.proposed_by_id:
        raise ValidationError(_("Perubahan ini Anda usulkan sendiri, jadi harus disetujui staf lain (prinsip empat "
                                "mata)."))
    if current.status != Clarification.Status.PUBLISHED:
        raise ValidationError(_("Klarifikasi ini tidak lagi terbit."))
    before = _snapshot(current)
    if change.kind == ClarificationChange.Kind.CORRECTION:
        _apply_correction(current, change)
    else:
        _apply_withdrawal(current, change)
    change.status, change.decided_by, change.decided_at = ClarificationChange.Status.APPROVED, actor, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    action = ("factcheck.clarification_corrected" if change.kind == ClarificationChange.Kind.CORRECTION
              else "factcheck.clarification_withdrawn")
    record(actor=actor, office=current.office, action=action, target=current, before=before,
           after={**_snapshot(current), **_change_snapshot(change), "proposed_by": change.proposed_by_id})
    _published_changed(current.pk)
    return current


@transaction.atomic
def reject_change(*, actor, clarification: Clarification, reason: str) -> ClarificationChange:
    """The pending correction or withdrawal is dropped with a note; the published clarification stays as it is."""
    current, change = _pending_change(actor, clarification)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Tulis alasan penolakan untuk pengusul.")})
    change.status, change.decided_by, change.decided_at = ClarificationChange.Status.REJECTED, actor, timezone.now()
    change.decision_note = reason[:300]
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record(actor=actor, office=current.office, action="factcheck.change_rejected", target=current,
           after={**_change_snapshot(change), "reason": change.decision_note, "proposed_by": change.proposed_by_id})
    return change


def _apply_correction(current: Clarification, change: ClarificationChange) -> None:
    """The previous verdict and summary stay on the page with the note; everyone told before gets the correction."""
    Correction.objects.create(clarification=current, revision=current.revision, note=change.note,
                              previous_verdict=current.verdict, previous_summary=current.summary,
                              author=change.proposed_by)
    for key in ("claim_reviewed", "verdict", "summary", "body", "evidence", "item_reviewed_url"):
        setattr(current, key, getattr(change, key))
    current.revision += 1
    current.version += 1
    current.save()
    transaction.on_commit(lambda: _enqueue_notices(current.pk, Notice.Kind.CORRECTION, None))
    _embed_later([current.pk])


def _apply_withdrawal(current: Clarification, change: ClarificationChange) -> None:
    """Taken off the list (its page stays, marked withdrawn, so links already sent still explain); reporters already
    told are told it was withdrawn, and its open reports go back to the queue."""
    current.status, current.withdrawn_reason = Clarification.Status.WITHDRAWN, change.note[:300]
    current.version += 1
    current.save()
    answered = list(Report.objects.filter(answered_with=current).values_list("pk", "claim_id"))
    claim_ids = {claim_id for _pk, claim_id in answered if claim_id} | ({current.claim_id} if current.claim_id else
                                                                         set())
    still_answered = set(Clarification.objects.filter(claim_id__in=claim_ids, status=Clarification.Status.PUBLISHED)
                         .values_list("claim_id", flat=True))
    # Claims this clarification closed are open again (not one that another published clarification answers).
    Claim.objects.filter(pk__in=claim_ids - still_answered, status=Claim.Status.DONE,
                         resolution=Claim.Resolution.CLARIFIED).update(status=Claim.Status.VERIFYING, resolution="",
                                                                       updated_at=timezone.now())
    Report.objects.filter(pk__in=[pk for pk, _c in answered]).update(status=Report.Status.QUEUED, answered_with=None)
    unfiled = [pk for pk, claim_id in answered if not claim_id]   # answered automatically: back in a claim
    if unfiled:
        transaction.on_commit(lambda: _enqueue_refile(unfiled))
    transaction.on_commit(lambda: _enqueue_notices(current.pk, Notice.Kind.WITHDRAWAL, None))
