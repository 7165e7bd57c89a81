from offices.models import Office
from offices.services import seed_offices


def test_it_seeds_the_whole_tree(offices):
    assert Office.objects.count() == 553
    assert Office.objects.filter(level=Office.Level.PROVINCE).count() == 38
    assert Office.objects.filter(level=Office.Level.REGENCY).count() == 514


def test_it_is_idempotent(offices):
    result = seed_offices()
    assert (result.created, result.updated, result.total) == (0, 0, 553)


def test_it_names_aceh_offices_kip_and_sets_time_zones(offices):
    assert Office.objects.get(code="11").name == "KIP Aceh"
    assert Office.objects.get(code="11.01").name == "KIP Kabupaten Aceh Selatan"
    madiun = Office.objects.get(code="35.77")
    assert (madiun.name, madiun.slug, madiun.timezone, madiun.parent.code) == (
        "KPU Kota Madiun", "kota-madiun", "Asia/Jakarta", "35")
    assert Office.objects.get(code="51.71").zone_label == "WITA"
    assert Office.objects.get(code="91").zone_label == "WIT"
    assert Office.objects.get(code="94").zone_label == "WIT"


def test_it_repairs_a_changed_office(offices):
    Office.objects.filter(code="35.77").update(name="salah")
    assert seed_offices().updated == 1
    assert Office.objects.get(code="35.77").name == "KPU Kota Madiun"
