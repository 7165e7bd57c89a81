"""Run every benchmark, one subprocess each, in order; `make bench` calls this.

    python bench/run_all.py [NAME ...]      # e.g. `python bench/run_all.py import` for bench_import.py only,
                                            # `python bench/run_all.py portal page_weight` for the portal's three,
                                            # `python bench/run_all.py broadcast rate webhooks` for the broadcasts'

Each script's output is passed through as it runs. Targets are printed by the scripts, never asserted: the exit
status is non-zero only when a script crashes (exits non-zero), so a slow machine does not fail the build.
Every benchmark works in its own temporary database; the one in var/ is not touched.
"""

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# (script, arguments): the 50,000-row import, the member list, the public portal (page weight, load under
# gunicorn with wrk, search), broadcasts (status webhooks under gunicorn with wrk, the 80/s rate limit), a
# 500,000-row (~50 MB) import, the preview of 500,000 bad rows (CSV and XLSX) while webhooks arrive, and last the
# 100,000-delivery broadcast send, the longest.
SCRIPTS = [
    ("bench_import.py", []),
    ("bench_member_list.py", []),
    ("bench_page_weight.py", []),
    ("bench_portal_load.py", []),
    ("bench_portal_search.py", []),
    ("bench_webhooks.py", []),
    ("bench_rate_limit.py", []),
    ("bench_broadcast_timeouts.py", []),
    ("bench_inbox.py", []),
    ("bench_match.py", []),
    ("bench_factcheck.py", []),
    ("bench_import.py", ["--rows", "500000"]),
    ("bench_import_hostile.py", []),
    ("bench_broadcast_send.py", []),
]


def main(argv: list[str]) -> int:
    scripts = [(s, a) for s, a in SCRIPTS if not argv or any(name in s for name in argv)]
    if not scripts:
        print(f"No benchmark matches {argv}; available: {', '.join(s for s, _ in SCRIPTS)}", file=sys.stderr)
        return 2
    failed = []
    started = time.perf_counter()
    for script, arguments in scripts:
        title = " ".join([script, *arguments])
        print(f"\n=== {title} " + "=" * (70 - len(title)), flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(BENCH_DIR / script), *arguments], cwd=BENCH_DIR.parent)
        print(f"--- {title}: exit {code}, {time.perf_counter() - start:.0f} s", flush=True)
        if code != 0:
            failed.append(title)
    print(f"\nBenchmarks finished in {time.perf_counter() - started:.0f} s"
          + (f"; CRASHED: {', '.join(failed)}" if failed else " (targets above are informative, not asserted)."))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
