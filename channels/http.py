"""The one outbound HTTP wrapper: every provider call (WhatsApp Cloud API, Telegram Bot API…) goes through here.

Allow-list. While `settings.OUTBOUND_HTTP_ALLOWED_HOSTS` is set (an iterable of host names, possibly empty), a
request to a host that is neither loopback (127.0.0.0/8, ::1, localhost) nor in that list raises
`HostNotAllowed` before any socket is opened. Unset or None (the default) allows every host. Tests set it to
`[]` — or use the `allowed_hosts([])` context manager, the module-level hook that overrides the setting — so
providers can be pointed at the loopback fakes in `channels.fakes` and any unmocked network call fails loudly.

Failures. Timeouts and connection errors raise `TransportError` (`.timeout` tells them apart); its message
names the host only, never the URL, because a Telegram URL carries the bot token. Any HTTP status is a
`Response`, not an exception: classifying provider errors is the provider module's job. Redirects are never
followed (a redirect could leave the allow-list).
"""

import ipaddress
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

DEFAULT_TIMEOUT = 10.0
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
_UNSET = object()
_override: Any = _UNSET          # set by allowed_hosts(); _UNSET means "read the setting"
_client: httpx.Client | None = None
_client_lock = threading.Lock()


class TransportError(Exception):
    """No HTTP answer: a timeout, a refused or reset connection, a DNS failure. Retryable."""

    def __init__(self, message: str, *, timeout: bool = False):
        super().__init__(message)
        self.timeout = timeout


class HostNotAllowed(RuntimeError):
    """A request to a host outside OUTBOUND_HTTP_ALLOWED_HOSTS: a programming or configuration error, not retried."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]          # names lower-cased
    text: str
    data: Any = field(default=None)  # the parsed JSON body, or None when the body is not JSON


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def current_allowed_hosts() -> frozenset[str] | None:
    """The hosts allowed besides loopback, or None when every host is allowed."""
    hosts = _override
    if hosts is _UNSET:
        hosts = getattr(settings, "OUTBOUND_HTTP_ALLOWED_HOSTS", None) if settings.configured else None
    return None if hosts is None else frozenset(h.lower() for h in hosts)


@contextmanager
def allowed_hosts(hosts: Iterable[str] | None) -> Iterator[None]:
    """Override the setting for a block: `with allowed_hosts([]):` allows loopback only; None allows everything."""
    global _override
    previous, _override = _override, (None if hosts is None else frozenset(hosts))
    try:
        yield
    finally:
        _override = previous


def check_url(url: str) -> str:
    """The URL's host, or HostNotAllowed when the scheme is not HTTP(S) or the allow-list refuses the host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise HostNotAllowed(f"not an HTTP(S) URL with a host: scheme={parts.scheme!r}")
    allowed = current_allowed_hosts()
    if allowed is not None and not is_loopback(host) and host not in allowed:
        raise HostNotAllowed(f"outbound HTTP to {host} refused by OUTBOUND_HTTP_ALLOWED_HOSTS")
    return host


def _loopback_mounts(transport: type) -> dict[str, Any]:
    # Loopback never goes through an HTTP(S)_PROXY from the environment (the fakes must be reached directly).
    return {f"all://{h}": transport() for h in ("127.0.0.1", "localhost", "[::1]")}


def _shared_client() -> httpx.Client:
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(follow_redirects=False, mounts=_loopback_mounts(httpx.HTTPTransport))
        return _client


def _response(raw: httpx.Response) -> Response:
    try:
        data = raw.json()
    except ValueError:
        data = None
    return Response(status=raw.status_code, headers={k.lower(): v for k, v in raw.headers.items()},
                    text=raw.text, data=data)


def _transport_error(exc: httpx.TransportError, host: str) -> TransportError:
    timeout = isinstance(exc, httpx.TimeoutException)
    return TransportError(f"{'timeout' if timeout else type(exc).__name__} talking to {host}", timeout=timeout)


def post_json(url: str, json: Any, headers: dict[str, str] | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> Response:
    """POST a JSON body; any HTTP status is returned, no answer raises TransportError."""
    host = check_url(url)
    try:
        raw = _shared_client().post(url, json=json, headers=headers or {}, timeout=timeout)
    except httpx.TransportError as exc:
        raise _transport_error(exc, host) from None
    return _response(raw)


def get_bytes(url: str, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT,
              max_bytes: int = 25 * 1024 * 1024) -> tuple[int, dict[str, str], bytes]:
    """GET a file (provider media): status, lower-cased headers, body; larger than max_bytes raises TransportError."""
    host = check_url(url)
    try:
        with _shared_client().stream("GET", url, headers=headers or {}, timeout=timeout) as raw:
            chunks, size = [], 0
            for chunk in raw.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise TransportError(f"file from {host} larger than {max_bytes} bytes")
                chunks.append(chunk)
            return raw.status_code, {k.lower(): v for k, v in raw.headers.items()}, b"".join(chunks)
    except httpx.TransportError as exc:
        raise _transport_error(exc, host) from None


def get_json(url: str, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Response:
    host = check_url(url)
    try:
        raw = _shared_client().get(url, headers=headers or {}, timeout=timeout)
    except httpx.TransportError as exc:
        raise _transport_error(exc, host) from None
    return _response(raw)


def async_client(max_connections: int = 200) -> httpx.AsyncClient:
    """A long-lived client for apost_json(client=…): keeps connections open across many sends."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.AsyncClient(follow_redirects=False, limits=limits,
                             mounts=_loopback_mounts(lambda: httpx.AsyncHTTPTransport(limits=limits)))


async def apost_json(url: str, json: Any, headers: dict[str, str] | None = None,
                     timeout: float = DEFAULT_TIMEOUT, *, client: httpx.AsyncClient | None = None) -> Response:
    """The async post_json. Pass a long-lived `client` when sending many; by default one is opened per call."""
    host = check_url(url)
    try:
        if client is not None:
            raw = await client.post(url, json=json, headers=headers or {}, timeout=timeout)
        else:
            async with httpx.AsyncClient(follow_redirects=False,
                                         mounts=_loopback_mounts(httpx.AsyncHTTPTransport)) as own:
                raw = await own.post(url, json=json, headers=headers or {}, timeout=timeout)
    except httpx.TransportError as exc:
        raise _transport_error(exc, host) from None
    return _response(raw)
