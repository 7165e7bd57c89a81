"""The SMTP e-mail channel against a real SMTP server (aiosmtpd on loopback), and the unsubscribe link it carries."""

import socket
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.conf import settings
from django.utils import timezone

from broadcasts import engine, rendering
from broadcasts.models import Broadcast, Delivery
from channels import services as channel_services
from channels.models import Channel
from members.models import Address, Consent, Purpose

FROM = "Humas KPU <humas@kpu.test>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: object
    raw: bytes = b""


@dataclass
class Collector:
    """An aiosmtpd handler: keeps every message; `refuse` maps a recipient to the reply RCPT TO gets instead."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    port: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd hook)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      message_from_bytes(envelope.content, policy=policy.default),
                                      envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str):
        [found] = [r.message for r in self.received if address in r.rcpt_tos]
        return found


def start_smtp(handler: Collector, port: int | None = None, **smtp_parameters) -> Controller:
    handler.port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port, **smtp_parameters)
    controller.start()
    return controller


@pytest.fixture
def smtp():
    handler = Collector()
    controller = start_smtp(handler)
    yield handler
    controller.stop()


def email_channel(office, admin, port: int, **extra) -> Channel:
    config = {"host": "127.0.0.1", "port": str(port), "security": "none", "from_email": FROM,
              **extra.pop("config", {})}
    return channel_services.create_channel(actor=admin, office=office, kind="email", name="Surel Humas",
                                           config=config, rate_per_second=200, **extra)


@pytest.fixture
def mail_channel(madiun, admin, smtp):
    return email_channel(madiun, admin, smtp.port)


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


def address_of(member) -> Address:
    return member.addresses.get(kind="mailto")


def test_it_delivers_a_broadcast_as_multipart_mail_with_one_click_unsubscribe(
        madiun, mail_channel, smtp, make_member, send_broadcast):
    members = [make_member(madiun, email=f"anggota{i}@contoh.id") for i in range(3)]
    broadcast = send_broadcast(madiun, title="Undangan Rapat Bakohumas",
                               text="*Rapat* koordinasi tahapan _kampanye_.\n\nLihat https://kpu.test/rapat")
    assert broadcast.total_recipients == 3
    stats = engine.pump(mail_channel.pk, seconds=10)
    assert (stats.accepted, stats.failed, stats.retried) == (3, 0, 0)
    assert len(smtp.received) == 3
    for member in members:
        address = address_of(member)
        [received] = [r for r in smtp.received if r.rcpt_tos == [address.value]]
        message = received.message
        assert received.mail_from == "humas@kpu.test"
        assert message["From"] == FROM
        assert message["To"] == address.value
        assert message["Subject"] == "Undangan Rapat Bakohumas"
        assert message.get_content_type() == "multipart/alternative"
        body = parts(message)
        assert set(body) == {"text/plain", "text/html"}
        header = message["List-Unsubscribe"]
        assert header.startswith(f"<{settings.SITE_URL}/berhenti/") and header.endswith("/>")
        url = header[1:-1]
        assert rendering.address_from_token(urlsplit(url).path.split("/")[2]) == address.pk
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "<strong>Rapat</strong>" in body["text/html"]
        assert "<em>kampanye</em>" in body["text/html"]
        assert '<a href="https://kpu.test/rapat">https://kpu.test/rapat</a>' in body["text/html"]
        assert url in body["text/html"]
        assert body["text/plain"].startswith("Rapat koordinasi tahapan kampanye.")
        assert "*" not in body["text/plain"]
        assert url in body["text/plain"]
        delivery = broadcast.deliveries.get(address=address)
        assert delivery.status == Delivery.Status.SENT
        assert delivery.provider_message_id == message["Message-ID"]
        assert delivery.provider_message_id.endswith("@kpu.test>")
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE


def test_it_escapes_markup_in_the_title_and_the_text(madiun, mail_channel, smtp, make_member, send_broadcast):
    make_member(madiun, email="penerima@contoh.id")
    send_broadcast(madiun, title='Info <script>alert("judul")</script>',
                   text='<script>alert("isi")</script> *penting* <b>tebal</b> <img src=x onerror=alert(1)>')
    engine.pump(mail_channel.pk, seconds=10)
    message = smtp.to("penerima@contoh.id")
    html = parts(message)["text/html"]
    assert "<script" not in html
    assert "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;isi&quot;)&lt;/script&gt;" in html
    assert "<strong>penting</strong>" in html
    assert "judul" not in html   # the title is the subject only, never pasted into the HTML
    assert message["Subject"] == 'Info <script>alert("judul")</script>'   # a header is not markup


def test_it_shows_a_confirmation_page_before_unsubscribing(madiun, mail_channel, smtp, make_member,
                                                           send_broadcast, client):
    member = make_member(madiun, email="berhenti@contoh.id")
    send_broadcast(madiun)
    engine.pump(mail_channel.pk, seconds=10)
    url = smtp.to("berhenti@contoh.id")["List-Unsubscribe"].strip("<>")
    path = urlsplit(url).path
    address = address_of(member)

    page = client.get(path)
    assert page.status_code == 200
    address.refresh_from_db()
    assert not address.opted_out      # a link scanner's GET must not unsubscribe anyone
    assert Consent.objects.filter(address=address, withdrawn_at__isnull=True).exists()

    done = client.post(path)
    assert done.status_code == 200
    address.refresh_from_db()
    assert address.opted_out and address.opted_out_at is not None
    consent = Consent.objects.get(address=address, purpose=Purpose.DISSEMINATION)
    assert consent.withdrawn_at is not None
    # The next broadcast leaves the address out.
    assert send_broadcast(madiun).excluded == {"opted_out": 1}


def test_it_unsubscribes_with_the_one_click_post(madiun, mail_channel, make_member, client):
    member = make_member(madiun, email="satu-klik@contoh.id")
    address = address_of(member)
    path = urlsplit(rendering.unsubscribe_url(address.pk)).path
    response = client.post(path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    address.refresh_from_db()
    assert address.opted_out
    assert Consent.objects.get(address=address).withdrawn_at is not None
    # Mail clients may send it twice: still 200, nothing more to withdraw.
    assert client.post(path, data="List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded").status_code == 200


def test_it_refuses_a_tampered_unsubscribe_token(madiun, make_member, client):
    member = make_member(madiun, email="utuh@contoh.id")
    address = address_of(member)
    token = rendering.unsubscribe_token(address.pk)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/berhenti/{tampered}/").status_code == 404
    assert client.post(f"/berhenti/{tampered}/").status_code == 404
    other = rendering.unsubscribe_token(address.pk + 1000)   # genuine signature, no such address
    assert client.post(f"/berhenti/{other}/").status_code == 404
    address.refresh_from_db()
    assert not address.opted_out


def test_it_marks_an_address_the_server_refuses_with_550(madiun, mail_channel, smtp, make_member, send_broadcast):
    good = make_member(madiun, email="ada@contoh.id")
    bad = make_member(madiun, email="tidak-ada@contoh.id")
    smtp.refuse["tidak-ada@contoh.id"] = "550 5.1.1 Mailbox tidak ada"
    broadcast = send_broadcast(madiun)
    stats = engine.pump(mail_channel.pk, seconds=10)
    assert (stats.accepted, stats.failed) == (1, 1)
    assert [r.rcpt_tos for r in smtp.received] == [["ada@contoh.id"]]
    failed = broadcast.deliveries.get(member=bad)
    assert failed.status == Delivery.Status.FAILED
    assert failed.error_outcome == "bad_address"
    assert failed.error_code == 550
    assert failed.failed_at is not None
    address = address_of(bad)
    assert address.undeliverable_at is not None
    assert "Mailbox tidak ada" in address.undeliverable_reason
    assert broadcast.deliveries.get(member=good).status == Delivery.Status.SENT
    assert send_broadcast(madiun).excluded == {"undeliverable": 1}


def test_it_retries_a_temporary_4xx_refusal(madiun, mail_channel, smtp, make_member, send_broadcast):
    member = make_member(madiun, email="sibuk@contoh.id")
    smtp.refuse["sibuk@contoh.id"] = "450 4.2.1 Mailbox sedang sibuk"
    broadcast = send_broadcast(madiun)
    before = timezone.now()
    stats = engine.pump(mail_channel.pk, seconds=10)
    assert (stats.accepted, stats.failed, stats.retried) == (0, 0, 1)
    delivery = broadcast.deliveries.get()
    assert delivery.status == Delivery.Status.QUEUED
    assert (delivery.error_outcome, delivery.error_code, delivery.attempts) == ("transient", 450, 1)
    assert delivery.next_attempt_at > before
    assert address_of(member).undeliverable_at is None
    assert smtp.received == []

    del smtp.refuse["sibuk@contoh.id"]
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert engine.pump(mail_channel.pk, seconds=10).accepted == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 2
    assert [r.rcpt_tos for r in smtp.received] == [["sibuk@contoh.id"]]


def test_it_keeps_every_message_while_the_server_is_down(madiun, admin, make_member, send_broadcast):
    port = free_port()   # nothing listens here yet
    channel = email_channel(madiun, admin, port)
    for i in range(3):
        make_member(madiun, email=f"antre{i}@contoh.id")
    broadcast = send_broadcast(madiun)
    stats = engine.pump(channel.pk, seconds=10)
    assert (stats.accepted, stats.failed, stats.retried) == (0, 0, 3)
    deliveries = list(broadcast.deliveries.all())
    assert {d.status for d in deliveries} == {Delivery.Status.QUEUED}
    assert {d.error_outcome for d in deliveries} == {"transient"}
    assert not any(d.possible_duplicate for d in deliveries)   # refused connection: nothing can have gone out
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE

    handler = Collector()
    controller = start_smtp(handler, port)
    try:
        broadcast.deliveries.update(next_attempt_at=timezone.now())
        assert engine.pump(channel.pk, seconds=10).accepted == 3
    finally:
        controller.stop()
    assert sorted(r.rcpt_tos[0] for r in handler.received) == [f"antre{i}@contoh.id" for i in range(3)]
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE


def test_it_stops_the_channel_when_the_server_refuses_the_login(madiun, admin, make_member, send_broadcast,
                                                                mailoutbox, notify_now):
    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    handler = Collector()
    controller = start_smtp(handler, authenticator=authenticator, auth_require_tls=False)
    try:
        channel = email_channel(madiun, admin, handler.port, config={"username": "humas"},
                                secrets={"password": "kata-sandi-lama"})
        make_member(madiun, email="tunggu@contoh.id")
        broadcast = send_broadcast(madiun)
        stats = engine.pump(channel.pk, seconds=10)
    finally:
        controller.stop()
    assert stats.accepted == 0 and stats.failed == 0
    channel.refresh_from_db()
    assert channel.status == Channel.Status.BROKEN
    assert channel.status_reason.startswith("535")
    delivery = broadcast.deliveries.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.QUEUED, 0)
    assert handler.received == []
    notify_now()   # the audit row becomes the admins' notification, sent at once (urgent by default)
    [alert] = mailoutbox
    assert alert.to == ["admin@kpu-madiun.test"]
    assert "Surel Humas" in alert.body


def test_it_sends_a_direct_message_with_the_office_as_subject(madiun, mail_channel, smtp):
    from broadcasts.services import send_direct

    send_direct(channel=mail_channel, recipient="tanya@contoh.id", text="Terima kasih atas pertanyaan Anda.")
    assert engine.pump(mail_channel.pk, seconds=10).accepted == 1
    message = smtp.to("tanya@contoh.id")
    assert message["Subject"] == f"Pesan dari {madiun.name}"
    assert "List-Unsubscribe" not in message
    assert parts(message)["text/plain"].strip() == "Terima kasih atas pertanyaan Anda."


def test_it_sends_later_in_the_batch_after_a_refused_recipient(madiun, mail_channel, smtp, make_member,
                                                               send_broadcast):
    """A refused RCPT leaves the SMTP session usable: the rest of the batch still goes out on it."""
    for i in range(4):
        make_member(madiun, email=f"urut{i}@contoh.id")
    smtp.refuse["urut1@contoh.id"] = "550 5.1.1 tidak dikenal"
    broadcast = send_broadcast(madiun)
    stats = engine.pump(mail_channel.pk, seconds=10)
    assert (stats.accepted, stats.failed) == (3, 1)
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ["urut0@contoh.id", "urut2@contoh.id", "urut3@contoh.id"]
    assert broadcast.deliveries.filter(status=Delivery.Status.SENT).count() == 3
    assert timezone.now() - broadcast.deliveries.first().sent_at < timedelta(minutes=1)


def test_the_unsubscribe_header_is_sent_as_written_with_a_long_address(madiun, mail_channel, smtp, make_member,
                                                                         send_broadcast, settings):
    """Mail clients only offer their unsubscribe button for `<https://…>`; an RFC 2047 encoded word hides it."""
    settings.SITE_URL = "https://bakohumas.kpu.go.id/" + "portal-satuan-kerja-kabupaten-kota/" * 3
    make_member(madiun, email="panjang@contoh.id")
    send_broadcast(madiun, title="Undangan", text="Rapat koordinasi.")
    engine.pump(mail_channel.pk, seconds=10)
    [received] = smtp.received
    raw = received.raw.decode("ascii")
    header = next(line for line in raw.split("\r\n") if line.startswith("List-Unsubscribe:"))
    assert header.startswith("List-Unsubscribe: <https://bakohumas.kpu.go.id/portal-satuan-kerja")
    assert header.endswith(">") and len(header) > 150
    assert "=?utf-8?" not in raw.split("\r\n\r\n")[0]
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
