"""Reading uploaded CSV/XLSX files as streams of rows, and writing exports that are safe to open in Excel."""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from lib.text import clean_text

SNIFF_BYTES = 64 * 1024
DELIMITERS = [",", ";", "\t", "|"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class TabularError(ValueError):
    pass


@dataclass
class TableInfo:
    file_format: str
    encoding: str
    delimiter: str
    headers: list[str]


def detect_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in {".csv", ".txt"}:
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise TabularError(f"Format berkas “{suffix or name}” tidak didukung. Gunakan CSV atau XLSX.")


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # A cut in the middle of a multi-byte character at the end of the sample is not an error.
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:
            return "utf-8"
    guess = from_bytes(sample).best()
    if guess is None:
        raise TabularError("Berkas ini bukan teks CSV (isinya tampak biner). Simpan ulang sebagai CSV atau XLSX.")
    # Excel on Indonesian Windows writes Windows-1252; charset_normalizer often names a sibling code page.
    return "cp1252" if guess.encoding in {"cp1250", "cp1252", "latin_1", "iso8859_15"} else guess.encoding


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def _clean_header(value) -> str:
    return " ".join(str(value if value is not None else "").replace("\ufeff", "").split())


def inspect(path: Path, name: str) -> TableInfo:
    file_format = detect_format(name)
    if file_format == "xlsx":
        headers = next(iter_rows(path, TableInfo("xlsx", "", "", [])), (1, []))[1]
        return TableInfo("xlsx", "", "", [_clean_header(h) for h in headers])
    with open(path, "rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TabularError("Berkas ini bukan teks CSV (isinya tampak biner). Simpan ulang sebagai CSV atau XLSX.")
    encoding = detect_encoding(sample)
    delimiter = detect_delimiter(sample.decode(encoding, errors="replace"))
    info = TableInfo("csv", encoding, delimiter, [])
    first = next(iter_rows(path, info), None)
    if first is None:
        raise TabularError("Berkas kosong: tidak ada baris judul kolom.")
    info.headers = [_clean_header(h) for h in first[1]]
    if not any(info.headers):
        raise TabularError("Baris pertama harus berisi judul kolom.")
    return info


def iter_rows(path: Path, info: TableInfo) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number as the spreadsheet shows it, cells) for every non-empty row, header included."""
    if info.file_format == "xlsx":
        yield from _iter_xlsx(path)
        return
    with open(path, encoding=info.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=info.delimiter)
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield reader.line_num, row
        except csv.Error as exc:
            raise TabularError(f"Baris {reader.line_num}: format CSV rusak ({exc}).") from exc


def _iter_xlsx(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise TabularError("Berkas XLSX tidak dapat dibuka (rusak atau bukan XLSX).") from exc
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise TabularError("Berkas XLSX tidak dapat dibuka (rusak atau bukan XLSX).") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(v) for v in row]
            if any(c.strip() for c in cells):
                yield number, cells
    finally:
        workbook.close()


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Phone numbers typed into Excel become floats: 81234567890.0
        return str(int(value))
    return str(value)


def neutralize_formula(value) -> str:
    """Cells that Excel would run as a formula get a leading apostrophe (OWASP CSV injection).

    Characters that a spreadsheet cannot hold are dropped, so that any stored text can be exported.
    """
    text = "" if value is None else clean_text(str(value))
    if text.startswith(FORMULA_PREFIXES) and not _is_plain_number(text):
        return "'" + text
    return text


def _is_plain_number(text: str) -> bool:
    return len(text) > 1 and text[0] in "+-" and text[1:].replace(" ", "").isdigit()


def write_csv(headers: list[str], rows) -> Iterator[str]:
    """Generator for a StreamingHttpResponse: UTF-8 with BOM so Excel reads the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralize_formula(v) for v in row])
        if buffer.tell() > 32 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(headers: list[str], rows, target) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    sheet.append(headers)
    for row in rows:
        sheet.append([neutralize_formula(v) for v in row])
    workbook.save(target)
