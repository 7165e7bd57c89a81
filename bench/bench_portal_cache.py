"""Page-cache hit rate of the public portal under a steady load, gunicorn as in production.

    python bench/bench_portal_cache.py [--minutes 5] [--rate 100] [--publications 200] [--keep]

The data and the server are bench_portal_load.py's: a temporary SQLite database with the office tree, the stages,
`--publications` items published through the services and one clarification; gunicorn with 2 workers, production
settings, each worker with its own (local-memory) page cache. Nothing is scheduled to change during the run.

The load is a fixed `--rate` of GET requests a second (four client threads, each paced to its share, one new
connection a request), spread in turn over a mix of every kind of public URL: two office homes, the publication
list, 10 publication pages, 10 searches, the RSS and Atom feeds, the sitemap index and its publications' section,
the calendar, the cek fakta list, a clarification page and the clarifications' feed. Every URL is first requested
8 times (warm-up: both workers' caches, not counted); then the load runs `--minutes` and the `X-Cache` header of
every answer (HIT or MISS, set by portal.caching) is counted, also per minute of the run. The target is a hit rate
of at least 99 %. A local midnight (WIT, WITA or WIB) inside the window changes every page once; it is printed
when it happens.
"""

import argparse
import collections
import http.client
import math
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

import bench_portal_load as load  # noqa: E402
from gen_publications import SEARCH_QUERIES  # noqa: E402
from summary import summary as summary_line  # noqa: E402
from workdir import bench_workdir  # noqa: E402

TARGET = 0.99
THREADS = 4
WARM_UP_ROUNDS = 8


def request(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-Cache", "")
    finally:
        connection.close()


def steady_load(port: int, paths: list[str], *, seconds: float, rate: float) -> tuple[list, float]:
    """(second of the run, path, status, X-Cache) of every request, paced to `rate` a second in all; and the
    requests/s achieved."""
    records, lock = [], threading.Lock()
    start = time.monotonic()

    def client(index: int) -> None:
        interval = THREADS / rate
        due = start + index * interval / THREADS
        n = index
        while due < start + seconds:
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            path = paths[n % len(paths)]
            try:
                status, cache = request(port, path)
            except OSError:
                status, cache = 0, ""
            with lock:
                records.append((time.monotonic() - start, path, status, cache))
            n += THREADS
            due += interval

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return records, len(records) / (time.monotonic() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description="Page-cache hit rate of the portal under a steady load.")
    parser.add_argument("--minutes", type=float, default=5, help="length of the measured load (default 5)")
    parser.add_argument("--rate", type=float, default=100, help="requests a second, all threads together")
    parser.add_argument("--publications", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, server log)")
    args = parser.parse_args()

    with bench_workdir("portal-cache", keep=args.keep) as work:
        database_url = load.setup_django(work)
        madiun_items = load.publish_items(args.publications)
        clarification = load.publish_clarification()
        from django.db import connection

        from content.selectors import next_schedule_change
        from portal.caching import next_local_midnight

        window_start = datetime.now(UTC)
        scheduled = next_schedule_change(window_start)
        connection.close()

        rng = random.Random(2024)
        paths = ["/kota-madiun/", "/", "/kota-madiun/publikasi/",
                 *(f"/kota-madiun/publikasi/{item.slug}/" for item in rng.sample(madiun_items, 10)),
                 *(f"/kota-madiun/cari/?q={query.replace(' ', '+')}" for query in rng.sample(SEARCH_QUERIES, 10)),
                 "/kota-madiun/feed.rss", "/kota-madiun/feed.atom", "/sitemap.xml", "/sitemap-publikasi.xml",
                 "/kota-madiun/jadwal.ics", "/kota-madiun/cek-fakta/", f"/kota-madiun/cek-fakta/{clarification}/",
                 "/kota-madiun/cek-fakta/feed.rss"]

        env = load.server_env(database_url, work)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        port = load.free_port()
        log = work / "gunicorn.log"
        with open(log, "wb") as log_file:
            process = subprocess.Popen(load.gunicorn_command(port), cwd=ROOT, env=env, stdout=log_file,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        try:
            load.wait_ready(port, process, log)
            for _ in range(WARM_UP_ROUNDS):
                for path in paths:
                    status, _ = request(port, path)
                    if status != 200:
                        raise SystemExit(f"GET {path} → {status}")
            seconds = args.minutes * 60
            started = datetime.now(UTC)
            records, achieved = steady_load(port, paths, seconds=seconds, rate=args.rate)
        finally:
            load.stop(process)

    midnight = next_local_midnight(started)
    crossed = (midnight - started).total_seconds() < seconds
    hits = sum(1 for *_, cache in records if cache == "HIT")
    misses = [(at, path) for at, path, _, cache in records if cache == "MISS"]
    errors = sum(1 for _, _, status, _ in records if status != 200)
    rate = hits / len(records) if records else 0.0
    print(f"\n{len(paths)} URLs, {WARM_UP_ROUNDS} warm-up rounds, then {args.minutes:g} min at {args.rate:g} req/s "
          f"asked, {achieved:.1f} req/s achieved ({THREADS} client threads); gunicorn 2 workers, per-process cache.")
    print(f"Scheduled change in the window: {'none' if scheduled is None else scheduled.isoformat()}; local "
          f"midnight in the window: {midnight.isoformat() if crossed else 'none'}.")
    last_minute = max(math.ceil(args.minutes) - 1, 0)
    per_minute = collections.Counter(min(int(at // 60), last_minute) for at, _ in misses)
    total_per_minute = collections.Counter(min(int(at // 60), last_minute) for at, *_ in records)
    print("\n  minute  requests  misses")
    for minute in sorted(total_per_minute):
        print(f"  {minute + 1:>6}{total_per_minute[minute]:>10,}{per_minute.get(minute, 0):>8}")
    print(f"\n  requests {len(records):,}, hits {hits:,}, misses {len(misses)}, non-200 {errors}; "
          f"hit rate {rate:.3%} (target ≥ {TARGET:.0%})")
    for at, path in misses[:20]:
        print(f"    miss at {at:6.1f} s  {path}")
    summary_line(f"portal page-cache hit rate, {args.minutes:g} min steady load ({len(paths)} URLs)",
                 f"≥ {TARGET:.0%}", f"{rate:.3%} ({len(misses)} misses of {len(records):,})", rate >= TARGET,
                 f"{achieved:.0f} req/s" + (", a local midnight in the window" if crossed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
