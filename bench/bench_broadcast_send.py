"""Broadcast send throughput: 100,000 WhatsApp deliveries through the real delivery engine, against a loopback fake.

    python bench/bench_broadcast_send.py [--count 100000] [--workers 1] [--concurrency N] [--keep]
    BENCH_DATABASE_URL=postgresql://user@host/postgres python bench/bench_broadcast_send.py   # on PostgreSQL instead

A fresh SQLite database in a temporary directory is migrated and seeded with the office tree. KPU Kota Madiun
(35.77) gets `--count` active members with bulk_create(), each with one WhatsApp number and a consent for
dissemination. A WhatsApp channel is created through channels.services (base_url: a FakeWhatsApp on loopback,
started in this process), then its rate is lifted with a queryset update (rate_per_second = 1e9, which the
service would refuse). A broadcast to all members goes through the services as staff would send it:
create_broadcast → submit_broadcast (operator) → approve_broadcast (editor) → start_broadcast, which draws the
audience and queues one Delivery per member. That preparation is timed but not part of the measurement.

Measured, one after the other in the same run, against two fresh FakeWhatsApp instances in this process:

    bare loop   a subprocess posting the same number of WhatsApp text requests with aiohttp, the engine's client
                library (channels/http.py), at most --concurrency in flight (that many senders sharing one
                keep-alive session): the machine's ceiling for sending from Python
    fake alone  wrk posting to a fake of its own (-c --concurrency, 5 s, keep-alive): what the fake can take
    engine      `--workers` × `manage.py worker` subprocesses (DELIVERY_CONCURRENCY=--concurrency,
                DELIVERY_PUMPS_PER_CHANNEL=--workers), which run the queued pump tasks until every delivery is
                recorded; then their peak RSS is read (VmHWM in /proc/<pid>/status) and they get SIGTERM

Rates are counted at the fake, from the first request's arrival to the last one's (RecordedRequest.at), so
interpreter start-up is left out of both. The engine's rate from worker launch to "nothing left to send" is
printed too. At the end every delivery must have been sent exactly once: one "ok" request per recipient at the
fake, every delivery "sent" with its own wamid.

Targets (printed, not asserted): ≥ 1,000 deliveries/s, and ≥ 0.5 × the bare loop's requests/s.

bench_rate_limit.py imports the set-up helpers from here.
"""

import argparse
import asyncio
import contextlib
import gc
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse, urlunparse

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from summary import summary  # noqa: E402
from workdir import bench_workdir  # noqa: E402

TARGET_PER_SECOND = 1_000
TARGET_RATIO = 0.5
LIFTED_RATE = 1e9
OFFICE = "35.77"
PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAJB-bench"
APP_SECRET = "bench-app-secret"
TEXT = ("*Info Pilkada 2024* — KPU Kota Madiun mengundang anggota forum Bakohumas ke sosialisasi tahapan "
        "pemungutan dan penghitungan suara, Kamis 21 November 2024 pukul 09.00 WIB di Aula KPU Kota Madiun. "
        "Jadwal lengkap: https://kpu-madiunkota.go.id/pilkada-2024/jadwal")


# --- set-up shared with bench_rate_limit.py ------------------------------------------------------------------

@contextlib.contextmanager
def bench_database(work: Path, name: str):
    """A SQLite file in `work`, or with BENCH_DATABASE_URL a throwaway PostgreSQL database dropped afterwards."""
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        yield f"sqlite:///{work / 'bench.sqlite3'}"
        return
    import psycopg

    database = f"bakohumas_bench_{name}_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        yield urlunparse(urlparse(server)._replace(path="/" + database))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def process_env(database_url: str, work: Path, **extra: str) -> dict[str, str]:
    """The environment of this process and of the workers: the settings read it at import time."""
    env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}
    env.update({
        "DATABASE_URL": database_url,
        "BAKOHUMAS_VAR_DIR": str(work / "var"),
        "DJANGO_SETTINGS_MODULE": "bakohumas.settings",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PYTHONUNBUFFERED": "1",
        **extra,
    })
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    Path(env["BAKOHUMAS_VAR_DIR"], "staticfiles").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_offices", verbosity=0, stdout=io.StringIO())


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    return f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"


def fill_members(office, count: int, *, prefix: str = "62812") -> None:
    """`count` active members, each with one WhatsApp number (+62812… numbered) and a dissemination consent."""
    from django.db import transaction
    from django.utils import timezone

    from members.models import Address, Consent, Member, Purpose

    now = timezone.now()
    with transaction.atomic():
        members = Member.objects.bulk_create(
            (Member(office=office, full_name=f"Anggota Forum {i:06d}", status=Member.Status.ACTIVE, source="import")
             for i in range(count)), batch_size=5000)
        addresses = Address.objects.bulk_create(
            (Address(member=m, office=office, kind="whatsapp", value=f"+{prefix}{i:08d}", is_primary=True)
             for i, m in enumerate(members)), batch_size=5000)
        Consent.objects.bulk_create(
            (Consent(address=a, purpose=Purpose.DISSEMINATION, method="import", given_at=now,
                     evidence="Formulir persetujuan rapat Bakohumas 2024") for a in addresses), batch_size=5000)


def make_staff(office):
    from accounts.models import Role
    from accounts.services import create_staff

    password = "bench-" + os.urandom(8).hex()
    return {role: create_staff(actor=None, office=office, username=f"{role}.bench", role=role, password=password)
            for role in (Role.ADMIN, Role.OPERATOR, Role.EDITOR)}


def create_whatsapp_channel(office, admin, base_url: str, rate: float):
    from channels import services as channel_services
    from channels.models import Channel

    channel = channel_services.create_channel(
        actor=admin, office=office, kind="whatsapp", name="WhatsApp Humas",
        config={"phone_number_id": PHONE_NUMBER_ID, "base_url": base_url},
        secrets={"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET},
        rate_per_second=min(rate, 1000))
    if rate > 1000:   # "rate limiting lifted": beyond what the service accepts (WhatsApp's max_rate is 1000)
        Channel.objects.filter(pk=channel.pk).update(rate_per_second=rate)
        channel.refresh_from_db()
    return channel


def quiet_hours_off(office) -> str:
    """Benchmarks run at any hour: the office's quiet hours (21.00–06.00 by default) would hold a bulk broadcast.
    Returns the line to print."""
    from offices.models import Office

    Office.objects.filter(pk=office.pk).update(quiet_hours_start=None, quiet_hours_end=None)
    office.quiet_hours_start = office.quiet_hours_end = None
    return f"Quiet hours of {office.name} set off (quiet_hours_start/end = None), so nothing is held by the clock."


def start_broadcast(office, staff, *, title: str = "Sosialisasi tahapan Pilkada 2024"):
    """Create → submit → approve → start through the services, as staff would; returns (broadcast, seconds).
    The office's quiet hours are switched off first (printed)."""
    from accounts.models import Role
    from broadcasts import services

    print(quiet_hours_off(office), flush=True)
    broadcast = services.create_broadcast(actor=staff[Role.OPERATOR], office=office, title=title, text=TEXT,
                                          audience_all=True)
    services.submit_broadcast(actor=staff[Role.OPERATOR], broadcast=broadcast)
    services.approve_broadcast(actor=staff[Role.EDITOR], broadcast=broadcast)
    start = time.perf_counter()
    broadcast = services.start_broadcast(broadcast_id=broadcast.pk)
    return broadcast, time.perf_counter() - start


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM, the process's own peak RSS. Not ru_maxrss from os.wait4: Linux counts into a child's ru_maxrss the
    memory it had before exec, i.e. this process's RSS at the fork (here the fake's request log, hundreds of MB)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), None)


class Workers:
    """`manage.py worker` subprocesses, as production runs them; stop() returns each one's peak RSS in MB."""

    def __init__(self, count: int, env: dict[str, str], work: Path):
        self.logs = [work / f"worker-{i}.log" for i in range(count)]
        self.processes = []
        for log in self.logs:
            with open(log, "wb") as out:
                self.processes.append(subprocess.Popen(
                    [sys.executable, "manage.py", "worker", "--no-startup-delay"], cwd=ROOT, env=env, stdout=out,
                    stderr=subprocess.STDOUT))

    def crashed(self) -> str | None:
        for process, log in zip(self.processes, self.logs, strict=True):
            if process.poll() is not None:
                return f"worker {process.pid} exited with {process.returncode}:\n{log.read_text()[-3000:]}"
        return None

    def stop(self, timeout: float = 30) -> list[float]:
        """Read each worker's peak RSS, then SIGTERM (a worker finishes its current task first) and reap it."""
        peaks = [peak_rss_mb(process.pid) or float("nan") for process in self.processes]
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return peaks

    def tail(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-2000:]}" for log in self.logs)


def wait_until_sent(broadcast, workers: Workers, *, stall_seconds: float = 90) -> float:
    """Poll until no delivery of the broadcast is queued or being sent; returns time.perf_counter() then."""
    from broadcasts.models import Delivery

    open_statuses = [Delivery.Status.QUEUED, Delivery.Status.SENDING]
    remaining, last_change = None, time.monotonic()
    while True:
        now_remaining = Delivery.objects.filter(broadcast=broadcast, status__in=open_statuses).count()
        if now_remaining == 0:
            return time.perf_counter()
        if now_remaining != remaining:
            remaining, last_change = now_remaining, time.monotonic()
        elif time.monotonic() - last_change > stall_seconds:
            raise SystemExit(f"No progress for {stall_seconds:.0f} s, {remaining:,} deliveries left.\n"
                             f"{workers.tail()}")
        problem = workers.crashed()
        if problem:
            raise SystemExit(problem)
        time.sleep(0.25)


def arrival_rate(requests) -> tuple[float, float]:
    """(seconds from the first arrival to the last, requests per second over that span)."""
    times = sorted(r.at for r in requests)
    if len(times) < 2:
        return 0.0, float("nan")
    span = times[-1] - times[0]
    return span, (len(times) - 1) / span if span else float("inf")


# --- the bare loop (runs as a subprocess of this script) -------------------------------------------------------

def text_body(to: str) -> dict:
    # The engine's request for a broadcast without a template: whatsapp.text_request(), chat_text() footer included.
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"preview_url": True,
                     "body": f"{TEXT}\n\n_Balas BERHENTI bila tidak ingin menerima siaran lagi._"}}


async def bare_loop(url: str, count: int, concurrency: int) -> dict:
    """`concurrency` senders share one aiohttp session (the engine's client library, channels/http.py) and post
    `count` requests, reading and parsing every answer as the engine does."""
    import aiohttp

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ACCESS_TOKEN}"}
    numbers = iter(range(count))
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency), trust_env=False) as session:

        async def sender() -> int:
            ok = 0
            for i in numbers:
                async with session.post(url, json=text_body(f"+62899{i:08d}"), headers=headers,
                                        timeout=timeout) as response:
                    ok += response.status == 200 and bool(json.loads(await response.read()).get("messages"))
            return ok

        start = time.perf_counter()
        accepted = sum(await asyncio.gather(*(sender() for _ in range(concurrency))))
        return {"accepted": accepted, "seconds": time.perf_counter() - start}


def fake_alone(concurrency: int, work: Path, seconds: int = 5) -> float | None:
    """Requests/s of a FakeWhatsApp (in a subprocess of its own) under wrk: what the fake itself can take."""
    if not Path("/usr/bin/wrk").exists():
        return None
    script = work / "post.lua"
    body = json.dumps(text_body("+6289900000001"))
    script.write_text(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                      f'wrk.headers["Authorization"] = "Bearer {ACCESS_TOKEN}"\nwrk.body = {json.dumps(body)}\n')
    server = subprocess.Popen([sys.executable, __file__, "--serve-fake"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)   # wrk's resets at the end print tracebacks
    try:
        url = server.stdout.readline().strip()
        out = subprocess.run(["/usr/bin/wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "-s", str(script),
                              f"{url}/{PHONE_NUMBER_ID}/messages"], capture_output=True, text=True, check=True).stdout
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    return next(float(line.split()[1]) for line in out.splitlines() if line.startswith("Requests/sec:"))


def serve_fake() -> None:
    from channels.fakes import FakeWhatsApp

    with FakeWhatsApp() as fake:
        print(fake.url, flush=True)
        sys.stdin.read()


def run_bare_loop(fake_url: str, count: int, concurrency: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--bare-loop", f"{fake_url}/{PHONE_NUMBER_ID}/messages",
                          "--count", str(count), "--concurrency", str(concurrency)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- the benchmark -------------------------------------------------------------------------------------------------

def verify_exactly_once(broadcast, requests, count: int) -> list[str]:
    from broadcasts.models import Delivery

    problems = []
    answers = Counter(r.answer for r in requests)
    if set(answers) != {"ok"}:
        problems.append(f"fake answers {dict(answers)} (expected only 'ok')")
    per_recipient = Counter(str((r.json or {}).get("to")) for r in requests if r.answer == "ok")
    twice = {to: n for to, n in per_recipient.items() if n != 1}
    if twice:
        problems.append(f"{len(twice):,} recipients got more than one request, e.g. {list(twice.items())[:3]}")
    rows = list(Delivery.objects.filter(broadcast=broadcast).values_list("recipient", "status", "provider_message_id"))
    statuses = Counter(status for _, status, _ in rows)
    if len(rows) != count or statuses != Counter({Delivery.Status.SENT: count}):
        problems.append(f"{len(rows):,} deliveries with statuses {dict(statuses)} (expected {count:,} 'sent')")
    recipients = {recipient for recipient, _, _ in rows}
    if recipients != set(per_recipient):
        problems.append(f"{len(recipients - set(per_recipient)):,} deliveries never reached the fake, "
                        f"{len(set(per_recipient) - recipients):,} requests for no delivery")
    wamids = {wamid for _, _, wamid in rows if wamid.startswith("wamid.")}
    if len(wamids) != len(rows):
        problems.append(f"{len(rows) - len(wamids):,} deliveries without their own wamid")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description="Deliveries/s of the broadcast engine against a loopback fake.")
    parser.add_argument("--count", type=int, default=int(os.environ.get("BENCH_SEND_COUNT", "100000")),
                        help="members, and so deliveries (default 100,000)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_SEND_WORKERS", "1")),
                        help="manage.py worker processes (and DELIVERY_PUMPS_PER_CHANNEL)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="DELIVERY_CONCURRENCY, the engine's batch, and the bare loop's requests in flight "
                             "(default: the setting, 100 unless the environment says otherwise)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, worker logs)")
    parser.add_argument("--bare-loop", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_fake:
        serve_fake()
        return 0
    if args.bare_loop:
        print(json.dumps(asyncio.run(bare_loop(args.bare_loop, args.count, args.concurrency))))
        return 0

    with (bench_workdir("send", keep=args.keep) as work, bench_database(work, "send") as database_url,
          ExitStack() as stack):
        batch = {"DELIVERY_CONCURRENCY": str(args.concurrency)} if args.concurrency else {}
        env = process_env(database_url, work, DELIVERY_PUMPS_PER_CHANNEL=str(args.workers), **batch)
        setup_django(env)
        from django.conf import settings

        args.concurrency = settings.DELIVERY_CONCURRENCY
        from django.db import connection

        from accounts.models import Role
        from channels.fakes import FakeWhatsApp
        from offices.models import Office

        office = Office.objects.get(code=OFFICE)
        start = time.perf_counter()
        fill_members(office, args.count)
        fill_seconds = time.perf_counter() - start
        staff = make_staff(office)
        engine_fake = stack.enter_context(FakeWhatsApp())   # idle until the workers start
        channel = create_whatsapp_channel(office, staff[Role.ADMIN], engine_fake.url, LIFTED_RATE)
        broadcast, start_seconds = start_broadcast(office, staff)
        print(f"Data: {args.count:,} members with a WhatsApp number and consent (bulk_create, {fill_seconds:.1f} s); "
              f"start_broadcast drew the audience and queued {broadcast.total_recipients:,} deliveries in "
              f"{start_seconds:.1f} s. {database_label()}.")
        print(f"Channel: WhatsApp Cloud API at a loopback FakeWhatsApp, rate_per_second={channel.rate_per_second:g} "
              f"(lifted). DELIVERY_CONCURRENCY={args.concurrency}.", flush=True)

        # 1. The ceiling: a bare aiohttp loop against a fresh fake of its own; then the fake alone under wrk.
        with FakeWhatsApp() as fake:
            bare = run_bare_loop(fake.url, args.count, args.concurrency)
            bare_requests = fake.requests
        bare_span, bare_rate = arrival_rate(bare_requests)
        bare_ok = sum(r.answer == "ok" for r in bare_requests)
        del bare_requests, fake
        gc.collect()
        wrk_rate = fake_alone(args.concurrency, work)

        # 2. The engine: manage.py worker subprocesses run the pump tasks start_broadcast queued.
        connection.close()  # nothing but the polling below uses this process's connection from here on
        launched = time.perf_counter()
        workers = Workers(args.workers, env, work)
        try:
            finished = wait_until_sent(broadcast, workers)
        finally:
            peak_rss = workers.stop()
        engine_requests = engine_fake.requests
        span, rate = arrival_rate(engine_requests)
        problems = verify_exactly_once(broadcast, engine_requests, args.count)
        broadcast.refresh_from_db()

    ratio = rate / bare_rate
    rows = [(f"bare aiohttp loop, {args.concurrency} in flight", bare_ok, bare_span, bare_rate,
             f"its own timer: {bare['seconds']:.1f} s, {bare['accepted']:,} accepted"),
            (f"engine, {args.workers} × manage.py worker", len(engine_requests), span, rate,
             f"worker launch → all recorded: {finished - launched:.1f} s, {args.count / (finished - launched):,.0f}/s")]
    print(f"\n  {'sender':<36}{'requests':>10}{'first→last s':>14}{'per s':>9}")
    for label, requests, seconds, per_second, note in rows:
        print(f"  {label:<36}{requests:>10,}{seconds:>14.1f}{per_second:>9,.0f}   ({note})")
    if wrk_rate is not None:
        print(f"  {f'the fake alone, wrk -c{args.concurrency}':<36}{'':>24}{wrk_rate:>9,.0f}   "
              f"(keep-alive POSTs for 5 s: what the fake itself can take)")
    print(f"\n  deliveries/s sustained           {rate:>8,.0f}   target ≥ {TARGET_PER_SECOND:,}: "
          f"{'MET' if rate >= TARGET_PER_SECOND else 'MISSED'}")
    print(f"  ratio engine / bare loop         {ratio:>8.2f}   target ≥ {TARGET_RATIO}: "
          f"{'MET' if ratio >= TARGET_RATIO else 'MISSED'}")
    bare_reference = f"bare loop {bare_rate:,.0f}/s"
    summary(f"deliveries/s sustained, {args.count:,} sends", f"≥ {TARGET_PER_SECOND:,}/s", f"{rate:,.0f}/s",
            rate >= TARGET_PER_SECOND, bare_reference)
    summary("deliveries/s ÷ bare loop", f"≥ {TARGET_RATIO} ×", f"{ratio:.2f} ×", ratio >= TARGET_RATIO,
            bare_reference + (f"; fake alone (wrk) {wrk_rate:,.0f}/s" if wrk_rate is not None else ""))
    print(f"  peak worker RSS (VmHWM)          {', '.join(f'{mb:,.0f} MB' for mb in peak_rss)}")
    print(f"  broadcast status                 {broadcast.status}")
    if problems:
        print("  exactly once: FAILED\n    " + "\n    ".join(problems))
        return 1
    sample = engine_requests[0].json if engine_requests else {}
    if sample != text_body(str(sample.get("to"))):
        print(f"  note: the engine's request body differs from the bare loop's: {json.dumps(sample)[:300]}")
    print(f"  exactly once: OK ({args.count:,} recipients, one 'ok' request each; {args.count:,} deliveries 'sent', "
          f"each with its own wamid)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
