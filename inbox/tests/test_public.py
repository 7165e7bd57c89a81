import time

from django.urls import reverse

from inbox import public
from inbox.models import Conversation
from members.models import Member


def form_data(**overrides):
    data = {"name": "Rahmat", "email": "rahmat@contoh.id", "whatsapp": "", "agree": "on",
            "message": "Apakah KTP elektronik wajib dibawa ke TPS?", "website": "",
            "started": public.form_token()}
    return {**data, **overrides}


def test_it_takes_a_question_from_the_portal_and_gives_a_tracking_number(client, madiun, monkeypatch):
    monkeypatch.setattr(public, "MIN_FILL_SECONDS", 0)
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
    monkeypatch.setattr(public, "MIN_FILL_SECONDS", 0)
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
    monkeypatch.setattr(public, "MIN_FILL_SECONDS", 0)
    monkeypatch.setattr(public, "MESSAGES_PER_IP_PER_HOUR", 2)
    url = reverse("inbox_public:contact", args=[madiun.slug])
    for _ in range(3):
        client.post(url, form_data())
        time.sleep(0.01)
    response = client.post(url, form_data())
    assert "Terlalu banyak pesan" in response.text
    assert Conversation.objects.get().messages.count() == 2   # one thread per person
