"""Outbound requests cannot be aimed at other hosts: fixed provider endpoints outside dev/test, an allow-list from the
environment, no private addresses after DNS resolution, tokens only to the provider, secrets typed again when the
server they are sent to changes."""

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from channels import aio, http
from channels import services as channel_services
from channels.fakes import FakeTelegram, FakeWhatsApp
from channels.forms import ChannelForm
from channels.providers import telegram, whatsapp
from channels.providers.base import MediaError
from lib.outbound import DEFAULT_OUTBOUND_HOSTS, host_matches, is_public_address, parse_hosts

ROOT = Path(__file__).resolve().parents[2]
WA_TOKEN = "EAAJB-rahasia-token-akses"
BOT_TOKEN = "7000000001:AAFakeTokenForTests"
PRODUCTION_LIKE = override_settings(CHANNELS_ALLOW_CUSTOM_ENDPOINTS=False)


def create_wa(office, admin, base_url=""):
    return channel_services.create_channel(
        actor=admin, office=office, kind="whatsapp", name="WhatsApp Humas",
        config={"phone_number_id": "106540352242922", "base_url": base_url},
        secrets={"access_token": WA_TOKEN, "app_secret": "rahasia-app"})


def update(channel, *, config, secrets=None):
    return channel_services.update_channel(actor=channel.created_by, channel=channel, expected_version=None,
                                           name=channel.name, config=config, secrets=secrets or {},
                                           rate_per_second=channel.rate_per_second)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.message_dict


# No free base URL in production ---------------------------------------------------------------------------------

@PRODUCTION_LIKE
def test_production_refuses_a_custom_base_url(madiun, admin):
    for url in ("https://penyerang.contoh.id/v25.0", "http://127.0.0.1:9/", "http://169.254.169.254/"):
        [message] = errors_of(lambda url=url: create_wa(madiun, admin, url))["base_url"]
        assert message == "Kanal ini hanya memakai https://graph.facebook.com/v25.0: kosongkan alamat ini."
    assert create_wa(madiun, admin, "").config["base_url"] == ""
    own = channel_services.create_channel(   # the provider's own address is fine
        actor=admin, office=madiun, kind="whatsapp", name="WA 2",
        config={"phone_number_id": "1", "base_url": whatsapp.GRAPH_URL + "/"},
        secrets={"access_token": "t", "app_secret": "s"})
    assert own.provider.base_url(own) == whatsapp.GRAPH_URL
    tg = errors_of(lambda: channel_services.create_channel(
        actor=admin, office=madiun, kind="telegram", name="Bot", config={"base_url": "https://bot.contoh.id"},
        secrets={"bot_token": BOT_TOKEN}))
    assert "base_url" in tg


def test_the_base_url_field_exists_only_where_custom_endpoints_are_allowed():
    assert "base_url" in ChannelForm(kind="whatsapp").fields
    with PRODUCTION_LIKE:
        for kind in ("whatsapp", "telegram"):
            form = ChannelForm({"name": "x", "base_url": "https://penyerang.contoh.id"}, kind=kind)
            assert "base_url" not in form.fields
            form.is_valid()
            assert form.service_values()["config"].get("base_url", "") == ""


def test_a_stored_custom_base_url_is_ignored_in_production(madiun, admin):
    with FakeWhatsApp() as fake:
        channel = create_wa(madiun, admin, fake.url)
        assert whatsapp.WhatsAppCloud().base_url(channel) == fake.url
        with PRODUCTION_LIKE:
            assert whatsapp.WhatsAppCloud().base_url(channel) == whatsapp.GRAPH_URL
            with pytest.raises(MediaError, match="graph.facebook.com refused"):   # not on this test's allow-list
                channel.provider.fetch_media(channel, "1", max_bytes=1000)
        assert fake.requests == []   # the token never went to the stored address


# The allow-list --------------------------------------------------------------------------------------------------

def test_the_allow_list_comes_from_the_environment_with_the_provider_hosts_as_default():
    assert parse_hosts(None) == list(DEFAULT_OUTBOUND_HOSTS)
    assert {"graph.facebook.com", "api.telegram.org", "lookaside.fbsbx.com", "*.fbcdn.net",
            "*.whatsapp.net"} <= set(DEFAULT_OUTBOUND_HOSTS)
    assert parse_hosts(" Graph.Facebook.com, *.fbcdn.net ,,proxy.kpu.go.id ") == [
        "graph.facebook.com", "*.fbcdn.net", "proxy.kpu.go.id"]
    assert parse_hosts("") == []

    def settings_in(env: dict) -> dict:
        code = ("import json, bakohumas.settings as s; print(json.dumps([s.OUTBOUND_HTTP_ALLOWED_HOSTS, "
                "s.CHANNELS_ALLOW_CUSTOM_ENDPOINTS]))")
        base = {k: v for k, v in os.environ.items() if k not in ("OUTBOUND_HTTP_ALLOWED_HOSTS", "DEBUG",
                                                                   "CHANNELS_ALLOW_CUSTOM_ENDPOINTS")}
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                                env={**base, "BAKOHUMAS_ENV": "production", "SECRET_KEY": "x" * 50, **env})
        return json.loads(result.stdout)

    assert settings_in({}) == [list(DEFAULT_OUTBOUND_HOSTS), False]
    assert settings_in({"OUTBOUND_HTTP_ALLOWED_HOSTS": "graph.facebook.com,*.fbcdn.net"}) == [
        ["graph.facebook.com", "*.fbcdn.net"], False]


def test_host_patterns():
    patterns = ["graph.facebook.com", "*.fbcdn.net"]
    assert host_matches("graph.facebook.com", patterns) and host_matches("scontent.xx.fbcdn.net", patterns)
    assert not host_matches("fbcdn.net", patterns) and not host_matches("evilfbcdn.net", patterns)
    assert not host_matches("graph.facebook.com.penyerang.id", patterns)


def test_the_setting_refuses_hosts_outside_the_list(monkeypatch):
    monkeypatch.setattr(http, "_override", http._UNSET)
    with override_settings(OUTBOUND_HTTP_ALLOWED_HOSTS=list(DEFAULT_OUTBOUND_HOSTS)), PRODUCTION_LIKE:
        assert http.check_url("https://mmg.whatsapp.net/v/t62/x.jpg") == "mmg.whatsapp.net"
        for url in ("https://penyerang.contoh.id/", "http://127.0.0.1:8000/", "http://localhost:8000/",
                    "http://[::1]/", "http://169.254.169.254/latest/meta-data/"):
            with pytest.raises(http.HostNotAllowed):
                http.check_url(url)


# Private addresses after DNS resolution ---------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.1.10", "172.16.0.5", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1",  # noqa: S104
                                     "::ffff:127.0.0.1"])
def test_non_public_addresses(address):
    assert not is_public_address(address)


def test_public_addresses():
    assert is_public_address("157.240.22.35") and is_public_address("2a03:2880:f12f:83:face:b00c:0:25de")


def fake_dns(monkeypatch, table: dict[str, list[str]]):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in table:
            return real(host, port, family, type, proto, flags)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port or 0, 0, 0) if ":" in a else (a, port or 0)) for a in table[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_resolving_to_a_private_address_is_refused_when_not_allowed(monkeypatch):
    fake_dns(monkeypatch, {"intranet.contoh.id": ["10.1.2.3"], "campuran.contoh.id": ["157.240.22.35", "127.0.0.1"],
                           "meta.contoh.id": ["169.254.169.254"]})
    with FakeWhatsApp() as fake, PRODUCTION_LIKE, http.allowed_hosts(
            ["localhost", "intranet.contoh.id", "campuran.contoh.id", "meta.contoh.id"]):
        port = fake.url.rsplit(":", 1)[1]
        for host in ("localhost", "intranet.contoh.id", "campuran.contoh.id", "meta.contoh.id"):
            with pytest.raises(http.HostNotAllowed, match="resolves to"):
                http.get_json(f"http://{host}:{port}/1", timeout=2)
        assert fake.requests == []
    # Where custom endpoints are allowed (tests, make run) the loopback fake is reachable by name too.
    with FakeWhatsApp() as fake, http.allowed_hosts(["localhost"]):
        assert http.get_json(f"http://localhost:{fake.url.rsplit(':', 1)[1]}/1", timeout=2).status == 401
        assert len(fake.requests) == 1


def test_the_resolver_passes_public_names(monkeypatch):
    fake_dns(monkeypatch, {"graph.contoh.id": ["157.240.22.35"]})

    async def resolve():
        resolver = http.PublicOnlyResolver()
        try:
            return await resolver.resolve("graph.contoh.id", 443)
        finally:
            await resolver.close()

    with PRODUCTION_LIKE:   # on the provider loop, as the senders run it (independent of any loop a test left)
        [address] = aio.run(resolve())
    assert address["host"] == "157.240.22.35" and address["port"] == 443


# The WhatsApp token goes to Meta only ---------------------------------------------------------------------------

class ElsewhereWhatsApp(FakeWhatsApp):
    """A "Graph API" whose media lookup answers with a download address on another server."""

    elsewhere = ""

    def media_answer(self, path, headers, *, download):
        answer, label = super().media_answer(path, headers, download=download)
        if not download and answer.status == 200:
            answer.body = {**answer.body, "url": f"{self.elsewhere}/media/{answer.body['id']}"}
        return answer, label


def test_the_media_download_never_sends_the_token_to_another_host(madiun, admin, caplog):
    with ElsewhereWhatsApp() as graph, FakeWhatsApp() as recorder:
        graph.media["1003383421387256"] = (b"\xff\xd8gambar", "image/jpeg")
        recorder.media["1003383421387256"] = (b"\xff\xd8gambar", "image/jpeg")
        graph.elsewhere = recorder.url   # same 127.0.0.1, another port: another server
        channel = create_wa(madiun, admin, graph.url)
        with caplog.at_level(logging.WARNING), pytest.raises(MediaError) as error:
            channel.provider.fetch_media(channel, "1003383421387256", max_bytes=10_000)
        assert error.value.retryable is False
        assert recorder.requests == []
        assert [r.headers.get("authorization") for r in graph.requests] == [f"Bearer {WA_TOKEN}"]
    assert "not a Meta host" in caplog.text and WA_TOKEN not in caplog.text


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133", True),
    ("https://scontent.xx.fbcdn.net/v/t61/x.jpg", True),
    ("https://mmg.whatsapp.net/d/f/x.enc", True),
    ("http://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133", False),   # not over plain HTTP
    ("https://lookaside.fbsbx.com:8443/x", False),
    ("https://lookaside.fbsbx.com.penyerang.id/x", False),
    ("https://penyerang.id/lookaside.fbsbx.com", False),
    ("https://user@penyerang.id/x", False),
    ("http://127.0.0.1:9/media/1", False),
])
def test_which_media_urls_may_get_the_token(url, allowed):
    assert whatsapp.token_may_go_to(url, whatsapp.GRAPH_URL) is allowed
    with PRODUCTION_LIKE:
        assert whatsapp.token_may_go_to(url, "http://127.0.0.1:9") is allowed   # no custom endpoint in production


def test_the_channels_own_fake_endpoint_gets_the_token_in_tests():
    assert whatsapp.token_may_go_to("http://127.0.0.1:9/media/1", "http://127.0.0.1:9")
    assert not whatsapp.token_may_go_to("http://127.0.0.1:10/media/1", "http://127.0.0.1:9")
    assert not whatsapp.token_may_go_to("https://127.0.0.1:9/media/1", "http://127.0.0.1:9")


def test_the_media_of_the_fake_still_downloads(madiun, admin):
    with FakeWhatsApp(token=WA_TOKEN) as fake:
        fake.media["1003383421387256"] = (b"\xff\xd8gambar", "image/jpeg")
        channel = create_wa(madiun, admin, fake.url)
        assert channel.provider.fetch_media(channel, "1003383421387256", max_bytes=10_000) == (
            b"\xff\xd8gambar", "image/jpeg")


# Secrets typed again when their server changes -------------------------------------------------------------------

def test_moving_the_whatsapp_endpoint_needs_the_token_again(madiun, admin):
    with FakeWhatsApp() as first, FakeWhatsApp() as second:
        channel = create_wa(madiun, admin, first.url)
        config = {"phone_number_id": "106540352242922", "base_url": second.url}
        errors = errors_of(lambda: update(channel, config=config, secrets={"access_token": " "}))
        assert errors["access_token"] == ["Masukkan lagi Token akses permanen (System User access token) karena "
                                          "alamat server berubah: yang tersimpan tidak dikirim ke server lain."]
        channel.refresh_from_db()
        assert channel.config["base_url"] == first.url
        # Back to the provider's own address is a change too.
        assert "access_token" in errors_of(lambda: update(channel, config={**config, "base_url": ""}))
        moved = update(channel, config=config, secrets={"access_token": "token-baru"})
        assert moved.config["base_url"] == second.url and moved.secrets["access_token"] == "token-baru"
        kept = update(moved, config={**config, "display_phone": "+62 351 000000"})   # same server: blank keeps
        assert kept.secrets == {"access_token": "token-baru", "app_secret": "rahasia-app"}


def test_moving_the_telegram_endpoint_needs_the_bot_token_again(madiun, admin):
    with FakeTelegram() as first, FakeTelegram() as second:
        channel = channel_services.create_channel(actor=admin, office=madiun, kind="telegram", name="Bot",
                                                  config={"base_url": first.url}, secrets={"bot_token": BOT_TOKEN})
        assert "bot_token" in errors_of(lambda: update(channel, config={"base_url": second.url}))
        assert update(channel, config={"base_url": first.url}).secrets == {"bot_token": BOT_TOKEN}


@pytest.mark.parametrize("change", [{"host": "smtp.penyerang.id"}, {"port": "2525"}, {"username": "lain"},
                                    {"security": "none"}])
def test_changing_the_smtp_server_needs_the_password_again(madiun, admin, change):
    config = {"host": "smtp.kpu-madiun.go.id", "port": "587", "security": "starttls", "username": "humas",
              "from_email": "humas@kpu-madiun.go.id"}
    channel = channel_services.create_channel(actor=admin, office=madiun, kind="email", name="Surel",
                                              config=config, secrets={"password": "kata-sandi-smtp"})
    errors = errors_of(lambda: update(channel, config={**config, **change}))
    assert errors["password"][0].startswith("Masukkan lagi Kata sandi SMTP karena alamat server berubah")
    assert update(channel, config={**config, **change}, secrets={"password": "sandi-baru"}).secrets == {
        "password": "sandi-baru"}
    assert update(channel, config={**config, **change, "reply_to": "balas@kpu.go.id"}).secrets == {
        "password": "sandi-baru"}


def test_the_channel_form_shows_the_error_on_the_secret_field(client_for, madiun, admin):
    with FakeTelegram() as first, FakeTelegram() as second:
        first_url = first.url
        channel = channel_services.create_channel(actor=admin, office=madiun, kind="telegram", name="Bot",
                                                  config={"base_url": first.url}, secrets={"bot_token": BOT_TOKEN})
        response = client_for(admin).post(f"/staf/kanal/{channel.pk}/ubah/", {
            "name": "Bot", "rate_per_second": "30", "base_url": second.url, "version": channel.version})
    assert response.status_code == 200
    assert "karena alamat server berubah" in response.text
    channel.refresh_from_db()
    assert channel.config["base_url"] == first_url


def test_telegram_sends_to_the_fixed_api_in_production(madiun, admin):
    with FakeTelegram() as fake:
        channel = channel_services.create_channel(actor=admin, office=madiun, kind="telegram", name="Bot",
                                                  config={"base_url": fake.url}, secrets={"bot_token": BOT_TOKEN})
        with PRODUCTION_LIKE:
            assert telegram.TelegramBot().base_url(channel) == telegram.API_URL
            with pytest.raises(http.HostNotAllowed):
                channel.provider.register_webhook(channel, "https://bakohumas.kpu.go.id/webhooks/x/")
        assert fake.requests == []
