"""Every write to the inbox. Keyword-only, validated, transactional, audited."""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import can
from audit.services import REDACTED, record
from bakohumas.locking import ConflictError
from broadcasts.audience import usable_channels
from broadcasts.services import send_direct
from channels import commands, window
from channels.models import Channel, InboundMessage, Template
from inbox import autoreply
from inbox.models import Conversation, Escalation, LastSeen, Message, SavedReply
from inbox.selectors import handling_office_ids
from inbox.workdays import add_working_days
from lib.moments import format_moment
from lib.tracking import tracking_number
from members.models import Address, Member

logger = logging.getLogger(__name__)
Status = Conversation.Status
MAX_TEXT = 4096


def new_tracking_number() -> str:
    return tracking_number("BKH")


def _contact_for(channel: Channel, inbound: InboundMessage) -> int:
    """The id of the registered member with this address, or of a public contact created for the sender (no
    consent: they are answered, never broadcast to, until they give consent)."""
    kind, _sep, value = inbound.sender.partition(":")
    found = Address.objects.filter(office_id=channel.office_id, kind=kind, value=value).values_list(
        "member_id", flat=True)[:1]
    if found:
        return found[0]
    member = Member.objects.create(office=channel.office, full_name=(inbound.sender_name or value)[:150],
                                   source=Member.Source.INBOUND)
    try:
        with transaction.atomic():
            Address.objects.create(member=member, office=channel.office, kind=kind, value=value)
    except IntegrityError:   # the same sender's other message created it a moment ago
        member.delete()
        return Address.objects.get(office=channel.office, kind=kind, value=value).member_id
    record(actor=None, office=channel.office, action="member.created", target=member,
           after={"source": "inbound", "address": inbound.sender})
    return member.pk


def _open_conversation(office, member_id: int, when) -> tuple[Conversation, bool]:
    found = list(Conversation.objects.select_for_update().filter(
        office=office, member_id=member_id, status__in=[Status.OPEN, Status.WAITING])[:1])
    if found:
        return found[0], False
    try:
        with transaction.atomic():
            return Conversation.objects.create(office=office, member_id=member_id, last_message_at=when,
                                               tracking_number=new_tracking_number()), True
    except IntegrityError:
        return Conversation.objects.select_for_update().get(office=office, member_id=member_id,
                                                            status__in=[Status.OPEN, Status.WAITING]), False


FLOOD_WINDOW = timedelta(seconds=60)


def _is_flooding(channel: Channel, inbound: InboundMessage) -> bool:
    recent = InboundMessage.objects.filter(channel=channel, sender=inbound.sender,
                                           sent_at__gte=inbound.sent_at - FLOOD_WINDOW).count()
    return recent > settings.INBOX_FLOOD_PER_MINUTE


def route_inbound(*, channel: Channel, inbound: InboundMessage) -> Message:
    """A stored inbound message into its person's conversation: the one place inbound traffic enters the inbox."""
    with transaction.atomic(savepoint=False):
        member_id = _contact_for(channel, inbound)
        conversation, created = _open_conversation(channel.office, member_id, inbound.sent_at)
        message = Message.objects.create(
            conversation=conversation, direction=Message.Direction.INBOUND, channel=channel, inbound=inbound,
            kind=inbound.kind, text=inbound.text, forwarded=inbound.forwarded,
            frequently_forwarded=inbound.frequently_forwarded, created_at=inbound.sent_at,
            media_status=Message.MediaStatus.PENDING if inbound.media_id else "",
            media_mime_type=inbound.media_mime_type)
        # Only someone who also wrote within the last minute can be flooding: no count for everyone else.
        recent = conversation.last_inbound_at is not None and conversation.last_inbound_at >= (
            inbound.sent_at - FLOOD_WINDOW)
        newly_flooding = not conversation.flagged_flood and recent and _is_flooding(channel, inbound)
        conversation.last_message_at = max(conversation.last_message_at, inbound.sent_at)
        conversation.last_inbound_at = max(conversation.last_inbound_at or inbound.sent_at, inbound.sent_at)
        conversation.status = Status.OPEN
        conversation.flagged_flood = conversation.flagged_flood or newly_flooding
        conversation.version += 1
        conversation.save(update_fields=["last_message_at", "last_inbound_at", "status", "flagged_flood", "version"])
        if newly_flooding:
            _event(conversation, _("Pengirim membanjiri: lebih dari %(n)s pesan per menit. Pesan tetap disimpan; "
                                   "balasan otomatis dihentikan.") % {"n": settings.INBOX_FLOOD_PER_MINUTE})
            record(actor=None, office=conversation.office, action="conversation.flood_flagged", target=conversation)
        if created:
            _assign_on_duty(conversation)
        if inbound.media_id:
            transaction.on_commit(lambda: _enqueue_media(message.pk))
        if inbound.keyword:
            _event(conversation, _("Berhenti berlangganan siaran (kata kunci), konfirmasi dikirim otomatis.")
                   if inbound.keyword == "stop" else
                   _("Berlangganan siaran lagi (kata kunci), konfirmasi dikirim otomatis."))
        elif not conversation.flagged_flood and not commands.reply(conversation=conversation, message=message,
                                                                   channel=channel, created=created):
            autoreply.out_of_hours(conversation=conversation, message=message, channel=channel, created=created)
    return message


ROUTE_BATCH = 200
ROUTE_RETRY_AFTER = timedelta(seconds=10)   # a lock timeout or a passing outage gets time to clear


def route_pending(*, limit: int = ROUTE_BATCH, yield_ratio: float = 0.0) -> int:
    """The worker's router: stored, unrouted inbound messages, oldest first, each in its own short transaction
    (SQLite's write lock is never held for long against the webhooks). Keywords are answered, Telegram handles
    connected and the message filed into its conversation. A message that fails is retried after ROUTE_RETRY_AFTER, up
    to InboundMessage.MAX_ROUTE_ATTEMPTS, and keeps its error; it is never dropped. `yield_ratio`: after each
    message, pause that many times as long as it took (the worker's burst mode). Returns how many were routed."""
    due = Q(route_failed_at=None) | Q(route_failed_at__lt=timezone.now() - ROUTE_RETRY_AFTER)
    pending = list(InboundMessage.objects.filter(due, routed_at=None,
                                                 route_attempts__lt=InboundMessage.MAX_ROUTE_ATTEMPTS)
                   .order_by("pk")[:limit])
    channels = Channel.objects.select_related("office").in_bulk({m.channel_id for m in pending})
    routed = 0
    for inbound in pending:
        started = time.monotonic()
        try:
            with transaction.atomic():
                taken = list(InboundMessage.objects.select_for_update(skip_locked=True).filter(
                    pk=inbound.pk, routed_at=None).values_list("pk", flat=True))
                if not taken:   # another worker has it, or had it
                    continue
                channel = inbound.channel = channels[inbound.channel_id]
                commands.before_filing(channel=channel, inbound=inbound)
                route_inbound(channel=channel, inbound=inbound)
                InboundMessage.objects.filter(pk=inbound.pk).update(routed_at=timezone.now(), route_error="")
            routed += 1
        except Exception as exc:   # noqa: BLE001 - one bad message must not stop the others
            logger.exception("routing inbound message %s failed", inbound.pk)
            InboundMessage.objects.filter(pk=inbound.pk).update(route_attempts=F("route_attempts") + 1,
                                                                route_error=f"{type(exc).__name__}: {exc}"[:500],
                                                                route_failed_at=timezone.now())
        if yield_ratio:
            time.sleep((time.monotonic() - started) * yield_ratio)
    return routed


def _event(conversation: Conversation, text: str, *, actor=None) -> Message:
    return Message.objects.create(conversation=conversation, direction=Message.Direction.EVENT, text=text,
                                  author=actor if actor is not None and actor.pk else None,
                                  created_at=timezone.now())


def _enqueue_media(message_id: int) -> None:
    from inbox.tasks import fetch_media

    fetch_media.enqueue(message_id)


def _assign_on_duty(conversation: Conversation) -> None:
    """Round robin among the office's staff on duty: the one who least recently got a new conversation."""
    on_duty = User.objects.filter(office=conversation.office, is_active=True, on_duty=True)
    if not on_duty.exists():
        return
    staff = list(on_duty.order_by(
        F("last_assigned_at").asc(nulls_first=True), "pk").select_for_update())
    staff = [u for u in staff if can(u, "inbox.reply")]
    if not staff:
        return
    chosen = staff[0]
    User.objects.filter(pk=chosen.pk).update(last_assigned_at=timezone.now())
    Conversation.objects.filter(pk=conversation.pk).update(assigned_to=chosen)
    conversation.assigned_to = chosen
    record(actor=None, office=conversation.office, action="conversation.assigned", target=conversation,
           after={"to": chosen.username, "how": "round robin"})


# Who may do what -------------------------------------------------------------------------------------------

def _require(actor, conversation: Conversation, capability: str = "inbox.reply") -> None:
    if not can(actor, capability) or actor.office_id not in handling_office_ids(conversation):
        raise ValidationError(_("Anda tidak menangani percakapan ini."))


def _locked(conversation: Conversation, expected_version: int | None) -> Conversation:
    current = Conversation.objects.select_for_update().select_related("office", "member").get(pk=conversation.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current)
    return current


def _touch(conversation: Conversation, **changes) -> None:
    changes.setdefault("version", F("version") + 1)
    Conversation.objects.filter(pk=conversation.pk).update(**changes)
    conversation.refresh_from_db()


# Replying ----------------------------------------------------------------------------------------------------

REPLY_KIND_ORDER = ("mailto", "whatsapp", "telegram")   # a web-form question: e-mail has no 24-hour window


def reply_route(conversation: Conversation) -> tuple[Channel | None, str]:
    """The channel and address the person last wrote from (replies go back the same way); for a question from
    the portal's contact form, the address they left, on the office's channel for it."""
    last = conversation.messages.filter(direction=Message.Direction.INBOUND, channel__isnull=False).select_related(
        "channel", "inbound").order_by("-created_at", "-id").first()
    if last is not None and last.inbound is not None:
        return last.channel, last.inbound.sender.partition(":")[2]
    channels = usable_channels(conversation.office)
    if conversation.from_contact_form:
        # Only what was typed in that submission, even once linked to a registered member: the member's own
        # addresses belong to whoever registered them, not necessarily to whoever filled in the form.
        candidates = [tuple(urn.split(":", 1)) for urn in conversation.reply_addresses if ":" in urn]
    else:
        candidates = [(a.kind, a.value) for a in conversation.member.addresses.filter(opted_out=False)]
    candidates.sort(key=lambda a: REPLY_KIND_ORDER.index(a[0]) if a[0] in REPLY_KIND_ORDER else 9)
    for kind, value in candidates:
        channel = channels.get(kind)
        if channel is not None and channel.provider.can_reach(kind, value):
            return channel, value
    return None, ""


def window_open(conversation: Conversation, channel: Channel | None) -> bool:
    """Free text is allowed in this conversation (channels.window decides: WhatsApp 24 hours, others always)."""
    if channel is None:
        return False
    last = conversation.messages.filter(direction=Message.Direction.INBOUND, channel=channel).order_by(
        "-created_at").values_list("created_at", flat=True).first()
    return window.open_since(channel, last)


def expand_saved_reply(office, text: str) -> str:
    """ "/jadwal" alone, or at the start of the text, becomes that saved reply's text."""
    stripped = (text or "").strip()
    if not stripped.startswith("/"):
        return text
    code, *more = stripped[1:].split(maxsplit=1) or [""]
    rest = more[0] if more else ""
    saved = SavedReply.objects.filter(office=office, shortcode=code.lower()).first()
    if saved is None:
        raise ValidationError({"text": _("Tidak ada balasan tersimpan dengan kode /%(code)s.") % {"code": code}})
    return f"{saved.text} {rest}".strip()


@transaction.atomic
def reply(*, actor, conversation: Conversation, text: str, expected_version: int | None,
          template: Template | None = None, template_parameters: list[str] = ()) -> Message:
    current = _locked(conversation, expected_version)
    _require(actor, current)
    if current.status == Status.CLOSED:
        raise ValidationError(_("Percakapan ini sudah ditutup. Buka kembali untuk membalas."))
    text = expand_saved_reply(actor.office, text or "").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("Balasan paling banyak %(max)s karakter.") % {"max": MAX_TEXT}})
    channel, recipient = reply_route(current)
    if channel is None:
        raise ValidationError(_("Orang ini belum pernah menulis lewat kanal yang dapat dibalas."))
    if template is None and not window_open(current, channel):
        raise ValidationError({"text": _("Sudah lebih dari 24 jam sejak orang ini terakhir menulis: WhatsApp hanya "
                                         "mengizinkan templat yang disetujui. Pilih templat.")})
    if template is None and not text:
        raise ValidationError({"text": _("Tulis balasan atau pilih templat.")})
    address = Address.objects.filter(office=channel.office, member=current.member, value=recipient,
                                     kind=channel.provider.address_kinds[0]).first()
    delivery = send_direct(channel=channel, recipient=recipient, text=text, member=current.member, address=address,
                           actor=actor, audit_action="conversation.replied", template=template,
                           template_parameters=list(template_parameters))
    message = Message.objects.create(conversation=current, direction=Message.Direction.OUTBOUND, channel=channel,
                                     delivery=delivery, author=actor, author_office=actor.office,
                                     text=delivery.text, created_at=timezone.now())
    changes = {"last_message_at": message.created_at, "status": Status.WAITING}
    if current.assigned_to_id is None and actor.office_id == current.office_id:
        changes["assigned_to"] = actor
    if current.escalated_to_id and actor.office_id == current.escalated_to_id:
        _answer_escalation(current, actor)
        changes["escalated_to"] = None
    _touch(current, **changes)
    return message


def send_automatic(*, conversation: Conversation, text: str, audit_action: str, template: Template | None = None,
                   template_parameters: list[str] = ()) -> tuple[Message | None, str]:
    """A message the platform itself sends into a conversation (a report's receipt, a fact-check answer): the way
    the person last wrote, as free text inside the 24-hour window, else as the given approved template. Returns
    the message, or None and why it could not be sent (shown to staff; nothing is silently dropped)."""
    channel, recipient = reply_route(conversation)
    if channel is None:
        return None, _("Orang ini belum pernah menulis lewat kanal yang dapat dibalas.")
    choice = window.free_text_or_template(channel=channel, window_open=window_open(conversation, channel),
                                          template=template)
    if choice.refused:
        return None, choice.refused
    use_template = choice.template
    with transaction.atomic():
        delivery = send_direct(channel=channel, recipient=recipient, text="" if use_template else text,
                               member=conversation.member, audit_action=audit_action, template=use_template,
                               template_parameters=list(template_parameters) if use_template else [])
        message = Message.objects.create(conversation=conversation, direction=Message.Direction.OUTBOUND,
                                         channel=channel, delivery=delivery, text=delivery.text,
                                         created_at=timezone.now())
        _touch(conversation, last_message_at=message.created_at)
    return message, ""


@transaction.atomic
def add_note(*, actor, conversation: Conversation, text: str) -> Message:
    current = _locked(conversation, None)
    _require(actor, current)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Catatan kosong.")})
    message = Message.objects.create(conversation=current, direction=Message.Direction.NOTE, author=actor,
                                     author_office=actor.office, text=text[:MAX_TEXT], created_at=timezone.now())
    _touch(current)
    record(actor=actor, office=current.office, action="conversation.noted", target=current)
    return message


@transaction.atomic
def assign(*, actor, conversation: Conversation, assignee: User | None) -> Conversation:
    current = _locked(conversation, None)
    _require(actor, current)
    if assignee is not None and (assignee.office_id not in handling_office_ids(current) or not assignee.is_active
                                 or not can(assignee, "inbox.reply")):
        raise ValidationError({"assignee": _("Pilih staf aktif dari satker yang menangani percakapan ini.")})
    before = {"assigned_to": current.assigned_to.username if current.assigned_to else None}
    _touch(current, assigned_to=assignee)
    _event(current, _("Ditangani oleh %(user)s.") % {"user": assignee.username} if assignee else
           _("Tidak lagi ditangani siapa pun."), actor=actor)
    record(actor=actor, office=current.office, action="conversation.assigned", target=current, before=before,
           after={"assigned_to": assignee.username if assignee else None})
    return current


@transaction.atomic
def set_tags(*, actor, conversation: Conversation, tags: list[str]) -> Conversation:
    current = _locked(conversation, None)
    _require(actor, current)
    clean = sorted({" ".join(t.split())[:40] for t in tags if t.strip()})[:20]
    before = {"tags": current.tags}
    _touch(current, tags=clean)
    record(actor=actor, office=current.office, action="conversation.tagged", target=current, before=before,
           after={"tags": clean})
    return current


@transaction.atomic
def close(*, actor, conversation: Conversation) -> Conversation:
    current = _locked(conversation, None)
    _require(actor, current)
    if current.status == Status.CLOSED:
        return current
    current.escalations.filter(status=Escalation.Status.OPEN).update(status=Escalation.Status.ANSWERED,
                                                                     closed_at=timezone.now())
    _touch(current, status=Status.CLOSED, closed_at=timezone.now(), escalated_to=None)
    _event(current, _("Percakapan ditutup."), actor=actor)
    record(actor=actor, office=current.office, action="conversation.closed", target=current)
    return current


@transaction.atomic
def reopen(*, actor, conversation: Conversation) -> Conversation:
    current = _locked(conversation, None)
    _require(actor, current)
    if current.status != Status.CLOSED:
        return current
    if Conversation.objects.filter(office=current.office, member=current.member).exclude(
            status=Status.CLOSED).exists():
        raise ValidationError(_("Orang ini sudah punya percakapan terbuka; lanjutkan di sana."))
    _touch(current, status=Status.OPEN, closed_at=None)
    _event(current, _("Percakapan dibuka kembali."), actor=actor)
    record(actor=actor, office=current.office, action="conversation.reopened", target=current)
    return current


@transaction.atomic
def clear_flood_flag(*, actor, conversation: Conversation) -> Conversation:
    current = _locked(conversation, None)
    _require(actor, current)
    _touch(current, flagged_flood=False)
    record(actor=actor, office=current.office, action="conversation.flood_cleared", target=current)
    return current


LINKABLE_STATUSES = (Member.Status.ACTIVE, Member.Status.INACTIVE)


@transaction.atomic
def link_conversation_to_member(*, actor, conversation: Conversation, member: Member) -> Conversation:
    """Staff, having checked who wrote (a call back, say), file a contact-form conversation under a registered
    member. Nothing is added to the member: replies still go only to the addresses typed in the form."""
    current = _locked(conversation, None)
    _require(actor, current)
    if actor.office_id != current.office_id:
        raise ValidationError(_("Hanya satker asal percakapan yang dapat menghubungkannya ke anggota."))
    if not current.from_contact_form:
        raise ValidationError(_("Hanya pesan dari formulir kontak portal yang dapat dihubungkan ke anggota."))
    if member.office_id != current.office_id or member.status not in LINKABLE_STATUSES:
        raise ValidationError({"member": _("Pilih anggota terdaftar dari satker ini.")})
    if member.pk == current.member_id:
        return current
    if current.status != Status.CLOSED and Conversation.objects.filter(
            office=current.office, member=member).exclude(status=Status.CLOSED).exists():
        raise ValidationError(_("Anggota ini sudah punya percakapan terbuka. Tutup salah satunya dulu, lalu "
                                "hubungkan."))
    previous = current.member
    _touch(current, member=member, linked_by=actor, linked_at=timezone.now())
    _event(current, _("Pengirim formulir (“%(claimed)s”) dihubungkan ke anggota terdaftar %(name)s oleh %(user)s. "
                      "Balasan tetap hanya ke alamat yang diisi di formulir.") % {
        "claimed": previous.full_name, "name": member.full_name, "user": actor.username}, actor=actor)
    record(actor=actor, office=current.office, action="conversation.linked_to_member", target=current,
           before={"member": previous.pk, "name": previous.full_name},
           after={"member": member.pk, "name": member.full_name})
    return current


# Escalation up the tree ------------------------------------------------------------------------------------

@transaction.atomic
def escalate(*, actor, conversation: Conversation, reason: str) -> Escalation:
    current = _locked(conversation, None)
    _require(actor, current)
    handling = current.escalated_to or current.office
    if actor.office_id != handling.pk:
        raise ValidationError(_("Hanya satker yang sedang menangani yang dapat meneruskan."))
    target = handling.parent
    if target is None:
        raise ValidationError(_("KPU RI adalah tingkat tertinggi; tidak ada tempat meneruskan."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tulis apa yang perlu dijawab oleh %(office)s.") % {"office": target.name}})
    if current.status == Status.CLOSED:
        raise ValidationError(_("Percakapan sudah ditutup."))
    now = timezone.now()
    current.escalations.filter(status=Escalation.Status.OPEN).update(status=Escalation.Status.FORWARDED,
                                                                     closed_at=now)
    escalation = Escalation.objects.create(
        conversation=current, from_office=handling, to_office=target, reason=reason[:2000], created_by=actor,
        due_at=add_working_days(now, settings.ESCALATION_WORKING_DAYS, target.timezone))
    _touch(current, escalated_to=target, status=Status.OPEN)
    _event(current, _("Diteruskan ke %(office)s: %(reason)s (tenggat %(due)s)") % {
        "office": target.name, "reason": reason[:300],
        "due": format_moment(escalation.due_at, target)}, actor=actor)
    record(actor=actor, office=current.office, action="conversation.escalated", target=current,
           after={"to": target.code, "due_at": escalation.due_at.isoformat(), "reason": reason[:300]})
    return escalation


def _answer_escalation(conversation: Conversation, actor) -> None:
    conversation.escalations.filter(status=Escalation.Status.OPEN, to_office=actor.office).update(
        status=Escalation.Status.ANSWERED, closed_at=timezone.now())
    _event(conversation, _("Dijawab oleh %(office)s.") % {"office": actor.office.name}, actor=actor)
    record(actor=actor, office=conversation.office, action="conversation.escalation_answered", target=conversation,
           after={"by": actor.office.code})


@transaction.atomic
def return_escalation(*, actor, conversation: Conversation, note: str) -> Conversation:
    """The higher office hands it back without answering the person (with a note for the lower office)."""
    current = _locked(conversation, None)
    if current.escalated_to_id != actor.office_id or not can(actor, "inbox.reply"):
        raise ValidationError(_("Percakapan ini tidak sedang diteruskan ke satker Anda."))
    current.escalations.filter(status=Escalation.Status.OPEN, to_office=actor.office).update(
        status=Escalation.Status.RETURNED, closed_at=timezone.now())
    Message.objects.create(conversation=current, direction=Message.Direction.NOTE, author=actor,
                           author_office=actor.office, text=(note or "").strip()[:MAX_TEXT] or _("Dikembalikan."),
                           created_at=timezone.now())
    _touch(current, escalated_to=None)
    record(actor=actor, office=current.office, action="conversation.escalation_returned", target=current,
           after={"note": (note or "")[:300]})
    return current


def remind_due_escalations() -> int:
    """Open escalations due within a day get one reminder: an audit row, from which the target office's inbox staff
    are notified (notifications.rules: "conversation.escalation_reminded"), as each of them chose."""
    soon = timezone.now() + timedelta(hours=settings.ESCALATION_REMINDER_HOURS)
    due = Escalation.objects.filter(status=Escalation.Status.OPEN, reminded_at__isnull=True,
                                    due_at__lte=soon).select_related("conversation", "to_office")
    count = 0
    for escalation in due:
        if not Escalation.objects.filter(pk=escalation.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()):
            continue
        count += 1
        record(actor=None, office=escalation.to_office, action="conversation.escalation_reminded",
               target=escalation.conversation, after={"due_at": escalation.due_at.isoformat()})
    return count


# Reading ---------------------------------------------------------------------------------------------------

def mark_seen(*, user, conversation: Conversation, message_id: int) -> None:
    """This person has been shown the conversation up to this message. Not audited: a read mark changes nothing
    anyone else sees, and it is written on every opening of a thread."""
    LastSeen.objects.bulk_create(
        [LastSeen(user=user, conversation=conversation, message_id=message_id)],
        update_conflicts=True, unique_fields=["user", "conversation"], update_fields=["message_id"])


# Saved replies -----------------------------------------------------------------------------------------------

@transaction.atomic
def save_reply_template(*, actor, office, shortcode: str, title: str, text: str,
                        saved: SavedReply | None = None) -> SavedReply:
    shortcode = (shortcode or "").strip().lower().lstrip("/")
    errors = {}
    if not shortcode or not shortcode.replace("-", "").replace("_", "").isalnum() or len(shortcode) > 30:
        errors["shortcode"] = _("Kode singkat: huruf kecil, angka, - atau _, paling banyak 30.")
    elif SavedReply.objects.filter(office=office, shortcode=shortcode).exclude(pk=getattr(saved, "pk", None)).exists():
        errors["shortcode"] = _("Kode /%(code)s sudah dipakai.") % {"code": shortcode}
    if not (title or "").strip():
        errors["title"] = _("Judul wajib diisi.")
    if not (text or "").strip():
        errors["text"] = _("Isi balasan wajib diisi.")
    if errors:
        raise ValidationError(errors)
    saved = saved or SavedReply(office=office)
    saved.shortcode, saved.title, saved.text = shortcode, title.strip()[:100], text.strip()[:MAX_TEXT]
    saved.save()
    record(actor=actor, office=office, action="saved_reply.saved", target=saved, after={"shortcode": shortcode})
    return saved


def tick() -> None:
    """Run by the worker every few seconds: reminders of deadlines, media downloads a lost task left pending."""
    from inbox.media import retry_stale

    remind_due_escalations()
    retry_stale()


def erase_member_messages(member) -> int:
    """Erasure (UU 27/2022): what the person wrote and was answered goes, with its files; the threads stay as
    counts, and their tracking numbers keep working (they show no content)."""
    messages = Message.objects.filter(conversation__member=member)
    for message in messages.exclude(media=""):
        message.media.delete(save=False)
    Conversation.objects.filter(member=member).exclude(reply_addresses=[]).update(reply_addresses=[])
    return messages.update(text=REDACTED, media="", media_error="")
