"""Every write to broadcasts and deliveries. Keyword-only, validated, transactional, audited."""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import can
from audit.services import REDACTED, record, redact_target_history
from bakohumas.locking import ConflictError
from broadcasts import engine, rendering, selectors, timing
from broadcasts.audience import compute_audience
from broadcasts.models import (
    PRIORITY_BULK,
    PRIORITY_DIRECT,
    PRIORITY_URGENT,
    Broadcast,
    Delivery,
    GroupPost,
    MessageRate,
    MessagingBudget,
    PendingStatus,
)
from channels.models import Channel, InboundMessage, Template
from content.models import Publication
from members.models import Category, Group

logger = logging.getLogger(__name__)
Status = Broadcast.Status
DStatus = Delivery.Status
MAX_TEXT = 4096
# Status webhooks only move a delivery forward: a "read" that arrives before "delivered" is never downgraded.
STATUS_RANK = {DStatus.QUEUED: 0, DStatus.SENDING: 0, DStatus.SENT: 1, DStatus.FAILED: 2, DStatus.DELIVERED: 3,
               DStatus.READ: 4}
NEEDS_TEMPLATE_CODES = {131047}
WEBHOOK_STATUSES = {"sent": DStatus.SENT, "delivered": DStatus.DELIVERED, "read": DStatus.READ,
                    "failed": DStatus.FAILED}
FIELDS = ("title", "text", "publication", "media_url", "media_kind", "template", "template_parameters",
          "audience_all", "audience_categories", "include_descendants", "include_channel_chats", "urgent",
          "scheduled_at")


def _snapshot(broadcast: Broadcast) -> dict:
    return {"title": broadcast.title, "status": broadcast.status, "text": broadcast.text[:500],
            "audience_all": broadcast.audience_all, "categories": broadcast.audience_categories,
            "groups": sorted(broadcast.audience_groups.values_list("pk", flat=True)) if broadcast.pk else [],
            "scheduled_at": broadcast.scheduled_at.isoformat() if broadcast.scheduled_at else None,
            "urgent": broadcast.urgent}


def max_text_length(media_url: str = "") -> int:
    """What is left of a chat message (4,096 characters) after the opt-out note and the attachment link."""
    overhead = len(rendering.chat_text("")) + (len(media_url.strip()) + 2 if media_url.strip() else 0)
    return MAX_TEXT - overhead


def _validate(office, values: dict, groups: list[Group]) -> dict:
    errors: dict[str, str] = {}
    values["title"] = (values.get("title") or "").strip()
    values["text"] = (values.get("text") or "").replace("\r\n", "\n").strip()
    if not values["title"]:
        errors["title"] = _("Judul siaran wajib diisi.")
    elif len(values["title"]) > 200:
        errors["title"] = _("Judul paling banyak 200 karakter.")
    elif len(values["title"].splitlines()) > 1:
        errors["title"] = _("Judul siaran harus satu baris (tanpa ganti baris): judul menjadi subjek e-mail.")
    if not values["text"]:
        errors["text"] = _("Isi pesan wajib diisi.")
    elif len(values["text"]) > max_text_length(values.get("media_url") or ""):
        errors["text"] = _("Isi pesan %(n)s karakter; dengan catatan cara berhenti berlangganan%(link)s, WhatsApp dan "
                           "Telegram menerima paling banyak %(max)s.") % {
            "n": len(values["text"]), "max": max_text_length(values.get("media_url") or ""),
            "link": _(" dan tautan lampiran") if values.get("media_url") else ""}
    publication = values.get("publication")
    if publication is not None and (publication.office_id != office.pk
                                    or publication.status != Publication.Status.PUBLISHED):
        errors["publication"] = _("Pilih publikasi satker ini yang sudah terbit.")
    media_url, media_kind = (values.get("media_url") or "").strip(), values.get("media_kind") or ""
    values["media_url"] = media_url
    if media_url:
        try:
            URLValidator(schemes=["https", "http"])(media_url)
        except ValidationError:
            errors["media_url"] = _("Tautan lampiran harus alamat http(s) yang lengkap.")
        if media_kind not in (Broadcast.MediaKind.IMAGE, Broadcast.MediaKind.DOCUMENT):
            errors["media_kind"] = _("Pilih jenis lampiran: gambar atau dokumen.")
    else:
        values["media_kind"] = ""
    categories = list(values.get("audience_categories") or [])
    unknown = [c for c in categories if c not in Category.values]
    if unknown:
        errors["audience_categories"] = _("Kategori tidak dikenal: %(list)s.") % {"list": ", ".join(unknown)}
    values["audience_categories"] = categories
    if any(g.office_id != office.pk for g in groups):
        errors["audience_groups"] = _("Grup harus milik satker ini.")
    if not (values.get("audience_all") or categories or groups or values.get("include_channel_chats")):
        errors["audience_groups"] = _("Pilih penerima: semua anggota, grup, atau kategori instansi.")
    template: Template | None = values.get("template")
    parameters = [str(p).strip() for p in values.get("template_parameters") or []]
    values["template_parameters"] = parameters
    if template is not None:
        if template.channel.office_id != office.pk:
            errors["template"] = _("Templat harus milik kanal satker ini.")
        elif template.status != Template.Status.APPROVED:
            errors["template"] = _("Templat “%(name)s” belum disetujui Meta (status: %(status)s).") % {
                "name": template.name, "status": template.get_status_display()}
        elif len(parameters) != len(template.parameters):
            errors["template_parameters"] = _("Templat “%(name)s” memerlukan %(n)s nilai parameter, diisi %(m)s.") % {
                "name": template.name, "n": len(template.parameters), "m": len(parameters)}
        elif any(not p for p in parameters):
            errors["template_parameters"] = _("Setiap parameter templat harus diisi.")
    scheduled_at = values.get("scheduled_at")
    if scheduled_at is not None and scheduled_at < timezone.now() - timedelta(minutes=1):
        errors["scheduled_at"] = _("Jadwal kirim sudah lewat. Kosongkan untuk segera dikirim setelah disetujui.")
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def create_broadcast(*, actor, office, groups: list[Group] = (), **values) -> Broadcast:
    values = _validate(office, {k: values.get(k) for k in FIELDS}, list(groups))
    broadcast = Broadcast.objects.create(office=office, created_by=actor, updated_by=actor,
                                         **{k: v for k, v in values.items() if v is not None or k in (
                                             "publication", "template", "scheduled_at")})
    broadcast.audience_groups.set(groups)
    record(actor=actor, office=office, action="broadcast.created", target=broadcast, after=_snapshot(broadcast))
    return broadcast


def _locked(broadcast: Broadcast) -> Broadcast:
    return Broadcast.objects.select_for_update().select_related("office").get(pk=broadcast.pk)


@transaction.atomic
def update_broadcast(*, actor, broadcast: Broadcast, expected_version: int | None,
                     groups: list[Group] | None = None, **values) -> Broadcast:
    current = _locked(broadcast)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current)
    if current.status != Status.DRAFT:
        raise ValidationError(_("Hanya siaran berstatus draf yang bisa diubah. Kembalikan ke draf dulu."))
    before = _snapshot(current)
    merged = {k: values[k] if k in values else getattr(current, k) for k in FIELDS}
    groups = list(current.audience_groups.all()) if groups is None else list(groups)
    values = _validate(current.office, merged, groups)
    for key, value in values.items():
        setattr(current, key, value)
    current.updated_by = actor
    current.version = F("version") + 1
    current.save()
    current.audience_groups.set(groups)
    current.refresh_from_db()
    record(actor=actor, office=current.office, action="broadcast.updated", target=current, before=before,
           after=_snapshot(current))
    return current


def _release(broadcast: Broadcast, actor) -> None:
    """Approved: wait for the schedule (moved past quiet hours unless urgent), or start now."""
    broadcast.status = Status.SCHEDULED
    plan = timing.start_plan(broadcast)
    broadcast.scheduled_at = plan.at
    broadcast.held_from = plan.planned if plan.held else None
    if plan.at <= timezone.now():
        transaction.on_commit(lambda: _enqueue_start(broadcast.pk))


def _check_budget(broadcast: Broadcast) -> int:
    """The broadcast's estimated cost, or a refusal naming the figures when it would exceed the month's budget."""
    audience = compute_audience(broadcast)
    estimate = selectors.cost_estimate(broadcast, audience, Channel.objects.in_bulk(list(audience.per_channel())))
    budget = selectors.month_budget(broadcast.office)
    if budget.limit is not None and budget.spent + estimate.cost > budget.limit:
        raise ValidationError(_(
            "Siaran tidak dapat disetujui: anggaran pesan %(month)s %(limit)s, sudah terpakai %(spent)s oleh siaran "
            "yang disetujui bulan ini, dan siaran ini diperkirakan %(cost)s (jumlah %(total)s, lebih %(over)s). "
            "Minta admin satker menaikkan anggaran, atau kurangi penerima yang memerlukan templat.") % {
            "month": budget.month_label, "limit": selectors.rupiah(budget.limit),
            "spent": selectors.rupiah(budget.spent), "cost": selectors.rupiah(estimate.cost),
            "total": selectors.rupiah(budget.spent + estimate.cost),
            "over": selectors.rupiah(budget.spent + estimate.cost - budget.limit)})
    return estimate.cost


def _enqueue_start(broadcast_id: int) -> None:
    from broadcasts.tasks import start_broadcast_task

    start_broadcast_task.enqueue(broadcast_id)


@transaction.atomic
def submit_broadcast(*, actor, broadcast: Broadcast, urgent: bool = False) -> Broadcast:
    """Urgent: the author asks for it to go out during quiet hours too (the approver sees that before approving)."""
    current = _locked(broadcast)
    if current.status != Status.DRAFT:
        raise ValidationError(_("Siaran ini tidak berstatus draf."))
    current.urgent = current.urgent or urgent
    if current.office.broadcast_requires_approval:
        current.status = Status.PENDING
        action = "broadcast.submitted"
    else:
        current.estimated_cost = _check_budget(current)
        current.approved_by, current.approved_at = actor, timezone.now()
        _release(current, actor)
        action = "broadcast.released"
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record(actor=actor, office=current.office, action=action, target=current, after=_snapshot(current))
    return current


@transaction.atomic
def approve_broadcast(*, actor, broadcast: Broadcast, urgent: bool = False) -> Broadcast:
    """Urgent: the approver lets it go out during quiet hours too instead of waiting for their end."""
    current = _locked(broadcast)
    if current.status != Status.PENDING:
        raise ValidationError(_("Siaran ini tidak sedang menunggu persetujuan."))
    if not can(actor, "broadcast.approve") or actor.office_id != current.office_id:
        raise ValidationError(_("Anda tidak berwenang menyetujui siaran satker ini."))
    if actor.pk in (current.created_by_id, current.updated_by_id):
        raise ValidationError(_("Siaran harus disetujui staf lain, bukan penyusun atau pengubah terakhirnya."))
    if current.scheduled_at is not None and current.scheduled_at < timezone.now() - timedelta(hours=1):
        current.scheduled_at = None   # approved late: send now rather than refuse
    current.urgent = current.urgent or urgent
    current.estimated_cost = _check_budget(current)
    current.approved_by, current.approved_at = actor, timezone.now()
    _release(current, actor)
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record(actor=actor, office=current.office, action="broadcast.approved", target=current,
           after=_snapshot(current))
    return current


@transaction.atomic
def return_to_draft(*, actor, broadcast: Broadcast, note: str = "") -> Broadcast:
    current = _locked(broadcast)
    if current.status not in (Status.PENDING, Status.SCHEDULED):
        raise ValidationError(_("Hanya siaran yang menunggu persetujuan atau terjadwal yang bisa dikembalikan."))
    current.status, current.approved_by, current.approved_at = Status.DRAFT, None, None
    if current.held_from is not None:   # back to what its author chose, before quiet hours moved it
        current.scheduled_at = current.held_from
    if current.scheduled_at is not None and current.scheduled_at <= timezone.now():
        current.scheduled_at = None
    current.held_from, current.estimated_cost = None, None
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record(actor=actor, office=current.office, action="broadcast.returned", target=current,
           after={"note": note.strip()[:300]})
    return current


@transaction.atomic
def mark_urgent(*, actor, broadcast: Broadcast) -> Broadcast:
    """A broadcast waiting for quiet hours to end (or held by them while sending) goes out now after all."""
    current = _locked(broadcast)
    if not selectors.may_approve(actor, current):
        raise ValidationError(_("Hanya staf yang boleh menyetujui siaran ini yang dapat menandainya mendesak."))
    if current.urgent:
        raise ValidationError(_("Siaran ini sudah mendesak."))
    if current.status not in (Status.SCHEDULED, Status.SENDING, Status.PAUSED):
        raise ValidationError(_("Hanya siaran yang terjadwal atau sedang dikirim yang dapat ditandai mendesak."))
    before = _snapshot(current)
    current.urgent = True
    if current.status == Status.SCHEDULED and current.held_from is not None:
        current.scheduled_at, current.held_from = max(current.held_from, timezone.now()), None
        if current.scheduled_at <= timezone.now():
            pk = current.pk
            transaction.on_commit(lambda: _enqueue_start(pk))
    current.version = F("version") + 1
    current.save()
    raised = current.deliveries.filter(status__in=[DStatus.QUEUED, DStatus.HELD]).update(priority=PRIORITY_URGENT)
    current.refresh_from_db()
    if current.status == Status.SENDING:
        for channel_id in current.deliveries.order_by().values_list("channel_id", flat=True).distinct():
            engine.ensure_pump(channel_id)
    record(actor=actor, office=current.office, action="broadcast.marked_urgent", target=current, before=before,
           after={**_snapshot(current), "queued": raised})
    return current


@transaction.atomic
def pause_broadcast(*, actor, broadcast: Broadcast) -> Broadcast:
    current = _locked(broadcast)
    if current.status != Status.SENDING:
        raise ValidationError(_("Hanya siaran yang sedang dikirim yang bisa dijeda."))
    current.status = Status.PAUSED
    current.version = F("version") + 1
    current.save()
    # Held rows leave the queue; the few a worker already holds finish their send.
    held = current.deliveries.filter(status=DStatus.QUEUED).update(status=DStatus.HELD)
    current.refresh_from_db()
    record(actor=actor, office=current.office, action="broadcast.paused", target=current, after={"held": held})
    return current


@transaction.atomic
def resume_broadcast(*, actor, broadcast: Broadcast) -> Broadcast:
    current = _locked(broadcast)
    if current.status != Status.PAUSED:
        raise ValidationError(_("Siaran ini tidak sedang dijeda."))
    current.status = Status.SENDING
    current.version = F("version") + 1
    current.save()
    resumed = current.deliveries.filter(status=DStatus.HELD).update(status=DStatus.QUEUED,
                                                                     next_attempt_at=timezone.now())
    current.refresh_from_db()
    for channel_id in set(current.deliveries.values_list("channel_id", flat=True).distinct()):
        engine.ensure_pump(channel_id)
    record(actor=actor, office=current.office, action="broadcast.resumed", target=current,
           after={"resumed": resumed})
    return current


@transaction.atomic
def cancel_broadcast(*, actor, broadcast: Broadcast) -> Broadcast:
    current = _locked(broadcast)
    if current.status in (Status.DONE, Status.CANCELLED):
        raise ValidationError(_("Siaran ini sudah selesai atau dibatalkan."))
    cancelled = current.deliveries.filter(status__in=[DStatus.QUEUED, DStatus.HELD]).update(
        status=DStatus.SKIPPED, error_outcome="cancelled")
    current.status, current.finished_at = Status.CANCELLED, timezone.now()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record(actor=actor, office=current.office, action="broadcast.cancelled", target=current,
           after={"not_sent": cancelled})
    return current


@transaction.atomic
def update_cost_settings(*, actor, office, rates: dict[str, int | None], monthly_limit: int | None) -> None:
    """The office's rates per template category (None: not set) and its monthly budget (None: no limit)."""
    if not can(actor, "channels.manage") or actor.office_id != office.pk:
        raise ValidationError(_("Hanya admin satker ini yang dapat mengubah tarif dan anggaran pesan."))
    errors = {}
    for category, rate in rates.items():
        if category not in Template.Category.values:
            errors["__all__"] = _("Kategori templat tidak dikenal: %(c)s.") % {"c": category}
        elif rate is not None and not 0 <= rate <= 1_000_000:
            errors[f"rate_{category}"] = _("Tarif %(c)s harus antara Rp0 dan Rp1.000.000 per pesan.") % {
                "c": Template.Category(category).label}
    if monthly_limit is not None and monthly_limit < 0:
        errors["monthly_limit"] = _("Anggaran per bulan tidak boleh negatif.")
    if errors:
        raise ValidationError(errors)
    before = {"rates": selectors.message_rates(office), "monthly_limit": selectors.month_budget(office).limit}
    for category, rate in rates.items():
        if rate is None:
            MessageRate.objects.filter(office=office, category=category).delete()
        else:
            MessageRate.objects.update_or_create(office=office, category=category, defaults={"rate": rate})
    if monthly_limit is None:
        MessagingBudget.objects.filter(office=office).delete()
    else:
        MessagingBudget.objects.update_or_create(office=office, defaults={"monthly_limit": monthly_limit})
    after = {"rates": selectors.message_rates(office), "monthly_limit": monthly_limit}
    if after != before:
        record(actor=actor, office=office, action="broadcast.cost_settings", target=office, before=before,
               after=after)


# Starting: the audience becomes Delivery rows --------------------------------------------------------------

def start_broadcast(*, broadcast_id: int) -> Broadcast | None:
    """Draw the audience and queue one delivery per recipient, all in one transaction (idempotent)."""
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().select_related("office").filter(
            pk=broadcast_id, status=Status.SCHEDULED, scheduled_at__lte=timezone.now()).first()
        if broadcast is None:
            return None
        audience = compute_audience(broadcast)
        now = timezone.now()
        priority = PRIORITY_URGENT if broadcast.urgent else PRIORITY_BULK
        Delivery.objects.bulk_create(
            (Delivery(broadcast=broadcast, channel_id=r.channel_id, member_id=r.member_id,
                      address_id=r.address_id, recipient=r.recipient, recipient_name=r.name[:150],
                      priority=priority, next_attempt_at=now) for r in audience.recipients),
            batch_size=2000, ignore_conflicts=True)
        broadcast.total_recipients = len(audience.recipients)
        broadcast.excluded = dict(audience.excluded)
        broadcast.started_at = now
        broadcast.status = Status.SENDING if audience.recipients else Status.DONE
        if not audience.recipients:
            broadcast.finished_at = now
        broadcast.save(update_fields=["total_recipients", "excluded", "started_at", "status", "finished_at"])
        record(actor=None, office=broadcast.office, action="broadcast.started", target=broadcast,
               after={"recipients": broadcast.total_recipients, "excluded": broadcast.excluded,
                      "per_channel": {str(k): v for k, v in audience.per_channel().items()}})
        for channel_id in audience.per_channel():
            engine.ensure_pump(channel_id)
    return broadcast


def start_due_broadcasts() -> int:
    due = Broadcast.objects.filter(status=Status.SCHEDULED, scheduled_at__lte=timezone.now())
    started = 0
    for broadcast_id in due.values_list("pk", flat=True)[:100]:
        started += start_broadcast(broadcast_id=broadcast_id) is not None
    return started


# Direct messages (replies, confirmations): ahead of every broadcast --------------------------------------

def send_direct(*, channel: Channel, recipient: str, text: str, member=None, address=None, actor=None,
                audit_action: str = "message.queued", template: Template | None = None,
                template_parameters: list[str] = ()) -> Delivery:
    if template is not None:
        if template.channel_id != channel.pk or template.status != Template.Status.APPROVED:
            raise ValidationError({"template": _("Pilih templat yang disetujui untuk kanal ini.")})
        if len(template_parameters) != len(template.parameters) or any(not p.strip() for p in template_parameters):
            raise ValidationError({"template_parameters": _("Templat “%(name)s” memerlukan %(n)s nilai parameter.")
                                   % {"name": template.name, "n": len(template.parameters)}})
        text = text or template.body
    if not text.strip():
        raise ValidationError({"text": _("Pesan kosong tidak dapat dikirim.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("Pesan paling banyak %(max)s karakter.") % {"max": MAX_TEXT}})
    with transaction.atomic():
        delivery = Delivery.objects.create(channel=channel, recipient=recipient, text=text, member=member,
                                           address=address, priority=PRIORITY_DIRECT, template=template,
                                           template_parameters=list(template_parameters),
                                           recipient_name=(member.full_name if member else "")[:150],
                                           next_attempt_at=timezone.now())
        record(actor=actor, office=channel.office, action=audit_action, target=delivery,
               target_label=f"{channel.name} → {recipient}", after={"text": text[:300]})
        engine.ensure_pump(channel.pk)
    return delivery


# WhatsApp groups (pasted by hand) ----------------------------------------------------------------------------

@transaction.atomic
def record_group_post(*, actor, broadcast: Broadcast, group_name: str) -> GroupPost:
    name = " ".join((group_name or "").split())
    if not name:
        raise ValidationError({"group_name": _("Tulis nama grup WhatsApp tempat pesan ditempel.")})
    if len(name) > 150:
        raise ValidationError({"group_name": _("Nama grup paling banyak 150 karakter.")})
    if broadcast.status in (Status.DRAFT, Status.PENDING, Status.CANCELLED):
        raise ValidationError(_("Tempel ke grup setelah siaran disetujui."))
    post = GroupPost.objects.create(broadcast=broadcast, group_name=name, posted_by=actor)
    record(actor=actor, office=broadcast.office, action="broadcast.group_posted", target=broadcast,
           after={"group": name})
    return post


# Provider feedback ---------------------------------------------------------------------------------------------

def apply_status(*, channel: Channel, provider_message_id: str, status: str, at: datetime,
                 error_code: int | None = None, error_title: str = "") -> bool:
    """One status webhook. Idempotent and order-free: only forward moves; timestamps fill once."""
    new = WEBHOOK_STATUSES.get(status)
    if new is None or not provider_message_id:
        logger.info("channel %s: status %r for message %r ignored", channel.pk, status, provider_message_id)
        return False
    rows = Delivery.objects.filter(channel=channel, provider_message_id=provider_message_id)
    if not rows.exists():
        PendingStatus.objects.create(channel=channel, provider_message_id=provider_message_id[:200], status=status,
                                     at=at, error_code=error_code, error_title=error_title[:300])
        return False
    if new == DStatus.FAILED and error_code in NEEDS_TEMPLATE_CODES and _resend_as_template(rows):
        engine.ensure_pump(channel.pk)
        return True
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[new]]
    changes: dict = {"status": new}
    if new == DStatus.FAILED:
        changes.update(failed_at=at, error_outcome="failed", error_code=error_code, error_detail=error_title[:500])
    rows.filter(status__in=lower).update(**changes)
    stamp = {DStatus.SENT: "sent_at", DStatus.DELIVERED: "delivered_at", DStatus.READ: "read_at"}.get(new)
    if stamp == "delivered_at":   # a "read" that came first filled it with its own, later time
        rows.filter(Q(delivered_at__isnull=True) | Q(delivered_at__gt=at)).update(delivered_at=at)
    elif stamp:
        rows.filter(**{f"{stamp}__isnull": True}).update(**{stamp: at})
    if new == DStatus.READ:
        rows.filter(delivered_at__isnull=True).update(delivered_at=at)   # read implies delivered
    if new == DStatus.FAILED and error_code == 131026:
        from members.models import Address

        Address.objects.filter(deliveries__in=rows, undeliverable_at__isnull=True).update(
            undeliverable_at=at, undeliverable_reason=error_title[:300] or "131026")
    return True


def _resend_as_template(rows) -> bool:
    """WhatsApp may report "outside the 24-hour window" only later, by webhook: resend those as the template."""
    return bool(rows.filter(status__in=[DStatus.SENT, DStatus.SENDING], via_template=False,
                            broadcast__template__isnull=False).update(
        status=DStatus.QUEUED, via_template=True, provider_message_id="", next_attempt_at=timezone.now()))


def mark_channel_broken(*, channel: Channel, result) -> None:
    """The account itself fails (expired token): stop the channel and keep its queue. The audit row tells the
    office's admins (notifications.rules: "channel.broken"), by the page and as each of them chose."""
    reason = f"{result.error_code or ''} {result.detail}".strip()[:300]
    with transaction.atomic():
        updated = Channel.objects.filter(pk=channel.pk, status=Channel.Status.ACTIVE).update(
            status=Channel.Status.BROKEN, status_reason=reason, version=F("version") + 1)
        if not updated:
            return
        record(actor=None, office=channel.office, action="channel.broken", target=channel, after={"reason": reason})
    logger.error("channel %s (%s) stopped: %s", channel.pk, channel.name, reason)


def erase_member_traffic(member) -> int:
    """Erasure (UU 27/2022): deliveries keep counts and statuses, not who they went to; what the person wrote to
    the office's channels goes. Call before the member's addresses are deleted."""
    deliveries = Delivery.objects.filter(member=member)
    redact_target_history(target_type=Delivery._meta.label_lower,
                          target_ids=[str(pk) for pk in deliveries.values_list("pk", flat=True)])
    count = deliveries.update(recipient=Concat(Value(REDACTED[:200] + " #"), Cast("pk", CharField())),
                              recipient_name="", text="")
    InboundMessage.objects.filter(channel__office=member.office,
                                  sender__in=[a.urn for a in member.addresses.all()]).delete()
    return count

