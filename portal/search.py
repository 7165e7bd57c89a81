"""Publication search that understands Indonesian word forms.

SQLite: an FTS5 table holds each publication's Sastrawi stems (election words such as "pemilu" kept intact), and
the query is stemmed the same way. PostgreSQL: a tsvector in the `indonesian` configuration with a GIN index.
The index is written by `index_publication()`, which the publishing services call on every change.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet, Value

from lib.indonesian import stemmed
from portal.models import SearchEntry

MAX_QUERY_WORDS = 12


def _plain(publication) -> tuple[str, str, str]:
    return publication.title, publication.summary, publication.body


def index_publication(publication) -> None:
    """Only published items are in the index (drafts could otherwise crowd out what readers may see)."""
    if publication.status != publication.Status.PUBLISHED:
        remove_from_index(publication.pk)
        return
    title, summary, body = _plain(publication)
    if connection.vendor == "postgresql":
        headline = (SearchVector(Value(title), weight="A", config="indonesian")
                    + SearchVector(Value(summary), weight="B", config="indonesian"))
        SearchEntry.objects.update_or_create(publication=publication, defaults={"vector": None})
        SearchEntry.objects.filter(publication=publication).update(
            headline=headline, vector=headline + SearchVector(Value(body), weight="C", config="indonesian"))
        return
    # Title words count three times and the summary twice, so bm25 ranks them above a mention in the body.
    words = " ".join([*stemmed(title) * 3, *stemmed(summary) * 2, *stemmed(body)])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_search_fts WHERE rowid = %s", [publication.pk])
        cursor.execute("INSERT INTO portal_search_fts(rowid, words, office_id) VALUES (%s, %s, %s)",
                       [publication.pk, words, publication.office_id])


def remove_from_index(publication_id: int) -> None:
    if connection.vendor == "postgresql":
        SearchEntry.objects.filter(publication_id=publication_id).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_search_fts WHERE rowid = %s", [publication_id])


def search(publications: QuerySet, query: str, *, office_ids: list[int] | None = None, limit: int = 50) -> list:
    """Best matches first among `publications` (already limited to what the reader may see).

    `office_ids` narrows the SQLite candidates to the offices whose items the reader may see, so that other
    offices' items never crowd them out of the ranked candidates; None means every office."""
    if connection.vendor == "postgresql":
        text = " ".join(query.split()[:MAX_QUERY_WORDS])
        if not text:
            return []
        search_query = SearchQuery(text, config="indonesian", search_type="websearch")
        # Matches in the title or summary first, ranked; then matches in the body, newest first. The second step
        # walks publications newest first and stops at `limit`, so a word found in nearly every text (an election
        # portal's "pemilihan") does not make PostgreSQL unpack every document's vector.
        best = list(publications.filter(search_entry__headline=search_query)
                    .annotate(rank=SearchRank(F("search_entry__headline"), search_query))
                    .order_by("-rank", "-publish_at", "-id").values_list("pk", flat=True)[:limit])
        if len(best) < limit:
            best += list(publications.filter(search_entry__vector=search_query).exclude(pk__in=best)
                         .order_by("-publish_at", "-id").values_list("pk", flat=True)[:limit - len(best)])
        rows = {p.pk: p for p in publications.filter(pk__in=best)}
        return [rows[pk] for pk in best]
    words = list(dict.fromkeys(stemmed(query)))[:MAX_QUERY_WORDS]
    if not words:
        return []
    match = "words : (" + " ".join(f'"{w}"' for w in words) + ")"
    if office_ids is not None:
        if not office_ids:
            return []
        # office_id is an indexed column: FTS5 intersects posting lists instead of reading every match's row.
        match += " AND office_id : (" + " OR ".join(f'"{int(pk)}"' for pk in office_ids) + ")"
    with connection.cursor() as cursor:
        # Ranked candidates (the office column has weight 0 in bm25: it filters and does not weigh in the ranking);
        # the queryset below applies the schedule (publish/unpublish times).
        cursor.execute("SELECT rowid FROM portal_search_fts WHERE portal_search_fts MATCH %s "
                       "ORDER BY bm25(portal_search_fts, 1.0, 0.0) LIMIT %s", [match, limit * 4])
        ranked = [row[0] for row in cursor.fetchall()]
    order = {pk: i for i, pk in enumerate(ranked)}
    # Visibility is checked on the ids alone; only the `limit` best are then read whole. Reading every visible
    # candidate (up to limit * 4 rows with their bodies) cost more than the rest of the search.
    visible = publications.filter(pk__in=ranked).order_by().values_list("pk", flat=True)
    best = sorted(visible, key=order.__getitem__)[:limit]
    rows = {p.pk: p for p in publications.filter(pk__in=best)}
    return [rows[pk] for pk in best if pk in rows]
