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
