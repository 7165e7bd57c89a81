"""Every broadcast and channel page with an allowed and a forbidden user."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry
from broadcasts import engine, services
from broadcasts.models import Broadcast, Delivery
from channels import services as channel_services
from channels.models import Channel, Template


@pytest.fixture
def draft(madiun, operator, outbox, make_member):
    make_member(madiun, "Budi Santoso", whatsapp="081230000001")
    make_member(madiun, "Tanpa Persetujuan", whatsapp="081230000002", consent=False)
    return services.create_broadcast(actor=operator, office=madiun, title="Jadwal kampanye",
                                     text="*Jadwal* kampanye", audience_all=True)


@pytest.fixture
def other_office_staff(make_staff, kab_madiun):
    return make_staff(kab_madiun, Role.ADMIN)


def test_it_lists_and_shows_broadcasts_of_the_own_office(client_for, operator, draft):
    client = client_for(operator)
    assert draft.title in client.get(reverse("broadcasts:broadcast_list")).text
    page = client.get(reverse("broadcasts:broadcast_detail", args=[draft.pk])).text
    assert "1 anggota akan menerima" in page
    assert "Belum ada persetujuan menerima informasi" in page
    assert "Tanpa Persetujuan" in page


def test_it_hides_another_offices_broadcast(client_for, other_office_staff, draft):
    client = client_for(other_office_staff)
    assert draft.title not in client.get(reverse("broadcasts:broadcast_list")).text
    for name in ("broadcast_detail", "broadcast_edit", "broadcast_progress", "delivery_list"):
        assert client.get(reverse(f"broadcasts:{name}", args=[draft.pk])).status_code == 404
    response = client.post(reverse("broadcasts:broadcast_action", args=[draft.pk, "submit"]))
    assert response.status_code == 404


def test_a_higher_office_reads_but_cannot_act(client_for, make_staff, jatim, draft):
    province = make_staff(jatim, Role.ADMIN)
    client = client_for(province)
    assert client.get(reverse("broadcasts:broadcast_detail", args=[draft.pk])).status_code == 200
    assert client.post(reverse("broadcasts:broadcast_action", args=[draft.pk, "submit"])).status_code == 403
    assert client.get(reverse("broadcasts:broadcast_edit", args=[draft.pk])).status_code == 403


def test_it_creates_a_draft_from_the_form(client_for, operator, madiun, outbox):
    client = client_for(operator)
    response = client.post(reverse("broadcasts:broadcast_create"), {
        "title": "Info", "text": "Halo forum", "audience_all": "on", "media_kind": ""})
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302 and broadcast.status == "draft"
    assert AuditEntry.objects.filter(action="broadcast.created").exists()


def test_the_form_shows_what_is_wrong_in_indonesian(client_for, operator, outbox):
    response = client_for(operator).post(reverse("broadcasts:broadcast_create"), {
        "title": "", "text": "x" * 4097, "media_url": "https://contoh.id/a.jpg"})
    assert response.status_code == 200
    assert "Bidang ini tidak boleh kosong" in response.text
    assert "paling banyak 4096 karakter (sekarang 4097" in response.text
    assert not Broadcast.objects.exists()


def test_a_reviewer_role_cannot_compose(client_for, make_staff, madiun):
    viewer = make_staff(madiun, Role.VIEWER)
    client = client_for(viewer)
    assert client.get(reverse("broadcasts:broadcast_list")).status_code == 200
    assert client.get(reverse("broadcasts:broadcast_create")).status_code == 403


def test_it_runs_the_whole_workflow_through_the_views(client_for, operator, editor, draft, outbox,
                                                      django_capture_on_commit_callbacks):
    client = client_for(operator)
    client.post(reverse("broadcasts:broadcast_action", args=[draft.pk, "submit"]))
    draft.refresh_from_db()
    assert draft.status == "pending"
    # The author may not approve their own broadcast.
    client.post(reverse("broadcasts:broadcast_action", args=[draft.pk, "approve"]))
    draft.refresh_from_db()
    assert draft.status == "pending"
    client = client_for(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("broadcasts:broadcast_action", args=[draft.pk, "approve"]))
    draft.refresh_from_db()
    assert draft.status == "done"
    progress = client.get(reverse("broadcasts:broadcast_progress", args=[draft.pk])).text
    assert "(100%)" in progress and "hx-get" not in progress
    delivery = Delivery.objects.get()
    page = client.get(reverse("broadcasts:delivery_detail", args=[draft.pk, delivery.pk])).text
    assert "Pesan sampai di perangkat penerima" in page
    outbox_page = client.get(reverse("channels:channel_detail", args=[outbox.pk])).text
    assert "Jadwal" in outbox_page and "+6281230000001" in outbox_page


def test_it_records_a_whatsapp_group_post(client_for, operator, draft, madiun):
    madiun.broadcast_requires_approval = False
    madiun.save()
    client = client_for(operator)
    client.post(reverse("broadcasts:broadcast_action", args=[draft.pk, "submit"]))
    page = client.get(reverse("broadcasts:broadcast_detail", args=[draft.pk])).text
    assert "https://wa.me/?text=" in page
    client.post(reverse("broadcasts:group_post", args=[draft.pk]), {"group_name": "Bakohumas Kota Madiun"})
    assert draft.group_posts.get().group_name == "Bakohumas Kota Madiun"
    assert client.post(reverse("broadcasts:group_post", args=[draft.pk]), {"group_name": ""}).status_code == 302
    assert draft.group_posts.count() == 1


def test_channel_pages_are_for_the_own_office_and_managed_by_admins(client_for, admin, operator, outbox,
                                                                    other_office_staff):
    assert client_for(operator).get(reverse("channels:channel_list")).status_code == 200
    assert client_for(operator).get(reverse("channels:channel_detail", args=[outbox.pk])).status_code == 200
    assert client_for(operator).get(reverse("channels:channel_create", args=["whatsapp"])).status_code == 403
    assert client_for(operator).get(reverse("channels:channel_edit", args=[outbox.pk])).status_code == 403
    assert client_for(other_office_staff).get(reverse("channels:channel_detail", args=[outbox.pk])).status_code == 404
    assert client_for(other_office_staff).get(reverse("channels:channel_edit", args=[outbox.pk])).status_code == 404
    assert client_for(admin).get(reverse("channels:channel_create", args=["whatsapp"])).status_code == 200
    assert client_for(admin).get(reverse("channels:channel_create", args=["nope"])).status_code == 404


def test_secrets_are_never_shown_again(client_for, admin, madiun):
    client = client_for(admin)
    response = client.post(reverse("channels:channel_create", args=["whatsapp"]), {
        "name": "WA Humas", "rate_per_second": "80", "phone_number_id": "106540352242922",
        "access_token": "EAA-rahasia-sekali", "app_secret": "app-rahasia"})
    channel = Channel.objects.get(name="WA Humas")
    assert response.status_code == 302
    for url in (reverse("channels:channel_detail", args=[channel.pk]),
                reverse("channels:channel_edit", args=[channel.pk])):
        page = client.get(url).text
        assert "EAA-rahasia-sekali" not in page and "app-rahasia" not in page
    assert "EAA-rahasia-sekali" not in str(list(AuditEntry.objects.values("before", "after")))
    # Saving the form again with the secret fields blank keeps them.
    client.post(reverse("channels:channel_edit", args=[channel.pk]), {
        "name": "WA Humas 2", "rate_per_second": "80", "phone_number_id": "106540352242922",
        "version": channel.version})
    channel.refresh_from_db()
    assert channel.name == "WA Humas 2" and channel.secrets["access_token"] == "EAA-rahasia-sekali"


def test_the_channel_form_says_what_is_missing(client_for, admin):
    response = client_for(admin).post(reverse("channels:channel_create", args=["whatsapp"]), {
        "name": "", "rate_per_second": "5000"})
    assert response.status_code == 200
    assert "wajib diisi" in response.text and "1000" in response.text
    assert not Channel.objects.exists()


def test_an_admin_registers_a_template_and_sends_a_test(client_for, admin, madiun, fake_wa):
    channel = channel_services.create_channel(
        actor=admin, office=madiun, kind="whatsapp", name="WA", config={"phone_number_id": "1",
                                                                       "base_url": fake_wa.url},
        secrets={"access_token": "t", "app_secret": "s"})
    client = client_for(admin)
    client.post(reverse("channels:template_create", args=[channel.pk]), {
        "name": "info_tahapan", "language": "id", "category": "UTILITY", "status": "APPROVED",
        "body": "Halo {{1}}, tahapan {{2}} dimulai."})
    template = Template.objects.get()
    assert template.parameters == ["1", "2"]
    client.post(reverse("channels:channel_test", args=[channel.pk]), {"to": "0812-3000-0009"})
    assert fake_wa.requests[-1].json["to"] == "+6281230000009"
    assert AuditEntry.objects.filter(action="channel.tested").exists()


def test_an_admin_pauses_and_resumes_a_channel(client_for, admin, outbox, operator):
    client = client_for(admin)
    client.post(reverse("channels:channel_toggle", args=[outbox.pk]), {"active": "0"})
    outbox.refresh_from_db()
    assert outbox.status == "paused"
    client.post(reverse("channels:channel_toggle", args=[outbox.pk]), {"active": "1"})
    outbox.refresh_from_db()
    assert outbox.status == "active"
    assert client_for(operator).post(reverse("channels:channel_toggle", args=[outbox.pk]),
                                     {"active": "0"}).status_code == 403


def test_sending_settings_are_for_office_admins(client_for, admin, operator, madiun):
    response = client_for(operator).post(reverse("channels:sending_settings"), {"quiet_hours_start": "22:00"})
    assert response.status_code == 403
    client_for(admin).post(reverse("channels:sending_settings"), {
        "quiet_hours_start": "22:00", "quiet_hours_end": "05:30"})
    madiun.refresh_from_db()
    assert (str(madiun.quiet_hours_start), madiun.broadcast_requires_approval) == ("22:00:00", False)


def test_a_paused_broadcast_sends_nothing_until_resumed(client_for, operator, editor, draft, outbox):
    services.submit_broadcast(actor=operator, broadcast=draft)
    services.approve_broadcast(actor=editor, broadcast=draft)
    services.start_broadcast(broadcast_id=draft.pk)
    client = client_for(operator)
    client.post(reverse("broadcasts:broadcast_action", args=[draft.pk, "pause"]))
    engine.pump(outbox.pk, seconds=2)
    assert Delivery.objects.get().status == "held"
    client.post(reverse("broadcasts:broadcast_action", args=[draft.pk, "resume"]))
    engine.pump(outbox.pk, seconds=2)
    assert Delivery.objects.get().status == "delivered"


def test_an_admin_registers_the_telegram_webhook_without_seeing_its_secret(client_for, admin, tg_channel, fake_tg,
                                                                           operator):
    client = client_for(admin)
    page = client.get(reverse("channels:channel_detail", args=[tg_channel.pk])).text
    assert tg_channel.config["webhook_secret"] not in page
    client.post(reverse("channels:channel_register_webhook", args=[tg_channel.pk]))
    assert fake_tg.webhook["secret_token"] == tg_channel.config["webhook_secret"]
    assert fake_tg.webhook["url"].endswith(f"/webhooks/{tg_channel.uuid}/")
    assert AuditEntry.objects.filter(action="channel.webhook_registered").exists()
    assert client_for(operator).post(reverse("channels:channel_register_webhook",
                                             args=[tg_channel.pk])).status_code == 403


def test_the_page_counts_possible_duplicates_and_the_list_filters_them(client_for, operator, other_office_staff,
                                                                       madiun, outbox, make_member, send_broadcast):
    for i in range(3):
        make_member(madiun, f"Penerima Ganda {i}", whatsapp=f"08123000090{i}")
    broadcast = send_broadcast(madiun)
    engine.pump(outbox.pk, seconds=5)
    flagged = broadcast.deliveries.order_by("pk").first()
    Delivery.objects.filter(pk=flagged.pk).update(possible_duplicate=True)
    client = client_for(operator)
    progress = client.get(reverse("broadcasts:broadcast_progress", args=[broadcast.pk])).text
    assert "1 penerima mungkin ganda" in progress
    assert "1 penerima mungkin ganda" in client.get(reverse("broadcasts:broadcast_detail", args=[broadcast.pk])).text
    url = reverse("broadcasts:delivery_list", args=[broadcast.pk])
    everyone = client.get(url).text
    only_flagged = client.get(url, {"ganda": "1"}).text
    assert all(f"Penerima Ganda {i}" in everyone for i in range(3))
    # The "Waktu terakhir" column has a time on every row.
    assert len(re.findall(r"<td>\d{1,2} \w{3} \d{4} \d{2}\.\d{2} WI(?:B|TA|T)</td>", everyone)) == 3
    assert flagged.recipient_name in only_flagged
    assert sum(f"Penerima Ganda {i}" in only_flagged for i in range(3)) == 1
    # Another office sees neither the count nor the list.
    other = client_for(other_office_staff)
    assert other.get(reverse("broadcasts:broadcast_progress", args=[broadcast.pk])).status_code == 404
    assert other.get(url, {"ganda": "1"}).status_code == 404
