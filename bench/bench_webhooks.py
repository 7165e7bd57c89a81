"""Status webhooks under load: signed WhatsApp status notifications posted to gunicorn with wrk.

    python bench/bench_webhooks.py [--members 100000] [--deliveries 6000] [--duration 10] [--connections 32] [--keep]
    BENCH_DATABASE_URL=postgresql://user@host/postgres python bench/bench_webhooks.py   # on PostgreSQL instead

1. Data. A fresh SQLite database (bench_broadcast_send.py's helpers) gets a WhatsApp channel of KPU Kota Madiun
   created through channels.services with an app secret, and a broadcast sent through the services to `--members`
   members (100,000 by default; bulk_create, with consent). All its deliveries are then marked as the engine leaves
   them after a send: status "sent", sent_at set and provider_message_id "wamid.BENCH<id>". The channel's table is
   thus as large as right after an election-day broadcast, when its statuses stream in.
2. Bodies. For every delivery, three notifications built from the fixtures in
   channels/tests/fixtures/whatsapp/webhooks/ (status_sent.json, status_delivered.json, status_read.json) with its
   wamid, recipient and the current time, serialised compactly and signed as Meta signs them:
   X-Hub-Signature-256: sha256=HMAC-SHA256(app secret, raw body). They go into a file that a wrk Lua script reads;
   each wrk thread takes its own deliveries and posts their "sent", "delivered" and "read" in that order, so every
   request goes through the real path (signature check, parse, Delivery look-up, forward-only update). "sent" finds
   the delivery already sent and changes nothing, as in production; "delivered" and "read" each update the row.
   1,000 deliveries drawn at random are for the warm-up run, `--deliveries` others (6,000) for the measured one.
3. Server. gunicorn as production runs it (bench_portal_load.py's helpers): `gunicorn bakohumas.wsgi --workers 2`,
   BAKOHUMAS_ENV=production, DEBUG unset, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0.
4. Checks before measuring: one signed notification is answered 200 with {"statuses": 1}; the same body with a
   wrong signature is answered 403.
5. Measurement, one after the other in the same run, each after a 2-second warm-up: `wrk -t2 -c32 -d10s --latency`
   on GET /healthz, then on POST /webhooks/<channel uuid>/ with the script. Before the measured webhook run the
   script waits until gunicorn has answered what the warm-up left queued (/healthz answers within 50 ms again).
   Printed: requests/s, p50/p99, errors, the ratio webhooks/healthz, and how many deliveries the statuses moved.

No target is set: the ratio to /healthz is informative. For scale, every message sent brings up to three status
notifications, so a channel at 80 messages/s draws up to 240 webhooks/s and one at 1,000/s up to 3,000/s.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from bench_broadcast_send import (  # noqa: E402
    APP_SECRET,
    OFFICE,
    bench_database,
    create_whatsapp_channel,
    database_label,
    fill_members,
    make_staff,
    process_env,
    setup_django,
    start_broadcast,
)
from bench_portal_load import (  # noqa: E402
    WORKERS,
    free_port,
    gunicorn_command,
    server_env,
    stop,
    wait_ready,
)
from signed_webhooks import drain, post, signature, wrk  # noqa: E402
from summary import summary  # noqa: E402
from workdir import bench_workdir  # noqa: E402

FIXTURES = ROOT / "channels" / "tests" / "fixtures" / "whatsapp" / "webhooks"
STATUSES = ("sent", "delivered", "read")
WARMUP_DELIVERIES = 1_000
PER_DELIVERY = len(STATUSES)

# Each wrk thread reads the file and keeps the deliveries (groups of three lines) whose number modulo the thread
# count is its own, then posts them in order, starting over when it runs out.
LUA = """
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  local nthreads, per = tonumber(args[2]), tonumber(args[3])
  signatures, bodies = {}, {}
  local i = 0
  for line in io.lines(args[1]) do
    if math.floor(i / per) % nthreads == tid then
      local tab = line:find("\\t", 1, true)
      signatures[#signatures + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
    i = i + 1
  end
  n = 0
end

function request()
  n = n % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["X-Hub-Signature-256"] = signatures[n]}, bodies[n])
end
"""




def notification(status: str, wamid: str, recipient: str, timestamp: int) -> bytes:
    payload = json.loads((FIXTURES / f"status_{status}.json").read_text())
    item = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    item.update(id=wamid, timestamp=str(timestamp), recipient_id=recipient.lstrip("+"))
    return json.dumps(payload, separators=(",", ":")).encode()   # compact, as Meta sends it


def prepare_deliveries(count: int):
    """Broadcast to `count` members, its deliveries left as the engine leaves them after a send."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat
    from django.utils import timezone

    from accounts.models import Role
    from broadcasts.models import Delivery
    from offices.models import Office

    office = Office.objects.get(code=OFFICE)
    fill_members(office, count)
    staff = make_staff(office)
    channel = create_whatsapp_channel(office, staff[Role.ADMIN], "http://127.0.0.1:9", 80)
    broadcast, _ = start_broadcast(office, staff)
    Delivery.objects.filter(broadcast=broadcast).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=1,
        provider_message_id=Concat(Value("wamid.BENCH"), Cast("id", CharField())))
    rows = list(Delivery.objects.filter(broadcast=broadcast).order_by("pk")
                .values_list("provider_message_id", "recipient"))
    return channel, broadcast, rows


def write_bodies(path: Path, rows) -> int:
    now = int(time.time())
    with open(path, "wb") as out:
        for wamid, recipient in rows:
            for status in STATUSES:
                body = notification(status, wamid, recipient, now)
                out.write(signature(body, APP_SECRET).encode() + b"\t" + body + b"\n")
    return len(rows) * PER_DELIVERY






def main() -> int:
    parser = argparse.ArgumentParser(description="Signed WhatsApp status webhooks per second under gunicorn.")
    parser.add_argument("--members", type=int, default=int(os.environ.get("BENCH_WEBHOOK_MEMBERS", "100000")),
                        help="members the broadcast went to: deliveries of the channel")
    parser.add_argument("--deliveries", type=int, default=int(os.environ.get("BENCH_WEBHOOK_DELIVERIES", "6000")),
                        help="deliveries whose statuses the measured run posts (three notifications each)")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_WEBHOOK_DURATION", "10")),
                        help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, bodies, log)")
    args = parser.parse_args()

    if not Path("/usr/bin/wrk").exists():
        print("wrk missing: install it (apt-get install wrk) to run this benchmark; skipped.")
        return 0

    with bench_workdir("webhooks", keep=args.keep) as work, bench_database(work, "webhooks") as database_url:
        setup_django(process_env(database_url, work))
        from django.db import connection
        from django.db.models import Count

        from broadcasts.models import Delivery

        start = time.perf_counter()
        channel, broadcast, rows = prepare_deliveries(max(args.members, WARMUP_DELIVERIES + args.deliveries))
        picked = random.Random(2024).sample(rows, WARMUP_DELIVERIES + args.deliveries)
        warmup_file, bodies_file, script = work / "warmup.tsv", work / "bodies.tsv", work / "status.lua"
        write_bodies(warmup_file, picked[:WARMUP_DELIVERIES])
        measured_bodies = write_bodies(bodies_file, picked[WARMUP_DELIVERIES:])
        script.write_text(LUA)
        path = f"/webhooks/{channel.uuid}/"
        print(f"Data: a broadcast's {len(rows):,} deliveries 'sent' with a wamid; {measured_bodies:,} signed status "
              f"notifications for {args.deliveries:,} of them (and {WARMUP_DELIVERIES:,} others for the warm-up), in "
              f"{time.perf_counter() - start:.1f} s. {database_label()}.")
        connection.close()

        env = server_env(database_url, work)
        (work / "static").mkdir(exist_ok=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = work / "gunicorn.log"
        with open(log, "wb") as log_file:
            process = subprocess.Popen(gunicorn_command(port), cwd=ROOT, env=env, stdout=log_file,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_ready(port, process, log)
            wamid, recipient = picked[0]
            body = notification("delivered", wamid, recipient, int(time.time()))
            status, answer = post(port, path, body, signature(body, APP_SECRET))
            if status != 200 or json.loads(answer).get("statuses") != 1:
                raise SystemExit(f"POST {path} (signed) → {status}: {answer[:300]!r}")
            status, answer = post(port, path, body, signature(body, "not-the-app-secret"))
            if status != 403:
                raise SystemExit(f"POST {path} with a wrong signature → {status}, expected 403")
            print(f"Checked: a signed notification → 200 {{\"statuses\": 1}}; a wrong signature → 403. "
                  f"Server: gunicorn, {WORKERS} sync workers, BAKOHUMAS_ENV=production.", flush=True)

            wrk(base + "/healthz", duration=2, connections=args.connections)
            health = wrk(base + "/healthz", duration=args.duration, connections=args.connections)
            wrk(base + path, duration=2, connections=args.connections, script=script,
                args=(warmup_file, 2, PER_DELIVERY))
            drain(port)
            hooks = wrk(base + path, duration=args.duration, connections=args.connections, script=script,
                        args=(bodies_file, 2, PER_DELIVERY))
            drained = drain(port)
        finally:
            stop(process)

        moved = dict(Delivery.objects.filter(broadcast=broadcast).values_list("status")
                     .annotate(n=Count("pk")).order_by())

    print(f"\nwrk -t2 -c{args.connections} -d{args.duration}s --latency, {WORKERS} gunicorn workers, "
          f"{os.cpu_count()} CPUs shared by wrk and gunicorn, loopback:")
    print(f"\n  {'request':<34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}  errors")
    for label, r in (("GET /healthz", health), ("POST /webhooks/<uuid>/ (signed)", hooks)):
        errors = ", ".join(filter(None, [f"{r['bad']} non-2xx/3xx" if r.get("bad") else "",
                                         r.get("socket_errors", "")])) or "–"
        print(f"  {label:<34}{r.get('rps', 0):>10,.0f}{r.get('p50', float('nan')):>9.1f}"
              f"{r.get('p99', float('nan')):>9.1f}{r.get('requests', 0):>10,}  {errors}")
    requests = hooks.get("requests", 0)
    accepted = hooks.get("rps", 0) * (1 - hooks.get("bad", 0) / requests) if requests else 0.0
    print(f"\n  webhooks accepted (200) per s    {accepted:>8,.0f}   ratio to /healthz {accepted / health['rps']:.2f} "
          f"(no target set)")
    summary(f"status webhooks accepted/s, {len(rows):,} deliveries", "",
            f"{accepted:,.0f}/s ({accepted / health['rps']:.2f} × /healthz)", None,
            f"/healthz {health['rps']:,.0f} req/s")
    print(f"  deliveries after the runs        {', '.join(f'{n:,} {s}' for s, n in sorted(moved.items()))}")
    if drained > 1:
        print(f"  after the run gunicorn took {drained:.0f} s more to answer the requests wrk had left queued")
    if requests > measured_bodies:
        print(f"  note: the run posted more than the {measured_bodies:,} bodies; the rest repeated them (no-op "
              f"updates)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
