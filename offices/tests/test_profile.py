"""The office's public contact profile: what is stored, what is refused (in Indonesian, per field), the audit row,
and the portal cache dropped after the change."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from audit.models import AuditEntry
from offices.services import update_profile
from portal.caching import current_generation

GOOD = {
    "contact_address": "Jl. Pahlawan No. 37\r\n\r\nKota Madiun   63122",
    "contact_phone": "(0351) 462300",
    "contact_email": "Humas@KPU-Madiunkota.go.id",
    "service_hours": "Senin–Jumat 08.00–16.00 WIB",
    "map_url": "https://www.openstreetmap.org/?mlat=-7.63&mlon=111.52",
    "instagram_url": "instagram.com/kpukotamadiun",
    "facebook_url": "https://m.facebook.com/kpukotamadiun",
    "x_url": "https://twitter.com/kpukotamadiun",
    "youtube_url": "https://youtu.be/abc",
    "tiktok_url": "https://www.tiktok.com/@kpukotamadiun",
}


@pytest.fixture
def admin(make_staff, madiun):
    return make_staff(madiun, Role.ADMIN)


def test_the_profile_is_stored_normalised_and_audited(admin, madiun, django_capture_on_commit_callbacks):
    generation = current_generation()
    with django_capture_on_commit_callbacks(execute=True):
        changed = update_profile(actor=admin, office=madiun, data=GOOD)
    madiun.refresh_from_db()
    assert set(changed) == set(GOOD)
    assert madiun.contact_address == "Jl. Pahlawan No. 37\nKota Madiun 63122"
    assert (madiun.contact_phone, madiun.phone_display) == ("+62351462300", "(0351) 462300")
    assert madiun.contact_email == "humas@kpu-madiunkota.go.id"
    assert madiun.instagram_url == "https://instagram.com/kpukotamadiun"
    assert [label for label, _url in madiun.social_links] == ["Instagram", "Facebook", "X", "YouTube", "TikTok"]
    entry = AuditEntry.objects.get(action="office.profile_updated", target_id=str(madiun.pk))
    assert (entry.actor, entry.office) == (admin, madiun)
    assert entry.before["contact_phone"] == "" and entry.after["contact_phone"] == "+62351462300"
    assert current_generation() > generation   # every cached portal page (footer) is stale now


def test_saving_the_same_profile_again_writes_nothing(admin, madiun, django_capture_on_commit_callbacks):
    update_profile(actor=admin, office=madiun, data=GOOD)
    generation, rows = current_generation(), AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert update_profile(actor=admin, office=madiun, data=GOOD) == []
    assert (current_generation(), AuditEntry.objects.count()) == (generation, rows)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("map_url", "javascript:alert(1)", "Tautan peta harus alamat web yang diawali https:// atau http://."),
    ("map_url", "https://exa mple.com/", "Tautan peta bukan alamat web yang valid."),
    ("instagram_url", "https://instagram.com.evil.example/kpu", "Tautan Instagram harus alamat di instagram.com."),
    ("facebook_url", "ftp://facebook.com/kpu", "Tautan Facebook harus alamat web yang diawali https://"),
    ("x_url", "https://t.co/abc", "Tautan X harus alamat di x.com, twitter.com."),
    ("contact_phone", "123", "Telepon kantor: “123” bukan nomor Indonesia yang valid"),
    ("contact_phone", "+1 202 555 0100", "bukan nomor Indonesia (+62)"),
    ("contact_email", "humas@", "E-mail kantor: “humas@” bukan alamat e-mail yang valid."),
    ("contact_address", "<script>alert(1)</script>", "Alamat kantor tidak boleh berisi kode HTML atau skrip."),
    ("service_hours", "x" * 121, "Jam layanan terlalu panjang (maksimal 120 karakter)."),
])
def test_bad_values_are_refused_naming_the_field(admin, madiun, field, value, message):
    with pytest.raises(ValidationError) as refused:
        update_profile(actor=admin, office=madiun, data={**GOOD, field: value})
    assert list(refused.value.message_dict) == [field]
    assert message in refused.value.message_dict[field][0]
    madiun.refresh_from_db()
    assert madiun.contact_phone == ""
    assert not AuditEntry.objects.filter(action="office.profile_updated").exists()


def test_without_a_text_the_hours_of_the_automatic_answer_are_shown(madiun):
    assert madiun.service_hours_label == "Senin–Jumat 08.00–16.00 WIB"
    madiun.service_hours = "Senin–Kamis 08.00–15.30, Jumat 08.00–16.00 WIB"
    assert madiun.service_hours_label == madiun.service_hours
