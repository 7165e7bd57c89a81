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
    title, summary, body = _plain(publication)
    if connection.vendor == "postgresql":
        SearchEntry.objects.update_or_create(publication=publication, defaults={"vector": None})
        SearchEntry.objects.filter(publication=publication).update(vector=(
            SearchVector(Value(title), weight="A", config="indonesian")
            + SearchVector(Value(summary), weight="B", config="indonesian")
            + SearchVector(Value(body), weight="C", config="indonesian")))
        return
    # Title words count three times and the summary twice, so bm25 ranks them above a mention in the body.
    words = " ".join([*stemmed(title) * 3, *stemmed(summary) * 2, *stemmed(body)])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_search_fts WHERE rowid = %s", [publication.pk])
        cursor.execute("INSERT INTO portal_search_fts(rowid, words) VALUES (%s, %s)", [publication.pk, words])


def remove_from_index(publication_id: int) -> None:
    if connection.vendor == "postgresql":
        SearchEntry.objects.filter(publication_id=publication_id).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_search_fts WHERE rowid = %s", [publication_id])


def search(publications: QuerySet, query: str, *, limit: int = 50) -> list:
    """Best matches first among `publications` (already limited to what the reader may see)."""
    if connection.vendor == "postgresql":
        text = " ".join(query.split()[:MAX_QUERY_WORDS])
        if not text:
            return []
        search_query = SearchQuery(text, config="indonesian", search_type="websearch")
        return list(publications.filter(search_entry__vector=search_query)
                    .annotate(rank=SearchRank(F("search_entry__vector"), search_query))
                    .order_by("-rank", "-publish_at")[:limit])
    words = list(dict.fromkeys(stemmed(query)))[:MAX_QUERY_WORDS]
    if not words:
        return []
    match = " ".join(f'"{w}"' for w in words)
    with connection.cursor() as cursor:
        # Ranked candidates; visibility is applied by the queryset below, so over-fetch a little.
        cursor.execute("SELECT rowid FROM portal_search_fts WHERE portal_search_fts MATCH %s "
                       "ORDER BY bm25(portal_search_fts) LIMIT %s", [match, limit * 20])
        ranked = [row[0] for row in cursor.fetchall()]
    order = {pk: i for i, pk in enumerate(ranked)}
    found = publications.filter(pk__in=ranked)
    return sorted(found, key=lambda p: order[p.pk])[:limit]
