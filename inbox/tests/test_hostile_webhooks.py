"""Hostile but signed webhooks: deep nesting, odd headers, missing ids, NUL and markup. 4xx or stored safely,
never a 500 and never a different message dropped."""

import json

import pytest
from django.urls import reverse

from channels.models import InboundMessage
from inbox.models import Conversation
from inbox.tests.conftest import telegram_body, whatsapp_body
from members.models import Member


def test_deeply_nested_signed_json_is_a_400(wa_channel, tg_channel, post_webhook, post_telegram):
    raw = b"[" * 100_000 + b"]" * 100_000
    assert post_webhook(wa_channel, raw).status_code == 400
    assert post_telegram(tg_channel, raw).status_code == 400
    nested = {"object": "whatsapp_business_account", "entry": [{"x": json.loads("[" * 200 + "]" * 200)}]}
    assert post_webhook(wa_channel, json.dumps(nested).encode()).status_code == 400
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("length", ["abc", "-5", "1e9", "١٢"])
def test_a_content_length_that_is_not_a_number_is_a_400(length, wa_channel, client):
    response = client.post(reverse("channel_webhook", args=[wa_channel.uuid]), b"{}",
                           content_type="application/json", CONTENT_LENGTH=length)
    assert response.status_code == 400


def _without_id(text: str, sender: str) -> bytes:
    payload = json.loads(whatsapp_body(text=text, sender=sender))
    del payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    return json.dumps(payload).encode()


def test_messages_without_an_id_are_kept_apart_and_a_retry_is_still_a_repeat(wa_channel, post_webhook):
    first, second = _without_id("Halo dari A", "+6281230000001"), _without_id("Halo dari B", "+6281230000002")
    assert post_webhook(wa_channel, first).status_code == 200
    assert post_webhook(wa_channel, second).status_code == 200
    assert post_webhook(wa_channel, first).status_code == 200   # the provider retries the first
    stored = InboundMessage.objects.order_by("pk")
    assert [m.text for m in stored] == ["Halo dari A", "Halo dari B"]
    assert all(m.provider_message_id.startswith("sha256:") for m in stored)


def test_nul_and_control_characters_are_stored_without_them(wa_channel, post_webhook):
    raw = whatsapp_body(text="Cek\u0000 hoaks\u0007 ini", name="Nama\u0000 Aneh")
    assert post_webhook(wa_channel, raw).status_code == 200
    message = InboundMessage.objects.get()
    assert message.text == "Cek hoaks ini" and message.sender_name == "Nama Aneh"
    assert "\u0000" not in json.dumps(message.raw)


def test_markup_in_a_profile_name_never_becomes_a_members_name(madiun, wa_channel, post_webhook):
    raw = whatsapp_body(name='<img src=x onerror="alert(1)">Budi <b>Santoso</b>')
    assert post_webhook(wa_channel, raw).status_code == 200
    member = Conversation.objects.get().member
    assert member.full_name == "Budi Santoso"
    assert not Member.objects.filter(full_name__contains="<").exists()


def test_a_telegram_name_with_markup_is_cleaned_too(madiun, tg_channel, post_telegram):
    raw = telegram_body(**{"from": {"id": 5550001, "is_bot": False, "first_name": "<script>x</script>Rina"}})
    assert post_telegram(tg_channel, raw).status_code == 200
    assert "<" not in Conversation.objects.get().member.full_name
