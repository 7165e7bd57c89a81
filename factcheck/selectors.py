"""Reads for cek fakta: what a staff member may see, and what a report matches.

Matching keeps two in-memory indexes per process (published clarifications of every office; open claims), rebuilt
when the newest `updated_at` or id anywhere in the table moves (two index lookups, not a scan), so a worker answers
in milliseconds and a clarification published by another process is seen by the next report. Counters on a claim
are written with update(), which leaves updated_at alone: a new report does not rebuild the claims index.
"""

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from factcheck.matching import LexicalIndex
from factcheck.models import Claim, Clarification, Report, Settings
from offices.models import Office
from offices.selectors import visible_office_ids

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
    return Clarification.objects.filter(office_id__in=visible_office_ids(user.office))


def reports_for(user) -> QuerySet[Report]:
    return Report.objects.filter(office_id__in=visible_office_ids(user.office))


def matchable_office_ids(office: Office) -> set[int]:
    """A report is answered from its own office's clarifications and those of the offices above it (KPU RI's reach
    every office); imported fact-checks belong to the office that imported them."""
    return {office.pk, *(o.pk for o in office.ancestors())}


def confidence(score: float, ideal: float, runner_up: float | None) -> int:
    """0–100: how much of the report the match covers, averaged with how clearly it beats the next candidate, and
    never above the coverage itself (with one candidate, or a young office's few, the margin says nothing). On the
    dev set (bench/bench_match.py prints the table) 40 answers with 95% precision and never answers a report that
    has no clarification."""
    if score <= 0 or ideal <= 0:
        return 0
    coverage = min(1.0, score / ideal)
    margin = 1.0 if not runner_up else min(1.0, 2 * (1 - runner_up / score))
    return round(100 * min(coverage, (coverage + margin) / 2))


class _CachedIndex:
    def __init__(self, model, text_of, queryset):
        self.model, self.text_of, self.queryset = model, text_of, queryset   # queryset: a callable
        self.key = None
        self.index = LexicalIndex()
        self.offices: dict[str, int] = {}
        self.texts: dict[str, str] = {}
        self.lock = threading.Lock()

    def current(self) -> LexicalIndex:
        key = tuple(self.model.objects.aggregate(u=Max("updated_at"), p=Max("pk")).values())
        with self.lock:
            if key != self.key:
                items = list(self.queryset().values_list("pk", "office_id", *self.text_of))
                self.offices = {str(pk): office for pk, office, *_ in items}
                self.texts = {str(pk): "\n".join(texts) for pk, _o, *texts in items}
                self.index = LexicalIndex().build(self.texts.items())
                self.key = key
            return self.index

    def search(self, text: str, offices: set[int], exclude: set[str] = frozenset()) -> list[Suggestion]:
        index = self.current()
        found = [m for m in index.search(text, k=SEARCH_DEPTH) if self.offices.get(m.id) in offices
                 and m.id not in exclude]
        if not found:
            return []
        ideal = index.self_score(text)
        runner_up = found[1].score if len(found) > 1 else None
        best = Suggestion(int(found[0].id), confidence(found[0].score, ideal, runner_up),
                          index.explain(text, self.texts[found[0].id]))
        rest = [Suggestion(int(m.id), confidence(m.score, ideal, found[0].score),
                           index.explain(text, self.texts[m.id])) for m in found[1:5]]
        return [best, *rest]


_clarifications = _CachedIndex(
    Clarification, ("claim_reviewed", "summary"),
    lambda: Clarification.objects.filter(status=Clarification.Status.PUBLISHED))
_claims = _CachedIndex(
    Claim, ("summary",),
    lambda: Claim.objects.filter(status__in=[Claim.Status.NEW, Claim.Status.VERIFYING]))


def match_clarifications(text: str, office: Office) -> list[Suggestion]:
    return _clarifications.search(text, matchable_office_ids(office))


def match_open_claims(text: str, office: Office) -> list[Suggestion]:
    return _claims.search(text, {office.pk})


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
