"""End-to-end in Chromium: an operator logs in, imports a CSV with bad rows, reads the error list, fixes the file and
completes the import; and the htmx live search on the member list.

Tasks run inline in tests (ImmediateBackend), so the preview and the import finish inside the request that starts
them (after its transaction commits) and the page the browser is redirected to already shows the result.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from conftest import PASSWORD
from members.models import Address, ImportJob, Member

pytestmark = pytest.mark.e2e

SCREENSHOT = "/tmp/e2e-import-errors.png"  # noqa: S108 (a fixed path people and CI can find and look at)
HEADER = "Nama;Instansi;Kategori;Jabatan;No HP;Email"

# Row numbers as the spreadsheet shows them: the header is row 1.
ROWS_WITH_ERRORS = [
    "José Ramírez;DPC Partai Contoh Kota Madiun;Partai politik;Ketua;0812-3456-7890;jose@example.id",  # 2
    "Siti Rahmawati;LSM Suara Warga;LSM;Direktur;081234567891;siti@example.id",  # 3
    "Budi Santoso;Polres Madiun Kota;Polri;Kasat Intelkam;0812;budi@example.id",  # 4: number too short
    "<script>alert(1)</script>;Media Madiun Pos;Media;Redaktur;0813-3333-4444;redaksi@example.id",  # 5: markup
    "Ahmad Fauzi;Universitas Merdeka Madiun;Perguruan tinggi;Dosen;+60123456789;ahmad@example.id",  # 6: foreign
    "Andrés Peña;Universitas Merdeka Madiun;Perguruan tinggi;Rektor;+62 815-5555-6666;andres@example.id",  # 7
    "José Ramírez;DPC Partai Contoh Kota Madiun;Partai politik;Ketua;0812-3456-7890;jose@example.id",  # 8: dup of 2
    "Renée Wijaya;Bawaslu Kota Madiun;Bawaslu;Anggota;62857-1234-5678;renee@example.id",  # 9
]

FIXED_ROWS = [
    ROWS_WITH_ERRORS[0],
    ROWS_WITH_ERRORS[1],
    "Budi Santoso;Polres Madiun Kota;Polri;Kasat Intelkam;0821 1111 2222;budi@example.id",
    "Wahyu Hidayat;Media Madiun Pos;Media;Redaktur;0813-3333-4444;redaksi@example.id",
    "Ahmad Fauzi;Universitas Merdeka Madiun;Perguruan tinggi;Dosen;085733334444;ahmad@example.id",
    ROWS_WITH_ERRORS[5],
    ROWS_WITH_ERRORS[7],
]

EXPECTED_WHATSAPP = {
    "José Ramírez": "+6281234567890",
    "Siti Rahmawati": "+6281234567891",
    "Budi Santoso": "+6282111112222",
    "Wahyu Hidayat": "+6281333334444",
    "Ahmad Fauzi": "+6285733334444",
    "Andrés Peña": "+6281555556666",
    "Renée Wijaya": "+6285712345678",
}


def write_excel_csv(path, rows):
    """What Excel on Indonesian Windows saves as “CSV”: Windows-1252, “;” between cells, CRLF line ends."""
    path.write_bytes("\r\n".join([HEADER, *rows, ""]).encode("cp1252"))
    return path


def log_in(page: Page, username: str) -> None:
    page.goto("/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()


def upload_and_preview(page: Page, path) -> None:
    page.goto("/staf/impor/")
    page.get_by_label("Berkas CSV atau XLSX").set_input_files(path)
    page.get_by_role("button", name="Unggah").click()
    expect(page).to_have_url(re.compile(r"/staf/impor/\d+/$"))
    expect(page.locator("p.help").first).to_contain_text("cp1252")
    # The headers were recognised and mapped without the operator's help.
    expected_mapping = {"full_name": "0", "organization": "1", "category": "2", "position": "3", "whatsapp": "4",
                        "phone": "", "email": "5", "telegram": "", "tags": "", "notes": ""}
    for field, value in expected_mapping.items():
        expect(page.locator(f"#id_map_{field}")).to_have_value(value)
    # The sample table shows the accents as typed, so the file was decoded as Windows-1252.
    expect(page.locator("table.sample")).to_contain_text("José Ramírez")
    page.get_by_role("button", name="Periksa berkas (pratinjau)").click()
    expect(page.locator("#summary")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_operator_fixes_bad_rows_and_completes_import(page: Page, tmp_path, madiun, make_staff):
    operator = make_staff(madiun, Role.OPERATOR)
    log_in(page, operator.username)

    # 1. A file with three bad rows and one duplicate.
    upload_and_preview(page, write_excel_csv(tmp_path / "kontak-bakohumas.csv", ROWS_WITH_ERRORS))
    cards = page.locator("#summary .card")
    expect(cards.nth(0)).to_contain_text("4")
    expect(cards.nth(0)).to_contain_text("baris siap diimpor")
    expect(cards.nth(1)).to_contain_text("3")
    expect(cards.nth(1)).to_contain_text("baris salah")
    expect(cards.nth(2)).to_contain_text("1")
    expect(cards.nth(2)).to_contain_text("baris duplikat")

    expect(page.get_by_role("heading", name="Baris yang bermasalah")).to_be_visible()
    error_rows = page.locator("table.errors tbody tr")
    expect(error_rows).to_have_count(4)
    table = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in error_rows.all()]
    by_row = {int(number): (field, message) for number, field, message in table}
    assert sorted(by_row) == [4, 5, 6, 8], table
    assert by_row[4] == ("Nomor WhatsApp", "“0812” bukan nomor Indonesia yang valid (periksa jumlah digit).")
    assert by_row[5] == ("Nama lengkap", "Nama lengkap tidak boleh berisi kode HTML atau skrip.")
    assert by_row[6] == ("Nomor WhatsApp", "“+60123456789” bukan nomor Indonesia (+62).")
    assert by_row[8] == ("Kontak", "Duplikat baris 2 (+6281234567890).")
    expect(page.locator("table.errors tr.dup td.num")).to_have_text("8")
    # The markup in the bad name is shown as text, never run.
    expect(page.locator("script", has_text="alert(1)")).to_have_count(0)
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert not Member.objects.filter(office=madiun).exists(), "a preview must not write members"

    # 2. The operator fixes the file and uploads it again.
    page.get_by_role("link", name="Perbaiki berkas dan unggah lagi").click()
    expect(page).to_have_url(re.compile(r"/staf/impor/$"))
    upload_and_preview(page, write_excel_csv(tmp_path / "kontak-bakohumas-perbaikan.csv", FIXED_ROWS))
    expect(cards.nth(0)).to_contain_text("7")
    expect(cards.nth(1)).to_contain_text("0")
    expect(cards.nth(2)).to_contain_text("0")
    expect(page.locator("table.errors")).to_have_count(0)

    page.get_by_role("button", name="Impor 7 baris yang benar").click()
    expect(cards.nth(0)).to_contain_text("baris diimpor")
    expect(cards.nth(0).locator("strong")).to_have_text("7")
    expect(page.locator("p.help").first).to_contain_text("Selesai")
    expect(page.get_by_role("button", name=re.compile(r"^Impor \d+ baris"))).to_have_count(0)

    # 3. The new members are in the registry.
    page.goto("/staf/anggota/?q=Ramírez")
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    expect(page.locator("#rows")).to_contain_text("José Ramírez")
    expect(page.locator("#rows")).to_contain_text("+6281234567890")

    job = ImportJob.objects.get(original_name="kontak-bakohumas-perbaikan.csv")
    assert (job.status, job.created_members, job.error_rows, job.duplicate_rows) == (ImportJob.Status.DONE, 7, 0, 0)
    assert ImportJob.objects.get(original_name="kontak-bakohumas.csv").status == ImportJob.Status.VALIDATED
    members = Member.objects.filter(office=madiun)
    assert members.count() == 7
    assert set(members.values_list("source", flat=True)) == {Member.Source.IMPORT}
    whatsapp = dict(Address.objects.filter(office=madiun, kind=Address.Kind.WHATSAPP)
                    .values_list("member__full_name", "value"))
    assert whatsapp == EXPECTED_WHATSAPP
    assert all(re.fullmatch(r"\+62\d{8,13}", v) for v in whatsapp.values())


@pytest.mark.django_db(transaction=True)
def test_member_list_live_search(page: Page, madiun, make_staff):
    for name in ("Siti Rahmawati", "Bambang Wicaksono", "Sri Wahyuni"):
        Member.objects.create(office=madiun, full_name=name, status=Member.Status.ACTIVE)
    operator = make_staff(madiun, Role.OPERATOR)
    log_in(page, operator.username)

    page.goto("/staf/anggota/")
    rows = page.locator("#rows tbody tr")
    expect(rows).to_have_count(3)
    page.evaluate("window.__samePage = true")  # lost if the browser loads a whole new page

    page.get_by_role("searchbox").fill("bambang")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bambang Wicaksono")
    expect(page).to_have_url(re.compile(r"[?&]q=bambang"))  # hx-push-url keeps the filter in the address

    page.get_by_role("searchbox").fill("tidak ada orang ini")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Tidak ada anggota yang cocok.")
    assert page.evaluate("window.__samePage") is True
