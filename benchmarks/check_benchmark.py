"""License compatibility check of a large inventory: verdicts per second and total time.

    python benchmarks/check_benchmark.py [--components 20000] [--expressions 500] [--json FILE]

Builds a synthetic inventory (fixed seed) of ``--components`` components whose licenses are
drawn from ``--expressions`` distinct SPDX expressions (single ids of every family, OR, AND,
WITH exceptions, deprecated and unknown ids), then checks the whole inventory with
``compliance.policy.compat.evaluate`` for several project licenses (none, MIT, Apache-2.0,
GPL-3.0-or-later, AGPL-3.0-only, "MIT OR Apache-2.0") and each use (internal, network,
distributed). Every check starts from a cold cache, so it pays for its 500 distinct verdicts.

Prints, per check and in total, the seconds and the components checked per second, and the
distinct (uncached) expressions evaluated per second. Target: every check of the whole inventory
(one project license, one use) under 2 s, cold. Exit status 0 when met, 1 when not.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

t0 = time.perf_counter()
from compliance.model import Component, ResolvedLicense  # noqa: E402
from compliance.policy import compat  # noqa: E402
from compliance.policy.compat import Use, evaluate  # noqa: E402

IMPORT_S = time.perf_counter() - t0

IDS = [
    # public domain and permissive
    "CC0-1.0", "Unlicense", "MIT", "MIT-0", "0BSD", "BSD-2-Clause", "BSD-3-Clause", "ISC",
    "Apache-2.0", "Zlib", "PSF-2.0", "Python-2.0", "BSL-1.0", "BSD-4-Clause", "OpenSSL", "JSON",
    "CC-BY-4.0", "UPL-1.0", "NCSA", "X11",
    # weak copyleft
    "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "MPL-2.0",
    "MPL-1.1", "EPL-1.0", "EPL-2.0", "CDDL-1.0", "CDDL-1.1", "EUPL-1.2", "CC-BY-SA-4.0",
    # strong and network copyleft
    "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "AGPL-3.0-only",
    "AGPL-3.0-or-later", "OSL-3.0", "MulanPubL-2.0",
    # source-available, non-commercial, proprietary, AI model licenses
    "BUSL-1.1", "Elastic-2.0", "SSPL-1.0", "FSL-1.1-MIT", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0",
    "LicenseRef-proprietary", "LicenseRef-llama3.1", "LicenseRef-gemma", "LicenseRef-openrail-m",
    # deprecated and unknown
    "GPL-2.0", "GPL-2.0+", "LGPL-2.1+", "GPL-3.0", "LicenseRef-unknown-custom",
    "LicenseRef-unknown-noassertion", "LicenseRef-acme-eula",
]
WITH = [
    "GPL-2.0-only WITH Classpath-exception-2.0", "GPL-3.0-or-later WITH GCC-exception-3.1",
    "Apache-2.0 WITH LLVM-exception", "GPL-2.0-or-later WITH Bison-exception-2.2",
    "GPL-2.0-or-later WITH Bootloader-exception", "GPL-2.0-only WITH Linux-syscall-note",
    "GPL-3.0-only WITH Autoconf-exception-3.0", "GPL-2.0-or-later WITH openvpn-openssl-exception",
]
OUTBOUND: list[str | None] = [None, "MIT", "Apache-2.0", "GPL-3.0-or-later", "AGPL-3.0-only",
                              "MIT OR Apache-2.0"]


def make_expressions(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct expressions: single terms, OR, AND, WITH and nested forms."""
    terms = IDS + WITH
    out: dict[str, None] = {}
    while len(out) < count:
        shape = rng.random()
        a, b, c = (rng.choice(terms) for _ in range(3))
        if shape < 0.12:
            expr = a
        elif shape < 0.40:
            expr = f"{a} OR {b}"
        elif shape < 0.65:
            expr = f"{a} AND {b}"
        elif shape < 0.85:
            expr = f"({a} OR {b}) AND {c}"
        else:
            expr = f"{a} AND ({b} OR {c})"
        out.setdefault(expr, None)
    return list(out)


def make_inventory(components: int, expressions: list[str], rng: random.Random) -> list[Component]:
    """Components whose declared licenses follow a skewed distribution, as real ones do."""
    weights = [1.0 / (1 + i) ** 0.8 for i in range(len(expressions))]
    picked = rng.choices(expressions, weights=weights, k=components)
    # every expression appears at least once
    picked[: len(expressions)] = expressions
    out = []
    for i, expr in enumerate(picked):
        out.append(Component(
            ref=f"pkg:pypi/synthetic-{i}@1.0.{i % 7}", ecosystem="pypi", name=f"synthetic-{i}",
            version=f"1.0.{i % 7}", purl=f"pkg:pypi/synthetic-{i}@1.0.{i % 7}",
            license=ResolvedLicense(expression=expr, acknowledgement="declared",
                                    source="license-expression", location=None)))
    return out


def check(inventory: list[Component], outbound: str | None, use: Use) -> dict[str, int]:
    """The whole inventory against one project license and use: outcome counts."""
    counts: dict[str, int] = {}
    for component in inventory:
        assert component.license is not None
        verdict = evaluate(outbound, component.license.expression, use)
        counts[verdict.outcome.value] = counts.get(verdict.outcome.value, 0) + 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=20_000)
    parser.add_argument("--expressions", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20250115)
    parser.add_argument("--max-seconds", type=float, default=2.0,
                        help="target for one check of the whole inventory, cold")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    expressions = make_expressions(args.expressions, rng)
    inventory = make_inventory(args.components, expressions, rng)
    distinct = len({c.license.expression for c in inventory if c.license is not None})

    t = time.perf_counter()
    compat.compat_data()
    evaluate(None, "MIT")  # loads the license catalog
    load_s = time.perf_counter() - t
    print(f"import {IMPORT_S:.2f} s, data and catalog load {load_s:.2f} s")
    print(f"inventory: {len(inventory):,} components, {distinct} distinct expressions")

    rows = []
    total_s = 0.0
    worst = 0.0
    for outbound in OUTBOUND:
        for use in Use:
            compat._cache_clear()
            t = time.perf_counter()
            counts = check(inventory, outbound, use)
            seconds = time.perf_counter() - t
            total_s += seconds
            worst = max(worst, seconds)
            rows.append({"outbound": outbound or "(none)", "use": use.value,
                         "seconds": round(seconds, 4),
                         "components_per_s": round(len(inventory) / seconds),
                         "distinct_per_s": round(distinct / seconds), "outcomes": counts})
            shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            print(f"  {outbound or '(none)':<20} {use.value:<12} {seconds:6.3f} s  "
                  f"{len(inventory) / seconds:>10,.0f} components/s  "
                  f"{distinct / seconds:>8,.0f} distinct expressions/s  [{shown}]")

    # a warm pass: the same checks again with the caches kept (a re-check of an unchanged tree)
    t = time.perf_counter()
    for outbound in OUTBOUND:
        for use in Use:
            check(inventory, outbound, use)
    warm_s = time.perf_counter() - t
    checks = len(OUTBOUND) * len(Use)
    evaluated = checks * len(inventory)
    print(f"total (cold): {checks} checks, {evaluated:,} verdicts in {total_s:.2f} s "
          f"({evaluated / total_s:,.0f} expressions/s)")
    print(f"total (warm): {evaluated:,} verdicts in {warm_s:.2f} s "
          f"({evaluated / warm_s:,.0f} expressions/s)")
    ok = worst < args.max_seconds
    print(f"{'PASS' if ok else 'FAIL'}: slowest check of {len(inventory):,} components "
          f"{worst:.3f} s (target < {args.max_seconds} s)")
    if args.json:
        args.json.write_text(json.dumps({
            "components": len(inventory), "distinct_expressions": distinct,
            "import_s": IMPORT_S, "load_s": load_s, "checks": rows,
            "total_cold_s": total_s, "total_warm_s": warm_s, "slowest_check_s": worst,
            "pass": ok}, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
