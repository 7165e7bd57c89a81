"""Cancelling a broadcast asks first, and the page's history reads as sentences."""

from django.urls import reverse

from accounts.models import Role
from broadcasts import services


def test_cancel_asks_first_and_the_history_says_what_happened(client_for, operator, editor, madiun, kab_madiun,
                                                              outbox, make_member, make_staff):
    make_member(madiun, "Budi Santoso", whatsapp="081230000001")
    broadcast = services.create_broadcast(actor=operator, office=madiun, title="Jadwal kampanye",
                                          text="*Jadwal* kampanye", audience_all=True)
    services.submit_broadcast(actor=operator, broadcast=broadcast)
    services.approve_broadcast(actor=editor, broadcast=broadcast)
    services.start_broadcast(broadcast_id=broadcast.pk)
    url = reverse("broadcasts:broadcast_detail", args=[broadcast.pk])
    page = client_for(operator).get(url).text
    assert 'data-confirm="Batalkan siaran ini?' in page
    assert "mengajukan siaran «" in page and "broadcast.submitted" not in page
    assert client_for(make_staff(kab_madiun, Role.ADMIN)).get(url).status_code == 404
