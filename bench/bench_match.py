"""Claim matching: quality on the Indonesian dev set against plain baselines, and latency at 100,000 clarifications.

    python bench/bench_match.py [--clarifications 100000] [--queries 500]

Quality. factcheck/devset/ holds hand-written clarifications and chain-message reports with the clarification each
one should find (README there). Three rankers index the same clarifications and answer the same reports (those with
a gold id), in this run:

    ours      factcheck.matching.LexicalIndex: chain-message normalisation (slang spelled out, repeated letters,
              links without tracking parameters, stop words), Sastrawi stems with election words kept, BM25 over
              terms and adjacent pairs
    BM25      the same BM25 code over plain lower-case word tokens (no normalisation, no stems, no pairs)
    TF-IDF    cosine similarity of plain lower-case word tokens weighted by tf·idf

and recall@1, recall@3 and MRR (@10) are printed. Target: ours above both baselines on recall@1 and MRR.

Latency. The dev-set clarifications are multiplied to `--clarifications` documents (each copy gets a different
office name, date and a few words from other clarifications, so postings grow as in a real knowledge base), then
`--queries` reports are matched one by one: p50/p95 against the target p95 < 30 ms (lexical). Semantic matching
is not part of this build (see the README), so it has no figure yet.
"""

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))



from factcheck.matching import LexicalIndex  # noqa: E402

DEVSET = ROOT / "factcheck" / "devset"
WORD = re.compile(r"\w+")
OFFICES = ["Kota Madiun", "Kabupaten Madiun", "Jawa Timur", "Kota Surabaya", "Kabupaten Sleman", "Kota Medan",
           "Kabupaten Gowa", "Kota Jayapura", "Provinsi Aceh", "Kota Bandung"]


def read(name: str) -> list[dict]:
    return [json.loads(line) for line in (DEVSET / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def plain_tokens(text: str) -> list[str]:
    return WORD.findall(text.lower())


class TfIdf:
    def __init__(self, documents):
        self.ids, vectors, df = [], [], Counter()
        for doc_id, text in documents:
            counts = Counter(plain_tokens(text))
            self.ids.append(doc_id)
            vectors.append(counts)
            df.update(counts.keys())
        n = len(self.ids)
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        self.vectors = []
        for counts in vectors:
            weights = {t: c * self.idf[t] for t, c in counts.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            self.vectors.append({t: w / norm for t, w in weights.items()})

    def search(self, text: str, k: int = 10) -> list[str]:
        counts = Counter(t for t in plain_tokens(text) if t in self.idf)
        weights = {t: c * self.idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        scored = [(sum(w * vector.get(t, 0.0) for t, w in weights.items()) / norm, i)
                  for i, vector in enumerate(self.vectors)]
        return [self.ids[i] for score, i in sorted(scored, reverse=True)[:k] if score > 0]


def quality(name: str, rank, queries: list[dict]) -> tuple[str, float, float, float]:
    hits1 = hits3 = reciprocal = 0.0
    for query in queries:
        ranked = rank(query["text"])
        if ranked[:1] == [query["gold"]]:
            hits1 += 1
        if query["gold"] in ranked[:3]:
            hits3 += 1
        if query["gold"] in ranked[:10]:
            reciprocal += 1 / (ranked.index(query["gold"]) + 1)
    n = len(queries)
    return name, hits1 / n, hits3 / n, reciprocal / n


def synthetic_corpus(clarifications: list[dict], size: int, rng: random.Random):
    """New clarifications stitched from halves of two real ones, with an office, a date and stray words."""
    sentences = [s for c in clarifications for s in re.split(r"(?<=[.!?])\s+", c["text"]) if s]
    vocabulary = [w for c in clarifications for w in plain_tokens(c["text"]) if len(w) > 3]
    for i in range(size):
        picked = " ".join(rng.sample(sentences, 3))
        extra = " ".join(rng.choices(vocabulary, k=6))
        yield f"S{i}", f"{picked} KPU {rng.choice(OFFICES)}, {rng.randint(1, 28)}/{rng.randint(1, 12)}/2024. {extra}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clarifications", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    clarifications = read("clarifications.jsonl")
    queries = [q for q in read("queries.jsonl") if q.get("gold")]
    documents = [(c["id"], c["text"]) for c in clarifications]
    ours = LexicalIndex().build(documents)
    bm25 = LexicalIndex(analyzer=plain_tokens).build(documents)
    tfidf = TfIdf(documents)
    print(f"Dev set: {len(clarifications)} clarifications, {len(queries)} reports with a known answer.\n")
    print(f"  {'ranker':<10}{'recall@1':>10}{'recall@3':>10}{'MRR':>8}")
    rows = [quality("ours", lambda t: [m.id for m in ours.search(t)], queries),
            quality("BM25", lambda t: [m.id for m in bm25.search(t)], queries),
            quality("TF-IDF", tfidf.search, queries)]
    for name, r1, r3, mrr in rows:
        print(f"  {name:<10}{r1:>10.3f}{r3:>10.3f}{mrr:>8.3f}")
    better = all(rows[0][1] > r[1] and rows[0][3] > r[3] for r in rows[1:])
    print(f"\n  ours above both baselines on recall@1 and MRR: {'MET' if better else 'MISSED'}")

    rng = random.Random(7)
    started = time.perf_counter()
    big = LexicalIndex().build(synthetic_corpus(clarifications, args.clarifications, rng))
    build = time.perf_counter() - started
    sample = [rng.choice(queries)["text"] for _ in range(args.queries)]
    big.search(sample[0])   # loads Sastrawi's dictionary once, as a running worker already has
    latencies = []
    for text in sample:
        started = time.perf_counter()
        big.search(text, k=10)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
    print(f"\nLatency: {len(big):,} clarifications indexed in {build:.1f} s; {len(sample)} reports one by one: "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms (target p95 < 30 ms: "
          f"{'MET' if p95 < 30 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
