"""One event loop per process, in its own thread, for concurrent provider calls from synchronous code.

Workers are synchronous (django.tasks); HTTP providers send a batch concurrently by handing a coroutine to this
loop. A dedicated thread also keeps us clear of any loop the caller's thread may already run.
"""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


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


def send_paced[M, R](messages: Sequence[M], send: Callable[[M], Awaitable[R]]) -> list[R]:
    """Send every message concurrently, none before its `not_before` (epoch seconds); results in input order."""

    async def one(message, late: float):
        delay = message.not_before + late - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        return await send(message)

    async def everything():
        # A batch that starts late keeps its spacing (shifted) rather than sending its overdue slots in a burst.
        late = max(0.0, time.time() - messages[0].not_before) if messages else 0.0
        return await asyncio.gather(*(one(m, late) for m in messages))

    return run(everything())
