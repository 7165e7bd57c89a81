"""Text from outside (forms, API bodies, query strings, webhooks, imported cells) made safe to store and export."""

import re

from django.utils.text import slugify

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone UTF-16 surrogates (a JSON body
# may carry "\ud800", which no database or UTF-8 file can hold). NUL is among them: PostgreSQL refuses it.
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Drop characters that cannot be stored or exported; line breaks become `\\n`."""
    return UNSTORABLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def clean_deep(value):
    """clean_text() over every string inside JSON-like data (dicts, lists), keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_deep(k): clean_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_deep(v) for v in value]
    return value


def nesting_depth(value, *, limit: int) -> int:
    """How deeply lists and dicts nest, counted without recursion and stopping once past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def word_slug(text: str, limit: int) -> str:
    """slugify(text) in at most `limit` characters, cut between words ("…sehingga-warga", never "…sehingga-warg");
    a single word longer than the limit is cut where it must be."""
    slug = slugify(text)
    if len(slug) <= limit:
        return slug
    cut = slug[:limit + 1]
    boundary = cut.rfind("-")
    return (cut[:boundary] if boundary > 0 else slug[:limit]).strip("-")
