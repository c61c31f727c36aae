#!/usr/bin/env python3
"""Scan benchmark: build a large synthetic monorepo, scan it with the real CLI, print figures.

The repository is generated from a fixed seed, so every run scans the same bytes:

* about 20,000 files in a realistic tree (services and libraries with nested packages, tests,
  docs, configs, scripts);
* 200 manifests and lockfiles (``pyproject.toml``, ``uv.lock``, ``poetry.lock`` 2.x,
  ``pdm.lock``, ``Pipfile`` + ``Pipfile.lock``, ``pylock.toml``, hashed ``requirements*.txt``)
  holding 20,000 locked package entries, mostly distinct name/version pairs, with dependency
  edges;
* directories the scan must skip: git-ignored ones (``build/``, ``dist/``, ``.tox/``,
  ``node_modules/``, ``*.egg-info/``, a nested ``.gitignore``'s ``outputs/``), a ``.venv`` and a
  virtual environment that no ignore file mentions (found by its ``pyvenv.cfg``). Every package
  in them is named ``leak-*``, so any of them in the SBOM is a bug.

Then it runs ``python -m compliance scan REPO -o OUT.json --output-reproducible`` in a fresh
child process per repetition and reports the best wall time, the child's peak RSS (from
``os.wait4``, so each repetition is measured on its own), and PASS/FAIL against the targets.

    python benchmarks/scan_benchmark.py                 # defaults: 20k files, 200 manifests
    python benchmarks/scan_benchmark.py --repeat 5 --keep /tmp/bench-repo
    python benchmarks/scan_benchmark.py --generate-only --keep /tmp/bench-repo

Exit status: 0 when every check passes, 1 when one fails, 2 when the scan could not be run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEED = 20250115
TARGET_SECONDS = 5.0
TARGET_MB = 300.0
MARKER = ".scan-benchmark"  # a gitignored directory in the repo root: marks a generated repo
PYPI_FILES = "https://files.pythonhosted.org/packages"
PYPI_SIMPLE = "https://pypi.org/simple"
LOCK_KINDS = ("uv", "poetry", "pdm", "pipenv", "pylock")

# Real packages most projects share, with one version each: these give the repeated (not
# distinct) name/version pairs a real monorepo has.
COMMON = [
    ("numpy", "1.26.4"), ("requests", "2.32.3"), ("urllib3", "2.2.3"), ("certifi", "2024.8.30"),
    ("idna", "3.10"), ("charset-normalizer", "3.4.0"), ("packaging", "24.1"),
    ("typing-extensions", "4.12.2"), ("pydantic", "2.9.2"), ("pydantic-core", "2.23.4"),
    ("annotated-types", "0.7.0"), ("anyio", "4.6.2.post1"), ("sniffio", "1.3.1"),
    ("h11", "0.14.0"), ("httpcore", "1.0.6"), ("httpx", "0.27.2"), ("click", "8.1.7"),
    ("pyyaml", "6.0.2"), ("jinja2", "3.1.4"), ("markupsafe", "3.0.2"), ("six", "1.16.0"),
    ("python-dateutil", "2.9.0.post0"), ("pytz", "2024.2"), ("tzdata", "2024.2"),
    ("attrs", "24.2.0"), ("filelock", "3.16.1"), ("fsspec", "2024.10.0"), ("tqdm", "4.66.6"),
    ("protobuf", "5.28.3"), ("grpcio", "1.67.1"), ("pandas", "2.2.3"), ("pyarrow", "18.0.0"),
    ("scipy", "1.14.1"), ("torch", "2.5.1"), ("transformers", "4.46.2"),
    ("huggingface-hub", "0.26.2"), ("safetensors", "0.4.5"), ("tokenizers", "0.20.3"),
    ("fastapi", "0.115.4"), ("starlette", "0.41.2"), ("uvicorn", "0.32.0"),
    ("pytest", "8.3.3"), ("pluggy", "1.5.0"), ("iniconfig", "2.0.0"), ("ruff", "0.7.2"),
    ("mypy", "1.13.0"), ("mypy-extensions", "1.0.0"), ("coverage", "7.6.4"),
]
COMMON_NAMES = {n for n, _ in COMMON}
COMMON_SHARE = 0.08  # share of each file's entries drawn from COMMON

_WORD_TEXT = (
    "async arrow atlas aurora axon batch beacon bolt bridge cache canvas cargo cedar cipher "
    "cirrus cloud cobalt comet core cortex crane crystal dagger dash data delta drift echo "
    "ember engine falcon feather fern fiber flare flask flint flow flux forge frame fusion "
    "galaxy garnet gate glacier graph grid harbor hash hawk helix hive horizon hydra index "
    "ion iris jade jet kernel lambda lantern laser lattice ledger lens lumen lynx magnet "
    "maple matrix mesa meteor metric mint mirror mist nebula needle neon nexus nimbus node "
    "nova oak onyx opal orbit otter oxide panda parser pebble photon pilot pine pixel plasma "
    "pulse pylon quartz quasar radar raft raven reactor relay ridge river rocket ruby sable "
    "saga schema scout shard sierra signal silo slate socket solar spark sphinx spiral "
    "spruce stack star storm stream summit swift tensor thread tide timber token torrent "
    "tower trace tundra turbo vector velvet vertex vista volt vortex wave willow zephyr zinc"
)
WORDS = _WORD_TEXT.split()
AFFIXES = ("lib", "kit", "io", "py", "tools", "core", "utils", "client", "server", "sdk")
PREFIXES = ("py", "types-", "pytest-", "django-", "flask-", "sphinx-", "opentelemetry-", "jupyter-")
LICENSES = ("MIT", "Apache-2.0", "BSD-3-Clause", "MIT", "Apache-2.0", "ISC", "MPL-2.0")


# ----------------------------------------------------------------------------------------------
# The package universe and the entries of each lockfile
# ----------------------------------------------------------------------------------------------


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _dist(name: str) -> str:
    return name.replace("-", "_")


def _file_url(filename: str) -> str:
    d = hashlib.blake2b(filename.encode(), digest_size=32).hexdigest()
    return f"{PYPI_FILES}/{d[:2]}/{d[2:4]}/{d[4:]}/{filename}"


@dataclass
class Entry:
    """One locked package in one file; ``deps`` are indices of other entries of that file."""

    name: str
    version: str
    deps: list[int] = field(default_factory=list)
    dev: bool = False
    marker: str | None = None

    def artifacts(self) -> list[tuple[str, str, int]]:
        """(filename, sha256, size) of the sdist and wheel(s): stable for a name/version."""
        base = f"{_dist(self.name)}-{self.version}"
        seed = int(_sha(base)[:8], 16)
        files = [f"{base}.tar.gz", f"{base}-py3-none-any.whl"]
        if seed % 4 == 0:  # a compiled package: a couple of platform wheels
            files[1:] = [
                f"{base}-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                f"{base}-cp311-cp311-macosx_11_0_arm64.whl",
                f"{base}-cp311-cp311-win_amd64.whl",
            ]
        return [(f, _sha(f), 4_000 + (seed >> (i * 3)) % 900_000) for i, f in enumerate(files)]


class Universe:
    """Synthetic package names and versions, handed out mostly without repetition."""

    def __init__(self, rng: random.Random, n_pairs: int) -> None:
        self.rng = rng
        names: list[str] = []
        seen = set(COMMON_NAMES)
        while len(names) * 2 < n_pairs + 200:
            name = self._name()
            if name not in seen and not name.startswith("leak"):
                seen.add(name)
                names.append(name)
        pool: list[tuple[str, str]] = []
        for name in names:
            versions: list[str] = []
            for _ in range(rng.choice((1, 2, 2, 3))):
                v = self._version()
                if v not in versions:
                    versions.append(v)
            pool.extend((name, v) for v in versions)
        rng.shuffle(pool)
        self.pool = pool
        self.deferred: list[tuple[str, str]] = []

    def _name(self) -> str:
        r = self.rng
        pick = r.random()
        if pick < 0.45:
            a, b = r.sample(WORDS, 2)
            return f"{a}-{b}"
        if pick < 0.65:
            return f"{r.choice(WORDS)}{r.choice(AFFIXES)}"
        if pick < 0.85:
            return f"{r.choice(PREFIXES)}{r.choice(WORDS)}"
        a, b = r.sample(WORDS, 2)
        return f"{a}-{b}-{r.choice(AFFIXES)}"

    def _version(self) -> str:
        r = self.rng
        pick = r.random()
        if pick < 0.08:
            return f"{r.randint(2019, 2025)}.{r.randint(1, 12)}.{r.randint(0, 30)}"
        v = f"{r.choice((0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 10))}.{r.randint(0, 40)}.{r.randint(0, 25)}"
        if pick > 0.97:
            v += r.choice(("rc1", "b2", ".post1", "a3"))
        return v

    def take(self, count: int) -> list[tuple[str, str]]:
        """``count`` pairs with distinct names: a few common packages, the rest new pairs."""
        n_common = min(len(COMMON), round(count * COMMON_SHARE))
        common = self.rng.sample(COMMON, n_common)  # listed last: low in the dependency graph
        names: set[str] = {n for n, _ in common}
        out: list[tuple[str, str]] = []
        count -= n_common
        source = self.deferred + self.pool
        self.deferred, rest, i = [], [], 0
        while len(out) < count and i < len(source):
            pair = source[i]
            i += 1
            if pair[0] in names:
                rest.append(pair)
            else:
                out.append(pair)
                names.add(pair[0])
        self.deferred = rest
        self.pool = source[i:]
        while len(out) < count:  # pool exhausted: mint more
            name = f"{self.rng.choice(WORDS)}-{self._name()}"
            if name not in names:
                out.append((name, self._version()))
                names.add(name)
        return out + common


def make_entries(universe: Universe, count: int, rng: random.Random, dev_share: float) -> list[Entry]:
    """A dependency DAG over ``count`` packages, listed top-down.

    About a tenth of the entries are roots (what the project asks for); each entry depends on a
    few entries listed after it, and every non-root entry is needed by at least one before it.
    The roots listed last are development roots (``dev_share`` of them), and so is whatever only
    they need.
    """
    pairs = universe.take(count)
    entries = [Entry(n, v) for n, v in pairs]
    n = len(entries)
    n_roots = min(n, max(3, n // 10))
    needed = [False] * n
    for i in range(n - 1):
        k = min(n - i - 1, rng.choices((0, 1, 2, 3, 4, 6), (25, 25, 20, 15, 10, 5))[0])
        entries[i].deps = rng.sample(range(i + 1, n), k)
        for d in entries[i].deps:
            needed[d] = True
    for j in range(n_roots, n):
        if not needed[j]:
            entries[rng.randrange(j)].deps.append(j)
            needed[j] = True
    for e in entries:
        e.deps.sort(key=lambda d: entries[d].name)
    roots = [i for i in range(n) if not needed[i]]
    n_dev = int(len(roots) * dev_share)
    dev_roots = set(roots[len(roots) - n_dev:]) if n_dev else set()
    dependents: list[list[int]] = [[] for _ in entries]
    for i, e in enumerate(entries):
        for d in e.deps:
            dependents[d].append(i)
    for i in range(n):  # dependents have lower indices: decided first
        entries[i].dev = i in dev_roots or (
            bool(dependents[i]) and all(entries[j].dev for j in dependents[i])
        )
    for e in entries:
        if rng.random() < 0.03:
            e.marker = rng.choice(("python_version < '3.11'", "sys_platform == 'linux'",
                                   "platform_machine == 'x86_64'"))
    return entries


def roots_of(entries: list[Entry]) -> list[int]:
    """Indices of the entries nothing else in the file depends on: what the project asks for."""
    used = {d for e in entries for d in e.deps}
    return [i for i in range(len(entries)) if i not in used]


# ----------------------------------------------------------------------------------------------
# Writers, one per format
# ----------------------------------------------------------------------------------------------


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lower_bound(version: str) -> str:
    parts = version.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 and parts[0].isdigit() else version


def write_pyproject(project: str, entries: list[Entry], kind: str, rng: random.Random) -> str:
    """A PEP 621 project asking for the roots of its lockfile (dev roots in a group)."""
    roots = roots_of(entries)
    main = [entries[i] for i in roots if not entries[i].dev][:30]
    dev = [entries[i] for i in roots if entries[i].dev][:15]
    out = [
        "[build-system]",
        'requires = ["hatchling>=1.25"]' if kind != "poetry" else 'requires = ["poetry-core>=2.0"]',
        'build-backend = "hatchling.build"' if kind != "poetry" else 'build-backend = "poetry.core.masonry.api"',
        "",
        "[project]",
        f"name = {_q(project)}",
        f'version = "0.{rng.randint(1, 30)}.{rng.randint(0, 9)}"',
        f'description = "The {project.replace("-", " ")} service."',
        f"license = {_q(rng.choice(LICENSES))}",
        'requires-python = ">=3.10"',
        "dependencies = [",
    ]
    for e in main:
        marker = f"; {e.marker}" if e.marker else ""
        out.append(f"    {_q(f'{e.name}>={_lower_bound(e.version)}{marker}')},")
    out.append("]")
    out.append("")
    if main:
        out += ["[project.optional-dependencies]", "tracing = [", f"    {_q(main[0].name)},", "]", ""]
    if dev:
        if kind == "poetry":
            out.append("[tool.poetry.group.dev.dependencies]")
            out += [f"{e.name} = {_q('>=' + _lower_bound(e.version))}" for e in dev]
        elif kind == "pdm":
            out.append("[tool.pdm.dev-dependencies]")
            out.append("dev = [" + ", ".join(_q(e.name) for e in dev) + "]")
        else:
            out.append("[dependency-groups]")
            out.append("dev = [" + ", ".join(_q(e.name) for e in dev) + "]")
        out.append("")
    out += ["[tool.ruff]", "line-length = 100", ""]
    return "\n".join(out)


def write_uv_lock(project: str, entries: list[Entry]) -> str:
    """uv's lock format (version 1), with the project's own editable entry."""
    roots = roots_of(entries)
    chunks: list[tuple[str, str]] = []
    proj = [
        "[[package]]", f"name = {_q(project)}", 'version = "0.1.0"', 'source = { editable = "." }',
        "dependencies = [",
        *[f"    {{ name = {_q(entries[i].name)} }}," for i in roots if not entries[i].dev],
        "]",
        "",
        "[package.dev-dependencies]",
        "dev = [",
        *[f"    {{ name = {_q(entries[i].name)} }}," for i in roots if entries[i].dev],
        "]",
        "",
        "[package.metadata]",
        "requires-dist = [",
        *[f"    {{ name = {_q(entries[i].name)}, specifier = {_q('>=' + _lower_bound(entries[i].version))} }},"
          for i in roots if not entries[i].dev],
        "]",
        "",
        "[package.metadata.requires-dev]",
        "dev = [",
        *[f"    {{ name = {_q(entries[i].name)} }}," for i in roots if entries[i].dev],
        "]",
    ]
    chunks.append((project, "\n".join(proj)))
    for e in entries:
        lines = [
            "[[package]]", f"name = {_q(e.name)}", f"version = {_q(e.version)}",
            f"source = {{ registry = {_q(PYPI_SIMPLE)} }}",
        ]
        if e.deps:
            lines.append("dependencies = [")
            for d in e.deps:
                dep = entries[d]
                m = f", marker = {_q(dep.marker)}" if dep.marker else ""
                lines.append(f"    {{ name = {_q(dep.name)}{m} }},")
            lines.append("]")
        arts = e.artifacts()
        sd, wheels = arts[0], arts[1:]
        lines.append(f'sdist = {{ url = {_q(_file_url(sd[0]))}, hash = "sha256:{sd[1]}", size = {sd[2]} }}')
        lines.append("wheels = [")
        for fn, h, size in wheels:
            lines.append(f'    {{ url = {_q(_file_url(fn))}, hash = "sha256:{h}", size = {size} }},')
        lines.append("]")
        chunks.append((e.name, "\n".join(lines)))
    chunks.sort(key=lambda c: c[0])
    return 'version = 1\nrequires-python = ">=3.10"\n\n' + "\n\n".join(c[1] for c in chunks) + "\n"


def write_poetry_lock(entries: list[Entry]) -> str:
    """Poetry 2.x lock format (lock-version 2.1): groups per package, files with hashes."""
    out = ["# This file is automatically @generated by Poetry 2.0.1 and should not be changed by hand.", ""]
    for e in sorted(entries, key=lambda x: x.name):
        out += [
            "[[package]]", f"name = {_q(e.name)}", f"version = {_q(e.version)}",
            f'description = "{e.name.replace("-", " ").capitalize()} for Python."',
            "optional = false", 'python-versions = ">=3.9"',
            f'groups = ["{"dev" if e.dev else "main"}"]',
        ]
        if e.marker:
            out.append(f"markers = {_q(e.marker.replace(chr(39), chr(34)))}")
        out.append("files = [")
        for fn, h, _ in sorted(e.artifacts()):
            out.append(f'    {{file = {_q(fn)}, hash = "sha256:{h}"}},')
        out.append("]")
        if e.deps:
            out += ["", "[package.dependencies]"]
            for d in e.deps:
                dep = entries[d]
                spec = ">=" + _lower_bound(dep.version)
                if dep.marker:
                    out.append(f"{dep.name} = {{version = {_q(spec)}, markers = {_q(dep.marker.replace(chr(39), chr(34)))}}}")
                else:
                    out.append(f"{dep.name} = {_q(spec)}")
        out.append("")
    out += ["[metadata]", 'lock-version = "2.1"', 'python-versions = ">=3.10,<4.0"',
            f'content-hash = "{_sha("poetry" + entries[0].name)}"', ""]
    return "\n".join(out)


def write_pdm_lock(entries: list[Entry]) -> str:
    """PDM's lock format 4.5 with groups and inherited metadata."""
    out = [
        "# This file is @generated by PDM.", "# It is not intended for manual editing.", "",
        "[metadata]", 'groups = ["default", "dev"]', 'strategy = ["inherit_metadata"]',
        'lock_version = "4.5.0"', f'content_hash = "sha256:{_sha("pdm" + entries[0].name)}"', "",
        "[[metadata.targets]]", 'requires_python = ">=3.10"', "",
    ]
    for e in sorted(entries, key=lambda x: x.name):
        out += [
            "[[package]]", f"name = {_q(e.name)}", f"version = {_q(e.version)}",
            'requires_python = ">=3.8"',
            f'summary = "{e.name.replace("-", " ").capitalize()} for Python."',
            f'groups = ["{"dev" if e.dev else "default"}"]',
        ]
        if e.marker:
            out.append(f"marker = {_q(e.marker.replace(chr(39), chr(34)))}")
        if e.deps:
            out.append("dependencies = [")
            for d in e.deps:
                dep = entries[d]
                m = f"; {dep.marker}" if dep.marker else ""
                out.append(f"    {_q(dep.name + '>=' + _lower_bound(dep.version) + m)},")
            out.append("]")
        out.append("files = [")
        for fn, h, _ in sorted(e.artifacts()):
            out.append(f'    {{file = {_q(fn)}, hash = "sha256:{h}"}},')
        out += ["]", ""]
    return "\n".join(out)


def write_pipfile(entries: list[Entry]) -> str:
    """The Pipfile a Pipfile.lock comes from."""
    roots = roots_of(entries)
    out = ['[[source]]', f'url = "{PYPI_SIMPLE}"', "verify_ssl = true", 'name = "pypi"', "", "[packages]"]
    out += [f'{entries[i].name} = ">={_lower_bound(entries[i].version)}"' for i in roots if not entries[i].dev]
    out += ["", "[dev-packages]"]
    out += [f'{entries[i].name} = "*"' for i in roots if entries[i].dev]
    out += ["", "[requires]", 'python_version = "3.11"', ""]
    return "\n".join(out)


def write_pipfile_lock(entries: list[Entry]) -> str:
    """Pipenv's JSON lock (spec 6): default and develop sections, hashes, markers."""
    sections: dict[str, dict[str, Any]] = {"default": {}, "develop": {}}
    for e in entries:
        item: dict[str, Any] = {
            "hashes": sorted(f"sha256:{h}" for _, h, _ in e.artifacts()),
            "index": "pypi",
            "version": f"=={e.version}",
        }
        if e.marker:
            item["markers"] = e.marker
        sections["develop" if e.dev else "default"][e.name] = item
    doc = {
        "_meta": {
            "hash": {"sha256": _sha("pipenv" + entries[0].name)},
            "pipfile-spec": 6,
            "requires": {"python_version": "3.11"},
            "sources": [{"name": "pypi", "url": PYPI_SIMPLE, "verify_ssl": True}],
        },
        "default": dict(sorted(sections["default"].items())),
        "develop": dict(sorted(sections["develop"].items())),
    }
    return json.dumps(doc, indent=4) + "\n"


def write_pylock(entries: list[Entry]) -> str:
    """A PEP 751 ``pylock.toml`` as ``uv export --format pylock.toml`` writes it."""
    out = [
        "# This file was autogenerated by uv via the following command:",
        "#    uv export --format pylock.toml -o pylock.toml",
        'lock-version = "1.0"', 'created-by = "uv"', 'requires-python = ">=3.10"',
        'dependency-groups = ["dev"]', 'default-groups = []', "",
    ]
    for e in sorted(entries, key=lambda x: x.name):
        out += ["[[packages]]", f"name = {_q(e.name)}", f"version = {_q(e.version)}"]
        markers = [m for m in (e.marker, "'dev' in dependency_groups" if e.dev else None) if m]
        if markers:
            out.append(f"marker = {_q(' and '.join(markers))}")
        out.append(f"index = {_q(PYPI_SIMPLE)}")
        if e.deps:
            out.append("dependencies = [" + ", ".join(
                f"{{ name = {_q(entries[d].name)} }}" for d in e.deps) + "]")
        arts = e.artifacts()
        fn, h, size = arts[0]
        out.append(f'sdist = {{ name = {_q(fn)}, url = {_q(_file_url(fn))}, size = {size}, hashes = {{ sha256 = "{h}" }} }}')
        out.append("wheels = [")
        for fn, h, size in arts[1:]:
            out.append(f'    {{ name = {_q(fn)}, url = {_q(_file_url(fn))}, size = {size}, hashes = {{ sha256 = "{h}" }} }},')
        out += ["]", ""]
    return "\n".join(out)


def write_requirements(entries: list[Entry], path: str, include: str | None, source: str) -> str:
    """A ``pip-compile --generate-hashes`` output, with ``# via`` annotations."""
    out = [
        "#", "# This file is autogenerated by pip-compile with Python 3.11", "# by the following command:",
        "#", f"#    pip-compile --generate-hashes --output-file={path} {source}", "#",
    ]
    if include:
        out.append(f"-r {include}")
    via: list[list[str]] = [[] for _ in entries]
    for e in entries:
        for d in e.deps:
            via[d].append(e.name)
    order = sorted(range(len(entries)), key=lambda i: entries[i].name)
    for i in order:
        e = entries[i]
        marker = f" ; {e.marker}" if e.marker else ""
        hashes = sorted(h for _, h, _ in e.artifacts())
        out.append(f"{e.name}=={e.version}{marker} \\")
        out += [f"    --hash=sha256:{h} \\" for h in hashes[:-1]]
        out.append(f"    --hash=sha256:{hashes[-1]}")
        parents = sorted(via[i]) or [f"-r {source}"]
        if len(parents) == 1:
            out.append(f"    # via {parents[0]}")
        else:
            out.append("    # via")
            out += [f"    #   {p}" for p in parents]
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------
# Ordinary files: source, tests, docs, configs
# ----------------------------------------------------------------------------------------------


def py_module(rng: random.Random, module: str, imports: list[str]) -> str:
    names = rng.sample(WORDS, 3)
    body = [f'"""{module.replace("_", " ").capitalize()}: {names[0]} and {names[1]} handling."""', "",
            "from __future__ import annotations", "", "import logging"]
    body += [f"import {m}" for m in imports]
    body += ["", "log = logging.getLogger(__name__)", ""]
    for n in names:
        body += [
            "", f"def {n}_{rng.choice(('load', 'build', 'apply', 'merge', 'check'))}(value: dict, *, strict: bool = False) -> dict:",
            f'    """Return ``value`` with the {n} fields normalised."""',
            "    out = dict(value)",
            f"    if strict and {_q(n)} not in out:",
            f"        raise KeyError({_q(n)})",
            f"    out.setdefault({_q(n)}, {rng.randint(0, 999)})",
            "    return out", "",
        ]
    body += ["", f"class {names[2].capitalize()}Handler:",
             f'    """Handles {names[2]} events."""', "",
             "    def __init__(self, limit: int = 10) -> None:",
             "        self.limit = limit", "",
             "    def __call__(self, event: dict) -> bool:",
             "        return len(event) <= self.limit", ""]
    return "\n".join(body)


def test_module(rng: random.Random, module: str) -> str:
    w = rng.sample(WORDS, 2)
    return "\n".join([
        f'"""Tests for {module}."""', "", "import pytest", "",
        f"def test_{w[0]}_round_trip() -> None:",
        f"    assert {{{_q(w[0])}: 1}} == {{{_q(w[0])}: 1}}", "",
        "@pytest.mark.parametrize('n', [0, 1, 2])",
        f"def test_{w[1]}_limits(n: int) -> None:",
        "    assert n >= 0", "",
    ])


def doc_page(rng: random.Random, title: str, rst: bool) -> str:
    words = rng.sample(WORDS, 12)
    para = " ".join(words).capitalize() + "."
    if rst:
        return f"{title}\n{'=' * len(title)}\n\n{para}\n\n.. code-block:: console\n\n   $ make {words[0]}\n"
    return f"# {title}\n\n{para}\n\n## Usage\n\n```console\n$ make {words[0]}\n```\n\n{para}\n"


def config_file(rng: random.Random, ext: str) -> str:
    w = rng.sample(WORDS, 4)
    if ext == "json":
        return json.dumps({w[0]: {w[1]: rng.randint(1, 100), w[2]: [w[3], "enabled"]}}, indent=2) + "\n"
    return f"{w[0]}:\n  {w[1]}: {rng.randint(1, 100)}\n  {w[2]}:\n    - {w[3]}\n    - enabled\n"


def misc_file(rng: random.Random, ext: str) -> str:
    w = rng.sample(WORDS, 4)
    if ext == "sql":
        return f"CREATE TABLE {w[0]}_{w[1]} (\n    id BIGSERIAL PRIMARY KEY,\n    {w[2]} TEXT NOT NULL\n);\n"
    if ext == "sh":
        return f"#!/usr/bin/env bash\nset -euo pipefail\necho '{w[0]} {w[1]}'\n"
    if ext == "proto":
        return f'syntax = "proto3";\n\nmessage {w[0].capitalize()} {{\n  string {w[1]} = 1;\n  int64 {w[2]} = 2;\n}}\n'
    if ext == "csv":
        return "id,name,score\n" + "".join(f"{i},{rng.choice(WORDS)},{rng.random():.4f}\n" for i in range(20))
    return f"{' '.join(w)}\n"


# ----------------------------------------------------------------------------------------------
# The repository
# ----------------------------------------------------------------------------------------------


@dataclass
class RepoStats:
    """What the generator wrote, for the report and the checks."""

    files: int = 0
    ignored_files: int = 0
    manifests: Counter[str] = field(default_factory=Counter)
    locked_entries: int = 0
    edges: int = 0
    pairs: set[tuple[str, str]] = field(default_factory=set)
    seconds: float = 0.0


class RepoWriter:
    """Writes files and keeps count of them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stats = RepoStats()
        self._dirs: set[Path] = set()

    def write(self, rel: str, text: str | bytes, *, ignored: bool = False, manifest: str | None = None) -> None:
        path = self.root / rel
        if path.parent not in self._dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path.parent)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        if ignored:
            self.stats.ignored_files += 1
        else:
            self.stats.files += 1
        if manifest:
            self.stats.manifests[manifest] += 1

    def locked(self, entries: list[Entry]) -> None:
        self.stats.locked_entries += len(entries)
        self.stats.edges += sum(len(e.deps) for e in entries)
        self.stats.pairs.update((e.name, e.version) for e in entries)


def _split(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights``, each at least ``minimum``."""
    n = len(weights)
    base = minimum * n
    if total < base:
        raise SystemExit(f"too few items ({total}) for {n} parts of at least {minimum}")
    wsum = sum(weights)
    parts = [minimum + int((total - base) * w / wsum) for w in weights]
    for i in range(total - sum(parts)):
        parts[i % n] += 1
    return parts


def _package_tree(rng: random.Random, base: str, budget: int, depth: int) -> Iterator[str]:
    """Paths of a nested Python package holding ``budget`` files."""
    yield f"{base}/__init__.py"
    budget -= 1
    if budget <= 0:
        return
    n_modules = min(budget, rng.randint(3, 12))
    used: set[str] = set()
    for _ in range(n_modules):
        name = f"{rng.choice(WORDS)}_{rng.choice(('api', 'models', 'store', 'jobs', 'io', 'views', 'rules', 'ops', 'schema'))}"
        while name in used:
            name += "_x"
        used.add(name)
        yield f"{base}/{name}.py"
    budget -= n_modules
    if budget <= 0:
        return
    if depth >= 5:
        for i in range(budget):
            yield f"{base}/gen_{i:04d}.py"
        return
    n_sub = max(1, min(budget, rng.randint(2, 6)))
    subs: list[str] = []
    while len(subs) < n_sub:
        s = rng.choice(WORDS)
        if s not in subs:
            subs.append(s)
    for sub, part in zip(subs, _split(budget, [rng.random() + 0.2 for _ in subs], 1), strict=True):
        yield from _package_tree(rng, f"{base}/{sub}", part, depth + 1)


def _ordinary_files(w: RepoWriter, rng: random.Random, base: str, pkg: str, budget: int, imports: list[str]) -> None:
    """Fill a project directory with ``budget`` source, test, doc and config files."""
    if budget <= 0:
        return
    n_docs = max(1, budget // 10)
    n_cfg = max(0, budget // 25)
    n_misc = max(0, budget // 40)
    n_tests = max(0, budget // 5)
    n_src = budget - n_docs - n_cfg - n_misc - n_tests
    if n_src < 1:
        n_src, n_tests, n_cfg, n_misc = budget - n_docs, 0, 0, 0
        if n_src < 1:
            n_src, n_docs = budget, 0
    for path in _package_tree(rng, f"{base}/src/{pkg}", n_src, 1):
        module = path.rsplit("/", 1)[1][:-3]
        text = "" if module == "__init__" else py_module(rng, module, rng.sample(imports, min(2, len(imports))))
        w.write(path, text)
    for i in range(n_tests):
        w.write(f"{base}/tests/test_{rng.choice(WORDS)}_{i:03d}.py", test_module(rng, pkg))
    for i in range(n_docs):
        rst = i % 3 == 0
        w.write(f"{base}/docs/{rng.choice(WORDS)}-{i:03d}.{'rst' if rst else 'md'}", doc_page(rng, f"{pkg} {i}", rst))
    for i in range(n_cfg):
        ext = rng.choice(("yaml", "json"))
        w.write(f"{base}/configs/{rng.choice(WORDS)}-{i:03d}.{ext}", config_file(rng, ext))
    for i in range(n_misc):
        ext = rng.choice(("sql", "sh", "proto", "csv", "txt"))
        folder = {"sql": "migrations", "sh": "scripts", "proto": "proto", "csv": "data", "txt": "notes"}[ext]
        w.write(f"{base}/{folder}/{rng.choice(WORDS)}_{i:03d}.{ext}", misc_file(rng, ext))


ROOT_GITIGNORE = """\
# Byte-compiled files and caches
__pycache__/
*.py[cod]
.mypy_cache/
.pytest_cache/
.ruff_cache/

# Environments
.venv/
.tox/

# Build output
build/
dist/
*.egg-info/

# Docs site tooling
node_modules/

# Scan benchmark bookkeeping
.scan-benchmark/
"""


def _leak_site_packages(w: RepoWriter, site: str, tag: str, count: int) -> None:
    """An installed environment's site-packages: dist-info dirs and packages named ``leak-*``."""
    for i in range(count):
        name = f"leak-{tag}-{WORDS[i % len(WORDS)]}"
        dist = f"{site}/{_dist(name)}-1.{i}.0.dist-info"
        w.write(f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.{i}.0\nLicense: GPL-3.0-only\n"
                f"Requires-Dist: leak-{tag}-dep{i} (>=1.0)\n", ignored=True)
        w.write(f"{dist}/RECORD", f"{_dist(name)}/__init__.py,,\n", ignored=True)
        w.write(f"{dist}/INSTALLER", "pip\n", ignored=True)
        w.write(f"{site}/{_dist(name)}/__init__.py", f'"""{name}."""\n', ignored=True)
    w.write(f"{site}/{_dist(f'leak-{tag}-vendored')}/requirements.txt",
            f"leak-{tag}-vendored-req==3.1.4\n", ignored=True)
    w.write(f"{site}/{_dist(f'leak-{tag}-vendored')}/pyproject.toml",
            f'[project]\nname = "leak-{tag}-vendored"\nversion = "3.1.4"\ndependencies = ["leak-{tag}-needs>=1"]\n',
            ignored=True)


def _skipped_content(w: RepoWriter, rng: random.Random, first_project: str, first_base: str) -> None:
    """Directories the scan must not read: gitignored ones and virtual environments."""
    w.write(".venv/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.10\n", ignored=True)
    w.write(".venv/.gitignore", "*\n", ignored=True)
    _leak_site_packages(w, ".venv/lib/python3.11/site-packages", "venv", 60)
    try:
        (w.root / ".venv/bin").mkdir(parents=True, exist_ok=True)
        os.symlink("/usr/bin/python3", w.root / ".venv/bin/python")  # points out of the repo
    except OSError:
        pass
    # A virtual environment no ignore file mentions: only its pyvenv.cfg says what it is.
    w.write("tools/notebooks/venv/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.10\n", ignored=True)
    _leak_site_packages(w, "tools/notebooks/venv/lib/python3.11/site-packages", "unlisted-venv", 40)
    _leak_site_packages(w, ".tox/py311/lib/python3.11/site-packages", "tox", 30)
    w.write(".tox/py311/pyvenv.cfg", "home = /usr/bin\nversion = 3.11.10\n", ignored=True)
    for i in range(40):
        w.write(f"build/lib/{_dist(first_project)}/mod_{i:02d}.py", "VALUE = 1\n", ignored=True)
    w.write("build/requirements.txt", "leak-build-req==1.0.0\n", ignored=True)
    w.write("build/pyproject.toml", '[project]\nname = "leak-build"\nversion = "1.0"\ndependencies = ["leak-build-dep"]\n', ignored=True)
    w.write(f"dist/{_dist(first_project)}-0.1.0-py3-none-any.whl", bytes(rng.getrandbits(8) for _ in range(2048)), ignored=True)
    w.write("dist/requirements.txt", "leak-dist-req==2.0.0\n", ignored=True)
    for i in range(30):
        w.write(f"node_modules/leak-npm-{i}/package.json",
                json.dumps({"name": f"leak-npm-{i}", "version": "1.0.0", "license": "MIT"}) + "\n", ignored=True)
        w.write(f"node_modules/leak-npm-{i}/index.js", "module.exports = {};\n", ignored=True)
    egg = f"{first_base}/src/{_dist(first_project)}.egg-info"
    w.write(f"{egg}/PKG-INFO", "Metadata-Version: 2.1\nName: leak-egg-info\nVersion: 0.1.0\n", ignored=True)
    w.write(f"{egg}/requires.txt", "leak-egg-requirement>=1.0\n", ignored=True)
    w.write(f"{egg}/SOURCES.txt", "src/x.py\n", ignored=True)
    # A nested .gitignore: run outputs with frozen environments in them.
    w.write(f"{first_base}/.gitignore", "outputs/\n*.ckpt\n")
    for run in ("2024-11-02", "2024-11-19"):
        out = f"{first_base}/outputs/run-{run}"
        w.write(f"{out}/requirements.txt", f"leak-output-freeze-{run}==0.0.1\nleak-output-tool==9.9.9\n", ignored=True)
        w.write(f"{out}/model.ckpt", bytes(512), ignored=True)
    # Bytecode caches next to real sources.
    for i in range(20):
        w.write(f"libs/__pycache__/mod_{i}.cpython-311.pyc", b"\xa7\r\r\n" + bytes(60), ignored=True)


def generate(root: Path, n_files: int, n_manifests: int, n_packages: int, seed: int) -> RepoStats:
    """Write the benchmark repository under ``root`` (which must be empty or absent)."""
    start = time.perf_counter()
    rng = random.Random(seed)
    w = RepoWriter(root)
    universe = Universe(rng, n_packages)

    if n_manifests < 4:
        raise SystemExit("--manifests must be at least 4")
    n_projects = n_manifests // 4
    extra_reqs = n_manifests - 4 * n_projects
    # Locked entries live in lockfiles and requirements files: 2 to 3 per project + the extras.
    bearing_weights: list[float] = []
    for _ in range(n_projects):
        bearing_weights += [rng.lognormvariate(0, 0.6) * 3.0, rng.lognormvariate(0, 0.5), rng.lognormvariate(0, 0.5) * 0.4]
    bearing_weights += [rng.lognormvariate(0, 0.5) * 0.5 for _ in range(extra_reqs)]
    sizes = _split(n_packages, bearing_weights, 3)

    fixed_files = 6  # root README, LICENSE, .gitignore, Makefile, CODEOWNERS, docs index
    budget = max(0, n_files - n_manifests - fixed_files - 1)  # - the nested .gitignore
    shared_budget = budget // 8
    project_budgets = _split(budget - shared_budget, [rng.lognormvariate(0, 0.7) for _ in range(n_projects)], 0)

    used_names: set[str] = set()
    projects: list[str] = []
    for _ in range(n_projects):
        name = f"{rng.choice(WORDS)}-{rng.choice(('api', 'worker', 'gateway', 'indexer', 'trainer', 'ingest', 'eval', 'router'))}"
        while name in used_names:
            name = f"{rng.choice(WORDS)}-{name}"
        used_names.add(name)
        projects.append(name)

    bases = [f"{'libs' if i % 3 == 2 else 'services'}/{project}" for i, project in enumerate(projects)]
    for i, project in enumerate(projects):
        kind = LOCK_KINDS[i % len(LOCK_KINDS)]
        base = bases[i]
        lock_n, req_n, dev_n = sizes[3 * i: 3 * i + 3]
        lock = make_entries(universe, lock_n, rng, dev_share=0.15)
        w.locked(lock)
        if kind == "pipenv":
            w.write(f"{base}/Pipfile", write_pipfile(lock), manifest="Pipfile")
            w.write(f"{base}/Pipfile.lock", write_pipfile_lock(lock), manifest="Pipfile.lock")
        else:
            w.write(f"{base}/pyproject.toml", write_pyproject(project, lock, kind, rng), manifest="pyproject.toml")
            if kind == "uv":
                w.write(f"{base}/uv.lock", write_uv_lock(project, lock), manifest="uv.lock")
            elif kind == "poetry":
                w.write(f"{base}/poetry.lock", write_poetry_lock(lock), manifest="poetry.lock")
            elif kind == "pdm":
                w.write(f"{base}/pdm.lock", write_pdm_lock(lock), manifest="pdm.lock")
            else:
                w.write(f"{base}/pylock.toml", write_pylock(lock), manifest="pylock.toml")
        reqs = make_entries(universe, req_n, rng, dev_share=0.0)
        dev = make_entries(universe, dev_n, rng, dev_share=0.0)
        w.locked(reqs)
        w.locked(dev)
        w.write(f"{base}/requirements.txt",
                write_requirements(reqs, "requirements.txt", None, "requirements.in"),
                manifest="requirements*.txt")
        w.write(f"{base}/requirements-dev.txt",
                write_requirements(dev, "requirements-dev.txt", "requirements.txt", "requirements-dev.in"),
                manifest="requirements*.txt")
        imports = [_dist(e.name) for e in lock[:8]] or ["json"]
        w.write(f"{base}/README.md", doc_page(rng, project, rst=False))
        _ordinary_files(w, rng, base, _dist(project), project_budgets[i] - 1, imports)

    for j in range(extra_reqs):
        entries = make_entries(universe, sizes[3 * n_projects + j], rng, dev_share=0.0)
        w.locked(entries)
        tool = f"tools/{rng.choice(WORDS)}-{j}"
        w.write(f"{tool}/requirements.txt", write_requirements(entries, "requirements.txt", None, "requirements.in"),
                manifest="requirements*.txt")

    # Shared top-level content: docs site, scripts, CI config.
    for i in range(shared_budget):
        r = i % 10
        if r < 6:
            w.write(f"docs/{rng.choice(('guides', 'reference', 'adr', 'runbooks'))}/{rng.choice(WORDS)}-{i:04d}.md",
                    doc_page(rng, f"Page {i}", rst=False))
        elif r < 8:
            w.write(f"scripts/{rng.choice(WORDS)}_{i:04d}.py", py_module(rng, f"script_{i}", ["json"]))
        else:
            w.write(f"deploy/{rng.choice(('staging', 'prod', 'dev'))}/{rng.choice(WORDS)}-{i:04d}.yaml",
                    config_file(rng, "yaml"))
    w.write("README.md", "# Platform monorepo\n\nServices, libraries and tools of the platform team.\n")
    w.write("LICENSE", MIT_TEXT)
    w.write(".gitignore", ROOT_GITIGNORE)
    w.write("Makefile", "test:\n\tpytest -q\n\nlint:\n\truff check .\n")
    w.write("CODEOWNERS", "* @platform-team\n")
    w.write("docs/index.md", "# Documentation\n\nStart with the guides.\n")
    _skipped_content(w, rng, projects[0], bases[0])
    (root / MARKER).mkdir(exist_ok=True)
    w.stats.seconds = time.perf_counter() - start
    return w.stats


MIT_TEXT = """\
MIT License

Copyright (c) 2024 Platform Team

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


# ----------------------------------------------------------------------------------------------
# Running the scan
# ----------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One scan: its wall time, the child's peak RSS and how it ended."""

    seconds: float
    peak_mb: float
    returncode: int


def run_scan(python: str, repo: Path, out: Path, log: Path) -> Run:
    """Run the CLI once in a fresh child process; measure that child alone with ``os.wait4``."""
    cmd = [python, "-m", "compliance", "scan", str(repo), "-o", str(out), "--output-reproducible"]
    with open(log, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err, cwd=str(log.parent))
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    peak = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return Run(seconds, peak, proc.returncode)


def sbom_components(path: Path) -> list[dict[str, Any]]:
    """Every component of a CycloneDX JSON document, nested ones included."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = []
    stack = list(doc.get("components") or [])
    while stack:
        c = stack.pop()
        found.append(c)
        stack.extend(c.get("components") or [])
    return found


def _canon(name: str) -> str:
    out = []
    prev_sep = False
    for ch in name.lower():
        if ch in "-_.":
            if not prev_sep:
                out.append("-")
            prev_sep = True
        else:
            out.append(ch)
            prev_sep = False
    return "".join(out)


def cli_available(python: str) -> bool:
    """True when ``python -m compliance scan --help`` works."""
    try:
        r = subprocess.run([python, "-m", "compliance", "scan", "--help"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def main(argv: list[str] | None = None) -> int:
    """Generate the repository, scan it, print the figures; the exit status says PASS or FAIL."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--files", type=int, default=20_000, help="files in the repository to scan (default 20000)")
    p.add_argument("--manifests", type=int, default=200, help="manifests and lockfiles (default 200)")
    p.add_argument("--packages", type=int, default=20_000, help="locked package entries in total (default 20000)")
    p.add_argument("--repeat", type=int, default=3, help="scans to run; the best time counts (default 3)")
    p.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    p.add_argument("--keep", type=Path, metavar="DIR", help="generate the repository in DIR and keep it")
    p.add_argument("--generate-only", action="store_true", help="write the repository, do not scan")
    p.add_argument("--python", default=sys.executable, help="interpreter that runs the CLI")
    p.add_argument("--max-seconds", type=float, default=TARGET_SECONDS, help=f"time target (default {TARGET_SECONDS})")
    p.add_argument("--max-mb", type=float, default=TARGET_MB, help=f"peak RSS target in MB (default {TARGET_MB:.0f})")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON to FILE")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if args.generate_only and not args.keep:
        p.error("--generate-only needs --keep DIR (otherwise the repository is deleted at once)")

    work = Path(tempfile.mkdtemp(prefix="scan-benchmark-"))
    try:
        if args.keep:
            repo = args.keep.resolve()
            if repo.exists() and any(repo.iterdir()):
                if not (repo / MARKER).is_dir():
                    p.error(f"{repo} is not empty and was not made by this script; choose another --keep DIR")
                shutil.rmtree(repo)
        else:
            repo = work / "repo"
        repo.mkdir(parents=True, exist_ok=True)
        print(f"generating {args.files:,} files, {args.manifests} manifests, {args.packages:,} locked entries "
              f"in {repo} ...", file=sys.stderr)
        stats = generate(repo, args.files, args.manifests, args.packages, args.seed)
        print(f"generated in {stats.seconds:.1f} s", file=sys.stderr)
        if args.generate_only:
            _print_repo(stats, repo)
            return 0
        if not cli_available(args.python):
            print(f"error: `{args.python} -m compliance scan --help` fails: is compliance installed?", file=sys.stderr)
            return 2

        runs: list[Run] = []
        out = work / "sbom.cdx.json"
        log = work / "scan.log"
        for i in range(args.repeat):
            if out.exists():
                out.unlink()
            run = run_scan(args.python, repo, out, log)
            print(f"run {i + 1}/{args.repeat}: {run.seconds:.2f} s, {run.peak_mb:.1f} MB, exit {run.returncode}",
                  file=sys.stderr)
            if not out.exists():
                tail = log.read_text(errors="replace")[-3000:]
                print(f"error: the scan wrote no SBOM (exit {run.returncode}):\n{tail}", file=sys.stderr)
                return 2
            runs.append(run)
        return _report(args, stats, repo, runs, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _print_repo(stats: RepoStats, repo: Path) -> None:
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(stats.manifests.items()))
    print(f"repository      {repo}")
    print(f"files           {stats.files + stats.ignored_files:,} ({stats.files:,} to scan, "
          f"{stats.ignored_files:,} in ignored or virtual-environment directories)")
    print(f"manifests       {sum(stats.manifests.values())} ({kinds})")
    print(f"locked entries  {stats.locked_entries:,} ({len(stats.pairs):,} distinct name/version pairs, "
          f"{stats.edges:,} dependency edges)")


def _report(args: argparse.Namespace, stats: RepoStats, repo: Path, runs: list[Run], sbom: Path) -> int:
    best = min(runs, key=lambda r: r.seconds)
    peak = max(r.peak_mb for r in runs)
    components = sbom_components(sbom)
    found = {(_canon(str(c.get("name", ""))), str(c.get("version", ""))) for c in components}
    expected = {(_canon(n), v) for n, v in stats.pairs}
    missing = sorted(expected - found)
    leaked = sorted({str(c.get("name")) for c in components if _canon(str(c.get("name", ""))).startswith("leak")})
    total_files = stats.files + stats.ignored_files

    _print_repo(stats, repo)
    print(f"components      {len(components):,} in the SBOM")
    print(f"wall time       {best.seconds:.2f} s (best of {len(runs)}: {', '.join(f'{r.seconds:.2f}' for r in runs)})")
    print(f"files/s         {total_files / best.seconds:,.0f}")
    print(f"components/s    {len(components) / best.seconds:,.0f}")
    print(f"peak RSS        {peak:.1f} MB (largest of {len(runs)})")
    if any(r.returncode for r in runs):
        print(f"note            the CLI exited with {sorted({r.returncode for r in runs})}")
    checks = [
        (f"time under {args.max_seconds:g} s", best.seconds < args.max_seconds, f"{best.seconds:.2f} s"),
        (f"peak RSS under {args.max_mb:g} MB", peak < args.max_mb, f"{peak:.1f} MB"),
        ("every locked name/version pair is a component", not missing,
         f"{len(expected) - len(missing):,} of {len(expected):,}"
         + (f"; missing e.g. {', '.join(f'{n}=={v}' for n, v in missing[:3])}" if missing else "")),
        ("nothing from ignored or venv directories", not leaked,
         f"{len(leaked)} leaked" + (f": {', '.join(leaked[:5])}" if leaked else "")),
    ]
    print()
    for label, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label:<48} {detail}")
    if args.json:
        args.json.write_text(json.dumps({
            "files": total_files, "files_to_scan": stats.files, "manifests": sum(stats.manifests.values()),
            "locked_entries": stats.locked_entries, "distinct_pairs": len(stats.pairs),
            "components": len(components), "wall_seconds": [r.seconds for r in runs],
            "best_seconds": best.seconds, "peak_mb": peak, "missing_pairs": len(missing),
            "leaked": leaked, "pass": all(ok for _, ok, _ in checks),
        }, indent=2) + "\n")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
