"""The delivery engine: pumps claim due Delivery rows, send them through the channel's provider, record results.

Durability: a Delivery row is the only state. A pump keeps at most DELIVERY_CONCURRENCY sends on their way
(claimed rows: status "sending", with its worker id and time) and writes their outcomes as they come in, in small
groups, claiming again as places free up; a send that hangs until the timeout stops holding a place after
SLOW_SEND_SECONDS. A write that records sends is retried while the database refuses it (SQLite locked by another
writer): the messages went out. A worker killed mid-batch leaves its rows "sending"; after
DELIVERY_CLAIM_LEASE_SECONDS any pump puts them back in the queue marked `possible_duplicate` (they may have
reached the provider before the kill). A timeout flags a delivery the same way only when the request had been
written to the provider (channels.http tells a connect timeout apart).

Rate: `Channel.next_send_at` is a token bucket shared by every worker (one short row-locked update per batch);
each message of a batch gets its own slot 1/rate apart, and the provider waits for the slot before sending.
Retry-After from a provider pushes the whole channel's bucket forward. Per recipient, a message waits until the
provider's minimum interval (WhatsApp 6 s; Telegram 1 s per chat, 3 s per group) has passed since the last one.
"""

import logging
import os
import queue
import random
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.tasks import default_task_backend
from django.utils import timezone

from broadcasts import rendering
from broadcasts.models import PRIORITY_URGENT, Broadcast, Delivery, PendingStatus
from channels import aio, window
from channels.models import Channel
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
SLOW_SEND_SECONDS = 2.0          # a send unanswered this long after its slot no longer holds a place in the window
IN_FLIGHT_FACTOR = 2             # at most this many × DELIVERY_CONCURRENCY sends on their way, slow ones included
RESULT_GATHER_SECONDS = 0.05     # results that come in together are written together
RESULT_WAIT_MARGIN_SECONDS = 5.0  # beyond the send timeout: a result that never comes is given up on
WRITE_RETRY_FIRST_SECONDS = 0.05
WRITE_RETRY_MAX_SECONDS = 2.0


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
    return window.open_for(channel, {d.recipient for d in deliveries})


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
        parameters = rendering.template_parameters(broadcast, delivery.recipient_name)
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


class InFlight:
    """One pump's sends that have not been recorded yet. The provider loop reports each result as it comes in
    (channels.aio.streaming); the pump writes them in small groups and meanwhile claims more, so a request that
    hangs until the timeout holds neither the others' results nor the next claim."""

    def __init__(self, concurrency: int):
        self.concurrency = max(1, concurrency)
        self.limit = self.concurrency * IN_FLIGHT_FACTOR
        self.waiting: dict[int, tuple[Delivery, OutgoingMessage]] = {}   # id(message) → (delivery, message)
        self._results: queue.SimpleQueue = queue.SimpleQueue()

    def done(self, message, result) -> None:
        """Called on the provider loop's thread."""
        self._results.put((id(message), result))

    def add(self, delivery: Delivery, message: OutgoingMessage) -> None:
        self.waiting[id(message)] = (delivery, message)

    def recipients(self) -> set[str]:
        return {delivery.recipient for delivery, _message in self.waiting.values()}

    def _fresh(self) -> int:
        """Sends still within SLOW_SEND_SECONDS of their slot: only these hold a place in the window."""
        now = time.time()
        return sum(1 for _d, message in self.waiting.values() if now < message.not_before + SLOW_SEND_SECONDS)

    def room(self) -> int:
        return max(0, min(self.concurrency - self._fresh(), self.limit - len(self.waiting)))

    def until_change(self) -> float:
        """Seconds until the next fresh send turns slow (and frees its place in the window)."""
        slots = [message.not_before for _d, message in self.waiting.values()]
        turns = [slot + SLOW_SEND_SECONDS - time.time() for slot in slots if slot + SLOW_SEND_SECONDS > time.time()]
        return min(turns, default=float("inf"))

    def wants_more(self) -> bool:
        """Claim when the window is empty or at least half free (a claim per free place would write too often)."""
        room = self.room()
        return room > 0 and (not self.waiting or room >= self.concurrency // 2)

    def collect(self, wait: float) -> list[tuple[Delivery, object]]:
        """Results that came in: blocks up to `wait` for the first, then up to RESULT_GATHER_SECONDS for more,
        unless only slow sends are left."""
        try:
            got = [self._results.get(timeout=wait)]
        except queue.Empty:
            return []
        finished = []
        until = time.monotonic() + RESULT_GATHER_SECONDS
        while True:
            for key, result in got:
                entry = self.waiting.pop(key, None)
                if entry is not None:   # a result of a send already given up on is dropped
                    finished.append((entry[0], result))
            remaining = until - time.monotonic()
            if remaining <= 0 or not self._fresh():
                return finished
            try:
                got = [self._results.get(timeout=remaining)]
            except queue.Empty:
                return finished


def _retrying(write, what: str):
    """Run a database write, trying again while the database refuses it (SQLite's "database is locked" while
    another process holds the write lock, a PostgreSQL deadlock or lost connection). Used for whatever records a
    send that already happened: if that write were dropped, the lease would send the messages a second time."""
    deadline = time.monotonic() + settings.DELIVERY_CLAIM_LEASE_SECONDS
    pause = WRITE_RETRY_FIRST_SECONDS
    while True:
        try:
            return write()
        except OperationalError as exc:
            if time.monotonic() + pause > deadline:
                raise
            logger.warning("%s failed (%s); trying again in %.2f s", what, exc, pause)
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            time.sleep(pause)
            pause = min(pause * 2, WRITE_RETRY_MAX_SECONDS)


def _release(deliveries: list[Delivery]) -> None:
    """Claimed rows that were never handed to the provider go back to the queue, not marked as possible
    duplicates."""
    if deliveries:
        _retrying(lambda: Delivery.objects.filter(pk__in=[d.pk for d in deliveries], status=Status.SENDING).update(
            status=Status.QUEUED, claimed_by="", attempts=F("attempts") - 1), "releasing claimed deliveries")


def send_claimed(channel: Channel, ids: list[int], stats: PumpStats, flight: InFlight | None = None) -> None:
    """Send the claimed rows. Without `flight` the results are recorded before returning; with it, results of
    HTTP providers come in later through the flight (the pump records them as they arrive)."""
    deliveries = list(Delivery.objects.filter(pk__in=ids).select_related("broadcast", "broadcast__template",
                                                                          "template"))
    stats.batches += 1
    try:
        to_send = _hold_back(channel, deliveries, stats, flight)
        if not to_send:
            return
        in_window = _in_window(channel, to_send)
        messages = [_message(channel, d, in_window) for d in to_send]
        start, spacing = reserve_slots(channel.pk, len(to_send), channel.rate_per_second)   # just before sending
    except Exception:
        _release([d for d in deliveries if d.status == Status.SENDING])
        raise
    messages = [OutgoingMessage(**{**m.__dict__, "not_before": start + i * spacing}) for i, m in enumerate(messages)]
    for delivery, message in zip(to_send, messages, strict=True):
        delivery.via_template = message.template is not None
        if flight is not None:
            flight.add(delivery, message)
    try:
        if flight is None:
            results = channel.provider.send_batch(channel, messages, timeout=settings.DELIVERY_SEND_TIMEOUT)
        else:
            with aio.streaming(flight.done):
                results = channel.provider.send_batch(channel, messages, timeout=settings.DELIVERY_SEND_TIMEOUT)
    except Exception as exc:  # a provider bug must not strand the batch in "sending"
        logger.exception("channel %s: provider failed on a batch", channel.pk)
        results = [SendResult(ok=False, provider_message_id="", outcome=TRANSIENT, detail=str(exc)[:300])
                   ] * len(to_send)
    finished = []
    for delivery, message, result in zip(to_send, messages, results, strict=True):
        if result is aio.PENDING:
            continue
        if flight is not None:
            flight.waiting.pop(id(message), None)
        finished.append((delivery, result))
    if finished:
        record(channel, finished, stats)


def _hold_back(channel: Channel, deliveries: list[Delivery], stats: PumpStats,
               flight: InFlight | None) -> list[Delivery]:
    """Write what is not sent now (opted out meanwhile: skipped; recipient messaged too recently: later); return
    the rest."""
    skipped_ids = _no_longer_allowed(deliveries)
    wait = _too_soon(channel, [d for d in deliveries if d.address_id not in skipped_ids or not d.broadcast_id])
    busy = flight.recipients() if flight is not None else set()
    to_send, updates = [], []
    for delivery in deliveries:
        interval = channel.provider.recipient_interval(delivery.recipient) if delivery.recipient in busy else 0
        if delivery.pk not in wait and interval:   # a message to this person is still on its way
            wait[delivery.pk] = time.time() + interval
        if delivery.broadcast_id and delivery.address_id in skipped_ids:
            delivery.status, delivery.error_detail, delivery.claimed_by = Status.SKIPPED, "opted_out", ""
            stats.skipped += 1
            updates.append(delivery)
        elif delivery.pk in wait:
            delivery.status, delivery.attempts, delivery.claimed_by = Status.QUEUED, delivery.attempts - 1, ""
            delivery.next_attempt_at = datetime.fromtimestamp(wait[delivery.pk], tz=UTC)
            stats.deferred += 1
            updates.append(delivery)
        else:
            to_send.append(delivery)
    if updates:
        _retrying(lambda: Delivery.objects.bulk_update(updates, ["status", "attempts", "next_attempt_at",
                                                                 "claimed_by", "error_detail"]),
                  f"channel {channel.pk}: writing held-back deliveries")
    return to_send


def _as_result(result) -> SendResult:
    if isinstance(result, SendResult):
        return result
    # The provider's code raised while sending: the request may have gone out.
    logger.error("channel send raised %r", result)
    return SendResult(ok=False, provider_message_id="", outcome=TRANSIENT, detail=str(result)[:300], uncertain=True)


def record(channel: Channel, finished: list[tuple[Delivery, object]], stats: PumpStats) -> None:
    """Write the outcome of sends that happened. The write is retried while the database refuses it (see
    _retrying): the messages went out, and a lost write would have the lease send them again."""
    now = timezone.now()
    broken: SendResult | None = None
    hold: float = 0.0
    accepted: list[Delivery] = []
    updates: list[Delivery] = []
    bad_addresses: list[tuple[int, str]] = []
    for delivery, raw in finished:
        result = _as_result(raw)
        delivery.claimed_by = ""
        delivery.error_outcome, delivery.error_code, delivery.error_detail = (
            "" if result.ok else result.outcome, result.error_code, result.detail[:500])
        if result.outcome == ACCEPTED:
            delivery.status = Status.DELIVERED if result.delivered else Status.SENT
            delivery.provider_message_id = result.provider_message_id[:200]
            delivery.sent_at = now
            if result.delivered:
                delivery.delivered_at = now
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
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts, result.retry_after))
            if result.retry_after:
                hold = max(hold, result.retry_after)
            stats.retried += 1
        else:
            delivery.status, delivery.failed_at = Status.FAILED, now
            stats.failed += 1
            if result.outcome == BAD_ADDRESS and delivery.address_id:
                bad_addresses.append((delivery.address_id, (result.detail or str(result.error_code))[:300]))
        updates.append(delivery)

    def write() -> None:
        with transaction.atomic():
            _save_accepted(accepted, now)
            if updates:
                Delivery.objects.bulk_update(updates, ["status", "attempts", "next_attempt_at", "claimed_by",
                                                       "provider_message_id", "via_template", "possible_duplicate",
                                                       "error_outcome", "error_code", "error_detail", "sent_at",
                                                       "delivered_at", "failed_at"])
            for address_id, reason in bad_addresses:
                Address.objects.filter(pk=address_id, undeliverable_at__isnull=True).update(
                    undeliverable_at=now, undeliverable_reason=reason)
            if accepted:
                _apply_pending(channel, [d.provider_message_id for d in accepted])

    _retrying(write, f"channel {channel.pk}: writing {len(finished)} send results")
    if hold:
        _retrying(lambda: hold_channel(channel.pk, hold), f"channel {channel.pk}: holding the channel")
    if broken is not None:
        from broadcasts.services import mark_channel_broken

        _retrying(lambda: mark_channel_broken(channel=channel, result=broken),
                  f"channel {channel.pk}: stopping the broken channel")


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
    """Send what is due on one channel for up to `seconds`, then queue the next pump when work remains.

    Up to DELIVERY_CONCURRENCY sends are on their way at once; results are written as they come in and the free
    places are claimed again. A send still unanswered SLOW_SEND_SECONDS after its slot stops holding a place, so
    requests that hang until the timeout do not slow the others down."""
    stats = PumpStats()
    worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}"
    deadline = time.monotonic() + (settings.DELIVERY_PUMP_SECONDS if seconds is None else seconds)
    Channel.objects.filter(pk=channel_id, pump_queued_at__lte=timezone.now()).update(pump_queued_at=None)
    requeue_stale_claims(channel_id)
    flight = InFlight(settings.DELIVERY_CONCURRENCY)
    channel = None
    look = True
    give_up = settings.DELIVERY_SEND_TIMEOUT + RESULT_WAIT_MARGIN_SECONDS
    last_result = time.monotonic()
    try:
        while True:
            if look and time.monotonic() < deadline and flight.wants_more():
                channel = Channel.objects.select_related("office").get(pk=channel_id)
                ids = [] if channel.status != Channel.Status.ACTIVE else claim(
                    channel, worker_id, flight.room(), bulk_allowed=not in_quiet_hours(channel.office))
                if ids:
                    send_claimed(channel, ids, stats, flight)
                    last_result = time.monotonic()
                    continue
                look = False          # nothing due now: look again once results come in
            if not flight.waiting:
                break
            # Wake up when a result comes in, or when a send turns slow and frees a place to claim.
            waiting_for = last_result + give_up - time.monotonic()
            if waiting_for <= 0:
                _give_up(channel, flight)
                break
            finished = flight.collect(wait=max(0.01, min(waiting_for, flight.until_change())))
            if finished:
                record(channel, finished, stats)
                last_result = time.monotonic()
                look = True
    finally:
        _drain(channel, flight, stats)
    finish_broadcasts(channel_id)
    schedule_next_pump(channel_id)
    return stats


def _drain(channel: Channel | None, flight: InFlight, stats: PumpStats) -> None:
    """Wait for and record every send still on its way (also when the pump stops on an error)."""
    while flight.waiting:
        finished = flight.collect(wait=settings.DELIVERY_SEND_TIMEOUT + RESULT_WAIT_MARGIN_SECONDS)
        if not finished:
            _give_up(channel, flight)
            return
        record(channel, finished, stats)


def _give_up(channel: Channel | None, flight: InFlight) -> None:
    logger.error("channel %s: %s sends never reported back; the lease will requeue them",
                 channel.pk if channel else "?", len(flight.waiting))
    flight.waiting.clear()


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
