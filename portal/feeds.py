from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from content import selectors as content
from portal.views import office_from_slug

FEED_SIZE = 30


class PublicationFeed(Feed):
    description_template = None

    def get_object(self, request, office_slug):
        return office_from_slug(office_slug)

    def title(self, office):
        return f"Publikasi {office.name}"

    def link(self, office):
        return reverse("portal:office_home", args=[office.slug])

    def description(self, office):
        return f"Siaran pers, pengumuman dan berita resmi {office.name}."

    def items(self, office):
        return content.portal_listing(office).select_related("office")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary or item.body_html

    def item_link(self, item):
        return reverse("portal:publication", args=[item.office.slug, item.slug])

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.office.name

    def item_categories(self, item):
        return [item.get_kind_display(), *item.tags]

    def feed_copyright(self, office):
        return office.name

    def item_guid(self, item):
        return f"{settings.SITE_URL}/p/{item.pk}"

    item_guid_is_permalink = False


class AtomPublicationFeed(PublicationFeed):
    feed_type = Atom1Feed
    subtitle = PublicationFeed.description
