from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format

from accounts.permissions import can
from broadcasts.models import Broadcast, Delivery, MessageRate, MessagingBudget
from channels.models import Channel, Template
from channels.window import senders_in_window
from offices.quiet import in_quiet_hours
from offices.selectors import office_and_descendants

S = Delivery.Status
Status = Broadcast.Status
DONE_STATUSES = (S.SENT, S.DELIVERED, S.READ, S.FAILED, S.SKIPPED)
BAR_ORDER = (S.READ, S.DELIVERED, S.SENT, S.FAILED, S.SKIPPED, S.SENDING, S.QUEUED, S.HELD)


def broadcasts_visible_to(office) -> QuerySet[Broadcast]:
    return Broadcast.objects.filter(office__in=office_and_descendants(office))


def deliveries_visible_to(office) -> QuerySet[Delivery]:
    return Delivery.objects.filter(channel__office__in=office_and_descendants(office))


def approved_templates(office) -> QuerySet[Template]:
    return Template.objects.filter(channel__office=office, status=Template.Status.APPROVED).select_related("channel")


@dataclass
class Progress:
    total: int = 0
    counts: dict = field(default_factory=dict)
    polls: bool = False   # the numbers may still move (sending, or about to start)
    ended: bool = False   # done or cancelled: nothing more will be processed
    possible_duplicates: int = 0   # recipients who may have got the message twice (a send cut off, then repeated)
    per_channel: list = field(default_factory=list)   # (channel, counts, total)

    @property
    def finished(self) -> int:
        return sum(self.counts.get(s, 0) for s in DONE_STATUSES)

    @property
    def percent(self) -> int:
        """Of the recipients drawn; 0 while there are none (a bar never shows "100%" for nobody)."""
        if not self.total:
            return 0
        return int(100 * self.finished / self.total)

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(status, S(status).label) for status in BAR_ORDER]

    @property
    def table(self) -> list[tuple]:
        return [(channel, [{"status": st, "count": counts.get(st, 0)} for st in BAR_ORDER])
                for channel, counts, _total in self.per_channel]

    def segments(self, width: int = 600) -> list[dict]:
        """Stacked-bar pieces for an SVG chart (CSP allows no inline styles, so widths are SVG attributes)."""
        pieces, x = [], 0.0
        for status in BAR_ORDER:
            n = self.counts.get(status, 0)
            if n and self.total:
                w = width * n / self.total
                pieces.append({"status": status, "label": S(status).label, "count": n, "x": round(x, 2),
                               "width": round(w, 2)})
                x += w
        return pieces


def broadcast_progress(broadcast: Broadcast) -> Progress:
    rows = broadcast.deliveries.values("channel_id", "status").annotate(n=Count("pk")).order_by()
    progress = Progress(polls=broadcast.status in (Status.SENDING, Status.SCHEDULED),
                        ended=broadcast.status in (Status.DONE, Status.CANCELLED))
    by_channel: dict[int, dict] = {}
    for row in rows:
        progress.counts[row["status"]] = progress.counts.get(row["status"], 0) + row["n"]
        by_channel.setdefault(row["channel_id"], {})[row["status"]] = row["n"]
    progress.total = sum(progress.counts.values())
    progress.possible_duplicates = broadcast.deliveries.filter(possible_duplicate=True).count()
    channels = Channel.objects.in_bulk(by_channel)
    progress.per_channel = [(channels[pk], counts, sum(counts.values())) for pk, counts in sorted(by_channel.items())]
    return progress


def held_by_quiet_hours(office, now: datetime | None = None) -> QuerySet[Broadcast]:
    """Approved broadcasts that wait for the office's quiet hours to end: released during them (terjadwal until
    their end) or, while they last, sending ones that are not urgent."""
    now = now or timezone.now()
    held = Q(status=Status.SCHEDULED, held_from__isnull=False, scheduled_at__gt=now)
    if in_quiet_hours(office, now):
        held |= Q(status=Status.SENDING, urgent=False)
    return Broadcast.objects.filter(held, office=office)


def may_approve(user, broadcast: Broadcast) -> bool:
    """Who may release this broadcast: a second person with the approve role of its office, or, where the office
    switched approval off, anyone of the office who writes broadcasts. The same people may mark it urgent."""
    if broadcast.office_id != user.office_id:
        return False
    if not broadcast.office.broadcast_requires_approval:
        return can(user, "broadcast.write")
    return can(user, "broadcast.approve") and user.pk not in (broadcast.created_by_id, broadcast.updated_by_id)


@dataclass(frozen=True)
class BroadcastActions:
    """What the broadcast page offers this user now. The services refuse anything else on their own."""
    edit: bool
    submit: bool
    approve: bool
    awaiting_approval: bool     # pending, and this user of the office may not approve it: someone else does
    return_to_draft: bool
    pause: bool
    resume: bool
    cancel: bool
    record_group_post: bool
    reach_recounted: bool       # scheduled: the audience is drawn again when sending starts
    mark_urgent: bool           # waiting for (or held by) quiet hours: send now after all


def broadcast_actions(user, broadcast: Broadcast) -> BroadcastActions:
    status = broadcast.status
    own = broadcast.office_id == user.office_id
    write = own and can(user, "broadcast.write")
    approve = (status == Status.PENDING and own and can(user, "broadcast.approve")
               and user.pk not in (broadcast.created_by_id, broadcast.updated_by_id))
    return BroadcastActions(
        edit=write and broadcast.is_editable,
        submit=write and status == Status.DRAFT,
        approve=approve,
        awaiting_approval=own and status == Status.PENDING and not approve,
        return_to_draft=write and status in (Status.PENDING, Status.SCHEDULED),
        pause=write and status == Status.SENDING,
        resume=write and status == Status.PAUSED,
        cancel=write and status not in (Status.DONE, Status.CANCELLED),
        record_group_post=write and status not in (Status.DRAFT, Status.PENDING, Status.CANCELLED),
        reach_recounted=status == Status.SCHEDULED,
        mark_urgent=(not broadcast.urgent and ((status == Status.SCHEDULED and broadcast.held_from is not None)
                                               or (status == Status.SENDING and in_quiet_hours(broadcast.office)))
                     and may_approve(user, broadcast)),
    )


@dataclass
class WindowCounts:
    """Recipients on channels with a customer-service window (WhatsApp): inside it (free text) or outside, per
    channel; recipients elsewhere (Telegram, e-mail) need no template."""
    inside: dict = field(default_factory=dict)    # channel id → count
    outside: dict = field(default_factory=dict)
    elsewhere: int = 0

    @property
    def free_form(self) -> int:
        return sum(self.inside.values())

    @property
    def needs_template(self) -> int:
        return sum(self.outside.values())


def window_counts(audience, channels: dict[int, Channel]) -> WindowCounts:
    counts = WindowCounts()
    for channel_id, channel in channels.items():
        mine = [r for r in audience.recipients if r.channel_id == channel_id]
        if channel.provider.session_window is None:
            counts.elsewhere += len(mine)
            continue
        inside = senders_in_window(channel)
        counts.inside[channel_id] = sum(1 for r in mine if r.recipient in inside)
        counts.outside[channel_id] = len(mine) - counts.inside[channel_id]
    return counts


def reach_summary(broadcast: Broadcast, audience, channels: dict[int, Channel],
                  windows: WindowCounts | None = None) -> dict:
    """Who a draft would reach, in the words staff count in: members apart from the forum's Telegram groups and
    channels, and how many WhatsApp members outside the 24-hour window would fail without a template."""
    members = sum(1 for r in audience.recipients if r.member_id is not None)
    needs_template = 0
    if broadcast.template_id is None:
        needs_template = (windows or window_counts(audience, channels)).needs_template
    return {"reach_total": len(audience.recipients), "reach_members": members,
            "reach_chats": len(audience.recipients) - members, "outside_window_without_template": needs_template}


def rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


def message_rates(office) -> dict[str, int]:
    """Template category → rupiah per message, as the office's admin set them (missing: not set)."""
    return dict(MessageRate.objects.filter(office=office).values_list("category", "rate"))


@dataclass(frozen=True)
class CostEstimate:
    free_form: int              # WhatsApp recipients inside the 24-hour window: free text
    needs_template: int         # WhatsApp recipients outside it: the template, or nothing without one
    elsewhere: int              # Telegram, e-mail: no window, no charge per message
    template: Template | None
    template_recipients: int    # of needs_template, those the template can reach (same channel)
    rate: int | None            # per message of the template's category; None: the admin has not set it
    cost: int

    @property
    def category_label(self) -> str:
        return Template.Category(self.template.category).label if self.template else ""


def cost_estimate(broadcast: Broadcast, audience, channels: dict[int, Channel],
                  windows: WindowCounts | None = None) -> CostEstimate:
    """Only template messages cost money (Meta charges per delivered template message by category; free text in
    the window and the other channels do not). The estimate charges every template recipient."""
    windows = windows or window_counts(audience, channels)
    template = broadcast.template
    reached = windows.outside.get(template.channel_id, 0) if template else 0
    rate = message_rates(broadcast.office).get(template.category) if template else None
    return CostEstimate(free_form=windows.free_form, needs_template=windows.needs_template,
                        elsewhere=windows.elsewhere, template=template, template_recipients=reached, rate=rate,
                        cost=reached * (rate or 0))


@dataclass(frozen=True)
class MonthBudget:
    limit: int | None           # None: no budget set
    spent: int                  # estimated cost of the broadcasts approved this month
    month_label: str

    @property
    def left(self) -> int | None:
        return None if self.limit is None else self.limit - self.spent


def month_budget(office, now: datetime | None = None) -> MonthBudget:
    """This month in the office's zone: its budget and what the broadcasts approved in it are estimated to cost
    (returned to draft: no longer counted; cancelled before the first message: neither)."""
    local = timezone.localtime(now or timezone.now(), ZoneInfo(office.timezone))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    spent = (Broadcast.objects.filter(office=office, approved_at__gte=start, approved_at__lt=end)
             .exclude(Q(status=Status.CANCELLED) & Q(started_at__isnull=True))
             .aggregate(total=Sum("estimated_cost"))["total"] or 0)
    budget = MessagingBudget.objects.filter(office=office).values_list("monthly_limit", flat=True).first()
    return MonthBudget(limit=budget, spent=spent, month_label=date_format(local, "F Y"))


def personal_deliveries(member) -> list[dict]:
    """What was sent to the person (their personal-data export)."""
    deliveries = Delivery.objects.filter(member=member).select_related("broadcast", "channel").order_by("id")
    return [{"broadcast": d.broadcast.title if d.broadcast_id else None, "text": d.text or None,
             "channel": d.channel.name, "to": d.recipient, "status": d.status,
             "sent_at": d.sent_at.isoformat() if d.sent_at else None} for d in deliveries]
