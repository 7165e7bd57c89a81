"""What apps above the portal add to its pages, registered in their AppConfig.ready(): a part of every office's
home page (cek fakta's latest clarifications) and a section of the sitemap. The portal imports none of them."""

from collections.abc import Callable

_home: list[Callable[[object], dict]] = []


def on_home_page(provider: Callable[[object], dict]) -> None:
    """provider(office) → extra context for portal/home.html."""
    if provider not in _home:
        _home.append(provider)


def home_context(office) -> dict:
    context: dict = {}
    for provider in _home:
        context.update(provider(office))
    return context
