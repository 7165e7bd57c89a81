"""Reads for cek fakta: what a staff member may see, and what a report matches.

Matching keeps in-memory indexes per process. Published clarifications of every office are one index, searched only
among the offices a report may be answered from, and kept current change by change from the change log
(factcheck.index): a clarification published, corrected or withdrawn in any process is in the next match, without
a rebuild. Each office's open claims are an index rebuilt when its key moves (a few index lookups, not a scan);
counters on a claim are written with update(), which leaves updated_at alone: a new report does not rebuild it.
"""

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from accounts.permissions import can
from factcheck.index import ClarificationSource, LiveIndex
from factcheck.matching import LexicalIndex, confidence
from factcheck.models import Claim, Clarification, ClarificationChange, Report, Settings
from offices.models import Office
from offices.selectors import visible_office_ids

logger = logging.getLogger(__name__)

SEARCH_DEPTH = 50              # candidates taken from the index before the office filter
MIN_TERMS_TO_ANSWER = 3        # a one- or two-word report is never answered automatically


@dataclass(frozen=True)
class Suggestion:
    id: int
    percent: int
    reasons: list[str] = field(default_factory=list)


def office_settings(office: Office) -> Settings:
    found = Settings.objects.filter(office=office).select_related("notice_template").first()
    return found or Settings(office=office)


def claims_for(user) -> QuerySet[Claim]:
    """A staff member's claims: their office's, and for a higher office its descendants' (read only)."""
    return Claim.objects.filter(office_id__in=visible_office_ids(user.office))


def clarifications_for(user) -> QuerySet[Clarification]:
    """Their office's and its descendants' clarifications, and the published ones of the offices above (those
    answer this office's reports too, so staff must be able to open them)."""
    above = [o.pk for o in user.office.ancestors()]
    return Clarification.objects.filter(
        Q(office_id__in=visible_office_ids(user.office)) |
        Q(office_id__in=above, status__in=[Clarification.Status.PUBLISHED, Clarification.Status.WITHDRAWN]))


def pending_change(clarification: Clarification) -> ClarificationChange | None:
    """The correction or withdrawal of a published clarification waiting for a second person, if any."""
    return (clarification.changes.filter(status=ClarificationChange.Status.PENDING)
            .select_related("proposed_by").first())


@dataclass(frozen=True)
class ClaimActions:
    """What the claim page offers this user now. The services refuse anything else on their own."""
    verify: bool        # an open claim of the office: assign it, answer it, write its clarification, edit its summary
    assign_self: bool
    note: bool          # internal notes, also once the claim is done


@dataclass(frozen=True)
class QueueRow:
    claim: Claim
    selectable: bool        # in the bulk form: only this office's claims, for a verifier
    other_office: bool      # a claim of an office below, shown with its office's name


def queue_rows(user, claims) -> list[QueueRow]:
    may_verify = can(user, "factcheck.verify")
    return [QueueRow(claim=c, selectable=may_verify and c.office_id == user.office_id,
                     other_office=c.office_id != user.office_id) for c in claims]


def claim_actions(user, claim: Claim) -> ClaimActions:
    may_verify = claim.office_id == user.office_id and can(user, "factcheck.verify")
    verify = may_verify and claim.status != Claim.Status.DONE
    return ClaimActions(verify=verify, assign_self=verify and claim.assigned_to_id != user.pk, note=may_verify)


@dataclass(frozen=True)
class ClarificationActions:
    """What the clarification page offers this user now. The services refuse anything else on their own."""
    edit: bool
    submit: bool
    review: bool                # approve and publish, or return to the author with a note
    own_text_waits: bool        # pending, but this approver wrote or last edited it: someone else reviews
    broadcast: bool
    propose_correction: bool
    propose_withdrawal: bool
    approve_change: bool
    reject_change: bool
    own_change: bool            # this approver proposed the pending change: someone else approves it


def clarification_actions(user, clarification: Clarification,
                          change: ClarificationChange | None) -> ClarificationActions:
    """`change` is the clarification's pending change (pending_change())."""
    Status = Clarification.Status
    status, external = clarification.status, clarification.is_external
    own = clarification.office_id == user.office_id
    verify, approve = own and can(user, "factcheck.verify"), own and can(user, "factcheck.approve")
    # The first publication's four-eyes rule: neither the author nor the last editor approves.
    awaiting_review = approve and status == Status.PENDING
    own_text = user.pk in (clarification.author_id, clarification.edited_by_id)
    may_propose = verify and status == Status.PUBLISHED and change is None
    may_decide = change is not None and approve
    own_change = may_decide and change.proposed_by_id == user.pk
    review = awaiting_review and not own_text
    return ClarificationActions(
        # A reviewer reviews (or returns it with a note); editing would make them its last editor, who may not
        # approve it.
        edit=verify and not external and (status == Status.DRAFT or (status == Status.PENDING and not review)),
        submit=verify and status == Status.DRAFT and not external,
        review=review,
        own_text_waits=awaiting_review and own_text,
        broadcast=own and can(user, "broadcast.write") and status == Status.PUBLISHED,
        propose_correction=may_propose and not external,
        propose_withdrawal=may_propose,
        approve_change=may_decide and not own_change,
        reject_change=may_decide,
        own_change=own_change,
    )


@dataclass(frozen=True)
class ChangeRow:
    label: str
    old: str
    new: str
    lines: list = field(default_factory=list)   # a line diff, for the long explanation


def change_rows(clarification: Clarification, change: ClarificationChange) -> list[ChangeRow]:
    """What a pending correction changes, field by field (old and new side by side; the body as a line diff)."""
    from content.diffing import diff_text

    if change.kind != ClarificationChange.Kind.CORRECTION:
        return []
    verdicts = dict(Clarification._meta.get_field("verdict").choices)
    rows = []
    for name in ("claim_reviewed", "verdict", "summary", "item_reviewed_url"):
        old, new = getattr(clarification, name), getattr(change, name)
        if old != new:
            label = str(Clarification._meta.get_field(name).verbose_name)
            if name == "verdict":
                old, new = str(verdicts.get(old, old)), str(verdicts.get(new, new))
            rows.append(ChangeRow(label[:1].upper() + label[1:], old or "—", new or "—"))
    if clarification.evidence != change.evidence:
        rows.append(ChangeRow(str(Clarification._meta.get_field("evidence").verbose_name).capitalize(),
                              "\n".join(clarification.evidence) or "—", "\n".join(change.evidence) or "—"))
    if clarification.body != change.body:
        rows.append(ChangeRow(str(Clarification._meta.get_field("body").verbose_name).capitalize(), "", "",
                              diff_text(clarification.body, change.body)))
    return rows


def reports_for(user) -> QuerySet[Report]:
    return Report.objects.filter(office_id__in=visible_office_ids(user.office))


def matchable_office_ids(office: Office) -> set[int]:
    """A report is answered from its own office's clarifications and those of the offices above it (KPU RI's reach
    every office); imported fact-checks belong to the office that imported them."""
    return {office.pk, *(o.pk for o in office.ancestors())}


def _suggestions(index: LexicalIndex, text: str, offices: set[int], rerank=None, hold=None) -> list[Suggestion]:
    """The best five, each with its lexical confidence; `rerank` (the semantic re-ranker) may change their order,
    never their scores, so the office's thresholds keep their meaning. `hold` is held while the index is read."""
    with hold or contextlib.nullcontext():
        found = index.search(text, k=SEARCH_DEPTH, groups=offices)
        if not found:
            return []
        ideal = index.self_score(text)
        texts = {m.id: index.texts[m.id] for m in found[:20]}
    percent = {m.id: confidence(m.score, ideal, (found[1].score if len(found) > 1 else None) if i == 0
                                else found[0].score) for i, m in enumerate(found)}
    if rerank is not None:
        found = rerank(text, found[:20])
    return [Suggestion(int(m.id), percent[m.id], index.explain(text, texts[m.id])) for m in found[:5]]


class _CachedIndex:
    """One LexicalIndex of `rows()` (id, office, texts…), built anew when `key()` changes and swapped in whole, so
    a reader in another thread keeps the one it took."""

    def __init__(self, key, rows):
        self.key_of, self.rows = key, rows
        self.key = None
        self.index = LexicalIndex()
        self.lock = threading.Lock()

    def current(self) -> LexicalIndex:
        key = self.key_of()
        with self.lock:
            if key != self.key:
                self.index = LexicalIndex().build((str(pk), "\n".join(parts), office)
                                                  for pk, office, *parts in self.rows())
                self.key = key
            return self.index

    def search(self, text: str, offices: set[int]) -> list[Suggestion]:
        return _suggestions(self.current(), text, offices)


def _report_unindexable(failed: dict[str, str], changed: list[str] | None) -> None:
    """Shown on each clarification's staff page until its text indexes again (a plain update: not logged as a
    change). `changed`: the clarifications just re-read; None after a full build."""
    for pk, why in failed.items():
        if changed is None or pk in changed:
            logger.error("clarification %s left out of the matching index: %s", pk, why)
            Clarification.objects.filter(pk=int(pk)).exclude(index_error=why).update(index_error=why)
    indexed = Clarification.objects.exclude(index_error="").exclude(pk__in=[int(pk) for pk in failed])
    if changed is not None:
        indexed = indexed.filter(pk__in=[int(pk) for pk in changed])
    indexed.update(index_error="")


_clarifications = LiveIndex(ClarificationSource(on_failed=_report_unindexable), factory=lambda: LexicalIndex())
_claims: dict[int, _CachedIndex] = {}
_claims_lock = threading.Lock()


def _open_claims(office_id: int) -> _CachedIndex:
    """One index per office (a claim only ever groups its own office's reports), so a new claim rebuilds the
    office's few hundred, not the country's; the open count catches a claim closed by a late commit."""
    with _claims_lock:
        if office_id not in _claims:
            open_claims = Claim.objects.filter(office_id=office_id, status__in=[Claim.Status.NEW,
                                                                                 Claim.Status.VERIFYING])
            _claims[office_id] = _CachedIndex(
                lambda: (*Claim.objects.filter(office_id=office_id).aggregate(
                    u=Max("updated_at"), p=Max("pk")).values(), open_claims.count()),
                lambda: open_claims.values_list("pk", "office_id", "summary"))
        return _claims[office_id]


def match_clarifications(text: str, office: Office) -> list[Suggestion]:
    from factcheck import semantic

    _clarifications.refresh()
    return _suggestions(_clarifications.index, text, matchable_office_ids(office),
                        rerank=semantic.rerank_stored if semantic.enabled() else None, hold=_clarifications.lock)


def match_open_claims(text: str, office: Office) -> list[Suggestion]:
    return _open_claims(office.pk).search(text, {office.pk})


def has_enough_words(text: str) -> bool:
    from lib.claimtext import terms

    return len(terms(text)) >= MIN_TERMS_TO_ANSWER


def trending(office_ids: list[int], hours: int = 24) -> list[dict]:
    """Claims by the reports they got in the last `hours`, most first, with reports per hour for the chart."""
    since = timezone.now() - timedelta(hours=hours)
    reports = (Report.objects.filter(office_id__in=office_ids, created_at__gte=since, claim__isnull=False)
               .values_list("claim_id", "created_at", "frequently_forwarded"))
    per_claim: dict[int, dict] = {}
    for claim_id, created_at, many in reports:
        entry = per_claim.setdefault(claim_id, {"count": 0, "many": 0, "hours": [0] * hours})
        entry["count"] += 1
        entry["many"] += many
        slot = min(hours - 1, int((created_at - since).total_seconds() // 3600))
        entry["hours"][slot] += 1
    claims = Claim.objects.in_bulk(per_claim)
    rows = [{"claim": claims[pk], **entry} for pk, entry in per_claim.items() if pk in claims]
    rows.sort(key=lambda r: (r["count"] + 2 * r["many"]), reverse=True)
    return rows[:20]


def published(office: Office) -> QuerySet[Clarification]:
    """What the office's portal lists: its own published and withdrawn clarifications (withdrawn ones stay, marked,
    so a link sent to a reporter never breaks)."""
    return Clarification.objects.filter(office=office, status__in=[
        Clarification.Status.PUBLISHED, Clarification.Status.WITHDRAWN]).filter(~Q(published_at=None))


def personal_reports(member) -> list[dict]:
    """The person's hoax reports, also those sent from the portal with one of their addresses (their export)."""
    addresses = [f"{a.kind}:{a.value}" for a in member.addresses.all()]
    reports = Report.objects.filter(Q(reporter=member) | Q(reporter__isnull=True, notify_address__in=addresses))
    return [{"tracking_number": r.tracking_number, "source": r.source, "status": r.status, "text": r.text,
             "url": r.url, "screenshot": bool(r.media), "at": r.created_at.isoformat()}
            for r in reports.order_by("created_at", "id")]
