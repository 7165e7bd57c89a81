from django.contrib.syndication.views import Feed
from django.urls import reverse

from factcheck.public import listed, page_url
from portal.views import office_from_slug

FEED_SIZE = 30


class ClarificationFeed(Feed):
    """The office's 30 newest published clarifications."""

    description_template = None

    def get_object(self, request, office_slug):
        return office_from_slug(office_slug)

    def title(self, office):
        return f"Cek fakta {office.name}"

    def link(self, office):
        return reverse("factcheck_public:clarifications", args=[office.slug])

    def description(self, office):
        return f"Klarifikasi {office.name} atas kabar dan pesan berantai tentang pemilihan."

    def items(self, office):
        return listed(office).select_related("office")[:FEED_SIZE]

    def item_title(self, item):
        return f"[{item.get_verdict_display().upper()}] {item.claim_reviewed}"

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return page_url(item)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.external_publisher or item.office.name

    def item_categories(self, item):
        return [item.get_verdict_display()]

    def feed_copyright(self, office):
        return office.name
