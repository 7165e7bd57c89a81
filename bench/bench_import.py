"""Import benchmark: `manage.py import_members` end to end on a generated CSV, against a bare script.

    python bench/bench_import.py [--rows 50000] [--keep]
    python bench/bench_import.py --rows 1000000          # the memory bound: peak RSS must not grow with the file
    BENCH_DATABASE_URL=postgresql://user:pass@host/db python bench/bench_import.py   # adds a PostgreSQL run

A fresh SQLite database in a temporary directory is migrated and seeded with the office tree, then the real
management command runs in a subprocess, exactly as an operator would run it:

    python manage.py import_members FILE --office 35.77 --consent-purpose informasi --consent-evidence "…"

first with --dry-run (the preview), then for real. Each pass reports wall time (interpreter start-up and
django.setup() included), rows per second and the peak RSS of that subprocess (os.wait4, ru_maxrss in KiB),
and checks the command's summary line against what the generator says the file contains.

In the same run, on the same file, a bare script does the essential work and nothing else (`--bare`: the csv
module, phonenumbers to E.164, a duplicate check with a set, one executemany into a fresh SQLite file); the
import's speed is reported as a ratio to it.

With BENCH_DATABASE_URL set (a PostgreSQL server where the user may CREATE DATABASE), the same passes run in a
throw-away database `bakohumas_bench_<pid>` on that server, which is dropped afterwards.

Targets (printed, not asserted): import ≥ 5,000 rows/s, ≥ 0.5 × the bare script, peak RSS < 200 MB at any size.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from summary import summary  # noqa: E402
from workdir import bench_workdir  # noqa: E402

OFFICE = "35.77"
EVIDENCE = "Formulir persetujuan rapat Bakohumas 12 Maret 2024, arsip Subbag Humas"
TARGET_ROWS_PER_S = 5_000
TARGET_RSS_MB = 200
TARGET_RATIO = 0.5
SUMMARY = re.compile(r"(\d+) baris: (\d+) (?:akan diimpor|diimpor), (\d+) salah, (\d+) duplikat\.")


def generate_in_subprocess(csv_path: Path, rows: int) -> dict:
    """gen_members_csv.generate() keeps the good rows in memory; run here, it would count in every child's RSS."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from gen_members_csv import generate; "
            "print(json.dumps(generate(sys.argv[2], int(sys.argv[3]))))")
    out = subprocess.run([sys.executable, "-c", code, str(BENCH_DIR), str(csv_path), str(rows)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def command_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "BAKOHUMAS_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "bakohumas.settings",
        "DEBUG": os.environ.get("BENCH_DEBUG", "0"),  # as in production; BENCH_DEBUG=1 to see the difference
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def run_measured(args: list[str], env: dict[str, str], log: Path) -> tuple[float, float, float, int]:
    """Run a subprocess; return (wall seconds, CPU seconds (user + system), peak RSS MB of that one process,
    exit code)."""
    with open(log, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of this child only, unlike RUSAGE_CHILDREN
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def bare_import(csv_path: str, db_path: str) -> None:
    """The bare minimum of the import, for comparison: no Django, no batches, everything in memory."""
    import csv
    import sqlite3

    import phonenumbers

    e164 = phonenumbers.PhoneNumberFormat.E164
    seen: set[str] = set()
    good: list[tuple] = []
    total = bad = duplicates = 0
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        column = {name: i for i, name in enumerate(next(reader))}
        name_at, org_at, position_at = column["Nama"], column["Instansi"], column["Jabatan"]
        phone_at, email_at = column["No. WA"], column["E-mail"]
        for cells in reader:
            total += 1
            name = cells[name_at].strip()
            if not name or "<" in name:
                bad += 1
                continue
            try:
                number = phonenumbers.parse(cells[phone_at], "ID")
            except phonenumbers.NumberParseException:
                bad += 1
                continue
            if number.country_code != 62 or not phonenumbers.is_valid_number(number):
                bad += 1
                continue
            phone = phonenumbers.format_number(number, e164)
            if phone in seen:
                duplicates += 1
                continue
            seen.add(phone)
            good.append((name, cells[org_at].strip(), cells[position_at].strip(), phone, cells[email_at].strip()))
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("CREATE TABLE member (id INTEGER PRIMARY KEY, name TEXT, organization TEXT, "
                           "position TEXT, whatsapp TEXT UNIQUE, email TEXT)")
        connection.executemany("INSERT INTO member (name, organization, position, whatsapp, email) "
                               "VALUES (?, ?, ?, ?, ?)", good)
    connection.close()
    print(f"bare: {total} rows, {len(good)} good, {bad} bad, {duplicates} duplicates")


def bare_pass(csv_path: Path, work: Path, rows: int) -> dict:
    database = work / "bare.sqlite3"
    database.unlink(missing_ok=True)
    log = work / "bare.log"
    wall, cpu, rss, code = run_measured([sys.executable, str(BENCH_DIR / "bench_import.py"), "--bare",
                                         str(csv_path), str(database)], dict(os.environ), log)
    text = log.read_text(errors="replace")
    if code != 0:
        print(text[-3000:])
        raise SystemExit(f"bare script exited with {code} (log: {log})")
    database.unlink(missing_ok=True)
    return {"label": "bare script", "wall": wall, "cpu": cpu, "rss": rss, "rate": rows / wall,
            "outcome": text.strip().splitlines()[-1], "check": ""}


def import_pass(label: str, csv_path: Path, env: dict[str, str], work: Path, rows: int, expected: dict,
                dry_run: bool) -> dict:
    args = [sys.executable, "manage.py", "import_members", str(csv_path), "--office", OFFICE,
            "--consent-purpose", "informasi", "--consent-evidence", EVIDENCE]
    if dry_run:
        args.append("--dry-run")
    log = work / f"{label}.log"
    wall, cpu, rss, code = run_measured(args, env, log)
    text = log.read_text(errors="replace")
    if code != 0:
        print(text[-3000:])
        raise SystemExit(f"{label}: import_members exited with {code} (log: {log})")
    match = SUMMARY.search(text)
    outcome = tuple(int(g) for g in match.groups()) if match else None
    wanted = (rows, expected["valid"], expected["errors"], expected["duplicates"])
    return {"label": label, "wall": wall, "cpu": cpu, "rss": rss, "rate": rows / wall, "outcome": outcome,
            "check": "ok" if outcome == wanted else f"MISMATCH, expected {wanted}"}


def print_results(title: str, results: list[dict]) -> None:
    print(f"\n{title}")
    print(f"  {'pass':<22}{'wall s':>8}{'CPU s':>8}{'rows/s':>10}{'peak RSS MB':>13}  "
          "summary (rows, valid, bad, duplicates)")
    for r in results:
        print(f"  {r['label']:<22}{r['wall']:>8.2f}{r['cpu']:>8.2f}{r['rate']:>10,.0f}{r['rss']:>13.0f}  "
              f"{r['outcome']} {r['check']}")
    real = [r for r in results if r["label"].startswith("import")]
    bare = next((r for r in results if r["label"] == "bare script"), None)
    database = title.split(" (")[0]
    for r in real:
        rows = round(r["rate"] * r["wall"])
        ok_rate = r["rate"] >= TARGET_ROWS_PER_S
        ok_rss = r["rss"] < TARGET_RSS_MB
        print(f"  target {r['label']}: ≥ {TARGET_ROWS_PER_S:,} rows/s → {'MET' if ok_rate else 'MISSED'} "
              f"({r['rate']:,.0f}); peak RSS < {TARGET_RSS_MB} MB → {'MET' if ok_rss else 'MISSED'} ({r['rss']:.0f})")
        summary(f"{r['label']} rows/s, {rows:,} rows, {database}", f"≥ {TARGET_ROWS_PER_S:,} rows/s",
                f"{r['rate']:,.0f} rows/s ({r['wall']:.1f} s)", ok_rate)
        summary(f"{r['label']} peak RSS, {rows:,} rows, {database}", f"< {TARGET_RSS_MB} MB",
                f"{r['rss']:.0f} MB", ok_rss)
        if bare:
            ratio = bare["wall"] / r["wall"]
            print(f"  target {r['label']}: ≥ {TARGET_RATIO} × the bare script → "
                  f"{'MET' if ratio >= TARGET_RATIO else 'MISSED'} ({ratio:.2f} ×; in CPU time "
                  f"{bare['cpu'] / r['cpu']:.2f} ×)")
            summary(f"{r['label']} speed against the bare script, {rows:,} rows, {database}",
                    f"≥ {TARGET_RATIO} ×", f"{ratio:.2f} ×", ratio >= TARGET_RATIO,
                    f"bare script {bare['rate']:,.0f} rows/s ({bare['wall']:.1f} s, {bare['rss']:.0f} MB)")


def database_counts(env: dict[str, str]) -> str:
    code = ("import django; django.setup(); "
            "from members.models import Address, Consent, Member, Organization; "
            f"office = {OFFICE!r}; "
            "counts = (Member.objects.filter(office__code=office).count(), "
            "Organization.objects.filter(office__code=office).count(), "
            "Address.objects.filter(office__code=office).count(), "
            "Consent.objects.filter(address__office__code=office).count()); "
            "print('  in the database: {:,} members, {} organisations, {:,} addresses, {:,} consents'.format(*counts))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    return done.stdout.rstrip() or f"  counting failed: {done.stderr.strip()[-500:]}"


def prepare_database(env: dict[str, str]) -> None:
    # In subprocesses: a child's ru_maxrss counts the memory it was forked with, so this process stays small.
    for step in (["migrate", "--noinput", "-v", "0"], ["seed_offices", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)


def sqlite_run(csv_path: Path, rows: int, expected: dict, work: Path) -> None:
    var_dir = work / "var"
    database_url = f"sqlite:///{work / 'bench.sqlite3'}"
    env = command_env(database_url, var_dir)
    prepare_database(env)
    results = [
        import_pass("dry-run (preview)", csv_path, env, work, rows, expected, dry_run=True),
        bare_pass(csv_path, work, rows),
        import_pass("import", csv_path, env, work, rows, expected, dry_run=False),
    ]
    print_results(f"SQLite ({work / 'bench.sqlite3'})", results)
    print(database_counts(env))


def postgres_run(url: str, csv_path: Path, rows: int, expected: dict, work: Path) -> None:
    import psycopg

    name = f"bakohumas_bench_{os.getpid()}"
    parsed = urlparse(url)
    bench_url = urlunparse(parsed._replace(path="/" + name))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = command_env(bench_url, work / "var-pg")
        prepare_database(env)
        results = [
            import_pass("dry-run (preview)", csv_path, env, work, rows, expected, dry_run=True),
            import_pass("import", csv_path, env, work, rows, expected, dry_run=False),
        ]
        print_results(f"PostgreSQL ({parsed.hostname or 'socket'}, database {name})", results)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark of manage.py import_members.")
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_IMPORT_ROWS", "50000")))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, CSV, logs)")
    parser.add_argument("--bare", nargs=2, metavar=("CSV", "SQLITE"), help="run only the bare script")
    args = parser.parse_args()
    if args.bare:
        bare_import(*args.bare)
        return 0

    with bench_workdir("import", keep=args.keep) as work:
        csv_path = work / f"anggota-bakohumas-{args.rows}.csv"
        start = time.perf_counter()
        stats = generate_in_subprocess(csv_path, args.rows)
        print(f"Generated {csv_path.name}: {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB, "
              f"{stats['bad_rows']:,} bad {stats['bad_by_kind']}, {stats['organizations']} organisations "
              f"({time.perf_counter() - start:.1f} s)")
        print(f"Command: python manage.py import_members {csv_path.name} --office {OFFICE} "
              f"--consent-purpose informasi --consent-evidence \"…\" [--dry-run]"
              f"   (DEBUG={command_env('', work)['DEBUG']})")
        sqlite_run(csv_path, args.rows, stats["expected"], work)
        if os.environ.get("BENCH_DATABASE_URL"):
            postgres_run(os.environ["BENCH_DATABASE_URL"], csv_path, args.rows, stats["expected"], work)
        else:
            print("\nPostgreSQL: skipped (set BENCH_DATABASE_URL=postgresql://… to run it too)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
