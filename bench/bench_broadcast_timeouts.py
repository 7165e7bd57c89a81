"""Sending while the provider times out: a share of WhatsApp requests hang past the send timeout.

    python bench/bench_broadcast_timeouts.py [--count 3000] [--rate 80] [--timeouts 0.05] [--keep]

A fresh SQLite database (or BENCH_DATABASE_URL's server) with the office tree. Two offices, KPU Kota Madiun and
KPU Kabupaten Madiun, each get `--count` members with a WhatsApp number and consent, a WhatsApp channel at
`--rate` messages/s (80, WhatsApp's default) pointed at a FakeWhatsApp of its own, and a broadcast sent through the
services (create → submit → approve → start). Their quiet hours are switched off (printed). Then, one after the
other in the same run, one `manage.py worker` (every queue, DELIVERY_SEND_TIMEOUT as set: 10 s) sends:

    without faults   Kota Madiun's broadcast; its fake answers every request
    with timeouts    Kabupaten Madiun's; its fake holds `--timeouts` of the requests (chosen at random per request,
                     retries included) for the send timeout + 1 s before answering as if it had worked, so the
                     client gives up after the request reached the provider: the message did go out

The rate of each run is the broadcast's deliveries divided by the time from the first request at the fake to the
moment none is queued or being sent (retries of the timed-out ones included, each a 10 s wait and a backoff, so
the tail weighs more in a short run). The figure is the ratio of the two (target ≥ 0.5). The rate of first
attempts (every recipient's first request, first to last arrival) is printed beside it. Also counted: deliveries
flagged "mungkin ganda" against recipients who really got two requests at the fake, and that every recipient got
exactly one request answered normally.
"""

import argparse
import os
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent), str(BENCH_DIR)]

from bench_broadcast_send import (  # noqa: E402
    Workers,
    bench_database,
    create_whatsapp_channel,
    database_label,
    fill_members,
    process_env,
    setup_django,
    start_broadcast,
    wait_until_sent,
)
from summary import summary  # noqa: E402
from workdir import bench_workdir  # noqa: E402

TARGET_RATIO = 0.5
OFFICES = ("35.77", "35.19")   # KPU Kota Madiun (no faults), KPU Kabupaten Madiun (timeouts)


def make_staff(office) -> dict:
    from accounts.models import Role
    from accounts.services import create_staff

    password = "bench-" + os.urandom(8).hex()
    return {role: create_staff(actor=None, office=office, username=f"{role}.bench.{office.code}", role=role,
                               password=password) for role in (Role.ADMIN, Role.OPERATOR, Role.EDITOR)}


def run(broadcast, fake, env, work: Path) -> dict:
    from django.db import connection

    from broadcasts.models import Delivery

    connection.close()
    workers = Workers(1, env, work)
    try:
        finished_perf = wait_until_sent(broadcast, workers, stall_seconds=120)
        finished_wall = time.time() - (time.perf_counter() - finished_perf)
    finally:
        workers.stop()
    requests = fake.requests
    first = min(r.at for r in requests)
    first_attempts: dict[str, float] = {}
    for r in sorted(requests, key=lambda r: r.at):
        first_attempts.setdefault(str((r.json or {}).get("to")), r.at)
    first_span = max(first_attempts.values()) - first
    deliveries = Delivery.objects.filter(broadcast=broadcast)
    per_recipient = Counter(str((r.json or {}).get("to")) for r in requests)
    ok_per_recipient = Counter(str((r.json or {}).get("to")) for r in requests if r.answer == "ok")
    return {
        "count": deliveries.count(),
        "seconds": finished_wall - first,
        "first_rate": (len(first_attempts) - 1) / first_span if first_span else float("nan"),
        "requests": len(requests),
        "timeouts": sum(r.answer == "timeout" for r in requests),
        "statuses": dict(Counter(deliveries.values_list("status", flat=True))),
        "flagged": deliveries.filter(possible_duplicate=True).count(),
        "received_twice": sum(1 for n in per_recipient.values() if n > 1),
        "ok_not_once": sum(1 for n in ok_per_recipient.values() if n != 1)
        + (deliveries.count() - len(ok_per_recipient)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Broadcast rate with provider timeouts against the rate without.")
    parser.add_argument("--count", type=int, default=3000, help="recipients per run (default 3,000)")
    parser.add_argument("--rate", type=float, default=80, help="the channels' messages/s (default 80)")
    parser.add_argument("--timeouts", type=float, default=0.05, help="share of requests that time out (0.05)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    with (bench_workdir("timeouts", keep=args.keep) as work, bench_database(work, "timeouts") as database_url,
          ExitStack() as stack):
        env = process_env(database_url, work)
        setup_django(env)
        from django.conf import settings

        from accounts.models import Role
        from channels.fakes import FakeWhatsApp
        from channels.fakes._server import TIMEOUT
        from offices.models import Office

        timeout = settings.DELIVERY_SEND_TIMEOUT
        plain = stack.enter_context(FakeWhatsApp())
        faulty = stack.enter_context(FakeWhatsApp(fail_ratio=args.timeouts, failures=[TIMEOUT], hang=timeout + 1,
                                                  seed=2024))
        print(f"Data: {args.count:,} recipients per run, {database_label()}. Channels at {args.rate:g}/s, "
              f"DELIVERY_CONCURRENCY={settings.DELIVERY_CONCURRENCY}, DELIVERY_SEND_TIMEOUT={timeout:g} s; "
              f"the faulty fake holds {args.timeouts:.0%} of requests for {timeout + 1:g} s.", flush=True)
        results = []
        for code, fake, prefix in zip(OFFICES, (plain, faulty), ("62812", "62813"), strict=True):
            # One broadcast at a time: the second is started only once the first is sent.
            office = Office.objects.get(code=code)
            fill_members(office, args.count, prefix=prefix)
            staff = make_staff(office)
            create_whatsapp_channel(office, staff[Role.ADMIN], fake.url, args.rate)
            broadcast, _ = start_broadcast(office, staff)
            results.append(run(broadcast, fake, env, work))

    print(f"\n  {'run':<22}{'deliveries':>11}{'requests':>10}{'timeouts':>10}{'seconds':>9}{'per s':>8}"
          f"{'1st try/s':>11}{'flagged':>9}{'got 2+':>8}")
    for label, r in zip(("without faults", f"{args.timeouts:.0%} timeouts"), results, strict=True):
        print(f"  {label:<22}{r['count']:>11,}{r['requests']:>10,}{r['timeouts']:>10,}{r['seconds']:>9.1f}"
              f"{r['count'] / r['seconds']:>8.1f}{r['first_rate']:>11.1f}{r['flagged']:>9,}"
              f"{r['received_twice']:>8,}   {r['statuses']}")
    ratio = (results[1]["count"] / results[1]["seconds"]) / (results[0]["count"] / results[0]["seconds"])
    first_ratio = results[1]["first_rate"] / results[0]["first_rate"]
    print(f"\n  rate with timeouts / without      {ratio:>6.2f}   target ≥ {TARGET_RATIO}: "
          f"{'MET' if ratio >= TARGET_RATIO else 'MISSED'}   (end to end, the retries' timeouts included)")
    summary(f"send rate with {args.timeouts:.0%} timeouts ÷ without", f"≥ {TARGET_RATIO} ×",
            f"{ratio:.2f} × ({results[1]['count'] / results[1]['seconds']:.1f}/s)", ratio >= TARGET_RATIO,
            f"without faults {results[0]['count'] / results[0]['seconds']:.1f}/s")
    print(f"  first attempts only               {first_ratio:>6.2f}   (every recipient's first request, first to last)")
    print("  'flagged' = deliveries marked mungkin ganda; 'got 2+' = recipients with more than one request at the fake"
          " (a timed-out request was served there, so each of them really got the message twice)")
    bad = [r for r in results if r["ok_not_once"] or r["statuses"] != {"sent": r["count"]}]
    if bad:
        print("  every recipient exactly one normal answer, all 'sent': FAILED")
        return 1
    print("  every recipient got exactly one normally answered request; every delivery 'sent'")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bakohumas.settings")
    sys.exit(main())
