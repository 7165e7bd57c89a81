"""What the webhook benchmarks share: signing a WhatsApp body, posting one, running wrk with a body-reading Lua
script, waiting for gunicorn to drain."""

import hashlib
import hmac
import http.client
import subprocess
import time
from pathlib import Path

from bench_portal_load import get, parse_wrk


def signature(body: bytes, secret: str) -> str:
    """X-Hub-Signature-256 as Meta computes it: HMAC-SHA256 of the raw body with the app secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(port: int, path: str, body: bytes, sig: str, timeout: float = 30) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json",
                                                             "X-Hub-Signature-256": sig})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def drain(port: int, timeout: float = 120) -> float:
    """Wait until gunicorn has answered what wrk left queued: /healthz answers within 50 ms again."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        asked = time.monotonic()
        get(port, "/healthz")
        if time.monotonic() - asked < 0.05:
            break
        time.sleep(0.2)
    return time.monotonic() - start


def wrk_command(url: str, *, duration: int, connections: int, script: Path | None = None,
                args: tuple = ()) -> list[str]:
    command = ["/usr/bin/wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    return [*command, url, "--", *map(str, args)]


def wrk(url: str, **kwargs) -> dict:
    """wrk_command() run to the end, its output parsed (bench_portal_load.parse_wrk)."""
    return parse_wrk(subprocess.run(wrk_command(url, **kwargs), capture_output=True, text=True, check=True).stdout)
