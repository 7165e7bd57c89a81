import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bakohumas import spamguard
from members import services
from members.models import Member


@pytest.fixture(autouse=True)
def _no_fill_time(monkeypatch):
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)


def form_data(**overrides):
    return {"full_name": "Rudi Hartono", "organization": "Karang Taruna", "category": "lsm", "position": "Ketua",
            "whatsapp": "0813-1234-5678", "email": "", "telegram": "", "purposes": ["informasi"], "agree": "on",
            "website": "", "started": spamguard.form_token(services.SELF_REGISTRATION_SALT), **overrides}


def test_it_shows_the_public_form_with_the_pdp_notice(client, madiun):
    response = client.get(reverse("public:self_register", args=[madiun.registration_token]))
    assert response.status_code == 200
    assert "pelindungan data pribadi" in response.text.lower() and madiun.name in response.text


def test_it_registers_a_pending_member(client, madiun):
    response = client.post(reverse("public:self_register", args=[madiun.registration_token]), form_data())
    assert response.status_code == 200 and "Terima kasih" in response.text
    assert Member.objects.get(full_name="Rudi Hartono").status == Member.Status.PENDING


def test_it_never_reveals_whether_a_number_is_registered(client, madiun, operator):
    url = reverse("public:self_register", args=[madiun.registration_token])
    fresh = client.post(url, form_data(full_name="Pendaftar Baru", whatsapp="0813-9999-0000"))
    owner = services.create_member(actor=operator, office=madiun, full_name="Pemilik Rahasia",
                                   addresses=[services.AddressInput("whatsapp", "0813-1234-5678")])
    known = client.post(url, form_data())
    assert known.status_code == fresh.status_code == 200

    def page(response):   # the masked CSRF token differs on every page
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.text)

    assert page(known) == page(fresh) and "Terima kasih" in page(known)
    assert "sudah terdaftar" not in known.text and "Pemilik Rahasia" not in known.text
    # Nothing is lost and nothing changes hands: staff see the clash on the pending registration.
    pending = Member.objects.get(full_name="Rudi Hartono")
    assert pending.status == Member.Status.PENDING and not pending.addresses.exists()
    assert "Pemilik Rahasia" in pending.notes and "+6281312345678" in pending.notes
    assert [a.value for a in owner.addresses.all()] == ["+6281312345678"]


@pytest.mark.parametrize("overrides", [{"full_name": "<script>x</script>"}, {"whatsapp": "+60123456789"},
                                       {"whatsapp": "", "email": ""}, {"purposes": []}])
def test_it_explains_bad_input(client, madiun, overrides):
    response = client.post(reverse("public:self_register", args=[madiun.registration_token]), form_data(**overrides))
    assert response.status_code == 200 and 'class="error' in response.text
    assert not Member.objects.exists()


def test_closed_registration_and_unknown_token(client, madiun):
    madiun.registration_open = False
    madiun.save()
    assert client.get(reverse("public:self_register", args=[madiun.registration_token])).status_code == 410
    assert client.get(reverse("public:self_register", args=["tidak-ada"])).status_code == 404


def test_a_pending_member_is_only_activated_through_approval(madiun, operator):
    member = services.register_self(office=madiun, data=form_data(purposes=["informasi"]), ip_address="10.0.0.9")
    with pytest.raises(ValidationError, match="disetujui"):
        services.update_member(actor=operator, member=member, expected_version=member.version,
                               full_name=member.full_name, position="", organization=None, status="active",
                               addresses=[services.AddressInput("whatsapp", "0813-1234-5678")], tags=[])


def test_an_unknown_decision_changes_nothing(madiun, operator, client_for):
    member = services.register_self(office=madiun, data=form_data(), ip_address="10.0.0.9")
    response = client_for(operator).post(reverse("members:registration_decide", args=[member.pk]), {"decision": "x"})
    assert response.status_code == 400
    assert Member.objects.get(pk=member.pk).status == Member.Status.PENDING


def test_a_bad_member_id_for_a_group_is_404(madiun, operator, client_for):
    group = services.create_group(actor=operator, office=madiun, name="Rapat", kind="manual")
    response = client_for(operator).post(reverse("members:group_membership", args=[group.pk]),
                                         {"member": "abc", "action": "add"})
    assert response.status_code == 404


@pytest.mark.parametrize(("field", "value"), [("website", "javascript:alert(1)"), ("email", "bukan"),
                                              ("phone", "1" * 40)])
def test_organization_details_are_validated(madiun, operator, field, value):
    with pytest.raises(ValidationError) as info:
        services.create_organization(actor=operator, office=madiun, name="Contoh", category="media",
                                     **{field: value})
    assert field in info.value.message_dict


def test_registrations_from_one_address_are_limited_across_processes(madiun):
    from ops.models import ThrottleHit

    for i in range(services.MAX_REGISTRATIONS_PER_IP_PER_HOUR):
        services.register_self(office=madiun, data=form_data(whatsapp=f"0813-1234-{5000 + i}"),
                               ip_address="198.51.100.7")
    with pytest.raises(ValidationError, match="Terlalu banyak"):
        services.register_self(office=madiun, data=form_data(whatsapp="0813-1234-6000"), ip_address="198.51.100.7")
    # Another address is not affected, and the address itself is not stored.
    services.register_self(office=madiun, data=form_data(whatsapp="0813-1234-6001"), ip_address="198.51.100.8")
    assert not ThrottleHit.objects.filter(key__contains="198.51").exists()


def test_the_client_address_behind_a_trusted_proxy_is_used(client, madiun, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("public:self_register", args=[madiun.registration_token])
    for i in range(services.MAX_REGISTRATIONS_PER_IP_PER_HOUR + 1):
        response = client.post(url, form_data(whatsapp=f"0813-2234-{5000 + i}"), REMOTE_ADDR="127.0.0.1",
                               HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert "Terlalu banyak" not in response.text
