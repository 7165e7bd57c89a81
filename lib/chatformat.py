"""WhatsApp-style formatting (`*tebal*`, `_miring_`, `~coret~`, ```` ```kode``` ````) as HTML for the channels that
render HTML: Telegram's HTML parse mode and e-mail. Everything else is escaped, so any text arrives as written."""

import html
import re

URL = re.compile(r"https?://[^\s<>\"]*[^\s<>\"*_~.,;:!?)]")
MONO = re.compile(r"```(.+?)```", re.DOTALL)
BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
TAG = re.compile(r"</?([a-z]+)[^>]*>")
# Stand-ins for links and code while the markers are replaced, from Unicode's private use area.
HOLD_OPEN, HOLD_CLOSE = "\ue000", "\ue001"


def _balanced(markup: str) -> bool:
    stack: list[str] = []
    for match in TAG.finditer(markup):
        name = match.group(1)
        if match.group(0).startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def to_html(text: str, *, bold: str = "b", italic: str = "i", strike: str = "s", link: bool = False) -> str:
    """The text escaped, with its formatting markers as tags. Markers that would not nest properly are left as
    typed (the whole text then carries no tags), so the result is always well-formed."""
    held: list[str] = []

    def hold(markup: str) -> str:
        held.append(markup)
        return f"{HOLD_OPEN}{len(held) - 1}{HOLD_CLOSE}"

    escaped = html.escape(text.replace(HOLD_OPEN, "").replace(HOLD_CLOSE, ""))
    marked = MONO.sub(lambda m: hold(f"<code>{m.group(1)}</code>"), escaped)
    marked = URL.sub(lambda m: hold(f'<a href="{m.group(0)}">{m.group(0)}</a>' if link else m.group(0)), marked)
    marked = BOLD.sub(rf"<{bold}>\1</{bold}>", marked)
    marked = ITALIC.sub(rf"<{italic}>\1</{italic}>", marked)
    marked = STRIKE.sub(rf"<{strike}>\1</{strike}>", marked)
    if not _balanced(marked):
        marked = URL.sub(lambda m: hold(f'<a href="{m.group(0)}">{m.group(0)}</a>' if link else m.group(0)),
                         MONO.sub(lambda m: hold(f"<code>{m.group(1)}</code>"), escaped))
    return re.sub(f"{HOLD_OPEN}(\\d+){HOLD_CLOSE}", lambda m: held[int(m.group(1))], marked)


def to_plain(text: str) -> str:
    """The text without its formatting markers (an e-mail's plain-text part)."""
    return STRIKE.sub(r"\1", ITALIC.sub(r"\1", BOLD.sub(r"\1", MONO.sub(r"\1", text))))
