"""How a change reaches the public portal without the changing app importing it: the portal registers here (in its
AppConfig.ready()); content, elections and members call after their transaction commits."""

from collections.abc import Callable

from django.db import transaction

_site_changed: list[Callable[[], None]] = []
_publication_changed: list[Callable[[int], None]] = []


def on_site_changed(handler: Callable[[], None]) -> None:
    if handler not in _site_changed:
        _site_changed.append(handler)


def on_publication_changed(handler: Callable[[int], None]) -> None:
    if handler not in _publication_changed:
        _publication_changed.append(handler)


def site_changed() -> None:
    """Something public changed: after commit, every cached page and ETag from before is stale."""
    transaction.on_commit(lambda: [handler() for handler in _site_changed])


def publication_changed(publication_id: int) -> None:
    """After commit: the portal re-indexes the publication and drops cached pages."""
    transaction.on_commit(lambda: [handler(publication_id) for handler in _publication_changed])
