"""The dev outbox "receives" a message typed by staff as if a member had sent it: stored as a webhook stores one,
then routed like any other (keywords, automatic replies, the inbox, cek fakta)."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry
from broadcasts.models import Delivery
from channels import services
from channels.models import InboundMessage
from conftest import refreshed, staff_maker
from factcheck.models import Report
from inbox.models import Conversation
from inbox.services import route_pending
from members import services as members
from members.models import Address, Consent, Member, Purpose
from offices.models import Office


@pytest.fixture(scope="module")
def _data(module_transaction):
    make = staff_maker("terima")
    madiun, jatim = Office.objects.get(code="35.77"), Office.objects.get(code="35")
    outbox = services.create_channel(actor=None, office=madiun, kind="outbox", name="Kotak keluar uji")
    whatsapp = services.create_channel(actor=None, office=madiun, kind="whatsapp", name="WhatsApp Humas",
                                       config={"phone_number_id": "106540352242922"},
                                       secrets={"access_token": "EAAJB-token-uji", "app_secret": "rahasia-uji"})
    member = members.create_member(
        actor=None, office=madiun, full_name="Siti Rahayu",
        addresses=[members.AddressInput("whatsapp", "0812-3111-2222")],
        consent=members.ConsentInput([Purpose.DISSEMINATION], Consent.Method.FORM, "Formulir rapat"))
    return SimpleNamespace(madiun=madiun, outbox=outbox, whatsapp=whatsapp, member=member,
                           address=member.addresses.get(), admin=make(madiun, Role.ADMIN),
                           operator=make(madiun, Role.OPERATOR), province=make(jatim, Role.ADMIN))


@pytest.fixture
def data(_data, db):
    return refreshed(_data)


def receive(client, data, channel=None, **fields):
    return client.post(reverse("channels:channel_receive", args=[(channel or data.outbox).pk]),
                       {"member": "", "phone": "", "name": "", "text": "", **fields})


def test_a_message_typed_for_a_member_goes_the_webhooks_way_into_the_inbox(client_for, data, settings):
    settings.SITE_URL = "http://127.0.0.1:8790"
    response = receive(client_for(data.admin), data, member=str(data.address.pk), text="INFO")
    assert response.status_code == 302
    stored = InboundMessage.objects.get(channel=data.outbox)
    assert (stored.sender, stored.sender_name, stored.text, stored.routed_at) == (
        "whatsapp:+6281231112222", "Siti Rahayu", "INFO", None)
    assert AuditEntry.objects.filter(action="channel.message_typed", actor=data.admin,
                                     after__sender="whatsapp:+6281231112222").exists()

    assert route_pending() == 1
    conversation = Conversation.objects.get(office=data.madiun, member=data.member)
    assert conversation.messages.get(direction="in").text == "INFO"
    answer = Delivery.objects.get(channel=data.outbox, recipient="+6281231112222")
    # The link in the message is the address the server was started on (make run sets SITE_URL from PORT).
    assert "http://127.0.0.1:8790/kota-madiun/" in answer.text


def test_a_typed_number_is_a_new_contact_and_keywords_work(client_for, data):
    client = client_for(data.admin)
    receive(client, data, phone="0812-3999-0001", name="Warga Baru", text="Kapan pendaftaran pemilih?")
    receive(client, data, member=str(data.address.pk), text="BERHENTI")
    receive(client, data, member=str(data.address.pk), text="CEK kotak suara dipindah diam-diam malam ini")
    assert route_pending() == 3
    newcomer = Member.objects.get(office=data.madiun, addresses__value="+6281239990001")
    assert newcomer.full_name == "Warga Baru" and newcomer.source == Member.Source.INBOUND
    assert Address.objects.get(pk=data.address.pk).opted_out
    assert Report.objects.get(office=data.madiun).reporter == data.member


def test_the_form_is_on_the_outbox_page_for_the_admin_only(client_for, data):
    url = reverse("channels:channel_detail", args=[data.outbox.pk])
    assert 'id="receive-form"' in client_for(data.admin).get(url).text
    assert 'id="receive-form"' not in client_for(data.operator).get(url).text
    assert 'id="receive-form"' not in client_for(data.admin).get(
        reverse("channels:channel_detail", args=[data.whatsapp.pk])).text


@pytest.mark.parametrize(("user", "channel", "status"), [("operator", "outbox", 403), ("province", "outbox", 404),
                                                         ("admin", "whatsapp", 404)])
def test_no_one_else_and_no_real_channel_receives(client_for, data, user, channel, status):
    response = receive(client_for(getattr(data, user)), data, getattr(data, channel),
                       member=str(data.address.pk), text="INFO")
    assert response.status_code == status
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(("fields", "error"), [
    ({}, "Pengirim: pilih anggota atau isi nomor WhatsApp."),
    ({"phone": "0812"}, "Nomor WhatsApp pengirim:"),
    ({"phone": "+1 202 555 0100"}, "Nomor WhatsApp pengirim:"),
    ({"member": "SENDER", "phone": "0812-3999-0001"}, "Pilih anggota atau isi nomor WhatsApp, bukan keduanya."),
])
def test_bad_input_is_named_beside_its_field_and_nothing_is_stored(client_for, data, fields, error):
    fields = {k: str(data.address.pk) if v == "SENDER" else v for k, v in fields.items()}
    response = receive(client_for(data.admin), data, **fields)
    assert response.status_code == 400
    assert error in response.text
    assert "Pesan: tulis isi pesan yang dikirim anggota." in response.text
    assert not InboundMessage.objects.exists()


def test_the_service_refuses_other_channels_and_users(data):
    with pytest.raises(ValidationError):
        services.receive_typed_message(actor=data.admin, channel=data.whatsapp, address=data.address, text="INFO")
    with pytest.raises(PermissionDenied):
        services.receive_typed_message(actor=data.operator, channel=data.outbox, address=data.address, text="INFO")
    assert not InboundMessage.objects.exists()
