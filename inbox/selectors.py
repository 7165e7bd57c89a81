from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can
from channels import window
from inbox.models import Conversation, Escalation, LastSeen, Message
from members.models import Address, Member

FOLDERS = ("unassigned", "mine", "escalated", "waiting", "closed")


def conversations_visible_to(office) -> QuerySet[Conversation]:
    """The office's own conversations, and those escalated to it now or before. Nothing else: not even a higher
    office sees a lower office's inbox unless asked."""
    asked = Escalation.objects.filter(conversation=OuterRef("pk"), to_office=office)
    return Conversation.objects.filter(Q(office=office) | Q(escalated_to=office) | Exists(asked))


def handling_office_ids(conversation: Conversation) -> set[int]:
    ids = {conversation.office_id}
    if conversation.escalated_to_id:
        ids.add(conversation.escalated_to_id)
    return ids


@dataclass(frozen=True)
class ConversationActions:
    """What the conversation page offers this user now. The services refuse anything else on their own."""
    handle: bool                # assign, label and note it: the office it belongs to or was escalated to
    reply: bool
    assign_self: bool
    close: bool
    reopen: bool
    unflag: bool
    link_member: bool           # a contact-form conversation, in the office it came to
    escalate: bool              # on to the office above the one holding it now
    return_escalation: bool     # escalated to this user's office: hand it back unanswered
    view_member: bool
    report_hoax: bool           # an incoming message, as a cek fakta report of the office


def conversation_actions(user, conversation: Conversation) -> ConversationActions:
    closed = conversation.status == Conversation.Status.CLOSED
    own = conversation.office_id == user.office_id
    handle = can(user, "inbox.reply") and user.office_id in handling_office_ids(conversation)
    holder = conversation.escalated_to or conversation.office
    return ConversationActions(
        handle=handle,
        reply=handle and not closed,
        assign_self=handle and conversation.assigned_to_id != user.pk,
        close=handle and not closed,
        reopen=handle and closed,
        unflag=handle and conversation.flagged_flood,
        link_member=handle and conversation.from_contact_form and own,
        escalate=handle and not closed and holder.parent_id is not None and user.office_id == holder.pk,
        return_escalation=handle and conversation.escalated_to_id == user.office_id,
        view_member=own,
        report_hoax=own and can(user, "factcheck.report"),
    )


def folder(user, name: str) -> QuerySet[Conversation]:
    office = user.office
    own = Conversation.objects.filter(office=office)
    S = Conversation.Status
    if name == "unassigned":
        return own.filter(status=S.OPEN, assigned_to__isnull=True, escalated_to__isnull=True)
    if name == "mine":
        return Conversation.objects.filter(assigned_to=user).exclude(status=S.CLOSED)
    if name == "escalated":
        return Conversation.objects.filter(escalated_to=office).exclude(status=S.CLOSED)
    if name == "waiting":
        return own.filter(status=S.WAITING)
    if name == "closed":
        return own.filter(status=S.CLOSED)
    return own.exclude(status=S.CLOSED)


def folder_counts(user) -> dict[str, int]:
    counts = {name: folder(user, name).count() for name in FOLDERS if name != "closed"}
    return counts


def opening_folder(counts: dict[str, int]) -> str:
    """The folder the inbox opens on: unassigned conversations, or else those escalated to this office, so that a
    higher office (which rarely has conversations of its own) does not open on an empty page while some wait."""
    return "escalated" if not counts.get("unassigned") and counts.get("escalated") else "unassigned"


def search(conversations: QuerySet[Conversation], q: str) -> QuerySet[Conversation]:
    q = q.strip()
    if not q:
        return conversations
    if q.upper().startswith("BKH-"):
        return conversations.filter(tracking_number=q.upper())
    return conversations.filter(
        Q(member__in=Member.objects.filter(full_name__icontains=q).values("pk"))
        | Q(member__in=Address.objects.filter(value__icontains=q).values("member_id"))
        | Q(from_contact_form=True, reply_addresses__icontains=q))


def unanswered_counts(conversations) -> dict:
    return dict(conversations.values_list("status").annotate(n=Count("pk")))


def personal_messages(member) -> list[dict]:
    """What the person wrote and was answered, without staff notes (their personal-data export)."""
    messages = Message.objects.filter(conversation__member=member).exclude(direction="note").select_related(
        "conversation").order_by("created_at", "id")
    return [{"conversation": m.conversation.tracking_number, "direction": m.direction, "kind": m.kind,
             "text": m.text, "at": m.created_at.isoformat()} for m in messages]


# The conversation list and the live thread ---------------------------------------------------------------------

SNIPPET_CHARS = 90
KIND_LABELS = {
    "image": _("Foto"), "document": _("Dokumen"), "audio": _("Pesan suara"), "voice": _("Pesan suara"),
    "video": _("Video"), "location": _("Lokasi"), "sticker": _("Stiker"), "contacts": _("Kontak"),
    "interactive": _("Jawaban tombol"), "button": _("Jawaban tombol"), "unsupported": _("Pesan tidak didukung"),
}
ICON_KINDS = {"whatsapp": "whatsapp", "telegram": "telegram", "email": "email", "mailto": "email"}
SHOWN_IN_LIST = (Message.Direction.INBOUND, Message.Direction.OUTBOUND)


def one_line(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The text on one line, cut between words with an ellipsis when longer than `limit` (a single word longer
    than the limit is cut where it must be)."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit + 1]
    boundary = cut.rfind(" ")
    return (cut[:boundary] if boundary > limit // 2 else flat[:limit]).rstrip(" ,.;:-") + "…"


def snippet(message: Message | None) -> str:
    if message is None:
        return ""
    label = KIND_LABELS.get(message.kind)
    text = one_line(message.text)
    if label and text:
        return one_line(f"{label}: {text}")
    return str(label) if label else text


def channel_icon(conversation: Conversation, inbound: Message | None) -> str:
    """Which channel the person writes on (the list's icon): the contact form, or the kind of the channel or of the
    address of their latest message (the dev outbox carries WhatsApp, Telegram and e-mail addresses)."""
    if conversation.from_contact_form:
        return "web"
    if inbound is None or inbound.channel_id is None:
        return "chat"
    kind = ICON_KINDS.get(inbound.channel_kind) or ICON_KINDS.get((inbound.sender or "").partition(":")[0])
    return kind or "chat"


def is_unread(conversation: Conversation, latest_id: int | None, seen_id: int | None) -> bool:
    """Something arrived or was answered (message `latest_id`) since this person last looked. A closed conversation
    they never opened is history, not news."""
    if seen_id is None:
        return conversation.status != Conversation.Status.CLOSED
    return latest_id is not None and latest_id > seen_id


def decorate_list(user, conversations: list[Conversation]) -> list[Conversation]:
    """The page's conversations with what the list shows beside each (as attributes): `last_message` (not notes or
    events) and its `snippet`, the channel `icon`, `unread` for this user and the open escalation's `due_at`.
    Three queries for the page, whatever the size of the folder."""
    ids = [c.pk for c in conversations]
    if not ids:
        return conversations
    def newest(**where):
        return Subquery(Message.objects.filter(conversation=OuterRef("pk"), **where).order_by(
            "-created_at", "-id").values("pk")[:1])

    rows = Conversation.objects.filter(pk__in=ids).annotate(
        shown=newest(direction__in=SHOWN_IN_LIST),
        inbound=newest(direction=Message.Direction.INBOUND, channel__isnull=False),
    ).order_by().values_list("pk", "shown", "inbound")
    wanted = {pk: (shown, inbound) for pk, shown, inbound in rows}
    messages = Message.objects.filter(pk__in={m for pair in wanted.values() for m in pair if m}).annotate(
        sender=F("inbound__sender"), channel_kind=F("channel__kind")).order_by().in_bulk()
    now = timezone.now()
    seen = dict(LastSeen.objects.filter(user=user, conversation_id__in=ids).values_list("conversation_id",
                                                                                        "message_id"))
    due = dict(Escalation.objects.filter(conversation_id__in=ids, status=Escalation.Status.OPEN).order_by(
        "created_at", "id").values_list("conversation_id", "due_at"))
    for conversation in conversations:
        shown, inbound = wanted.get(conversation.pk, (None, None))
        conversation.last_message = messages.get(shown)
        conversation.snippet = snippet(conversation.last_message)
        conversation.icon = channel_icon(conversation, messages.get(inbound))
        conversation.unread = is_unread(conversation, shown, seen.get(conversation.pk))
        conversation.due_at = due.get(conversation.pk)
        conversation.overdue = conversation.due_at is not None and conversation.due_at < now
    return conversations


def last_seen(user, conversation: Conversation) -> int | None:
    """The id of the newest message this person was shown in the conversation (None: never opened)."""
    return LastSeen.objects.filter(user=user, conversation=conversation).values_list("message_id", flat=True).first()


def thread(conversation: Conversation, *, after: int | None = None) -> QuerySet[Message]:
    # The channel only for its name: its secrets would be decrypted for every message.
    messages = conversation.messages.select_related("author", "author_office", "channel", "delivery").defer(
        "channel__secrets")
    return messages.filter(pk__gt=after) if after is not None else messages


UNSETTLED_DELIVERY = ("queued", "sending", "held", "sent", "delivered")


def unsettled_replies(conversation: Conversation, *, upto: int, limit: int = 20) -> list[Message]:
    """The latest replies (up to message `upto`) whose delivery may still change: their ticks are refreshed by the
    live thread."""
    return list(conversation.messages.filter(pk__lte=upto, direction=Message.Direction.OUTBOUND,
                                             delivery__status__in=UNSETTLED_DELIVERY)
                .select_related("delivery").order_by("-id")[:limit])


@dataclass(frozen=True)
class WindowState:
    applies: bool                   # the channel has a customer-service window (WhatsApp)
    open: bool                      # free text may be sent now
    closes_at: datetime | None      # when free text stops being allowed (open and applies)


def window_state(conversation: Conversation, channel) -> WindowState:
    """The 24-hour window as the composer shows it (channels.window decides whether it is open)."""
    if channel is None:
        return WindowState(applies=False, open=False, closes_at=None)
    length = channel.provider.session_window
    last = conversation.messages.filter(direction=Message.Direction.INBOUND, channel=channel).order_by(
        "-created_at").values_list("created_at", flat=True).first()
    is_open = window.open_since(channel, last)
    return WindowState(applies=length is not None, open=is_open,
                       closes_at=last + length if is_open and length is not None and last else None)
