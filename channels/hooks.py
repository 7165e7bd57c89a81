"""What happens elsewhere when a channel reports something: apps above register here in their AppConfig.ready(),
so channels imports none of them (a status update moves a broadcast's delivery; a resumed channel starts sending)."""

from collections.abc import Callable

_status_handlers: list[Callable[..., None]] = []
_resumed_handlers: list[Callable[[int], None]] = []


def on_status_update(handler: Callable[..., None]) -> None:
    """handler(channel=, provider_message_id=, status=, at=, error_code=, error_title=)"""
    if handler not in _status_handlers:
        _status_handlers.append(handler)


def on_channel_resumed(handler: Callable[[int], None]) -> None:
    """handler(channel_id)"""
    if handler not in _resumed_handlers:
        _resumed_handlers.append(handler)


def status_update(**event) -> None:
    for handler in _status_handlers:
        handler(**event)


def channel_resumed(channel_id: int) -> None:
    for handler in _resumed_handlers:
        handler(channel_id)
