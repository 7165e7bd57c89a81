"""One event loop per process, in its own thread, for concurrent provider calls from synchronous code.

Workers are synchronous (django.tasks); HTTP providers send a batch concurrently by handing a coroutine to this
loop. A dedicated thread also keeps us clear of any loop the caller's thread may already run.
"""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_streaming = threading.local()
_running: set[asyncio.Task] = set()   # the loop keeps only weak references to tasks


class _Pending:
    """The place-holder send_paced() returns for a message whose result will come through the streaming callback."""

    def __repr__(self) -> str:
        return "PENDING"


PENDING = _Pending()


def _ensure_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="provider-io", daemon=True).start()
            _loop = loop
        return _loop


def run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run_coroutine_threadsafe(coroutine, _ensure_loop()).result()


@contextmanager
def streaming(on_result: Callable[[Any, Any], None]) -> Iterator[None]:
    """Within the block, send_paced() in this thread does not wait for its batch: it returns PENDING for every
    message at once and calls `on_result(message, result)` on the provider loop as each send finishes (`result` is
    the exception when the send raised). The delivery engine uses it so that one slow request never holds the
    others' results, nor the next batch."""
    previous = getattr(_streaming, "on_result", None)
    _streaming.on_result = on_result
    try:
        yield
    finally:
        _streaming.on_result = previous


def send_paced[M, R](messages: Sequence[M], send: Callable[[M], Awaitable[R]]) -> list[R]:
    """Send every message concurrently, none before its `not_before` (epoch seconds); results in input order
    (or PENDING for each, delivered later through the callback, inside `streaming()`)."""

    async def one(message, late: float):
        delay = message.not_before + late - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        return await send(message)

    async def everything():
        # A batch that starts late keeps its spacing (shifted) rather than sending its overdue slots in a burst.
        late = max(0.0, time.time() - messages[0].not_before) if messages else 0.0
        return await asyncio.gather(*(one(m, late) for m in messages))

    on_result = getattr(_streaming, "on_result", None)
    if on_result is None:
        return run(everything())

    async def reported(message, late: float) -> None:
        try:
            result = await one(message, late)
        except Exception as exc:  # handed to the caller, which decides what a failed send means
            result = exc
        on_result(message, result)

    async def start_all() -> None:
        late = max(0.0, time.time() - messages[0].not_before) if messages else 0.0
        for message in messages:
            started = asyncio.ensure_future(reported(message, late))
            _running.add(started)
            started.add_done_callback(_running.discard)

    run(start_all())
    return [PENDING] * len(messages)
