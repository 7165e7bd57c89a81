from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from audit.services import record
from channels.models import Channel, OutboxMessage
from content import services as content_services
from content.models import Publication
from inbox.models import Conversation
from members.models import Member
from notifications import selectors, services
from notifications.models import Kind, Notification, Preference

pytestmark = pytest.mark.django_db
# 22.15 WIB on a weekday: inside the default quiet hours (21.00–06.00).
LATE_EVENING = datetime(2026, 12, 7, 15, 15, tzinfo=UTC)


def _submitted(office, author) -> Publication:
    publication = content_services.create_publication(actor=author, office=office, kind=Publication.Kind.NEWS,
                                                       title="Rekapitulasi suara", body="Isi.")
    return content_services.submit_for_review(actor=author, publication=publication)


def _prefer(user, **values) -> Preference:
    pref = services.preference_for(user)
    for name, value in values.items():
        setattr(pref, name, value)
    pref.save()
    return pref


def test_an_approval_request_reaches_the_other_editors_once_by_page_and_e_mail(madiun, make_staff):
    author = make_staff(madiun, Role.EDITOR, email="penulis@kpu.example")
    editor = make_staff(madiun, Role.EDITOR, email="editor@kpu.example")
    make_staff(madiun, Role.VIEWER, email="peninjau@kpu.example")
    _prefer(editor, quiet_start=None, quiet_end=None)
    _submitted(madiun, author)
    services.dispatch()
    services.dispatch()                      # the rescan of recent rows adds nothing
    [notification] = Notification.objects.all()
    assert notification.recipient == editor and notification.kind == Kind.APPROVAL
    assert selectors.unread_count(editor) == 1 and selectors.unread_count(author) == 0
    assert services.send_due() == 1 and services.send_due() == 0
    [message] = mail.outbox
    assert message.to == ["editor@kpu.example"] and "Rekapitulasi suara" in message.subject
    assert "/staf/publikasi/" in message.body


def test_quiet_hours_hold_what_is_not_urgent_until_they_end_in_the_office_zone(madiun, make_staff):
    editor = make_staff(madiun, Role.EDITOR, email="editor@kpu.example")
    pref = services.preference_for(editor)
    zone = services._zone(editor)
    held = services.send_time(pref, Kind.APPROVAL, LATE_EVENING, zone)
    assert held.astimezone(zone).strftime("%Y-%m-%d %H:%M") == "2026-12-08 06:00"
    assert services.send_time(pref, Kind.ESCALATION, LATE_EVENING, zone) == LATE_EVENING   # urgent by default


def test_a_daily_digest_gathers_everything_due_into_one_e_mail_at_the_chosen_hour(madiun, make_staff):
    author = make_staff(madiun, Role.EDITOR)
    editor = make_staff(madiun, Role.EDITOR, email="editor@kpu.example")
    _prefer(editor, mode=Preference.Mode.DIGEST, digest_hour=7, urgent_kinds=[])
    _submitted(madiun, author)
    _submitted(madiun, author)
    services.dispatch()
    due = {n.email_due_at for n in Notification.objects.filter(recipient=editor)}
    [when] = due
    assert timezone.localtime(when, services._zone(editor)).hour == 7
    assert services.send_due() == 0
    assert services.send_due(when + timedelta(seconds=1)) == 2
    [message] = mail.outbox
    assert "2 pemberitahuan" in message.subject


def test_chat_notifications_go_through_the_office_channel(madiun, make_staff):
    Channel.objects.create(office=madiun, kind="outbox", name="Kotak keluar", rate_per_second=10)
    author = make_staff(madiun, Role.EDITOR)
    editor = make_staff(madiun, Role.EDITOR)
    _prefer(editor, chat_kinds=[Kind.APPROVAL], chat_kind="whatsapp", chat_address="+6281234567890",
            quiet_start=None, quiet_end=None)
    _submitted(madiun, author)
    services.dispatch()
    services.send_due()
    [sent] = OutboxMessage.objects.all()
    assert sent.recipient == "+6281234567890" and "Rekapitulasi suara" in sent.text
    assert Notification.objects.get().chat_state == Notification.Delivery.SENT


def test_a_chat_without_a_channel_fails_visibly_and_does_not_stop_the_others(madiun, make_staff):
    author = make_staff(madiun, Role.EDITOR)
    editor = make_staff(madiun, Role.EDITOR, email="editor@kpu.example")
    _prefer(editor, chat_kinds=[Kind.APPROVAL], chat_kind="telegram", chat_address="123456",
            quiet_start=None, quiet_end=None)
    _submitted(madiun, author)
    services.dispatch()
    services.send_due()
    notification = Notification.objects.get()
    assert notification.chat_state == Notification.Delivery.FAILED and "kanal aktif" in notification.send_error
    assert notification.email_state == Notification.Delivery.SENT and len(mail.outbox) == 1


def test_an_escalation_tells_the_office_above(madiun, jatim, make_staff):
    operator = make_staff(madiun, Role.OPERATOR)
    province = make_staff(jatim, Role.OPERATOR)
    member = Member.objects.create(office=madiun, full_name="Warga")
    conversation = Conversation.objects.create(office=madiun, member=member, tracking_number="BKH-000777",
                                               last_message_at=timezone.now(), escalated_to=jatim)
    record(actor=operator, office=madiun, action="conversation.escalated", target=conversation,
           after={"to": jatim.code})
    services.dispatch()
    [notification] = Notification.objects.all()
    assert notification.recipient == province and notification.kind == Kind.ESCALATION
    assert "BKH-000777" in services.text(notification)
    assert notification.url == reverse("inbox:conversation_detail", args=[conversation.pk])


def test_a_round_robin_assignment_tells_the_assignee(madiun, make_staff):
    operator = make_staff(madiun, Role.OPERATOR)
    member = Member.objects.create(office=madiun, full_name="Warga")
    conversation = Conversation.objects.create(office=madiun, member=member, tracking_number="BKH-000778",
                                               last_message_at=timezone.now())
    record(actor=None, office=madiun, action="conversation.assigned", target=conversation,
           after={"to": operator.username, "how": "round robin"})
    services.dispatch()
    assert Notification.objects.get().recipient == operator


def test_a_stale_claim_is_sent_again_rather_than_lost(madiun, make_staff):
    author = make_staff(madiun, Role.EDITOR)
    editor = make_staff(madiun, Role.EDITOR, email="editor@kpu.example")
    _prefer(editor, quiet_start=None, quiet_end=None)
    _submitted(madiun, author)
    services.dispatch()
    Notification.objects.update(email_state=Notification.Delivery.SENDING,
                                claimed_at=timezone.now() - services.STALE_CLAIM - timedelta(seconds=1))
    assert services.send_due() == 1


# Views -----------------------------------------------------------------------------------------------------

def _notification(user, **extra) -> Notification:
    return Notification.objects.create(recipient=user, kind=Kind.APPROVAL, key=f"test:{user.pk}:{extra.get('url')}",
                                       subject="Rilis pers", url=extra.get("url", "/staf/publikasi/"),
                                       actor_label="Editor", created_at=timezone.now())


def test_the_list_shows_only_one_s_own_notifications(madiun, make_staff, client_for):
    mine, theirs = make_staff(madiun, Role.OPERATOR), make_staff(madiun, Role.OPERATOR)
    _notification(mine)
    other = _notification(theirs, url="/staf/siaran/")
    client = client_for(mine)
    page = client.get(reverse("notifications:list")).text
    assert "Editor meminta persetujuan Anda untuk «Rilis pers»" in page
    assert client.get(reverse("notifications:open", args=[other.pk])).status_code == 404


def test_opening_marks_read_and_goes_where_it_is_handled(madiun, make_staff, client_for):
    user = make_staff(madiun, Role.OPERATOR)
    notification = _notification(user, url="/staf/publikasi/")
    response = client_for(user).get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == "/staf/publikasi/"
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_mark_all_read(madiun, make_staff, client_for):
    user = make_staff(madiun, Role.OPERATOR)
    _notification(user, url="/a/")
    _notification(user, url="/b/")
    client_for(user).post(reverse("notifications:mark_all_read"))
    assert selectors.unread_count(user) == 0


def test_the_pages_need_a_log_in(client):
    for name in ("notifications:list", "notifications:preferences"):
        assert client.get(reverse(name)).status_code == 302


def test_preferences_are_saved_with_an_audit_row(madiun, make_staff, client_for):
    user = make_staff(madiun, Role.OPERATOR)
    response = client_for(user).post(reverse("notifications:preferences"), {
        "email_kinds": [Kind.ASSIGNED], "chat_kinds": [Kind.ESCALATION], "urgent_kinds": [Kind.ESCALATION],
        "mode": "digest", "digest_hour": "6", "quiet_start": "22:00", "quiet_end": "05:30",
        "chat_kind": "whatsapp", "chat_address": "0812-3456-7890"})
    assert response.status_code == 302
    pref = Preference.objects.get(user=user)
    assert pref.chat_address == "+6281234567890" and pref.mode == "digest" and pref.quiet_end == time(5, 30)
    entry = AuditEntry.objects.get(action="notifications.preference_saved")
    assert entry.actor == user and "+62" not in str(entry.after)


def test_bad_preferences_say_what_is_wrong_in_indonesian(madiun, make_staff, client_for):
    user = make_staff(madiun, Role.OPERATOR)
    page = client_for(user).post(reverse("notifications:preferences"), {
        "chat_kinds": [Kind.ESCALATION], "mode": "instant", "digest_hour": "7", "quiet_start": "22:00",
        "chat_kind": "whatsapp", "chat_address": ""}).text
    assert "Isi nomor WhatsApp atau ID obrolan Telegram" in page
    assert "Isi jam tenang mulai dan berakhir" in page
    assert not Preference.objects.filter(user=user).exists()


def test_a_broken_channel_tells_the_admins_and_a_finished_import_tells_who_started_it(madiun, make_staff):
    admin, operator = make_staff(madiun, Role.ADMIN), make_staff(madiun, Role.OPERATOR)
    channel = Channel.objects.create(office=madiun, kind="outbox", name="WA Humas", rate_per_second=10)
    record(actor=None, office=madiun, action="channel.broken", target=channel, after={"reason": "token"})
    record(actor=operator, office=madiun, action="members.imported", target=channel, target_label="kontak.csv")
    record(actor=operator, office=madiun, action="import.failed", target=channel, target_label="rusak.csv")
    services.dispatch()
    told = sorted((n.recipient.username, services.text(n)) for n in Notification.objects.all())
    assert told == sorted([(admin.username, "Kanal «WA Humas» dihentikan otomatis dan perlu diperiksa"),
                           (operator.username, "Impor «kontak.csv» selesai"),
                           (operator.username, "Impor «rusak.csv» gagal")])


def test_an_old_audit_row_is_not_turned_into_a_notification(madiun, make_staff):
    author, editor = make_staff(madiun, Role.EDITOR), make_staff(madiun, Role.EDITOR)
    services.dispatch()
    _submitted(madiun, author)
    AuditEntry.objects.update(at=timezone.now() - services.RESCAN - timedelta(minutes=1))
    services.dispatch()
    assert not Notification.objects.filter(recipient=editor).exists()
