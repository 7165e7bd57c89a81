"""Broadcasts through a Telegram bot (the loopback FakeTelegram): chat ids, forum chats, 429, 403 and 401."""

import json
import time
from pathlib import Path

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from broadcasts import engine, rendering, services
from broadcasts.models import Broadcast, Delivery
from broadcasts.tests.conftest import BOT_TOKEN
from channels import services as channel_services
from channels.fakes import SERVER_ERROR
from channels.fakes.telegram import parse_entities
from channels.models import Channel, InboundMessage
from channels.providers import telegram
from inbox.services import route_pending
from lib.chatformat import to_html

UPDATES = Path(__file__).resolve().parents[2] / "channels" / "tests" / "fixtures" / "telegram"


@pytest.fixture
def forum_channel(madiun, admin, fake_tg):
    return channel_services.create_channel(
        actor=admin, office=madiun, kind="telegram", name="Bot Forum",
        config={"base_url": fake_tg.url, "broadcast_chats": "-1001234567890\n\n  @kanalforum  \n"},
        secrets={"bot_token": BOT_TOKEN}, rate_per_second=1000)


def test_it_sends_to_members_with_a_numeric_chat_id(madiun, tg_channel, fake_tg, make_member, send_broadcast):
    chats = ["111111111", "222222222", "333333333"]
    for chat in chats:
        make_member(madiun, telegram=chat)
    make_member(madiun, telegram="@pengguna_forum")   # a username: a bot cannot start that conversation
    broadcast = send_broadcast(madiun, text="*Info* tahapan pemilu")
    assert broadcast.total_recipients == 3
    assert broadcast.excluded == {"not_connected": 1}
    stats = engine.pump(tg_channel.pk, seconds=10)
    assert stats.accepted == 3
    requests = fake_tg.requests
    assert {r.path for r in requests} == {f"/bot{BOT_TOKEN}/sendMessage"}
    assert sorted(str(r.json["chat_id"]) for r in requests) == chats
    assert {r.json["parse_mode"] for r in requests} == {"HTML"}
    assert {parse_entities(r.json["text"]) for r in requests} == {
        "Info tahapan pemilu\n\n" + rendering.opt_out_footer()}
    assert all(r.json["text"].startswith("<b>Info</b> tahapan pemilu") for r in requests)
    for delivery in broadcast.deliveries.all():
        assert delivery.status == Delivery.Status.SENT
        assert delivery.provider_message_id.startswith(f"{delivery.recipient}:")
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE


def test_it_posts_to_the_forum_chats_of_the_channel(madiun, forum_channel, fake_tg, make_member, send_broadcast):
    member = make_member(madiun, telegram="444444444")
    broadcast = send_broadcast(madiun, text="Rapat pleno terbuka", audience_all=True, include_channel_chats=True)
    assert broadcast.total_recipients == 3
    recipients = {d.recipient: d for d in broadcast.deliveries.all()}
    assert set(recipients) == {"444444444", "-1001234567890", "@kanalforum"}
    assert recipients["444444444"].member_id == member.pk
    assert recipients["-1001234567890"].member_id is None
    assert engine.pump(forum_channel.pk, seconds=10).accepted == 3
    texts = {str(r.json["chat_id"]): r.json["text"] for r in fake_tg.requests}
    assert texts["444444444"] == to_html(rendering.chat_text("Rapat pleno terbuka"))
    assert texts["-1001234567890"] == "Rapat pleno terbuka"   # no "reply BERHENTI" in a group
    assert texts["@kanalforum"] == "Rapat pleno terbuka"


def test_it_posts_only_to_the_forum_chats_when_no_member_is_chosen(madiun, forum_channel, make_member,
                                                                   send_broadcast):
    make_member(madiun, telegram="555555555")
    broadcast = send_broadcast(madiun, include_channel_chats=True)
    assert sorted(broadcast.deliveries.values_list("recipient", flat=True)) == ["-1001234567890", "@kanalforum"]


def test_it_leaves_the_forum_chats_out_unless_asked(madiun, forum_channel, make_member, send_broadcast):
    make_member(madiun, telegram="555555555")
    broadcast = send_broadcast(madiun)
    assert list(broadcast.deliveries.values_list("recipient", flat=True)) == ["555555555"]


def test_it_waits_as_long_as_telegram_asks_after_a_429(madiun, tg_channel, fake_tg, make_member, send_broadcast):
    make_member(madiun, telegram="111111111")
    make_member(madiun, telegram="222222222")
    fake_tg.errors["222222222"] = 429   # the fixture answer: retry_after 8
    broadcast = send_broadcast(madiun)
    started, started_epoch = timezone.now(), time.time()
    stats = engine.pump(tg_channel.pk, seconds=10)
    assert (stats.accepted, stats.retried, stats.failed) == (1, 1, 0)
    throttled = broadcast.deliveries.get(recipient="222222222")
    assert throttled.status == Delivery.Status.QUEUED
    assert (throttled.error_outcome, throttled.error_code, throttled.attempts) == ("transient", 429, 1)
    assert (throttled.next_attempt_at - started).total_seconds() >= 8
    tg_channel.refresh_from_db()
    assert tg_channel.next_send_at >= started_epoch + 8   # every worker of the channel waits, not only this row
    assert broadcast.deliveries.get(recipient="111111111").status == Delivery.Status.SENT
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.SENDING


def test_it_honours_a_retry_after_header_on_a_server_error(madiun, admin, make_member, send_broadcast):
    from channels.fakes import FakeTelegram

    with FakeTelegram(errors={"111111111": SERVER_ERROR}, retry_after=30) as fake:
        channel = channel_services.create_channel(
            actor=admin, office=madiun, kind="telegram", name="Bot Lambat", config={"base_url": fake.url},
            secrets={"bot_token": BOT_TOKEN}, rate_per_second=1000)
        make_member(madiun, telegram="111111111")
        broadcast = send_broadcast(madiun)
        started_epoch = time.time()
        assert engine.pump(channel.pk, seconds=10).retried == 1
    delivery = broadcast.deliveries.get()
    assert (delivery.status, delivery.error_code) == (Delivery.Status.QUEUED, 502)
    assert delivery.next_attempt_at.timestamp() >= started_epoch + 30
    channel.refresh_from_db()
    assert channel.next_send_at >= started_epoch + 30


def test_it_marks_a_chat_that_blocked_the_bot(madiun, tg_channel, fake_tg, make_member, send_broadcast):
    blocked = make_member(madiun, telegram="666666666")
    make_member(madiun, telegram="777777777")
    fake_tg.errors["666666666"] = 403
    broadcast = send_broadcast(madiun)
    stats = engine.pump(tg_channel.pk, seconds=10)
    assert (stats.accepted, stats.failed) == (1, 1)
    delivery = broadcast.deliveries.get(member=blocked)
    assert (delivery.status, delivery.error_outcome, delivery.error_code) == (
        Delivery.Status.FAILED, "bad_address", 403)
    assert "blocked" in delivery.error_detail
    address = blocked.addresses.get()
    assert address.undeliverable_at is not None
    assert send_broadcast(madiun).excluded == {"undeliverable": 1}


def test_it_stops_the_channel_on_a_revoked_token_and_keeps_the_queue(madiun, tg_channel, fake_tg, make_member,
                                                                     send_broadcast, mailoutbox, notify_now):
    for chat in ("111111111", "222222222"):
        make_member(madiun, telegram=chat)
    fake_tg.token = "7000000001:AnotherTokenEntirely"   # ours is refused: 401 Unauthorized
    broadcast = send_broadcast(madiun)
    stats = engine.pump(tg_channel.pk, seconds=10)
    assert (stats.accepted, stats.failed) == (0, 0)
    tg_channel.refresh_from_db()
    assert tg_channel.status == Channel.Status.BROKEN
    assert "401" in tg_channel.status_reason
    deliveries = list(broadcast.deliveries.all())
    assert {(d.status, d.attempts) for d in deliveries} == {(Delivery.Status.QUEUED, 0)}
    notify_now()   # the audit row becomes the admins' notification, sent at once (urgent by default)
    [alert] = mailoutbox
    assert alert.to == ["admin@kpu-madiun.test"]
    assert "Bot Humas" in alert.body
    assert f"/staf/kanal/{tg_channel.pk}/" in alert.body
    assert AuditEntry.objects.filter(action="channel.broken", target_id=str(tg_channel.pk)).count() == 1
    assert BOT_TOKEN not in str(list(AuditEntry.objects.values_list("before", "after")))

    # Nothing more goes out while it is broken; a second failure does not alert again.
    requests = len(fake_tg.requests)
    assert engine.pump(tg_channel.pk, seconds=5).accepted == 0
    assert len(fake_tg.requests) == requests
    notify_now()
    assert len(mailoutbox) == 1


def test_it_sends_the_waiting_queue_once_the_channel_is_reactivated(madiun, admin, tg_channel, fake_tg, make_member,
                                                                    send_broadcast):
    make_member(madiun, telegram="111111111")
    fake_tg.token = "7000000001:AnotherTokenEntirely"
    broadcast = send_broadcast(madiun)
    engine.pump(tg_channel.pk, seconds=5)
    fake_tg.token = None
    channel_services.set_channel_status(actor=admin, channel=tg_channel, active=True)
    assert engine.pump(tg_channel.pk, seconds=5).accepted == 1
    broadcast.refresh_from_db()
    assert broadcast.status == Broadcast.Status.DONE


def test_it_keeps_the_opt_out_footer_on_a_maximum_length_message(madiun, tg_channel, fake_tg, make_member,
                                                                 send_broadcast):
    make_member(madiun, telegram="111111111")
    send_broadcast(madiun, text="x" * services.max_text_length())
    engine.pump(tg_channel.pk, seconds=5)
    [request] = fake_tg.requests
    assert len(parse_entities(request.json["text"])) <= 4096
    assert "BERHENTI" in request.json["text"]


# Keywords and connecting a member to the bot -------------------------------------------------------------

def update(text: str, *, chat_id: int = 1111111, chat_type: str = "private", message_id: int = 1365,
           username: str = "Testusername") -> list:
    body = json.loads((UPDATES / "update_message_text.json").read_text())
    message = body["message"]
    message.update({"text": text, "message_id": message_id, "date": int(time.time())})
    message["chat"].update({"id": chat_id, "type": chat_type})
    message["from"]["username"] = message["chat"]["username"] = username
    if chat_type != "private":
        message["chat"] = {"id": chat_id, "type": chat_type, "title": "Forum Bakohumas"}
    return telegram.parse_update(json.dumps(body).encode())


def receive(channel, events) -> dict:
    """A webhook's events stored, then routed as the worker's router does."""
    counts = channel_services.process_webhook_events(channel=channel, events=events)
    route_pending()
    return counts


def test_it_opts_out_on_stop_in_a_private_chat_only(madiun, tg_channel, make_member):
    member = make_member(madiun, telegram="1111111")
    group_counts = receive(tg_channel, update("BERHENTI", chat_id=-1001234567890, chat_type="supergroup"))
    assert group_counts["messages"] == 1
    assert not member.addresses.get().opted_out          # someone typing BERHENTI in the forum group
    assert not Delivery.objects.exists()
    receive(tg_channel, update("/stop", message_id=1366))
    assert member.addresses.get().opted_out
    [reply] = Delivery.objects.filter(recipient="1111111")
    assert "MULAI" in reply.text
    assert set(InboundMessage.objects.values_list("keyword", flat=True)) == {"", "stop"}


def test_it_connects_a_username_member_who_starts_the_bot(madiun, tg_channel, make_member, send_broadcast):
    make_member(madiun, telegram="@testusername")
    assert send_broadcast(madiun).excluded == {"not_connected": 1}   # "anggota perlu memulai bot"
    receive(tg_channel, update("/start"))
    [reply] = Delivery.objects.filter(broadcast__isnull=True, recipient="1111111")
    assert "belum terdaftar" not in reply.text
    assert send_broadcast(madiun).total_recipients == 1


@pytest.mark.parametrize("text", [
    "Harga <b>palsu</b> & diskon 50% untuk a<b",
    "snake_case_name, 2*3*4, [tautan](https://contoh.id), __init__ dan *tebal _miring* ini_",
    "Emoji 🗳️✅ dan aksara ꦲꦏ꧀ꦱꦫ serta العربية ~coret~ ```kode <x>```",
    "*tidak tertutup dan _juga",
    "Lihat https://kpu.go.id/a_b_c?x=1&y=2 sekarang",
])
def test_any_text_arrives_on_telegram_as_written(text, madiun, tg_channel, fake_tg, make_member, send_broadcast):
    """The Bot API parses the HTML like the real one does (the fake refuses tags it does not know or that do not
    nest); what the member reads is the text without its formatting markers, every other character kept."""
    make_member(madiun, telegram="111111111")
    send_broadcast(madiun, text=text)
    stats = engine.pump(tg_channel.pk, seconds=5)
    assert stats.accepted == 1
    [request] = fake_tg.requests
    assert request.answer == "ok"
    shown = parse_entities(request.json["text"]).split("\n\n")[0]
    for character in "<>&[]()🗳️✅ꦲالعربية":
        assert shown.count(character) == text.count(character)
