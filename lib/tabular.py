"""Reading uploaded CSV/XLSX files as streams of rows, and writing exports that are safe to open in Excel.

Uploads are hostile input: every read is streamed and bounded (`Limits`), and a limit that is hit stops the read
with a TabularError that names it. XLSX is parsed here with expat rather than openpyxl, because openpyxl loads
the shared-strings part whole and holds a cell's full text before anyone can look at its length.
"""

import codecs
import copy
import csv
import io
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from pyexpat import ExpatError, ParserCreate
from xml.parsers import expat

from charset_normalizer import from_bytes

from lib.text import clean_text

SNIFF_BYTES = 64 * 1024
DELIMITERS = [",", ";", "\t", "|"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Headers are kept on the import job and shown in every column-mapping choice.
HEADER_MAX_CHARS = 100
MAX_ZIP_MEMBERS = 10_000
READ_CHUNK = 64 * 1024
MB = 1024 * 1024


class TabularError(ValueError):
    pass


@dataclass(frozen=True)
class Limits:
    max_unzipped_bytes: int = 200 * MB  # each XLSX zip member, decompressed
    max_cell_chars: int = 10_000
    max_columns: int = 200
    max_rows: int = 1_000_000  # data rows, the header not counted

    @property
    def max_record_chars(self) -> int:
        return self.max_columns * (self.max_cell_chars + 3)


DEFAULT_LIMITS = Limits()


@dataclass
class TableInfo:
    file_format: str
    encoding: str
    delimiter: str
    headers: list[str]


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _too_long_cell(row: int, column: int, limits: Limits) -> TabularError:
    return TabularError(f"Sel di baris {row} kolom {column_letter(column)} lebih dari "
                        f"{_number(limits.max_cell_chars)} karakter.")


def _too_many_columns(row: int, limits: Limits) -> TabularError:
    return TabularError(f"Baris {row} berisi lebih dari {_number(limits.max_columns)} kolom.")


def _too_many_rows(limits: Limits) -> TabularError:
    return TabularError(f"Berkas berisi lebih dari {_number(limits.max_rows)} baris data. Pecah berkas menjadi "
                        "beberapa bagian.")


def _check_cells(row: int, cells: list[str], limits: Limits) -> list[str]:
    """The cells up to the last non-empty one, each within the limits."""
    last = len(cells)
    while last and not cells[last - 1].strip():
        last -= 1
    if last > limits.max_columns:
        raise _too_many_columns(row, limits)
    for column, cell in enumerate(cells[:last]):
        if len(cell) > limits.max_cell_chars:
            raise _too_long_cell(row, column, limits)
    return cells[:last]


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
    text = " ".join(str(value if value is not None else "").replace("\ufeff", "").split())
    return text if len(text) <= HEADER_MAX_CHARS else text[:HEADER_MAX_CHARS - 1] + "…"


def inspect(path: Path, name: str, limits: Limits = DEFAULT_LIMITS) -> TableInfo:
    """Format, encoding, separator and headers (shortened for display), from the start of the file only."""
    file_format = detect_format(name)
    if file_format == "xlsx":
        first = next(iter_rows(path, TableInfo("xlsx", "", "", []), limits), None)
        if first is None:
            raise TabularError("Berkas kosong: tidak ada baris judul kolom.")
        return TableInfo("xlsx", "", "", [_clean_header(h) for h in first[1]])
    with open(path, "rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TabularError("Berkas ini bukan teks CSV (isinya tampak biner). Simpan ulang sebagai CSV atau XLSX.")
    encoding = detect_encoding(sample)
    delimiter = detect_delimiter(sample.decode(encoding, errors="replace"))
    info = TableInfo("csv", encoding, delimiter, [])
    first = next(iter_rows(path, info, limits), None)
    if first is None:
        raise TabularError("Berkas kosong: tidak ada baris judul kolom.")
    info.headers = [_clean_header(h) for h in first[1]]
    if not any(info.headers):
        raise TabularError("Baris pertama harus berisi judul kolom.")
    return info


def estimate_data_rows(path: Path, info: TableInfo, limits: Limits = DEFAULT_LIMITS) -> int:
    """A cheap estimate for the progress bar: CSV lines, or the sheet's own <dimension> (0 when it has none)."""
    if info.file_format == "xlsx":
        with _Xlsx(path, limits) as book:
            return max(0, book.declared_last_row() - 1)
    lines = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(0, lines - 1)


def iter_rows(path: Path, info: TableInfo,
              limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number as the spreadsheet shows it, cells) for every non-empty row, header included.

    Trailing empty cells are dropped. Raises TabularError when the file breaks one of the limits."""
    if info.file_format == "xlsx":
        with _Xlsx(path, limits) as book:
            yield from book.rows()
        return
    with open(path, encoding=info.encoding, errors="replace", newline="") as fh:
        yield from _iter_csv(fh, info.delimiter, limits)


def _iter_csv(fh, delimiter: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    record_limit = limits.max_record_chars
    state = {"chars": 0, "start": 1}

    def lines():
        # readline() with a size: a file without line breaks is never read whole.
        while line := fh.readline(record_limit + 1):
            state["chars"] += len(line)
            if state["chars"] > record_limit:
                raise TabularError(f"Baris {state['start']} terlalu panjang (lebih dari "
                                   f"{_number(record_limit)} karakter).")
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    records = 0
    try:
        for row in reader:
            state["chars"], state["start"] = 0, reader.line_num + 1
            records += 1
            if records > limits.max_rows + 1:
                raise _too_many_rows(limits)
            if any(cell.strip() for cell in row):
                yield reader.line_num, _check_cells(reader.line_num, row, limits)
    except csv.Error as exc:
        raise TabularError(f"Baris {reader.line_num}: format CSV rusak ({exc}).") from exc


# XLSX ------------------------------------------------------------------------------------------------------

XLSX_BROKEN = "Berkas XLSX tidak dapat dibuka (rusak atau bukan XLSX)."
REL_OFFICE_DOCUMENT = "/officeDocument"
REL_WORKSHEET = "/worksheet"
REL_SHARED_STRINGS = "/sharedStrings"
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d*)$")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+(?::[A-Z]+(\d+))?\"")


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _attr(attrs: dict, local: str) -> str | None:
    for key, value in attrs.items():
        if _local(key) == local:
            return value
    return None


class _Xlsx:
    """The first worksheet of an XLSX file, read part by part with every decompressed byte counted."""

    def __init__(self, path: Path, limits: Limits):
        self.limits = limits
        try:
            with open(path, "rb") as fh:
                end = zipfile._EndRecData(fh)  # the member count, before ZipFile builds an object per member
            if end is None:
                raise TabularError(XLSX_BROKEN)
            if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ZIP_MEMBERS:
                raise TabularError(f"Berkas XLSX berisi lebih dari {_number(MAX_ZIP_MEMBERS)} bagian.")
            self.zip = zipfile.ZipFile(path)
        except TabularError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise TabularError(XLSX_BROKEN) from exc
        self.members = {info.filename: info for info in self.zip.infolist()}
        for info in self.members.values():
            if info.file_size > limits.max_unzipped_bytes:
                raise self._too_big()
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
                # Other compressions inflate without an output bound per call; encrypted parts cannot be read.
                raise TabularError(XLSX_BROKEN)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def _too_big(self) -> TabularError:
        return TabularError(f"Berkas XLSX terlalu besar setelah diekstrak (lebih dari "
                            f"{_number(self.limits.max_unzipped_bytes // MB)} MB).")

    def _chunks(self, name: str) -> Iterator[bytes]:
        """The member's decompressed bytes; the declared size is not trusted, the bytes are counted."""
        info = self.members.get(name)
        if info is None:
            raise TabularError(XLSX_BROKEN)
        # zipfile stops at the declared size (and then fails the CRC); declaring more than the limit plus one read
        # lets the count below see a lying header.
        counted = copy.copy(info)
        counted.file_size = self.limits.max_unzipped_bytes + 2 * READ_CHUNK
        total = 0
        try:
            with self.zip.open(counted) as fh:
                while chunk := fh.read(READ_CHUNK):
                    total += len(chunk)
                    if total > self.limits.max_unzipped_bytes:
                        raise self._too_big()
                    yield chunk
        except TabularError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise TabularError(XLSX_BROKEN) from exc

    def _parse(self, name: str, start, end=None, text=None) -> Iterator[None]:
        """Feed one member to expat; yields after each chunk so the caller can hand on what the handlers built."""
        parser = ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def no_doctype(*args):
            raise TabularError(XLSX_BROKEN)

        parser.StartDoctypeDeclHandler = no_doctype
        parser.EntityDeclHandler = no_doctype
        parser.StartElementHandler = start
        if end:
            parser.EndElementHandler = end
        if text:
            parser.CharacterDataHandler = text
        parser.buffer_text = True
        try:
            for chunk in self._chunks(name):
                parser.Parse(chunk, False)
                yield
            parser.Parse(b"", True)
        except ExpatError as exc:
            raise TabularError(XLSX_BROKEN) from exc
        yield

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, member name) of a part's relationships."""
        folder, _, file = part.rpartition("/")
        rels_name = f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"
        found: dict[str, tuple[str, str]] = {}
        if rels_name not in self.members:
            return found

        def start(tag, attrs):
            if _local(tag) == "Relationship" and len(found) < MAX_ZIP_MEMBERS:
                target = attrs.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else _join(folder, target)
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

        for _ in self._parse(rels_name, start):
            pass
        return found

    def _locate(self) -> tuple[str, str | None]:
        workbook = next((target for kind, target in self._relationships("").values()
                         if kind.endswith(REL_OFFICE_DOCUMENT)), "xl/workbook.xml")
        rels = self._relationships(workbook)
        sheet_ids: list[str] = []

        def start(tag, attrs):
            if _local(tag) == "sheet" and len(sheet_ids) < MAX_ZIP_MEMBERS:
                sheet_ids.append(_attr(attrs, "id") or "")

        for _ in self._parse(workbook, start):
            pass
        sheet = next((rels[i][1] for i in sheet_ids if i in rels and rels[i][0].endswith(REL_WORKSHEET)), None)
        if sheet is None:
            raise TabularError("Berkas XLSX tidak berisi lembar kerja.")
        shared = next((target for kind, target in rels.values() if kind.endswith(REL_SHARED_STRINGS)), None)
        return sheet, shared if shared in self.members else None

    def declared_last_row(self) -> int:
        sheet, _shared = self._locate()
        head = b""
        for chunk in self._chunks(sheet):
            head += chunk
            if len(head) >= SNIFF_BYTES:
                break
        match = _DIMENSION.search(head)
        return int(match.group(1)) if match and match.group(1) else 0

    def _shared_strings(self, name: str | None) -> "_SharedStrings":
        strings = _SharedStrings(self.limits)
        if name is None:
            return strings
        depth = {"t": False, "rph": 0}

        def start(tag, attrs):
            tag = _local(tag)
            if tag == "si":
                strings.begin()
            elif tag == "rPh":
                depth["rph"] += 1
            elif tag == "t" and not depth["rph"]:
                depth["t"] = True

        def end(tag):
            tag = _local(tag)
            if tag == "si":
                strings.end()
            elif tag == "rPh":
                depth["rph"] -= 1
            elif tag == "t":
                depth["t"] = False

        def text(data):
            if depth["t"]:
                strings.add(data)

        for _ in self._parse(name, start, end, text):
            pass
        return strings

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        sheet, shared_name = self._locate()
        shared = self._shared_strings(shared_name)
        limits = self.limits
        ready: list[tuple[int, list[str]]] = []
        state = {"row": 0, "rows": 0, "column": -1, "type": "n", "collect": False, "chars": 0}
        cells: dict[int, str] = {}
        buffer: list[str] = []

        def start(tag, attrs):
            tag = _local(tag)
            if tag == "c":
                ref = _CELL_REF.match(attrs.get("r", ""))
                state["column"] = _column_index(ref.group(1)) if ref else state["column"] + 1
                state["type"] = attrs.get("t", "n")
                buffer.clear()
                state["chars"] = 0
            elif tag == "v" or (tag == "t" and state["type"] == "inlineStr"):
                state["collect"] = True
            elif tag == "row":
                state["rows"] += 1
                if state["rows"] > limits.max_rows + 1:
                    raise _too_many_rows(limits)
                number = attrs.get("r", "")
                state["row"] = int(number) if number.isdigit() else state["row"] + 1
                state["column"] = -1
                cells.clear()
            elif tag == "rPh":
                state["collect"] = False

        def text(data):
            if state["collect"]:
                state["chars"] += len(data)
                if state["chars"] > limits.max_cell_chars:
                    raise _too_long_cell(state["row"], state["column"], limits)
                buffer.append(data)

        def end(tag):
            tag = _local(tag)
            if tag in ("v", "t"):
                state["collect"] = False
            elif tag == "c":
                value = _cell_value(state["type"], "".join(buffer), shared, state, limits)
                if value.strip():
                    if state["column"] >= limits.max_columns:
                        raise _too_many_columns(state["row"], limits)
                    cells[state["column"]] = value
            elif tag == "row" and cells:
                row = [""] * (max(cells) + 1)
                for column, value in cells.items():
                    row[column] = value
                ready.append((state["row"], row))

        try:
            for _ in self._parse(sheet, start, end, text):
                yield from ready
                ready.clear()
        except TabularError:
            yield from ready  # the rows of this chunk before the one that broke a limit
            raise


def _join(folder: str, target: str) -> str:
    parts = (folder.split("/") if folder else []) + target.split("/")
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        elif part not in ("", "."):
            out.append(part)
    return "/".join(out)


def _cell_value(kind: str, raw: str, shared: "_SharedStrings", state: dict, limits: Limits) -> str:
    if kind == "s":
        try:
            value = shared.get(int(raw))
        except (ValueError, IndexError) as exc:
            raise TabularError(XLSX_BROKEN) from exc
        if value is None:
            raise _too_long_cell(state["row"], state["column"], limits)
        return value
    if kind == "b":
        return "True" if raw.strip() == "1" else "False"
    if kind == "n" and raw:
        # Phone numbers typed into Excel are numbers: 81234567890, or 81234567890.0 after a formula.
        try:
            if any(char in raw for char in ".eE"):
                number = float(raw)
                return str(int(number)) if number.is_integer() else str(number)
            return str(int(raw))
        except (ValueError, OverflowError):
            return raw
    return raw


class _SharedStrings:
    """The workbook's shared strings as one UTF-8 buffer and end offsets: a few bytes per string on top of its
    text. A string longer than the cell limit is not kept; only a cell that uses it is an error."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.blob = bytearray()
        self.ends = array("I" if limits.max_unzipped_bytes < 2**32 else "Q")
        self.too_long: set[int] = set()
        self.parts: list[str] = []
        self.chars = 0

    def begin(self) -> None:
        self.parts.clear()
        self.chars = 0

    def add(self, data: str) -> None:
        if self.chars <= self.limits.max_cell_chars:
            self.chars += len(data)
            self.parts.append(data)

    def end(self) -> None:
        if self.chars > self.limits.max_cell_chars:
            self.too_long.add(len(self.ends))
        else:
            self.blob += "".join(self.parts).encode()
        self.parts.clear()
        self.ends.append(len(self.blob))

    def get(self, index: int) -> str | None:
        if index < 0:
            raise IndexError(index)
        if index in self.too_long:
            return None
        start = self.ends[index - 1] if index else 0
        return self.blob[start:self.ends[index]].decode()


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
