from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from broadcasts import services as broadcast_services
from channels.models import Channel
from content import services as content_services
from content.models import Publication
from factcheck.models import Claim
from inbox import services as inbox_services
from inbox.models import Conversation, Escalation
from members import services as member_services
from members.models import Member
from workqueue import selectors

pytestmark = pytest.mark.django_db
HOME = reverse("workqueue:home")


def _keys(user) -> dict[str, list[str]]:
    return {s.key: [i.title for i in s.items] for s in selectors.work_queue(user) if s.count}


def _conversation(office, name="Warga Taman", **extra) -> Conversation:
    member = Member.objects.create(office=office, full_name=name)
    return Conversation.objects.create(office=office, member=member, tracking_number=f"BKH-{member.pk:06d}",
                                       last_message_at=timezone.now(), **extra)


def test_the_home_page_needs_a_log_in(client):
    response = client.get(HOME)
    assert response.status_code == 302 and "/masuk/" in response.url


def test_staff_of_another_office_never_see_this_office_s_work(madiun, kab_madiun, make_staff, client_for):
    _conversation(madiun, "Warga Kota")
    Member.objects.create(office=madiun, full_name="Pendaftar Kota", status=Member.Status.PENDING)
    outsider = make_staff(kab_madiun, Role.ADMIN)
    page = client_for(outsider).get(HOME).text
    assert "Warga Kota" not in page and "Pendaftar Kota" not in page
    assert _keys(outsider) == {}


def test_a_publication_waits_for_a_second_editor_and_leaves_the_queue_when_published(madiun, make_staff,
                                                                                     client_for):
    author, editor = make_staff(madiun, Role.EDITOR), make_staff(madiun, Role.EDITOR)
    publication = content_services.create_publication(actor=author, office=madiun, kind=Publication.Kind.NEWS,
                                                       title="Jadwal kampanye rapat umum", body="Isi berita.")
    content_services.submit_for_review(actor=author, publication=publication)
    assert "publications" not in _keys(author)            # the four-eyes rule: not the one who wrote it
    page = client_for(editor).get(HOME).text
    assert "Jadwal kampanye rapat umum" in page and reverse("content:publication_detail", args=[publication.pk]) in page
    content_services.approve_and_publish(actor=editor, publication=Publication.objects.get(pk=publication.pk))
    assert "publications" not in _keys(editor)


def test_a_broadcast_waits_for_approval_by_someone_else_then_leaves(madiun, make_staff):
    operator, editor = make_staff(madiun, Role.OPERATOR), make_staff(madiun, Role.EDITOR)
    broadcast = broadcast_services.create_broadcast(actor=operator, office=madiun, title="Ajakan ke TPS",
                                                    text="Datang ke TPS", audience_all=True)
    broadcast_services.submit_broadcast(actor=operator, broadcast=broadcast)
    assert _keys(editor)["broadcasts"] == ["Ajakan ke TPS"]
    assert "broadcasts" not in _keys(operator)            # operators do not approve
    broadcast_services.approve_broadcast(actor=editor, broadcast=broadcast, urgent=True)
    assert "broadcasts" not in _keys(editor)


def test_unassigned_conversations_move_to_mine_when_taken(madiun, make_staff):
    operator, other = make_staff(madiun, Role.OPERATOR), make_staff(madiun, Role.OPERATOR)
    conversation = _conversation(madiun, "Bu Sri")
    assert _keys(operator)["unassigned"] == ["Bu Sri"]
    inbox_services.assign(actor=operator, conversation=conversation, assignee=operator)
    assert _keys(operator)["mine"] == ["Bu Sri"] and "unassigned" not in _keys(operator)
    assert "mine" not in _keys(other) and "unassigned" not in _keys(other)


def test_escalations_to_the_province_are_listed_overdue_first_and_leave_when_answered(madiun, jatim, make_staff):
    province = make_staff(jatim, Role.OPERATOR)
    late, soon = _conversation(madiun, "Pak Lambat"), _conversation(madiun, "Pak Cepat")
    now = timezone.now()
    for conversation, due in ((soon, now + timedelta(days=2)), (late, now - timedelta(hours=3))):
        Escalation.objects.create(conversation=conversation, from_office=madiun, to_office=jatim, reason="Tanya",
                                  due_at=due)
        Conversation.objects.filter(pk=conversation.pk).update(escalated_to=jatim)
    [section] = [s for s in selectors.work_queue(province) if s.key == "escalations"]
    assert [i.title for i in section.items] == [late.tracking_number, soon.tracking_number]
    assert [i.overdue for i in section.items] == [True, False]
    Escalation.objects.filter(conversation=late).update(status=Escalation.Status.ANSWERED)
    assert _keys(province)["escalations"] == [soon.tracking_number]


def test_new_claims_for_verifiers_and_registrations_for_approvers(madiun, make_staff):
    verifier, operator = make_staff(madiun, Role.VERIFIER), make_staff(madiun, Role.OPERATOR)
    now = timezone.now()
    Claim.objects.create(office=madiun, summary="Surat suara sudah dicoblos", first_reported_at=now,
                         last_reported_at=now, report_count=4)
    pending = Member.objects.create(office=madiun, full_name="Calon Anggota", status=Member.Status.PENDING)
    assert _keys(verifier)["claims"] == ["Surat suara sudah dicoblos"] and "registrations" not in _keys(verifier)
    assert _keys(operator)["registrations"] == ["Calon Anggota"] and "claims" not in _keys(operator)
    member_services.approve_registration(actor=operator, member=pending)
    assert "registrations" not in _keys(operator)


def test_a_broken_channel_is_work_for_the_office_admin_only(madiun, make_staff):
    admin, operator = make_staff(madiun, Role.ADMIN), make_staff(madiun, Role.OPERATOR)
    Channel.objects.create(office=madiun, kind="outbox", name="Uji", status=Channel.Status.BROKEN, rate_per_second=10,
                           status_reason="Token ditolak")
    assert _keys(admin)["channels"] == ["Uji"]
    assert "channels" not in _keys(operator)


def test_the_navigation_counts_arrive_with_the_bell(madiun, make_staff, client_for):
    operator = make_staff(madiun, Role.OPERATOR)
    _conversation(madiun, "Bu Ani")
    _conversation(madiun, "Pak Budi")
    page = client_for(operator).get(reverse("workqueue:badges")).text
    assert 'data-count="inbox" hx-swap-oob="outerHTML:[data-count=inbox]">2' in page
    assert 'id="bell-count"' in page


def test_the_badges_need_a_log_in(client):
    assert client.get(reverse("workqueue:badges"), headers={"HX-Request": "true"}).status_code == 401


def test_a_failed_reply_is_listed_for_the_inbox_staff_with_its_conversation(madiun, make_staff):
    from broadcasts.models import Delivery
    from inbox.models import Message

    operator, viewer = make_staff(madiun, Role.OPERATOR), make_staff(madiun, Role.VIEWER)
    channel = Channel.objects.create(office=madiun, kind="outbox", name="Uji", rate_per_second=10)
    conversation = _conversation(madiun, "Bu Rina")
    now = timezone.now()
    delivery = Delivery.objects.create(channel=channel, recipient="+6281234567890", text="Jawaban kami",
                                       status=Delivery.Status.FAILED, failed_at=now, next_attempt_at=now,
                                       error_detail="Nomor tidak terdaftar di WhatsApp")
    Message.objects.create(conversation=conversation, direction=Message.Direction.OUTBOUND, text="Jawaban kami",
                           delivery=delivery, channel=channel, created_at=now)
    [section] = [s for s in selectors.work_queue(operator) if s.key == "failed"]
    assert section.count == 1
    assert section.items[0].url == reverse("inbox:conversation_detail", args=[conversation.pk])
    assert "Nomor tidak terdaftar" in section.items[0].detail
    assert "failed" not in _keys(viewer)


def test_a_broadcast_held_by_quiet_hours_is_listed_for_those_who_may_release_it(madiun, make_staff):
    from broadcasts.models import Broadcast

    editor, operator = make_staff(madiun, Role.EDITOR), make_staff(madiun, Role.OPERATOR)
    now = timezone.now()
    Broadcast.objects.create(office=madiun, title="Undangan sosialisasi", text="Hadirilah", audience_all=True,
                             status=Broadcast.Status.SCHEDULED, held_from=now, scheduled_at=now + timedelta(hours=8),
                             created_by=operator, updated_by=operator)
    assert _keys(editor)["held"] == ["Undangan sosialisasi"]
    assert "held" not in _keys(operator)
