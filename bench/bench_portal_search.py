"""Portal search: indexing rate and query latency over 20,000 Indonesian publications.

    python bench/bench_portal_search.py [--publications 20000] [--queries 200] [--keep]
    BENCH_DATABASE_URL=postgresql://user@host/postgres python bench/bench_portal_search.py   # adds a PostgreSQL run

A fresh SQLite database in a temporary directory is migrated and seeded with the office tree, then
Publication.objects.bulk_create() writes `--publications` items with generated Indonesian election texts
(bench/gen_publications.py: 150–400 words each, inflected forms such as memilih/pemilih/dipilih/pemilihan):

    half at KPU Kota Madiun (35.77), an eighth each at KPU Provinsi Jawa Timur (35) and KPU RI (00), which the
    Kota Madiun portal lists too, and a quarter at four other offices, which it must not show;
    96% published with publish_at in the past two years (3% of those already unpublished), 2% drafts, 2% archived;
    body_html left empty (the index reads title, summary and the Markdown body).

Every item is then indexed with portal.search.index_publication(), one call per publication as the publishing
services do after commit (timed: publications/s). Then `--queries` queries of 1–3 words (gen_publications.
SEARCH_QUERIES: "pemilihan", "memilih", "dipilih", "rekapitulasi suara", "kampanye pemilu", …) run twice:

    search      portal.search.search(content.selectors.portal_listing(kota_madiun), q, office_ids=…), the call the
                search view makes (office_ids = content.selectors.portal_office_ids(kota_madiun))
    HTTP view   GET /kota-madiun/cari/?q=… through django.test.Client (DEBUG off, full middleware and template);
                the page cache is cleared before every request, so each one searches and renders

and p50/p95/max are printed in ms against the target p95 < 50 ms for the search. With BENCH_DATABASE_URL set (a
PostgreSQL server where the user may CREATE DATABASE) the same pass runs again in a throw-away database
`bakohumas_bench_search_<pid>` (tsvector, `indonesian` configuration, GIN index), dropped afterwards; there the
tables are ANALYZEd after indexing, as autovacuum would do on a running server (SQLite gets no ANALYZE, as in
production).
"""

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from gen_publications import SEARCH_QUERIES, publication_kind, publication_text  # noqa: E402
from summary import summary as summary_line  # noqa: E402
from workdir import bench_workdir  # noqa: E402

TARGET_P95_MS = 50
# Share of the publications per office: Kota Madiun's portal lists 35.77, 35 and 00, not the four others.
OFFICE_SHARES = {"35.77": 0.5, "35": 0.125, "00": 0.125, "35.19": 0.08, "35.78": 0.06, "35.73": 0.06, "33.74": 0.05}
SHOWN_HITS = ["pemilihan", "memilih", "dipilih", "rekapitulasi suara", "kampanye pemilu", "KPPS", "sepak bola"]


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ.update({
        "DATABASE_URL": database_url,
        "BAKOHUMAS_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "bakohumas.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "LOG_LEVEL": "ERROR",
    })
    (var_dir / "staticfiles").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_offices", verbosity=0, stdout=io.StringIO())


def build_publications(count: int, rng: random.Random) -> float:
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from content.models import Publication
    from offices.models import Office

    start = time.perf_counter()
    now = timezone.now()
    offices = {o.code: o for o in Office.objects.filter(code__in=OFFICE_SHARES)}
    codes = rng.choices(list(OFFICE_SHARES), list(OFFICE_SHARES.values()), k=count)
    items = []
    for i, code in enumerate(codes):
        title, summary, body = publication_text(rng)
        publish_at = now - timedelta(seconds=rng.randint(60, 730 * 86400))
        roll = rng.random()
        status = (Publication.Status.DRAFT if roll < 0.02 else Publication.Status.ARCHIVED if roll < 0.04
                  else Publication.Status.PUBLISHED)
        unpublish_at = publish_at + timedelta(days=rng.randint(1, 30)) if rng.random() < 0.03 else None
        if unpublish_at is not None and unpublish_at > now:
            unpublish_at = None
        items.append(Publication(
            office=offices[code], kind=publication_kind(rng), title=title, slug=f"{slugify(title)[:100]}-{i}",
            summary=summary, body=body, body_html="", status=status,
            publish_at=publish_at if status != Publication.Status.DRAFT else None,
            first_published_at=publish_at if status != Publication.Status.DRAFT else None,
            unpublish_at=unpublish_at, tags=["pilkada-2024"] if rng.random() < 0.6 else [],
        ))
    with transaction.atomic():
        Publication.objects.bulk_create(items, batch_size=1000)
    return time.perf_counter() - start


def index_all() -> tuple[int, float]:
    """One index_publication() per item, outside a transaction, as the after-commit hook runs it."""
    from content.models import Publication
    from portal import search

    start = time.perf_counter()
    count = 0
    for publication in Publication.objects.order_by("pk").iterator(chunk_size=500):
        search.index_publication(publication)
        count += 1
    return count, time.perf_counter() - start


def percentiles(times: list[float]) -> tuple[float, float, float]:
    return (statistics.median(times), statistics.quantiles(times, n=20, method="inclusive")[18], max(times))


def run_pass(label: str, n_publications: int, n_queries: int) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from content import selectors
    from content.models import Publication
    from offices.models import Office
    from portal import search

    rng = random.Random(2024)
    build_seconds = build_publications(n_publications, rng)
    office = Office.objects.get(code="35.77")
    listed = selectors.portal_listing(office).count()
    words = sum(len(b.split()) for b in Publication.objects.values_list("body", flat=True)) / n_publications
    print(f"\n{label}: {n_publications:,} publications ({words:.0f} words per body on average) bulk-created in "
          f"{build_seconds:.1f} s (text generation included); {listed:,} are listed on the Kota Madiun portal.")
    count, seconds = index_all()
    print(f"Indexed {count:,} publications with portal.search.index_publication() in {seconds:.1f} s: "
          f"{count / seconds:,.0f} publications/s ({seconds / count * 1000:.2f} ms each).")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load on a running server
            cursor.execute("ANALYZE")

    queries = SEARCH_QUERIES * (n_queries // len(SEARCH_QUERIES) + 1)
    queries = queries[:n_queries]
    random.Random(7).shuffle(queries)

    def run_search(q):  # the call search_view makes
        return search.search(selectors.portal_listing(office).select_related("office"), q,
                             office_ids=selectors.portal_office_ids(office))

    for q in queries[:5]:  # warm-up: the stemmer's dictionary, the first query plans
        run_search(q)

    search_times, hits = [], {}
    for q in queries:
        start = time.perf_counter()
        results = run_search(q)
        search_times.append((time.perf_counter() - start) * 1000)
        hits[q] = len(results)

    client = Client()
    for q in queries[:3]:
        cache.clear()
        client.get(f"/kota-madiun/cari/?q={quote(q)}")
    view_times = []
    for q in queries:
        cache.clear()  # every request searches and renders, none is answered from the page cache
        url = f"/kota-madiun/cari/?q={quote(q)}"
        start = time.perf_counter()
        response = client.get(url)
        view_times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} → {response.status_code}")

    empty = sorted(q for q, n in hits.items() if n == 0)
    print(f"{len(queries)} queries ({len(set(queries))} different), {statistics.mean(hits.values()):.1f} results on "
          f"average (at most 50); no results for: {', '.join(empty) or '–'}")
    print("  results for " + ", ".join(f"“{q}” {hits[q]}" for q in SHOWN_HITS if q in hits))
    print(f"\n  {'':<48}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}  target p95 < {TARGET_P95_MS}")
    for name, times in (("search(portal_listing(35.77), q, office_ids)", search_times),
                        ("GET /kota-madiun/cari/?q=… (uncached)", view_times)):
        p50, p95, worst = percentiles(times)
        verdict = ("MET" if p95 < TARGET_P95_MS else "MISSED") if name.startswith("search") else "(informative)"
        print(f"  {name:<48}{p50:>8.1f}{p95:>8.1f}{worst:>8.1f}  {verdict}")
        if name.startswith("search"):
            summary_line(f"portal search p95, {label}, {n_publications:,} publications", f"p95 < {TARGET_P95_MS} ms",
                         f"{p95:.1f} ms", p95 < TARGET_P95_MS)
        else:
            summary_line(f"portal search page p95 (uncached), {label}", "", f"{p95:.1f} ms", None)
    if connection.vendor == "sqlite":
        print(f"  (SQLite {connection.Database.sqlite_version}, FTS5 with Sastrawi stems)")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            print(f"  (PostgreSQL {cursor.fetchone()[0]}, tsvector 'indonesian' with a GIN index)")


def postgres_run(url: str, work: Path, args) -> None:
    import psycopg

    name = f"bakohumas_bench_search_{os.getpid()}"
    parsed = urlparse(url)
    bench_url = urlunparse(parsed._replace(path="/" + name))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        # Django is already set up on SQLite in this process: the PostgreSQL pass runs in a child process.
        subprocess.run([sys.executable, __file__, "--publications", str(args.publications), "--queries",
                        str(args.queries), "--database-url", bench_url, "--var-dir", str(work / "var-pg")],
                       cwd=ROOT, check=True)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description="Indexing rate and query latency of the portal search.")
    parser.add_argument("--publications", type=int, default=int(os.environ.get("BENCH_SEARCH_PUBLICATIONS", "20000")))
    parser.add_argument("--queries", type=int, default=int(os.environ.get("BENCH_SEARCH_QUERIES", "200")))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database)")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # internal: the PostgreSQL pass
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.database_url:
        setup_django(args.database_url, Path(args.var_dir))
        run_pass(f"PostgreSQL ({urlparse(args.database_url).hostname or 'socket'})", args.publications, args.queries)
        return 0

    with bench_workdir("search", keep=args.keep) as work:
        setup_django(f"sqlite:///{work / 'bench.sqlite3'}", work / "var")
        run_pass("SQLite", args.publications, args.queries)
        if os.environ.get("BENCH_DATABASE_URL"):
            postgres_run(os.environ["BENCH_DATABASE_URL"], work, args)
        else:
            print("\nPostgreSQL: skipped (set BENCH_DATABASE_URL=postgresql://… to run it too)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
