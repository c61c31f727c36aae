"""Declared-license normalisation: accuracy on the labelled corpus and strings per second.

    python benchmarks/license_declared_benchmark.py [--seconds 2]

Prints the exact-match accuracy on tests/licenses/corpus/declared.tsv (per source too), the
time to build the tables on first use, and throughput for distinct strings (the memo cache
cleared before every pass: every string parsed from scratch) and for a realistic stream where
the same declarations repeat (cache on, as in a scan of thousands of packages).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

t0 = time.perf_counter()
from compliance.licenses import expression  # noqa: E402

IMPORT_S = time.perf_counter() - t0


def load_corpus() -> list[tuple[str, str, str]]:
    rows = []
    path = ROOT / "tests" / "licenses" / "corpus" / "declared.tsv"
    for line in path.read_text("utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("source\t"):
            continue
        source, declared, expected = line.split("\t")
        rows.append((source, declared.replace("\\n", "\n").replace("\\s", " "), expected))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per throughput run")
    args = parser.parse_args()

    t0 = time.perf_counter()
    expression._tables()
    tables_s = time.perf_counter() - t0

    rows = load_corpus()
    per_source: Counter[str] = Counter()
    per_source_ok: Counter[str] = Counter()
    failures = []
    for source, declared, expected in rows:
        got = expression.normalize(declared).expression
        for src in source.split(","):
            per_source[src.split(":")[0]] += 1
            per_source_ok[src.split(":")[0]] += got == expected
        if got != expected:
            failures.append((declared, got, expected))
    ok = len(rows) - len(failures)
    print(f"import compliance.licenses.expression: {IMPORT_S * 1000:.1f} ms; "
          f"tables built on first use: {tables_s * 1000:.1f} ms")
    print(f"accuracy: {ok}/{len(rows)} distinct declared strings exact = "
          f"{100.0 * ok / len(rows):.2f}%")
    for src in sorted(per_source):
        print(f"  {src:6} {per_source_ok[src]:4}/{per_source[src]:<4} "
              f"{100.0 * per_source_ok[src] / per_source[src]:6.2f}%")
    for declared, got, expected in failures[:20]:
        print(f"  MISS {declared!r}: got {got}, expected {expected}")

    strings = [d for _, d, _ in rows]
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < args.seconds:
        expression._cache_clear()
        for s in strings:
            expression.normalize(s)
        n += len(strings)
    cold = n / (time.perf_counter() - t0)
    print(f"throughput, every string parsed from scratch: {cold:,.0f} strings/s "
          f"({1e6 / cold:.1f} us/string)")

    rng = random.Random(7)
    weights = [1.0 / (i + 1) for i in range(len(strings))]  # a few declarations dominate
    stream = rng.choices(strings, weights=weights, k=100_000)
    expression._cache_clear()
    t0 = time.perf_counter()
    for s in stream:
        expression.normalize(s)
    warm = len(stream) / (time.perf_counter() - t0)
    print(f"throughput, 100,000-declaration stream with repeats (memo cache on): "
          f"{warm:,.0f} strings/s")

    classifiers = [c for c, _ in expression._tables().classifiers.items()]
    t0 = time.perf_counter()
    for i in range(20_000):
        expression.from_classifiers(
            ["License :: OSI Approved", classifiers[i % len(classifiers)],
             classifiers[(i * 7) % len(classifiers)]])
    print(f"from_classifiers: {20_000 / (time.perf_counter() - t0):,.0f} calls/s")


if __name__ == "__main__":
    main()
