"""What other apps hold about a person, for the data-subject rights of UU 27/2022 (export and erasure).

Each app that keeps something about a member registers, in its AppConfig.ready(), a function that exports it (a
JSON-ready value under its own key) and one that erases it; members asks them all and imports none of them.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Holder:
    key: str                                 # the export's key, e.g. "messages"
    export: Callable[[object], object]       # member → JSON-ready value
    erase: Callable[[object], object]        # member → anything (called inside the erasure's transaction)


_holders: dict[str, Holder] = {}


def register(holder: Holder) -> None:
    _holders[holder.key] = holder


def holders() -> list[Holder]:
    """In the order the apps registered (INSTALLED_APPS order: deliveries, messages, then hoax reports)."""
    return list(_holders.values())


def export(member) -> dict:
    return {holder.key: holder.export(member) for holder in holders()}


def erase(member) -> None:
    for holder in holders():
        holder.erase(member)
