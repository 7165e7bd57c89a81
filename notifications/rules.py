"""Which audit rows tell whom what. Every state change already writes an audit row (services do, in the same
transaction), so notifications follow the log instead of each service calling in: nothing can change without the
people concerned hearing of it, and the domain apps do not depend on this one."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import CAPABILITIES
from audit.models import AuditEntry
from inbox.models import Conversation
from notifications.models import Kind

# How each kind reads in the page, the e-mail and the chat message (the subject is the object's label).
SENTENCES = {
    Kind.ASSIGNED: _("%(actor)s menugaskan «%(subject)s» kepada Anda"),
    Kind.APPROVAL: _("%(actor)s meminta persetujuan Anda untuk «%(subject)s»"),
    Kind.ESCALATION: _("%(actor)s meneruskan percakapan %(subject)s ke kantor Anda"),
    Kind.DEADLINE: _("Tenggat eskalasi %(subject)s tinggal kurang dari sehari"),
    Kind.CHANNEL: _("Kanal «%(subject)s» dihentikan otomatis dan perlu diperiksa"),
    Kind.IMPORT: _("Impor «%(subject)s» selesai"),
}
IMPORT_FAILED = _("Impor «%(subject)s» gagal")

TARGET_URLS = {
    "content.publication": "content:publication_detail",
    "broadcasts.broadcast": "broadcasts:broadcast_detail",
    "factcheck.clarification": "factcheck:clarification",
    "factcheck.claim": "factcheck:claim",
    "inbox.conversation": "inbox:conversation_detail",
    "channels.channel": "channels:channel_detail",
    "members.importjob": "members:import_detail",
}


@dataclass(frozen=True)
class Rule:
    kind: str
    recipients: Callable[[AuditEntry], Iterable[User]]


def _active():
    return User.objects.filter(is_active=True)


def _office_staff_who(capability: str) -> Callable[[AuditEntry], Iterable[User]]:
    """Everyone in the entry's office who may act on it, except whoever caused it."""
    def recipients(entry: AuditEntry):
        if entry.office_id is None:
            return User.objects.none()
        return _active().filter(office_id=entry.office_id, role__in=CAPABILITIES[capability]).exclude(
            pk=entry.actor_id)
    return recipients


def _named_in_after(*fields: str) -> Callable[[AuditEntry], Iterable[User]]:
    """The staff member the change names (an assignee, by username or id), unless they did it themselves."""
    def recipients(entry: AuditEntry):
        after = entry.after or {}
        value = next((after[f] for f in fields if after.get(f)), None)
        if value is None:
            return User.objects.none()
        found = _active().filter(pk=value) if isinstance(value, int) else _active().filter(username=value)
        return found.exclude(pk=entry.actor_id)
    return recipients


def _escalation_target(entry: AuditEntry):
    conversation = Conversation.objects.filter(pk=entry.target_id).only("escalated_to_id").first()
    if conversation is None or conversation.escalated_to_id is None:
        return User.objects.none()
    return _active().filter(office_id=conversation.escalated_to_id, role__in=CAPABILITIES["inbox.reply"])


def _import_owner(entry: AuditEntry):
    return _active().filter(pk=entry.actor_id) if entry.actor_id else User.objects.none()


RULES: dict[str, Rule] = {
    "publication.submitted": Rule(Kind.APPROVAL, _office_staff_who("content.publish")),
    "publication.change_proposed": Rule(Kind.APPROVAL, _office_staff_who("content.publish")),
    "broadcast.submitted": Rule(Kind.APPROVAL, _office_staff_who("broadcast.approve")),
    "factcheck.clarification_submitted": Rule(Kind.APPROVAL, _office_staff_who("factcheck.approve")),
    "factcheck.correction_proposed": Rule(Kind.APPROVAL, _office_staff_who("factcheck.approve")),
    "factcheck.withdrawal_proposed": Rule(Kind.APPROVAL, _office_staff_who("factcheck.approve")),
    "conversation.assigned": Rule(Kind.ASSIGNED, _named_in_after("assigned_to", "to")),
    "factcheck.claim_assigned": Rule(Kind.ASSIGNED, _named_in_after("assigned_to")),
    "conversation.escalated": Rule(Kind.ESCALATION, _escalation_target),
    "conversation.escalation_reminded": Rule(Kind.DEADLINE, _office_staff_who("inbox.reply")),
    "channel.broken": Rule(Kind.CHANNEL, _office_staff_who("channels.manage")),
    "members.imported": Rule(Kind.IMPORT, _import_owner),
    "import.failed": Rule(Kind.IMPORT, _import_owner),
}


def target_url(entry: AuditEntry) -> str:
    name = TARGET_URLS.get(entry.target_type)
    if name is None or not entry.target_id.isdigit():
        return reverse("notifications:list")
    return reverse(name, args=[int(entry.target_id)])


def subject_of(entry: AuditEntry) -> str:
    if entry.target_type == "inbox.conversation":
        number = Conversation.objects.filter(pk=entry.target_id).values_list("tracking_number", flat=True).first()
        return number or entry.target_label
    return entry.target_label


def sentence(kind: str, *, actor: str, subject: str, failed: bool = False) -> str:
    template = IMPORT_FAILED if failed else SENTENCES[kind]
    return str(template) % {"actor": actor or _("Sistem"), "subject": subject}
