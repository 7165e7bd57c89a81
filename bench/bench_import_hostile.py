"""Hostile import: 500,000 rows, every row bad, previewed by one worker while signed webhooks arrive.

    python bench/bench_import_hostile.py [--rows 500000] [--formats csv,xlsx] [--rate 20] [--keep]

1. Data. A fresh SQLite database is migrated and seeded with the office tree; KPU Kota Madiun (35.77) gets staff
   and a WhatsApp channel with an app secret (bench_broadcast_send.py's helpers). For each format a file of
   `--rows` data rows is generated in which every row is bad, in turn: a number too short, a foreign number, no
   contact at all, HTML in the name, an unknown category. The XLSX is written by hand (inline strings).
2. Upload and mapping. In this process, through the real services: `create_import_job` (timed: it reads the file's
   shape and estimates its rows) and `configure_import_job`, which queues the preview task.
3. Server. gunicorn as production runs it (bench_portal_load.py's helpers, 2 sync workers) on the same database.
4. Measurement. Signed inbound WhatsApp messages (bench_inbox.py's bodies, each stored by the webhook) are posted
   one at a time at `--rate` per second while one `manage.py worker` runs (as `make run` starts it; its inbox
   router files the messages): 5 s idle (the baseline), then from the moment the preview is queued until the job
   is validated, after which the worker is stopped. Printed: the preview's time and the worker's peak RSS
   (os.wait4, this one process), the job's counts (every row must be accounted for: total = valid + bad +
   duplicate) and how many bad rows were stored (IMPORT_MAX_ERROR_ROWS), and the webhooks' p50/p99/max and
   non-200 answers, baseline and during the preview.

Targets (printed, not asserted): worker peak RSS < 400 MB; webhooks during the preview answered 200 with a p99
close to the baseline (the worker writes in short batches and never holds the write lock while reading).
"""

import argparse
import base64
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from bench_broadcast_send import APP_SECRET, OFFICE, create_whatsapp_channel, make_staff, process_env  # noqa: E402
from bench_broadcast_send import setup_django as setup_database  # noqa: E402
from bench_inbox import inbound_body  # noqa: E402
from bench_portal_load import free_port, gunicorn_command, server_env, stop, wait_ready  # noqa: E402
from signed_webhooks import post, signature  # noqa: E402
from summary import summary as summary_line  # noqa: E402
from workdir import bench_workdir  # noqa: E402

TARGET_RSS_MB = 400
HEADER = ["Nama", "Instansi", "Kategori", "No HP", "Email"]


def bad_row(i: int) -> list[str]:
    kind = i % 5
    if kind == 0:
        return [f"Anggota {i}", "DPC Contoh", "Partai politik", "0812", ""]
    if kind == 1:
        return [f"Anggota {i}", "Radar Contoh", "media", "+60123456789", ""]
    if kind == 2:
        return [f"Anggota {i}", "LSM Contoh", "lsm", "", ""]
    if kind == 3:
        return [f"<b>Anggota {i}</b>", "Ormas Contoh", "lsm", f"0812-{i % 10000:04d}-{i // 10000:04d}", ""]
    return [f"Anggota {i}", "Contoh", "planet", f"0813-{i % 10000:04d}-{i // 10000:04d}", ""]


def write_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(";".join(HEADER) + "\r\n")
        for i in range(rows):
            fh.write(";".join(bad_row(i)) + "\r\n")


def write_xlsx(path: Path, rows: int) -> None:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"

    def row_xml(number: int, cells: list[str]) -> str:
        return f'<row r="{number}">' + "".join(
            f'<c t="inlineStr"><is><t>{escape(c)}</t></is></c>' if c else "<c/>" for c in cells) + "</row>"

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("_rels/.rels", f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                                   f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="Data" '
                                       f'sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                                                  f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                                                  f'</Relationships>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'<worksheet xmlns="{main}"><dimension ref="A1:E{rows + 1}"/><sheetData>'.encode())
            fh.write(row_xml(1, HEADER).encode())
            chunk = []
            for i in range(rows):
                chunk.append(row_xml(i + 2, bad_row(i)))
                if len(chunk) == 5000:
                    fh.write("".join(chunk).encode())
                    chunk = []
            fh.write(("".join(chunk) + "</sheetData></worksheet>").encode())


class Poster(threading.Thread):
    """Posts one signed inbound message at a time at `rate` per second until stopped; keeps (latency, status)."""

    def __init__(self, port: int, path: str, rate: float, prefix: str):
        super().__init__(daemon=True)
        self.port, self.path, self.interval, self.prefix = port, path, 1 / rate, prefix
        self.results: list[tuple[float, int]] = []
        self.started: list[float] = []
        self.halt = threading.Event()

    def run(self) -> None:
        n = 0
        next_at = time.monotonic()
        while not self.halt.is_set():
            n += 1
            body = inbound_body(sender=f"+62857{n:08d}", name=f"Pengirim {n}", message_id=f"wamid.{self.prefix}{n}",
                                text="Kapan jadwal sosialisasi?", sent_at=int(time.time()))
            start = time.monotonic()
            try:
                status, _ = post(self.port, self.path, body, signature(body, APP_SECRET), timeout=60)
            except OSError:
                status = 0
            self.results.append((time.monotonic() - start, status))
            self.started.append(start)
            next_at += self.interval
            self.halt.wait(max(0.0, next_at - time.monotonic()))


def summary(results: list[tuple[float, int]]) -> str:
    if not results:
        return "no requests"
    times = sorted(t * 1000 for t, _ in results)

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(p * len(times)))]

    bad = sum(1 for _, status in results if status != 200)
    return (f"{len(results)} requests, p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, max {times[-1]:.1f} ms, "
            f"non-200: {bad}")


class Worker(threading.Thread):
    """`manage.py worker` as `make run` starts it (its inbox router routes the webhooks' messages meanwhile);
    os.wait4 gives the peak RSS of this one process once it is stopped."""

    def __init__(self, env: dict[str, str], log: Path):
        super().__init__(daemon=True)
        self.out = open(log, "w")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "manage.py", "worker"], cwd=ROOT, env=env, stdout=self.out,
                                     stderr=subprocess.STDOUT)
        self.rss_mb = 0.0

    def run(self) -> None:
        _, _status, usage = os.wait4(self.proc.pid, 0)
        self.rss_mb = usage.ru_maxrss / 1024
        self.out.close()

    def stop(self) -> float:
        self.proc.terminate()
        self.join(timeout=30)
        if self.is_alive():  # still finishing its shutdown: its peak is what we came for
            self.proc.kill()
            self.join()
        return self.rss_mb


def measure(fmt: str, path: Path, staff, env: dict, port: int, webhook: str, rate: float, work: Path) -> None:
    from django.core.files import File

    from members import services
    from members.models import ImportJob, ImportRowError

    print(f"\n{fmt.upper()}: {path.name}, {path.stat().st_size / 1e6:.1f} MB")
    start = time.perf_counter()
    with open(path, "rb") as fh:
        job = services.create_import_job(actor=staff, office=staff.office, uploaded_file=File(fh, name=path.name))
    print(f"  upload (create_import_job: store, read the shape, estimate rows): {time.perf_counter() - start:.2f} s, "
          f"±{job.total_rows:,} rows, headers {job.headers}")
    worker = Worker(env, work / f"worker-{fmt}.log")
    worker.start()
    time.sleep(3)
    warm_up = Poster(port, webhook, rate, f"{fmt}warm")  # both gunicorn workers load their URLconf and channel
    warm_up.start()
    time.sleep(2)
    warm_up.halt.set()
    warm_up.join()
    baseline = Poster(port, webhook, rate, f"{fmt}base")
    baseline.start()
    time.sleep(5)
    baseline.halt.set()
    baseline.join()
    during = Poster(port, webhook, rate, f"{fmt}run")
    during.start()
    worker_start = time.monotonic()
    services.configure_import_job(actor=staff, job=job, mapping=job.mapping, consent_purposes=[], consent_evidence="")
    while ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).exists():
        if not worker.is_alive():
            print((work / f"worker-{fmt}.log").read_text()[-3000:])
            raise SystemExit("the worker exited during the preview")
        time.sleep(0.2)
    wall = time.monotonic() - worker_start
    during.halt.set()
    during.join()
    rss = worker.stop()
    job = ImportJob.objects.get(pk=job.pk)
    stored = ImportRowError.objects.filter(job=job).values("row_number").distinct().count()
    accounted = job.valid_rows + job.error_rows + job.duplicate_rows
    print(f"  preview by one worker (manage.py worker), queued → validated: {wall:.1f} s, peak RSS {rss:.0f} MB "
          f"→ target < {TARGET_RSS_MB} MB {'MET' if rss < TARGET_RSS_MB else 'MISSED'}")
    summary_line(f"worker peak RSS, preview of {job.total_rows:,} bad {fmt.upper()} rows", f"< {TARGET_RSS_MB} MB",
                 f"{rss:.0f} MB (preview {wall:.0f} s)", rss < TARGET_RSS_MB)
    print(f"  job: {job.status}, {job.total_rows:,} rows = {job.valid_rows:,} valid + {job.error_rows:,} bad + "
          f"{job.duplicate_rows:,} duplicate ({'ok' if accounted == job.total_rows else 'MISMATCH'}); "
          f"bad rows stored: {stored:,}{(' — ' + job.failure_message) if job.failure_message else ''}")
    print(f"  webhooks at {rate:g}/s, baseline:       {summary(baseline.results)}")
    print(f"  webhooks at {rate:g}/s, during preview: {summary(during.results)}")
    slowest = sorted(zip(during.results, during.started, strict=True), reverse=True)[:3]
    print("  slowest during the preview: " + ", ".join(
        f"{t * 1000:.0f} ms at {at - worker_start:+.1f} s" for (t, _), at in slowest) + " (from the queueing)")


def main() -> int:
    parser = argparse.ArgumentParser(description="Hostile import: every row bad, worker memory, webhooks meanwhile.")
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--rate", type=float, default=20, help="signed webhooks per second, one at a time")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with bench_workdir("import-hostile", keep=args.keep) as work:
        database_url = f"sqlite:///{work / 'bench.sqlite3'}"
        # One key for this process, the worker and gunicorn (production settings want it given): the channel's app
        # secret is encrypted here and read there.
        secrets_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        env = process_env(database_url, work, SECRETS_KEY=secrets_key)
        setup_database(env)
        from offices.models import Office

        office = Office.objects.get(code=OFFICE)
        staff = make_staff(office)
        channel = create_whatsapp_channel(office, staff["admin"], "http://127.0.0.1:9", 80)
        files = {}
        for fmt in args.formats.split(","):
            start = time.perf_counter()
            files[fmt] = work / f"semua-salah-{args.rows}.{fmt}"
            (write_csv if fmt == "csv" else write_xlsx)(files[fmt], args.rows)
            print(f"Generated {files[fmt].name}: {args.rows:,} rows, every one bad, "
                  f"{files[fmt].stat().st_size / 1e6:.1f} MB ({time.perf_counter() - start:.1f} s)")
        from django.db import connections

        connections.close_all()
        port = free_port()
        log = work / "gunicorn.log"
        with open(log, "w") as log_file:
            server = subprocess.Popen(gunicorn_command(port), cwd=ROOT,
                                      env={**server_env(database_url, work), "SECRETS_KEY": secrets_key},
                                      stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_ready(port, server, log)
            for fmt, path in files.items():
                measure(fmt, path, staff["operator"], env, port, f"/webhooks/{channel.uuid}/", args.rate, work)
        finally:
            stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
