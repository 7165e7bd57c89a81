import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from lib.tabular import TabularError, inspect, iter_rows, neutralize_formula, write_csv, write_xlsx

HEADER = "Nama;Instansi;No HP\r\n"


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows_of(path, name):
    info = inspect(path, name)
    return info, list(iter_rows(path, info))


def test_it_reads_utf8_with_bom_and_semicolons(tmp_path):
    path = write(tmp_path, "a.csv", ("\ufeff" + HEADER + "Siti;PKB;0812\r\n").encode("utf-8"))
    info, rows = rows_of(path, "a.csv")
    assert (info.encoding, info.delimiter, info.headers) == ("utf-8-sig", ";", ["Nama", "Instansi", "No HP"])
    assert rows[1] == (2, ["Siti", "PKB", "0812"])


def test_it_reads_windows_1252(tmp_path):
    path = write(tmp_path, "b.csv", (HEADER + "José Ramírez;Café Média;0812\r\n").encode("cp1252"))
    info, rows = rows_of(path, "b.csv")
    assert info.encoding == "cp1252"
    assert rows[1][1][:2] == ["José Ramírez", "Café Média"]


def test_it_keeps_spreadsheet_row_numbers_across_empty_lines(tmp_path):
    path = write(tmp_path, "c.csv", b"Nama,HP\n\nA,1\n,\n\nB,2\n")
    _info, rows = rows_of(path, "c.csv")
    assert [n for n, _ in rows] == [1, 3, 6]


def test_it_tolerates_extra_and_missing_cells(tmp_path):
    path = write(tmp_path, "d.csv", b"Nama,HP\nA,1,extra,more\nB\n")
    _info, rows = rows_of(path, "d.csv")
    assert rows[1][1] == ["A", "1", "extra", "more"] and rows[2][1] == ["B"]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("x.pdf", b"%PDF", "tidak didukung"),
    ("x.csv", b"\x00\x01\x02\x03" * 100, "biner"),
    ("x.csv", b"\n\n", "kosong"),
    ("x.xlsx", b"not a zip", "XLSX"),
])
def test_it_explains_unreadable_files(tmp_path, name, data, message):
    path = write(tmp_path, name, data)
    with pytest.raises(TabularError, match=message):
        info = inspect(path, name)
        list(iter_rows(path, info))


def test_it_reads_xlsx_with_numbers_typed_as_numbers(tmp_path):
    workbook = Workbook()
    workbook.active.append(["Nama", "HP"])
    workbook.active.append(["Siti", 81234567890])
    workbook.active.append([None, None])
    path = tmp_path / "e.xlsx"
    workbook.save(path)
    info, rows = rows_of(path, "e.xlsx")
    assert info.headers == ["Nama", "HP"] and rows[1] == (2, ["Siti", "81234567890"])


@pytest.mark.parametrize(("value", "safe"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("+6281234567890", "+6281234567890"), ("Siti", "Siti"),
])
def test_it_neutralizes_formulas(value, safe):
    assert neutralize_formula(value) == safe


def test_exports_are_safe_in_csv_and_xlsx(tmp_path):
    rows = [["=cmd|' /C calc'!A0", "+6281234567890"]]
    text = "".join(write_csv(["a", "b"], iter(rows)))
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1] == ["'=cmd|' /C calc'!A0", "+6281234567890"]
    path = tmp_path / "out.xlsx"
    write_xlsx(["a", "b"], iter(rows), path)
    cell = load_workbook(path).active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")


# Hostile files ---------------------------------------------------------------------------------------------

def make_xlsx(path, rows: list[list], *, shared: list[str] = (), lie_about: dict[str, int] | None = None):
    """A minimal XLSX by hand. A cell is a str (inline string), an int (number) or ("s", index) for a shared
    string. lie_about maps a part name to the uncompressed size its zip headers declare instead of the real one."""
    import struct
    import zipfile
    from xml.sax.saxutils import escape

    from lib.tabular import column_letter

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{column_letter(c)}{r}"
            if isinstance(value, tuple):
                cells.append(f'<c r="{ref}" t="s"><v>{value[1]}</v></c>')
            elif isinstance(value, int):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                               '2006/content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                       f'</Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                           f'<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                      f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
                                      f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
                                      f'Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><dimension ref="A1:C{len(rows)}"/><sheetData>'
                                    f'{"".join(sheet_rows)}</sheetData></worksheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{main}" count="{len(shared)}">'
                                + "".join(f"<si><t>{escape(s)}</t></si>" for s in shared) + "</sst>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    if lie_about:
        data = bytearray(path.read_bytes())
        for name, size in lie_about.items():
            encoded = name.encode()
            # (signature, offset of the uncompressed size, of the name length, of the name): local, central.
            for signature, size_at, length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
                at = data.find(signature)
                while at != -1:
                    length = struct.unpack_from("<H", data, at + length_at)[0]
                    if data[at + name_at:at + name_at + length] == encoded:
                        struct.pack_into("<I", data, at + size_at, size)
                    at = data.find(signature, at + 4)
        path.write_bytes(bytes(data))
    return path


def read_all(path, limits):
    from lib.tabular import TableInfo

    return list(iter_rows(path, TableInfo("xlsx", "", "", []), limits))


def test_a_handmade_xlsx_reads_shared_inline_and_numbers(tmp_path):
    path = make_xlsx(tmp_path / "ok.xlsx", [["Nama", ("s", 0)], ["Siti", 81234567890]], shared=["HP"])
    info, rows = rows_of(path, "ok.xlsx")
    assert info.headers == ["Nama", "HP"] and rows[1] == (2, ["Siti", "81234567890"])


def test_an_xlsx_whose_shared_strings_unpack_past_the_limit_is_refused_before_parsing(tmp_path):
    from lib.tabular import Limits

    path = make_xlsx(tmp_path / "bomb.xlsx", [["Nama", ("s", 0)]], shared=["x" * (2 * 1024 * 1024)])
    assert path.stat().st_size < 20_000
    with pytest.raises(TabularError, match=r"terlalu besar setelah diekstrak \(lebih dari 1 MB\)"):
        inspect(path, "bomb.xlsx", Limits(max_unzipped_bytes=1024 * 1024))


def test_a_zip_header_that_lies_about_the_size_does_not_get_past_the_limit(tmp_path):
    import zipfile

    from lib.tabular import Limits

    path = make_xlsx(tmp_path / "liar.xlsx", [["Nama", ("s", 0)]], shared=["y" * (2 * 1024 * 1024)],
                     lie_about={"xl/sharedStrings.xml": 1000})
    assert zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml").file_size == 1000
    with pytest.raises(TabularError, match="terlalu besar setelah diekstrak"):
        inspect(path, "liar.xlsx", Limits(max_unzipped_bytes=1024 * 1024))


def test_a_long_shared_string_is_never_held_in_memory(tmp_path):
    import tracemalloc

    from lib.tabular import Limits

    limits = Limits(max_cell_chars=100)
    path = make_xlsx(tmp_path / "long.xlsx", [["Nama", "HP"], [("s", 0), "0812"]], shared=["z" * (5 * 1024 * 1024)])
    tracemalloc.start()
    try:
        assert inspect(path, "long.xlsx", limits).headers == ["Nama", "HP"]  # the string is not used there
        with pytest.raises(TabularError, match="Sel di baris 2 kolom A lebih dari 100 karakter"):
            read_all(path, limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


@pytest.mark.parametrize(("rows", "limits", "message"), [
    ([["Nama", "x" * 51]], {"max_cell_chars": 50}, "Sel di baris 1 kolom B lebih dari 50 karakter"),
    ([["Nama"], ["a", "b", "c"]], {"max_columns": 2}, "Baris 2 berisi lebih dari 2 kolom"),
    ([["Nama"], ["a"], ["b"], ["c"]], {"max_rows": 2}, "lebih dari 2 baris data"),
])
def test_xlsx_limits_are_named(tmp_path, rows, limits, message):
    from lib.tabular import Limits

    path = make_xlsx(tmp_path / "l.xlsx", rows)
    with pytest.raises(TabularError, match=message):
        read_all(path, Limits(**limits))


@pytest.mark.parametrize(("data", "limits", "message"), [
    (b"Nama,HP\nA," + b"9" * 51 + b"\n", {"max_cell_chars": 50}, "Sel di baris 2 kolom B lebih dari 50 karakter"),
    (b"Nama,HP\nA,1,2,3\n", {"max_columns": 3}, "Baris 2 berisi lebih dari 3 kolom"),
    (b"Nama,HP\n" + b"A,1\n" * 3, {"max_rows": 2}, "lebih dari 2 baris data"),
    (b"Nama,HP\n" + b"x" * 5000, {"max_cell_chars": 100, "max_columns": 10}, "Baris 2 terlalu panjang"),
    (b'Nama,HP\n"' + b"a\n" * 3000 + b'"\n', {"max_cell_chars": 100, "max_columns": 10}, "Baris 2 terlalu panjang"),
])
def test_csv_limits_are_named(tmp_path, data, limits, message):
    from lib.tabular import Limits

    path = write(tmp_path, "l.csv", data)
    with pytest.raises(TabularError, match=message):
        info = inspect(path, "l.csv", Limits(**limits))
        list(iter_rows(path, info, Limits(**limits)))


def test_headers_are_shortened_for_display_and_trailing_empty_cells_dropped(tmp_path):
    from lib.tabular import HEADER_MAX_CHARS

    path = write(tmp_path, "h.csv", ("Nama," + "Panjang " * 100 + ",,,\nA,1\n").encode())
    info = inspect(path, "h.csv")
    assert len(info.headers) == 2 and len(info.headers[1]) == HEADER_MAX_CHARS and info.headers[1].endswith("…")
