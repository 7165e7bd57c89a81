"""One machine-readable line per headline figure, which run_all.py gathers into the summary table at the end.

    summary("page weight, gzip", "< 200 KB", "38.2 KB", True)
    → BENCH-SUMMARY<TAB>page weight, gzip<TAB>< 200 KB<TAB>38.2 KB<TAB>MET<TAB>

Fields, tab-separated after the prefix: figure, target ("-" when there is none), measured, MET / MISSED / "-"
(no target), reference (what the figure is compared with in the same run, e.g. the /healthz rate; may be empty).
"""

PREFIX = "BENCH-SUMMARY"
FIELDS = ("figure", "target", "measured", "met", "reference")


def _clean(text: str) -> str:
    return " ".join(str(text).split())   # no tabs or newlines inside a field


def summary(figure: str, target: str, measured: str, met: bool | None, reference: str = "") -> None:
    verdict = "-" if met is None else ("MET" if met else "MISSED")
    fields = (figure, target or "-", measured, verdict, reference)
    print("\t".join([PREFIX, *map(_clean, fields)]), flush=True)


def parse(line: str) -> dict | None:
    """The fields of a summary line as a dict, or None for any other line."""
    if not line.startswith(PREFIX + "\t"):
        return None
    values = line.rstrip("\r\n").split("\t")[1:]
    values += [""] * (len(FIELDS) - len(values))
    return dict(zip(FIELDS, values[:len(FIELDS)], strict=True))
