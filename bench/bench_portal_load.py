"""Election-day load on the public portal: gunicorn as in production, measured with wrk.

    python bench/bench_portal_load.py [--publications 200] [--duration 10] [--connections 32] [--keep]

A fresh SQLite database in a temporary directory is migrated and seeded (seed_offices, seed_elections), then
`--publications` items are published through the real services with actor=None (create_publication →
submit_for_review → approve_and_publish, each its own transaction, so the after-commit hooks index the item and
raise the site generation), split between KPU Kota Madiun (35.77) and KPU RI (00). `collectstatic` runs with the
production settings, and gunicorn is started the way production runs it:

    gunicorn bakohumas.wsgi --workers 2 --bind 127.0.0.1:<free port>
    (BAKOHUMAS_ENV=production, SECRET_KEY=<50 random characters>, SECURE_SSL_REDIRECT=0, ALLOWED_HOSTS=127.0.0.1,
     DATABASE_URL=<the temporary database>, STATIC_ROOT=<collected in the temporary directory>, DEBUG unset)

A published clarification (cek fakta) is added through the factcheck services. After a warm-up, wrk
(`wrk -t2 -c32 -d10s --latency`) measures, one after the other in the same run, every kind of public URL:

    /healthz                                   the cheapest request that touches the database (first and last)
    /kota-madiun/                              the office home (stages, latest publications)
    /kota-madiun/publikasi/<slug>/             a publication page
    /kota-madiun/publikasi/                    a publication list
    /kota-madiun/cari/?q=pemilih               a search
    /kota-madiun/feed.rss                      the RSS feed
    /sitemap-publikasi.xml                     the publications' sitemap
    /kota-madiun/jadwal.ics                    the stages' calendar
    /kota-madiun/cek-fakta/<slug>/             a clarification page (ClaimReview)
    /kota-madiun/cek-fakta/feed.rss            the clarifications' feed
    the publication page with If-None-Match    the ETag the page sent → 304 Not Modified

and prints requests/s, latency p50/p99 and the ratio to /healthz (the mean of its two runs; target ≥ 0.8 for
every kind). wrk and gunicorn share the machine's cores, over loopback only. gunicorn's process group is always
stopped at the end. Without /usr/bin/wrk the script prints "wrk missing" and skips the measurement (it never
installs anything).
"""

import argparse
import http.client
import io
import os
import random
import re
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from gen_publications import publication_text  # noqa: E402
from summary import summary as summary_line  # noqa: E402
from workdir import bench_workdir  # noqa: E402

TARGET_RATIO = 0.8
WORKERS = 2
WRK_LINE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$")


def setup_django(work: Path) -> str:
    database_url = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ.update({
        "DATABASE_URL": database_url,
        "BAKOHUMAS_VAR_DIR": str(work / "var"),
        "DJANGO_SETTINGS_MODULE": "bakohumas.settings",
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
    })
    (work / "var" / "staticfiles").mkdir(parents=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_offices", verbosity=0, stdout=io.StringIO())
    call_command("seed_elections", verbosity=0, stdout=io.StringIO())
    return database_url


def publish_items(count: int) -> list:
    """Publish through the services, outside any atomic block: every call commits and runs its after-commit hooks."""
    from content import services
    from content.models import Publication
    from offices.models import Office

    rng = random.Random(35_77)
    madiun, national = Office.objects.get(code="35.77"), Office.objects.get(code="00")
    kinds = [Publication.Kind.PRESS_RELEASE, Publication.Kind.ANNOUNCEMENT, Publication.Kind.NEWS]
    madiun_items = []
    for i in range(count):
        office = madiun if i % 4 else national  # three quarters Kota Madiun, a quarter KPU RI
        title, summary, body = publication_text(rng)
        item = services.create_publication(actor=None, office=office, kind=rng.choice(kinds), title=title,
                                           summary=summary, body=body, tags=["pilkada-2024"])
        services.submit_for_review(actor=None, publication=item)
        item.refresh_from_db()
        services.approve_and_publish(actor=None, publication=item)
        if office == madiun:
            madiun_items.append(item)
    return madiun_items


def publish_clarification() -> str:
    """One clarification of KPU Kota Madiun, written by a verifier and approved by an editor; its slug."""
    from accounts.models import Role, User
    from factcheck import services
    from factcheck.models import Verdict
    from offices.models import Office

    madiun = Office.objects.get(code="35.77")
    verifier = User.objects.create(username="bench-verifikator", office=madiun, role=Role.VERIFIER)
    editor = User.objects.create(username="bench-editor", office=madiun, role=Role.EDITOR)
    clarification = services.save_clarification(
        actor=verifier, office=madiun, claim_reviewed="TPS di Kota Madiun dipindah ke pusat perbelanjaan",
        verdict=Verdict.FALSE, summary="Tidak benar. Lokasi TPS diumumkan KPU Kota Madiun.",
        body="Daftar lokasi TPS ditetapkan dalam rapat pleno dan diumumkan di portal.")
    services.submit_clarification(actor=verifier, clarification=clarification)
    return services.publish_clarification(actor=editor, clarification=clarification).slug


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def secrets_key(work: Path) -> str:
    """The key the bench's own set-up encrypted channel secrets with (settings keep it in var/ outside
    production), so that the production server started here can read them."""
    path = work / "var" / "secrets.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
    return path.read_text().strip()


def server_env(database_url: str, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update({
        "BAKOHUMAS_ENV": "production",
        "SECRET_KEY": "".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)")
                              for _ in range(50)),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "BAKOHUMAS_VAR_DIR": str(work / "var"),
        "STATIC_ROOT": str(work / "static"),
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "bakohumas.settings",
        # The channels point at the loopback fake providers, which production refuses unless this is set.
        "CHANNELS_ALLOW_CUSTOM_ENDPOINTS": "1",
        "SECRETS_KEY": secrets_key(work),
    })
    return env


def gunicorn_command(port: int) -> list[str]:
    binary = Path(sys.executable).parent / "gunicorn"
    command = [str(binary)] if binary.exists() else [sys.executable, "-m", "gunicorn"]
    return [*command, "bakohumas.wsgi", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"]


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def wait_ready(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within 30 s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, *, duration: int, connections: int, headers: dict | None = None) -> dict:
    command = ["/usr/bin/wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return {**parse_wrk(output),
            "command": " ".join(command[:6] + [f"-H '{k}: …'" for k in headers or {}] + [url])}


def parse_wrk(output: str) -> dict:
    """requests/s, p50/p99 (ms), requests, non-2xx count and socket errors from `wrk --latency` output."""
    result = {"raw": output}
    for line in output.splitlines():
        match = WRK_LINE.match(line)
        if match:
            result[f"p{match.group(1)}"] = to_ms(match.group(2), match.group(3))
        elif line.startswith("Requests/sec:"):
            result["rps"] = float(line.split()[1])
        elif "requests in" in line:
            result["requests"] = int(line.split()[0])
        elif "Non-2xx or 3xx responses" in line:
            result["bad"] = int(line.split()[-1])
        elif line.strip().startswith("Socket errors"):
            result["socket_errors"] = line.strip()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="Requests/s of the public portal under gunicorn, measured with wrk.")
    parser.add_argument("--publications", type=int, default=int(os.environ.get("BENCH_PORTAL_PUBLICATIONS", "200")))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_PORTAL_DURATION", "10")),
                        help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, server log)")
    args = parser.parse_args()

    if not Path("/usr/bin/wrk").exists():
        print("wrk missing: install it (apt-get install wrk) to run this benchmark; skipped.")
        return 0

    with bench_workdir("portal-load", keep=args.keep) as work:
        database_url = setup_django(work)
        start = time.perf_counter()
        madiun_items = publish_items(args.publications)
        clarification = publish_clarification()
        from django.db import connection

        from content.models import Publication
        from portal.models import SiteGeneration

        published = Publication.objects.filter(status=Publication.Status.PUBLISHED).count()
        print(f"Published {published} publications through the services "
              f"({len(madiun_items)} KPU Kota Madiun, the rest KPU RI) in {time.perf_counter() - start:.1f} s; "
              f"site generation {SiteGeneration.objects.get(pk=1).value}. SQLite {connection.Database.sqlite_version}.")
        connection.close()  # the server processes are the only users of the database from here on

        env = server_env(database_url, work)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = work / "gunicorn.log"
        command = gunicorn_command(port)
        print(f"Server: {' '.join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command))} "
              f"(BAKOHUMAS_ENV=production, DEBUG unset, SQLite, per-process page cache)")
        with open(log, "wb") as log_file:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        try:
            wait_ready(port, process, log)
            page = f"/kota-madiun/publikasi/{madiun_items[len(madiun_items) // 2].slug}/"
            targets = [("healthz", "/healthz"), ("office home", "/kota-madiun/"), ("publication page", page),
                       ("publication list", "/kota-madiun/publikasi/"), ("search", "/kota-madiun/cari/?q=pemilih"),
                       ("RSS feed", "/kota-madiun/feed.rss"), ("sitemap", "/sitemap-publikasi.xml"),
                       ("ICS calendar", "/kota-madiun/jadwal.ics"),
                       ("clarification page", f"/kota-madiun/cek-fakta/{clarification}/"),
                       ("clarification feed", "/kota-madiun/cek-fakta/feed.rss")]
            for _, path in targets:
                status, _, body = get(port, path)
                if status != 200:
                    raise SystemExit(f"GET {path} → {status}: {body[:300]!r}")
            print(f"Publication page: {page}")
            for _, path in targets:  # warm-up: imports, template loading, both workers' page caches
                wrk(base + path, duration=2, connections=args.connections)

            results = []
            for label, path in targets:
                results.append((label, wrk(base + path, duration=args.duration, connections=args.connections)))

            etag = get(port, page)[1].get("etag")
            conditional = {"If-None-Match": etag}
            check = get(port, page, conditional)[0]
            if check != 304:
                raise SystemExit(f"GET {page} with If-None-Match: {etag} → {check}, expected 304")
            results.append(("page, If-None-Match → 304", wrk(base + page, duration=args.duration,
                                                              connections=args.connections, headers=conditional)))
            still_304 = get(port, page, conditional)[0] == 304
            # /healthz again at the end: the machine is shared, the reference is the mean of both runs.
            results.append(("healthz, again", wrk(base + "/healthz", duration=args.duration,
                                                  connections=args.connections)))
        finally:
            stop(process)

        print(f"\nwrk -t2 -c{args.connections} -d{args.duration}s --latency, {WORKERS} gunicorn workers, "
              f"{os.cpu_count()} CPUs shared by wrk and gunicorn, loopback:")
        print(f"\n  {'request':<30}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}  errors")
        for label, r in results:
            errors = ", ".join(filter(None, [f"{r['bad']} non-2xx/3xx" if r.get("bad") else "",
                                             r.get("socket_errors", "")])) or "–"
            print(f"  {label:<30}{r.get('rps', 0):>10,.0f}{r.get('p50', float('nan')):>9.1f}"
                  f"{r.get('p99', float('nan')):>9.1f}{r.get('requests', 0):>10,}  {errors}")
        by_label = dict(results)
        health = (by_label["healthz"]["rps"] + by_label["healthz, again"]["rps"]) / 2
        print(f"\n  ratio to /healthz, mean of its two runs {health:,.0f} req/s (target ≥ {TARGET_RATIO}):")
        for label, _ in results:
            if label.startswith("healthz"):
                continue
            ratio = by_label[label]["rps"] / health
            print(f"  {label:<30}{ratio:>10.2f}  {'MET' if ratio >= TARGET_RATIO else 'MISSED'}")
            summary_line(f"portal {label}, req/s ÷ /healthz", f"≥ {TARGET_RATIO} × /healthz",
                         f"{ratio:.2f} × ({by_label[label]['rps']:,.0f} req/s)", ratio >= TARGET_RATIO,
                         f"/healthz {health:,.0f} req/s")
        if not still_304:
            print("  note: the ETag changed during the conditional run (a scheduled change or a local midnight); "
                  "some answers were 200")
    return 0


if __name__ == "__main__":
    sys.exit(main())
