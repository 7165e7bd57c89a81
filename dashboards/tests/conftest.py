"""One small, known world for the dashboard tests, built once per module (see the root module_transaction):
Kota Madiun and Kabupaten Madiun under Jawa Timur, with rows inside the period (Januari–Maret 2026, WIB), in the
period before it, and outside both. Every expected figure in the tests is counted by hand from this data."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Role
from broadcasts.models import Broadcast, Delivery
from channels.models import Channel
from conftest import refreshed, staff_maker
from content.models import Publication
from dashboards import periods
from factcheck.models import Claim, Clarification, Notice, Report, Verdict
from inbox.models import Conversation, Escalation, Message
from members.models import Address, Category, Consent, Member, Organization, Purpose
from offices.models import Office

WIB = ZoneInfo("Asia/Jakarta")
T = datetime(2026, 2, 10, 10, 0, tzinfo=WIB)          # a Tuesday inside the period
BEFORE = datetime(2025, 11, 11, 10, 0, tzinfo=WIB)    # inside the previous period
LONG_AGO = datetime(2025, 6, 1, 10, 0, tzinfo=WIB)    # before both
PERIOD = {"periode": "rentang", "dari": "2026-01-01", "sampai": "2026-03-31"}


def stamp(obj, **fields):
    """Set auto_now_add timestamps (and any other field) as if the row had been written then."""
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


def member(office, name, *, org=None, status=Member.Status.ACTIVE, created=T):
    return stamp(Member.objects.create(office=office, full_name=name, organization=org, status=status),
                 created_at=created)


def address(m, value, **extra):
    return Address.objects.create(member=m, office=m.office, kind="whatsapp", value=value, **extra)


_counter = {"n": 0}


def conversation(office, m, **extra):
    _counter["n"] += 1
    return stamp(Conversation.objects.create(office=office, member=m, last_message_at=T,
                                             tracking_number=f"DSB-{_counter['n']}", **extra), created_at=T)


def report(office, claim, **extra):
    _counter["n"] += 1
    return Report.objects.create(office=office, claim=claim, source=Report.Source.PORTAL, created_at=T,
                                 tracking_number=f"DSBR-{_counter['n']}", text="isu", **extra)


@pytest.fixture(scope="module")
def _world(module_transaction):
    make = staff_maker("dasbor")
    get = Office.objects.get
    madiun, kab, jatim, ri = get(code="35.77"), get(code="35.19"), get(code="35"), get(code="00")
    surabaya, semarang = get(code="35.78"), get(code="33.74")
    w = SimpleNamespace(madiun=madiun, kab=kab, jatim=jatim, ri=ri, surabaya=surabaya)
    w.operator = make(madiun, Role.OPERATOR)
    w.kab_operator = make(kab, Role.OPERATOR)
    w.province = make(jatim, Role.ADMIN)
    w.national = make(ri, Role.VIEWER)
    w.sibling = make(surabaya, Role.ADMIN)
    w.elsewhere = make(semarang, Role.ADMIN)

    # Forum -------------------------------------------------------------------------------------------------------
    party = Organization.objects.create(office=madiun, name="Partai A", category=Category.PARTY)
    media = Organization.objects.create(office=kab, name="Radio B", category=Category.MEDIA)
    w.m1 = member(madiun, "Satu", org=party, created=LONG_AGO)
    w.m2 = member(madiun, "Dua", org=party)
    w.m3 = member(madiun, "Tiga")
    member(madiun, "Empat", status=Member.Status.PENDING)
    member(madiun, "Lima", org=party, status=Member.Status.INACTIVE, created=LONG_AGO)
    w.k1 = member(kab, "Kabsatu", org=media)
    a1 = address(w.m1, "+628111")
    Consent.objects.create(address=a1, purpose=Purpose.DISSEMINATION, method="form", given_at=LONG_AGO)
    a2 = address(w.m2, "+628222")
    Consent.objects.create(address=a2, purpose=Purpose.DISSEMINATION, method="form", given_at=T,
                           withdrawn_at=T + timedelta(days=1))
    a3 = address(w.m3, "+628333", opted_out=True, opted_out_at=T + timedelta(days=2))
    Consent.objects.create(address=a3, purpose=Purpose.EVENTS, method="form", given_at=LONG_AGO)
    ak = address(w.k1, "+628444")
    Consent.objects.create(address=ak, purpose=Purpose.DISSEMINATION, method="form", given_at=T)

    # Dissemination -----------------------------------------------------------------------------------------------
    wa = Channel.objects.create(office=madiun, kind="whatsapp", name="WA Madiun", rate_per_second=10)
    tg = Channel.objects.create(office=jatim, kind="telegram", name="Bot Jatim", rate_per_second=10)
    tk = Channel.objects.create(office=kab, kind="telegram", name="Bot Kab", rate_per_second=10)

    def broadcast(office, started):
        return Broadcast.objects.create(office=office, title="Siaran", text="Isi", status=Broadcast.Status.DONE,
                                        started_at=started)

    def deliver(b, channel, m, status, **times):
        return Delivery.objects.create(broadcast=b, channel=channel, member=m, recipient=f"{m.pk if m else 'x'}",
                                       status=status, next_attempt_at=T, **times)

    b1 = broadcast(madiun, T)
    S = Delivery.Status
    deliver(b1, wa, w.m1, S.READ, sent_at=T, delivered_at=T, read_at=T)
    deliver(b1, wa, w.m2, S.DELIVERED, sent_at=T, delivered_at=T)
    deliver(b1, wa, w.m3, S.FAILED, failed_at=T)
    deliver(b1, wa, None, S.SKIPPED)
    Delivery.objects.create(broadcast=b1, channel=wa, member=w.k1, recipient="antre", status=S.QUEUED,
                            next_attempt_at=T)
    b2 = broadcast(jatim, T)          # the province reaches m1 again, and k1
    deliver(b2, tg, w.m1, S.SENT, sent_at=T)
    deliver(b2, tg, w.k1, S.SENT, sent_at=T)
    b3 = broadcast(kab, T)
    deliver(b3, tk, w.k1, S.DELIVERED, sent_at=T, delivered_at=T)
    b0 = broadcast(madiun, BEFORE)
    deliver(b0, wa, w.m1, S.SENT, sent_at=BEFORE)
    broadcast(madiun, None)           # a draft never started

    def publication(office, kind, published, slug):
        status = Publication.Status.PUBLISHED if published else Publication.Status.DRAFT
        return Publication.objects.create(office=office, kind=kind, title=slug, slug=slug, status=status,
                                          first_published_at=published)

    K = Publication.Kind
    publication(madiun, K.PRESS_RELEASE, T, "sp-1")
    publication(madiun, K.PRESS_RELEASE, T + timedelta(days=3), "sp-2")
    publication(madiun, K.NEWS, T, "berita-1")
    publication(madiun, K.NEWS, None, "draf")
    publication(madiun, K.NEWS, BEFORE, "lama")
    publication(kab, K.ANNOUNCEMENT, T, "peng-1")

    # Two-way -----------------------------------------------------------------------------------------------------
    c1 = conversation(madiun, w.m1)
    Message.objects.create(conversation=c1, direction=Message.Direction.INBOUND, created_at=T, text="tanya")
    Message.objects.create(conversation=c1, direction=Message.Direction.OUTBOUND, created_at=T + timedelta(minutes=1),
                           text="otomatis")
    Message.objects.create(conversation=c1, direction=Message.Direction.OUTBOUND, author=w.operator,
                           created_at=T + timedelta(minutes=90), text="jawab")
    c2 = conversation(madiun, w.m2, status=Conversation.Status.CLOSED, closed_at=T + timedelta(days=1))
    Message.objects.create(conversation=c2, direction=Message.Direction.INBOUND, created_at=T.replace(hour=15))
    Message.objects.create(conversation=c2, direction=Message.Direction.OUTBOUND, author=w.operator,
                           created_at=(T + timedelta(days=1)).replace(hour=9))
    c3 = conversation(madiun, w.m3)
    Message.objects.create(conversation=c3, direction=Message.Direction.INBOUND, created_at=T)
    for c, due, closed in ((c1, T + timedelta(days=3), T + timedelta(days=1)), (c3, T + timedelta(days=3), None)):
        stamp(Escalation.objects.create(conversation=c, from_office=madiun, to_office=jatim, reason="naik", due_at=due,
                                        closed_at=closed), created_at=T)

    # Cek fakta ---------------------------------------------------------------------------------------------------
    claim = stamp(Claim.objects.create(office=madiun, summary="Isu", first_reported_at=T - timedelta(days=2),
                                       last_reported_at=T), created_at=T - timedelta(days=2))
    r1, r2, r3 = report(madiun, claim), report(madiun, claim), report(madiun, claim)
    q1 = Clarification.objects.create(office=madiun, claim=claim, slug="q1", claim_reviewed="Isu",
                                      verdict=Verdict.FALSE, summary="Salah",
                                      status=Clarification.Status.PUBLISHED, published_at=T)
    Clarification.objects.create(office=madiun, slug="luar", claim_reviewed="Isu luar", verdict=Verdict.FALSE,
                                 summary="Salah", status=Clarification.Status.PUBLISHED, published_at=T,
                                 external_url="https://cekfakta.example/1", external_publisher="Luar")
    Clarification.objects.create(office=kab, slug="q3", claim_reviewed="Isu kab", verdict=Verdict.MISLEADING,
                                 summary="Menyesatkan", status=Clarification.Status.PUBLISHED, published_at=T)
    told = ((r1, "whatsapp:+628111", Notice.Status.QUEUED), (r2, "whatsapp:+628222", Notice.Status.QUEUED),
            (r3, "whatsapp:+628999", Notice.Status.UNREACHABLE))
    for r, key, status in told:
        stamp(Notice.objects.create(clarification=q1, report=r, recipient_key=key, kind=Notice.Kind.ANSWER,
                                    revision=1, status=status), created_at=T)
    return w


@pytest.fixture
def world(_world, db):
    return refreshed(_world)


@pytest.fixture
def period():
    return periods.resolve(PERIOD, "Asia/Jakarta")
