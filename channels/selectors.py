"""Reads for channels."""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.shortcuts import get_object_or_404

from accounts.permissions import can
from audit.models import AuditEntry
from channels.models import Channel, Template
from members.models import Address, Member

# The members offered as senders in the dev outbox's "receive a message" form; anyone else by number.
RECEIVE_SENDERS = 100

logger = logging.getLogger(__name__)

# Looking the channel up cost about 1.4 ms of a webhook's 3.4 (building the query, not running it), so a process
# remembers it for a few seconds. Changes made through channels.services are seen at once by the process that made
# them; other processes see a rotated secret or a new setting within CHANNEL_CACHE_SECONDS.
CHANNEL_CACHE_SECONDS = 5.0
_channels: dict[str, tuple[float, Channel]] = {}
_lock = threading.Lock()


def channel_for_webhook(channel_uuid) -> Channel:
    key = str(channel_uuid)
    now = time.monotonic()
    cached = _channels.get(key)
    if cached is not None and now - cached[0] < CHANNEL_CACHE_SECONDS:
        return cached[1]
    channel = get_object_or_404(Channel.objects.select_related("office"), uuid=channel_uuid)
    if channel.unreadable_secrets:
        # Its signature checks fail (403) until the key is back; this says why.
        logger.error("channel %s: secrets %s cannot be decrypted with SECRETS_KEY", channel.pk,
                     ", ".join(channel.unreadable_secrets))
    with _lock:
        if len(_channels) > 10_000:
            _channels.clear()
        _channels[key] = (now, channel)
    return channel


def forget_channel(channel: Channel) -> None:
    _channels.pop(str(channel.uuid), None)



@dataclass(frozen=True)
class ChannelActions:
    """What the channel page offers this user now."""
    manage: bool                # change settings and templates, retry stuck messages, send a test
    pause: bool
    activate: bool
    register_webhook: bool
    receive: bool               # the dev outbox: type a message as if a member had sent it
    stopped_by_failures: bool   # broken: say why, and that renewed credentials and activating bring it back


def channel_actions(user, channel: Channel) -> ChannelActions:
    manage = can(user, "channels.manage") and channel.office_id == user.office_id
    active = channel.status == Channel.Status.ACTIVE
    return ChannelActions(
        manage=manage,
        pause=manage and active,
        activate=manage and not active,
        register_webhook=manage and channel.provider.registers_webhook,
        receive=manage and channel.provider.is_simulation,
        stopped_by_failures=channel.status == Channel.Status.BROKEN,
    )


def receive_senders(channel: Channel):
    """WhatsApp addresses of the office's active members, by name, for the dev outbox's receive form."""
    return (Address.objects.filter(office_id=channel.office_id, kind=Address.Kind.WHATSAPP,
                                   member__status=Member.Status.ACTIVE)
            .select_related("member").order_by("member__full_name", "pk")[:RECEIVE_SENDERS])


def templates_with_category_changes(channel: Channel) -> list[Template]:
    """The channel's templates, each with `category_change`: Meta's latest change of its category, as
    (previous label, new label, when), or None."""
    templates = list(channel.templates.all())
    changes = {}
    rows = (AuditEntry.objects.filter(action="template.category_changed", target_type="channels.template",
                                      target_id__in=[str(t.pk) for t in templates])
            .order_by("at", "id").values_list("target_id", "before", "after", "at"))
    for target_id, before, after, logged_at in rows:
        when = (after or {}).get("at")
        changes[target_id] = ((before or {}).get("category", ""),
                              datetime.fromisoformat(when) if when else logged_at)
    for template in templates:
        change = changes.get(str(template.pk))
        template.category_change = None if change is None else (
            _category_label(change[0]), template.get_category_display(), change[1])
    return templates


def _category_label(value: str) -> str:
    return Template.Category(value).label if value in Template.Category.values else value
