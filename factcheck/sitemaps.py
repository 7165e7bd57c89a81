from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from factcheck.models import Clarification


class ClarificationSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return (Clarification.objects.filter(status=Clarification.Status.PUBLISHED, external_url="")
                .select_related("office").order_by("-published_at", "id"))

    def location(self, item):
        return reverse("factcheck_public:clarification", args=[item.office.slug, item.slug])

    def lastmod(self, item):
        return item.updated_at
