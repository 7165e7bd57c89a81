"""Who may open and act on every inbox page (inbox/urls.py), and what the reply form does with bad input."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from broadcasts.models import Delivery
from inbox import services
from inbox import urls as inbox_urls
from inbox.models import Conversation, Message, SavedReply
from inbox.tests.conftest import whatsapp_body

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64 + b"\xff\xd9"
CONFLICT = "Percakapan ini baru saja berubah"

# Every conversation page: (method, form data given the current conversation).
CONVERSATION_VIEWS = {
    "conversation_detail": ("get", None),
    "conversation_thread": ("get", None),
    "message_media": ("get", None),
    "conversation_reply": ("post", lambda c: {"text": "Jawaban staf", "version": c.version}),
    "conversation_note": ("post", lambda c: {"text": "Catatan internal"}),
    "conversation_assign": ("post", lambda c: {"assignee": "me"}),
    "conversation_tags": ("post", lambda c: {"tags": "dpt, tps"}),
    "conversation_close": ("post", lambda c: {}),
    "conversation_reopen": ("post", lambda c: {}),
    "conversation_escalate": ("post", lambda c: {"reason": "Mohon jawaban provinsi"}),
    "conversation_return": ("post", lambda c: {"note": "Silakan dijawab satker asal"}),
    "conversation_unflag": ("post", lambda c: {}),
    "conversation_link_member": ("post", lambda c: {"member": c.member_id}),
}
OFFICE_VIEWS = {"inbox", "toggle_duty", "saved_reply_list", "saved_reply_create", "saved_reply_edit"}
PUBLIC_VIEWS = {"contact", "tracking"}


def test_it_covers_every_inbox_url():
    assert {p.name for p in inbox_urls.urlpatterns} == set(CONVERSATION_VIEWS) | OFFICE_VIEWS
    assert {p.name for p in inbox_urls.public_urlpatterns} == PUBLIC_VIEWS


@pytest.fixture
def scene(madiun, jatim, kab_madiun, ri, wa_channel, fake_wa, post_webhook, make_staff, operator,
          django_capture_on_commit_callbacks):
    """A Kota Madiun conversation (a text and a photo, downloaded) and staff of every office around it."""
    fake_wa.media["1003383421387256"] = (JPEG, "image/jpeg")
    post_webhook(wa_channel, whatsapp_body(text="Di mana TPS saya?", message_id="wamid.V1"))
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(wa_channel, whatsapp_body("inbound_image_caption.json", message_id="wamid.V2"))
    conversation = Conversation.objects.get()
    photo = conversation.messages.get(kind="image")
    assert photo.media_status == "stored"
    people = {
        "operator": operator, "viewer": make_staff(madiun, Role.VIEWER), "sibling": make_staff(kab_madiun, Role.ADMIN),
        "province": make_staff(jatim, Role.OPERATOR), "province_viewer": make_staff(jatim, Role.VIEWER),
        "ri": make_staff(ri, Role.ADMIN),
    }
    return conversation, photo, people


def request_as(user, name: str, conversation: Conversation, photo: Message):
    conversation.refresh_from_db()
    method, data = CONVERSATION_VIEWS[name]
    args = [conversation.pk, photo.pk] if name == "message_media" else [conversation.pk]
    client = Client()
    if user is not None:
        client.force_login(user)
    url = reverse(f"inbox:{name}", args=args)
    return client.get(url) if method == "get" else client.post(url, data(conversation))


def footprint(conversation: Conversation) -> tuple:
    conversation.refresh_from_db()
    return conversation.version, Message.objects.count(), Delivery.objects.count(), conversation.escalated_to_id


@pytest.mark.parametrize("name", sorted(CONVERSATION_VIEWS))
def test_it_allows_and_forbids_every_conversation_page(name, scene):
    conversation, photo, people = scene
    method = CONVERSATION_VIEWS[name][0]
    allowed = 200 if method == "get" else 302

    anonymous = request_as(None, name, conversation, photo)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
    before = footprint(conversation)
    for outsider in ("sibling", "province", "province_viewer", "ri"):
        expected = 403 if outsider == "province_viewer" and method == "post" else 404
        assert request_as(people[outsider], name, conversation, photo).status_code == expected, outsider
    viewer = request_as(people["viewer"], name, conversation, photo)
    assert viewer.status_code == (200 if method == "get" else 403)
    assert footprint(conversation) == before           # nobody above changed anything

    services.escalate(actor=people["operator"], conversation=conversation, reason="Kewenangan provinsi")
    for outsider in ("sibling", "ri"):                  # a sibling kabupaten and the level above still see nothing
        assert request_as(people[outsider], name, conversation, photo).status_code == 404, outsider
    assert request_as(people["province_viewer"], name, conversation, photo).status_code == (
        200 if method == "get" else 403)
    assert request_as(people["province"], name, conversation, photo).status_code == allowed
    assert request_as(people["operator"], name, conversation, photo).status_code == allowed


def test_it_shows_a_viewer_the_thread_without_reply_or_action_forms(scene):
    conversation, _photo, people = scene
    client = Client()
    client.force_login(people["viewer"])
    page = client.get(reverse("inbox:conversation_detail", args=[conversation.pk])).text
    assert "Di mana TPS saya?" in page and "Taj Mahal" in page
    assert "Kirim balasan" not in page and "Tutup percakapan" not in page and "Teruskan" not in page
    operator = Client()
    operator.force_login(people["operator"])
    page = operator.get(reverse("inbox:conversation_detail", args=[conversation.pk])).text
    assert "Kirim balasan" in page and "Tutup percakapan" in page and "Teruskan ke tingkat atas" in page


def test_it_lists_a_conversation_for_its_office_and_after_escalation_for_the_province(scene):
    conversation, _photo, people = scene
    name = conversation.member.full_name

    def listing(person, folder="unassigned"):
        client = Client()
        client.force_login(people[person])
        response = client.get(reverse("inbox:inbox"), {"folder": folder})
        assert response.status_code == 200
        return response.text

    assert name in listing("operator") and name in listing("viewer")
    assert all(name not in listing(p, f) for p in ("sibling", "province", "ri") for f in ("unassigned", "escalated"))
    services.escalate(actor=people["operator"], conversation=conversation, reason="Kewenangan provinsi")
    assert name in listing("province", "escalated") and name in listing("province_viewer", "escalated")
    assert name not in listing("province", "unassigned")
    assert all(name not in listing(p, "escalated") for p in ("sibling", "ri"))


def test_it_lets_the_province_read_but_not_act_after_answering(scene, fake_wa):
    conversation, photo, people = scene
    services.escalate(actor=people["operator"], conversation=conversation, reason="Kewenangan provinsi")
    province = Client()
    province.force_login(people["province"])
    answer = province.post(reverse("inbox:conversation_reply", args=[conversation.pk]),
                           {"text": "Jawaban provinsi", "version": Conversation.objects.get().version})
    assert answer.status_code == 302
    assert province.get(reverse("inbox:conversation_detail", args=[conversation.pk])).status_code == 200
    assert province.post(reverse("inbox:conversation_close", args=[conversation.pk])).status_code == 302
    follow = province.get(reverse("inbox:conversation_detail", args=[conversation.pk])).text
    assert "Anda tidak menangani percakapan ini." in follow          # an action says why it was refused
    assert Conversation.objects.get().status == "waiting"
    assert request_as(people["sibling"], "conversation_detail", conversation, photo).status_code == 404
    assert list(Delivery.objects.values_list("text", flat=True)) == ["Jawaban provinsi"]


def test_it_says_why_a_reply_from_an_office_no_longer_handling_it_is_refused(scene):
    conversation, _photo, people = scene
    services.escalate(actor=people["operator"], conversation=conversation, reason="Kewenangan provinsi")
    province = Client()
    province.force_login(people["province"])
    url = reverse("inbox:conversation_reply", args=[conversation.pk])
    province.post(url, {"text": "Jawaban provinsi", "version": Conversation.objects.get().version})
    late = province.post(url, {"text": "Satu lagi", "version": Conversation.objects.get().version})
    assert late.status_code == 400
    assert Delivery.objects.count() == 1                               # nothing was sent: good
    assert "Anda tidak menangani percakapan ini." in late.text         # but the page does not say why


# The reply form ----------------------------------------------------------------------------------------------

def test_it_gives_the_second_of_two_staff_answering_at_once_the_conflict_and_keeps_the_text(scene, make_staff, madiun):
    conversation, _photo, people = scene
    first, second = Client(), Client()
    first.force_login(people["operator"])
    second.force_login(make_staff(madiun, Role.VERIFIER))
    url = reverse("inbox:conversation_reply", args=[conversation.pk])
    version = conversation.version                  # both opened the page at this version
    assert first.post(url, {"text": "Cek di cekdptonline.kpu.go.id", "version": version}).status_code == 302
    text = "Silakan datang ke TPS 12 dengan KTP-el."
    clash = second.post(url, {"text": text, "version": version})
    assert clash.status_code == 400
    assert CONFLICT in clash.text and "balasan Anda belum dikirim" in clash.text
    assert f">\n{text}</textarea>" in clash.text
    current = Conversation.objects.get().version
    assert f'name="version" value="{current}"' in clash.text     # sending again goes to the current version
    assert list(Delivery.objects.values_list("text", flat=True)) == ["Cek di cekdptonline.kpu.go.id"]
    assert second.post(url, {"text": text, "version": current}).status_code == 302
    assert Delivery.objects.count() == 2


@pytest.mark.parametrize(("text", "error"), [
    ("/tidakada", "Tidak ada balasan tersimpan dengan kode /tidakada."),
    ("   ", "Tulis balasan atau pilih templat."),
    ("x" * 4097, "paling banyak 4096 karakter (sekarang 4097 karakter)"),
])
def test_it_answers_a_bad_reply_with_400_and_the_reason_and_sends_nothing(text, error, scene):
    conversation, _photo, people = scene
    client = Client()
    client.force_login(people["operator"])
    response = client.post(reverse("inbox:conversation_reply", args=[conversation.pk]),
                           {"text": text, "version": conversation.version})
    assert response.status_code == 400 and error in response.text
    assert not Delivery.objects.exists()


def test_it_accepts_a_4096_character_reply_and_expands_a_saved_reply(scene, madiun, admin):
    conversation, _photo, people = scene
    SavedReply.objects.create(office=madiun, shortcode="tps", title="Lokasi TPS", text="Cek lokasi TPS di "
                              "cekdptonline.kpu.go.id.")
    client = Client()
    client.force_login(people["operator"])
    url = reverse("inbox:conversation_reply", args=[conversation.pk])
    assert client.post(url, {"text": "y" * 4096, "version": conversation.version}).status_code == 302
    assert client.post(url, {"text": "/TPS Terima kasih.", "version": Conversation.objects.get().version}
                       ).status_code == 302
    assert list(Delivery.objects.order_by("pk").values_list("text", flat=True)) == [
        "y" * 4096, "Cek lokasi TPS di cekdptonline.kpu.go.id. Terima kasih."]


# Saved replies -----------------------------------------------------------------------------------------------

@pytest.fixture
def saved(madiun):
    return SavedReply.objects.create(office=madiun, shortcode="jadwal", title="Jadwal", text="Lihat jadwal tahapan.")


@pytest.mark.parametrize(("role", "may_manage"), [
    (Role.ADMIN, True), (Role.EDITOR, True), (Role.OPERATOR, False), (Role.VERIFIER, False), (Role.VIEWER, False)])
def test_it_lets_only_inbox_managers_edit_saved_replies(role, may_manage, madiun, make_staff, saved):
    client = Client()
    client.force_login(make_staff(madiun, role))
    listing = client.get(reverse("inbox:saved_reply_list"))
    assert listing.status_code == 200 and "/jadwal" in listing.text
    assert (reverse("inbox:saved_reply_create") in listing.text) is may_manage
    create = reverse("inbox:saved_reply_create")
    edit = reverse("inbox:saved_reply_edit", args=[saved.pk])
    assert client.get(create).status_code == (200 if may_manage else 403)
    assert client.get(edit).status_code == (200 if may_manage else 403)
    response = client.post(create, {"shortcode": "tps", "title": "TPS", "text": "Cek TPS Anda."})
    assert response.status_code == (302 if may_manage else 403)
    response = client.post(edit, {"shortcode": "jadwal", "title": "Jadwal", "text": "Jadwal baru."})
    assert response.status_code == (302 if may_manage else 403)
    saved.refresh_from_db()
    assert SavedReply.objects.filter(shortcode="tps").exists() is may_manage
    assert (saved.text == "Jadwal baru.") is may_manage


def test_it_neither_lists_nor_edits_saved_replies_of_another_office(kab_madiun, make_staff, saved):
    client = Client()
    client.force_login(make_staff(kab_madiun, Role.ADMIN))
    assert "/jadwal" not in client.get(reverse("inbox:saved_reply_list")).text
    edit = reverse("inbox:saved_reply_edit", args=[saved.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"shortcode": "x", "title": "x", "text": "x"}).status_code == 404
    anonymous = Client().get(reverse("inbox:saved_reply_list"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("values", "field_error"), [
    ({"shortcode": "jadwal", "title": "Lagi", "text": "Dua kali"}, "Kode /jadwal sudah dipakai."),
    ({"shortcode": "kode dengan spasi", "title": "x", "text": "x"}, "slug"),
    ({"shortcode": "k" * 31, "title": "x", "text": "x"}, "paling banyak 30"),
    ({"shortcode": "tps", "title": "   ", "text": "x"}, "Bidang ini tidak boleh kosong."),
    ({"shortcode": "tps", "title": "TPS", "text": ""}, "Bidang ini tidak boleh kosong."),
])
def test_it_refuses_a_bad_shortcode_or_empty_fields_in_the_saved_reply_form(values, field_error, admin, saved,
                                                                     client_for):
    response = client_for(admin).post(reverse("inbox:saved_reply_create"), values)
    assert response.status_code == 200 and field_error in response.text
    assert SavedReply.objects.count() == 1


# Going on duty, and the public pages -------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "allowed"), [(Role.ADMIN, True), (Role.EDITOR, True), (Role.OPERATOR, True),
                                               (Role.VERIFIER, True), (Role.VIEWER, False)])
def test_it_lets_staff_who_answer_go_on_duty_but_not_viewers(role, allowed, madiun, make_staff):
    user = make_staff(madiun, role)
    client = Client()
    client.force_login(user)
    url = reverse("inbox:toggle_duty")
    assert client.get(url).status_code == (405 if allowed else 403)
    assert client.post(url, {"on_duty": "1"}).status_code == (302 if allowed else 403)
    user.refresh_from_db()
    assert user.on_duty is allowed
    anonymous = Client().post(url, {"on_duty": "1"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))


def test_it_opens_the_public_pages_to_everyone_and_404s_unknown_offices(madiun, client, admin):
    for name in sorted(PUBLIC_VIEWS):
        assert Client().get(reverse(f"inbox_public:{name}", args=[madiun.slug])).status_code == 200
        client.force_login(admin)
        assert client.get(reverse(f"inbox_public:{name}", args=[madiun.slug])).status_code == 200
        assert Client().get(reverse(f"inbox_public:{name}", args=["tidak-ada-satker"])).status_code == 404


def test_it_shows_a_tracking_number_status_on_its_office_and_above_after_escalation(scene, madiun, jatim):
    conversation, _photo, people = scene

    def lookup(office):
        return Client().get(reverse("inbox_public:tracking", args=[office.slug]),
                            {"nomor": conversation.tracking_number.lower()}).text

    page = lookup(madiun)
    assert conversation.tracking_number in page and "Sedang ditangani" in page
    assert "Di mana TPS saya?" not in page and "Taj Mahal" not in page and conversation.member.full_name not in page
    services.escalate(actor=people["operator"], conversation=conversation, reason="Kewenangan provinsi")
    assert "Sedang ditangani KPU Provinsi Jawa Timur" in lookup(madiun)
    assert "Sedang ditangani KPU Provinsi Jawa Timur" in lookup(jatim)


def test_it_does_not_find_a_tracking_number_on_an_unrelated_office_portal(scene, kab_madiun):
    conversation, _photo, _people = scene
    page = Client().get(reverse("inbox_public:tracking", args=[kab_madiun.slug]),
                        {"nomor": conversation.tracking_number}).text
    assert "tidak ditemukan" in page and conversation.office.name not in page
