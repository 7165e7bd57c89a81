"""The shared rate limit under load: a 1,200-recipient broadcast on a WhatsApp channel limited to 80 messages/s.

    python bench/bench_rate_limit.py [--count 1200] [--rate 80] [--workers 2] [--concurrency N] [--keep]
    BENCH_DATABASE_URL=postgresql://user@host/postgres python bench/bench_rate_limit.py   # on PostgreSQL instead

The set-up is bench_broadcast_send.py's (its helpers are imported): a fresh SQLite database, `--count` members of
KPU Kota Madiun with a WhatsApp number and consent (bulk_create), a WhatsApp channel created through
channels.services with rate_per_second=80 (WhatsApp's default) pointing at a FakeWhatsApp on loopback, and a
broadcast to all of them sent through the services (create → submit → approve → start_broadcast).

`--workers` × `manage.py worker` subprocesses (DELIVERY_PUMPS_PER_CHANNEL=--workers, so that several pumps share
the channel's token bucket, Channel.next_send_at) send it. From the arrival time of every request at the fake
(RecordedRequest.at) the script prints:

    achieved rate          (requests − 1) / (last arrival − first arrival)
    busiest second         the most requests in any window [t, t + 1 s), t sliding over every arrival (the busiest
                           window always starts at an arrival), and for comparison in aligned whole seconds
    windows over the limit how many arrivals start a window holding more than the limit, and the first few

Target (printed, not asserted): never more than 80 requests in any one-second window. Every delivery must also be
sent exactly once (as in bench_broadcast_send.py).
"""

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from bench_broadcast_send import (  # noqa: E402
    OFFICE,
    Workers,
    arrival_rate,
    bench_database,
    create_whatsapp_channel,
    database_label,
    fill_members,
    make_staff,
    process_env,
    setup_django,
    start_broadcast,
    verify_exactly_once,
    wait_until_sent,
)
from summary import summary  # noqa: E402
from workdir import bench_workdir  # noqa: E402

WINDOW = 1.0


def sliding_counts(times: list[float], window: float = WINDOW) -> list[int]:
    """For each arrival (sorted), how many arrivals fall in [that arrival, that arrival + window)."""
    counts, end = [], 0
    for start, t in enumerate(times):
        end = max(end, start)
        while end < len(times) and times[end] < t + window:
            end += 1
        counts.append(end - start)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description="Requests per second at the provider under the shared rate limit.")
    parser.add_argument("--count", type=int, default=int(os.environ.get("BENCH_RATE_COUNT", "1200")))
    parser.add_argument("--rate", type=float, default=80.0, help="the channel's rate_per_second (default 80)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_RATE_WORKERS", "2")),
                        help="manage.py worker processes, each with its own pump (default 2)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="DELIVERY_CONCURRENCY (default: the setting, 100 unless the environment says otherwise)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, worker logs)")
    args = parser.parse_args()

    with bench_workdir("rate", keep=args.keep) as work, bench_database(work, "rate") as database_url:
        batch = {"DELIVERY_CONCURRENCY": str(args.concurrency)} if args.concurrency else {}
        env = process_env(database_url, work, DELIVERY_PUMPS_PER_CHANNEL=str(args.workers), **batch)
        setup_django(env)
        from django.conf import settings

        args.concurrency = settings.DELIVERY_CONCURRENCY
        from django.db import connection

        from accounts.models import Role
        from broadcasts.engine import RATE_MARGIN
        from channels.fakes import FakeWhatsApp
        from offices.models import Office

        office = Office.objects.get(code=OFFICE)
        fill_members(office, args.count)
        staff = make_staff(office)
        with FakeWhatsApp() as fake:
            channel = create_whatsapp_channel(office, staff[Role.ADMIN], fake.url, args.rate)
            broadcast, _ = start_broadcast(office, staff)
            print(f"Broadcast to {broadcast.total_recipients:,} members; WhatsApp channel at rate_per_second="
                  f"{channel.rate_per_second:g}; {args.workers} × manage.py worker (DELIVERY_PUMPS_PER_CHANNEL="
                  f"{args.workers}, DELIVERY_CONCURRENCY={args.concurrency}); {database_label()}.", flush=True)
            connection.close()
            launched = time.perf_counter()
            workers = Workers(args.workers, env, work)
            try:
                finished = wait_until_sent(broadcast, workers)
            finally:
                peak_rss = workers.stop()
            requests = fake.requests
        problems = verify_exactly_once(broadcast, requests, args.count)

    times = sorted(r.at for r in requests)
    span, achieved = arrival_rate(requests)
    counts = sliding_counts(times)
    busiest = max(counts, default=0)
    busiest_at = times[counts.index(busiest)] - times[0] if counts else 0.0
    aligned = Counter(int(t - times[0]) for t in times)
    over = [(times[i] - times[0], n) for i, n in enumerate(counts) if n > args.rate]
    gaps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
    limit = f"{args.rate:g}"

    print(f"\n  requests at the fake             {len(requests):>8,} in {span:.1f} s "
          f"(worker launch → all recorded: {finished - launched:.1f} s)")
    print(f"  achieved rate                    {achieved:>8.1f}/s   ({achieved / args.rate:.1%} of the limit; the "
          f"engine spaces slots 1/({limit} × {RATE_MARGIN}) apart = {args.rate * RATE_MARGIN:.1f}/s)")
    print(f"  busiest 1-s window, sliding      {busiest:>8}     (starting {busiest_at:.2f} s after the first request)"
          f"   target ≤ {limit}: {'MET' if busiest <= args.rate else 'MISSED'}")
    summary(f"busiest 1-s window, {len(requests):,} sends on an {limit}/s channel", f"≤ {limit} requests",
            f"{busiest} requests (achieved {achieved:.1f}/s)", busiest <= args.rate)
    print(f"  busiest whole second, aligned    {max(aligned.values(), default=0):>8}")
    print(f"  windows over {limit:<20}{len(over):>8}"
          + (f"     first: {', '.join(f'{n} from {t:.2f} s' for t, n in over[:5])}" if over else ""))
    if gaps:
        print(f"  gap between arrivals            min {gaps[0] * 1000:.1f} ms, median "
              f"{gaps[len(gaps) // 2] * 1000:.1f} ms, max {gaps[-1] * 1000:.0f} ms "
              f"(slot spacing {1000 / (args.rate * RATE_MARGIN):.1f} ms)")
    print(f"  peak worker RSS (VmHWM)          {', '.join(f'{mb:,.0f} MB' for mb in peak_rss)}")
    if problems:
        print("  exactly once: FAILED\n    " + "\n    ".join(problems))
        return 1
    print(f"  exactly once: OK ({args.count:,} recipients, one request each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
