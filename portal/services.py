from django.db.models import F

from content.models import Publication
from portal import search
from portal.models import SiteGeneration


def bump_generation() -> None:
    """Public content changed: every cached page and ETag from before is now stale."""
    if not SiteGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        SiteGeneration.objects.get_or_create(pk=1, defaults={"value": 2})


def publication_changed(publication_id: int) -> None:
    """Run by the publishing services after their transaction commits: re-index, then invalidate pages."""
    publication = Publication.objects.filter(pk=publication_id).first()
    if publication is None:
        search.remove_from_index(publication_id)
    else:
        search.index_publication(publication)
    bump_generation()


def rebuild_search_index() -> int:
    """The index is derived data: this recreates it from the publications (e.g. after a restore)."""
    count = 0
    for publication in Publication.objects.iterator(chunk_size=500):
        search.index_publication(publication)
        count += 1
    bump_generation()
    return count
