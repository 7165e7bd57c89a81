import pytest

from accounts.models import Role
from broadcasts import services
from channels import http
from channels import services as channel_services
from channels.fakes import FakeTelegram, FakeWhatsApp
from members import services as member_services
from members.models import Purpose
from offices.models import Office

APP_SECRET = "uji-app-secret"
WA_TOKEN = "EAAJB-uji"
BOT_TOKEN = "7000000001:AAFakeTokenForTests"


@pytest.fixture(autouse=True)
def _no_quiet_hours(offices):
    """Tests run at any hour: quiet hours and the out-of-hours reply are off unless a test sets them."""
    Office.objects.update(quiet_hours_start=None, quiet_hours_end=None, out_of_hours_reply=False)


@pytest.fixture(autouse=True)
def _loopback_only():
    with http.allowed_hosts([]):
        yield


@pytest.fixture
def make_member(db):
    counter = {"n": 0}

    def make(office, name=None, *, whatsapp=None, telegram=None, email=None, consent=True, preferred="",
             opted_out=False, organization=None):
        counter["n"] += 1
        addresses = []
        if whatsapp:
            addresses.append(member_services.AddressInput("whatsapp", whatsapp, opted_out=opted_out))
        if telegram:
            addresses.append(member_services.AddressInput("telegram", telegram, opted_out=opted_out))
        if email:
            addresses.append(member_services.AddressInput("mailto", email, opted_out=opted_out))
        member = member_services.create_member(
            actor=None, office=office, full_name=name or f"Anggota {counter['n']}", addresses=addresses,
            organization=organization,
            consent=member_services.ConsentInput([Purpose.DISSEMINATION], evidence="formulir") if consent else None)
        if preferred:
            member.preferred_channel = preferred
            member.save(update_fields=["preferred_channel"])
        return member

    return make


@pytest.fixture
def admin(make_staff, madiun):
    return make_staff(madiun, Role.ADMIN, email="admin@kpu-madiun.test")


@pytest.fixture
def editor(make_staff, madiun):
    return make_staff(madiun, Role.EDITOR)


@pytest.fixture
def outbox(madiun, admin):
    return channel_services.create_channel(actor=admin, office=madiun, kind="outbox", name="Kotak keluar uji")


@pytest.fixture
def fake_wa():
    with FakeWhatsApp() as fake:
        yield fake


@pytest.fixture
def fake_tg():
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def wa_channel(madiun, admin, fake_wa):
    return channel_services.create_channel(
        actor=admin, office=madiun, kind="whatsapp", name="WhatsApp Humas",
        config={"phone_number_id": "106540352242922", "base_url": fake_wa.url},
        secrets={"access_token": WA_TOKEN, "app_secret": APP_SECRET}, rate_per_second=1000)


@pytest.fixture
def tg_channel(madiun, admin, fake_tg):
    return channel_services.create_channel(
        actor=admin, office=madiun, kind="telegram", name="Bot Humas",
        config={"base_url": fake_tg.url}, secrets={"bot_token": BOT_TOKEN}, rate_per_second=1000)


@pytest.fixture
def send_broadcast(operator, editor):
    """Create, submit, approve and start a broadcast; returns it with its deliveries queued."""

    def send(office, **values):
        values.setdefault("title", "Siaran uji")
        values.setdefault("text", "*Info* tahapan pemilu")
        if not (values.get("groups") or values.get("audience_categories") or values.get("include_channel_chats")):
            values.setdefault("audience_all", True)
        broadcast = services.create_broadcast(actor=operator, office=office, **values)
        services.submit_broadcast(actor=operator, broadcast=broadcast)
        services.approve_broadcast(actor=editor, broadcast=broadcast)
        services.start_broadcast(broadcast_id=broadcast.pk)
        broadcast.refresh_from_db()
        return broadcast

    return send


@pytest.fixture
def notify_now():
    """Run the notification scheduler's step now: audit rows into notifications, and what is due sent."""
    from notifications import services as notifications

    def run() -> None:
        notifications.dispatch()
        notifications.send_due()

    return run
