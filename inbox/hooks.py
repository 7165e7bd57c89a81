"""What other apps do with an inbox message's stored picture: they register here in their AppConfig.ready() (cek
fakta hashes a screenshot to join its claim), so the inbox imports none of them."""

from collections.abc import Callable

_image_stored: list[Callable[..., None]] = []


def on_image_stored(handler: Callable[..., None]) -> None:
    """handler(message=, content=) after an inbound picture is stored."""
    if handler not in _image_stored:
        _image_stored.append(handler)


def image_stored(*, message, content: bytes) -> None:
    for handler in _image_stored:
        handler(message=message, content=content)
