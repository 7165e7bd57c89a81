"""The matching index of published clarifications, kept current in every process without rebuilding it.

Every service that changes what the index holds (a clarification published, corrected or withdrawn) writes an
IndexChange row with log_change() in the transaction that makes the change; a plain save() outside the services is
not logged, so no running process sees it before its next full build. Each process keeps its index and a cursor
into that log; before a match it reads the rows after its cursor (one indexed query, nothing else when nothing
changed) and re-reads those clarifications: a published one is added or replaced, anything else is removed. The
index changes under `lock`, held for that apply and for each search, both milliseconds.

A full build happens only at first use, when the log was pruned past the cursor (a process idle for a week), or
when the log was rewound under the index (a database restored, a test rolled back). Pruned: matching goes on from
the old index while a thread builds the new one, swapped in when ready. First use and rewound: there is nothing
trustworthy to serve, so callers wait for the build.

Log ids are taken when a row is inserted, not when it commits, so on PostgreSQL a lower id can become visible after
a higher one: a missing id is kept as a gap and looked up again for GAP_GRACE seconds (after that it was a rollback).
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connections
from django.utils import timezone

from factcheck.matching import LexicalIndex

logger = logging.getLogger(__name__)

GAP_GRACE = 120.0          # seconds a missing log id may still turn out to be a late commit
GAP_WINDOW = 100           # how far below a log id a missing one can be a transaction still committing
RETENTION = timedelta(days=7)
PRUNE_EVERY = 500          # log rows between two prunings


@dataclass(frozen=True)
class Cursor:
    id: int
    marker: tuple   # what that row said: a different row under the same id means the log was rewound


@dataclass
class Changes:
    """What the log says since a cursor: the ids to re-read, the new cursor and the gaps still open."""
    ids: list[str] = field(default_factory=list)
    cursor: Cursor | None = None
    gaps: dict[int, float] = field(default_factory=dict)
    pruned: bool = False       # rows after the cursor were deleted: build anew, serving the old index meanwhile
    rewound: bool = False      # the cursor's row is gone or another: the old index cannot be trusted


class Source:
    """Where a LiveIndex reads from. `snapshot()` gives the cursor before the documents, so anything changed
    while they are read is in the log after it (re-applying a document is harmless)."""

    def snapshot(self) -> tuple[Cursor | None, dict[int, float], Iterable[tuple[str, str, object]]]:
        raise NotImplementedError

    def changes(self, cursor: Cursor | None, gaps: dict[int, float]) -> Changes:
        raise NotImplementedError

    def documents(self, ids: list[str]) -> dict[str, tuple[str, object]]:
        """The current (text, group) of those ids that belong in the index."""
        raise NotImplementedError

    def indexed(self, index: LexicalIndex, ids: list[str] | None) -> None:
        """Told after a build (ids None) or an apply, e.g. to record which documents could not be analysed."""


class LiveIndex:
    def __init__(self, source: Source, factory: Callable[[], LexicalIndex] = LexicalIndex):
        self.source, self.factory = source, factory
        self.index: LexicalIndex | None = None
        self.cursor: Cursor | None = None
        self.gaps: dict[int, float] = {}
        self.builds = 0
        self.lock = threading.Lock()          # the index is changed, or searched
        self._sync = threading.Lock()          # one thread reads the log at a time
        self._build_lock = threading.Lock()    # one full build at a time
        self._builder: threading.Thread | None = None

    def reset(self) -> None:
        """Forget the index: the next match builds it (tests that change the analyzer)."""
        with self.lock:
            self.index, self.cursor, self.gaps = None, None, {}

    def refresh(self) -> None:
        if self.index is None:
            self._build_now()
            return
        if not self._sync.acquire(blocking=False):
            return   # another thread is reading the log: serve what is there rather than wait
        builds = self.builds
        try:
            changes = self.source.changes(self.cursor, self.gaps)
            if not (changes.rewound or changes.pruned):
                self._apply(changes)
        finally:
            self._sync.release()
        if changes.rewound:
            logger.warning("matching index: the change log was rewound under it; building it again")
            self._build_now(unless_built_since=builds)
        elif changes.pruned:
            self._build_in_background()

    def _apply(self, changes: Changes) -> None:
        if changes.ids:
            documents = self.source.documents(changes.ids)
            with self.lock:
                for doc_id in changes.ids:
                    if doc_id in documents:
                        self.index.add(doc_id, *documents[doc_id])
                    else:
                        self.index.remove(doc_id)
            self.source.indexed(self.index, changes.ids)
        self.cursor, self.gaps = changes.cursor, changes.gaps

    def _build(self) -> tuple[LexicalIndex, Cursor | None, dict[int, float]]:
        cursor, gaps, documents = self.source.snapshot()
        index = self.factory().build(documents)
        self.builds += 1
        return index, cursor, gaps

    def _install(self, index: LexicalIndex, cursor: Cursor | None, gaps: dict[int, float]) -> None:
        with self.lock:
            self.index, self.cursor, self.gaps = index, cursor, gaps
        self.source.indexed(index, None)

    def _build_now(self, unless_built_since: int | None = None) -> None:
        with self._build_lock:
            if self.index is None or (unless_built_since is not None and self.builds == unless_built_since):
                self._install(*self._build())

    def _build_in_background(self) -> None:
        if self._builder is not None and self._builder.is_alive():
            return
        if not self._build_lock.acquire(blocking=False):
            return

        def build() -> None:
            try:
                built = self._build()
                with self._sync:
                    self._install(*built)
            except Exception:
                logger.exception("matching index: the background build failed; the old index stays")
            finally:
                self._build_lock.release()
                connections.close_all()   # this thread's own database connection

        self._builder = threading.Thread(target=build, name="matching-index-build", daemon=True)
        self._builder.start()


class ClarificationSource(Source):
    """Published clarifications, each in the group of its office; the text is the claim and the summary."""

    def __init__(self, on_failed: Callable[[dict[str, str], list[str] | None], None] | None = None):
        self.on_failed = on_failed

    def snapshot(self):
        from factcheck.models import Clarification, IndexChange

        recent = list(IndexChange.objects.order_by("-pk").values_list("pk", "clarification_id", "created_at")
                      [:GAP_WINDOW])
        cursor = Cursor(recent[0][0], tuple(recent[0][1:])) if recent else None
        # A lower id not yet visible may be a transaction still committing (PostgreSQL): awaited like any gap.
        present, now = {row[0] for row in recent}, time.monotonic()
        gaps = {pk: now for pk in range(recent[-1][0], recent[0][0]) if pk not in present} if recent else {}
        rows = Clarification.objects.filter(status=Clarification.Status.PUBLISHED).values_list(
            "pk", "office_id", "claim_reviewed", "summary")
        documents = ((str(pk), f"{claim}\n{summary}", office) for pk, office, claim, summary in rows.iterator(2000))
        return cursor, gaps, documents

    def changes(self, cursor: Cursor | None, gaps: dict[int, float]) -> Changes:
        from django.db.models import Q

        from factcheck.models import IndexChange

        after = cursor.id if cursor else 0
        wanted = Q(pk__gte=after) if cursor else Q(pk__gt=0)
        if gaps:
            wanted |= Q(pk__in=list(gaps))
        rows = IndexChange.objects.filter(wanted).order_by("pk").values_list("pk", "clarification_id", "created_at")
        by_id = {pk: (clarification, at) for pk, clarification, at in rows}
        if cursor is not None and by_id.get(cursor.id) != cursor.marker:
            # Pruning only deletes rows older than RETENTION; any other disappearance is a rewind.
            old = cursor.marker[1] < timezone.now() - RETENTION + timedelta(hours=1)
            return Changes(pruned=True) if old and cursor.id not in by_id else Changes(rewound=True)
        now = time.monotonic()
        open_gaps = {pk: since for pk, since in gaps.items() if pk not in by_id and now - since < GAP_GRACE}
        expected = after + 1
        for pk in (pk for pk in by_id if pk > after):
            for missing in range(max(expected, pk - GAP_WINDOW), pk):
                open_gaps.setdefault(missing, now)
            expected = pk + 1
        changed = [pk for pk in by_id if pk > after or pk in gaps]
        ids = list(dict.fromkeys(str(by_id[pk][0]) for pk in changed))
        last = max(by_id, default=None)
        new_cursor = Cursor(last, by_id[last]) if last is not None and last >= after else cursor
        return Changes(ids=ids, cursor=new_cursor, gaps=open_gaps)

    def documents(self, ids: list[str]) -> dict[str, tuple[str, object]]:
        from factcheck.models import Clarification

        rows = Clarification.objects.filter(pk__in=[int(i) for i in ids], status=Clarification.Status.PUBLISHED)
        return {str(pk): (f"{claim}\n{summary}", office)
                for pk, office, claim, summary in rows.values_list("pk", "office_id", "claim_reviewed", "summary")}

    def indexed(self, index: LexicalIndex, ids: list[str] | None) -> None:
        if self.on_failed is not None:
            self.on_failed(index.failed, ids)


def log_change(clarification_id: int) -> None:
    """Tell every process's index that this clarification changed. Call it inside the transaction that changed it,
    so the row commits, or rolls back, with the change."""
    from factcheck.models import IndexChange

    entry = IndexChange.objects.create(clarification_id=clarification_id)
    if entry.pk % PRUNE_EVERY == 0:
        IndexChange.objects.filter(created_at__lt=timezone.now() - RETENTION, pk__lt=entry.pk).delete()
