"""Run every benchmark, one subprocess each, in order; `make bench` calls this.

    python bench/run_all.py [NAME ...]      # e.g. `python bench/run_all.py import` for bench_import.py only,
                                            # `python bench/run_all.py portal page_weight` for the portal's four,
                                            # `python bench/run_all.py broadcast rate webhooks` for the broadcasts'

Each script's output is passed through as it runs. Targets are printed by the scripts, never asserted: the exit
status is non-zero only when a script crashes (exits non-zero), so a slow machine does not fail the build.
Every benchmark works in its own temporary database; the one in var/ is not touched.

Each script also prints one BENCH-SUMMARY line per headline figure (summary.py); those lines are not echoed but
gathered, and the run ends with one table: script, figure, target, measured, reference (what the figure is compared
with in the same run, e.g. /healthz), MET / MISSED / "-" (no target), and CRASHED for a script that exited non-zero.

Before anything runs, wrk must be on PATH when a selected benchmark needs it: as root it is installed with apt-get,
otherwise the run stops with exit status 2 and the command to run.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from summary import parse

BENCH_DIR = Path(__file__).resolve().parent
# (script, arguments): the 50,000-row import, the member list, the public portal (page weight, load under
# gunicorn with wrk, page-cache hit rate over 5 minutes of steady load, search), broadcasts (status webhooks under
# gunicorn with wrk, the 80/s rate limit), a 1,000,000-row (~100 MB) import (its memory bound), the preview of
# 500,000 bad rows (CSV and XLSX) while webhooks arrive, and last the 100,000-delivery broadcast send, the longest.
SCRIPTS = [
    ("bench_import.py", []),
    ("bench_member_list.py", []),
    ("bench_page_weight.py", []),
    ("bench_portal_load.py", []),
    ("bench_portal_cache.py", []),
    ("bench_portal_search.py", []),
    ("bench_webhooks.py", []),
    ("bench_rate_limit.py", []),
    ("bench_broadcast_timeouts.py", []),
    ("bench_inbox.py", []),
    ("bench_match.py", []),
    ("bench_match_live.py", []),
    ("bench_factcheck.py", []),
    ("bench_workqueue.py", []),
    ("bench_dashboard.py", []),
    ("bench_import.py", ["--rows", "1000000"]),
    ("bench_import_hostile.py", []),
    ("bench_broadcast_send.py", []),
]


# The benchmarks that drive gunicorn (or the fake provider) with wrk; without it they skip their figures.
WRK_SCRIPTS = {"bench_portal_load.py", "bench_webhooks.py", "bench_inbox.py", "bench_broadcast_send.py"}
WRK_INSTALL = "sudo apt-get install -y wrk"
COLUMNS = ("script", "figure", "target", "measured", "reference", "result")


def ensure_wrk(scripts: list[tuple[str, list[str]]]) -> int | None:
    """None when the run can go on; otherwise the exit status (wrk missing and not root, or the install failed)."""
    needing = sorted({script for script, _ in scripts} & WRK_SCRIPTS)
    if not needing:
        print("wrk: not needed by the selected benchmarks.", flush=True)
        return None
    found = shutil.which("wrk")
    if found is None:
        if os.geteuid() != 0:
            print(f"wrk is missing from PATH and {', '.join(needing)} need it. Install it, then run again:\n\n"
                  f"    {WRK_INSTALL}\n", file=sys.stderr)
            return 2
        print("wrk is missing from PATH; running as root, installing it: apt-get update -qq && "
              "apt-get install -y -qq wrk", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            if subprocess.call(command, env=env) != 0:
                print(f"`{' '.join(command)}` failed; install wrk ({WRK_INSTALL}), then run again.", file=sys.stderr)
                return 2
        found = shutil.which("wrk")
        if found is None:
            print(f"apt-get installed wrk but it is not on PATH; install it ({WRK_INSTALL}), then run again.",
                  file=sys.stderr)
            return 2
        print(f"wrk: installed, {found}", flush=True)
    else:
        print(f"wrk: {found}", flush=True)
    if not Path("/usr/bin/wrk").exists():
        print("  note: the benchmarks run /usr/bin/wrk, which does not exist; they will skip their wrk figures.",
              flush=True)
    return None


def run_script(script: str, arguments: list[str]) -> tuple[int, list[dict]]:
    """Run one benchmark, echo its output line by line as it comes, keep its BENCH-SUMMARY lines (not echoed)."""
    out = getattr(sys.stdout, "buffer", None)
    rows = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
    with subprocess.Popen([sys.executable, str(BENCH_DIR / script), *arguments], cwd=BENCH_DIR.parent, env=env,
                          stdout=subprocess.PIPE) as process:
        try:
            for raw in process.stdout:
                line = raw.decode("utf-8", "replace")
                fields = parse(line)
                if fields is not None:
                    rows.append(fields)
                elif out is not None:
                    out.write(raw)
                    out.flush()
                else:
                    sys.stdout.write(line)
                    sys.stdout.flush()
        except BaseException:
            process.kill()
            raise
    return process.returncode, rows


def table_rows(results: list[tuple[str, int, list[dict]]]) -> list[dict]:
    """One row per figure of each script, a CRASHED row for a script that exited non-zero, a NO FIGURE row for a
    script that finished without reporting one."""
    rows = []
    for title, code, figures in results:
        rows += [{"script": title, **fields, "result": fields["met"]} for fields in figures]
        if code != 0:
            rows.append({"script": title, "figure": f"exit status {code}", "target": "", "measured": "",
                         "reference": "", "result": "CRASHED"})
        elif not figures:
            rows.append({"script": title, "figure": "(no BENCH-SUMMARY line)", "target": "", "measured": "",
                         "reference": "", "result": "NO FIGURE"})
    return rows


def format_table(rows: list[dict]) -> str:
    widths = {c: max([len(c), *(len(r.get(c, "")) for r in rows)]) for c in COLUMNS}
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in COLUMNS).rstrip(),
             "  ".join("-" * widths[c] for c in COLUMNS)]
    lines += ["  ".join(r.get(c, "").ljust(widths[c]) for c in COLUMNS).rstrip() for r in rows]
    counts = {v: sum(r["result"] == v for r in rows) for v in ("MET", "MISSED", "-", "CRASHED", "NO FIGURE")}
    count = f"{counts['MET']} met, {counts['MISSED']} missed, {counts['-']} without a target"
    if counts["CRASHED"]:
        count += f", {counts['CRASHED']} crashed"
    if counts["NO FIGURE"]:
        count += f", {counts['NO FIGURE']} reported no figure"
    return "\n".join([*lines, "", count])


def main(argv: list[str]) -> int:
    scripts = [(s, a) for s, a in SCRIPTS if not argv or any(name in s for name in argv)]
    if not scripts:
        print(f"No benchmark matches {argv}; available: {', '.join(s for s, _ in SCRIPTS)}", file=sys.stderr)
        return 2
    stop = ensure_wrk(scripts)
    if stop is not None:
        return stop
    results = []
    started = time.perf_counter()
    for script, arguments in scripts:
        title = " ".join([script, *arguments])
        print(f"\n=== {title} " + "=" * (70 - len(title)), flush=True)
        start = time.perf_counter()
        code, figures = run_script(script, arguments)
        print(f"--- {title}: exit {code}, {time.perf_counter() - start:.0f} s", flush=True)
        results.append((title, code, figures))
    failed = [title for title, code, _ in results if code != 0]
    print(f"\nBenchmarks finished in {time.perf_counter() - started:.0f} s"
          + (f"; CRASHED: {', '.join(failed)}" if failed else " (targets above are informative, not asserted)."))
    print("\nSummary (targets informative, not asserted; reference = measured in the same run):\n")
    print(format_table(table_rows(results)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
