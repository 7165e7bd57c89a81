"""What an uploaded attachment or cover image really is, decided from its bytes, never from its name alone.

The size is checked first, from what the upload handler already counted, so an oversized file is refused before
anything reads it. Then the name's extension says what the file claims to be, and the content has to agree:
PDF starts with %PDF-, Office Open XML and OpenDocument files are ZIP archives with the right type entry (no
macros), images are decoded by Pillow. SVG is refused: it can carry scripts.
"""

import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename, slugify
from django.utils.translation import gettext as _

from content.conf import upload_max_bytes

# A decoded image larger than this many pixels is refused (a decompression bomb, or far beyond any web use).
MAX_IMAGE_PIXELS = 60_000_000


@dataclass(frozen=True)
class Kind:
    extension: str
    content_type: str
    label: str


OOXML = {
    "docx": Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)"),
    "xlsx": Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
    "pptx": Kind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 "PowerPoint (PPTX)"),
}
# The main part's content type that [Content_Types].xml must declare for each extension.
OOXML_MAIN_PART = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
ODF = {
    "odt": Kind("odt", "application/vnd.oasis.opendocument.text", "OpenDocument Text (ODT)"),
    "ods": Kind("ods", "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument Spreadsheet (ODS)"),
    "odp": Kind("odp", "application/vnd.oasis.opendocument.presentation", "OpenDocument Presentation (ODP)"),
}
IMAGES = {
    "jpg": Kind("jpg", "image/jpeg", "JPEG"),
    "jpeg": Kind("jpg", "image/jpeg", "JPEG"),
    "png": Kind("png", "image/png", "PNG"),
    "webp": Kind("webp", "image/webp", "WebP"),
}
# Phone cameras write multi-picture JPEGs, which Pillow reports as MPO.
PILLOW_FORMATS = {"image/jpeg": {"JPEG", "MPO"}, "image/png": {"PNG"}, "image/webp": {"WEBP"}}
PDF = Kind("pdf", "application/pdf", "PDF")
ATTACHMENT_KINDS = {"pdf": PDF, **OOXML, **ODF, **IMAGES}
ALLOWED_ATTACHMENTS = "PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, JPG, PNG, WebP"
ALLOWED_IMAGES = "JPG, PNG, WebP"


@dataclass(frozen=True)
class CheckedFile:
    kind: Kind
    original_name: str
    storage_name: str
    size: int


def _refuse(message: str, field: str = "file") -> ValidationError:
    return ValidationError({field: [message]})


def _check_size(uploaded_file, field: str) -> None:
    limit = upload_max_bytes()
    size = uploaded_file.size or 0
    if size > limit:
        raise _refuse(_("Berkas terlalu besar (%(size)s MB). Batasnya %(max)d MB; perkecil atau pecah berkasnya.")
                      % {"size": f"{size / (1024 * 1024):.1f}".replace(".", ","), "max": limit // (1024 * 1024)},
                      field)
    if size == 0:
        raise _refuse(_("Berkas kosong."), field)


def _extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _head(uploaded_file, n: int) -> bytes:
    uploaded_file.seek(0)
    data = uploaded_file.read(n)
    uploaded_file.seek(0)
    return data


def _check_pdf(uploaded_file) -> None:
    # The header may follow a little leading junk in the wild, but an HTML page or script never passes.
    if not _head(uploaded_file, 1024).lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"%PDF-"):
        raise _refuse(_("Berkas ditolak: isi berkas bukan PDF, walaupun namanya berakhiran .pdf. Simpan ulang "
                        "dokumennya sebagai PDF lalu unggah lagi."))


def _open_zip(uploaded_file, label: str) -> zipfile.ZipFile:
    uploaded_file.seek(0)
    try:
        return zipfile.ZipFile(uploaded_file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(_("Berkas ditolak: isinya bukan dokumen %s yang utuh.") % label) from exc


def _read_member(archive: zipfile.ZipFile, name: str, limit: int = 1 << 20) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        return None
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        return None


def _check_ooxml(uploaded_file, extension: str) -> None:
    kind = OOXML[extension]
    with _open_zip(uploaded_file, kind.label) as archive:
        types = _read_member(archive, "[Content_Types].xml")
        if types is None or OOXML_MAIN_PART[extension].encode() not in types:
            raise _refuse(_("Berkas ditolak: isinya bukan dokumen %s.") % kind.label)
        names = [n.lower() for n in archive.namelist()]
    if b"macroEnabled" in types or any(n.endswith("vbaproject.bin") for n in names):
        raise _refuse(_("Dokumen berisi makro tidak diterima. Simpan ulang tanpa makro (.docx/.xlsx/.pptx biasa)."))


def _check_odf(uploaded_file, extension: str) -> None:
    kind = ODF[extension]
    with _open_zip(uploaded_file, kind.label) as archive:
        mimetype = _read_member(archive, "mimetype", limit=200)
        names = archive.namelist()
    if mimetype is None or mimetype.strip() != kind.content_type.encode():
        raise _refuse(_("Berkas ditolak: isinya bukan dokumen %s.") % kind.label)
    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
        raise _refuse(_("Dokumen berisi makro tidak diterima. Simpan ulang tanpa makro."))


def _check_image(uploaded_file, kind: Kind, field: str) -> None:
    from PIL import Image, UnidentifiedImageError

    expected = PILLOW_FORMATS[kind.content_type]
    not_an_image = _("Berkas ditolak: isinya bukan gambar %s yang utuh.") % kind.label
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            uploaded_file.seek(0)
            with Image.open(uploaded_file) as image:
                if image.format not in expected:
                    raise _refuse(_("Berkas ditolak: isinya gambar %(real)s, bukan %(claimed)s. Ubah nama berkasnya "
                                    "sesuai isinya.") % {"real": image.format, "claimed": kind.label}, field)
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _refuse(_("Gambar terlalu besar (%(w)d × %(h)d piksel).") % {"w": width, "h": height},
                                  field)
                image.verify()
            # verify() checks the structure (PNG checksums); decoding every pixel finds truncated data as well.
            uploaded_file.seek(0)
            with Image.open(uploaded_file) as image:
                image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError, EOFError) as exc:
        raise _refuse(not_an_image, field) from exc
    finally:
        uploaded_file.seek(0)


def _refuse_unknown(extension: str, allowed: str, field: str) -> ValidationError:
    if extension in {"svg", "svgz"}:
        return _refuse(_("Gambar SVG tidak diterima karena dapat berisi skrip. Simpan sebagai PNG atau JPG lalu "
                         "unggah lagi."), field)
    if extension in {"htm", "html", "xhtml", "js", "exe", "bat", "cmd", "sh", "php", "jar", "msi", "apk"}:
        return _refuse(_("Jenis berkas .%(ext)s tidak diterima. Yang diterima: %(allowed)s.")
                       % {"ext": extension, "allowed": allowed}, field)
    if extension in {"doc", "xls", "ppt", "docm", "xlsm", "pptm"}:
        return _refuse(_("Format Office lama atau bermakro (.%(ext)s) tidak diterima. Simpan ulang sebagai "
                         ".docx/.xlsx/.pptx atau PDF.") % {"ext": extension}, field)
    if not extension:
        return _refuse(_("Nama berkas tidak berakhiran jenis berkas. Yang diterima: %s.") % allowed, field)
    return _refuse(_("Jenis berkas .%(ext)s tidak diterima. Yang diterima: %(allowed)s.")
                   % {"ext": extension[:10], "allowed": allowed}, field)


def _storage_name(original_name: str, kind: Kind) -> str:
    stem = slugify(PurePath(original_name).stem)[:60] or "berkas"
    return get_valid_filename(f"{stem}.{kind.extension}")


def check_attachment(uploaded_file) -> CheckedFile:
    _check_size(uploaded_file, "file")
    name = PurePath(uploaded_file.name or "").name
    extension = _extension(name)
    kind = ATTACHMENT_KINDS.get(extension)
    if kind is None:
        raise _refuse_unknown(extension, ALLOWED_ATTACHMENTS, "file")
    if kind is PDF:
        _check_pdf(uploaded_file)
    elif extension in OOXML:
        _check_ooxml(uploaded_file, extension)
    elif extension in ODF:
        _check_odf(uploaded_file, extension)
    else:
        _check_image(uploaded_file, kind, "file")
    return CheckedFile(kind, name[:255], _storage_name(name, kind), uploaded_file.size)


def check_image(uploaded_file, field: str = "cover_image") -> CheckedFile:
    _check_size(uploaded_file, field)
    name = PurePath(uploaded_file.name or "").name
    extension = _extension(name)
    kind = IMAGES.get(extension)
    if kind is None:
        raise _refuse_unknown(extension, ALLOWED_IMAGES, field)
    _check_image(uploaded_file, kind, field)
    return CheckedFile(kind, name[:255], _storage_name(name, kind), uploaded_file.size)
