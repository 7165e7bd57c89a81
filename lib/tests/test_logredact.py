import io
import logging
from contextlib import contextmanager

import pytest

from lib.logredact import RedactingFilter, redact


@pytest.mark.parametrize(("line", "expected"), [
    ("kirim ke +6281234567890 gagal", "kirim ke [phone] gagal"),
    ("kirim ke whatsapp:+62 812-3456-7890.", "kirim ke whatsapp:[phone]."),
    ("nomor 081234567890 dan 6281234567890", "nomor [phone] dan [phone]"),
    ("surel budi.santoso+humas@kpu-madiun.go.id ditolak", "surel [email] ditolak"),
    ('"GET /daftar/AbC-123_xyz.sig/ HTTP/1.1" 200 512', '"GET /daftar/[token]/ HTTP/1.1" 200 512'),
    ('"POST /berhenti/eyJhIjoxfQ:1t2:abc/ HTTP/1.1" 302 0', '"POST /berhenti/[token]/ HTTP/1.1" 302 0'),
    ('"GET /staf/anggota/?q=Budi+Santoso&page=2 HTTP/1.1" 200 9',
     '"GET /staf/anggota/?q=[redacted]&page=2 HTTP/1.1" 200 9'),
    ('"GET /staf/anggota/?page=2&q=%2B6281234567890 HTTP/1.1" 200 9',
     '"GET /staf/anggota/?page=2&q=[redacted] HTTP/1.1" 200 9'),
    ("GET /x?to=%2B6281234567890&cc=a%40contoh.id", "GET /x?to=[phone]&cc=[email]"),
])
def test_it_masks_personal_data(line, expected):
    assert redact(line) == expected
    assert redact(expected) == expected   # a second handler sees the same line


@pytest.mark.parametrize("line", [
    '"GET /staf/siaran/12/kemajuan/ HTTP/1.1" 200 1834',
    "worker heartbeat 2025-08-12 08:15:30, 1200 deliveries in 15.3 s",
    "channel 7: provider answered 131047",
    '"GET /webhooks/0f8fad5b-d9cb-469f-a165-70867728950e/ HTTP/1.1" 403 0',
])
def test_it_leaves_ordinary_lines_alone(line):
    assert redact(line) == line


def test_the_filter_rewrites_the_message_with_its_arguments():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "kirim %s ke %s", ("Halo", "+6281234567890"), None)
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "kirim Halo ke [phone]"
    untouched = logging.LogRecord("x", logging.INFO, __file__, 1, "%s deliveries", (3,), None)
    RedactingFilter().filter(untouched)
    assert untouched.args == (3,)


@contextmanager
def captured(logger_name: str):
    """The text the configured handler of this logger (settings.LOGGING) writes."""
    [handler] = [h for h in logging.getLogger(logger_name).handlers if isinstance(h, logging.StreamHandler)
                 and any(isinstance(f, RedactingFilter) for f in h.filters)]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_runserver_access_lines_are_masked(settings):
    assert "redact" in settings.LOGGING["handlers"]["django.server"]["filters"]
    with captured("django.server") as out:
        # As django.core.servers.basehttp.WSGIRequestHandler.log_message logs them.
        logging.getLogger("django.server").info('"%s" %s %s', "GET /staf/anggota/?q=081234567890 HTTP/1.1", "200",
                                                "5120", extra={"status_code": 200, "server_time": "01/Jan/2026"})
        logging.getLogger("django.server").info('"%s" %s %s', "GET /daftar/rahasia-token-123/ HTTP/1.1", "200", "9",
                                                extra={"status_code": 200, "server_time": "01/Jan/2026"})
    text = out.getvalue()
    assert "081234567890" not in text and "rahasia-token-123" not in text
    assert "/staf/anggota/?q=[redacted] HTTP/1.1" in text and "/daftar/[token]/" in text


def test_gunicorn_access_lines_are_masked():
    with captured("gunicorn.access") as out:
        # gunicorn.glogging.Logger.access: the format string with a mapping of atoms.
        logging.getLogger("gunicorn.access").info('%(h)s "%(r)s" %(s)s', {
            "h": "10.0.0.1", "r": "GET /staf/anggota/?q=Budi%20Santoso HTTP/1.1", "s": "200"})
    assert out.getvalue() == '10.0.0.1 "GET /staf/anggota/?q=[redacted] HTTP/1.1" 200\n'


def test_application_log_lines_are_masked():
    with captured("") as out:
        logging.getLogger("bakohumas.uji").warning("e-mail ke %s gagal", "anggota@contoh.id")
    assert "anggota@contoh.id" not in out.getvalue() and "e-mail ke [email] gagal" in out.getvalue()
