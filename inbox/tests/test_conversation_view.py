"""The conversation view: the list (snippets, channel icons, unread marks per person), the live thread's poll, the
composer and the side panel's htmx actions, each with a user allowed and one who is not."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry
from broadcasts.models import Delivery
from inbox import selectors, services
from inbox.models import Conversation, LastSeen, Message, SavedReply
from inbox.tests.conftest import whatsapp_body

HX = {"HX-Request": "true"}
LONG = ("Selamat pagi, saya pindah domisili ke Kelurahan Oro-oro Ombo bulan lalu dan ingin tahu apakah saya masih "
        "bisa mencoblos di TPS dekat rumah baru")


@pytest.fixture
def scene(madiun, kab_madiun, jatim, wa_channel, post_webhook, operator, make_staff):
    post_webhook(wa_channel, whatsapp_body(text=LONG, message_id="wamid.CV1", name="Ibu Sri"))
    conversation = Conversation.objects.get()
    people = {"operator": operator, "colleague": make_staff(madiun, Role.EDITOR),
              "viewer": make_staff(madiun, Role.VIEWER), "sibling": make_staff(kab_madiun, Role.ADMIN),
              "province": make_staff(jatim, Role.OPERATOR)}
    return conversation, people


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def row_of(page: str, name: str) -> str:
    """The list item of the conversation with this contact name."""
    items = re.findall(r'<li class="conv[^"]*">.*?</li>', page, re.S)
    return next(item for item in items if name in item)


def test_the_list_shows_the_snippet_cut_at_a_word_the_channel_and_an_unread_mark(scene):
    _conversation, people = scene
    page = client_of(people["operator"]).get(reverse("inbox:inbox"), {"folder": "unassigned"}).text
    row = row_of(page, "Ibu Sri")
    assert 'aria-label="WhatsApp"' in row and "belum dibaca" in row and 'class="conv unread"' in row
    snippet = re.search(r'<span class="snippet">(.*?)</span>', row, re.S).group(1)
    assert snippet.startswith("Selamat pagi, saya pindah domisili") and snippet.endswith("…")
    assert LONG.startswith(snippet[:-1]) and LONG[len(snippet) - 1] == " "     # cut between two words


def test_opening_the_thread_marks_it_read_for_that_person_only(scene, wa_channel, post_webhook):
    conversation, people = scene
    operator, colleague = client_of(people["operator"]), client_of(people["colleague"])
    assert operator.get(reverse("inbox:conversation_detail", args=[conversation.pk])).status_code == 200
    assert "belum dibaca" not in row_of(operator.get(reverse("inbox:inbox")).text, "Ibu Sri")
    assert "belum dibaca" in row_of(colleague.get(reverse("inbox:inbox")).text, "Ibu Sri")
    assert LastSeen.objects.filter(user=people["operator"], conversation=conversation).exists()

    post_webhook(wa_channel, whatsapp_body(text="Halo, masih di sana?", message_id="wamid.CV2", name="Ibu Sri"))
    row = row_of(operator.get(reverse("inbox:inbox")).text, "Ibu Sri")
    assert "belum dibaca" in row and "Halo, masih di sana?" in row
    page = operator.get(reverse("inbox:conversation_detail", args=[conversation.pk])).text
    assert "Pesan baru" in page                         # where the unread part of the thread begins
    assert "belum dibaca" not in row_of(operator.get(reverse("inbox:inbox")).text, "Ibu Sri")


def test_a_closed_conversation_never_opened_is_not_news(scene):
    conversation, people = scene
    services.close(actor=people["colleague"], conversation=conversation)
    page = client_of(people["operator"]).get(reverse("inbox:inbox"), {"folder": "closed"}).text
    assert "belum dibaca" not in row_of(page, "Ibu Sri")


def poll(client, conversation, after, version=None):
    params = {"setelah": after, **({"versi": version} if version is not None else {})}
    return client.get(reverse("inbox:conversation_thread", args=[conversation.pk]), params, headers=HX)


def test_the_poll_returns_only_new_messages_and_nothing_when_nothing_changed(scene, wa_channel, post_webhook):
    conversation, people = scene
    operator = client_of(people["operator"])
    last = conversation.messages.latest("id").pk
    assert poll(operator, conversation, last, conversation.version).status_code == 204
    post_webhook(wa_channel, whatsapp_body(text="Pesan kedua", message_id="wamid.CV3", name="Ibu Sri"))
    response = poll(operator, conversation, last)
    assert response.status_code == 200
    assert "Pesan kedua" in response.text and "Selamat pagi" not in response.text
    assert LastSeen.objects.get(user=people["operator"]).message_id == conversation.messages.latest("id").pk
    newest = conversation.messages.latest("id").pk
    assert poll(operator, conversation, newest, Conversation.objects.get().version).status_code == 204


def test_the_poll_redraws_the_side_panel_when_the_conversation_changed(scene):
    conversation, people = scene
    version, last = conversation.version, conversation.messages.latest("id").pk
    services.assign(actor=people["colleague"], conversation=conversation, assignee=people["colleague"])
    response = poll(client_of(people["operator"]), conversation, last, version)
    assert response.status_code == 200
    assert 'id="panel"' in response.text and 'hx-swap-oob="true"' in response.text
    assert f"Ditangani oleh {people['colleague'].username}." in response.text    # the event, as a new message


def test_the_poll_refreshes_the_delivery_ticks_of_recent_replies(scene):
    conversation, people = scene
    reply = services.reply(actor=people["operator"], conversation=conversation, text="Bisa, di TPS 12.",
                           expected_version=conversation.version)
    response = poll(client_of(people["operator"]), conversation, reply.pk, Conversation.objects.get().version)
    assert response.status_code == 200
    assert f'id="tick-{reply.pk}"' in response.text and "Antre" in response.text
    assert "Bisa, di TPS 12." not in response.text       # the reply itself is already on the page


@pytest.mark.parametrize(("who", "status"), [("operator", 204), ("viewer", 204), ("sibling", 404),
                                             ("province", 404)])
def test_the_poll_is_for_the_office_that_sees_the_conversation(scene, who, status):
    conversation, people = scene
    client = client_of(people[who])
    assert poll(client, conversation, conversation.messages.latest("id").pk, conversation.version
                ).status_code == status
    assert poll(Client(), conversation, 0).status_code == 401          # htmx is told to log in again


def test_the_province_polls_what_was_escalated_to_it(scene):
    conversation, people = scene
    services.escalate(actor=people["operator"], conversation=conversation, reason="Kewenangan provinsi")
    response = poll(client_of(people["province"]), conversation, 0)
    assert response.status_code == 200 and "Selamat pagi" in response.text
    assert poll(client_of(people["sibling"]), conversation, 0).status_code == 404


# The composer ------------------------------------------------------------------------------------------------

def test_the_composer_offers_saved_replies_the_preview_and_the_window_state(scene, madiun):
    conversation, people = scene
    SavedReply.objects.create(office=madiun, shortcode="tps", title="Lokasi TPS", text="Cek *TPS* <di> situs.")
    page = client_of(people["operator"]).get(reverse("inbox:conversation_detail", args=[conversation.pk])).text
    assert "Jendela 24 jam terbuka" in page and 'aria-controls="saved-suggestions"' in page
    data = re.search(r'<script id="saved-replies" type="application/json">(.*?)</script>', page).group(1)
    assert '"code": "tps"' in data and "\\u003Cdi\\u003E" in data            # escaped for the page, not markup
    assert 'id="composer-preview"' in page


def test_the_composer_sends_through_the_reply_service_and_the_viewer_has_none(scene):
    conversation, people = scene
    operator = client_of(people["operator"])
    response = operator.post(reverse("inbox:conversation_reply", args=[conversation.pk]) + "?folder=mine",
                             {"text": "Bisa, bawa *KTP-el*.", "version": conversation.version})
    assert response.status_code == 302 and response["Location"].endswith("?folder=mine")
    assert Delivery.objects.get().text == "Bisa, bawa *KTP-el*."
    page = operator.get(response["Location"]).text
    assert "Bisa, bawa <b>KTP-el</b>." in page                      # the formatting rendered in the bubble
    viewer = client_of(people["viewer"]).get(reverse("inbox:conversation_detail", args=[conversation.pk])).text
    assert 'id="composer"' not in viewer and "tidak membalasnya" in viewer
    assert client_of(people["viewer"]).post(reverse("inbox:conversation_reply", args=[conversation.pk]), {
        "text": "x", "version": conversation.version}).status_code == 403
    assert Delivery.objects.count() == 1


# The side panel ----------------------------------------------------------------------------------------------

def test_a_side_panel_action_through_htmx_redraws_the_panel_and_is_audited(scene):
    conversation, people = scene
    operator = client_of(people["operator"])
    response = operator.post(reverse("inbox:conversation_assign", args=[conversation.pk]), {"assignee": "me"},
                             headers=HX)
    assert response.status_code == 200 and response["HX-Trigger-After-Settle"] == "inbox-changed"
    assert response.text.startswith('<aside id="panel"') and "Penanganan diperbarui." in response.text
    assert 'id="conv-head"' in response.text                  # the header (who handles it) comes along
    assert Conversation.objects.get().assigned_to == people["operator"]
    assert AuditEntry.objects.filter(action="conversation.assigned", actor=people["operator"]).exists()

    response = operator.post(reverse("inbox:conversation_tags", args=[conversation.pk]), {"tags": "dpt, pindah"},
                             headers=HX)
    assert "Label disimpan." in response.text and Conversation.objects.get().tags == ["dpt", "pindah"]
    response = operator.post(reverse("inbox:conversation_note", args=[conversation.pk]), {"text": "Cek SIDALIH"},
                             headers=HX)
    assert "Catatan disimpan." in response.text
    assert Message.objects.filter(direction="note", text="Cek SIDALIH").exists()
    response = operator.post(reverse("inbox:conversation_close", args=[conversation.pk]), headers=HX)
    assert "Percakapan ditutup." in response.text and "Buka kembali" in response.text
    assert 'class="badge closed">Selesai' in response.text


@pytest.mark.parametrize(("url", "data", "error"), [
    ("inbox:conversation_note", {"text": "  "}, "Catatan kosong."),
    ("inbox:conversation_escalate", {"reason": ""}, "Tulis apa yang perlu dijawab oleh KPU Provinsi Jawa Timur."),
    ("inbox:conversation_link_member", {"member": "abc"}, "Tidak ada anggota satker ini dengan ID abc."),
])
def test_a_refused_side_panel_action_says_why_in_the_panel(scene, url, data, error):
    conversation, people = scene
    before = Conversation.objects.get().version
    response = client_of(people["operator"]).post(reverse(url, args=[conversation.pk]), data, headers=HX)
    assert response.status_code == 200
    assert 'class="notice bad" role="alert"' in response.text and error in response.text
    assert Conversation.objects.get().version == before


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("sibling", 404), ("province", 404)])
def test_side_panel_actions_stay_closed_to_others(scene, who, status):
    conversation, people = scene
    client = client_of(people[who])
    for name, data in [("conversation_assign", {"assignee": "me"}), ("conversation_close", {}),
                       ("conversation_note", {"text": "x"}), ("conversation_tags", {"tags": "x"})]:
        assert client.post(reverse(f"inbox:{name}", args=[conversation.pk]), data, headers=HX).status_code == status
    conversation.refresh_from_db()
    assert conversation.assigned_to is None and conversation.status == "open" and conversation.tags == []
    assert not Message.objects.filter(direction="note").exists()


def test_the_panel_shows_a_viewer_the_facts_without_controls(scene):
    conversation, people = scene
    page = client_of(people["viewer"]).get(reverse("inbox:conversation_detail", args=[conversation.pk])).text
    start = page.index('<aside id="panel"')
    panel = page[start:page.index("</aside>", start)]
    assert conversation.tracking_number in panel and "<form" not in panel


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("Kapan   kampanye\ndimulai?", 90, "Kapan kampanye dimulai?"),
    ("satu dua tiga empat", 12, "satu dua…"),
    ("Pemberitahuan," + " x" * 10, 14, "Pemberitahuan…"),
    ("Supercalifragilistic", 10, "Supercalif…"),
    ("", 10, ""),
])
def test_a_snippet_is_one_line_cut_between_words(text, limit, expected):
    assert selectors.one_line(text, limit) == expected


def test_the_list_poll_keeps_the_folder_and_search_and_names_the_tracking_number_found(scene):
    conversation, people = scene
    client = client_of(people["operator"])
    response = client.get(reverse("inbox:inbox"), {"folder": "unassigned", "q": conversation.tracking_number,
                                                   "aktif": conversation.pk}, headers=HX)
    assert response.text.startswith('<div id="conversation-list"')
    assert f"folder=unassigned&amp;q={conversation.tracking_number}" in response.text
    assert f"<code>{conversation.tracking_number}</code>" in row_of(response.text, "Ibu Sri")
    assert 'class="conv unread active"' in response.text
    assert client_of(people["sibling"]).get(reverse("inbox:inbox"), {"q": conversation.tracking_number},
                                            headers=HX).text.count('<li class="conv ') == 0


def test_a_message_stamped_in_the_same_second_as_the_last_one_read_is_still_unread(scene, wa_channel,
                                                                                  post_webhook):
    conversation, people = scene
    operator = client_of(people["operator"])
    operator.get(reverse("inbox:conversation_detail", args=[conversation.pk]))
    same_second = int(conversation.messages.get().created_at.timestamp())
    post_webhook(wa_channel, whatsapp_body(text="Satu lagi", message_id="wamid.CV9", name="Ibu Sri",
                                           sent_at=same_second))
    assert "belum dibaca" in row_of(operator.get(reverse("inbox:inbox")).text, "Ibu Sri")
