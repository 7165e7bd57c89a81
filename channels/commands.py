"""The one table of inbound commands: BERHENTI/MULAI, JADWAL, INFO, CEK and whatever a later app adds (RSVP words).

The router consults it; each app registers what it answers in its AppConfig.ready(), so the inbox never imports the
apps that answer and a new command is one registration. Two stages:

- before filing (`before_filing=True`): subscription keywords and the like, handled for every private message the
  router takes, also from a sender flagged as flooding, before the message is filed into its conversation. Those with
  a matcher give the message its stored `keyword` (computed once, on the webhook's path).
- replies: after filing, in priority order, the first whose matcher accepts the text and whose handler returns True
  answers the message; a handler without a matcher looks at every message (a tipline takes them all).
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Matcher = Callable[[str], bool]


@dataclass(frozen=True)
class Command:
    name: str
    handle: Callable[..., bool | None]
    matches: Matcher | None = None
    before_filing: bool = False
    priority: int = 100


_commands: dict[str, Command] = {}


def register(command: Command) -> None:
    _commands[command.name] = command


def registered() -> list[Command]:
    return sorted(_commands.values(), key=lambda c: (c.priority, c.name))


def normalized(text: str) -> str:
    """A whole-message command as people type it: any case, spacing or punctuation; "/stop@NamaBot" is "/STOP"."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().upper().split("@")[0]
    return " ".join(re.sub(r"[^\w/ ]", " ", cleaned).split())


def words(choices: Iterable[str]) -> Matcher:
    wanted = frozenset(choices)
    return lambda text: normalized(text) in wanted


def keyword_of(text: str) -> str:
    """The before-filing command a private text message is (stored with it), or ""."""
    for command in registered():
        if command.before_filing and command.matches is not None and command.matches(text):
            return command.name
    return ""


def before_filing(*, channel, inbound) -> None:
    for command in registered():
        if command.before_filing and (command.matches is None or command.name == inbound.keyword):
            command.handle(channel=channel, message=inbound)


def reply(*, conversation, message, channel, created: bool) -> bool:
    """True when a registered command answered the message."""
    for command in registered():
        if command.before_filing or (command.matches is not None and not command.matches(message.text or "")):
            continue
        if command.handle(conversation=conversation, message=message, channel=channel, created=created):
            return True
    return False
