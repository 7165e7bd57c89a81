"""Who a broadcast reaches, on which channel, and why the others are left out.

Each member gets at most one delivery: their preferred kind of address first, then WhatsApp, Telegram, e-mail,
through the office's channels. An address counts only when it is not opted out, not flagged undeliverable and
has an active consent for dissemination (UU 27/2022). The same address met twice (a person registered in two
offices) is sent once.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from channels.models import Channel
from members.models import Address, Consent, Member, Purpose
from members.selectors import group_member_ids
from offices.selectors import office_and_descendants

DEFAULT_ORDER = ("whatsapp", "telegram", "mailto")
PURPOSE = Purpose.DISSEMINATION

NO_ADDRESS = "no_address"
OPTED_OUT = "opted_out"
NO_CONSENT = "no_consent"
UNDELIVERABLE = "undeliverable"
NO_CHANNEL = "no_channel"
NOT_CONNECTED = "not_connected"
DUPLICATE = "duplicate"
REASONS = {
    NO_ADDRESS: _("Tidak punya alamat kontak"),
    OPTED_OUT: _("Berhenti berlangganan"),
    NO_CONSENT: _("Belum ada persetujuan menerima informasi (UU PDP)"),
    UNDELIVERABLE: _("Alamat ditandai tidak dapat dihubungi"),
    NO_CHANNEL: _("Satker belum punya kanal untuk jenis alamatnya"),
    NOT_CONNECTED: _("Telegram belum terhubung (anggota perlu memulai bot)"),
    DUPLICATE: _("Alamat yang sama sudah ada di daftar (dikirim sekali)"),
}
# When a member has no usable address, the reason shown is the most actionable one found.
REASON_ORDER = (NO_CONSENT, OPTED_OUT, UNDELIVERABLE, NOT_CONNECTED, NO_CHANNEL)
EXAMPLES_PER_REASON = 20


@dataclass(frozen=True)
class Recipient:
    channel_id: int
    recipient: str
    member_id: int | None = None
    address_id: int | None = None
    name: str = ""


@dataclass
class Audience:
    recipients: list[Recipient] = field(default_factory=list)
    excluded: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    members_considered: int = 0

    def per_channel(self) -> Counter:
        return Counter(r.channel_id for r in self.recipients)

    def exclude(self, reason: str, name: str) -> None:
        self.excluded[reason] += 1
        if len(self.examples[reason]) < EXAMPLES_PER_REASON:
            self.examples[reason].append(name)


def usable_channels(office) -> dict[str, Channel]:
    """Address kind → the channel that carries it: a real provider before the dev outbox."""
    by_kind: dict[str, Channel] = {}
    channels = sorted(Channel.objects.filter(office=office).exclude(status=Channel.Status.BROKEN),
                      key=lambda c: (c.provider.is_simulation, c.status != Channel.Status.ACTIVE, c.pk))
    for channel in channels:
        for kind in channel.provider.address_kinds:
            by_kind.setdefault(kind, channel)
    return by_kind


def audience_members(broadcast) -> QuerySet[Member]:
    offices = office_and_descendants(broadcast.office) if broadcast.include_descendants else [broadcast.office]
    active = Member.objects.filter(office__in=offices, status=Member.Status.ACTIVE)
    if broadcast.audience_all:
        # Everyone in the forum: the public who merely wrote to the office are not part of it.
        active = active.exclude(source=Member.Source.INBOUND)
        return active
    condition = Q()
    if broadcast.audience_categories:
        condition |= Q(organization__category__in=broadcast.audience_categories)
    for group in broadcast.audience_groups.all():
        condition |= Q(pk__in=group_member_ids(group))
    return active.filter(condition) if condition else active.none()


def _addresses(members: QuerySet[Member]) -> dict[int, list[tuple]]:
    addresses = defaultdict(list)
    rows = (Address.objects.filter(member__in=members.values("pk"))
            .annotate(consented=Exists(Consent.objects.filter(address=OuterRef("pk"), purpose=PURPOSE,
                                                              withdrawn_at__isnull=True)))
            .order_by("member_id", "-is_primary", "id")
            .values_list("member_id", "pk", "kind", "value", "opted_out", "undeliverable_at", "consented"))
    for row in rows.iterator(chunk_size=5000):
        addresses[row[0]].append(row[1:])
    return addresses


def _choose(member_id: int, name: str, preferred: str, own: list[tuple] | None,
            channels: dict[str, Channel]) -> tuple[Recipient | None, str]:
    """The member's one delivery, or the reason there is none."""
    if not own:
        return None, NO_ADDRESS
    order = ((preferred,) if preferred else ()) + DEFAULT_ORDER
    reasons: set[str] = set()
    for kind in dict.fromkeys(order):
        for address_id, address_kind, value, opted_out, undeliverable_at, consented in own:
            if address_kind != kind:
                continue
            channel = channels.get(kind)
            if opted_out:
                reasons.add(OPTED_OUT)
            elif not consented:
                reasons.add(NO_CONSENT)
            elif undeliverable_at:
                reasons.add(UNDELIVERABLE)
            elif channel is None:
                reasons.add(NO_CHANNEL)
            elif not channel.provider.can_reach(kind, value):
                reasons.add(NOT_CONNECTED)
            else:
                return Recipient(channel.pk, value, member_id, address_id, name), ""
    return None, next((r for r in REASON_ORDER if r in reasons), NO_CHANNEL)


def first_recipient(broadcast, batch: int = 200) -> Recipient | None:
    """The first member (by registration) the broadcast would reach: for a preview, without drawing everyone."""
    channels = usable_channels(broadcast.office)
    selected = audience_members(broadcast).order_by("pk")
    after = 0
    while True:
        page = list(selected.filter(pk__gt=after).values_list("pk", "full_name", "preferred_channel")[:batch])
        if not page:
            return None
        addresses = _addresses(Member.objects.filter(pk__in=[pk for pk, _name, _pref in page]))
        for member_id, name, preferred in page:
            chosen, _reason = _choose(member_id, name, preferred, addresses.get(member_id), channels)
            if chosen:
                return chosen
        after = page[-1][0]


def compute_audience(broadcast) -> Audience:
    audience = Audience()
    channels = usable_channels(broadcast.office)
    selected = audience_members(broadcast)
    members = {pk: (name, preferred) for pk, name, preferred in
               selected.values_list("pk", "full_name", "preferred_channel").iterator(chunk_size=5000)}
    audience.members_considered = len(members)
    addresses = _addresses(selected)
    seen: set[tuple[int, str]] = set()
    for member_id in sorted(members):
        name, preferred = members[member_id]
        chosen, reason = _choose(member_id, name, preferred, addresses.get(member_id), channels)
        if chosen is None:
            audience.exclude(reason, name)
        elif (chosen.channel_id, chosen.recipient) in seen:
            audience.exclude(DUPLICATE, name)
        else:
            seen.add((chosen.channel_id, chosen.recipient))
            audience.recipients.append(chosen)
    if broadcast.include_channel_chats:
        for channel in {c.pk: c for c in channels.values()}.values():
            for chat in channel.provider.broadcast_chats(channel):
                if (channel.pk, chat) not in seen:
                    seen.add((channel.pk, chat))
                    audience.recipients.append(Recipient(channel.pk, chat, name=chat))
    return audience
