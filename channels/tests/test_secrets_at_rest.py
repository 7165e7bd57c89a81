"""Channel secrets are stored encrypted with SECRETS_KEY: raw columns, round trip, rotation, a wrong key, the data
migration, and the production start-up check."""

import hashlib
import hmac
import importlib
import io
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEntry
from channels import crypto
from channels import services as channel_services
from channels.models import Channel
from channels.selectors import forget_channel

WA_TOKEN = "EAAJB-rahasia-token-akses-at-rest"
APP_SECRET = "rahasia-app-secret-at-rest"
BOT_TOKEN = "7000000001:AAFakeTokenAtRest"
SMTP_PASSWORD = "kata-sandi-smtp-at-rest"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
migration = importlib.import_module("channels.migrations.0004_encrypt_secrets")


def create(office, admin, kind="whatsapp"):
    values = {
        "whatsapp": ({"phone_number_id": "106540352242922"}, {"access_token": WA_TOKEN, "app_secret": APP_SECRET}),
        "telegram": ({}, {"bot_token": BOT_TOKEN}),
        "email": ({"host": "smtp.kpu.test", "port": "587", "security": "starttls", "username": "humas",
                   "from_email": "humas@kpu.test"}, {"password": SMTP_PASSWORD}),
    }[kind]
    return channel_services.create_channel(actor=admin, office=office, kind=kind, name=f"Kanal {kind}",
                                           config=values[0], secrets=values[1])


def raw(channel) -> dict:
    """The stored columns as the database holds them (what a dump or a backup would contain)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets, config FROM channels_channel WHERE id = %s", [channel.pk])
        secrets, config = cursor.fetchone()
    return {"secrets": crypto._load(secrets), "config": crypto._load(config)}


def write_raw(channel, *, secrets: dict, config: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE channels_channel SET secrets = %s, config = %s WHERE id = %s",
                       [connection.ops.adapt_json_value(secrets, None), connection.ops.adapt_json_value(config, None),
                        channel.pk])


def token_of(stored: str) -> bytes:
    assert stored.startswith(crypto.PREFIX)
    return stored.removeprefix(crypto.PREFIX).encode()


@pytest.mark.parametrize("kind, plain", [
    ("whatsapp", [WA_TOKEN, APP_SECRET]), ("telegram", [BOT_TOKEN]), ("email", [SMTP_PASSWORD]),
])
def test_the_database_never_holds_a_secret_in_plain_text(madiun, admin, kind, plain):
    channel = create(madiun, admin, kind)
    stored = json.dumps(raw(channel))
    for secret in plain:
        assert secret not in stored
    if kind == "telegram":
        assert channel.config["webhook_secret"] not in stored
        assert raw(channel)["config"]["webhook_secret"].startswith(crypto.PREFIX)
    if kind == "whatsapp":
        assert channel.config["verify_token"] not in stored
        assert raw(channel)["config"]["phone_number_id"] == "106540352242922"   # the rest of config stays readable
    assert all(value.startswith(crypto.PREFIX) for value in raw(channel)["secrets"].values())


def test_secrets_read_back_plain_for_the_providers(madiun, admin):
    channel = create(madiun, admin)
    again = Channel.objects.get(pk=channel.pk)
    assert again.secrets == {"access_token": WA_TOKEN, "app_secret": APP_SECRET}
    assert again.status == Channel.Status.ACTIVE and again.unreadable_secrets == []
    updated = channel_services.update_channel(actor=admin, channel=again, expected_version=again.version,
                                              name=again.name, config=again.config,
                                              secrets={"access_token": "token-baru-at-rest"}, rate_per_second=80)
    assert Channel.objects.get(pk=channel.pk).secrets == {"access_token": "token-baru-at-rest",
                                                          "app_secret": APP_SECRET}
    assert "token-baru-at-rest" not in json.dumps(raw(updated))


def test_dumpdata_writes_the_secrets_encrypted_and_loaddata_opens_them(madiun, admin, tmp_path):
    channel = create(madiun, admin)
    dump = tmp_path / "channels.json"
    call_command("dumpdata", "channels.channel", output=str(dump), verbosity=0)
    assert WA_TOKEN not in dump.read_text() and APP_SECRET not in dump.read_text()
    write_raw(channel, secrets={}, config={})
    call_command("loaddata", str(dump), verbosity=0)
    assert Channel.objects.get(pk=channel.pk).secrets == {"access_token": WA_TOKEN, "app_secret": APP_SECRET}


def test_rotation_reencrypts_with_the_first_key_and_is_idempotent(madiun, admin):
    with override_settings(SECRETS_KEY=KEY_A):
        wa, tg = create(madiun, admin), create(madiun, admin, "telegram")
        webhook_secret = tg.config["webhook_secret"]
    with override_settings(SECRETS_KEY=f"{KEY_B},{KEY_A}"):
        assert Channel.objects.get(pk=wa.pk).secrets == {"access_token": WA_TOKEN, "app_secret": APP_SECRET}
        out = io.StringIO()
        call_command("reencrypt_channel_secrets", stdout=out)
        # Two WhatsApp secrets and its verify token, the bot token and its webhook secret.
        assert "5 rahasia dienkripsi ulang dengan kunci pertama" in out.getvalue()
        assert "(2 kanal ditulis ulang)" in out.getvalue()
        assert AuditEntry.objects.filter(action="channel.secrets_reencrypted").count() == 2
        before = raw(wa), raw(tg)
        again = io.StringIO()
        call_command("reencrypt_channel_secrets", stdout=again)
        assert "0 rahasia dienkripsi ulang" in again.getvalue() and "5 sudah memakai kunci pertama" in again.getvalue()
        assert (raw(wa), raw(tg)) == before
    assert Fernet(KEY_B).decrypt(token_of(raw(wa)["secrets"]["access_token"])).decode() == WA_TOKEN
    assert Fernet(KEY_B).decrypt(token_of(raw(tg)["config"]["webhook_secret"])).decode() == webhook_secret
    with override_settings(SECRETS_KEY=KEY_B):
        assert Channel.objects.get(pk=wa.pk).secrets == {"access_token": WA_TOKEN, "app_secret": APP_SECRET}
        assert Channel.objects.get(pk=tg.pk).secrets == {"bot_token": BOT_TOKEN}


def test_the_command_fails_loudly_on_a_secret_no_key_opens_and_keeps_it(madiun, admin):
    with override_settings(SECRETS_KEY=KEY_A):
        channel = create(madiun, admin)
    stored = raw(channel)
    with override_settings(SECRETS_KEY=KEY_B), pytest.raises(CommandError, match="3 rahasia tidak dapat dibuka"):
        call_command("reencrypt_channel_secrets", stdout=io.StringIO())
    assert raw(channel) == stored


def test_a_wrong_key_breaks_the_channel_with_a_clear_message_not_a_500(client_for, madiun, admin):
    with override_settings(SECRETS_KEY=KEY_A):
        channel = create(madiun, admin)
    stored = raw(channel)
    with override_settings(SECRETS_KEY=KEY_B):
        loaded = Channel.objects.get(pk=channel.pk)
        assert loaded.status == Channel.Status.BROKEN
        assert sorted(loaded.unreadable_secrets) == ["access_token", "app_secret", "verify_token"]
        assert loaded.secrets["access_token"] == ""          # never the token, never something mistaken for one
        client = client_for(admin)
        for url in (reverse("channels:channel_detail", args=[channel.pk]), reverse("channels:channel_list"),
                    reverse("channels:channel_edit", args=[channel.pk])):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "Rahasia kanal tidak dapat dibuka: kunci SECRETS_KEY berbeda" in response.text or \
                "tidak dapat dibuka dengan SECRETS_KEY" in response.text, url
        assert "kunci SECRETS_KEY berbeda" in client.get(reverse("channels:channel_detail", args=[channel.pk])).text
        with pytest.raises(ValidationError, match="kunci SECRETS_KEY berbeda"):
            channel_services.send_test(actor=admin, channel=loaded, to="+6281234567890")
        response = client.post(reverse("channels:channel_test", args=[channel.pk]), {"to": "+6281234567890"},
                               follow=True)
        assert response.status_code == 200 and "kunci SECRETS_KEY berbeda" in response.text
        # A signed webhook cannot be checked: refused (the provider retries), not a 500.
        body = b'{"object": "whatsapp_business_account", "entry": []}'
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        forget_channel(channel)
        response = client.post(reverse("channel_webhook", args=[channel.uuid]), body,
                               content_type="application/json", headers={"X-Hub-Signature-256": signature})
        assert response.status_code == 403
        # Saving asks for the secrets again, naming why; a failed save keeps what is stored.
        def update(**secrets):
            return channel_services.update_channel(
                actor=admin, channel=Channel.objects.get(pk=channel.pk), expected_version=None, name="Kanal baru",
                config={"phone_number_id": "106540352242922"}, secrets=secrets, rate_per_second=80)

        with pytest.raises(ValidationError) as error:
            update(app_secret=APP_SECRET + "-2")
        assert "tidak dapat dibuka dengan SECRETS_KEY" in error.value.message_dict["access_token"][0]
        assert raw(channel) == stored
        assert Channel.objects.values_list("status", flat=True).get(pk=channel.pk) == "active"   # never stored
        # Typed again: the channel works under the new key, with a new verify token (the old one is lost).
        fixed = update(access_token="token-baru-at-rest", app_secret=APP_SECRET + "-2")
        assert fixed.status == Channel.Status.ACTIVE and fixed.unreadable_secrets == []
        assert fixed.secrets == {"access_token": "token-baru-at-rest", "app_secret": APP_SECRET + "-2"}
        assert fixed.config["verify_token"]
        assert raw(channel)["config"]["verify_token"] != stored["config"]["verify_token"]


def test_a_secret_no_key_opens_is_kept_as_stored_when_the_channel_is_saved(client_for, madiun, admin):
    with override_settings(SECRETS_KEY=KEY_A):
        channel = create(madiun, admin, "email")
    stored = raw(channel)["secrets"]["password"]
    with override_settings(SECRETS_KEY=KEY_B):
        response = client_for(admin).get(reverse("channels:channel_edit", args=[channel.pk]))
        assert "Yang tersimpan tidak dapat dibuka dengan SECRETS_KEY saat ini: isi lagi." in response.text
        loaded = Channel.objects.get(pk=channel.pk)
        channel_services.update_channel(actor=admin, channel=loaded, expected_version=loaded.version,
                                        name="Surel baru", config=loaded.config, secrets={}, rate_per_second=5)
        assert raw(channel)["secrets"]["password"] == stored
        assert Channel.objects.get(pk=channel.pk).status == Channel.Status.BROKEN
    with override_settings(SECRETS_KEY=f"{KEY_B},{KEY_A}"):
        back = Channel.objects.get(pk=channel.pk)
        assert back.status == Channel.Status.ACTIVE and back.status_reason == ""
        assert back.name == "Surel baru" and back.secrets["password"] == SMTP_PASSWORD


def test_the_data_migration_encrypts_plain_secrets_and_can_run_again(madiun, admin):
    channel, tg = create(madiun, admin), create(madiun, admin, "telegram")
    plain = {"access_token": WA_TOKEN, "app_secret": APP_SECRET}
    config = {"phone_number_id": "106540352242922", "verify_token": "verify-token-lama"}
    write_raw(channel, secrets=plain, config=config)               # as stored before encryption
    already = raw(tg)
    schema_editor = SimpleNamespace(connection=connection)
    migration.encrypt_stored_secrets(apps, schema_editor)
    stored = raw(channel)
    assert WA_TOKEN not in json.dumps(stored) and "verify-token-lama" not in json.dumps(stored)
    assert stored["config"]["phone_number_id"] == "106540352242922"
    loaded = Channel.objects.get(pk=channel.pk)
    assert loaded.secrets == plain and loaded.config == config
    assert raw(tg) == already                                       # encrypted ones are left alone
    migration.encrypt_stored_secrets(apps, schema_editor)
    assert raw(channel) == stored and raw(tg) == already
    migration.decrypt_stored_secrets(apps, schema_editor)            # the way back
    assert raw(channel) == {"secrets": plain, "config": config}
    assert raw(tg)["secrets"] == {"bot_token": BOT_TOKEN}


def _start(tmp_path, *, production: bool, **env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"SECRET_KEY", "SECRETS_KEY", "DEBUG", "DATABASE_URL", "PYTEST_CURRENT_TEST",
                                "BAKOHUMAS_ENV"}}
    environment.update(DJANGO_SETTINGS_MODULE="bakohumas.settings", BAKOHUMAS_VAR_DIR=str(tmp_path), **env)
    if production:
        environment.update(BAKOHUMAS_ENV="production", SECRET_KEY="k3y-" + "x7Q9" * 11 + "zz")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.SECRETS_KEY)"],
        cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("env", [{}, {"SECRETS_KEY": ""}, {"SECRETS_KEY": "bukan-kunci-fernet"},
                                 {"SECRETS_KEY": f"{KEY_A},bukan-kunci"}],
                         ids=["no-key", "empty-key", "not-a-fernet-key", "second-key-bad"])
@pytest.mark.process
def test_production_refuses_to_start_without_a_valid_secrets_key(env, tmp_path):
    result = _start(tmp_path, production=True, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRETS_KEY" in result.stderr
    assert not (tmp_path / "secrets.key").exists()


@pytest.mark.process
def test_production_starts_with_rotating_keys(tmp_path):
    result = _start(tmp_path, production=True, SECRETS_KEY=f"{KEY_B},{KEY_A}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{KEY_B},{KEY_A}"


@pytest.mark.process
def test_a_laptop_install_generates_its_key_once_into_var(tmp_path):
    first = _start(tmp_path, production=False)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secrets.key"
    assert key_file.read_text().strip() == first.stdout.strip()
    assert key_file.stat().st_mode & 0o077 == 0
    Fernet(first.stdout.strip())
    assert _start(tmp_path, production=False).stdout == first.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("secrets")) == ["secrets.key"]


def test_the_tests_run_with_the_fixed_test_key():
    assert settings.SECRETS_KEY == os.environ["SECRETS_KEY"] == "YmFrb2h1bWFzLXRlc3RzLW9ubHktc2VjcmV0cy1rZXk="
