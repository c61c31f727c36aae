"""Supply-chain risk checks on a large inventory: seconds per check and in all.

    python benchmarks/risks_benchmark.py [--components 20000] [--repeat 3] [--json FILE]

Builds a synthetic inventory (fixed seed) of ``--components`` components shaped like a large
monorepo's: most locked with hashes, some pinned in requirements without hashes, some declared
without a version, a few from VCS (branches, tags, commits), direct URLs (https and http), local
paths, extra and private indexes; names drawn from the popular-package list (25 %), one-typo
variants of popular names (2 %) and plugin-style names (``<stem of a popular name>-<word>-<word>``,
so that each takes the typosquat index's slow path); licenses of every family (unknown, missing,
non-OSI included); and a few hundred model components carrying the ML scanners' properties
(pickle imports, revisions, trust_remote_code). Then runs every risk check
(``compliance.risks.run_checks``) on it.

Prints the one-time load (license catalog, popular-name index), each check's time and finding
count, and the total of the first and the best of ``--repeat`` runs, wall and CPU time. Target:
all checks on 20,000 components under 1 s of CPU time, loads included (the first run); the CPU
time is the criterion because on a shared two-core machine one run's wall time varies by 2x
with what else runs. Exit status 0 when met, 1 when not.
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
from compliance import risks  # noqa: E402
from compliance.model import (  # noqa: E402
    Component,
    DeclarationKind,
    Hash,
    Inventory,
    Location,
    ProjectInfo,
    ResolvedLicense,
    Scope,
    Source,
    SourceKind,
)
from compliance.risks import typosquat  # noqa: E402

IMPORT_S = time.perf_counter() - t0

LICENSES = [
    "MIT", "Apache-2.0", "BSD-3-Clause", "BSD-2-Clause", "ISC", "PSF-2.0", "MPL-2.0",
    "LGPL-3.0-or-later", "GPL-3.0-only", "AGPL-3.0-only", "MIT OR Apache-2.0",
    "Apache-2.0 AND BSD-3-Clause", "CC0-1.0", "CC-BY-NC-4.0", "BUSL-1.1",
    "LicenseRef-llama3.1", "GPL-2.0-only WITH Classpath-exception-2.0",
    "LicenseRef-unknown-custom-terms", "LicenseRef-acme-eula",
]
WORDS = ["utils", "client", "plugin", "extras", "tools", "cli", "server", "sdk", "core", "lite",
         "async", "compat", "helpers", "bridge", "adapter", "contrib", "stubs", "types", "kit",
         "ext", "io", "fast", "mini", "pro", "next", "legacy", "ng", "plus", "hub", "lab", "ops"]
BRANCHES = ["main", "master", "develop", "v1.2.0", "2.0.1", "0123abc", None]
PICKLE_IMPORTS = [
    "collections.OrderedDict,torch._utils._rebuild_tensor_v2,torch.FloatStorage",
    "collections.OrderedDict,torch._utils._rebuild_tensor_v2,posix.system",
    "numpy.core.multiarray._reconstruct,numpy.dtype,builtins.eval",
]


class _ModelComponent(Component):
    """A component with ML-scanner properties, before the model has the field."""


def _typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name))
    return name[:i] + rng.choice("aeiouxyz") + name[i:]


def make_inventory(count: int, rng: random.Random) -> Inventory:
    """``count`` components shaped as described in the module docstring."""
    popular = typosquat.load_popular()
    stems = sorted({n.split("-")[0] for n in popular})
    inv = Inventory(root_name="monorepo",
                    project=ProjectInfo("monorepo", "3.4.0", location=Location("pyproject.toml", 1)))
    sha = Hash("SHA-256", "ab" * 32)
    refs: list[str] = []
    models = max(1, count // 50)
    for i in range(count):
        roll = rng.random()
        shape = rng.random()
        if roll < 0.25:
            name = popular[i % len(popular)]
        elif roll < 0.27:
            name = _typo(popular[rng.randrange(500)], rng)
        else:  # a plugin-style name that shares its start with popular ones: the slow path
            name = f"{stems[i % len(stems)]}-{WORDS[i % len(WORDS)]}-{WORDS[(i // 7) % len(WORDS)]}"
        version: str | None = f"1.{i % 13}.{i % 7}"
        kinds = {DeclarationKind.LOCK}
        hashes = [sha]
        source = Source()
        extra: set[str] = set()
        editable = False
        if shape < 0.10:  # pinned in a requirements file, no hashes
            kinds, hashes = {DeclarationKind.MANIFEST}, []
        elif shape < 0.13:  # declared without a version, no lock
            kinds, hashes, version = {DeclarationKind.MANIFEST}, [], None
        elif shape < 0.14:
            source = Source(SourceKind.VCS, f"https://github.com/acme/{name}", vcs="git",
                            revision=rng.choice(BRANCHES),
                            commit=("0123456789abcdef" * 3)[:40] if rng.random() < 0.3 else None)
        elif shape < 0.145:
            scheme = "http" if rng.random() < 0.2 else "https"
            source = Source(SourceKind.URL, f"{scheme}://files.example.com/{name}-1.0.tar.gz")
        elif shape < 0.15:
            source, editable = Source(SourceKind.PATH, f"../{name}"), rng.random() < 0.5
            kinds, hashes, version = {DeclarationKind.MANIFEST}, [], None
        elif shape < 0.17:
            extra = {"https://download.pytorch.org/whl/cu121"}
        elif shape < 0.18:
            source = Source(SourceKind.REGISTRY, "https://pkgs.acme.dev/simple")
        scope = rng.choice([Scope.REQUIRED] * 6 + [Scope.OPTIONAL, Scope.EXCLUDED])
        purl = f"pkg:pypi/{name}" + (f"@{version}" if version else "") + f"?n={i}"
        lic_roll = rng.random()
        license_ = None
        if lic_roll > 0.2:
            expression = rng.choice(LICENSES)
            license_ = ResolvedLicense(expression, "declared", "license-expression", "METADATA",
                                       known="unknown" not in expression)
        comp = Component(
            ref=purl, ecosystem="pypi", name=name, version=version, purl=purl, scope=scope,
            hashes=list(hashes), source=source, kinds=kinds, editable=editable,
            extra_indexes=extra, direct=rng.random() < 0.1, license=license_,
            occurrences=[Location(f"services/s{i % 50}/uv.lock", 10 + i % 4000),
                         Location(f"services/s{i % 50}/pyproject.toml", 5 + i % 40)])
        inv.components[purl] = comp
        refs.append(purl)
    for j in range(models):
        name = f"org{j % 37}/model-{j}"
        purl = f"pkg:huggingface/{name}"
        comp = _ModelComponent(
            ref=purl, ecosystem="huggingface", name=name, version=None, purl=purl,
            scope=Scope.REQUIRED, kinds={DeclarationKind.MANIFEST},
            component_type="machine-learning-model",
            occurrences=[Location(f"serving/m{j % 20}.py", 12)])
        revision = rng.choice(["main", ("fedcba9876543210" * 3)[:40], None])
        props = [("compliance:format", rng.choice(["pytorch", "safetensors", "pickle", "gguf"])),
                 ("compliance:pickle-imports", rng.choice(PICKLE_IMPORTS))]
        if revision:
            props.append(("compliance:revision", revision))
        if rng.random() < 0.2:
            props.append(("compliance:trust-remote-code", "true"))
        if rng.random() < 0.05:
            props.append(("compliance:url", f"http://models.example.com/{j}.bin"))
        comp.properties = tuple(props)  # type: ignore[attr-defined]
        inv.components[purl] = comp
    # a dependency DAG over the locked components
    for k, ref in enumerate(refs[1:], start=1):
        parent = refs[rng.randrange(k)]
        inv.dependencies.setdefault(parent, set()).add(ref)
    inv.direct = {r for r in refs if inv.components[r].direct}
    return inv


def run_once(inv: Inventory) -> tuple[float, float, dict[str, tuple[float, int]]]:
    """Every check once: total wall and CPU seconds and, per check, (seconds, findings)."""
    per: dict[str, tuple[float, int]] = {}
    start, cpu = time.perf_counter(), time.process_time()
    for check in risks.all_checks():
        t = time.perf_counter()
        found = risks.run_checks(inv, select=[check.id])
        per[check.id] = (time.perf_counter() - t, len(found))
    return time.perf_counter() - start, time.process_time() - cpu, per


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250115)
    parser.add_argument("--max-seconds", type=float, default=1.0,
                        help="target for all checks on the whole inventory, first run")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    inv = make_inventory(args.components, random.Random(args.seed))
    print(f"import {IMPORT_S:.2f} s; inventory: {len(inv.components):,} components")

    # the first run pays for loading the license catalog and building the popular-name index
    t = time.perf_counter()
    typosquat.popular_index()
    index_s = time.perf_counter() - t
    typosquat.popular_index.cache_clear()
    cold_s, cold_cpu, cold = run_once(inv)
    runs = [cold_s]
    best, best_cpu, best_per = cold_s, cold_cpu, cold
    for _ in range(max(0, args.repeat - 1)):
        seconds, cpu, per = run_once(inv)
        runs.append(seconds)
        best_cpu = min(best_cpu, cpu)
        if seconds < best:
            best, best_per = seconds, per

    # one call of run_checks, as the CLI makes it
    t = time.perf_counter()
    findings = risks.run_checks(inv)
    single_s = time.perf_counter() - t

    print(f"popular-name index build {index_s * 1000:.0f} ms "
          f"({len(typosquat.popular_index())} names)")
    print(f"{'check':<28} {'first run':>10} {'best':>10} {'findings':>9}")
    for check_id, (seconds, count) in cold.items():
        print(f"  {check_id:<26} {seconds * 1000:8.1f} ms {best_per[check_id][0] * 1000:7.1f} ms "
              f"{count:>9,}")
    print(f"all checks: first run {cold_s:.3f} s wall, {cold_cpu:.3f} s CPU (loads included); "
          f"best {best:.3f} s wall, {best_cpu:.3f} s CPU; run_checks() in one call "
          f"{single_s:.3f} s, {len(findings):,} findings "
          f"({len(inv.components) / best:,.0f} components/s)")
    # CPU time is the criterion: on a shared two-core machine the wall time of one run varies
    # by 2x with what else runs; the CPU time of this process does not
    ok = cold_cpu < args.max_seconds
    print(f"{'PASS' if ok else 'FAIL'}: all checks on {len(inv.components):,} components in "
          f"{cold_cpu:.3f} s of CPU on the first run, loads included "
          f"(target < {args.max_seconds} s; wall {cold_s:.3f} s)")
    if args.json:
        args.json.write_text(json.dumps({
            "components": len(inv.components), "import_s": IMPORT_S, "index_s": index_s,
            "first_run_s": cold_s, "first_run_cpu_s": cold_cpu, "best_s": best,
            "best_cpu_s": best_cpu, "runs_s": runs, "single_call_s": single_s,
            "findings": len(findings),
            "checks": {k: {"first_s": v[0], "best_s": best_per[k][0], "findings": v[1]}
                       for k, v in cold.items()},
            "pass": ok}, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
