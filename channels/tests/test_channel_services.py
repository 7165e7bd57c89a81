"""Channel and template services: validation, write-only secrets kept out of the audit log, the test send."""

import json

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from audit.models import AuditEntry
from bakohumas.locking import ConflictError
from channels import services as channel_services
from channels.fakes import FakeWhatsApp
from channels.models import Channel, Template

WA_TOKEN = "EAAJB-rahasia-token-akses"
APP_SECRET = "rahasia-app-secret"
BOT_TOKEN = "7000000001:AAFakeTokenForTests"
SECRETS = (WA_TOKEN, APP_SECRET, BOT_TOKEN, "kata-sandi-smtp", "token-baru-rahasia")


@pytest.fixture
def admin(make_staff, madiun):
    return make_staff(madiun, Role.ADMIN, email="admin@kpu-madiun.test")


@pytest.fixture
def fake_wa():
    with FakeWhatsApp() as fake:
        yield fake


def create_wa(office, admin, base_url="", **overrides) -> Channel:
    values = {"name": "WhatsApp Humas", "config": {"phone_number_id": "106540352242922", "base_url": base_url},
              "secrets": {"access_token": WA_TOKEN, "app_secret": APP_SECRET}, "rate_per_second": 80}
    values.update(overrides)
    return channel_services.create_channel(actor=admin, office=office, kind="whatsapp", **values)


@pytest.fixture
def wa(madiun, admin, fake_wa):
    return create_wa(madiun, admin, fake_wa.url)


def audit_text() -> str:
    return json.dumps([[a.action, a.target_label, a.before, a.after] for a in AuditEntry.objects.all()])


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.message_dict


# Channels ---------------------------------------------------------------------------------------------------

def test_it_creates_a_channel_with_generated_config_and_an_audit_row_without_secrets(madiun, admin):
    channel = create_wa(madiun, admin, name="  WhatsApp   Humas ")
    assert channel.name == "WhatsApp Humas"
    assert channel.secrets == {"access_token": WA_TOKEN, "app_secret": APP_SECRET}
    assert len(channel.config["verify_token"]) >= 24
    assert channel.status == Channel.Status.ACTIVE and channel.created_by == admin
    entry = AuditEntry.objects.get(action="channel.created", target_id=str(channel.pk))
    assert entry.actor == admin
    assert entry.after["secrets_set"] == ["access_token", "app_secret"]
    assert all(secret not in audit_text() for secret in SECRETS)


def test_it_gives_each_telegram_bot_its_own_webhook_secret(madiun, kab_madiun, admin):
    first = channel_services.create_channel(actor=admin, office=madiun, kind="telegram", name="Bot",
                                            secrets={"bot_token": BOT_TOKEN})
    second = channel_services.create_channel(actor=admin, office=kab_madiun, kind="telegram", name="Bot",
                                             secrets={"bot_token": BOT_TOKEN})
    assert first.config["webhook_secret"] != second.config["webhook_secret"]
    assert first.rate_per_second == 30.0   # the provider's default when none is given
    # Generated secrets are secrets too: anyone reading the audit log could forge webhooks with them.
    assert first.config["webhook_secret"] not in audit_text()
    assert second.config["webhook_secret"] not in audit_text()


def test_it_keeps_the_whatsapp_verify_token_out_of_the_audit_log(madiun, admin):
    channel = create_wa(madiun, admin)
    channel_services.update_channel(actor=admin, channel=channel, expected_version=None, name="WhatsApp Humas 2",
                                    config={"phone_number_id": "106540352242922"}, secrets={}, rate_per_second=80)
    assert channel.config["verify_token"] not in audit_text()


@pytest.mark.parametrize(("kind", "missing"), [
    ("whatsapp", {"name", "phone_number_id", "access_token", "app_secret"}),
    ("telegram", {"name", "bot_token"}),
    ("email", {"name", "host", "port", "security", "from_email"}),
])
def test_it_requires_the_fields_of_each_kind(madiun, admin, kind, missing):
    errors = errors_of(lambda: channel_services.create_channel(actor=admin, office=madiun, kind=kind, name=" ",
                                                               config={}, secrets={}))
    assert set(errors) == missing
    assert not Channel.objects.exists()


def test_it_refuses_an_unknown_kind(madiun, admin):
    assert "kind" in errors_of(lambda: channel_services.create_channel(actor=admin, office=madiun, kind="sms",
                                                                       name="SMS"))


@pytest.mark.parametrize(("config", "field"), [
    ({"port": "dua lima"}, "port"),
    ({"port": "70000"}, "port"),
    ({"port": "0"}, "port"),
    ({"security": "tls"}, "security"),
])
def test_it_checks_the_smtp_settings(madiun, admin, config, field):
    values = {"host": "smtp.contoh.id", "port": "587", "security": "starttls", "from_email": "humas@contoh.id",
              **config}
    errors = errors_of(lambda: channel_services.create_channel(actor=admin, office=madiun, kind="email",
                                                               name="Surel", config=values))
    assert set(errors) == {field}


def test_it_refuses_an_api_address_that_is_not_http(madiun, admin):
    assert "base_url" in errors_of(lambda: create_wa(madiun, admin, base_url="ftp://graph.contoh.id"))
    assert "base_url" in errors_of(lambda: create_wa(madiun, admin, base_url="javascript:alert(1)"))


@pytest.mark.parametrize("rate", [1001, 0, -5, "banyak"])
def test_it_refuses_a_rate_outside_the_provider_limits(madiun, admin, rate):
    assert set(errors_of(lambda: create_wa(madiun, admin, rate_per_second=rate))) == {"rate_per_second"}


def test_it_accepts_the_maximum_rate_and_defaults_to_the_provider_rate(madiun, admin):
    assert create_wa(madiun, admin, rate_per_second=1000).rate_per_second == 1000
    assert create_wa(madiun, admin, name="Kedua", rate_per_second=None).rate_per_second == 80
    email = {"host": "smtp.contoh.id", "port": "587", "security": "starttls", "from_email": "humas@contoh.id"}
    errors = errors_of(lambda: channel_services.create_channel(actor=admin, office=madiun, kind="email",
                                                               name="Surel", config=email, rate_per_second=201))
    assert set(errors) == {"rate_per_second"}


def test_it_refuses_a_duplicate_name_in_the_same_office_only(madiun, kab_madiun, admin, make_staff):
    create_wa(madiun, admin)
    assert "name" in errors_of(lambda: create_wa(madiun, admin, name="WhatsApp  Humas"))
    other_admin = make_staff(kab_madiun, Role.ADMIN)
    assert create_wa(kab_madiun, other_admin).office == kab_madiun
    second = create_wa(madiun, admin, name="WhatsApp Cadangan")
    assert "name" in errors_of(lambda: channel_services.update_channel(
        actor=admin, channel=second, expected_version=None, name="WhatsApp Humas",
        config={"phone_number_id": "1"}, secrets={}, rate_per_second=80))


def test_it_keeps_a_secret_left_blank_on_update(madiun, admin):
    channel = create_wa(madiun, admin)
    verify_token = channel.config["verify_token"]
    updated = channel_services.update_channel(
        actor=admin, channel=channel, expected_version=channel.version, name="WhatsApp Humas KPU",
        config={"phone_number_id": "200000000000001", "display_phone": "+62 351 000000"},
        secrets={"access_token": "  ", "app_secret": ""}, rate_per_second=100)
    assert updated.secrets == {"access_token": WA_TOKEN, "app_secret": APP_SECRET}
    assert updated.config["phone_number_id"] == "200000000000001"
    assert updated.config["verify_token"] == verify_token   # generated once, never regenerated by an edit
    assert (updated.name, updated.rate_per_second, updated.version) == ("WhatsApp Humas KPU", 100, 2)

    replaced = channel_services.update_channel(
        actor=admin, channel=updated, expected_version=updated.version, name=updated.name,
        config=updated.config, secrets={"access_token": "token-baru-rahasia"}, rate_per_second=100)
    assert replaced.secrets == {"access_token": "token-baru-rahasia", "app_secret": APP_SECRET}
    [first, second] = AuditEntry.objects.filter(action="channel.updated").order_by("id")
    assert first.after["secrets_changed"] == []
    assert second.after["secrets_changed"] == ["access_token"]
    assert all(secret not in audit_text() for secret in SECRETS)


def test_it_refuses_a_stale_update(madiun, admin):
    channel = create_wa(madiun, admin)
    with pytest.raises(ConflictError):
        channel_services.update_channel(actor=admin, channel=channel, expected_version=channel.version + 1,
                                        name="Baru", config={"phone_number_id": "1"}, secrets={},
                                        rate_per_second=80)
    channel.refresh_from_db()
    assert channel.name == "WhatsApp Humas"


def test_it_pauses_and_reactivates_a_channel(madiun, admin):
    channel = create_wa(madiun, admin)
    paused = channel_services.set_channel_status(actor=admin, channel=channel, active=False)
    assert paused.status == Channel.Status.PAUSED and admin.username in paused.status_reason
    active = channel_services.set_channel_status(actor=admin, channel=channel, active=True)
    assert (active.status, active.status_reason) == (Channel.Status.ACTIVE, "")
    actions = AuditEntry.objects.filter(target_type="channels.channel", target_id=str(channel.pk)).order_by("id")
    assert list(actions.values_list("action", flat=True)) == ["channel.created", "channel.paused", "channel.resumed"]


# Templates --------------------------------------------------------------------------------------------------

def save(channel, admin, body, name="info_siaran", language="id", **extra) -> Template:
    return channel_services.save_template(actor=admin, channel=channel, name=name, language=language, body=body,
                                          category=extra.pop("category", "UTILITY"),
                                          status=extra.pop("status", "APPROVED"), **extra)


@pytest.mark.parametrize(("body", "parameters"), [
    ("Yth. {{1}}, rapat pada {{2}}.", ["1", "2"]),
    ("{{2}} lalu {{1}}, sekali lagi {{1}}", ["1", "2"]),
    ("Yth. {{ 1 }}", ["1"]),
    ("Yth. {{nama}}, rapat {{tanggal_rapat}} — {{nama}}", ["nama", "tanggal_rapat"]),
    ("Tanpa parameter", []),
])
def test_it_extracts_the_template_parameters(madiun, admin, wa, body, parameters):
    template = save(wa, admin, body)
    assert template.parameters == parameters
    assert template.named_parameters == bool(parameters and not parameters[0].isdecimal())
    entry = AuditEntry.objects.get(action="template.saved", target_id=str(template.pk))
    assert entry.after["parameters"] == parameters


@pytest.mark.parametrize(("values", "field"), [
    ({"name": "Info Siaran"}, "name"),
    ({"name": "info-siaran"}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 513}, "name"),
    ({"language": "indonesia"}, "language"),
    ({"language": "en-US"}, "language"),
    ({"body": "   "}, "body"),
    ({"body": "x" * 1025}, "body"),
    ({"body": "Yth. {{1}}, rapat {{3}}"}, "body"),
    ({"body": "Yth. {{2}}"}, "body"),
    ({"body": "Yth. {{0}}"}, "body"),
    ({"body": "Yth. {{1}}, rapat {{tanggal}}"}, "body"),
])
def test_it_refuses_an_invalid_template(madiun, admin, wa, values, field):
    arguments = {"name": "info_siaran", "language": "id", "body": "Yth. {{1}}", **values}
    errors = errors_of(lambda: save(wa, admin, **arguments))
    assert field in errors
    assert not Template.objects.exists()


def test_it_refuses_an_unknown_category_or_status(madiun, admin, wa):
    assert "category" in errors_of(lambda: save(wa, admin, "Halo", category="PROMO"))
    assert "status" in errors_of(lambda: save(wa, admin, "Halo", status="OK"))


def test_it_refuses_a_duplicate_template_but_not_another_language(madiun, admin, wa):
    save(wa, admin, "Yth. {{1}}")
    assert "name" in errors_of(lambda: save(wa, admin, "Yth. {{1}} lagi"))
    assert save(wa, admin, "Dear {{1}}", language="en_US").language == "en_US"


def test_it_updates_a_template_in_place(madiun, admin, wa):
    template = save(wa, admin, "Yth. {{1}}")
    updated = save(wa, admin, "Yth. {{1}}, rapat {{2}}", status="PAUSED", template=template)
    assert updated.pk == template.pk and updated.parameters == ["1", "2"] and updated.status == "PAUSED"
    entry = AuditEntry.objects.filter(action="template.saved").latest("id")
    assert entry.before == {"name": "info_siaran", "status": "APPROVED", "body": "Yth. {{1}}"}


def test_it_keeps_templates_to_whatsapp_channels(madiun, admin):
    bot = channel_services.create_channel(actor=admin, office=madiun, kind="telegram", name="Bot",
                                          secrets={"bot_token": BOT_TOKEN})
    with pytest.raises(ValidationError, match="WhatsApp"):
        save(bot, admin, "Halo")


# The test send ------------------------------------------------------------------------------------------------

def test_it_sends_a_test_message_and_audits_it(madiun, admin, wa, fake_wa):
    result = channel_services.send_test(actor=admin, channel=wa, to="0812-3000-0001")
    assert result.ok and result.outcome == "accepted" and result.provider_message_id.startswith("wamid.")
    [request] = fake_wa.requests
    assert request.path == "/106540352242922/messages"
    assert request.headers["authorization"] == f"Bearer {WA_TOKEN}"
    assert request.json["to"] == "+6281230000001" and request.json["type"] == "text"
    assert madiun.name in request.json["text"]["body"]
    entry = AuditEntry.objects.get(action="channel.tested", target_id=str(wa.pk))
    assert entry.after == {"to": "+6281230000001", "ok": True, "outcome": "accepted", "error_code": None}
    assert entry.actor == admin
    assert all(secret not in audit_text() for secret in SECRETS)


def test_it_sends_a_test_template_without_parameters(madiun, admin, wa, fake_wa):
    hello = save(wa, admin, "Halo dari KPU", name="hello_world")
    assert channel_services.send_test(actor=admin, channel=wa, to="081230000001", template=hello).ok
    [request] = fake_wa.requests
    assert request.json["type"] == "template"
    assert request.json["template"] == {"name": "hello_world", "language": {"code": "id"}}


def test_it_refuses_a_test_with_a_parameterised_template_or_a_bad_number(madiun, admin, wa, fake_wa):
    template = save(wa, admin, "Yth. {{1}}")
    assert "template" in errors_of(lambda: channel_services.send_test(actor=admin, channel=wa, to="081230000001",
                                                                      template=template))
    assert "to" in errors_of(lambda: channel_services.send_test(actor=admin, channel=wa, to="bukan nomor"))
    assert fake_wa.requests == []
    assert not AuditEntry.objects.filter(action="channel.tested").exists()


def test_it_reports_what_the_provider_refused(madiun, admin, wa, fake_wa):
    fake_wa.errors["+6281230000001"] = 131026
    result = channel_services.send_test(actor=admin, channel=wa, to="081230000001")
    assert (result.ok, result.outcome, result.error_code) == (False, "bad_address", 131026)
    entry = AuditEntry.objects.get(action="channel.tested")
    assert entry.after["ok"] is False and entry.after["error_code"] == 131026


def test_a_channel_is_titled_with_its_kind_once(madiun, admin):
    outbox = channel_services.create_channel(actor=admin, office=madiun, kind="outbox", name="Kotak keluar uji")
    bot = channel_services.create_channel(actor=admin, office=madiun, kind="telegram", name="Bot Humas",
                                          config={}, secrets={"bot_token": BOT_TOKEN})
    assert outbox.title == "Kotak keluar uji"
    assert bot.title == f"Bot Humas ({bot.provider.label})"
