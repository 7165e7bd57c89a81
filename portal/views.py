"""The public portal of every office: /<slug>/ (and the installation's home office at /)."""

import zoneinfo

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from content import selectors as content
from content.downloads import attachment_response, cover_response
from content.models import Publication
from elections import selectors as elections
from offices.models import Office
from portal import search, sections
from portal.caching import public_page

PAGE_SIZE = 20
LISTED_KINDS = [Publication.Kind.PRESS_RELEASE, Publication.Kind.ANNOUNCEMENT, Publication.Kind.NEWS,
                Publication.Kind.INFOGRAPHIC]


def home_office() -> Office:
    return get_object_or_404(Office, code=settings.HOME_OFFICE_CODE)


def office_from_slug(slug: str) -> Office:
    return get_object_or_404(Office.objects.select_related("parent", "parent__parent"), slug=slug)


def render_office_page(request, office: Office, template: str, context: dict, *, title: str = "",
                       description: str = ""):
    context = {"office": office, "page_title": title, "page_description": description,
               "canonical": settings.SITE_URL + request.path, "site_url": settings.SITE_URL,
               "is_home_office": office.code == settings.HOME_OFFICE_CODE, **context}
    response = TemplateResponse(request, template, context)
    with timezone.override(zoneinfo.ZoneInfo(office.timezone)):  # times shown in WIB/WITA/WIT
        response.render()
    return response


def _home(request, office: Office):
    today = elections.local_today(office)
    running, upcoming = elections.current_and_next(office, today=today)
    latest = content.portal_listing(office).select_related("office")[:8]
    return render_office_page(request, office, "portal/home.html", {
        "running": running, "upcoming": upcoming, "today": today, "latest": latest,
        **sections.home_context(office),
    }, title=office.name, description=f"Informasi resmi {office.name}: tahapan pemilihan, siaran pers, "
                                      f"pengumuman dan klarifikasi.")


@require_safe
@public_page
def root(request):
    return _home(request, home_office())


@require_safe
@public_page
def office_home(request, office_slug):
    return _home(request, office_from_slug(office_slug))


@require_safe
@public_page
def publication_list(request, office_slug, kind=None):
    return _publication_list(request, office_slug, kind)


@require_safe
@public_page
def documents(request, office_slug):
    return _publication_list(request, office_slug, Publication.Kind.DOCUMENT)


def _publication_list(request, office_slug, kind):
    office = office_from_slug(office_slug)
    if kind is not None and kind not in Publication.Kind.values:
        raise Http404
    items = content.portal_listing(office).select_related("office")
    items = items.filter(kind=kind) if kind else items.filter(kind__in=LISTED_KINDS)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("halaman"))
    label = Publication.Kind(kind).label if kind else "Publikasi"
    return render_office_page(request, office, "portal/publication_list.html", {"page": page, "kind": kind, "kinds": [
        (k, Publication.Kind(k).label) for k in LISTED_KINDS]}, title=f"{label} · {office.name}")


@require_safe
@public_page
def publication_detail(request, office_slug, slug):
    office = office_from_slug(office_slug)
    publication = content.public_publication(office, slug)
    if publication is None:
        raise Http404
    if publication.office_id != office.pk:
        # One canonical address per publication: its own office's portal.
        return HttpResponseRedirect(reverse("portal:publication", args=[publication.office.slug, slug]))
    context = content.article_context(
        publication,
        cover_url=reverse("portal:cover", args=[office.slug, slug]),
        attachment_url=lambda a: reverse("portal:attachment", args=[office.slug, slug, a.pk]))
    return render_office_page(request, office, "portal/publication_detail.html", context,
                 title=publication.title, description=publication.summary)


def _live_publication(office_slug, slug):
    office = office_from_slug(office_slug)
    publication = content.public_publication(office, slug)
    if publication is None or publication.office_id != office.pk:
        raise Http404
    return publication


@require_safe
@public_page(store=False)
def attachment(request, office_slug, slug, attachment_id):
    publication = _live_publication(office_slug, slug)
    # An attachment waiting in a pending change is not public until a second person approves it.
    return attachment_response(get_object_or_404(content.approved_attachments(publication), pk=attachment_id),
                               private=False)


@require_safe
@public_page(store=False)
def cover(request, office_slug, slug):
    publication = _live_publication(office_slug, slug)
    if not publication.cover_image:
        raise Http404
    return cover_response(publication, private=False)


@require_safe
@public_page
def faq(request, office_slug):
    office = office_from_slug(office_slug)
    items = content.portal_listing(office).filter(kind=Publication.Kind.FAQ).select_related("office")
    return render_office_page(request, office, "portal/faq.html", {"items": items},
                              title=f"Tanya jawab · {office.name}")


@require_safe
@public_page
def schedule(request, office_slug):
    office = office_from_slug(office_slug)
    today = elections.local_today(office)
    timelines = [(election, elections.timeline(election, today=today)) for election in elections.elections_for(office)]
    return render_office_page(request, office, "portal/schedule.html", {"timelines": timelines, "today": today},
                 title=f"Jadwal tahapan · {office.name}",
                 description=f"Tahapan dan jadwal pemilihan yang berlaku di wilayah {office.name}.")


@require_safe
@public_page
def contact(request, office_slug):
    office = office_from_slug(office_slug)
    registration = reverse("public:self_register", args=[office.registration_token]) \
        if office.registration_open else None
    return render_office_page(request, office, "portal/contact.html", {"registration": registration},
                 title=f"Kontak · {office.name}")


@require_safe
@public_page
def search_view(request, office_slug):
    office = office_from_slug(office_slug)
    query = " ".join(request.GET.get("q", "").replace("\x00", "").split())[:200]
    results = search.search(content.portal_listing(office).select_related("office"), query,
                            office_ids=content.portal_office_ids(office)) if query else []
    return render_office_page(request, office, "portal/search.html", {"query": query, "results": results},
                 title=f"Cari · {office.name}")


@require_safe
def set_language(request, code):
    """A plain link, so public pages need no form, no CSRF cookie and stay cacheable by proxies."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on their own; the pages name the icons under /static/."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


@require_safe
@public_page
def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /staf/", "Disallow: /admin/", "Disallow: /api/", "Disallow: /masuk/",
             "Disallow: /daftar/", f"Sitemap: {settings.SITE_URL}/sitemap.xml", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
