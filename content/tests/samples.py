"""Real files for upload tests, made on the spot."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def image_bytes(fmt="PNG", size=(4, 3)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (139, 0, 0)).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A real (one-page) PDF written by Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (255, 255, 255)).save(buffer, format="PDF")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Kecamatan", "DPT"])
    workbook.active.append(["Kartoharjo", 12345])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
