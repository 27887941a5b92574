"""Benchmark search by content: ranking vs explaining the matches, on a synthetic index.

    .venv/bin/python bench/search_content.py [--creators 20000] [--top 500] [--queries 5] [--seed 3]

Builds the same TF-IDF index as `search_content` (matching.search.TextIndex) over seeded synthetic
creator documents whose vocabulary fills the index's 200,000 terms, then times, per query, the
ranking (`TextIndex.query`) and the explanation of every result row (`TextIndex.explain`, the
matched terms shown beside each creator). Needs no database. Prints one JSON line per figure.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import emit, say, step


def documents(n: int, rng: np.random.Generator, vocabulary: int = 60_000, words: int = 40) -> list[str]:
    """Zipf-like word draws: a long tail of rare words, as real titles and hashtags have."""
    vocab = np.array([f"w{i}" for i in range(vocabulary)])
    ranks = np.minimum(rng.zipf(1.3, size=(n, words)), vocabulary) - 1
    return [" ".join(vocab[row]) for row in ranks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creators", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=500)
    parser.add_argument("--queries", type=int, default=5)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    from matching.search import TextIndex

    rng = np.random.default_rng(args.seed)
    docs = documents(args.creators, rng)
    with step(f"TF-IDF index over {args.creators:,} documents"):
        started = time.perf_counter()
        index = TextIndex.build(np.arange(1, args.creators + 1), docs)
        build_s = time.perf_counter() - started
    terms = index.matrix_csc.shape[1]
    emit("index_build", args.creators, build_s, "s")
    emit("index_terms", args.creators, terms, "terms")
    rank_ms, explain_ms = [], []
    for q in range(args.queries):
        # Four words of one creator that the index kept (words in over half the documents are dropped).
        words = [w for w in docs[int(rng.integers(len(docs)))].split() if w in index.vectorizer.vocabulary_]
        text = " ".join(words[:4])
        started = time.perf_counter()
        rows, _scores = index.query(text, args.top)
        rank_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        explained = index.explain(text, rows)
        explain_ms.append((time.perf_counter() - started) * 1000)
        say(f"query {q + 1}: {len(rows)} rows, ranked in {rank_ms[-1]:.1f} ms, explained in {explain_ms[-1]:.1f} ms")
        assert len(explained) == len(rows)
    emit("rank_median", args.top, float(np.median(rank_ms)), "ms")
    emit("explain_median", args.top, float(np.median(explain_ms)), "ms")


if __name__ == "__main__":
    main()
