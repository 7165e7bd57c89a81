"""The delivery engine: pumps claim due Delivery rows, send them through the channel's provider, record results.

Durability: a Delivery row is the only state. A pump claims at most DELIVERY_CONCURRENCY rows at a time
(status "sending", with its worker id and time), sends them, and writes every outcome in one transaction. A
worker killed mid-batch leaves its rows "sending"; after DELIVERY_CLAIM_LEASE_SECONDS any pump puts them back
in the queue marked `possible_duplicate` (they may have reached the provider before the kill).

Rate: `Channel.next_send_at` is a token bucket shared by every worker (one short row-locked update per batch);
each message of a batch gets its own slot 1/rate apart, and the provider waits for the slot before sending.
Retry-After from a provider pushes the whole channel's bucket forward. Per recipient, a message waits until the
provider's minimum interval (WhatsApp 6 s; Telegram 1 s per chat, 3 s per group) has passed since the last one.
"""

import logging
import os
import random
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.tasks import default_task_backend
from django.utils import timezone

from broadcasts import rendering
from broadcasts.models import PRIORITY_URGENT, Broadcast, Delivery, PendingStatus
from channels.models import Channel, InboundMessage
from channels.providers.base import (
    ACCEPTED,
    BAD_ADDRESS,
    CHANNEL_BROKEN,
    NEEDS_TEMPLATE,
    TRANSIENT,
    OutgoingMessage,
    SendResult,
    TemplateMessage,
)
from members.models import Address, Consent, Purpose
from offices.quiet import in_quiet_hours

logger = logging.getLogger(__name__)
Status = Delivery.Status
RATE_MARGIN = 0.97          # slots slightly wider than 1/rate, so that network jitter never bunches above the limit
PUMP_QUEUE_STALE = timedelta(minutes=5)
BACKOFF_CAP_SECONDS = 900
PENDING_STATUS_KEPT = timedelta(days=7)   # a status for a message we never sent is dropped after this


@dataclass
class PumpStats:
    batches: int = 0
    accepted: int = 0
    failed: int = 0
    retried: int = 0
    deferred: int = 0
    skipped: int = 0


def requeue_stale_claims(channel_id: int) -> int:
    """Rows left "sending" by a worker that died: back to the queue, marked as possibly sent already."""
    cutoff = timezone.now() - timedelta(seconds=settings.DELIVERY_CLAIM_LEASE_SECONDS)
    count = Delivery.objects.filter(channel_id=channel_id, status=Status.SENDING, claimed_at__lt=cutoff).update(
        status=Status.QUEUED, possible_duplicate=True, claimed_by="", next_attempt_at=timezone.now())
    if count:
        logger.warning("channel %s: %s deliveries of a stopped worker requeued as possible duplicates",
                       channel_id, count)
    return count


def claim(channel: Channel, worker_id: str, limit: int, *, bulk_allowed: bool = True) -> list[int]:
    now = timezone.now()
    due = Delivery.objects.filter(channel_id=channel.pk, status=Status.QUEUED, next_attempt_at__lte=now)
    if not bulk_allowed:
        due = due.filter(priority__gte=PRIORITY_URGENT)
    with transaction.atomic():
        ids = list(due.order_by("-priority", "next_attempt_at").select_for_update(skip_locked=True)
                   .values_list("pk", flat=True)[:limit])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(status=Status.SENDING, claimed_by=worker_id[:100],
                                                       claimed_at=now, attempts=F("attempts") + 1)
    return ids


def reserve_slots(channel_id: int, count: int, rate: float) -> tuple[float, float]:
    """(first slot, spacing) in epoch seconds for `count` messages, from the bucket shared by all workers."""
    spacing = 0.0 if rate <= 0 else 1.0 / (rate * RATE_MARGIN)
    with transaction.atomic():
        row = Channel.objects.select_for_update().values_list("next_send_at", flat=True).get(pk=channel_id)
        start = max(time.time(), row)
        Channel.objects.filter(pk=channel_id).update(next_send_at=start + spacing * count)
    return start, spacing


def hold_channel(channel_id: int, seconds: float) -> None:
    """A provider said "slow down" for the whole account: no slot before now + seconds, for every worker."""
    Channel.objects.filter(pk=channel_id, next_send_at__lt=time.time() + seconds).update(
        next_send_at=time.time() + seconds)


def backoff_seconds(attempts: int, retry_after: float | None) -> float:
    delay = min(BACKOFF_CAP_SECONDS, 2 ** min(attempts, 12)) * random.uniform(0.8, 1.2)
    return max(delay, retry_after or 0.0)


def _in_window(channel: Channel, deliveries: list[Delivery]) -> set[str]:
    window = channel.provider.session_window
    if window is None:
        return set()
    kind = channel.provider.address_kinds[0]
    senders = {f"{kind}:{d.recipient}" for d in deliveries}
    recent = InboundMessage.objects.filter(channel=channel, sender__in=senders,
                                           sent_at__gte=timezone.now() - window).values_list("sender", flat=True)
    return {sender.split(":", 1)[1] for sender in recent}


def _no_longer_allowed(deliveries: list[Delivery]) -> set[int]:
    """Broadcast deliveries whose address opted out or withdrew consent after the audience was drawn."""
    address_ids = {d.address_id for d in deliveries if d.broadcast_id and d.address_id}
    if not address_ids:
        return set()
    opted_out = set(Address.objects.filter(pk__in=address_ids, opted_out=True).values_list("pk", flat=True))
    consented = set(Consent.objects.filter(address_id__in=address_ids, purpose=Purpose.DISSEMINATION,
                                           withdrawn_at__isnull=True).values_list("address_id", flat=True))
    return opted_out | (address_ids - consented)


def _too_soon(channel: Channel, deliveries: list[Delivery]) -> dict[int, float]:
    """Delivery id → epoch second at which its recipient may get the next message."""
    intervals = {d.pk: channel.provider.recipient_interval(d.recipient) for d in deliveries}
    longest = max(intervals.values(), default=0.0)
    if longest <= 0:
        return {}
    last_sent = dict(Delivery.objects.filter(
        channel=channel, recipient__in={d.recipient for d in deliveries},
        sent_at__gte=timezone.now() - timedelta(seconds=longest)).values("recipient").annotate(
        last=Max("sent_at")).values_list("recipient", "last"))
    wait: dict[int, float] = {}
    for delivery in deliveries:
        interval = intervals[delivery.pk]
        last = last_sent.get(delivery.recipient)
        if interval and last is not None and last.timestamp() + interval > time.time():
            wait[delivery.pk] = last.timestamp() + interval
        elif interval:
            last_sent[delivery.recipient] = timezone.now()  # a second message to the same person in this batch waits
    return wait


def _message(channel: Channel, delivery: Delivery, in_window: set[str]) -> OutgoingMessage:
    broadcast = delivery.broadcast
    if broadcast is None:
        template = None
        if delivery.template_id:
            template = TemplateMessage(delivery.template.name, delivery.template.language,
                                       tuple(delivery.template_parameters) if not delivery.template.named_parameters
                                       else dict(zip(delivery.template.parameters, delivery.template_parameters,
                                                     strict=False)))
        return OutgoingMessage(to=delivery.recipient, text=delivery.text, subject=rendering.direct_subject(channel),
                               template=template)
    template = None
    if broadcast.template_id and broadcast.template.channel_id == channel.pk and (
            delivery.via_template or delivery.recipient not in in_window):
        parameters = [str(p).replace("{nama}", delivery.recipient_name or "") for p in broadcast.template_parameters]
        if broadcast.template.named_parameters:
            parameters = dict(zip(broadcast.template.parameters, parameters, strict=False))
        template = TemplateMessage(broadcast.template.name, broadcast.template.language, tuple(parameters)
                                   if isinstance(parameters, list) else parameters)
    if not channel.provider.sends_email:
        text = rendering.chat_text(broadcast.text) if delivery.member_id else broadcast.text
        return OutgoingMessage(to=delivery.recipient, text=text, template=template, media_url=broadcast.media_url,
                               media_kind=broadcast.media_kind, subject=broadcast.title)
    unsubscribe = rendering.unsubscribe_url(delivery.address_id) if delivery.address_id else ""
    return OutgoingMessage(to=delivery.recipient, subject=broadcast.title,
                           text=rendering.email_text(broadcast.text, unsubscribe),
                           html=rendering.email_html(broadcast.text, unsubscribe), template=template,
                           media_url=broadcast.media_url, media_kind=broadcast.media_kind,
                           unsubscribe_url=unsubscribe)


def send_claimed(channel: Channel, ids: list[int], stats: PumpStats) -> None:
    deliveries = list(Delivery.objects.filter(pk__in=ids).select_related("broadcast", "broadcast__template",
                                                                          "template"))
    now = timezone.now()
    skipped_ids = _no_longer_allowed(deliveries)
    wait = _too_soon(channel, [d for d in deliveries if d.address_id not in skipped_ids or not d.broadcast_id])
    to_send, updates = [], []
    for delivery in deliveries:
        if delivery.broadcast_id and delivery.address_id in skipped_ids:
            delivery.status, delivery.error_detail = Status.SKIPPED, "opted_out"
            stats.skipped += 1
            updates.append(delivery)
        elif delivery.pk in wait:
            delivery.status, delivery.attempts = Status.QUEUED, delivery.attempts - 1
            delivery.next_attempt_at = datetime.fromtimestamp(wait[delivery.pk], tz=UTC)
            stats.deferred += 1
            updates.append(delivery)
        else:
            to_send.append(delivery)
    results: list[SendResult] = []
    if to_send:
        in_window = _in_window(channel, to_send)
        messages = [_message(channel, d, in_window) for d in to_send]
        start, spacing = reserve_slots(channel.pk, len(to_send), channel.rate_per_second)   # just before sending
        messages = [OutgoingMessage(**{**m.__dict__, "not_before": start + i * spacing})
                    for i, m in enumerate(messages)]
        for delivery, message in zip(to_send, messages, strict=True):
            delivery.via_template = message.template is not None
        try:
            results = channel.provider.send_batch(channel, messages, timeout=settings.DELIVERY_SEND_TIMEOUT)
        except Exception as exc:  # a provider bug must not strand the batch in "sending"
            logger.exception("channel %s: provider failed on a batch", channel.pk)
            results = [SendResult(ok=False, provider_message_id="", outcome=TRANSIENT, detail=str(exc)[:300])
                       ] * len(to_send)
    broken: SendResult | None = None
    hold: float = 0.0
    sent_now = timezone.now()
    accepted: list[Delivery] = []
    for delivery, result in zip(to_send, results, strict=True):
        delivery.claimed_by = ""
        delivery.error_outcome, delivery.error_code, delivery.error_detail = (
            "" if result.ok else result.outcome, result.error_code, result.detail[:500])
        if result.outcome == ACCEPTED:
            delivery.status = Status.DELIVERED if result.delivered else Status.SENT
            delivery.provider_message_id = result.provider_message_id[:200]
            delivery.sent_at = sent_now
            if result.delivered:
                delivery.delivered_at = sent_now
            stats.accepted += 1
            accepted.append(delivery)
            continue
        if result.outcome == NEEDS_TEMPLATE and delivery.broadcast_id and delivery.broadcast.template_id \
                and not delivery.via_template and delivery.broadcast.template.channel_id == channel.pk:
            delivery.status, delivery.via_template, delivery.next_attempt_at = Status.QUEUED, True, now
            delivery.attempts -= 1
            stats.retried += 1
        elif result.outcome == CHANNEL_BROKEN:
            delivery.status, delivery.attempts, delivery.next_attempt_at = Status.QUEUED, delivery.attempts - 1, now
            broken = result
        elif result.outcome == TRANSIENT and delivery.attempts < settings.DELIVERY_MAX_ATTEMPTS:
            delivery.status = Status.QUEUED
            delivery.possible_duplicate = delivery.possible_duplicate or result.uncertain
            delivery.next_attempt_at = sent_now + timedelta(seconds=backoff_seconds(delivery.attempts,
                                                                                   result.retry_after))
            if result.retry_after:
                hold = max(hold, result.retry_after)
            stats.retried += 1
        else:
            delivery.status, delivery.failed_at = Status.FAILED, sent_now
            stats.failed += 1
            if result.outcome == BAD_ADDRESS and delivery.address_id:
                Address.objects.filter(pk=delivery.address_id, undeliverable_at__isnull=True).update(
                    undeliverable_at=sent_now, undeliverable_reason=(result.detail or str(result.error_code))[:300])
        updates.append(delivery)
    with transaction.atomic():
        _save_accepted(accepted, sent_now)
        if updates:
            Delivery.objects.bulk_update(updates, ["status", "attempts", "next_attempt_at", "claimed_by",
                                                   "provider_message_id", "via_template", "possible_duplicate",
                                                   "error_outcome", "error_code", "error_detail", "sent_at",
                                                   "delivered_at", "failed_at"])
        if accepted:
            _apply_pending(channel, [d.provider_message_id for d in accepted])
    if hold:
        hold_channel(channel.pk, hold)
    if broken is not None:
        from broadcasts.services import mark_channel_broken

        mark_channel_broken(channel=channel, result=broken)
    stats.batches += 1


def _save_accepted(accepted: list[Delivery], sent_now) -> None:
    """The common case, written cheaply: one UPDATE per kind of success, then only the provider ids row by row."""
    groups: dict[tuple, list[int]] = {}
    for delivery in accepted:
        groups.setdefault((delivery.status, delivery.via_template), []).append(delivery.pk)
    for (status, via_template), ids in groups.items():
        Delivery.objects.filter(pk__in=ids).update(
            status=status, via_template=via_template, claimed_by="", error_outcome="", error_code=None,
            error_detail="", sent_at=sent_now, delivered_at=sent_now if status == Status.DELIVERED else None)
    if accepted:
        Delivery.objects.bulk_update(accepted, ["provider_message_id"])


def _apply_pending(channel: Channel, provider_ids: list[str]) -> None:
    from broadcasts.services import apply_status

    pending = list(PendingStatus.objects.filter(channel=channel, provider_message_id__in=provider_ids))
    for row in sorted(pending, key=lambda p: p.at):
        apply_status(channel=channel, provider_message_id=row.provider_message_id, status=row.status, at=row.at,
                     error_code=row.error_code, error_title=row.error_title)
    if pending:
        PendingStatus.objects.filter(pk__in=[p.pk for p in pending]).delete()


def apply_late_statuses() -> int:
    """A status webhook that raced the commit of its send (it looked before the provider id was saved) is kept as
    pending; the tick applies it once the delivery is there."""
    known = Delivery.objects.filter(channel_id=OuterRef("channel_id"), provider_message_id=OuterRef(
        "provider_message_id"))
    late = PendingStatus.objects.filter(Exists(known)).values_list("channel_id", "provider_message_id")
    by_channel: dict[int, list[str]] = {}
    for channel_id, provider_id in late[:5000]:
        by_channel.setdefault(channel_id, []).append(provider_id)
    for channel_id, provider_ids in by_channel.items():
        with transaction.atomic():
            _apply_pending(Channel.objects.get(pk=channel_id), provider_ids)
    return sum(len(ids) for ids in by_channel.values())


def finish_broadcasts(channel_id: int | None = None) -> int:
    """Broadcasts with nothing left to send become "done"."""
    sending = Broadcast.objects.filter(status=Broadcast.Status.SENDING)
    if channel_id is not None:
        sending = sending.filter(deliveries__channel_id=channel_id).distinct()
    done = 0
    for broadcast in sending:
        if not broadcast.deliveries.filter(status__in=[Status.QUEUED, Status.SENDING, Status.HELD]).exists():
            done += Broadcast.objects.filter(pk=broadcast.pk, status=Broadcast.Status.SENDING).update(
                status=Broadcast.Status.DONE, finished_at=timezone.now())
    return done


def pump(channel_id: int, *, worker_id: str = "", seconds: float | None = None) -> PumpStats:
    """Send what is due on one channel for up to `seconds`, then queue the next pump when work remains."""
    stats = PumpStats()
    worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}"
    deadline = time.monotonic() + (settings.DELIVERY_PUMP_SECONDS if seconds is None else seconds)
    Channel.objects.filter(pk=channel_id, pump_queued_at__lte=timezone.now()).update(pump_queued_at=None)
    requeue_stale_claims(channel_id)
    while time.monotonic() < deadline:
        channel = Channel.objects.select_related("office").get(pk=channel_id)
        if channel.status != Channel.Status.ACTIVE:
            break
        ids = claim(channel, worker_id, settings.DELIVERY_CONCURRENCY,
                    bulk_allowed=not in_quiet_hours(channel.office))
        if not ids:
            break
        send_claimed(channel, ids, stats)
    finish_broadcasts(channel_id)
    schedule_next_pump(channel_id)
    return stats


def next_due(channel_id: int, *, bulk_allowed: bool = True):
    due = Delivery.objects.filter(channel_id=channel_id, status=Status.QUEUED)
    if not bulk_allowed:
        due = due.filter(priority__gte=PRIORITY_URGENT)
    return due.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()


def schedule_next_pump(channel_id: int) -> None:
    channel = Channel.objects.select_related("office").get(pk=channel_id)
    if channel.status != Channel.Status.ACTIVE:
        return
    quiet = in_quiet_hours(channel.office)
    at = next_due(channel_id, bulk_allowed=not quiet)
    if at is not None:
        ensure_pump(channel_id, at=at)


def ensure_pump(channel_id: int, *, at=None) -> bool:
    """Queue a pump task for the channel unless one is already queued for that time or earlier."""
    from broadcasts.tasks import pump_channel

    now = timezone.now()
    at = max(at or now, now)
    if at > now and not default_task_backend.supports_defer:
        return False   # the periodic tick will start it (inline test backend)
    updated = Channel.objects.filter(pk=channel_id).filter(
        Q(pump_queued_at__isnull=True) | Q(pump_queued_at__gt=at) | Q(pump_queued_at__lt=now - PUMP_QUEUE_STALE)
    ).update(pump_queued_at=at)
    if not updated:
        return False

    def enqueue():
        for _ in range(settings.DELIVERY_PUMPS_PER_CHANNEL):
            if at > now:
                pump_channel.using(run_after=at).enqueue(channel_id)
            else:
                pump_channel.enqueue(channel_id)

    transaction.on_commit(enqueue)
    return True


def tick() -> None:
    """The safety net the worker runs every few seconds: start due broadcasts, restart pumps a crash stopped."""
    from broadcasts.services import start_due_broadcasts

    start_due_broadcasts()
    cutoff = timezone.now() - timedelta(seconds=settings.DELIVERY_CLAIM_LEASE_SECONDS)
    for channel in Channel.objects.filter(status=Channel.Status.ACTIVE).select_related("office"):
        if Delivery.objects.filter(channel=channel, status=Status.SENDING, claimed_at__lt=cutoff).exists():
            ensure_pump(channel.pk)
            continue
        at = next_due(channel.pk, bulk_allowed=not in_quiet_hours(channel.office))
        if at is not None and at <= timezone.now():
            ensure_pump(channel.pk, at=at)
    finish_broadcasts()
    apply_late_statuses()
    PendingStatus.objects.filter(created_at__lt=timezone.now() - PENDING_STATUS_KEPT).delete()
