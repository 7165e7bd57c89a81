from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from offices.models import Office


class OfficeSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8
    limit = 1000

    def items(self):
        return Office.objects.order_by("code").only("slug")

    def location(self, office):
        return reverse("portal:office_home", args=[office.slug])


class PublicationSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        from content.selectors import live_publications

        return live_publications().select_related("office").order_by("-publish_at", "id")

    def location(self, item):
        return reverse("portal:publication", args=[item.office.slug, item.slug])

    def lastmod(self, item):
        return item.updated_at


# Apps above the portal add their sections in their AppConfig.ready() (cek fakta: "cek-fakta").
SITEMAPS = {"satker": OfficeSitemap, "publikasi": PublicationSitemap}
