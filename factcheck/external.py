"""Fact-checks published elsewhere, read so that the knowledge base does not start empty.

Two inputs are understood:

* schema.org ClaimReview JSON-LD: one object, a list, an object with "@graph", or an HTML page with
  `<script type="application/ld+json">` blocks. Other objects in the graph (WebPage, Organization…) are skipped.
* the Google Fact Check Tools API: a claims:search response ({"claims": [...]}), the same claim objects as JSON
  lines, and pages responses ({"claimReviewMarkupPages": [...]} or a single page).

`parse()` does no database work and never raises on bad input. What cannot be read becomes a `Problem` and the
other items are still read. A Problem with an item number means that item (or one review of it) was left out;
item 0 concerns the file as a whole or one ld+json block of a page. Optional values that cannot be used (a date in
an unknown format, a non-http link to where the claim appeared) are left empty without a Problem.
"""

import html
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MAX_BYTES = 20 * 1024 * 1024
CLAIM_LENGTH = 500
RATING_LENGTH = 100
NAME_LENGTH = 200
LANGUAGE_LENGTH = 35

VERDICTS = ("false", "misleading", "false_context", "manipulated", "satire", "true", "unverified")


@dataclass(frozen=True)
class ExternalFactCheck:
    claim_reviewed: str
    rating: str
    verdict: str
    url: str
    publisher: str
    published: datetime | None
    item_reviewed_url: str
    claimant: str
    language: str


@dataclass(frozen=True)
class Problem:
    """`item` is 1-based: the n-th ClaimReview of a JSON-LD file or page, the n-th claim (or page) of a Fact Check
    Tools response, the line number in JSON lines; 0 for the file as a whole."""

    item: int
    field: str
    message: str


@dataclass
class ParseResult:
    checks: list[ExternalFactCheck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# Rating words, checked longest phrase first so that "konteks keliru" is not read as "keliru" and "sebagian
# benar" not as "benar". Among phrases of the same length the order below decides.
_RATING_PHRASES: dict[str, tuple[str, ...]] = {
    "unverified": ("belum dapat diverifikasi", "tidak dapat diverifikasi", "belum terbukti", "tidak terbukti",
                   "unproven", "unverified", "unsubstantiated"),
    # Mafindo's Indonesian names of the First Draft categories too: "Konteks yang Salah", "Koneksi yang Salah"…
    "false_context": ("konteks yang salah", "konteks yang keliru", "konteks keliru", "konteks salah",
                      "false context", "missing context", "out of context"),
    "manipulated": ("konten manipulasi", "konten palsu", "konten tiruan", "manipulasi", "dimanipulasi",
                    "manipulated", "altered", "doctored", "fabricated", "impostor", "imposter", "diedit",
                    "direkayasa", "rekayasa"),
    "misleading": ("koneksi yang salah", "false connection", "sebagian benar", "sebagian salah", "partly false",
                   "partly true", "partially false", "partially true", "half true", "mostly false", "mostly true",
                   "menyesatkan", "misleading", "mixture"),
    "satire": ("satire", "satir", "parodi", "parody", "satirical"),
    "false": ("tidak benar", "bukan fakta", "not true", "pants on fire", "hoaks", "hoax", "salah", "false", "fake",
              "keliru", "palsu", "incorrect", "disinformasi", "misinformasi", "fitnah"),
    "true": ("benar", "true", "correct", "fakta"),
}
_PHRASES: list[tuple[tuple[str, ...], str]] = sorted(
    ((tuple(phrase.split()), verdict) for verdict, phrases in _RATING_PHRASES.items() for phrase in phrases),
    key=lambda entry: -len(entry[0]))


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def map_rating(rating: str, rating_value: object = None, best: object = None, worst: object = None) -> str:
    """One of VERDICTS for a publisher's rating text, else from a numeric rating, else "unverified".

    Without bestRating/worstRating the schema.org defaults (5 and 1) apply.
    """
    words = re.findall(r"[^\W_]+", (rating or "").casefold())
    for phrase, verdict in _PHRASES:
        size = len(phrase)
        if any(tuple(words[i:i + size]) == phrase for i in range(len(words) - size + 1)):
            return verdict
    value, top, bottom = _number(rating_value), _number(best), _number(worst)
    if value is None:
        return "unverified"
    top = 5.0 if top is None else top
    bottom = 1.0 if bottom is None else bottom
    if top == bottom:
        return "unverified"
    position = (value - bottom) / (top - bottom)  # also right for a reversed scale (worst > best)
    if not 0 <= position <= 1:
        return "unverified"
    if position <= 0.2:
        return "false"
    if position >= 0.8:
        return "true"
    return "misleading"


# ---------------------------------------------------------------------------------------------------------------
# Values

# Only complete entities ("&quot;", "&#8220;"): html.unescape alone would also turn "&copy" in "…&copy=1" into "©".
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _clean(value: str) -> str:
    """Collapsed whitespace; entities decoded, since CMSs often HTML-escape the strings of their JSON-LD."""
    return " ".join(_ENTITY.sub(lambda m: html.unescape(m.group()), value).split())


def _text(value: object) -> str:
    """A string, a JSON-LD value object {"@value": …}, or the first of a list of those."""
    for candidate in value if isinstance(value, list) else [value]:
        if isinstance(candidate, dict):
            candidate = candidate.get("@value")
        if isinstance(candidate, str) and (text := _clean(candidate)):
            return text
    return ""


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length].rstrip()


def _raw_url(value: object) -> str:
    for candidate in value if isinstance(value, list) else [value]:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return ""


def _http_url(value: object) -> str:
    """The URL if it is an absolute http(s) URL, else ""."""
    text = _raw_url(value)
    if not text or any(c.isspace() for c in text):
        return ""
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return ""
    return text if parts.scheme.lower() in ("http", "https") and host else ""


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return ""


def _datetime(value: object) -> datetime | None:
    """ISO 8601 in UTC; no offset means UTC, a date alone midnight UTC. A time that cannot be read keeps the date."""
    text = value.strip() if isinstance(value, str) else ""
    candidates = [text]
    if re.match(r"\d{4}-\d{2}-\d{2}.", text):
        candidates.append(text[:10])
    for candidate in candidates:
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            return None
    return None


def _score_label(value: object, best: object) -> str:
    """Rating text for a review that has only a ratingValue: "2/5", "2", or the value itself if it is a word."""
    def label(number: object) -> str:
        if isinstance(number, str):
            return _clean(number)
        return f"{number:g}" if _number(number) is not None else ""

    text = label(value)
    if text and _number(value) is not None and label(best):
        return f"{text}/{label(best)}"
    return text


# ---------------------------------------------------------------------------------------------------------------
# JSON-LD

_END = object()


def _types(node: dict) -> set[str]:
    """Local names of "@type": "ClaimReview", "schema:ClaimReview" and "https://schema.org/ClaimReview" alike."""
    raw = node.get("@type")
    return {re.split(r"[/:#]", t)[-1] for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, str)}


def _is_reference(node: dict) -> bool:
    return set(node) <= {"@id", "@type"}


def _walk(roots: Iterable[Any]) -> Iterator[dict]:
    """Every object in document order, depth first, without recursion (the JSON may be nested deeply)."""
    stack: list[Iterator[Any]] = [iter(roots)]
    while stack:
        node = next(stack[-1], _END)
        if node is _END:
            stack.pop()
        elif isinstance(node, list):
            stack.append(iter(node))
        elif isinstance(node, dict):
            yield node
            stack.append(iter(node.values()))


def _index_ids(roots: list[Any]) -> dict[str, dict]:
    ids: dict[str, dict] = {}
    for node in _walk(roots):
        key = node.get("@id")
        if isinstance(key, str) and not _is_reference(node) and len(node) > len(ids.get(key, {})):
            ids[key] = node
    return ids


def _claim_reviews(roots: list[Any]) -> Iterator[dict]:
    """ClaimReview objects in document order, wherever they are nested; each @id once, references skipped."""
    seen: set[str] = set()
    stack: list[Iterator[Any]] = [iter(roots)]
    while stack:
        node = next(stack[-1], _END)
        if node is _END:
            stack.pop()
        elif isinstance(node, list):
            stack.append(iter(node))
        elif isinstance(node, dict):
            if "ClaimReview" not in _types(node):
                stack.append(iter(node.values()))
                continue
            key = node.get("@id")
            if _is_reference(node) or (isinstance(key, str) and key in seen):
                continue
            if isinstance(key, str):
                seen.add(key)
            yield node


class _Graph:
    def __init__(self, roots: list[Any]):
        self.ids = _index_ids(roots)

    def resolve(self, value: object) -> object:
        if isinstance(value, dict) and isinstance(value.get("@id"), str) and _is_reference(value):
            return self.ids.get(value["@id"], value)
        return value

    def all(self, value: object) -> list[object]:
        return [self.resolve(v) for v in (value if isinstance(value, list) else [value]) if v is not None]

    def first(self, value: object) -> dict:
        return next((v for v in self.all(value) if isinstance(v, dict)), {})

    def names(self, value: object) -> list[tuple[object, str]]:
        """(agent, name) for each author/publisher given as an object or a plain string."""
        found = []
        for agent in self.all(value):
            name = _text(agent.get("name")) if isinstance(agent, dict) else _text(agent)
            if name:
                found.append((agent, name))
        return found

    def publisher(self, review: dict) -> str:
        """The organisation among the authors (a review may list its journalist too), then the review's publisher,
        then the first author named at all, then the host of an author's url or @id."""
        named = self.names(review.get("author")) + self.names(review.get("publisher"))
        for agent, name in named:
            if isinstance(agent, dict) and any(t.endswith("Organization") or t in ("Corporation", "NGO")
                                               for t in _types(agent)):
                return name
        if named:
            return named[0][1]
        for agent in self.all(review.get("author")) + self.all(review.get("publisher")):
            if isinstance(agent, dict) and (url := _http_url(agent.get("url")) or _http_url(agent.get("@id"))):
                return _host(url)
        return ""

    def appearance(self, claim: dict) -> str:
        for key in ("firstAppearance", "appearance", "url"):
            for work in self.all(claim.get(key)):
                url = _http_url(work.get("url") or work.get("@id")) if isinstance(work, dict) else _http_url(work)
                if url:
                    return url
        return ""


def _language(value: object) -> str:
    language = value[0] if isinstance(value, list) and value else value
    if isinstance(language, dict):
        return _text(language.get("alternateName")) or _text(language.get("name"))
    return _text(language)


# ---------------------------------------------------------------------------------------------------------------
# Reading

class _Fields(NamedTuple):
    claim: str
    rating: str
    url: str
    publisher: str


_JSONLD_FIELDS = _Fields("claimReviewed", "reviewRating.alternateName", "url", "author.name")
_CLAIMS_FIELDS = _Fields("text", "claimReview.textualRating", "claimReview.url", "claimReview.publisher")
_PAGES_FIELDS = _Fields("claimReviewMarkups.claimReviewed", "claimReviewMarkups.rating.textualRating",
                        "claimReviewMarkups.url", "claimReviewAuthor.name")


@dataclass
class _Draft:
    claim: str
    rating: str
    url: object
    publisher: str
    published: object = None
    numbers: tuple[object, object, object] = (None, None, None)
    item_reviewed_url: str = ""
    claimant: str = ""
    language: str = ""


_JSON_REASONS = {
    "Expecting value": gettext_noop("nilai tidak ditemukan"),
    "Expecting ',' delimiter": gettext_noop("tanda koma tidak ada"),
    "Expecting ':' delimiter": gettext_noop("tanda titik dua tidak ada"),
    "Expecting property name enclosed in double quotes": gettext_noop(
        "nama kolom harus diapit tanda kutip ganda (atau ada koma berlebih)"),
    "Unterminated string": gettext_noop("teks tidak ditutup tanda kutip"),
    "Invalid control character": gettext_noop("ada karakter kontrol di dalam teks"),
    "Invalid \\escape": gettext_noop("urutan escape tidak sah"),
    "Invalid \\uXXXX escape": gettext_noop("urutan escape \\u tidak sah"),
    "Extra data": gettext_noop("ada data lain setelah JSON selesai"),
}


def _json_reason(error: json.JSONDecodeError) -> str:
    for start, reason in _JSON_REASONS.items():
        if error.msg.startswith(start):
            return _(reason)
    return error.msg


def _is_jsonld(node: dict) -> bool:
    return any(key in node for key in ("@context", "@type", "@graph"))


def _missing(field_name: str) -> str:
    return _("kolom %(field)s kosong atau tidak ada") % {"field": field_name}


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


class _LdJsonBlocks(HTMLParser):
    """The text of each <script type="application/ld+json"> with the (line, column) where that text starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[int, int, str]] = []
        self._current: list[str] | None = None
        self._start = (1, 0)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = next((value or "" for name, value in attrs if name == "type"), "")
        if tag == "script" and kind.split(";")[0].strip().lower() == "application/ld+json":
            self._current = []
            self._start = self.getpos()

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            if not self._current:
                self._start = self.getpos()
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.blocks.append((*self._start, "".join(self._current)))
            self._current = None

    def finish(self) -> None:
        try:
            self.close()
        except AssertionError:
            pass
        if self._current is not None:  # an unclosed last block: older Pythons leave its text in rawdata
            self.blocks.append((*self._start, "".join(self._current) + self.rawdata))
            self._current = None


def _unwrap(block: str) -> str:
    """Blank out an HTML comment or CDATA wrapper around the JSON, keeping line and column numbers."""
    body = block.lstrip()
    lead = len(block) - len(body)
    for opener in ("<!--", "/*<![CDATA[*/", "//<![CDATA[", "<![CDATA["):
        if body.startswith(opener):
            block = block[:lead] + " " * len(opener) + block[lead + len(opener):]
            break
    body = block.rstrip()
    for closer in ("-->", "/*]]>*/", "//]]>", "]]>"):
        if body.endswith(closer):
            block = body[:-len(closer)] + " " * len(closer)
            break
    return block


class _Reader:
    def __init__(self) -> None:
        self.result = ParseResult()
        self.reviews = 0

    def problem(self, item: int, field_name: str, message: str) -> None:
        self.result.problems.append(Problem(item, field_name, message))

    # Files -----------------------------------------------------------------------------------------------------

    def read_json(self, text: str) -> None:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            if self._looks_like_json_lines(text):
                self.read_json_lines(text)
            else:
                self.problem(0, "", _("JSON tidak valid pada baris %(line)d kolom %(column)d: %(reason)s") % {
                    "line": error.lineno, "column": error.colno, "reason": _json_reason(error)})
        except (ValueError, RecursionError):
            self.problem(0, "", _("JSON tidak dapat dibaca (terlalu dalam bertingkat atau angka terlalu panjang)"))
        else:
            self.document(document)

    @staticmethod
    def _looks_like_json_lines(text: str) -> bool:
        """Two or more lines, the first a JSON object by itself or every line shaped like one (a broken line among
        them is then reported by its line number, and the others are still read)."""
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        if len(lines) < 2:
            return False
        if all(line.startswith("{") and line.endswith("}") for line in lines):
            return True
        try:
            return isinstance(json.loads(lines[0]), dict)
        except (ValueError, RecursionError):
            return False

    def read_json_lines(self, text: str) -> None:
        # split("\n") rather than splitlines(): U+2028 and friends may stand unescaped inside JSON strings.
        for number, raw in enumerate(text.split("\n"), 1):
            if not raw.strip():
                continue
            try:
                document = json.loads(raw)
            except json.JSONDecodeError as error:
                self.problem(number, "", _("JSON tidak valid pada baris %(line)d kolom %(column)d: %(reason)s") % {
                    "line": number, "column": error.colno, "reason": _json_reason(error)})
            except (ValueError, RecursionError):
                self.problem(number, "", _("JSON tidak dapat dibaca (terlalu dalam bertingkat atau angka terlalu "
                                           "panjang)"))
            else:
                self.document(document, number)

    def read_html(self, text: str) -> None:
        parser = _LdJsonBlocks()
        try:
            parser.feed(text)
        except AssertionError:  # html.parser on some malformed markup; keep the blocks found so far
            pass
        parser.finish()
        blocks = [block for block in parser.blocks if block[2].strip()]
        if not blocks:
            self.problem(0, "", _('halaman tidak berisi blok <script type="application/ld+json">'))
            return
        documents = []
        for number, (line, column, raw) in enumerate(blocks, 1):
            try:
                documents.append(json.loads(_unwrap(raw)))
            except json.JSONDecodeError as error:
                self.problem(0, "", _("blok ld+json ke-%(block)d: JSON tidak valid pada baris %(line)d kolom "
                                      "%(column)d: %(reason)s") % {
                    "block": number, "line": line + error.lineno - 1,
                    "column": error.colno + (column if error.lineno == 1 else 0), "reason": _json_reason(error)})
            except (ValueError, RecursionError):
                self.problem(0, "", _("blok ld+json ke-%(block)d: JSON tidak dapat dibaca") % {"block": number})
        self.jsonld(documents)

    # Documents -------------------------------------------------------------------------------------------------

    def document(self, document: object, line: int | None = None) -> None:
        """One decoded JSON value; `line` numbers every item in it when it came from JSON lines."""
        if isinstance(document, dict) and not _is_jsonld(document):
            if "claims" in document:
                return self.claims(document["claims"], line)
            if "claimReviewMarkupPages" in document:
                return self.pages(document["claimReviewMarkupPages"], line)
            if "claimReview" in document:
                return self.claim(document, line or 1)
            if "claimReviewMarkups" in document:
                return self.page(document, line or 1)
        if isinstance(document, list) and any(
                isinstance(e, dict) and "claimReview" in e and not _is_jsonld(e) for e in document):
            return self.claims(document, line)
        if not isinstance(document, dict | list):
            return self.problem(line or 0, "", _("isi JSON bukan objek atau daftar"))
        self.jsonld([document], line)

    def jsonld(self, roots: list[Any], line: int | None = None) -> None:
        graph = _Graph(roots)
        for review in _claim_reviews(roots):
            self.reviews += 1
            rating = graph.first(review.get("reviewRating"))
            numbers = (rating.get("ratingValue"), rating.get("bestRating"), rating.get("worstRating"))
            claim = graph.first(review.get("itemReviewed"))
            self.add(line or self.reviews, _JSONLD_FIELDS, _Draft(
                claim=_text(review.get("claimReviewed")),
                rating=_text(rating.get("alternateName")) or _text(rating.get("name")) or _score_label(
                    numbers[0], numbers[1]),
                url=review.get("url"),
                publisher=graph.publisher(review),
                published=review.get("datePublished"),
                numbers=numbers,
                item_reviewed_url=graph.appearance(claim),
                claimant=next((name for _agent, name in graph.names(claim.get("author"))), ""),
                language=_language(review.get("inLanguage"))))

    def claims(self, claims: object, line: int | None) -> None:
        if not isinstance(claims, list):
            return self.problem(line or 0, "claims", _("kolom claims harus berupa daftar"))
        for number, claim in enumerate(claims, 1):
            self.claim(claim, line or number)

    def claim(self, claim: object, item: int) -> None:
        if not isinstance(claim, dict):
            return self.problem(item, "", _("butir ini bukan objek JSON"))
        text = _text(claim.get("text"))
        reviews = claim.get("claimReview")
        reviews = [reviews] if isinstance(reviews, dict) else reviews
        if not text:
            self.problem(item, "text", _missing("text"))
        if not isinstance(reviews, list) or not reviews:
            return self.problem(item, "claimReview", _missing("claimReview"))
        if not text:
            return None
        for number, review in enumerate(reviews, 1):
            part = number if len(reviews) > 1 else None
            if not isinstance(review, dict):
                self.problem(item, "claimReview", self._part(part, _("ulasan ini bukan objek JSON")))
                continue
            publisher = review.get("publisher")
            if isinstance(publisher, dict):
                publisher = _text(publisher.get("name")) or _text(publisher.get("site"))
            self.add(item, _CLAIMS_FIELDS, _Draft(
                claim=text, rating=_text(review.get("textualRating")), url=review.get("url"),
                publisher=_text(publisher), published=review.get("reviewDate"),
                claimant=_text(claim.get("claimant")), language=_text(review.get("languageCode"))), part)
        return None

    def pages(self, pages: object, line: int | None) -> None:
        if not isinstance(pages, list):
            return self.problem(line or 0, "claimReviewMarkupPages", _("kolom claimReviewMarkupPages harus berupa "
                                                                        "daftar"))
        for number, page in enumerate(pages, 1):
            self.page(page, line or number)

    def page(self, page: object, item: int) -> None:
        if not isinstance(page, dict):
            return self.problem(item, "", _("butir ini bukan objek JSON"))
        markups = page.get("claimReviewMarkups")
        markups = [markups] if isinstance(markups, dict) else markups
        if not isinstance(markups, list) or not markups:
            return self.problem(item, "claimReviewMarkups", _missing("claimReviewMarkups"))
        author = page.get("claimReviewAuthor")
        author_name = _text(author.get("name")) if isinstance(author, dict) else ""
        for number, markup in enumerate(markups, 1):
            part = number if len(markups) > 1 else None
            if not isinstance(markup, dict):
                self.problem(item, "claimReviewMarkups", self._part(part, _("ulasan ini bukan objek JSON")))
                continue
            rating = markup.get("rating") if isinstance(markup.get("rating"), dict) else {}
            numbers = (rating.get("ratingValue"), rating.get("bestRating"), rating.get("worstRating"))
            url = markup.get("url") or page.get("pageUrl")  # the page's URL unless a markup overrides it
            claim_author = markup.get("claimAuthor")
            appearances = markup.get("claimAppearances")
            self.add(item, _PAGES_FIELDS, _Draft(
                claim=_text(markup.get("claimReviewed")),
                rating=_text(rating.get("textualRating")) or _score_label(numbers[0], numbers[1]),
                url=url,
                publisher=author_name or _host(_http_url(url)),
                published=page.get("publishDate"),
                numbers=numbers,
                item_reviewed_url=_http_url(markup.get("claimFirstAppearance")) or next(
                    (u for u in map(_http_url, appearances if isinstance(appearances, list) else []) if u), ""),
                claimant=_text(claim_author.get("name")) if isinstance(claim_author, dict) else "",
            ), part)
        return None

    # Records ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _part(number: int | None, message: str) -> str:
        return message if number is None else _("ulasan ke-%(number)d: %(problem)s") % {
            "number": number, "problem": message}

    def add(self, item: int, fields: _Fields, draft: _Draft, part: int | None = None) -> None:
        faults: list[tuple[str, str]] = []
        claim = _clip(draft.claim, CLAIM_LENGTH)
        if not claim:
            faults.append((fields.claim, _missing(fields.claim)))
        rating = _clip(draft.rating, RATING_LENGTH)
        if not rating:
            faults.append((fields.rating, _missing(fields.rating)))
        raw_url, url = _raw_url(draft.url), _http_url(draft.url)
        if not raw_url:
            faults.append((fields.url, _missing(fields.url)))
        elif not url:
            shown = raw_url if len(raw_url) <= 80 else raw_url[:79] + "…"
            faults.append((fields.url, _("kolom %(field)s harus berupa alamat http(s) lengkap, bukan “%(value)s”") % {
                "field": fields.url, "value": shown}))
        publisher = _clip(draft.publisher, NAME_LENGTH)
        if not publisher:
            faults.append((fields.publisher, _missing(fields.publisher)))
        for field_name, message in faults:
            self.problem(item, field_name, self._part(part, message))
        if faults:
            return
        self.result.checks.append(ExternalFactCheck(
            claim_reviewed=claim,
            rating=rating,
            verdict=map_rating(rating, *draft.numbers),
            url=url,
            publisher=publisher,
            published=_datetime(draft.published),
            item_reviewed_url=draft.item_reviewed_url,
            claimant=_clip(draft.claimant, NAME_LENGTH),
            language=_clip(draft.language, LANGUAGE_LENGTH),
        ))


def parse(data: bytes, filename: str = "") -> ParseResult:
    """Fact-checks in `data`: ClaimReview JSON-LD (JSON or an HTML page) or Google Fact Check Tools JSON/JSON lines.

    The format is recognised from the content; a .jsonl/.ndjson or .html/.htm `filename` settles it.
    """
    reader = _Reader()
    if len(data) > MAX_BYTES:
        reader.problem(0, "", _("berkas terlalu besar (%(size).1f MB); batasnya %(limit)d MB") % {
            "size": len(data) / 1024 / 1024, "limit": MAX_BYTES // 1024 // 1024})
        return reader.result
    try:
        text = _decode(bytes(data))
    except UnicodeDecodeError as error:
        reader.problem(0, "", _("berkas bukan teks UTF-8 (byte tidak sah pada posisi %(position)d)") % {
            "position": error.start + 1})
        return reader.result
    if not text.strip():
        reader.problem(0, "", _("berkas kosong"))
        return reader.result

    suffix = filename.lower().rpartition(".")[2] if "." in filename else ""
    first = text.lstrip()[0]
    if suffix in ("html", "htm") or (first not in "{[" and (
            first == "<" or ("<script" in (lowered := text.lower()) and "ld+json" in lowered))):
        reader.read_html(text)
    elif suffix in ("jsonl", "ndjson"):
        reader.read_json_lines(text)
    else:
        reader.read_json(text)

    if not reader.result.checks and not reader.result.problems:
        reader.problem(0, "", _("tidak ada cek fakta (ClaimReview) di dalam berkas"))
    return reader.result
