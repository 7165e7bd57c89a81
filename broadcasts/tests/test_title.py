"""A broadcast title is one line (it becomes the e-mail subject), and a stored bad one can never stop sending."""

import pytest
from django.core.exceptions import ValidationError

from broadcasts import engine, services
from broadcasts.forms import BroadcastForm
from broadcasts.models import Broadcast, Delivery
from broadcasts.tests.test_email import FROM, email_channel, smtp  # noqa: F401 (smtp is a fixture)
from channels.providers.base import OutgoingMessage
from channels.providers.email import SmtpEmail

BREAKS = ["Undangan\nrapat", "Undangan\r\nBcc: orang@luar.test", "Undangan\rrapat", "Undangan\u2028rapat",
          "Undangan\x0brapat", "Undangan\x85rapat"]


@pytest.mark.parametrize("title", BREAKS)
def test_the_service_refuses_a_title_of_more_than_one_line(madiun, operator, title):
    with pytest.raises(ValidationError) as error:
        services.create_broadcast(actor=operator, office=madiun, title=title, text="Info tahapan",
                                  audience_all=True)
    assert "satu baris" in error.value.message_dict["title"][0]
    assert not Broadcast.objects.exists()


def test_the_form_refuses_a_title_of_more_than_one_line(madiun):
    form = BroadcastForm({"title": "Undangan\nrapat", "text": "Info tahapan", "audience_all": "on"}, office=madiun)
    assert not form.is_valid()
    assert "satu baris" in form.errors["title"][0]
    assert BroadcastForm({"title": "Undangan rapat", "text": "Info tahapan", "audience_all": "on"},
                         office=madiun).is_valid()


def test_the_email_provider_collapses_whitespace_in_the_subject(madiun, admin):
    channel = email_channel(madiun, admin, 2525)
    for title in BREAKS:
        email = SmtpEmail().build(channel, OutgoingMessage(to="a@contoh.id", text="Isi", subject=title))
        message = email.message()   # raised BadHeaderError before
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        assert message["Subject"].startswith("Undangan ") and "Bcc" not in message.keys()


def test_a_stored_title_with_a_line_break_is_still_sent(madiun, admin, smtp, make_member, send_broadcast):  # noqa: F811
    channel = email_channel(madiun, admin, smtp.port)
    make_member(madiun, email="anggota@contoh.id")
    broadcast = send_broadcast(madiun, title="Undangan rapat")
    Broadcast.objects.filter(pk=broadcast.pk).update(title="Undangan\r\nrapat  koordinasi")   # written before the fix
    stats = engine.pump(channel.pk, seconds=10)
    assert (stats.accepted, stats.failed) == (1, 0)
    assert smtp.to("anggota@contoh.id")["Subject"] == "Undangan rapat koordinasi"
    assert smtp.to("anggota@contoh.id")["From"] == FROM
    assert broadcast.deliveries.get().status == Delivery.Status.SENT
