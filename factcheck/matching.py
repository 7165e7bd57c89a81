"""Lexical claim matching: BM25 over claim terms (lib.claimtext) and their adjacent pairs.

The index lives in memory; `search()` scores only documents that share a term with the query, visiting terms from
the rarest up. Common terms (in more than COMMON_FRACTION of the documents) only add to documents that a rarer
term already found, so a query against 100,000 clarifications stays in milliseconds. `explain()` names the terms
that made a match, which staff see next to its score.
"""

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lib.claimtext import terms as claim_terms

K1 = 1.2
B = 0.75
PAIR_WEIGHT = 0.6          # an adjacent pair of terms ("coblos ulang") counts, a little less than a word
COMMON_FRACTION = 0.005
CANDIDATE_FLOOR = 200     # below this many documents found, common terms may still bring in new ones
MAX_CANDIDATES = 1_000
MIN_IDF = 0.3              # log(1 + 0.35): a term in about three quarters of the documents
# IDF is computed as if there were at least this many documents: with an office's first handful of claims every
# word would otherwise look common (one document: every IDF below MIN_IDF) and nothing would ever match.
MIN_COLLECTION = 300


def with_pairs(items: list[str]) -> list[str]:
    plain = [t for t in items if not t.startswith("url:")]
    return items + [f"{a}+{b}" for a, b in zip(plain, plain[1:], strict=False)]


def default_analyzer(text: str) -> list[str]:
    return with_pairs(claim_terms(text))


@dataclass(frozen=True)
class Match:
    id: str
    score: float


class LexicalIndex:
    """Documents can be added, replaced and removed one at a time; IDF and the average length are computed from the
    live counts at query time, so an index changed document by document ranks exactly like one built afresh from
    the same documents (ties go to the larger id either way)."""

    def __init__(self, analyzer: Callable[[str], list[str]] = default_analyzer):
        self.analyzer = analyzer
        self.ids: list[str | None] = []     # by slot; None where a removed document was (its slot is reused)
        self.lengths: list[int] = []
        self.groups: list[object] = []
        self.texts: dict[str, str] = {}     # id → the text indexed (explain() and removal re-read it)
        # term → {slot: term frequency}. The dict is also the lookup for a common term, so nothing is held twice.
        self.postings: dict[str, dict[int, int]] = {}
        self.failed: dict[str, str] = {}   # id → why its text could not be analysed (left out, the rest indexed)
        self._slots: dict[str, int] = {}
        self._free: list[int] = []
        self._total_length = 0

    def build(self, documents: Iterable[tuple]) -> "LexicalIndex":
        """(id, text) pairs, or (id, text, group) triples: search() can then be limited to some groups (offices)
        while it scores, so matches of other groups never crowd out the ones wanted."""
        for doc_id, text, *group in documents:
            self.add(doc_id, text, group[0] if group else None)
        return self

    def add(self, doc_id: str, text: str, group: object = None) -> bool:
        """Adds the document, or replaces the one with its id. False when its text cannot be analysed: it is then
        left out (and any earlier version of it removed), with the reason in `failed`."""
        self.remove(doc_id)
        try:
            counts = Counter(self.analyzer(text))
        except Exception as exc:  # one bad document must never stop the others from matching
            self.failed[doc_id] = f"{type(exc).__name__}: {exc}"[:300]
            return False
        length = sum(counts.values())
        if self._free:
            slot = self._free.pop()
            self.ids[slot], self.groups[slot], self.lengths[slot] = doc_id, group, length
        else:
            slot = len(self.ids)
            self.ids.append(doc_id)
            self.groups.append(group)
            self.lengths.append(length)
        self._slots[doc_id] = slot
        self.texts[doc_id] = text
        self._total_length += length
        postings = self.postings
        for term, tf in counts.items():
            found = postings.get(term)
            if found is None:
                postings[term] = {slot: tf}
            else:
                found[slot] = tf
        return True

    def remove(self, doc_id: str) -> bool:
        self.failed.pop(doc_id, None)
        slot = self._slots.pop(doc_id, None)
        if slot is None:
            return False
        text = self.texts.pop(doc_id)
        try:
            terms = set(self.analyzer(text))
        except Exception:  # it analysed when added; should the analyzer have changed since, look everywhere
            terms = [t for t, found in self.postings.items() if slot in found]
        for term in terms:
            found = self.postings.get(term)
            if found is not None and found.pop(slot, None) is not None and not found:
                del self.postings[term]
        self._total_length -= self.lengths[slot]
        self.ids[slot], self.groups[slot], self.lengths[slot] = None, None, 0
        self._free.append(slot)
        return True

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slots

    @property
    def _average(self) -> float:
        return self._total_length / len(self._slots) if self._slots else 1.0

    def _idf(self, df: int) -> float:
        return math.log(1 + (max(len(self._slots), MIN_COLLECTION) - df + 0.5) / (df + 0.5))

    def _weight(self, term: str) -> float:
        found = self.postings.get(term)
        return self._idf(len(found)) * (PAIR_WEIGHT if "+" in term else 1.0) if found else 0.0

    def _rank_key(self, item: tuple[int, float]) -> tuple[float, str]:
        return item[1], self.ids[item[0]]

    def search(self, text: str, k: int = 10, groups: set | frozenset | None = None) -> list[Match]:
        query = Counter(self.analyzer(text))
        known = sorted((t for t in query if t in self.postings), key=lambda t: len(self.postings[t]))
        if not known:
            return []
        scores: dict[int, float] = defaultdict(float)
        common = max(50, int(len(self._slots) * COMMON_FRACTION))
        average = self._average
        for term in known:
            postings = self.postings[term]
            idf = self._idf(len(postings))
            if idf < MIN_IDF:
                continue   # in most documents: it cannot change the ranking, only cost time
            weight = idf * (PAIR_WEIGHT if "+" in term else 1.0)
            if len(postings) > common and len(scores) >= CANDIDATE_FLOOR:
                # A common term only re-ranks what the rarer terms found: look those up instead of walking the list.
                pairs = [(index, postings[index]) for index in scores if index in postings]
            else:
                pairs = postings.items()
            for index, tf in pairs:
                if groups is not None and self.groups[index] not in groups:
                    continue
                norm = tf + K1 * (1 - B + B * self.lengths[index] / average)
                scores[index] += weight * tf * (K1 + 1) / norm
            if len(scores) > MAX_CANDIDATES:
                scores = defaultdict(float, heapq.nlargest(MAX_CANDIDATES, scores.items(), key=self._rank_key))
        best = heapq.nlargest(k, scores.items(), key=self._rank_key)
        return [Match(self.ids[i], round(s, 4)) for i, s in best]

    def self_score(self, text: str) -> float:
        """What a document saying exactly the query would score: the scale for a match's percentage. Words no
        document has count at the weight of the rarest word, so a report about something new scores low."""
        query = Counter(self.analyzer(text))
        length = sum(query.values())
        unseen = math.log(1 + (max(len(self._slots), MIN_COLLECTION) + 0.5) / 0.5)
        average = self._average
        total = 0.0
        for term, tf in query.items():
            found = self.postings.get(term)
            idf = self._idf(len(found)) if found else unseen
            if idf < MIN_IDF:
                continue
            norm = tf + K1 * (1 - B + B * length / average)
            total += idf * (PAIR_WEIGHT if "+" in term else 1.0) * tf * (K1 + 1) / norm
        return total

    def explain(self, query_text: str, document_text: str) -> list[str]:
        """The shared terms, most telling first (pairs shown as "kata kata")."""
        shared = set(self.analyzer(query_text)) & set(self.analyzer(document_text))
        ranked = sorted(shared, key=self._weight, reverse=True)
        return [t.replace("+", " ").removeprefix("url:") for t in ranked[:8]]


def confidence(score: float, ideal: float, runner_up: float | None) -> int:
    """0–100: how much of the report the match covers, averaged with how clearly it beats the next candidate, and
    never above the coverage itself (with one candidate, or a young office's few, the margin says nothing). On the
    dev set (bench/bench_match.py prints the table) 40 answers with 95% precision and never answers a report that
    has no clarification."""
    if score <= 0 or ideal <= 0:
        return 0
    coverage = min(1.0, score / ideal)
    margin = 1.0 if not runner_up else max(0.0, min(1.0, 2 * (1 - runner_up / score)))
    return round(100 * min(coverage, (coverage + margin) / 2))
