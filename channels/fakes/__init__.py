"""Loopback fakes of the providers' HTTP APIs, built from tests/fixtures, for tests and local load runs.

    with FakeWhatsApp(fail_ratio=0.2, seed=1) as wa:
        whatsapp.send_text(wa.url, "106540352242922", "EAAJB...", "+6281234567890", "Halo")
        wa.requests  # every request received, with the answer served
"""

from channels.fakes._server import SERVER_ERROR, TIMEOUT, RecordedRequest
from channels.fakes.telegram import FakeTelegram
from channels.fakes.whatsapp import FakeWhatsApp

__all__ = ["SERVER_ERROR", "TIMEOUT", "FakeTelegram", "FakeWhatsApp", "RecordedRequest"]
