"""manage.py match_eval --index CLARIFICATIONS.jsonl --queries QUERIES.jsonl --out PREDICTIONS.jsonl [--k 10]"""

import json
import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from factcheck.matching import LexicalIndex


def read_jsonl(path: str, fields: tuple[str, ...]) -> list[dict]:
    rows = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    raise CommandError(f"{path} baris {number}: bukan JSON ({exc})") from exc
                if not isinstance(row, dict) or any(not isinstance(row.get(f), str) for f in fields):
                    raise CommandError(f"{path} baris {number}: butuh {', '.join(fields)} berupa teks")
                rows.append(row)
    except OSError as exc:
        raise CommandError(f"{path}: {exc}") from exc
    return rows


class Command(BaseCommand):
    help = "Mengevaluasi pencocokan klaim: peringkat klarifikasi untuk setiap kueri, dengan waktu bangun dan kueri."

    def add_arguments(self, parser):
        parser.add_argument("--index", required=True, help="JSONL {id, text} klarifikasi")
        parser.add_argument("--queries", required=True, help="JSONL {qid, text}")
        parser.add_argument("--out", required=True, help="JSONL {qid, ranked: [id, ...]}")
        parser.add_argument("--k", type=int, default=10)

    def handle(self, *args, index, queries, out, k, **options):
        if k < 1:
            raise CommandError("--k minimal 1")
        documents = read_jsonl(index, ("id", "text"))
        questions = read_jsonl(queries, ("qid", "text"))
        started = time.perf_counter()
        matcher = LexicalIndex().build((d["id"], d["text"]) for d in documents)
        build_seconds = time.perf_counter() - started
        latencies = []
        with open(out, "w", encoding="utf-8") as handle:
            for question in questions:
                started = time.perf_counter()
                ranked = [m.id for m in matcher.search(question["text"], k=k)]
                latencies.append((time.perf_counter() - started) * 1000)
                handle.write(json.dumps({"qid": question["qid"], "ranked": ranked}, ensure_ascii=False) + "\n")
        latencies.sort()
        p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] if latencies else 0.0
        self.stdout.write(f"index: {len(documents)} dokumen, dibangun dalam {build_seconds:.2f} s")
        self.stdout.write(f"kueri: {len(questions)}, latensi p50 {statistics.median(latencies) if latencies else 0:.2f}"
                          f" ms, p95 {p95:.2f} ms")
