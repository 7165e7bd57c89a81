"""What a draft says about its reach: members apart from Telegram groups/channels, and a warning, before it is
submitted, about WhatsApp members whom free text cannot reach (outside the 24-hour window) when no template is set."""

import pytest
from django.urls import reverse

from broadcasts.tests.test_services import draft, receive, template_for
from broadcasts.tests.test_telegram import forum_channel  # noqa: F401 (fixture)


def test_telegram_forum_chats_are_not_counted_as_members(madiun, forum_channel, make_member,  # noqa: F811
                                                         operator, client_for):
    for n in range(4):
        make_member(madiun, telegram=f"44444444{n}")
    broadcast = draft(operator, madiun, include_channel_chats=True)
    page = client_for(operator).get(reverse("broadcasts:broadcast_detail", args=[broadcast.pk])).text
    assert "4 anggota dan 2 grup/kanal Telegram akan menerima siaran ini" in page
    assert "6 anggota" not in page


@pytest.mark.parametrize("with_template", [False, True])
def test_whatsapp_members_outside_the_window_are_named_before_submitting(with_template, madiun, admin, operator,
                                                                          wa_channel, fake_wa, make_member,
                                                                          client_for):
    for n in range(3):
        make_member(madiun, whatsapp=f"08123000000{n}")
    receive(wa_channel, "Halo, kapan rapat?", "+6281230000000")   # one of them wrote in the last 24 hours
    values = {"template": template_for(wa_channel, admin), "template_parameters": ["{nama}", "jadwal"]} \
        if with_template else {}
    broadcast = draft(operator, madiun, **values)
    page = client_for(operator).get(reverse("broadcasts:broadcast_detail", args=[broadcast.pk])).text
    warning = "2 penerima WhatsApp tidak menulis ke satker dalam 24 jam terakhir"
    assert (warning in page) is not with_template
