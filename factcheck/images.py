"""Screenshots attached to hoax reports: safe decoding, perceptual hashing and optional OCR.

A report may arrive as a WhatsApp image or as an upload on the portal's "Lapor hoaks" form. `open_image()` is the
only way such bytes are decoded: it accepts JPEG, PNG, WebP and GIF, refuses anything else (and decompression bombs)
with `NotAnImage`, applies the EXIF orientation and returns an RGB image. `perceptual_hash()` gives a 64-bit DCT
hash so that the same picture forwarded again (re-compressed, resized, screenshotted) is recognised; two hashes at
most SAME_IMAGE_DISTANCE bits apart are the same picture. `extract_text()` reads the text with Tesseract when it is
installed with Indonesian data; without it, it returns "".
"""

import functools
import io
import logging
import math
import os
import re
import shutil
import struct
import subprocess
from operator import mul

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# Pillow opens a JPEG carrying several pictures (some phone cameras) as MPO.
_DECODED_FORMATS = frozenset({*ACCEPTED_FORMATS, "MPO"})

# What Pillow's decoders raise on hostile or damaged input; all of it means "not a usable image".
_DECODE_ERRORS = (
    OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError, TypeError, ZeroDivisionError,
    Image.DecompressionBombError,
)

HASH_SIZE = 8
_DCT_SIZE = 32
SAME_IMAGE_DISTANCE = 10
_HEX_HASH = re.compile(r"[0-9a-fA-F]{16}")

OCR_LANGUAGE = "ind"
OCR_MIN_WIDTH = 1000


class NotAnImage(ValueError):
    """The bytes are not an image we accept; str(exc) is a message for the user."""


def _unreadable() -> NotAnImage:
    return NotAnImage(_("Berkas bukan gambar yang dapat dibaca (JPEG, PNG, WebP atau GIF)."))


def _too_large() -> NotAnImage:
    return NotAnImage(_("Gambar terlalu besar: paling banyak %(megapixels)d megapiksel.")
                      % {"megapixels": MAX_PIXELS // 1_000_000})


def _check_header(image: Image.Image) -> None:
    if image.format not in _DECODED_FORMATS:
        raise _unreadable()
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _unreadable()
    # Checked on the header, before any pixel is decoded. The limit is below Pillow's own (MAX_IMAGE_PIXELS, about
    # 89 Mpx), so an image big enough for Pillow's DecompressionBombWarning is always refused here.
    if width * height > MAX_PIXELS:
        raise _too_large()


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.has_transparency_data:
        # Transparent pixels would otherwise turn into whatever colour they hide (often black), e.g. black text on
        # a transparent background becoming unreadable.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def open_image(data: bytes) -> Image.Image:
    """Decode an uploaded image (JPEG, PNG, WebP or GIF; the first frame) to an upright RGB image."""
    if not data:
        raise _unreadable()
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            _check_header(probe)
            probe.verify()
        # verify() leaves the image unusable; decode from a fresh open.
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        _check_header(image)
        image.load()
    except NotAnImage:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_large() from exc
    except _DECODE_ERRORS as exc:
        raise _unreadable() from exc

    try:
        upright = ImageOps.exif_transpose(image)
    except _DECODE_ERRORS:
        # A broken EXIF block should not cost the user the picture itself.
        logger.info("Ignoring unreadable EXIF orientation", exc_info=True)
        upright = image
    try:
        return _to_rgb(upright)
    except _DECODE_ERRORS as exc:
        raise _unreadable() from exc


_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def file_extension(data: bytes) -> str:
    """The extension for bytes open_image() accepted, from the format Pillow recognised in them."""
    with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
        return _EXTENSIONS[image.format]


@functools.cache
def _cosine_table() -> tuple[tuple[float, ...], ...]:
    """cos((2x + 1) * u * pi / 2N) for the HASH_SIZE lowest frequencies u, over the N = 32 samples x."""
    n = _DCT_SIZE
    return tuple(
        tuple(math.cos((2 * x + 1) * u * math.pi / (2 * n)) for x in range(n))
        for u in range(HASH_SIZE)
    )


def perceptual_hash(image: Image.Image) -> str:
    """64-bit DCT perceptual hash (pHash) as 16 lowercase hex digits."""
    # reducing_gap box-averages a large image down to about twice the target before the Lanczos pass: same result
    # for hashing purposes, about 20x faster on a phone screenshot (0.6 ms instead of 12 ms at 1080x2400).
    small = image.convert("L").resize((_DCT_SIZE, _DCT_SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    pixels = small.tobytes()
    rows = [pixels[y * _DCT_SIZE:(y + 1) * _DCT_SIZE] for y in range(_DCT_SIZE)]
    cosines = _cosine_table()
    # The 2-D DCT-II is separable: transform the rows, then the columns, keeping only the low frequencies. It is
    # unnormalised, like the scipy DCT that common pHash implementations (imagehash) are built on.
    row_dct = [[sum(map(mul, row, cos_u)) for cos_u in cosines] for row in rows]
    columns = list(zip(*row_dct, strict=True))
    coefficients = [sum(map(mul, cos_v, column)) for cos_v in cosines for column in columns]

    median = sorted(coefficients[1:])[(len(coefficients) - 1) // 2]
    value = 0
    for coefficient in coefficients:
        value = (value << 1) | (coefficient > median)
    return f"{value:0{HASH_SIZE * HASH_SIZE // 4}x}"


def hash_distance(a: str, b: str) -> int:
    """Number of differing bits between two perceptual hashes; 64 (as far as possible) if either is not a hash."""
    if not (a and b and _HEX_HASH.fullmatch(a) and _HEX_HASH.fullmatch(b)):
        return HASH_SIZE * HASH_SIZE
    return (int(a, 16) ^ int(b, 16)).bit_count()


@functools.cache
def _tesseract() -> str | None:
    """Path of a Tesseract binary that has Indonesian language data, or None. Looked up once, on first use."""
    path = shutil.which("tesseract")
    if path is None:
        return None
    try:
        listing = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        logger.warning("Could not run %s --list-langs; OCR disabled", path, exc_info=True)
        return None
    # Older versions print the list on stderr.
    languages = {line.strip() for line in (listing.stdout + "\n" + listing.stderr).splitlines()}
    if OCR_LANGUAGE not in languages:
        logger.info("Tesseract has no %r language data; OCR disabled", OCR_LANGUAGE)
        return None
    return path


def ocr_available() -> bool:
    return _tesseract() is not None


def extract_text(image: Image.Image, timeout: float = 15.0) -> str:
    """Text in the image read by Tesseract, whitespace-normalised; "" when OCR is unavailable or fails."""
    path = _tesseract() if ocr_available() else None
    if path is None:
        return ""
    gray = image.convert("L")
    if gray.width < OCR_MIN_WIDTH:
        # Tesseract reads phone-sized text much better when it is larger (it wants ~20+ px capital height).
        gray = gray.resize((gray.width * 2, gray.height * 2), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    gray.save(buffer, "PNG", compress_level=1)
    # One thread per recognition: the workers already run several tasks in parallel, and OpenMP threads in
    # Tesseract make it slower, not faster, when cores are shared.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        result = subprocess.run(
            [path, "stdin", "stdout", "-l", OCR_LANGUAGE],
            input=buffer.getvalue(), capture_output=True, timeout=timeout, env=env, check=False,
        )
    except subprocess.TimeoutExpired:
        logger.warning("Tesseract took more than %s s on a %dx%d image", timeout, gray.width, gray.height)
        return ""
    except OSError:
        logger.warning("Could not run Tesseract", exc_info=True)
        return ""
    if result.returncode != 0:
        logger.warning("Tesseract failed (exit %d): %s", result.returncode,
                       result.stderr.decode("utf-8", "replace").strip()[-500:])
        return ""
    return " ".join(result.stdout.decode("utf-8", "replace").split())
