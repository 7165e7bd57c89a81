"""Inbound traffic into the inbox: every provider fixture, unknown and hostile payloads, long and non-Latin text,
duplicates, and the media behind a message (downloaded from the loopback fakes, which speak the real protocols)."""

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from broadcasts import engine
from broadcasts.models import Delivery
from broadcasts.tests.conftest import BOT_TOKEN, WA_TOKEN
from channels.fakes import SERVER_ERROR, TIMEOUT
from channels.fakes.telegram import parse_entities
from channels.models import InboundMessage
from channels.providers import whatsapp as whatsapp_provider
from inbox import media, services
from inbox.models import Conversation, Message
from inbox.tests.conftest import TELEGRAM, WEBHOOKS, telegram_body, whatsapp_body
from members.models import Member

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WA_IMAGE_ID = "1003383421387256"        # the media id in inbound_image_caption.json
TG_PHOTO_ID = "PHOTO_FILE_ID_Y"         # the largest size in update_message_photo_caption.json
MIXED = "Assalamualaikum 🙏🏽 السلام عليكم ورحمة الله وبركاته — ꦧꦱꦗꦮ ꦲꦏ꧀ꦱꦫꦗꦮ 👨‍👩‍👧 🇮🇩 ✅"
MIXED_NAME = "محمد ꦱꦸꦫꦗ 😊"


@pytest.fixture
def deliver(post_webhook, post_telegram, django_capture_on_commit_callbacks):
    """Post a webhook and run what its transaction queued (media download, pumps) as the worker would."""

    def deliver(channel, raw: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            post = post_telegram if channel.kind == "telegram" else post_webhook
            return post(channel, raw)

    return deliver


def wa_payload(*messages: dict, sender: str = "6281230000009", name: str = "Warga Uji") -> bytes:
    """A WhatsApp notification (the inbound_text.json envelope) carrying the given message objects."""
    payload = json.loads((WEBHOOKS / "inbound_text.json").read_text())
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"wa_id": sender, "profile": {"name": name}}]
    value["messages"] = [{"from": sender, "timestamp": str(int(timezone.now().timestamp())), **m} for m in messages]
    return json.dumps(payload).encode()


def fixture_with_id(name: str, message_id: str) -> bytes:
    """A fixture as-is but for its message id (the documentation samples reuse one id for different messages)."""
    payload = json.loads((WEBHOOKS / name).read_text())
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = message_id
    return json.dumps(payload).encode()


def page_of(client, conversation) -> str:
    response = client.get(reverse("inbox:conversation_detail", args=[conversation.pk]))
    assert response.status_code == 200
    return response.text


# Every provider fixture ------------------------------------------------------------------------------------

WHATSAPP_FIXTURES = {
    # fixture: (sender, name, kind, text, forwarded, frequently forwarded, media status)
    "inbound_text.json": ("+16505551234", "Sheena Nelson", "text", "Does it come in another color?", False, False, ""),
    "inbound_image_caption.json": ("+16505551234", "Sheena Nelson", "image", "Taj Mahal", False, False, "pending"),
    "inbound_forwarded_text.json": ("+972987654321", "Test Name", "text", "forwarded text", True, False, ""),
    "inbound_frequently_forwarded_text.json": ("+972987654321", "Test Name", "text", "text forwarded many times",
                                               True, True, ""),
    "inbound_interactive_button_reply.json": ("+972987654321", "Test Name", "interactive", "title", False, False, ""),
    "inbound_unsupported.json": ("+16505551234", "Sheena Nelson", "unsupported", "", False, False, ""),
}
TELEGRAM_FIXTURES = {
    # fixture: (name, kind, text, forwarded, media status)
    "update_message_text.json": ("Test Firstname Test Lastname", "text", "/start", False, ""),
    "update_message_photo_caption.json": ("Test Firstname Test Lastname", "image",
                                          "Polling station 12: queue at 07:30 #report", False, "pending"),
    "update_message_forwarded.json": ("Test User", "text", "Jupp", True, ""),
    "update_message_forwarded_from_channel.json": ("Test Firstname", "text", "Forwarded announcement text", True, ""),
    "update_message_forwarded_hidden_user.json": ("Test Firstname", "text", "Forwarded from a private account",
                                                  True, ""),
}


def test_it_knows_every_inbound_fixture():
    assert sorted(p.name for p in WEBHOOKS.glob("inbound_*.json")) == sorted(WHATSAPP_FIXTURES)
    assert sorted(p.name for p in TELEGRAM.glob("update_*.json")) == sorted(
        [*TELEGRAM_FIXTURES, "update_channel_post.json"])


@pytest.mark.parametrize("fixture", sorted(WHATSAPP_FIXTURES))
def test_it_routes_each_whatsapp_fixture_into_a_conversation(fixture, madiun, wa_channel, post_webhook):
    sender, name, kind, text, forwarded, frequently, media_status = WHATSAPP_FIXTURES[fixture]
    raw = (WEBHOOKS / fixture).read_bytes()
    response = post_webhook(wa_channel, raw)
    assert response.status_code == 200 and response.json()["messages"] == 1
    conversation = Conversation.objects.get()
    assert (conversation.office, conversation.status) == (madiun, "open")
    assert (conversation.member.full_name, conversation.member.source) == (name, Member.Source.INBOUND)
    assert list(conversation.member.addresses.values_list("kind", "value")) == [("whatsapp", sender)]
    [message] = conversation.messages.all()
    assert (message.direction, message.channel, message.kind, message.text) == ("in", wa_channel, kind, text)
    assert (message.forwarded, message.frequently_forwarded, message.media_status) == (forwarded, frequently,
                                                                                       media_status)
    original = json.loads(raw)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message.inbound.raw == original and message.created_at == conversation.last_inbound_at
    assert message.created_at.timestamp() == int(original["timestamp"])
    if media_status:
        assert (message.inbound.media_id, message.media_mime_type) == (WA_IMAGE_ID, "image/jpeg")


@pytest.mark.parametrize("fixture", sorted(TELEGRAM_FIXTURES))
def test_it_routes_each_private_telegram_fixture_into_a_conversation(fixture, madiun, tg_channel, post_telegram):
    name, kind, text, forwarded, media_status = TELEGRAM_FIXTURES[fixture]
    response = post_telegram(tg_channel, (TELEGRAM / fixture).read_bytes())
    assert response.status_code == 200 and response.json()["messages"] == 1
    conversation = Conversation.objects.get()
    assert conversation.office == madiun and conversation.member.full_name == name
    assert list(conversation.member.addresses.values_list("kind", "value")) == [("telegram", "1111111")]
    [message] = conversation.messages.filter(direction="in")
    assert (message.channel, message.kind, message.text, message.forwarded) == (tg_channel, kind, text, forwarded)
    assert message.media_status == media_status
    if media_status:
        assert message.inbound.media_id == TG_PHOTO_ID


def test_it_stores_a_telegram_channel_post_but_opens_no_conversation(tg_channel, post_telegram):
    response = post_telegram(tg_channel, (TELEGRAM / "update_channel_post.json").read_bytes())
    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.sender, inbound.text) == ("telegram:-1001234567890", "Announcement for all stakeholders")
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_it_keeps_one_conversation_per_sender_across_all_fixtures(madiun, wa_channel, tg_channel, deliver,
                                                                 client_for, operator):
    for number, fixture in enumerate(sorted(WHATSAPP_FIXTURES)):
        assert deliver(wa_channel, fixture_with_id(fixture, f"wamid.ALL{number}")).status_code == 200
    for fixture in [*TELEGRAM_FIXTURES, "update_channel_post.json"]:
        assert deliver(tg_channel, (TELEGRAM / fixture).read_bytes()).status_code == 200
    by_sender = {c.member.addresses.get().value: c for c in Conversation.objects.all()}
    assert sorted(by_sender) == ["+16505551234", "+972987654321", "1111111"]

    def thread(value):
        return list(by_sender[value].messages.filter(direction="in").values_list("kind", "forwarded",
                                                                                 "frequently_forwarded"))

    assert thread("+16505551234") == [("image", False, False), ("text", False, False), ("unsupported", False, False)]
    assert thread("+972987654321") == [("text", True, False), ("text", True, True), ("interactive", False, False)]
    assert [m.text for m in by_sender["1111111"].messages.filter(direction="in")] == [
        "/start", "Polling station 12: queue at 07:30 #report", "Forwarded announcement text",
        "Forwarded from a private account", "Jupp"]
    client = client_for(operator)
    forwarded = page_of(client, by_sender["+972987654321"])
    assert "diteruskan berkali-kali" in forwarded and "[interactive]" in forwarded and "forwarded text" in forwarded
    photos = page_of(client, by_sender["+16505551234"])
    assert "[unsupported]" in photos and "[image]" in photos and "Taj Mahal" in photos
    assert "lampiran gagal diambil" in photos   # the fake has no such media: the failure is shown, not hidden


# Unknown and garbled message types -------------------------------------------------------------------------

WHATSAPP_OTHER_TYPES = [
    ({"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}}, "reaction", ""),
    ({"type": "location", "location": {"latitude": -7.63, "longitude": 111.52, "name": "KPU Kota Madiun",
                                       "address": "Jl. Pahlawan"}}, "location", "KPU Kota Madiun Jl. Pahlawan"),
    ({"type": "contacts", "contacts": [{"name": {"formatted_name": "Budi"}}]}, "contacts", ""),
    ({"type": "button", "button": {"payload": "ya", "text": "Ya, hadir"}}, "button", "Ya, hadir"),
    ({"type": "system", "system": {"body": "User changed number", "type": "user_changed_number"}}, "system", ""),
    ({"type": "order", "order": {"catalog_id": "1", "product_items": []}}, "order", ""),
    ({"type": "jenis_baru_2027", "jenis_baru_2027": {"x": 1}}, "jenis_baru_2027", ""),
]


def test_it_stores_whatsapp_message_types_it_does_not_know(madiun, wa_channel, post_webhook, client_for, operator):
    messages = [{"id": f"wamid.T{i}", **body} for i, (body, _kind, _text) in enumerate(WHATSAPP_OTHER_TYPES)]
    response = post_webhook(wa_channel, wa_payload(*messages))
    assert response.status_code == 200 and response.json()["messages"] == len(WHATSAPP_OTHER_TYPES)
    conversation = Conversation.objects.get()
    stored = list(conversation.messages.filter(direction="in").order_by("inbound__provider_message_id")
                  .values_list("kind", "text"))
    assert stored == [(kind, text) for _body, kind, text in WHATSAPP_OTHER_TYPES]
    assert InboundMessage.objects.get(provider_message_id="wamid.T0").raw["reaction"]["emoji"] == "👍"
    page = page_of(client_for(operator), conversation)
    assert all(f"[{kind}]" in page for _body, kind, _text in WHATSAPP_OTHER_TYPES)


@pytest.mark.parametrize("message", [
    pytest.param({"type": None}, id="type-null"),
    pytest.param({"type": 7}, id="type-number"),
    pytest.param({"type": "text", "text": {"body": 42}}, id="body-number"),
    pytest.param({"type": "text", "text": "bukan objek"}, id="text-string"),
    pytest.param({"type": "text", "text": {"body": "tanpa pengirim"}, "from": None}, id="no-sender"),
])
def test_it_never_answers_a_garbled_whatsapp_message_with_a_500(message, wa_channel, post_webhook, caplog):
    """Signed by Meta, valid JSON, but not in the documented shape: a clear answer (stored, or 400 with a log line),
    never a server error that makes Meta retry the same payload for seven days."""
    response = post_webhook(wa_channel, wa_payload({"id": "wamid.G1", **message}))
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert not InboundMessage.objects.exists()
        assert any("refused" in r.getMessage() for r in caplog.records if r.name == "bakohumas.webhooks")
    else:
        assert InboundMessage.objects.count() == 1


TELEGRAM_OTHER_KINDS = [
    ({"location": {"latitude": -7.63, "longitude": 111.52}}, "unsupported"),
    ({"contact": {"phone_number": "+6281230000001", "first_name": "Budi"}}, "unsupported"),
    ({"poll": {"id": "1", "question": "Hadir?", "options": []}}, "unsupported"),
    ({"dice": {"emoji": "🎲", "value": 3}}, "unsupported"),
    ({"voice": {"file_id": "VOICE_1", "duration": 3, "mime_type": "audio/ogg"}}, "audio"),
    ({"sticker": {"file_id": "STICKER_1", "width": 512, "height": 512}}, "sticker"),
]


def test_it_stores_telegram_message_kinds_without_text(madiun, tg_channel, post_telegram, client_for, operator):
    for number, (fields, _kind) in enumerate(TELEGRAM_OTHER_KINDS):
        raw = json.loads(telegram_body(message_id=2000 + number))
        del raw["message"]["text"]
        raw["message"].update(fields)
        raw["update_id"] += number
        assert post_telegram(tg_channel, json.dumps(raw).encode()).status_code == 200
    conversation = Conversation.objects.get()
    assert list(conversation.messages.filter(direction="in").values_list("kind", flat=True)) == [
        kind for _fields, kind in TELEGRAM_OTHER_KINDS]
    assert list(conversation.messages.exclude(media_status="").values_list("inbound__media_id", flat=True)) == [
        "VOICE_1", "STICKER_1"]
    page = page_of(client_for(operator), conversation)
    assert page.count("[unsupported]") == 4 and "[audio]" in page and "[sticker]" in page


def test_it_fetches_a_telegram_video_note_like_any_video(tg_channel, fake_tg, deliver):
    fake_tg.media["VIDEO_NOTE_1"] = (b"\x00\x00\x00\x18ftypmp42", "video/mp4")
    raw = json.loads(telegram_body(message_id=3000))
    del raw["message"]["text"]
    raw["message"]["video_note"] = {"file_id": "VIDEO_NOTE_1", "file_unique_id": "VN1", "length": 240,
                                    "duration": 4}
    deliver(tg_channel, json.dumps(raw).encode())
    message = Message.objects.get(direction="in")
    assert message.kind == "video" and message.media_status == "stored"


# Long and non-Latin text -----------------------------------------------------------------------------------

def test_it_keeps_a_4096_character_message_whole(madiun, wa_channel, tg_channel, post_webhook, post_telegram):
    text = ("Mohon penjelasan tentang daftar pemilih tetap 🗳️ ꦱꦸꦫꦠ꧀ " * 100)[:4095] + "."
    assert len(text) == 4096
    assert post_webhook(wa_channel, whatsapp_body(text=text, message_id="wamid.LONG")).status_code == 200
    assert post_telegram(tg_channel, telegram_body(text=text, message_id=4096)).status_code == 200
    assert [m.text for m in Message.objects.filter(direction="in")] == [text, text]
    assert all(len(i.text) == 4096 for i in InboundMessage.objects.all())


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped-like-meta", "raw-utf8"])
def test_it_keeps_emoji_arabic_and_javanese_intact(ensure_ascii, madiun, wa_channel, fake_wa, post_webhook,
                                                   client_for, operator):
    payload = json.loads(whatsapp_body(text=MIXED, name=MIXED_NAME, message_id="wamid.UNICODE"))
    raw = json.dumps(payload, ensure_ascii=ensure_ascii).encode()
    assert post_webhook(wa_channel, raw).status_code == 200
    conversation = Conversation.objects.get()
    message = conversation.messages.get()
    assert message.text == MIXED and message.inbound.text == MIXED
    assert conversation.member.full_name == MIXED_NAME
    page = page_of(client_for(operator), conversation)
    assert MIXED in page and MIXED_NAME in page
    services.reply(actor=operator, conversation=conversation, text=f"Waalaikumsalam {MIXED}",
                   expected_version=conversation.version)
    engine.pump(wa_channel.pk, seconds=5)
    [sent] = fake_wa.requests
    assert sent.json["text"]["body"] == f"Waalaikumsalam {MIXED}"


def test_it_keeps_non_latin_telegram_text_and_names_intact(madiun, tg_channel, fake_tg, post_telegram, operator):
    raw = telegram_body(text=MIXED, message_id=5000, **{"from": {"id": 1111111, "first_name": "محمد",
                                                                 "last_name": "ꦱꦸꦫꦗ 😊"}})
    assert post_telegram(tg_channel, raw).status_code == 200
    conversation = Conversation.objects.get()
    assert conversation.messages.get().text == MIXED and conversation.member.full_name == MIXED_NAME
    services.reply(actor=operator, conversation=conversation, text=MIXED, expected_version=None)
    engine.pump(tg_channel.pk, seconds=5)
    request = fake_tg.requests[-1].json
    assert request["chat_id"] == "1111111" and request["parse_mode"] == "HTML"
    assert parse_entities(request["text"]) == MIXED


# Malformed bodies, duplicates ------------------------------------------------------------------------------

MALFORMED = [b'{"object": "whatsapp_business_account", "entry": [', b"bukan json", b"\xff\xfe{\x00}", b"",
             b"[1, 2, 3]", b'{"object": "page", "entry": []}']


@pytest.mark.parametrize("raw", MALFORMED, ids=["truncated", "text", "not-utf8", "empty", "array", "other-object"])
def test_it_answers_malformed_whatsapp_json_with_400_stores_nothing_and_logs(raw, wa_channel, post_webhook,
                                                                              caplog):
    caplog.set_level(logging.WARNING, logger="bakohumas.webhooks")
    assert post_webhook(wa_channel, raw).status_code == 400
    assert not InboundMessage.objects.exists() and not Conversation.objects.exists()
    [line] = [r for r in caplog.records if r.name == "bakohumas.webhooks"]
    assert line.levelno == logging.WARNING and f"channel {wa_channel.pk} refused" in line.getMessage()


@pytest.mark.parametrize("raw", [b'{"update_id": 1, "message": {', b"bukan json", b"\xff\xfe", b"", b"[]",
                                 b'{"message": {"text": "tanpa update_id"}}'],
                         ids=["truncated", "text", "not-utf8", "empty", "array", "no-update-id"])
def test_it_answers_malformed_telegram_json_with_400_stores_nothing_and_logs(raw, tg_channel, post_telegram,
                                                                              caplog):
    caplog.set_level(logging.WARNING, logger="bakohumas.webhooks")
    assert post_telegram(tg_channel, raw).status_code == 400
    assert not InboundMessage.objects.exists() and not Conversation.objects.exists()
    assert any(f"channel {tg_channel.pk} refused" in r.getMessage() for r in caplog.records)


def test_it_refuses_an_unsigned_or_wrongly_signed_message_before_reading_it(wa_channel, tg_channel, client,
                                                                           post_telegram, caplog):
    raw = whatsapp_body(text="Halo")
    url = reverse("channel_webhook", args=[wa_channel.uuid])
    assert client.post(url, raw, content_type="application/json").status_code == 403
    assert client.post(url, raw, content_type="application/json",
                       headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}).status_code == 403
    assert post_telegram(tg_channel, telegram_body(), secret="salah").status_code == 403
    assert not InboundMessage.objects.exists()
    assert sum("bad or missing signature" in r.getMessage() for r in caplog.records) == 3


def test_it_keeps_a_whatsapp_message_delivered_five_times_once_and_downloads_once(
        madiun, wa_channel, fake_wa, deliver):
    fake_wa.media[WA_IMAGE_ID] = (JPEG, "image/jpeg")
    raw = (WEBHOOKS / "inbound_image_caption.json").read_bytes()
    answers = [deliver(wa_channel, raw).json() for _ in range(5)]
    assert [a["messages"] for a in answers] == [1, 0, 0, 0, 0]
    assert [a["duplicates"] for a in answers] == [0, 1, 1, 1, 1]
    assert (InboundMessage.objects.count(), Message.objects.count(), Conversation.objects.count()) == (1, 1, 1)
    assert [r.path for r in fake_wa.requests] == [f"/{WA_IMAGE_ID}", f"/media/{WA_IMAGE_ID}"]
    assert Message.objects.get().media_status == "stored"


def test_it_keeps_a_telegram_update_delivered_five_times_once(madiun, tg_channel, deliver):
    raw = telegram_body(text="Di mana lokasi TPS 12?", message_id=777)
    for _ in range(5):
        assert deliver(tg_channel, raw).status_code == 200
    assert (InboundMessage.objects.count(), Message.objects.filter(direction="in").count()) == (1, 1)


def test_it_does_not_lose_an_edited_telegram_message(madiun, tg_channel, post_telegram):
    post_telegram(tg_channel, telegram_body(text="TPS buka jam 7?", message_id=900))
    edited = json.loads(telegram_body(text="TPS tutup jam berapa?", message_id=900, edit_date=1441645600))
    edited["edited_message"] = edited.pop("message")
    edited["update_id"] += 1
    assert post_telegram(tg_channel, json.dumps(edited).encode()).status_code == 200
    assert "TPS tutup jam berapa?" in Message.objects.values_list("text", flat=True)


# Media -----------------------------------------------------------------------------------------------------

def test_it_downloads_whatsapp_media_with_the_token_and_serves_it_to_staff(madiun, wa_channel, fake_wa, deliver,
                                                                        client_for, operator):
    fake_wa.media[WA_IMAGE_ID] = (JPEG, "image/jpeg")
    deliver(wa_channel, (WEBHOOKS / "inbound_image_caption.json").read_bytes())
    message = Message.objects.get()
    assert (message.media_status, message.media_mime_type, message.media_attempts, message.media_error) == (
        "stored", "image/jpeg", 1, "")
    assert message.media.name.endswith(".jpg") and message.media.read() == JPEG
    assert [r.headers["authorization"] for r in fake_wa.requests] == [f"Bearer {WA_TOKEN}"] * 2
    client = client_for(operator)
    page = page_of(client, message.conversation)
    link = reverse("inbox:message_media", args=[message.conversation_id, message.pk])
    assert link in page and "Unduh lampiran" in page
    response = client.get(link)
    assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")


def telegram_document(file_id: str = "DOC_FILE_1", message_id: int = 1400) -> bytes:
    raw = json.loads(telegram_body(message_id=message_id))
    del raw["message"]["text"]
    raw["message"]["document"] = {"file_id": file_id, "file_unique_id": "DOC_U1", "file_name": "surat-edaran.pdf",
                                  "mime_type": "application/pdf", "file_size": len(PDF)}
    raw["message"]["caption"] = "Surat edaran dari kelurahan"
    return json.dumps(raw).encode()


def test_it_downloads_telegram_photos_and_documents_through_getfile(madiun, tg_channel, fake_tg, deliver):
    fake_tg.media[TG_PHOTO_ID] = (JPEG, "image/jpeg")
    fake_tg.media["DOC_FILE_1"] = (PDF, "application/pdf")
    deliver(tg_channel, (TELEGRAM / "update_message_photo_caption.json").read_bytes())
    deliver(tg_channel, telegram_document())
    photo, document = Message.objects.filter(direction="in").order_by("pk")
    assert (photo.kind, photo.media_status, photo.media.read()) == ("image", "stored", JPEG)
    assert (document.kind, document.text, document.media_status) == ("document", "Surat edaran dari kelurahan",
                                                                    "stored")
    assert document.media.read() == PDF
    paths = [r.path.split("?")[0] for r in fake_tg.requests if r.method == "GET"]
    assert paths == [f"/bot{BOT_TOKEN}/getFile", f"/file/bot{BOT_TOKEN}/photos/file_1.jpg",
                     f"/bot{BOT_TOKEN}/getFile", f"/file/bot{BOT_TOKEN}/documents/file_2.pdf"]


def test_it_keeps_the_media_type_the_telegram_update_gave(madiun, tg_channel, fake_tg, deliver):
    fake_tg.media[TG_PHOTO_ID] = (JPEG, "image/jpeg")
    fake_tg.media["DOC_FILE_1"] = (PDF, "application/pdf")
    deliver(tg_channel, (TELEGRAM / "update_message_photo_caption.json").read_bytes())
    deliver(tg_channel, telegram_document())
    photo, document = Message.objects.filter(direction="in").order_by("pk")
    assert (photo.media_mime_type, document.media_mime_type) == ("image/jpeg", "application/pdf")
    assert photo.media.name.endswith(".jpg") and document.media.name.endswith(".pdf")


@pytest.mark.parametrize(("step", "error"), [("download", "download HTTP 404"), ("lookup", "HTTP 404")])
def test_it_fails_a_whatsapp_media_404_at_once_and_the_page_says_so(step, error, madiun, wa_channel, fake_wa, deliver,
                                                                client_for, operator):
    fake_wa.media[WA_IMAGE_ID] = (JPEG, "image/jpeg")
    (fake_wa.download_errors if step == "download" else fake_wa.media_errors)[WA_IMAGE_ID] = 404
    deliver(wa_channel, (WEBHOOKS / "inbound_image_caption.json").read_bytes())
    message = Message.objects.get()
    assert (message.media_status, message.media_attempts) == ("failed", 1)
    assert message.media_error == f"media {WA_IMAGE_ID}: {error}" and not message.media
    assert message.text == "Taj Mahal"                  # the caption is kept whatever happens to the file
    assert media.retry_stale() == 0                     # a 404 is not tried again
    page = page_of(client_for(operator), message.conversation)
    assert f"lampiran gagal diambil: media {WA_IMAGE_ID}: {error}" in page
    assert client_for(operator).get(reverse("inbox:message_media", args=[message.conversation_id, message.pk])
                                    ).status_code == 404


def test_it_fails_a_telegram_file_404_with_the_error_shown(madiun, tg_channel, fake_tg, deliver, client_for, operator):
    fake_tg.media[TG_PHOTO_ID] = (JPEG, "image/jpeg")
    fake_tg.download_errors[TG_PHOTO_ID] = 404
    deliver(tg_channel, (TELEGRAM / "update_message_photo_caption.json").read_bytes())
    message = Message.objects.get(direction="in")
    assert (message.media_status, message.media_error) == ("failed", "file download: HTTP 404")
    assert "lampiran gagal diambil: file download: HTTP 404" in page_of(client_for(operator), message.conversation)


@pytest.fixture
def short_timeouts(monkeypatch, fake_wa, fake_tg):
    """Provider calls give up after 0.2 s; the fakes hang 0.5 s on an injected timeout."""
    monkeypatch.setattr(whatsapp_provider, "SEND_TIMEOUT", 0.2)
    monkeypatch.setattr("channels.providers.telegram.SEND_TIMEOUT", 0.2)
    fake_wa.hang = fake_tg.hang = 0.5


def test_it_retries_a_media_download_that_times_out_and_fails_after_max_attempts(
        madiun, wa_channel, fake_wa, deliver, short_timeouts, client_for, operator):
    fake_wa.media[WA_IMAGE_ID] = (JPEG, "image/jpeg")
    fake_wa.media_errors[WA_IMAGE_ID] = TIMEOUT
    deliver(wa_channel, (WEBHOOKS / "inbound_image_caption.json").read_bytes())
    message = Message.objects.get()
    assert (message.media_status, message.media_attempts) == ("pending", 1)
    assert "timeout" in message.media_error and "127.0.0.1" in message.media_error
    assert "lampiran sedang diambil" in page_of(client_for(operator), message.conversation)
    for attempt in range(2, media.MAX_ATTEMPTS + 1):
        assert services.tick() is None            # the worker's tick retries what is still pending
        message.refresh_from_db()
        assert message.media_attempts == attempt
    assert message.media_status == "failed" and "timeout" in message.media_error
    assert media.fetch(message.pk) == "nothing to do" and media.retry_stale() == 0
    assert len(fake_wa.requests) == media.MAX_ATTEMPTS and {r.answer for r in fake_wa.requests} == {TIMEOUT}
    assert "lampiran gagal diambil: timeout" in page_of(client_for(operator), message.conversation)


def test_it_stores_media_on_a_retry_after_passing_failures(madiun, wa_channel, tg_channel, fake_wa,
                                                                     fake_tg, deliver, short_timeouts):
    fake_wa.media[WA_IMAGE_ID] = (JPEG, "image/jpeg")
    fake_wa.media_errors[WA_IMAGE_ID] = [TIMEOUT, SERVER_ERROR]
    fake_tg.media[TG_PHOTO_ID] = (JPEG, "image/jpeg")
    fake_tg.download_errors[TG_PHOTO_ID] = [502]
    deliver(wa_channel, (WEBHOOKS / "inbound_image_caption.json").read_bytes())
    deliver(tg_channel, (TELEGRAM / "update_message_photo_caption.json").read_bytes())
    assert list(Message.objects.filter(direction="in").values_list("media_status", "media_attempts")) == [
        ("pending", 1), ("pending", 1)]
    services.tick()
    services.tick()
    wa_message, tg_message = Message.objects.filter(direction="in").order_by("pk")
    assert (wa_message.media_status, wa_message.media_attempts, wa_message.media_error) == ("stored", 3, "")
    assert (tg_message.media_status, tg_message.media_attempts, tg_message.media_error) == ("stored", 2, "")
    assert wa_message.media.read() == JPEG and tg_message.media.read() == JPEG


def test_it_queues_a_retryable_media_failure_again_with_growing_delays(madiun, wa_channel, fake_wa, post_webhook,
                                                                      short_timeouts, monkeypatch):
    """With a worker that can defer (the database backend), each retryable failure queues the next attempt."""
    fixed = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    queued = []
    monkeypatch.setattr(media, "default_task_backend", SimpleNamespace(supports_defer=True))
    monkeypatch.setattr("inbox.tasks.fetch_media", SimpleNamespace(using=lambda run_after: SimpleNamespace(
        enqueue=lambda pk: queued.append((run_after - fixed, pk)))))
    fake_wa.media[WA_IMAGE_ID] = (JPEG, "image/jpeg")
    fake_wa.media_errors[WA_IMAGE_ID] = SERVER_ERROR
    post_webhook(wa_channel, (WEBHOOKS / "inbound_image_caption.json").read_bytes())   # on-commit not run here
    message = Message.objects.get()
    results = [media.fetch(message.pk) for _ in range(media.MAX_ATTEMPTS)]
    assert results == ["retry"] * (media.MAX_ATTEMPTS - 1) + ["failed"]
    assert queued == [(timedelta(seconds=s), message.pk) for s in (10, 20, 40, 80)]


def test_it_fails_a_file_over_the_size_limit_at_once(madiun, wa_channel, fake_wa, deliver, settings):
    settings.INBOX_MEDIA_MAX_MB = 1
    fake_wa.media[WA_IMAGE_ID] = (b"\0" * (1024 * 1024 + 1), "image/jpeg")
    deliver(wa_channel, (WEBHOOKS / "inbound_image_caption.json").read_bytes())
    message = Message.objects.get()
    assert "larger than" in message.media_error
    assert message.media_status == "failed"


def test_it_never_writes_the_bot_token_to_the_log(madiun, tg_channel, fake_tg, deliver, operator, caplog):
    caplog.set_level(logging.INFO)
    fake_tg.media[TG_PHOTO_ID] = (JPEG, "image/jpeg")
    deliver(tg_channel, (TELEGRAM / "update_message_photo_caption.json").read_bytes())
    assert Message.objects.get(direction="in").media_status == "stored"
    services.reply(actor=operator, conversation=Conversation.objects.get(), text="Terima kasih, laporan diterima.",
                   expected_version=None)
    engine.pump(tg_channel.pk, seconds=5)
    assert Delivery.objects.get().status == "sent"
    assert not [r.getMessage() for r in caplog.records if BOT_TOKEN in r.getMessage()]
