from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from content import selectors, services
from content.models import Publication
from offices.models import Office


@pytest.fixture
def authors(make_staff, madiun, kab_madiun, jatim, ri):
    """A writer and an approver in each office, so each office can publish its own items."""
    return {office.code: (make_staff(office, Role.OPERATOR), make_staff(office, Role.EDITOR))
            for office in (madiun, kab_madiun, jatim, ri)}


@pytest.fixture
def publish_in(authors):
    def run(office, title, **kwargs):
        writer, editor = authors[office.code]
        kwargs.setdefault("body", "Isi.")
        publication = services.create_publication(actor=writer, office=office, kind=Publication.Kind.NEWS,
                                                  title=title, **kwargs)
        services.submit_for_review(actor=writer, publication=publication)
        return services.approve_and_publish(actor=editor, publication=publication)

    return run


def titles(queryset):
    return sorted(p.title for p in queryset)


def test_a_scheduled_item_becomes_public_when_its_time_comes(publish_in, madiun):
    now = timezone.now()
    publication = publish_in(madiun, "Terjadwal", publish_at=now + timedelta(hours=2),
                             unpublish_at=now + timedelta(days=1))
    assert publication.status == Publication.Status.PUBLISHED
    assert titles(selectors.public_publications(madiun, now=now)) == []
    # Schedules are kept to whole minutes, publishing rounded up.
    assert titles(selectors.public_publications(madiun, now=now + timedelta(hours=2, minutes=1))) == ["Terjadwal"]
    assert titles(selectors.portal_listing(madiun, now=now + timedelta(hours=3))) == ["Terjadwal"]
    assert selectors.public_publication(madiun, publication.slug, now=now) is None
    assert selectors.public_publication(madiun, publication.slug, now=now + timedelta(hours=3)) == publication
    # unpublish_at ends it.
    assert titles(selectors.public_publications(madiun, now=now + timedelta(days=1))) == []


def test_drafts_reviews_and_archived_items_are_never_public(make_publication, publish, editor, writer, madiun):
    make_publication(title="Draf")
    in_review = make_publication(title="Ditinjau")
    services.submit_for_review(actor=writer, publication=in_review)
    archived = publish(make_publication(title="Diarsipkan"))
    services.archive(actor=editor, publication=archived)
    later = timezone.now() + timedelta(days=1)
    assert titles(selectors.public_publications(madiun, now=later)) == []
    assert titles(selectors.portal_listing(madiun, now=later)) == []


def test_an_office_portal_shows_its_own_and_its_ancestors_items(publish_in, madiun, kab_madiun, jatim, ri):
    for office in (madiun, kab_madiun, jatim, ri):
        publish_in(office, f"Rilis {office.name}")
    later = timezone.now() + timedelta(minutes=5)
    assert titles(selectors.public_publications(madiun, now=later)) == [
        "Rilis KPU Kota Madiun", "Rilis KPU Provinsi Jawa Timur", "Rilis KPU RI"]
    assert titles(selectors.public_publications(jatim, now=later)) == [
        "Rilis KPU Provinsi Jawa Timur", "Rilis KPU RI"]
    assert titles(selectors.public_publications(ri, now=later)) == ["Rilis KPU RI"]


def test_listings_also_show_the_descendants_items(publish_in, madiun, kab_madiun, jatim, ri):
    for office in (madiun, kab_madiun, jatim, ri):
        publish_in(office, f"Rilis {office.name}")
    later = timezone.now() + timedelta(minutes=5)
    everyone = ["Rilis KPU Kabupaten Madiun", "Rilis KPU Kota Madiun", "Rilis KPU Provinsi Jawa Timur",
                "Rilis KPU RI"]
    assert titles(selectors.portal_listing(ri, now=later)) == everyone
    assert titles(selectors.portal_listing(jatim, now=later)) == everyone
    # A sibling's item never appears on a kabupaten/kota listing.
    assert titles(selectors.portal_listing(madiun, now=later)) == [
        "Rilis KPU Kota Madiun", "Rilis KPU Provinsi Jawa Timur", "Rilis KPU RI"]
    other_province = Office.objects.get(code="31")
    assert titles(selectors.portal_listing(other_province, now=later)) == ["Rilis KPU RI"]


def test_live_publications_are_every_offices_live_items(publish_in, make_publication, madiun, kab_madiun, ri):
    for office in (madiun, kab_madiun, ri):
        publish_in(office, f"Rilis {office.name}")
    make_publication(title="Draf")
    later = timezone.now() + timedelta(minutes=5)
    assert selectors.live_publications(later).count() == 3
    assert selectors.live_publications(timezone.now() - timedelta(hours=1)).count() == 0


def test_listings_filter_by_kind(publish_in, madiun):
    publish_in(madiun, "Berita")
    later = timezone.now() + timedelta(minutes=5)
    assert titles(selectors.public_publications(madiun, kind=Publication.Kind.NEWS, now=later)) == ["Berita"]
    assert titles(selectors.portal_listing(madiun, kind=Publication.Kind.FAQ, now=later)) == []


def test_public_publication_prefers_the_offices_own_item_then_the_nearest_above(publish_in, madiun, kab_madiun,
                                                                                jatim, ri):
    national = publish_in(ri, "Jadwal", slug="jadwal")
    provincial = publish_in(jatim, "Jadwal", slug="jadwal")
    later = timezone.now() + timedelta(minutes=5)
    assert selectors.public_publication(madiun, "jadwal", now=later) == provincial
    own = publish_in(madiun, "Jadwal", slug="jadwal")
    assert selectors.public_publication(madiun, "jadwal", now=later) == own
    assert selectors.public_publication(jatim, "jadwal", now=later) == provincial
    assert selectors.public_publication(ri, "jadwal", now=later) == national
    # A descendant's item is found on the portals above it (which redirect to its own portal); a sibling's never.
    sibling = publish_in(kab_madiun, "Khusus", slug="khusus")
    assert selectors.public_publication(madiun, "khusus", now=later) is None
    assert selectors.public_publication(jatim, "khusus", now=later) == sibling
    assert selectors.public_publication(ri, "khusus", now=later) == sibling
    assert selectors.public_publication(kab_madiun, "khusus", now=later) == sibling
    # Of two offices below with the same slug, the most recently published.
    newer = publish_in(madiun, "Khusus juga", slug="khusus")
    assert selectors.public_publication(jatim, "khusus", now=later) == newer
    assert selectors.public_publication(madiun, "khusus", now=later) == newer
    assert selectors.public_publication(kab_madiun, "khusus", now=later) == sibling
    assert selectors.public_publication(madiun, "tidak-ada", now=later) is None


def test_next_schedule_change_is_the_earliest_future_start_or_end(publish_in, madiun, jatim):
    assert selectors.next_schedule_change() is None
    start = timezone.now()
    publish_in(madiun, "Nanti", publish_at=start + timedelta(hours=5))
    publish_in(jatim, "Berakhir", unpublish_at=start + timedelta(hours=3))
    now = timezone.now()
    assert selectors.next_schedule_change(now) == Publication.objects.get(title="Berakhir").unpublish_at
    assert selectors.next_schedule_change(now + timedelta(hours=4)) == Publication.objects.get(
        title="Nanti").publish_at
    assert selectors.next_schedule_change(now, offices=[madiun]) == Publication.objects.get(title="Nanti").publish_at
    assert selectors.next_schedule_change(now + timedelta(hours=6)) is None


def test_staff_see_their_office_and_the_offices_below(publish_in, make_publication, madiun, kab_madiun, jatim, ri):
    for office in (madiun, kab_madiun, jatim, ri):
        publish_in(office, f"Rilis {office.name}")
    assert titles(selectors.publications_visible_to(madiun)) == ["Rilis KPU Kota Madiun"]
    assert titles(selectors.publications_visible_to(jatim)) == [
        "Rilis KPU Kabupaten Madiun", "Rilis KPU Kota Madiun", "Rilis KPU Provinsi Jawa Timur"]
    assert selectors.publications_visible_to(ri).count() == 4
