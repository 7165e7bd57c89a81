"""Meta re-categorises an approved template (template_category_update): the stored category follows, the change
is audited, and the channel page says so."""

import hashlib
import hmac
from pathlib import Path

import pytest

from audit.models import AuditEntry
from channels import services as channel_services
from channels.models import Template

APP_SECRET = "uji-app-secret"
HOOKS = Path(__file__).parent / "fixtures" / "whatsapp" / "webhooks"


@pytest.fixture
def wa(madiun, admin):
    return channel_services.create_channel(
        actor=admin, office=madiun, kind="whatsapp", name="WhatsApp Humas",
        config={"phone_number_id": "106540352242922"},
        secrets={"access_token": "EAAJB-uji", "app_secret": APP_SECRET})


@pytest.fixture
def template(wa, admin):
    return channel_services.save_template(actor=admin, channel=wa, name="info_siaran", language="id",
                                          body="Yth. {{1}}, informasi baru: {{2}}", category="UTILITY",
                                          status="APPROVED")


def post(client, channel, name: str, secret: str = APP_SECRET):
    raw = (HOOKS / name).read_bytes()
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return client.post(f"/webhooks/{channel.uuid}/", data=raw, content_type="application/json",
                       headers={"X-Hub-Signature-256": signature})


def test_a_signed_category_update_changes_the_template_and_the_page_says_so(client, client_for, wa, template,
                                                                           admin):
    answer = post(client, wa, "template_category_update.json")
    assert answer.status_code == 200 and answer.json()["templates"] == 1
    template.refresh_from_db()
    assert template.category == Template.Category.MARKETING
    entry = AuditEntry.objects.get(action="template.category_changed")
    assert (entry.target_id, entry.before, entry.after["category"]) == (str(template.pk), {"category": "UTILITY"},
                                                                        "MARKETING")
    assert post(client, wa, "template_category_update.json").json()["templates"] == 0   # a retry: once
    assert AuditEntry.objects.filter(action="template.category_changed").count() == 1
    page = client_for(admin).get(f"/staf/kanal/{wa.pk}/").content.decode()
    assert "Kategori diubah oleh Meta dari Utilitas ke Pemasaran pada 8 Des 2025 07.00 WIB" in page


def test_a_forged_or_impending_update_changes_nothing(client, wa, template):
    assert post(client, wa, "template_category_update.json", secret="bukan-rahasia").status_code == 403
    assert post(client, wa, "template_category_update_impending.json").status_code == 200
    template.refresh_from_db()
    assert template.category == Template.Category.UTILITY
    assert not AuditEntry.objects.filter(action="template.category_changed").exists()
