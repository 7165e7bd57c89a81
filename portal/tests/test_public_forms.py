"""The citizen-facing forms on the portal (contact, hoax report, self-registration, unsubscribe): the portal's header
and footer, every error tied to its field (aria-invalid, aria-describedby, the error's id) and listed in a summary
at the top that links to the field."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from bakohumas import spamguard
from broadcasts.rendering import unsubscribe_token
from factcheck import public as factcheck_public
from inbox import public as inbox_public
from members import services as members
from members.models import Address, Member


class Elements(HTMLParser):
    """Every element's attributes by id, every <a href> and every <label for>."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.hrefs: list[str] = []
        self.label_for: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.by_id[attrs["id"]] = {"tag": tag, **attrs}
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "label" and "for" in attrs:
            self.label_for.add(attrs["for"])


@pytest.fixture(autouse=True)
def _no_fill_time(monkeypatch):
    monkeypatch.setattr(spamguard, "MIN_FILL_SECONDS", 0)


def assert_tied(page: Elements, field_id: str, *, help_text: bool = False):
    """The field is marked invalid, described by its error (and its help), labelled, and linked from the summary."""
    element = page.by_id[field_id]
    assert element.get("aria-invalid") == "true", field_id
    described = element["aria-describedby"].split()
    assert f"{field_id}_error" in described and f"{field_id}_error" in page.by_id, field_id
    if help_text:
        assert f"{field_id}_helptext" in described and f"{field_id}_helptext" in page.by_id, field_id
    assert field_id in page.label_for, field_id
    assert f"#{field_id}" in page.hrefs, field_id


def assert_portal_frame(html: str, office):
    assert f'class="brand" href="/{office.slug}/"' in html   # the office's portal header
    assert 'href="/masuk/"' in html and f'href="/{office.slug}/kontak/"' in html   # and its footer
    assert "css/portal.css" in html and "css/app.css" not in html


def test_the_contact_form_ties_each_error_to_its_field(client, madiun):
    url = reverse("inbox_public:contact", args=[madiun.slug])
    assert_portal_frame(client.get(url).text, madiun)
    # The form's own checks: name and message are required.
    response = client.post(url, {"name": "", "message": "", "started": inbox_public.form_token()})
    page = Elements(response.text)
    assert 'data-autofocus' in response.text and "Periksa kembali isian berikut" in response.text
    assert_tied(page, "id_name")
    assert_tied(page, "id_message")
    assert "Tulis nama Anda." in response.text and "Tulis pesan Anda." in response.text
    assert "aria-invalid" not in page.by_id["id_email"]
    # The service's checks: a bad number and the consent box, reported at their fields.
    response = client.post(url, {"name": "Budi", "message": "Kapan DPT diumumkan?", "whatsapp": "123",
                                 "started": inbox_public.form_token()})
    page = Elements(response.text)
    assert_tied(page, "id_whatsapp")
    assert_tied(page, "id_agree")
    assert page.by_id["id_whatsapp"]["type"] == "tel" and page.by_id["id_whatsapp"]["autocomplete"] == "tel"
    assert page.by_id["id_email"]["type"] == "email" and page.by_id["id_name"]["autocomplete"] == "name"


def test_the_report_form_ties_the_contact_error_and_describes_the_file_picker(client, madiun):
    url = reverse("factcheck_public:report_form", args=[madiun.slug])
    response = client.get(url)
    assert_portal_frame(response.text, madiun)
    page = Elements(response.text)
    picker = page.by_id["id_media"]
    assert picker["type"] == "file" and picker["accept"] == "image/*"
    assert int(picker["data-max-bytes"]) == 10 * 1024 * 1024
    assert picker["aria-describedby"] == "id_media_helptext" and "paling besar 10 MB" in response.text
    assert 'data-file-for="id_media"' in response.text   # where the chosen file's name is shown
    assert page.by_id["id_consent"]["type"] == "checkbox"
    assert '<label class="check" for="id_consent">' in response.text   # the whole box is the hit area
    response = client.post(url, {"text": "Coblos dua kali boleh", "contact": "0812", "consent": "on",
                                 "started": spamguard.form_token(factcheck_public.REPORT_FORM_SALT)})
    assert response.status_code == 200
    assert_tied(Elements(response.text), "id_contact", help_text=True)


def test_self_registration_uses_the_portal_and_ties_its_errors(client, madiun):
    url = reverse("public:self_register", args=[madiun.registration_token])
    response = client.get(url)
    assert_portal_frame(response.text, madiun)
    # A personal link: not indexed, no canonical address.
    assert '<meta name="robots" content="noindex">' in response.text and 'rel="canonical"' not in response.text
    response = client.post(url, {"full_name": "", "category": "lsm", "website": "",
                                 "started": spamguard.form_token(members.SELF_REGISTRATION_SALT)})
    page = Elements(response.text)
    assert_tied(page, "id_full_name")
    assert_tied(page, "id_agree")
    # A group of checkboxes: the fieldset carries the description, the summary links to its first box.
    assert "#id_purposes_0" in page.hrefs and "id_purposes_error" in page.by_id
    assert 'aria-describedby="id_purposes_error"' in response.text
    assert "Pilih setidaknya satu tujuan yang Anda setujui." in response.text
    assert not Member.objects.exists()


def test_closed_and_done_registration_pages_use_the_portal(client, madiun):
    madiun.registration_open = False
    madiun.save(update_fields=["registration_open"])
    response = client.get(reverse("public:self_register", args=[madiun.registration_token]))
    assert response.status_code == 410
    assert_portal_frame(response.text, madiun)


def test_the_unsubscribe_page_uses_the_portal_also_for_a_bad_link(client, madiun, operator):
    member = members.create_member(actor=operator, office=madiun, full_name="Rudi",
                                   addresses=[members.AddressInput("mailto", "rudi@example.com")])
    address = Address.objects.get(member=member)
    response = client.get(reverse("broadcasts_public:unsubscribe", args=[unsubscribe_token(address.pk)]))
    assert response.status_code == 200
    assert_portal_frame(response.text, madiun)
    assert 'class="primary"' in response.text
    bad = client.get(reverse("broadcasts_public:unsubscribe", args=["tidak-berlaku"]))
    assert bad.status_code == 404 and "Tautan ini tidak berlaku" in bad.text
    assert 'class="brand"' in bad.text and '<meta name="robots" content="noindex">' in bad.text


def test_the_tracking_lookups_tie_their_error_to_the_number(client, madiun):
    for name, number in (("inbox_public:tracking", "BKH-0000-0000"),
                         ("factcheck_public:report_tracking", "CEK-0000-0000")):
        response = client.get(reverse(name, args=[madiun.slug]), {"nomor": number})
        page = Elements(response.text)
        assert page.by_id["nomor"]["aria-invalid"] == "true"
        assert page.by_id["nomor"]["aria-describedby"] == "nomor_helptext nomor_error"
        assert "nomor_error" in page.by_id and "tidak ditemukan" in response.text
        assert_portal_frame(response.text, madiun)
