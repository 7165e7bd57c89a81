"""Reads for the portal and the staff pages: which elections apply to an office, what is running, timelines."""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import F, Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from elections.models import Election, Stage
from offices.models import Office
from offices.selectors import office_and_descendants


def local_today(office: Office) -> date:
    """Today's date where the office is (WIB, WITA or WIT): at 23:30 WIB it is already tomorrow in Papua."""
    return datetime.now(ZoneInfo(office.timezone)).date()


def _ancestor_ids(office: Office) -> list[int]:
    ids, parent_id = [], office.parent_id
    while parent_id is not None:
        ids.append(parent_id)
        parent_id = Office.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return ids


def _newest_first(elections: QuerySet[Election]) -> QuerySet[Election]:
    """By the election's latest stage date; an election without dated stages yet (just created) comes first."""
    return elections.annotate(
        latest_date=Coalesce(Max("stages__ends_on"), Max("stages__starts_on")),
    ).order_by(F("latest_date").desc(nulls_first=True), "-created_at", "-pk")


def elections_for(office: Office) -> QuerySet[Election]:
    """The elections that apply to this office's portal: run by the office itself or by an office above it.

    KPU RI's Pemilu shows everywhere; a PSU run by KPU Kota Madiun only on Kota Madiun's portal. Newest first.
    """
    return _newest_first(Election.objects.filter(office_id__in=[office.pk, *_ancestor_ids(office)])
                         .select_related("office"))


def elections_visible_to(office: Office) -> QuerySet[Election]:
    """What staff of this office may read: the elections that apply to it plus those of every office below."""
    return _newest_first(Election.objects.filter(
        Q(office_id__in=_ancestor_ids(office)) | Q(office__in=office_and_descendants(office))
    ).select_related("office"))


class StageStatus(models.TextChoices):
    PAST = "past", _("Selesai")
    RUNNING = "running", _("Berlangsung")
    UPCOMING = "upcoming", _("Akan datang")
    UNDATED = "undated", _("Belum ditetapkan")


def stage_status(stage: Stage, today: date) -> StageStatus:
    """Where a stage stands on `today`. A stage with one date only is past after its end or upcoming before its
    start; otherwise it is undated: whether it is running cannot be known."""
    starts, ends = stage.starts_on, stage.ends_on
    if ends is not None and today > ends:
        return StageStatus.PAST
    if starts is not None and today < starts:
        return StageStatus.UPCOMING
    if starts is not None and ends is not None:
        return StageStatus.RUNNING
    return StageStatus.UNDATED


@dataclass
class CurrentAndNext:
    """`running, upcoming = current_and_next(office)` also works. Each stage carries `state` (a StageStatus)
    and `days_left` (days from today to its start; 0 for running stages)."""

    today: date
    running: list[Stage] = field(default_factory=list)
    # Every stage that starts on the first date after today (several stages often start together).
    upcoming: list[Stage] = field(default_factory=list)

    @property
    def next(self) -> Stage | None:
        return self.upcoming[0] if self.upcoming else None

    def __iter__(self):
        yield self.running
        yield self.upcoming


def current_and_next(office: Office, today: date | None = None, *,
                     include_conditional: bool = False) -> CurrentAndNext:
    """The stages running today (starts_on <= today <= ends_on) and the next stage to start (smallest
    starts_on > today) across the elections that apply to the office, dated stages only.

    `today` defaults to the office's local date. Conditional elections (the second Pilpres round, which was
    never held) are left out unless include_conditional=True: they would announce stages that may not happen.
    """
    today = today or local_today(office)
    stages = Stage.objects.filter(election__office_id__in=[office.pk, *_ancestor_ids(office)],
                                  starts_on__isnull=False, ends_on__isnull=False).select_related("election")
    if not include_conditional:
        stages = stages.filter(election__is_conditional=False)
    order = ("starts_on", "ends_on", "election__code", "position", "pk")
    running = list(stages.filter(starts_on__lte=today, ends_on__gte=today).order_by(*order))
    later = stages.filter(starts_on__gt=today)
    first = later.order_by("starts_on").values_list("starts_on", flat=True).first()
    upcoming = list(later.filter(starts_on=first).order_by(*order)) if first else []
    for stage in running:
        stage.state, stage.days_left = StageStatus.RUNNING, 0
    for stage in upcoming:
        stage.state, stage.days_left = StageStatus.UPCOMING, (stage.starts_on - today).days
    return CurrentAndNext(today=today, running=running, upcoming=upcoming)


@dataclass
class Timeline:
    """The groups, and iterating gives every stage in the regulation's order with its `state` (StageStatus)."""

    election: Election
    today: date
    stages: list[Stage] = field(default_factory=list)
    past: list[Stage] = field(default_factory=list)
    running: list[Stage] = field(default_factory=list)
    upcoming: list[Stage] = field(default_factory=list)
    undated: list[Stage] = field(default_factory=list)

    @property
    def groups(self) -> list[tuple[str, str, list[Stage]]]:
        """(status, label, stages) in reading order, for templates."""
        return [(StageStatus.RUNNING, StageStatus.RUNNING.label, self.running),
                (StageStatus.UPCOMING, StageStatus.UPCOMING.label, self.upcoming),
                (StageStatus.PAST, StageStatus.PAST.label, self.past),
                (StageStatus.UNDATED, StageStatus.UNDATED.label, self.undated)]

    def __iter__(self):
        return iter(self.stages)

    def __len__(self) -> int:
        return len(self.stages)


def timeline(election: Election, today: date | None = None) -> Timeline:
    """The election's stages grouped by status on `today` (default: the running office's local date).

    Dated groups are in date order, the undated group in the regulation's order (position).
    """
    today = today or local_today(election.office)
    result = Timeline(election=election, today=today, stages=list(election.stages.all()))
    groups = {StageStatus.PAST: result.past, StageStatus.RUNNING: result.running,
              StageStatus.UPCOMING: result.upcoming, StageStatus.UNDATED: result.undated}
    for stage in result.stages:
        stage.state = stage_status(stage, today)
        groups[stage.state].append(stage)
    for group in (result.past, result.running, result.upcoming):
        group.sort(key=lambda s: (s.starts_on or s.ends_on, s.ends_on or s.starts_on, s.position, s.pk))
    return result
