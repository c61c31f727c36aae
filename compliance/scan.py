"""Scan a repository: walk once, hand each wanted file to its scanners, merge the results.

This is the library entry point (the CLI is a thin layer over :func:`scan_repository`).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from compliance.errors import InputError, ScanError
from compliance.inventory import build_inventory
from compliance.licenses.identify import LicenseMatch, identify_file, is_license_file_name
from compliance.licenses.identify_cache import IdentifyCache
from compliance.licenses.registry import PyPIClient
from compliance.licenses.resolve import (
    REPOSITORY,
    EvidencePool,
    expression_from_matches,
    resolve_inventory,
    resolve_online,
)
from compliance.model import ROOT, Diagnostic, Edge, Inventory, ResolvedLicense, ScanResult
from compliance.scanners import all_scanners
from compliance.scanners.base import DEFAULT_MAX_FILE_SIZE, ScanFile, Scanner, ScanOptions
from compliance.scanners.python.installed import find_site_packages, scan_site_packages
from compliance.walk import WalkStats, walk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanConfig:
    """What to scan and how."""

    excludes: tuple[str, ...] = ()
    use_gitignore: bool = True
    python_environments: tuple[Path, ...] = ()  # --python: interpreters or site-packages
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    debug: bool = False
    resolve_licenses: bool = True
    online: bool = False  # --online: ask the package registry for licenses local evidence lacks
    registry_url: str = "https://pypi.org"
    # identified license texts from earlier runs (compliance hook); None: match every text
    identify_cache: IdentifyCache | None = None


@dataclass
class ScanReport:
    """An inventory plus what the walk saw, for the CLI's summary line."""

    inventory: Inventory
    stats: WalkStats = field(default_factory=WalkStats)
    files_parsed: int = 0


#: ``progress(phase, done, total)``: see :func:`scan_repository`.
Progress = Callable[[str, int, int], None]

#: how many files the walk meets between two "walk" progress calls
PROGRESS_EVERY = 500


def scan_repository(
    path: Path,
    config: ScanConfig | None = None,
    scanners: Sequence[Scanner] | None = None,
    *,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan the repository at ``path`` statically and return what it is made of.

    ``progress``, when given, is called as ``progress(phase, done, total)`` while the scan runs
    (``total`` 0: not known yet). The walk and the parsing are interleaved, so the calls mix:
    ``("walk", files_met, 0)`` every :data:`PROGRESS_EVERY` files, ``("parse", manifests, 0)``
    after each manifest parsed, ``("walk", files, files)`` when the walk is over and
    ``("resolve", 0, 0)`` before licenses are resolved. Counts only grow. Without it, nothing
    is called per file.
    """
    config = config or ScanConfig()
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if not path.is_dir():
        raise InputError(f"{path}: not a directory (scan takes a repository folder)")
    root = path.resolve()
    chosen = tuple(scanners) if scanners is not None else all_scanners()
    options = ScanOptions(max_file_size=config.max_file_size)
    stats = WalkStats()

    # which scanners want a file depends on its name and, for a few, its folder; cache by name
    by_name: dict[str, tuple[Scanner, ...]] = {}

    def wanted_by(rel: PurePosixPath) -> tuple[Scanner, ...]:
        return tuple(s for s in chosen if s.wants(rel))

    def wants(rel: PurePosixPath) -> bool:
        hit = tuple(s for s in chosen if s.wants(rel))
        by_name[str(rel)] = hit
        return bool(hit)

    accept = wants if progress is None else _reporting(wants, stats, progress)

    results: list[ScanResult] = []
    parsed = 0
    for rel in walk(root, accept, excludes=config.excludes, use_gitignore=config.use_gitignore,
                    stats=stats):
        file = ScanFile(root, rel, options, walked=True)
        for scanner in by_name.pop(rel, ()) or wanted_by(PurePosixPath(rel)):
            results.append(_run(scanner, file, config.debug))
            parsed += 1
            if progress is not None:
                progress("parse", parsed, 0)
    if progress is not None:
        progress("walk", stats.files, stats.files)
    roots: dict[str, Path] = {REPOSITORY: root}
    results_env = [_scan_environment(p, root, roots) for p in config.python_environments]
    inventory = build_inventory(root.name, [*results, *results_env], files_scanned=stats.files)
    if config.resolve_licenses:
        if progress is not None:
            progress("resolve", 0, 0)
        pool = _repository_environments(root, stats, roots, inventory.diagnostics)
        inventory.license_roots = {label: str(folder) for label, folder in sorted(roots.items())}
        cache = config.identify_cache
        if cache is not None:
            resolve_inventory(inventory, roots=roots, pool=pool, identify=cache.identify_text,
                              identify_file_fn=cache.identify_file)
        else:
            resolve_inventory(inventory, roots=roots, pool=pool)
        if config.online:
            resolve_online(inventory, PyPIClient(base_url=config.registry_url))
        if inventory.project_license is None:
            inventory.project_license = _project_license_file(
                root, cache.identify_file if cache is not None else identify_file)
    # an included file reports its problems once per file that includes it: keep one of each
    unique = dict.fromkeys([*stats.diagnostics, *inventory.diagnostics])
    inventory.diagnostics = sorted(unique, key=lambda d: (d.path, d.line or 0, d.message))
    return ScanReport(inventory, stats, parsed)


def _reporting(
    wants: Callable[[PurePosixPath], bool], stats: WalkStats, progress: Progress
) -> Callable[[PurePosixPath], bool]:
    """``wants``, also reporting the walk's file count every :data:`PROGRESS_EVERY` files (the
    walk asks it about every file it meets, right after counting the file)."""
    report_at = PROGRESS_EVERY

    def accept(rel: PurePosixPath) -> bool:
        nonlocal report_at
        if stats.files >= report_at:
            report_at = stats.files + PROGRESS_EVERY
            progress("walk", stats.files, 0)
        return wants(rel)

    return accept


def _run(scanner: Scanner, file: ScanFile, debug: bool) -> ScanResult:
    """Run one scanner on one file; whatever goes wrong becomes a diagnostic."""
    try:
        return scanner.scan(file)
    except ScanError as e:
        return ScanResult(diagnostics=[Diagnostic(e.path, e.detail, e.line, scanner=scanner.name)])
    except RecursionError:
        return ScanResult(diagnostics=[Diagnostic(
            file.path, "is nested too deeply to parse; not read", scanner=scanner.name)])
    except Exception as e:  # a scanner bug must not cost the user the rest of the scan
        if debug:
            log.error("%s", traceback.format_exc())
        return ScanResult(diagnostics=[Diagnostic(
            file.path,
            f"internal error in the {scanner.name} scanner ({type(e).__name__}: {e}); "
            "the file was skipped (please report this; --debug shows the traceback)",
            scanner=scanner.name)])


def _label(site: Path, root: Path) -> str:
    """How an environment folder is named in locations: relative to the scan root when inside
    it (reproducible), otherwise its absolute path."""
    real = site.resolve()
    try:
        return real.relative_to(root).as_posix()
    except ValueError:
        return str(real)


def _scan_environment(target: Path, root: Path, roots: dict[str, Path]) -> ScanResult:
    """Read an installed environment given with ``--python``."""
    merged = ScanResult()
    for site in find_site_packages(target):
        label = _label(site, root)
        roots[label] = site
        result = scan_site_packages(site, label)
        offset = len(merged.declarations)
        # keys only need to be unique within one result: prefix them per site folder
        for decl in result.declarations:
            decl.key = f"{offset}:{decl.key}"
        merged.declarations.extend(result.declarations)
        merged.edges.extend(
            Edge(e.source if e.source == ROOT else f"{offset}:{e.source}", f"{offset}:{e.target}")
            for e in result.edges)
        merged.diagnostics.extend(result.diagnostics)
    return merged


def _repository_environments(
    root: Path, stats: WalkStats, roots: dict[str, Path], diagnostics: list[Diagnostic]
) -> EvidencePool:
    """Virtual environments inside the repository lend license evidence (never components)."""
    pool = EvidencePool()
    for env in stats.environments:
        try:
            sites = find_site_packages(root / env)
        except InputError:
            continue  # a folder with pyvenv.cfg but no site-packages: nothing installed
        for site in sites:
            label = _label(site, root)
            roots[label] = site
            result = scan_site_packages(site, label)
            for decl in result.declarations:
                pool.add(decl.name, decl.version, decl.licenses)
            # an unreadable distribution in a local venv costs only its license evidence
            diagnostics.extend(replace(d, severity="warning") for d in result.diagnostics
                               if d.severity == "error")
    return pool


def _project_license_file(
    root: Path, identify_file_fn: Callable[[Path], list[LicenseMatch]] = identify_file
) -> ResolvedLicense | None:
    """The project's license from its top-level license files, when no manifest declares it."""
    try:
        names = sorted(p.name for p in root.iterdir() if p.is_file() and not p.is_symlink())
    except OSError:
        return None
    found = []
    where = []
    for name in names:
        if is_license_file_name(name):
            matches = identify_file_fn(root / name)
            if matches:
                found.extend(matches)
                where.append(name)
    expr = expression_from_matches(found)
    if expr is None:
        return None
    return ResolvedLicense(expr, "concluded", "license-file", ", ".join(where), True, None,
                           min(m.score for m in found))
