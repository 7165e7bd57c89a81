"""The machinery shared by the loopback fakes: a threaded HTTP server on 127.0.0.1, request log, failure injector,
and the media files a fake serves (`fake.media[media_id] = (content, mime_type)`)."""

import json
import random
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import cycle
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
TIMEOUT = "timeout"   # failure kind: hold the connection open for `hang` seconds, then answer as if it had worked
SERVER_ERROR = "5xx"  # failure kind: the provider's 5xx answer


def fixture(*parts: str) -> dict:
    return json.loads(FIXTURES.joinpath(*parts).read_text())


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]        # names lower-cased
    body: bytes
    json: Any                      # the parsed body, or None
    answer: str                    # "ok", or the failure served: an error code, "5xx" or "timeout"
    at: float = 0.0                # time.time() when the request arrived


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    raw: bytes | None = None                 # served as-is instead of `body` as JSON (a media file)
    content_type: str = "application/json"


class FakeServer:
    """Subclasses implement `answer(method, path, headers, data, failure)`; `failure` is None or a failure kind.

    Failure injection: a recipient listed in `errors` always gets that failure; otherwise, with probability
    `fail_ratio` (seeded RNG, so runs repeat), the next kind from `failures` (cycled) is served.

    Media: `media[media_id] = (content, mime_type)` registers a file; `media_errors[media_id]` fails the lookup
    of its download address and `download_errors[media_id]` the download itself. A failure is an HTTP status
    (404, 500…), "5xx" or "timeout"; a list of them is served one per request, then the file is served normally.
    """

    default_failures: tuple = ()

    def __init__(self, *, fail_ratio: float = 0.0, seed: int = 0, failures: Iterable | None = None,
                 errors: Mapping[str, Any] | None = None, retry_after: float | None = None, hang: float = 2.0,
                 token: str | None = None):
        self.fail_ratio = fail_ratio
        self.errors = {str(k): v for k, v in (errors or {}).items()}
        self.retry_after = retry_after   # when set, every injected error answer carries Retry-After: <seconds>
        self.hang = hang
        self.token = token               # when set, requests with another token get the auth error
        self._failures = cycle(tuple(failures or self.default_failures) or (SERVER_ERROR,))
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._counter = 0
        self._stopping = threading.Event()
        self.media: dict[str, tuple[bytes, str]] = {}
        self.media_errors: dict[str, Any] = {}
        self.download_errors: dict[str, Any] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    def start(self) -> "FakeServer":
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()   # releases handlers that hang
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    # --- helpers for subclasses ---
    def next_number(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def choose_failure(self, recipient: str | None) -> Any:
        if recipient is not None and recipient in self.errors:
            return self.errors[recipient]
        with self._lock:
            if self.fail_ratio and self._rng.random() < self.fail_ratio:
                return next(self._failures)
        return None

    def media_failure(self, media_id: str, *, download: bool) -> Any:
        """The failure injected for this media id at this step (None: serve it). A list is consumed in order."""
        table = self.download_errors if download else self.media_errors
        with self._lock:
            failure = table.get(media_id)
            if isinstance(failure, list):
                return failure.pop(0) if failure else None
            return failure

    def file_answer(self, media_id: str, content_type: str | None = None) -> Answer:
        content, mime = self.media[media_id]
        return Answer(200, None, raw=content, content_type=content_type or mime)

    def answer(self, method: str, path: str, headers: dict[str, str], data: Any) -> tuple[Answer, str]:
        raise NotImplementedError

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.time()
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        answer, label = self.answer(handler.command, handler.path, headers, data)
        with self._lock:
            self._requests.append(RecordedRequest(handler.command, handler.path, headers, raw, data, label, arrived))
        if answer.hang:
            self._stopping.wait(self.hang)
        payload = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the client gave up (timeout) and closed the connection

    def error_headers(self) -> dict[str, str]:
        return {"Retry-After": f"{self.retry_after:g}"} if self.retry_after is not None else {}


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024   # the default backlog of 5 resets connections when a sender opens many at once


def _handler(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body go out in two writes: without this, Nagle + delayed ACK add ~40 ms per request.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self):  # noqa: N802 (http.server's naming)
            fake._serve(self)

        do_GET = do_POST

        def log_message(self, format, *args):  # quiet: the fake keeps its own log
            pass

    return Handler
