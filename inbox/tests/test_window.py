"""channels.window: the one rule for WhatsApp's 24-hour window and the one free-text-or-template choice."""

from datetime import timedelta

from django.utils import timezone

from broadcasts.tests.test_services import receive, template_for
from channels import window


def test_the_window_opens_when_the_person_writes_and_only_for_them(wa_channel, tg_channel, madiun):
    assert window.open_for(wa_channel, {"+6281230000001", "+6281230000002"}) == set()
    receive(wa_channel, "Halo", "+6281230000001")
    assert window.open_for(wa_channel, {"+6281230000001", "+6281230000002"}) == {"+6281230000001"}
    assert window.senders_in_window(wa_channel) == {"+6281230000001"}
    assert window.open_for(tg_channel, {"111", "222"}) == {"111", "222"}   # no window on Telegram
    assert window.open_since(wa_channel, timezone.now() - timedelta(hours=23))
    assert not window.open_since(wa_channel, timezone.now() - timedelta(hours=25))
    assert not window.open_since(wa_channel, None)


def test_free_text_inside_the_window_the_template_outside_and_a_reason_without_one(wa_channel, tg_channel, admin):
    approved = template_for(wa_channel, admin)
    pending = template_for(wa_channel, admin, status="PENDING", name="menunggu")
    assert window.free_text_or_template(channel=wa_channel, window_open=True, template=None).free_text
    assert window.free_text_or_template(channel=tg_channel, window_open=False, template=None).free_text
    assert window.free_text_or_template(channel=wa_channel, window_open=False, template=approved).template == approved
    for template in (None, pending):
        choice = window.free_text_or_template(channel=wa_channel, window_open=False, template=template)
        assert not choice.free_text and choice.template is None and "24 jam" in choice.refused
