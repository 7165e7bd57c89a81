"""The one outbound HTTP wrapper: every provider call (WhatsApp Cloud API, Telegram Bot API…) goes through here.

Allow-list. A request to a host outside `settings.OUTBOUND_HTTP_ALLOWED_HOSTS` (host names and "*.domain" patterns;
by default the provider hosts, see lib/outbound.py) raises `HostNotAllowed` before any socket is opened. None
allows every host. Tests set it to `[]` — or use the `allowed_hosts([])` context manager, the module-level hook that
overrides the setting — so any unmocked network call fails loudly.

Private addresses. Unless `settings.CHANNELS_ALLOW_CUSTOM_ENDPOINTS` is on (tests and `make run`: the loopback fakes
in `channels.fakes` are then allowed whatever the allow-list says), a host that is, or resolves to, a private,
loopback or link-local address is refused: names are resolved by our own resolver, which checks every address
before aiohttp connects to exactly those addresses (no second lookup to race).

Failures. Timeouts and connection errors raise `TransportError` (`.timeout` tells them apart); its message
names the host only, never the URL, because a Telegram URL carries the bot token. Any HTTP status is a
`Response`, not an exception: classifying provider errors is the provider module's job. Redirects are never
followed (a redirect could leave the allow-list), proxies from the environment are not used, and nothing is
logged per request (a URL may carry a token).

Client. aiohttp, one session per event loop with keep-alive connections: the delivery engine sends batches
concurrently (about 2,500 requests/s to the loopback fake on 2 cores, where httpx managed about 350). The
synchronous functions run their request on the process's provider loop (channels.aio).
"""

import asyncio
import atexit
import ipaddress
import json as jsonlib
import socket
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver
from django.conf import settings
from yarl import URL

from channels import aio
from lib.outbound import host_matches, ip_literal, is_public_address

DEFAULT_TIMEOUT = 10.0
MAX_CONNECTIONS = 200
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
_UNSET = object()
_override: Any = _UNSET          # set by allowed_hosts(); _UNSET means "read the setting"
_sessions: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession]" = weakref.WeakKeyDictionary()


class TransportError(Exception):
    """No HTTP answer: a timeout, a refused or reset connection, a DNS failure. Retryable.

    `timeout` is True only for a timeout after the request was written to the provider, which may have acted on it
    (a retry may duplicate the message); a timeout while connecting or waiting for a connection is not one: the
    request never left."""

    def __init__(self, message: str, *, timeout: bool = False):
        super().__init__(message)
        self.timeout = timeout


class TooLarge(TransportError):
    """A file over the size the caller accepts: trying again will not help."""


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


def custom_endpoints_allowed() -> bool:
    """Channels may name their own API address and reach loopback/private addresses (tests, `make run`)."""
    return bool(getattr(settings, "CHANNELS_ALLOW_CUSTOM_ENDPOINTS", False)) if settings.configured else False


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
    """The URL's host, or HostNotAllowed when the scheme is not HTTP(S) or the host is refused (allow-list, or an
    address that is not public). Parsed by yarl, as aiohttp parses it, so both see the same host."""
    try:
        parts = URL(url)
        host = (parts.raw_host or "").lower()
    except (TypeError, ValueError):
        raise HostNotAllowed("not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise HostNotAllowed(f"not an HTTP(S) URL with a host: scheme={parts.scheme!r}")
    custom = custom_endpoints_allowed()
    if custom and is_loopback(host):
        return host
    allowed = current_allowed_hosts()
    if allowed is not None and not host_matches(host, allowed):
        raise HostNotAllowed(f"outbound HTTP to {host} refused by OUTBOUND_HTTP_ALLOWED_HOSTS")
    if not custom and ip_literal(host) is not None and not is_public_address(host):
        raise HostNotAllowed(f"outbound HTTP to {host} refused: not a public address")
    return host


class PublicOnlyResolver(AbstractResolver):
    """Resolves a name and refuses it when any of its addresses is not public (unless custom endpoints are allowed);
    aiohttp then connects to the addresses checked here. IP literals never reach a resolver: check_url() has them."""

    def __init__(self) -> None:
        self._resolver: aiohttp.ThreadedResolver | None = None

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list:
        if self._resolver is None:
            self._resolver = aiohttp.ThreadedResolver()
        addresses = await self._resolver.resolve(host, port, family)
        if not custom_endpoints_allowed():
            refused = sorted({a["host"] for a in addresses if not is_public_address(a["host"])})
            if refused:
                raise HostNotAllowed(f"outbound HTTP to {host} refused: it resolves to {', '.join(refused)}")
        return addresses

    async def close(self) -> None:
        if self._resolver is not None:
            await self._resolver.close()


async def _headers_sent(session, context, params) -> None:
    if isinstance(context.trace_request_ctx, dict):
        context.trace_request_ctx["sent"] = True


_SENT_TRACE = aiohttp.TraceConfig()
_SENT_TRACE.on_request_headers_sent.append(_headers_sent)
_SENT_TRACE.freeze()


def _session() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        # No DNS cache: every new connection's addresses go through the resolver's check.
        connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS, resolver=PublicOnlyResolver(), use_dns_cache=False)
        session = aiohttp.ClientSession(connector=connector, trust_env=False, trace_configs=[_SENT_TRACE])
        _sessions[loop] = session
    return session


def _close_all() -> None:
    """At exit, close the sessions of loops still running (the provider loop), so no "unclosed" noise is logged."""
    for loop, session in list(_sessions.items()):
        if loop.is_running() and not session.closed:
            with suppress(Exception):
                asyncio.run_coroutine_threadsafe(session.close(), loop).result(timeout=2)


atexit.register(_close_all)


async def close_session() -> None:
    """Close this loop's session (a test that runs its own short-lived loop calls it before the loop ends)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


def _response(status: int, headers, body: bytes) -> Response:
    text = body.decode("utf-8", errors="replace")
    try:
        data = jsonlib.loads(text) if text else None
    except ValueError:
        data = None
    return Response(status=status, headers={k.lower(): v for k, v in headers.items()}, text=text, data=data)


async def _request(method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None,
                   timeout: float, max_bytes: int | None = None) -> tuple[int, dict[str, str], bytes]:
    host = check_url(url)
    progress = {"sent": False}
    try:
        async with _session().request(method, url, json=json, headers=headers or {}, allow_redirects=False,
                                      timeout=aiohttp.ClientTimeout(total=timeout),
                                      trace_request_ctx=progress) as raw:
            if max_bytes is None:
                body = await raw.read()
            else:
                chunks, size = [], 0
                async for chunk in raw.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"file from {host} larger than {max_bytes} bytes")
                    chunks.append(chunk)
                body = b"".join(chunks)
            return raw.status, dict(raw.headers), body
    except TimeoutError:
        if not progress["sent"]:   # still connecting: the provider never saw the request
            raise TransportError(f"connect timeout talking to {host}") from None
        raise TransportError(f"timeout talking to {host}", timeout=True) from None
    except aiohttp.ClientError as exc:
        raise TransportError(f"{type(exc).__name__} talking to {host}") from None


async def apost_json(url: str, json: Any, headers: dict[str, str] | None = None,
                     timeout: float = DEFAULT_TIMEOUT) -> Response:
    """POST a JSON body; any HTTP status is returned, no answer raises TransportError."""
    return _response(*await _request("POST", url, json=json, headers=headers, timeout=timeout))


def post_json(url: str, json: Any, headers: dict[str, str] | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> Response:
    check_url(url)
    return aio.run(apost_json(url, json, headers=headers, timeout=timeout))


def get_json(url: str, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Response:
    check_url(url)
    return aio.run(_get_response(url, headers, timeout))


async def _get_response(url, headers, timeout) -> Response:
    return _response(*await _request("GET", url, headers=headers, timeout=timeout))


def get_bytes(url: str, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT,
              max_bytes: int = 25 * 1024 * 1024) -> tuple[int, dict[str, str], bytes]:
    """GET a file (provider media): status, lower-cased headers, body; larger than max_bytes raises TransportError."""
    check_url(url)
    status, headers, body = aio.run(_request("GET", url, headers=headers, timeout=timeout, max_bytes=max_bytes))
    return status, {k.lower(): v for k, v in headers.items()}, body
