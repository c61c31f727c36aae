"""Benchmark and accuracy of ``compliance.licenses.identify`` on the labelled corpus.

Run: ``python benchmarks/license_identify_benchmark.py [--passes N] [--compare-licenseclassifier]``

Prints the exact-identification accuracy (same SPDX ids, in order) against
``tests/licenses/corpus/files.tsv``, what was wrong or missed, the one-time index load, and the
speed on one core: files/s and mean ms/file (CPU time of the best of N passes over the corpus,
so that other processes on the machine do not count). Targets: >= 98% exact, >= 300 files/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "licenses" / "corpus"
TARGET_ACCURACY = 0.98
TARGET_FILES_PER_S = 300.0

# licenseclassifier reports the deprecated bare GNU ids; these are what it means.
_LC_IDS = {"GPL-2.0": "GPL-2.0-only", "GPL-3.0": "GPL-3.0-only", "LGPL-2.0": "LGPL-2.0-only",
           "LGPL-2.1": "LGPL-2.1-only", "LGPL-3.0": "LGPL-3.0-only", "AGPL-3.0": "AGPL-3.0-only"}


def load_corpus() -> list[tuple[str, list[str], str]]:
    """(file name, expected ids, origin) for every corpus file."""
    rows = []
    for line in (CORPUS / "files.tsv").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, expected, origin = line.split("\t")
        rows.append((name, expected.split(), origin))
    return rows


def evaluate(name: str, identify, rows, passes: int) -> None:  # type: ignore[no-untyped-def]
    paths = [CORPUS / "files" / n for n, _, _ in rows]
    cpu: list[float] = []
    wall: list[float] = []
    results = []
    for _ in range(passes):
        c0, w0 = time.process_time(), time.perf_counter()
        results = [identify(p) for p in paths]
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    exact = wrong = missed = 0
    for (fname, expected, _), got in zip(rows, results, strict=True):
        if got == expected:
            exact += 1
            continue
        if not got:
            missed += 1
            kind = "missed"
        else:
            wrong += 1
            kind = "WRONG"
        print(f"  {kind:6} {fname}: expected {expected or '[]'}, got {got or '[]'}")
    n = len(rows)
    best = min(cpu)
    accuracy = exact / n
    print(f"{name}: {exact}/{n} files exact = {accuracy:.1%} (target >= {TARGET_ACCURACY:.0%}); "
          f"{wrong} wrong, {missed} missed")
    print(f"{name}: {n / best:.0f} files/s on one core, mean {1000 * best / n:.2f} ms/file "
          f"(CPU, best of {passes}; wall median {1000 * statistics.median(wall) / n:.2f} ms/file) "
          f"(target >= {TARGET_FILES_PER_S:.0f} files/s)")
    size = sum(p.stat().st_size for p in paths)
    print(f"{name}: corpus {n} files, {size / 1024:.0f} KiB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--compare-licenseclassifier", action="store_true",
                    help="also run the licenseclassifier package (if installed) on the corpus")
    args = ap.parse_args()
    rows = load_corpus()

    t0 = time.perf_counter()
    from compliance.licenses import identify as ident

    ident._index()  # the one-time load of the reference texts
    print(f"compliance.licenses.identify: reference index loaded in "
          f"{1000 * (time.perf_counter() - t0):.0f} ms (once per process)")
    evaluate("compliance.licenses.identify",
             lambda p: [m.spdx for m in ident.identify_file(p)], rows, args.passes)

    if args.compare_licenseclassifier:
        try:
            from licenseclassifier import identify_license
        except ImportError:
            print("licenseclassifier is not installed (pip install licenseclassifier)")
            return 0

        def lc(p: Path) -> list[str]:
            data = p.read_bytes()
            if b"\0" in data[:8192]:
                return []
            text = data.decode("utf-8", "replace")
            return [_LC_IDS.get(m.id, m.id) for m in identify_license(text)]

        evaluate("licenseclassifier", lc, rows, args.passes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
