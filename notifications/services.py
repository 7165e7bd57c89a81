"""Notifications: made from the audit log (rules.py), shown in the page, sent by e-mail or chat as each person chose.

Sending is at most once per notification and medium as long as the process lives: a notification is claimed
(`claim`) before it is sent and marked after. A process killed between the two leaves it claimed; after
STALE_CLAIM it is sent again, so a crash can repeat one message but never lose one."""

import logging
import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import User
from audit.models import AuditEntry
from audit.services import record
from bakohumas.locking import ConflictError
from channels.models import Channel
from channels.providers.base import OutgoingMessage
from lib.contacts import AddressError, normalize_address
from notifications import rules
from notifications.models import DispatchMark, Kind, Notification, Preference

logger = logging.getLogger(__name__)

# Audit rows are read again for this long after their time: a transaction that wrote one may commit later than a
# newer one, and the unique (recipient, key) makes reading a row twice harmless.
RESCAN = timedelta(minutes=2)
FIRST_SCAN = timedelta(minutes=10)
STALE_CLAIM = timedelta(minutes=10)
SEND_BATCH = 500
CHAT_KINDS = ("whatsapp", "telegram")

DEFAULT_EMAIL_KINDS = [k.value for k in Kind]
DEFAULT_URGENT_KINDS = [Kind.ESCALATION.value, Kind.DEADLINE.value, Kind.CHANNEL.value]
Delivery = Notification.Delivery


def preference_for(user) -> Preference:
    return Preference.objects.filter(user=user).first() or default_preference(user)


def default_preference(user) -> Preference:
    """Without a saved choice: every kind by e-mail at once, chat off, the office's quiet hours."""
    office = user.office
    return Preference(user=user, email_kinds=list(DEFAULT_EMAIL_KINDS), chat_kinds=[],
                      urgent_kinds=list(DEFAULT_URGENT_KINDS),
                      quiet_start=office.quiet_hours_start if office else None,
                      quiet_end=office.quiet_hours_end if office else None)


def _zone(user) -> ZoneInfo:
    return ZoneInfo(user.office.timezone if user.office_id else settings.TIME_ZONE)


def _next_local(now: datetime, zone: ZoneInfo, at: time) -> datetime:
    local = now.astimezone(zone)
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate


def _in_quiet(pref: Preference, now: datetime, zone: ZoneInfo) -> bool:
    start, end = pref.quiet_start, pref.quiet_end
    if start is None or end is None or start == end:
        return False
    local = now.astimezone(zone).time()
    return start <= local < end if start < end else (local >= start or local < end)


def send_time(pref: Preference, kind: str, now: datetime, zone: ZoneInfo) -> datetime:
    """When a notification of this kind goes out: at once, at the digest hour, or when quiet hours end; urgent
    kinds (the person's choice) go at once whatever the hour."""
    if kind in pref.urgent_kinds:
        return now
    if pref.mode == Preference.Mode.DIGEST:
        return _next_local(now, zone, time(pref.digest_hour))
    if _in_quiet(pref, now, zone):
        return _next_local(now, zone, pref.quiet_end)
    return now


# From the audit log -----------------------------------------------------------------------------------------

def _notification(entry: AuditEntry, kind: str, user: User, pref: Preference, now: datetime, subject: str,
                  url: str) -> Notification:
    due = send_time(pref, kind, now, _zone(user))
    email = kind in pref.email_kinds and bool(user.email)
    chat = kind in pref.chat_kinds and bool(pref.chat_address)
    return Notification(
        recipient=user, kind=kind, key=f"audit:{entry.pk}", action=entry.action, office_id=entry.office_id,
        actor_label=str(entry.actor) if entry.actor_id else "", subject=subject[:200], url=url, created_at=entry.at,
        urgent=kind in pref.urgent_kinds,
        email_state=Delivery.DUE if email else Delivery.NONE, email_due_at=due if email else None,
        chat_state=Delivery.DUE if chat else Delivery.NONE, chat_due_at=due if chat else None)


def dispatch(now: datetime | None = None) -> int:
    """Turn the audit rows written since the last run into notifications. Returns how many rows were offered
    (notifications already made are skipped by the unique key)."""
    now = now or timezone.now()
    mark = DispatchMark.objects.first()
    since = (mark.scanned_until - RESCAN) if mark else now - FIRST_SCAN
    entries = (AuditEntry.objects.filter(at__gte=since, at__lte=now, action__in=list(rules.RULES))
               .select_related("actor").order_by("at", "id"))
    offered = []
    for entry in entries.iterator(chunk_size=500):
        rule = rules.RULES[entry.action]
        recipients = list(rule.recipients(entry).select_related("office"))
        if recipients:
            offered.append((entry, rule, recipients, rules.subject_of(entry), rules.target_url(entry)))
    people = {user.pk: user for *_, recipients, _, _ in offered for user in recipients}
    prefs = {p.user_id: p for p in Preference.objects.filter(user_id__in=list(people))}
    for pk, user in people.items():
        if pk not in prefs:
            prefs[pk] = default_preference(user)
    rows = [_notification(entry, rule.kind, user, prefs[user.pk], now, subject, url)
            for entry, rule, recipients, subject, url in offered for user in recipients]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        if mark is None:
            DispatchMark.objects.create(scanned_until=now)
        else:
            DispatchMark.objects.filter(pk=mark.pk).update(scanned_until=now)
    return len(rows)


# Sending ----------------------------------------------------------------------------------------------------

def _claim(medium: str, now: datetime) -> list[Notification]:
    state, due_at = f"{medium}_state", f"{medium}_due_at"
    Notification.objects.filter(**{state: Delivery.SENDING, "claimed_at__lt": now - STALE_CLAIM}).update(
        **{state: Delivery.DUE})
    ids = list(Notification.objects.filter(**{state: Delivery.DUE, f"{due_at}__lte": now})
               .order_by(due_at).values_list("pk", flat=True)[:SEND_BATCH])
    if not ids:
        return []
    token = uuid.uuid4().hex
    Notification.objects.filter(pk__in=ids, **{state: Delivery.DUE}).update(
        **{state: Delivery.SENDING}, claim=token, claimed_at=now)
    return list(Notification.objects.filter(claim=token, **{state: Delivery.SENDING})
                .select_related("recipient", "recipient__office").order_by("created_at", "id"))


def _lines(notifications: list[Notification]) -> list[str]:
    return [f"- {text(n)}\n  {settings.SITE_URL}{n.url}" for n in notifications]


def text(notification: Notification) -> str:
    return rules.sentence(notification.kind, actor=notification.actor_label, subject=notification.subject,
                          failed=notification.action == "import.failed")


def _email(user: User, notifications: list[Notification]) -> None:
    with override("id"):
        if len(notifications) == 1:
            subject = _("[Bakohumas] %(text)s") % {"text": text(notifications[0])}
        else:
            subject = _("[Bakohumas] %(n)s pemberitahuan baru") % {"n": len(notifications)}
        body = "\n".join([_("Yth. %(name)s,") % {"name": str(user)}, "", *_lines(notifications), "",
                          _("Atur pemberitahuan Anda: %(url)s") % {
                              "url": settings.SITE_URL + "/staf/notifikasi/pengaturan/"}])
    send_mail(subject[:200], body, None, [user.email])


def _chat_channel(user: User, pref: Preference) -> Channel | None:
    """The office's active channel that reaches the person's chat address (a real one before the dev outbox)."""
    channels = Channel.objects.filter(office_id=user.office_id, status=Channel.Status.ACTIVE)
    reaching = [c for c in channels if c.provider.can_reach(pref.chat_kind, pref.chat_address)]
    reaching.sort(key=lambda c: c.provider.is_simulation)
    return reaching[0] if reaching else None


def _chat(user: User, notifications: list[Notification]) -> None:
    pref = preference_for(user)
    channel = _chat_channel(user, pref)
    if channel is None:
        raise ValidationError(_("Kantor Anda belum punya kanal aktif untuk %(kind)s.") % {"kind": pref.chat_kind})
    with override("id"):
        body = "\n".join([_("*Bakohumas*: %(n)s pemberitahuan") % {"n": len(notifications)}, *_lines(notifications)])
    [result] = channel.provider.send_batch(channel, [OutgoingMessage(to=pref.chat_address, text=body)], timeout=15.0)
    if not result.ok:
        raise ValidationError(result.detail or result.outcome)


SENDERS = {"email": _email, "chat": _chat}


def send_due(now: datetime | None = None) -> int:
    """Send what is due, one message per person and medium (several notifications due together are one digest)."""
    now = now or timezone.now()
    sent = 0
    for medium, sender in SENDERS.items():
        state = f"{medium}_state"
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for notification in _claim(medium, now):
            by_user[notification.recipient_id].append(notification)
        for items in by_user.values():
            ids = [n.pk for n in items]
            try:
                sender(items[0].recipient, items)
            except Exception as exc:  # one person's failure does not stop the others; the page still shows it
                logger.warning("notification %s to user %s failed", medium, items[0].recipient_id, exc_info=True)
                detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                Notification.objects.filter(pk__in=ids).update(**{state: Delivery.FAILED},
                                                               send_error=detail[:300])
                continue
            Notification.objects.filter(pk__in=ids).update(**{state: Delivery.SENT})
            sent += len(ids)
    return sent


def tick() -> None:
    """Run by the scheduler every few seconds."""
    dispatch()
    send_due()


# The person's own actions -----------------------------------------------------------------------------------

def mark_read(*, user, notification: Notification) -> None:
    """Reading is the person's own state, not a change to the forum's data: no audit row."""
    if notification.recipient_id != user.pk:
        raise ValidationError(_("Pemberitahuan ini bukan milik Anda."))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def save_preference(*, actor, expected_version: int | None, email_kinds: list[str], chat_kinds: list[str],
                    urgent_kinds: list[str], mode: str, digest_hour: int, quiet_start: time | None,
                    quiet_end: time | None, chat_kind: str, chat_address: str) -> Preference:
    valid = set(Kind.values)
    errors = {}
    if not set(email_kinds) | set(chat_kinds) | set(urgent_kinds) <= valid:
        errors["email_kinds"] = _("Jenis pemberitahuan tidak dikenal.")
    if mode not in Preference.Mode.values:
        errors["mode"] = _("Pilih cara kirim: segera atau ringkasan harian.")
    if not 0 <= digest_hour <= 23:
        errors["digest_hour"] = _("Jam ringkasan antara 0 dan 23.")
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end"] = _("Isi jam tenang mulai dan berakhir, atau kosongkan keduanya.")
    chat_address = (chat_address or "").strip()
    if chat_kinds and not chat_address:
        errors["chat_address"] = _("Isi nomor WhatsApp atau ID obrolan Telegram untuk menerima lewat obrolan.")
    if chat_address:
        if chat_kind not in CHAT_KINDS:
            errors["chat_kind"] = _("Pilih WhatsApp atau Telegram.")
        else:
            try:
                chat_address = normalize_address(chat_kind, chat_address)
            except AddressError as exc:
                errors["chat_address"] = str(exc)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        pref = Preference.objects.select_for_update().filter(user=actor).first()
        if pref is not None and expected_version is not None and pref.version != expected_version:
            raise ConflictError(_("Pengaturan ini baru saja diubah di tempat lain. Muat ulang halaman."))
        before = _snapshot(pref) if pref else None
        pref = pref or Preference(user=actor)
        pref.email_kinds, pref.chat_kinds, pref.urgent_kinds = sorted(email_kinds), sorted(chat_kinds), sorted(
            urgent_kinds)
        pref.mode, pref.digest_hour, pref.quiet_start, pref.quiet_end = mode, digest_hour, quiet_start, quiet_end
        pref.chat_kind, pref.chat_address = (chat_kind if chat_address else ""), chat_address
        if pref.pk:
            pref.version = F("version") + 1
        pref.save()
        pref.refresh_from_db()
        record(actor=actor, office=actor.office, action="notifications.preference_saved", target=actor,
               target_label=str(actor), before=before, after=_snapshot(pref))
    return pref


def _snapshot(pref: Preference) -> dict:
    return {"email": pref.email_kinds, "chat": pref.chat_kinds, "urgent": pref.urgent_kinds, "mode": pref.mode,
            "digest_hour": pref.digest_hour,
            "quiet": f"{pref.quiet_start:%H:%M}–{pref.quiet_end:%H:%M}" if pref.quiet_start and pref.quiet_end
            else "", "chat_kind": pref.chat_kind}
