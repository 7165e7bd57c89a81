"""The public page cache: what is cached, its key (site generation and next scheduled change, not the clock) and
its sharing between processes through the database generation."""

from datetime import timedelta

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Role
from elections.services import seed_elections
from factcheck import services as factcheck
from factcheck.models import Verdict

# Public URLs that are deliberately not served through the page cache, and why.
NOT_CACHED = {
    "healthz": "liveness probe: must reach the database on every request",
    "favicon.ico": "a permanent redirect to the icon under /static/, which WhiteNoise serves with far-future caching",
    "masuk/": "staff log-in form: CSRF token and session",
    "masuk/kode/": "staff log-in, second step: CSRF token and session",
    "keluar/": "staff log-out",
    "i18n/setlang/": "Django's language switch: a POST that sets a cookie",
    "bahasa/<str:code>/": "sets the language cookie and redirects",
    "berhenti/<str:token>/": "one address's unsubscribe link: personal, answers a POST",
    "daftar/<str:token>/": "self-registration form: CSRF token, a POST",
    "<slug:office_slug>/kirim-pesan/": "contact form: a signed fill-time token in every page, a POST",
    "<slug:office_slug>/lapor-hoaks/": "hoax report form: a signed fill-time token in every page, a POST",
    "<slug:office_slug>/lacak/": "tracking lookup: one person's message, throttled per network (a cached answer "
                                 "would skip the count), no-store",
    "<slug:office_slug>/lapor-hoaks/lacak/": "report lookup: one person's report, throttled per network, no-store",
}
# Not public: staff pages, the API and provider webhooks (authenticated or signed, never cached).
NOT_PUBLIC_PREFIXES = ("staf/", "admin/", "api/", "webhooks/")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_public_url_is_served_through_the_page_cache():
    routes = [(route, callback) for route, callback in _routes(get_resolver().url_patterns)
              if not route.startswith(NOT_PUBLIC_PREFIXES)]
    uncached = [route for route, callback in routes
                if not getattr(callback, "portal_cache", None) and route not in NOT_CACHED]
    assert uncached == []
    assert set(NOT_CACHED) <= {route for route, _ in routes}, "an allow-listed route no longer exists"
    assert not [route for route, callback in routes if route in NOT_CACHED and getattr(callback, "portal_cache", None)]


def test_each_kind_of_public_url_is_cached_and_answers_304(client, madiun, make_staff, publish,
                                                           django_capture_on_commit_callbacks):
    seed_elections()
    item = publish(madiun, "Siaran Pers Pemilihan")
    with django_capture_on_commit_callbacks(execute=True):
        author, editor = make_staff(madiun, Role.VERIFIER), make_staff(madiun, Role.EDITOR)
        clarification = factcheck.save_clarification(actor=author, office=madiun, claim_reviewed="TPS pindah ke mal",
                                                      verdict=Verdict.FALSE, summary="Tidak benar.")
        factcheck.submit_clarification(actor=author, clarification=clarification)
        clarification = factcheck.publish_clarification(actor=editor, clarification=clarification)
    for path in ["/", "/kota-madiun/", "/kota-madiun/publikasi/", "/kota-madiun/publikasi/jenis/siaran-pers/",
                 f"/kota-madiun/publikasi/{item.slug}/", "/kota-madiun/dokumen/", "/kota-madiun/jadwal/",
                 "/kota-madiun/faq/", "/kota-madiun/kontak/", "/kota-madiun/cari/?q=pemilihan",
                 "/kota-madiun/feed.rss", "/kota-madiun/feed.atom", "/kota-madiun/jadwal.ics",
                 "/sitemap.xml", "/sitemap-publikasi.xml", "/robots.txt", "/kota-madiun/cek-fakta/",
                 "/kota-madiun/cek-fakta/feed.rss", f"/kota-madiun/cek-fakta/{clarification.slug}/"]:
        first = client.get(path)
        assert first.status_code == 200 and first["X-Cache"] == "MISS", path
        second = client.get(path)
        assert second["X-Cache"] == "HIT" and second.content == first.content, path
        assert second["ETag"] == first["ETag"] and "public" in second["Cache-Control"], path
        assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304, path


@pytest.fixture
def clock(monkeypatch):
    """The clock of every timezone.now() call, set by the test; it starts at 10.00 WIB, far from any zone's
    midnight (at which pages change by themselves: today's stage, "n hari lagi")."""
    moment = {"now": (timezone.now() + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"])

    def set_to(value=None):
        if value is not None:
            moment["now"] = value
        return moment["now"]

    return set_to


def test_a_scheduled_publication_appears_at_its_minute_and_pages_are_not_rebuilt_before(client, madiun, publish,
                                                                                        clock):
    start = clock()
    at = start + timedelta(minutes=10)
    scheduled = publish(madiun, "Pengumuman Terjadwal", publish_at=at, unpublish_at=at + timedelta(minutes=30))
    pages = ["/kota-madiun/publikasi/", "/kota-madiun/feed.rss", "/kota-madiun/cari/?q=pengumuman", "/sitemap.xml"]
    before = {path: client.get(path) for path in pages}
    assert all(r["X-Cache"] == "MISS" and "Pengumuman Terjadwal" not in r.text for r in before.values())
    # Minutes pass without a change: every page (a search too) is still the cached one, with the same ETag.
    for minutes in (1, 5, 9):
        clock(start + timedelta(minutes=minutes, seconds=59))
        for path in pages:
            response = client.get(path)
            assert response["X-Cache"] == "HIT" and response["ETag"] == before[path]["ETag"], (path, minutes)
    assert client.get(f"/kota-madiun/publikasi/{scheduled.slug}/").status_code == 404
    clock(at)
    for path in ["/kota-madiun/publikasi/", "/kota-madiun/feed.rss", "/kota-madiun/cari/?q=pengumuman"]:
        response = client.get(path)
        assert response["X-Cache"] == "MISS" and "Pengumuman Terjadwal" in response.text, path
        assert response["ETag"] != before[path]["ETag"]
    assert client.get(f"/kota-madiun/publikasi/{scheduled.slug}/").status_code == 200
    # And it leaves at its minute too.
    clock(at + timedelta(minutes=29, seconds=59))
    assert client.get("/kota-madiun/publikasi/")["X-Cache"] == "HIT"
    clock(at + timedelta(minutes=30))
    assert "Pengumuman Terjadwal" not in client.get("/kota-madiun/publikasi/").text


def test_pages_change_at_local_midnight(client, madiun, clock):
    seed_elections()
    start = clock()
    first = client.get("/kota-madiun/")
    clock(start + timedelta(hours=11, minutes=59))  # 23.59 WIT, the first zone to reach tomorrow
    assert client.get("/kota-madiun/")["ETag"] == first["ETag"]
    clock(start + timedelta(hours=12))
    assert client.get("/kota-madiun/")["ETag"] != first["ETag"]


def test_a_publish_through_one_process_is_not_served_stale_by_another(client, madiun, publish, monkeypatch):
    """Two processes, each with its own local-memory cache, share only the database (and its site generation)."""
    processes = {name: LocMemCache(f"portal-test-{name}", {}) for name in ("a", "b")}

    def served_by(name, path):
        monkeypatch.setattr("portal.caching.cache", processes[name])
        return client.get(path)

    try:
        pages = ["/kota-madiun/", "/kota-madiun/feed.rss", "/kota-madiun/cari/?q=rapat"]
        for path in pages:
            for name in processes:
                assert served_by(name, path)["X-Cache"] == "MISS"
                assert served_by(name, path)["X-Cache"] == "HIT"
        monkeypatch.setattr("portal.caching.cache", processes["a"])
        publish(madiun, "Rapat Pleno Terbuka")
        for path in pages:
            fresh = served_by("b", path)
            assert fresh["X-Cache"] == "MISS" and "Rapat Pleno Terbuka" in fresh.text, path
            assert "Rapat Pleno Terbuka" in served_by("a", path).text
    finally:
        for cache in processes.values():
            cache.clear()
