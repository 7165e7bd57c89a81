from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.permissions import can
from inbox.models import Conversation, Escalation, Message
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
