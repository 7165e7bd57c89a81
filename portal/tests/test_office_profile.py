"""The office profile: edited by the office's admin on /staf/profil-kantor/, shown on the Kontak page and in the
footer of every portal page, visible at once through the page cache."""

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry

URL = "/staf/profil-kantor/"
PROFILE = {
    "contact_address": "Jl. Pahlawan No. 37\nKota Madiun 63122", "contact_phone": "0351-462300",
    "contact_email": "humas@kpu-madiunkota.go.id", "service_hours": "Senin–Jumat 07.30–16.00 WIB",
    "map_url": "https://www.openstreetmap.org/?mlat=-7.63&mlon=111.52", "instagram_url": "instagram.com/kpumadiun",
    "facebook_url": "", "x_url": "https://x.com/kpumadiun", "youtube_url": "", "tiktok_url": "",
}


def test_the_office_admin_edits_the_profile(client_for, make_staff, madiun, django_capture_on_commit_callbacks):
    admin = make_staff(madiun, Role.ADMIN)
    client = client_for(admin)
    assert client.get(URL).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, PROFILE)
    assert response.status_code == 302 and response["Location"] == URL
    madiun.refresh_from_db()
    assert (madiun.contact_phone, madiun.instagram_url) == ("+62351462300", "https://instagram.com/kpumadiun")
    entry = AuditEntry.objects.get(action="office.profile_updated")
    assert (entry.actor, entry.office) == (admin, madiun)
    page = client.get(URL).text
    assert 'value="(0351) 462300"' in page and "Profil kantor disimpan" in page


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.EDITOR, Role.VERIFIER, Role.VIEWER])
def test_other_roles_may_not_edit_it(client_for, make_staff, madiun, role):
    client = client_for(make_staff(madiun, role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, PROFILE).status_code == 403
    madiun.refresh_from_db()
    assert madiun.contact_phone == "" and not AuditEntry.objects.filter(action="office.profile_updated").exists()


def test_an_admin_edits_only_their_own_office(client_for, make_staff, madiun, jatim):
    client = client_for(make_staff(jatim, Role.ADMIN))
    assert client.post(URL, PROFILE).status_code == 302
    jatim.refresh_from_db()
    madiun.refresh_from_db()
    assert jatim.contact_phone == "+62351462300" and madiun.contact_phone == ""


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/masuk/")


def test_bad_links_and_e_mail_are_refused_at_their_fields_in_indonesian(client_for, make_staff, madiun):
    client = client_for(make_staff(madiun, Role.ADMIN))
    response = client.post(URL, {**PROFILE, "map_url": "javascript:alert(1)", "instagram_url": "https://evil.example/",
                                 "contact_email": "humas@"})
    assert response.status_code == 200
    text = response.text
    assert "Tautan peta harus alamat web yang diawali https:// atau http://." in text
    assert "Tautan Instagram harus alamat di instagram.com." in text
    assert "E-mail kantor: “humas@” bukan alamat e-mail yang valid." in text
    assert 'aria-invalid="true"' in text and 'aria-describedby="id_map_url_helptext id_map_url_error"' in text
    madiun.refresh_from_db()
    assert madiun.contact_phone == "" and not AuditEntry.objects.filter(action="office.profile_updated").exists()


def test_the_kontak_page_and_every_footer_show_the_profile_at_once(client, client_for, make_staff, madiun,
                                                                   django_capture_on_commit_callbacks):
    contact = reverse("portal:contact", args=[madiun.slug])
    before = client.get(contact)
    assert before["X-Cache"] == "MISS" and client.get(contact)["X-Cache"] == "HIT"
    assert "Senin–Jumat 08.00–16.00 WIB" in before.text   # no profile yet: the automatic answer's hours
    assert "Alamat dan telepon kantor belum dicantumkan" in before.text
    staff = client_for(make_staff(madiun, Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(URL, PROFILE)
    staff.logout()
    after = client.get(contact)
    assert after["X-Cache"] == "MISS" and after["ETag"] != before["ETag"]
    page = after.text
    assert "Jl. Pahlawan No. 37<br>Kota Madiun 63122" in page
    assert '<a href="tel:+62351462300">(0351) 462300</a>' in page
    assert 'href="mailto:humas@kpu-madiunkota.go.id"' in page and "Senin–Jumat 07.30–16.00 WIB" in page
    # The map is a link that opens outside; nothing on the page loads from another host.
    assert ('<a href="https://www.openstreetmap.org/?mlat=-7.63&amp;mlon=111.52" target="_blank" '
            'rel="noopener noreferrer">') in page
    assert "<iframe" not in page
    assert 'href="https://instagram.com/kpumadiun"' in page and 'href="https://x.com/kpumadiun"' in page
    assert "Facebook" not in page   # only the accounts the office has
    assert reverse("inbox_public:contact", args=[madiun.slug]) in page
    for path in (f"/{madiun.slug}/", f"/{madiun.slug}/jadwal/", f"/{madiun.slug}/kirim-pesan/",
                 f"/{madiun.slug}/lapor-hoaks/"):
        footer = client.get(path).text.split('<footer class="site">')[1]
        assert "(0351) 462300" in footer and "humas@kpu-madiunkota.go.id" in footer, path
        assert "Senin–Jumat 07.30–16.00 WIB" in footer and "Instagram" in footer, path
