"""What needs this staff member now ("Perlu tindakan"): one section per kind of work, each item opening the page
where it is handled. Only what the user may act on is listed; an item leaves the queue when it is handled."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.permissions import can
from broadcasts.models import Broadcast, Delivery
from broadcasts.selectors import held_by_quiet_hours
from channels.models import Channel, InboundMessage
from content.models import Publication, PublicationChange
from content.selectors import last_editor_ids
from factcheck.models import Claim, Clarification, ClarificationChange
from inbox.models import Conversation, Escalation
from members.models import Member

ITEMS_SHOWN = 5
# Candidates read per section before the per-item rules (the four-eyes rule needs each item's last editor).
CANDIDATES = 100
FAILED_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class Item:
    title: str
    url: str
    detail: str = ""
    due_at: datetime | None = None
    overdue: bool = False


@dataclass
class Section:
    key: str
    title: str
    icon: str
    url: str
    count: int
    # The first ITEMS_SHOWN items, read only when shown (the navigation's counts need none).
    read_items: Callable[[], list[Item]] = field(repr=False)

    @cached_property
    def items(self) -> list[Item]:
        return self.read_items() if self.count else []

    @property
    def more(self) -> int:
        return max(self.count - len(self.items), 0)


def _section(key, title, icon, url, queryset, to_item) -> Section:
    """A section from a queryset already ordered most urgent first."""
    return Section(key, str(title), icon, url, queryset.count(),
                   lambda: [to_item(obj) for obj in queryset[:ITEMS_SHOWN]])


def _listed(key, title, icon, url, objects: list, to_item) -> Section:
    return Section(key, str(title), icon, url, len(objects), lambda: [to_item(obj) for obj in objects[:ITEMS_SHOWN]])


def _conversation_item(conversation: Conversation) -> Item:
    return Item(conversation.member.full_name if conversation.member_id else conversation.tracking_number,
                reverse("inbox:conversation_detail", args=[conversation.pk]),
                detail=conversation.tracking_number, due_at=conversation.last_message_at)


# The sections, each for the users who may act on it -----------------------------------------------------------

def _publications_to_review(user) -> Section | None:
    if not can(user, "content.publish"):
        return None
    in_review = list(Publication.objects.filter(office=user.office, status=Publication.Status.REVIEW).order_by(
        "updated_at", "id")[:CANDIDATES])
    editors = last_editor_ids(in_review)
    waiting = [p for p in in_review if editors[p.pk] != user.pk]
    changes = list(PublicationChange.objects.filter(
        publication__office=user.office, status=PublicationChange.Status.PENDING).exclude(proposed_by=user)
        .select_related("publication").order_by("proposed_at")[:CANDIDATES])
    rows = [(p.title, p.pk, _("Menunggu tinjauan"), p.updated_at) for p in waiting] + [
        (c.publication.title, c.publication_id, _("Usulan perubahan"), c.proposed_at) for c in changes]
    rows.sort(key=lambda row: row[3])
    return _listed("publications", _("Publikasi menunggu tinjauan Anda"), "newspaper",
                   reverse("content:publication_list") + "?status=review", rows,
                   lambda r: Item(r[0], reverse("content:publication_detail", args=[r[1]]), detail=str(r[2]),
                                  due_at=r[3]))


def _broadcasts_to_approve(user) -> Section | None:
    if not can(user, "broadcast.approve"):
        return None
    pending = (Broadcast.objects.filter(office=user.office, status=Broadcast.Status.PENDING)
               .exclude(created_by=user).exclude(updated_by=user).order_by("updated_at", "id"))
    return _section("broadcasts", _("Siaran menunggu persetujuan Anda"), "megaphone",
                    reverse("broadcasts:broadcast_list") + "?status=pending", pending,
                    lambda b: Item(b.title, reverse("broadcasts:broadcast_detail", args=[b.pk]),
                                   detail=str(_("Diajukan")), due_at=b.updated_at))


def _broadcasts_held(user) -> Section | None:
    if not can(user, "broadcast.approve"):
        return None
    held = held_by_quiet_hours(user.office).order_by("scheduled_at", "started_at", "id")
    end = user.office.quiet_hours_end
    detail = _("Menunggu jam tenang berakhir (%(time)s)") % {"time": end.strftime("%H.%M")} if end else ""
    return _section("held", _("Siaran tertahan jam tenang"), "clock",
                    reverse("broadcasts:broadcast_list"), held,
                    lambda b: Item(b.title, reverse("broadcasts:broadcast_detail", args=[b.pk]), detail=str(detail)))


def _my_conversations(user) -> Section | None:
    if not can(user, "inbox.reply"):
        return None
    mine = (Conversation.objects.filter(assigned_to=user).exclude(status=Conversation.Status.CLOSED)
            .select_related("member").order_by("-last_message_at", "-id"))
    return _section("mine", _("Percakapan yang Anda tangani"), "message-circle",
                    reverse("inbox:inbox") + "?folder=mine", mine, _conversation_item)


def _unassigned_conversations(user) -> Section | None:
    if not can(user, "inbox.reply"):
        return None
    unassigned = (Conversation.objects.filter(office=user.office, status=Conversation.Status.OPEN,
                                              assigned_to__isnull=True, escalated_to__isnull=True)
                  .select_related("member").order_by("last_message_at", "id"))
    return _section("unassigned", _("Percakapan belum ditangani"), "inbox",
                    reverse("inbox:inbox") + "?folder=unassigned", unassigned, _conversation_item)


def _escalations(user, now: datetime) -> Section | None:
    if not can(user, "inbox.reply"):
        return None
    waiting = (Escalation.objects.filter(to_office=user.office, status=Escalation.Status.OPEN)
               .select_related("conversation", "from_office").order_by("due_at", "id"))
    return _section("escalations", _("Eskalasi ke kantor Anda"), "arrow-up-right",
                    reverse("inbox:inbox") + "?folder=escalated", waiting,
                    lambda e: Item(e.conversation.tracking_number,
                                   reverse("inbox:conversation_detail", args=[e.conversation_id]),
                                   detail=e.from_office.name, due_at=e.due_at, overdue=e.due_at < now))


def _claims(user) -> Section | None:
    if not can(user, "factcheck.verify"):
        return None
    S = Claim.Status
    claims = (Claim.objects.filter(office=user.office)
              .filter(Q(status=S.NEW) | Q(assigned_to=user, status=S.VERIFYING))
              .order_by("-report_count", "first_reported_at", "id"))
    return _section("claims", _("Klaim hoaks baru dan yang Anda verifikasi"), "shield-alert",
                    reverse("factcheck:queue"), claims,
                    lambda c: Item(c.summary, reverse("factcheck:claim", args=[c.pk]),
                                   detail=ngettext("%(n)s laporan", "%(n)s laporan", c.report_count) % {
                                       "n": c.report_count},
                                   due_at=c.first_reported_at))


def _clarifications_to_approve(user) -> Section | None:
    if not can(user, "factcheck.approve"):
        return None
    pending = list(Clarification.objects.filter(office=user.office, status=Clarification.Status.PENDING)
                   .exclude(author=user).exclude(edited_by=user).order_by("updated_at", "id")[:CANDIDATES])
    changes = list(ClarificationChange.objects.filter(
        clarification__office=user.office, status=ClarificationChange.Status.PENDING).exclude(proposed_by=user)
        .select_related("clarification").order_by("proposed_at")[:CANDIDATES])
    rows = [(str(c), c.pk, _("Menunggu persetujuan orang kedua"), c.updated_at) for c in pending] + [
        (str(ch.clarification), ch.clarification_id, ch.get_kind_display(), ch.proposed_at) for ch in changes]
    rows.sort(key=lambda row: row[3])
    return _listed("clarifications", _("Klarifikasi menunggu orang kedua"), "check-check",
                   reverse("factcheck:clarification_list") + "?status=pending", rows,
                   lambda r: Item(r[0], reverse("factcheck:clarification", args=[r[1]]), detail=str(r[2]),
                                  due_at=r[3]))


def _registrations(user) -> Section | None:
    if not can(user, "registry.approve"):
        return None
    pending = Member.objects.filter(office=user.office, status=Member.Status.PENDING).order_by("created_at", "id")
    return _section("registrations", _("Pendaftaran menunggu persetujuan"), "user-plus",
                    reverse("members:registration_list"), pending,
                    lambda m: Item(m.full_name, reverse("members:registration_list"), due_at=m.created_at))


def _failed_messages(user, now: datetime) -> Section | None:
    if not can(user, "inbox.reply"):
        return None
    # Replies are direct deliveries (no broadcast) through the office's channels: the delivery_progress index.
    failed = (Delivery.objects.filter(broadcast__isnull=True, status=Delivery.Status.FAILED,
                                      channel__in=Channel.objects.filter(office=user.office).values("pk"),
                                      failed_at__gte=now - FAILED_LOOKBACK, inbox_message__isnull=False)
              .select_related("inbox_message").order_by("-failed_at", "-id"))
    return _section("failed", _("Balasan gagal terkirim"), "circle-x",
                    reverse("inbox:inbox"), failed,
                    lambda d: Item(d.inbox_message.text[:80] or str(_("(pesan tanpa teks)")),
                                   reverse("inbox:conversation_detail", args=[d.inbox_message.conversation_id]),
                                   detail=d.error_detail[:120], due_at=d.failed_at))


def _broken_channels(user) -> Section | None:
    if not can(user, "channels.manage"):
        return None
    channels = list(Channel.objects.filter(office=user.office).filter(
        Q(status=Channel.Status.BROKEN)
        | Q(pk__in=InboundMessage.objects.filter(route_failed_at__isnull=False, routed_at__isnull=True)
            .values("channel_id"))).order_by("name"))
    return _listed("channels", _("Kanal bermasalah"), "radio-tower", reverse("channels:channel_list"), channels,
                   lambda c: Item(c.name, reverse("channels:channel_detail", args=[c.pk]),
                                  detail=c.status_reason or str(_("Pesan masuk gagal disalurkan"))))


def work_queue(user, now: datetime | None = None) -> list[Section]:
    """The sections that apply to this user, in the order they are shown (urgent kinds first)."""
    now = now or timezone.now()
    sections = [
        _escalations(user, now), _my_conversations(user), _unassigned_conversations(user),
        _publications_to_review(user), _broadcasts_to_approve(user), _broadcasts_held(user),
        _clarifications_to_approve(user), _claims(user), _registrations(user), _failed_messages(user, now),
        _broken_channels(user),
    ]
    return [section for section in sections if section is not None]


# Which navigation entry carries which sections' counts.
NAV_SECTIONS = {
    "home": None,
    "inbox": ("escalations", "mine", "unassigned", "failed"),
    "factcheck": ("claims", "clarifications"),
    "publications": ("publications",),
    "broadcasts": ("broadcasts", "held"),
    "registrations": ("registrations",),
    "channels": ("channels",),
}


def nav_counts(user) -> dict[str, int]:
    counts = {section.key: section.count for section in work_queue(user)}
    result = {nav: sum(counts.get(key, 0) for key in keys) for nav, keys in NAV_SECTIONS.items() if keys}
    result["home"] = sum(counts.values())
    return result
