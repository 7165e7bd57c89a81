from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from bakohumas.locking import ConflictError
from broadcasts import engine
from broadcasts.models import Delivery
from channels.models import InboundMessage
from channels.services import save_template
from inbox import services
from inbox.models import Conversation, Escalation, Message
from inbox.selectors import conversations_visible_to
from inbox.tests.conftest import whatsapp_body
from members.models import Member


def test_it_puts_a_whatsapp_message_into_a_new_conversation_for_a_public_contact(madiun, wa_channel,
                                                                                  post_webhook):
    response = post_webhook(wa_channel, whatsapp_body(text="Kapan kampanye dimulai?", name="Ibu Sri"))
    assert response.status_code == 200
    conversation = Conversation.objects.get()
    assert conversation.office == madiun and conversation.status == "open"
    assert conversation.member.full_name == "Ibu Sri" and conversation.member.source == Member.Source.INBOUND
    assert conversation.tracking_number.startswith("BKH-")
    [message] = conversation.messages.all()
    assert (message.direction, message.text, message.channel) == ("in", "Kapan kampanye dimulai?", wa_channel)


def test_a_known_member_gets_one_thread_and_a_retried_webhook_is_stored_once(madiun, wa_channel, make_member,
                                                                            post_webhook):
    member = make_member(madiun, "Budi Santoso", whatsapp="081230000001")
    raw = whatsapp_body(text="Halo", message_id="wamid.A")
    for _ in range(5):
        assert post_webhook(wa_channel, raw).status_code == 200
    post_webhook(wa_channel, whatsapp_body(text="Satu lagi", message_id="wamid.B"))
    conversation = Conversation.objects.get()
    assert conversation.member == member
    assert list(conversation.messages.values_list("text", flat=True)) == ["Halo", "Satu lagi"]


def test_staff_reply_goes_out_on_the_channel_and_a_stale_second_reply_is_refused(madiun, wa_channel, fake_wa,
                                                                                make_member, post_webhook,
                                                                                operator, make_staff):
    make_member(madiun, whatsapp="081230000001")
    post_webhook(wa_channel, whatsapp_body(text="Di mana TPS saya?"))
    conversation = Conversation.objects.get()
    colleague = make_staff(madiun, Role.OPERATOR)
    version = conversation.version
    services.reply(actor=operator, conversation=conversation, text="Cek di cekdptonline.kpu.go.id",
                   expected_version=version)
    with pytest.raises(ConflictError):
        services.reply(actor=colleague, conversation=conversation, text="Jawaban kedua", expected_version=version)
    engine.pump(wa_channel.pk, seconds=5)
    assert [r.json["text"]["body"] for r in fake_wa.requests] == ["Cek di cekdptonline.kpu.go.id"]
    conversation.refresh_from_db()
    assert conversation.status == "waiting" and conversation.assigned_to == operator


def test_the_24_hour_window_decides_between_text_and_template(madiun, wa_channel, admin, operator, post_webhook):
    post_webhook(wa_channel, whatsapp_body(text="Halo", sent_at=int((timezone.now() - timedelta(hours=25))
                                                                    .timestamp())))
    conversation = Conversation.objects.get()
    assert not services.window_open(conversation, wa_channel)
    with pytest.raises(ValidationError) as error:
        services.reply(actor=operator, conversation=conversation, text="Halo juga", expected_version=None)
    assert "24 jam" in str(error.value)
    template = save_template(actor=admin, channel=wa_channel, name="balasan_umum", language="id",
                             body="Terima kasih, {{1}}.", category="UTILITY", status="APPROVED")
    services.reply(actor=operator, conversation=conversation, text="", expected_version=None, template=template,
                   template_parameters=["Ibu"])
    assert Delivery.objects.get().template == template


def test_escalation_goes_up_with_a_deadline_in_working_days_and_the_answer_comes_back(
        madiun, jatim, wa_channel, fake_wa, make_member, post_webhook, operator, make_staff, kab_madiun):
    post_webhook(wa_channel, whatsapp_body(text="Apakah ada PSU di Madiun?"))
    conversation = Conversation.objects.get()
    province = make_staff(jatim, Role.OPERATOR)
    neighbour = make_staff(kab_madiun, Role.ADMIN)
    assert not conversations_visible_to(jatim).exists()
    escalation = services.escalate(actor=operator, conversation=conversation, reason="Kewenangan provinsi")
    assert escalation.to_office == jatim and escalation.due_at > timezone.now() + timedelta(days=2)
    assert conversations_visible_to(jatim).get() == conversation
    assert not conversations_visible_to(kab_madiun).exists()
    with pytest.raises(ValidationError):
        services.reply(actor=neighbour, conversation=conversation, text="x", expected_version=None)
    services.reply(actor=province, conversation=conversation, text="Tidak ada PSU.", expected_version=None)
    conversation.refresh_from_db()
    assert conversation.escalated_to is None
    assert Escalation.objects.get().status == "answered"
    engine.pump(wa_channel.pk, seconds=5)
    assert fake_wa.requests[-1].json["text"]["body"] == "Tidak ada PSU."
    assert AuditEntry.objects.filter(action="conversation.escalated").exists()


def test_jadwal_and_info_are_answered_automatically(madiun, wa_channel, post_webhook):
    post_webhook(wa_channel, whatsapp_body(text="jadwal", message_id="wamid.J"))
    post_webhook(wa_channel, whatsapp_body(text="INFO", message_id="wamid.I"))
    replies = list(Delivery.objects.order_by("id").values_list("text", flat=True))
    assert "Tahapan pemilihan" in replies[0] and "/jadwal/" in replies[0]
    assert "Balas JADWAL" in replies[1]
    assert Message.objects.filter(direction="out", author__isnull=True).count() == 2


def test_a_flood_is_flagged_and_nothing_is_lost(madiun, wa_channel, post_webhook, settings):
    settings.INBOX_FLOOD_PER_MINUTE = 5
    for i in range(12):
        post_webhook(wa_channel, whatsapp_body(text="jadwal", message_id=f"wamid.F{i}"))
    conversation = Conversation.objects.get()
    assert conversation.flagged_flood
    assert conversation.messages.filter(direction="in").count() == 12
    assert InboundMessage.objects.count() == 12
    assert Delivery.objects.count() == 5   # automatic answers stop once flagged


def test_inbox_pages_for_allowed_and_forbidden_staff(client_for, madiun, kab_madiun, wa_channel, post_webhook,
                                                     operator, make_staff):
    post_webhook(wa_channel, whatsapp_body(text="Pertanyaan"))
    conversation = Conversation.objects.get()
    client = client_for(operator)
    assert "Pengirim Uji" in client.get(reverse("inbox:inbox")).text
    assert client.get(reverse("inbox:conversation_detail", args=[conversation.pk])).status_code == 200
    other = client_for(make_staff(kab_madiun, Role.ADMIN))
    assert "Pengirim Uji" not in other.get(reverse("inbox:inbox")).text
    for name in ("conversation_detail", "conversation_thread"):
        assert other.get(reverse(f"inbox:{name}", args=[conversation.pk])).status_code == 404
    assert other.post(reverse("inbox:conversation_close", args=[conversation.pk])).status_code == 404


def test_staff_go_on_duty_and_new_conversations_alternate_between_them(client_for, madiun, wa_channel, post_webhook,
                                                                        make_staff):
    first, second = make_staff(madiun, Role.OPERATOR), make_staff(madiun, Role.OPERATOR)
    for user in (first, second):
        client_for(user).post(reverse("inbox:toggle_duty"), {"on_duty": "1"})
    for i in range(4):
        post_webhook(wa_channel, whatsapp_body(text="Halo", sender=f"+62812300000{i:02d}", message_id=f"wamid.R{i}"))
    owners = list(Conversation.objects.order_by("id").values_list("assigned_to", flat=True))
    assert owners == [first.pk, second.pk, first.pk, second.pk]
    assert AuditEntry.objects.filter(action="staff.on_duty").count() == 2


def test_a_persons_messages_are_in_their_data_export_and_go_with_erasure(madiun, wa_channel, make_member,
                                                                          post_webhook, admin):
    from members import selectors as member_selectors
    from members import services as member_services

    member = make_member(madiun, "Siti Aminah", whatsapp="081230000001")
    post_webhook(wa_channel, whatsapp_body(text="Nomor saya 0812-3000-0001, rumah di Jl. Pahlawan"))
    exported = member_selectors.member_personal_data(member)
    assert exported["messages"][0]["text"].startswith("Nomor saya")
    member_services.erase_member(actor=admin, member=member, reason="Permintaan tertulis")
    assert not Message.objects.filter(text__contains="Pahlawan").exists()
    assert not InboundMessage.objects.filter(text__contains="Pahlawan").exists()
