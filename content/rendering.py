"""Publication bodies: Markdown in, sanitised HTML out. The stored body_html is safe to mark |safe in templates."""

import re

import markdown
import nh3

ALLOWED_TAGS = frozenset({
    "p", "h2", "h3", "h4", "ul", "ol", "li", "a", "strong", "em", "blockquote", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td", "img", "hr", "br",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed together with everything inside them (other unknown tags are dropped but their text is kept).
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "textarea", "select",
})
LINK_REL = "noopener nofollow"

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES), link_rel=LINK_REL, clean_content_tags=set(DROPPED_WITH_CONTENT),
    strip_comments=True,
)
# "# Judul" is the most common heading people type; the page title is the only h1, so headings move down a level
# (h1 -> h2) and the deepest ones are folded into h4 instead of losing their heading role.
_H1 = re.compile(r"<(/?)h1\b", re.IGNORECASE)
_H56 = re.compile(r"<(/?)h[56]\b", re.IGNORECASE)


def render_markdown(text: str) -> str:
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    html = _H56.sub(r"<\1h4", _H1.sub(r"<\1h2", html))
    return _cleaner.clean(html)


def plain_text(html: str) -> str:
    """The words of sanitised HTML without any tags, entities decoded, whitespace collapsed."""
    import html as html_module

    # Every "<" in sanitised HTML starts a tag (text has &lt;); a space before each keeps words of adjacent
    # blocks and cells apart once the tags are gone.
    text = nh3.clean((html or "").replace("<", " <"), tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    return " ".join(html_module.unescape(text).split())
