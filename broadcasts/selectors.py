from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from accounts.permissions import can
from broadcasts.models import Broadcast, Delivery
from channels.models import Channel, Template
from channels.window import senders_in_window
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
    def drawn(self) -> bool:
        """False while an approved broadcast's recipients are still being drawn (no deliveries yet)."""
        return bool(self.total) or not self.polls

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.ended else 0
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
    )


def reach_summary(broadcast: Broadcast, audience, channels: dict[int, Channel]) -> dict:
    """Who a draft would reach, in the words staff count in: members apart from the forum's Telegram groups and
    channels, and how many WhatsApp members outside the 24-hour window would fail without a template."""
    members = sum(1 for r in audience.recipients if r.member_id is not None)
    needs_template = 0
    if broadcast.template_id is None:
        for channel_id, channel in channels.items():
            if channel.provider.session_window is None:
                continue
            inside = senders_in_window(channel)
            needs_template += sum(1 for r in audience.recipients
                                  if r.channel_id == channel_id and r.recipient not in inside)
    return {"reach_total": len(audience.recipients), "reach_members": members,
            "reach_chats": len(audience.recipients) - members, "outside_window_without_template": needs_template}


def personal_deliveries(member) -> list[dict]:
    """What was sent to the person (their personal-data export)."""
    deliveries = Delivery.objects.filter(member=member).select_related("broadcast", "channel").order_by("id")
    return [{"broadcast": d.broadcast.title if d.broadcast_id else None, "text": d.text or None,
             "channel": d.channel.name, "to": d.recipient, "status": d.status,
             "sent_at": d.sent_at.isoformat() if d.sent_at else None} for d in deliveries]
