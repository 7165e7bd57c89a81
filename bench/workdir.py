"""A temporary working directory for one benchmark run, removed afterwards unless asked to keep it."""

import contextlib
import shutil
import tempfile
from pathlib import Path


@contextlib.contextmanager
def bench_workdir(name: str, *, keep: bool):
    work = Path(tempfile.mkdtemp(prefix=f"bakohumas-bench-{name}-"))
    try:
        yield work
    finally:
        if keep:
            print(f"\nKept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
