import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.services import create_api_token
from audit.models import AuditEntry
from bakohumas import spamguard
from broadcasts.models import Delivery
from inbox import public, services
from inbox.models import Conversation
from inbox.tests.conftest import whatsapp_body
from members.models import Member

UNVERIFIED = "Belum terverifikasi: dikirim lewat formulir kontak portal"


def form_data(**overrides):
    data = {"name": "Rahmat", "email": "rahmat@contoh.id", "whatsapp": "", "agree": "on",
            "message": "Apakah KTP elektronik wajib dibawa ke TPS?", "website": "",
            "started": public.form_token()}
    return {**data, **overrides}


def test_it_takes_a_question_from_the_portal_and_gives_a_tracking_number(client, madiun, monkeypatch):
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)
    response = client.post(reverse("inbox_public:contact", args=[madiun.slug]), form_data())
    conversation = Conversation.objects.get()
    assert conversation.tracking_number in response.text
    assert conversation.member.source == Member.Source.INBOUND
    assert conversation.messages.get().text.startswith("Apakah KTP")
    page = client.get(reverse("inbox_public:tracking", args=[madiun.slug]), {"nomor": conversation.tracking_number})
    assert "Sedang ditangani" in page.text and "KTP" not in page.text   # status only, never the content
    assert "tidak ditemukan" in client.get(reverse("inbox_public:tracking", args=[madiun.slug]),
                                           {"nomor": "BKH-XXXX-XXXX"}).text


def test_the_contact_form_says_what_is_missing(client, madiun, monkeypatch):
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)
    response = client.post(reverse("inbox_public:contact", args=[madiun.slug]),
                           form_data(email="", whatsapp="0812", agree="", message="x"))
    assert response.status_code == 200
    assert "Centang persetujuan" in response.text and "0812" in response.text
    assert not Conversation.objects.exists()


def test_bots_are_told_nothing_and_nothing_is_stored(client, madiun):
    url = reverse("inbox_public:contact", args=[madiun.slug])
    assert "Pesan terkirim" in client.post(url, form_data(website="http://spam.example")).text
    assert "Pesan terkirim" in client.post(url, form_data()).text   # faster than a person can type
    assert "Pesan terkirim" in client.post(url, form_data(started="forged")).text
    assert not Conversation.objects.exists()


def test_a_sender_is_throttled(client, madiun, monkeypatch):
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)
    monkeypatch.setattr(public, "MESSAGES_PER_IP_PER_HOUR", 2)
    url = reverse("inbox_public:contact", args=[madiun.slug])
    for _ in range(3):
        client.post(url, form_data())
        time.sleep(0.01)
    response = client.post(url, form_data())
    assert "Terlalu banyak pesan" in response.text
    # Nothing proves two submissions come from the same person: each is its own unverified thread.
    assert Conversation.objects.filter(from_contact_form=True).count() == 2


# A web form proves nothing about who sent it ---------------------------------------------------------------------

@pytest.fixture
def official(madiun, make_member, wa_channel, post_webhook):
    """A registered party official who has written to the office on WhatsApp."""
    member = make_member(madiun, "Ketua DPC Partai Contoh", whatsapp="+6281230000001", email="ketua@partai.id")
    post_webhook(wa_channel, whatsapp_body(text="Kapan rapat koordinasi?", sender="+6281230000001"))
    return member


def api_get(client, office, make_staff, path):
    admin = make_staff(office, Role.ADMIN)
    _token, key = create_api_token(actor=admin, user=admin, name="uji")
    return client.get("/api/v1" + path, headers={"Authorization": f"Bearer {key}"})


def test_the_form_cannot_speak_for_a_registered_member_nor_change_their_addresses(
        client, madiun, official, outbox, operator, make_staff, monkeypatch):
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)
    own = Conversation.objects.get(member=official)
    response = client.post(reverse("inbox_public:contact", args=[madiun.slug]), form_data(
        name="Ketua DPC Partai Contoh", whatsapp="0812-3000-0001", email="penipu@contoh.id",
        message="Kirim balasan ke e-mail saya yang baru saja."))
    assert response.status_code == 200

    api = api_get(client, madiun, make_staff, f"/members/{official.pk}")
    assert api.status_code == 200
    assert sorted(a["urn"] for a in api.json()["addresses"]) == ["mailto:ketua@partai.id", "whatsapp:+6281230000001"]
    assert [m.text for m in own.messages.all()] == ["Kapan rapat koordinasi?"]

    web = Conversation.objects.exclude(pk=own.pk).get()
    assert web.member != official and web.member.source == Member.Source.INBOUND
    assert not web.member.addresses.exists() and web.from_contact_form and web.linked_at is None
    assert web.reply_addresses == ["mailto:penipu@contoh.id", "whatsapp:+6281230000001"]
    page = client_for_operator(operator).get(reverse("inbox:conversation_detail", args=[web.pk])).text
    assert UNVERIFIED in page and "Hubungkan ke anggota terdaftar" in page and "Ketua DPC Partai Contoh" in page

    # Staff answer only what was typed in that submission, never the member's own addresses.
    services.reply(actor=operator, conversation=web, text="Jawaban staf", expected_version=web.version)
    delivery = Delivery.objects.get(inbox_message__conversation=web)
    assert delivery.recipient == "penipu@contoh.id" and delivery.member == web.member and delivery.address is None


def client_for_operator(user):
    client = Client()
    client.force_login(user)
    return client


def test_staff_link_a_form_conversation_to_a_registered_member_by_hand(client, madiun, kab_madiun, official,
                                                                        operator, make_staff, monkeypatch):
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)
    client.post(reverse("inbox_public:contact", args=[madiun.slug]), form_data(
        name="Pak Ketua", whatsapp="0812-3000-0001", email="sekretariat@partai.id"))
    web = Conversation.objects.get(from_contact_form=True)
    placeholder = web.member
    url = reverse("inbox:conversation_link_member", args=[web.pk])

    outsider = client_for_operator(make_staff(kab_madiun, Role.OPERATOR))
    assert outsider.post(url, {"member": official.pk}).status_code == 404
    viewer = client_for_operator(make_staff(madiun, Role.VIEWER))
    assert viewer.post(url, {"member": official.pk}).status_code == 403
    assert "Hubungkan ke anggota terdaftar" not in viewer.get(
        reverse("inbox:conversation_detail", args=[web.pk])).text
    web.refresh_from_db()
    assert web.member == placeholder

    staff = client_for_operator(operator)
    refused = staff.post(url, {"member": official.pk}, follow=True)   # the official's own thread is still open
    assert "sudah punya percakapan terbuka" in refused.text
    services.close(actor=operator, conversation=Conversation.objects.get(member=official))
    assert "tidak ada anggota" in staff.post(url, {"member": "abc"}, follow=True).text.lower()
    page = staff.get(reverse("inbox:conversation_detail", args=[web.pk])).text
    assert f'name="member" value="{official.pk}"' in page   # suggested: same WhatsApp number
    done = staff.post(url, {"member": official.pk}, follow=True)
    assert "Percakapan dihubungkan ke Ketua DPC Partai Contoh" in done.text
    web.refresh_from_db()
    assert web.member == official and web.linked_by == operator and UNVERIFIED not in done.text
    assert "Pak Ketua" in web.messages.filter(direction="event").get().text
    entry = AuditEntry.objects.get(action="conversation.linked_to_member")
    assert entry.actor == operator and entry.before["member"] == placeholder.pk
    assert entry.after["member"] == official.pk
    # Linking adds nothing to the member, and replies still go only to the typed addresses.
    assert sorted(a.urn for a in official.addresses.all()) == ["mailto:ketua@partai.id", "whatsapp:+6281230000001"]
    assert web.reply_addresses == ["mailto:sekretariat@partai.id", "whatsapp:+6281230000001"]


def test_an_oversized_body_is_refused_before_it_is_read(client, madiun):
    url = reverse("inbox_public:contact", args=[madiun.slug])
    # The test client fails loudly if anything tries to read 60 MB from this small body.
    response = client.post(url, form_data(), CONTENT_LENGTH=str(60 * 1024 * 1024))
    assert response.status_code == 413 and "Kiriman terlalu besar" in response.text
    assert not Conversation.objects.exists()
    # The guard keeps the CSRF check: a post without the token is still refused.
    assert Client(enforce_csrf_checks=True).post(url, form_data()).status_code == 403
