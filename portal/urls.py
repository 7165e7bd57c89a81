from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from elections.feeds import ical_feed
from portal import views
from portal.caching import public_page
from portal.feeds import AtomPublicationFeed, PublicationFeed
from portal.sitemaps import SITEMAPS

app_name = "portal"

urlpatterns = [
    path("", views.root, name="root"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sitemap.xml", public_page(sitemap_views.index),
         {"sitemaps": SITEMAPS, "sitemap_url_name": "portal:sitemap_section"}, name="sitemap"),
    path("sitemap-<section>.xml", public_page(sitemap_views.sitemap), {"sitemaps": SITEMAPS},
         name="sitemap_section"),
    path("bahasa/<str:code>/", views.set_language, name="set_language"),
    path("<slug:office_slug>/", views.office_home, name="office_home"),
    path("<slug:office_slug>/publikasi/", views.publication_list, name="publications"),
    path("<slug:office_slug>/publikasi/jenis/<slug:kind>/", views.publication_list, name="publications_by_kind"),
    path("<slug:office_slug>/publikasi/<slug:slug>/", views.publication_detail, name="publication"),
    path("<slug:office_slug>/publikasi/<slug:slug>/sampul", views.cover, name="cover"),
    path("<slug:office_slug>/publikasi/<slug:slug>/lampiran/<int:attachment_id>/", views.attachment,
         name="attachment"),
    path("<slug:office_slug>/dokumen/", views.documents, name="documents"),
    path("<slug:office_slug>/jadwal/", views.schedule, name="schedule"),
    path("<slug:office_slug>/jadwal.ics", public_page(ical_feed), name="calendar"),
    path("<slug:office_slug>/jadwal/<slug:election_code>.ics", public_page(ical_feed),
         name="election_calendar"),
    path("<slug:office_slug>/faq/", views.faq, name="faq"),
    path("<slug:office_slug>/kontak/", views.contact, name="contact"),
    path("<slug:office_slug>/cari/", views.search_view, name="search"),
    path("<slug:office_slug>/feed.rss", public_page(PublicationFeed()), name="rss"),
    path("<slug:office_slug>/feed.atom", public_page(AtomPublicationFeed()), name="atom"),
]
