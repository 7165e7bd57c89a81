"""What staff read on the channel pages: Indonesian labels with Meta's term in brackets, choices instead of
provider words, confirmations without raw ids."""

import pytest
from django.urls import reverse

from channels.forms import ChannelForm


def test_the_whatsapp_form_names_each_field_in_indonesian_with_metas_term_and_where_to_find_it():
    form = ChannelForm(kind="whatsapp")
    for name, meta_term in (("phone_number_id", "(Phone number ID)"), ("business_account_id", "(WABA ID)"),
                            ("access_token", "(System User access token)"), ("app_secret", "(App secret)")):
        field = form.fields[name]
        assert str(field.label).endswith(meta_term), field.label
        assert str(field.label)[0].isupper() and field.help_text, name


def test_the_smtp_security_setting_is_a_choice(madiun, admin, client_for):
    form = ChannelForm(kind="email")
    assert [value for value, _label in form.fields["security"].choices] == ["", "starttls", "ssl", "none"]
    response = client_for(admin).post(reverse("channels:channel_create", args=["email"]), {
        "name": "Surel", "host": "127.0.0.1", "port": "25", "security": "tls", "from_email": "humas@kpu.test"})
    assert response.status_code == 200
    assert "tls" not in [value for value, _label in response.context["form"].fields["security"].choices]
    assert response.context["form"].errors.get("security")


@pytest.mark.parametrize("language", ["id"])
def test_a_test_send_confirmation_shows_no_provider_id(language, madiun, admin, wa_channel, fake_wa, client_for):
    response = client_for(admin).post(reverse("channels:channel_test", args=[wa_channel.pk]),
                                      {"to": "0812-3000-0001"}, follow=True)
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "diterima" in shown and "wamid" not in shown and "ID" not in shown.split(":")[0]
