from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SiteGeneration(models.Model):
    """One row whose counter goes up whenever public content changes; cached pages and ETags carry it, so a
    publication is on every page of every process the moment it is published."""

    value = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.value)


class SearchEntry(models.Model):
    """PostgreSQL full-text vector of a publication (`indonesian` configuration). SQLite uses an FTS5 table."""

    publication = models.OneToOneField("content.Publication", primary_key=True, on_delete=models.CASCADE,
                                       related_name="search_entry")
    vector = SearchVectorField(null=True)
    # Title and summary only: small enough to stay inline, so ranking thousands of matches reads no TOAST.
    headline = SearchVectorField(null=True)

    def __str__(self) -> str:
        return str(self.publication_id)
