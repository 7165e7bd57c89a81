import glob
import io
import logging
import struct
import sys
import zlib

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from factcheck import images
from factcheck.images import (
    MAX_PIXELS,
    SAME_IMAGE_DISTANCE,
    NotAnImage,
    extract_text,
    hash_distance,
    ocr_available,
    open_image,
    perceptual_hash,
)


def picture() -> Image.Image:
    """A report-like picture: coloured shapes, a photo-ish gradient and a caption, deliberately asymmetric."""
    image = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 30, 260, 200), fill=(200, 30, 30))
    draw.ellipse((380, 250, 600, 460), fill=(20, 60, 180))
    draw.polygon([(300, 40), (620, 60), (450, 220)], fill=(30, 150, 60))
    draw.text((30, 400), "KPU: pemilu ulang?", fill=(255, 255, 0), font=ImageFont.load_default(size=36))
    return image


def other_picture() -> Image.Image:
    image = Image.new("RGB", (640, 480), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for i in range(0, 640, 80):
        draw.rectangle((i, 0, i + 39, 479), fill=(10, 10, 10))
    draw.ellipse((100, 100, 300, 300), fill=(240, 200, 0))
    draw.text((330, 360), "Surat suara", fill=(200, 0, 0), font=ImageFont.load_default(size=40))
    return image


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A well-formed PNG header for a huge RGB image, with a tiny IDAT: decoding it would allocate width*height*3."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
            + png_chunk(b"IEND", b""))


# --- decoding ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_it_opens_the_accepted_formats_as_rgb(fmt):
    image = open_image(encode(picture(), fmt))
    assert image.mode == "RGB" and image.size == (640, 480)


def test_it_puts_transparent_pictures_on_white():
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 19, 19), fill=(0, 0, 0, 255))
    opened = open_image(encode(image, "PNG"))
    assert opened.getpixel((5, 5)) == (0, 0, 0) and opened.getpixel((30, 5)) == (255, 255, 255)


def test_it_applies_the_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display", what phones write for a portrait photo taken sideways
    image = open_image(encode(picture(), "JPEG", exif=exif))
    assert image.size == (480, 640)


@pytest.mark.parametrize("data", [
    pytest.param(b"", id="empty"),
    pytest.param(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" * 20, id="pdf"),
    pytest.param(b"KPU akan mencoblos ulang semua surat suara, sebarkan!\n" * 10, id="text"),
    pytest.param(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                 b'<rect width="10" height="10"/></svg>', id="svg"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, id="png-signature-then-garbage"),
])
def test_it_refuses_what_is_not_an_image(data):
    with pytest.raises(NotAnImage) as excinfo:
        open_image(data)
    assert "JPEG, PNG, WebP atau GIF" in str(excinfo.value)


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "PPM"])
def test_it_refuses_images_in_other_formats(fmt):
    with pytest.raises(NotAnImage):
        open_image(encode(picture(), fmt))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_it_refuses_truncated_images(fmt):
    noisy = Image.effect_noise((400, 300), 80).convert("RGB")
    data = encode(noisy, fmt)
    with pytest.raises(NotAnImage):
        open_image(data[: len(data) // 2])


@pytest.mark.parametrize(("width", "height"), [
    pytest.param(20_000, 20_000, id="pillow-bomb-error"),  # 400 Mpx: Pillow's own DecompressionBombError
    pytest.param(8_000, 6_000, id="over-max-pixels"),      # 48 Mpx: under Pillow's limit, over ours
])
def test_it_refuses_huge_declared_sizes_without_decoding(width, height, monkeypatch):
    assert width * height > MAX_PIXELS

    def never(*args, **kwargs):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(Image.Image, "load", never)
    with pytest.raises(NotAnImage) as excinfo:
        open_image(png_declaring(width, height))
    assert "terlalu besar" in str(excinfo.value)


def test_it_accepts_a_big_but_allowed_image():
    assert open_image(encode(Image.new("RGB", (1080, 2400), "white"), "PNG")).size == (1080, 2400)


# --- perceptual hash --------------------------------------------------------------------------------------------


def test_it_hashes_to_sixteen_lowercase_hex_digits():
    value = perceptual_hash(picture())
    assert len(value) == 16 and value == value.lower() and int(value, 16) >= 0
    assert perceptual_hash(picture()) == value


def test_it_recognises_the_same_picture_after_recompression_resizing_and_conversion():
    original = perceptual_hash(picture())
    recompressed = open_image(encode(picture(), "JPEG", quality=40))
    resized = picture().resize((384, 288), Image.Resampling.BILINEAR)
    as_png_of_jpeg = open_image(encode(open_image(encode(resized, "JPEG", quality=40)), "PNG"))
    for variant in (recompressed, resized, as_png_of_jpeg):
        assert hash_distance(original, perceptual_hash(variant)) <= SAME_IMAGE_DISTANCE


def test_it_tells_different_pictures_apart():
    assert hash_distance(perceptual_hash(picture()), perceptual_hash(other_picture())) > 20


def test_it_does_not_take_a_mirrored_picture_for_the_same():
    mirrored = ImageOps.mirror(picture())
    assert hash_distance(perceptual_hash(picture()), perceptual_hash(mirrored)) > SAME_IMAGE_DISTANCE


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("0000000000000000", "0000000000000000", 0),
    ("0000000000000000", "ffffffffffffffff", 64),
    ("8000000000000001", "0000000000000000", 2),
    ("ABCDEF0123456789", "abcdef0123456789", 0),
    ("", "0000000000000000", 64),
    ("0000000000000000", "", 64),
    ("", "", 64),
    ("000000000000000", "0000000000000000", 64),        # too short
    ("00000000000000000", "00000000000000000", 64),     # too long
    ("000000000000000g", "0000000000000000", 64),       # not hex
    ("0x00000000000000", "0000000000000000", 64),       # int(..., 16) would accept these three
    ("0000_00000000000", "0000000000000000", 64),
    (" 000000000000000", "0000000000000000", 64),
])
def test_it_counts_differing_bits_and_treats_invalid_hashes_as_far(a, b, expected):
    assert hash_distance(a, b) == expected


# --- OCR --------------------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_tesseract_lookup():
    images._tesseract.cache_clear()
    yield
    images._tesseract.cache_clear()


def fake_tesseract(directory, script: str) -> str:
    """A `tesseract` in directory that runs the given Python code (independent of PATH and of shell utilities)."""
    path = directory / "tesseract"
    path.write_text(f"#!{sys.executable}\nimport os, sys, time\n{script}\n")
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize(("listing", "available"), [
    ('print("List of available languages (3):", "eng", "ind", "osd", sep="\\n")', True),
    ('print("List of available languages (1):", "ind", sep="\\n", file=sys.stderr)', True),  # older versions
    ('print("List of available languages (2):", "eng", "osd", sep="\\n")', False),
])
def test_it_detects_tesseract_with_indonesian_data(tmp_path, monkeypatch, fresh_tesseract_lookup, listing, available):
    fake_tesseract(tmp_path, listing)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert ocr_available() is available


def test_it_has_no_ocr_without_tesseract(tmp_path, monkeypatch, fresh_tesseract_lookup):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert ocr_available() is False
    assert extract_text(picture()) == ""


def test_it_returns_no_text_when_ocr_is_unavailable(monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("tesseract must not run")

    monkeypatch.setattr(images, "ocr_available", lambda: False)
    monkeypatch.setattr(images.subprocess, "run", must_not_run)
    assert extract_text(picture()) == ""


@pytest.fixture
def tesseract_script(tmp_path, monkeypatch):
    """Replace Tesseract with a fake (see fake_tesseract); returns a function taking its Python code."""
    def install(script: str) -> None:
        path = fake_tesseract(tmp_path, script)
        monkeypatch.setattr(images, "ocr_available", lambda: True)
        monkeypatch.setattr(images, "_tesseract", lambda: path)
    return install


def test_it_feeds_tesseract_an_upscaled_png_with_one_thread(tmp_path, tesseract_script):
    tesseract_script(f"open({str(tmp_path / 'input.png')!r}, 'wb').write(sys.stdin.buffer.read())\n"
                     "print('  KPU  tidak\\n\\npernah', os.environ['OMP_THREAD_LIMIT'], *sys.argv[1:], ' ')")
    assert extract_text(picture()) == "KPU tidak pernah 1 stdin stdout -l ind"
    with Image.open(tmp_path / "input.png") as sent:
        assert sent.format == "PNG" and sent.size == (1280, 960)


def test_it_returns_no_text_when_tesseract_fails(tesseract_script, caplog):
    tesseract_script("sys.stdin.buffer.read()\nprint('Error opening data file', file=sys.stderr)\nsys.exit(1)")
    with caplog.at_level(logging.WARNING, logger="factcheck.images"):
        assert extract_text(picture()) == ""
    assert "Error opening data file" in caplog.text


def test_it_gives_up_on_tesseract_after_the_timeout(tesseract_script, caplog):
    tesseract_script("time.sleep(5)")
    with caplog.at_level(logging.WARNING, logger="factcheck.images"):
        assert extract_text(picture(), timeout=0.3) == ""
    assert "more than 0.3 s" in caplog.text   # killed at the timeout, not waited for


BOLD_FONTS = glob.glob("/usr/share/fonts/**/DejaVuSans-Bold.ttf", recursive=True)


@pytest.mark.skipif(not ocr_available(), reason="tesseract with Indonesian data (tesseract-ocr-ind) is not installed")
@pytest.mark.skipif(not BOLD_FONTS, reason="DejaVuSans-Bold.ttf is not installed")
def test_it_reads_the_text_of_a_screenshot():
    font = ImageFont.truetype(BOLD_FONTS[0], 48)
    image = Image.new("RGB", (900, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.text((30, 60), "KPU TIDAK PERNAH", font=font, fill="black")
    draw.text((30, 160), "MENGUMUMKAN", font=font, fill="black")
    draw.text((30, 260), "PEMILU ULANG", font=font, fill="black")
    text = extract_text(open_image(encode(image, "JPEG", quality=70)))
    found = {"KPU", "TIDAK", "PERNAH", "MENGUMUMKAN", "PEMILU", "ULANG"} & set(text.upper().split())
    assert len(found) >= 4, text
