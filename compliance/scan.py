"""Scan a repository: walk once, hand each wanted file to its scanners, merge the results.

This is the library entry point (the CLI is a thin layer over :func:`scan_repository`).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from compliance.errors import InputError, ScanError
from compliance.inventory import build_inventory
from compliance.model import ROOT, Diagnostic, Edge, Inventory, ScanResult
from compliance.scanners import all_scanners
from compliance.scanners.base import DEFAULT_MAX_FILE_SIZE, ScanFile, Scanner, ScanOptions
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


@dataclass
class ScanReport:
    """An inventory plus what the walk saw, for the CLI's summary line."""

    inventory: Inventory
    stats: WalkStats = field(default_factory=WalkStats)
    files_parsed: int = 0


def scan_repository(
    path: Path, config: ScanConfig | None = None, scanners: Sequence[Scanner] | None = None
) -> ScanReport:
    """Scan the repository at ``path`` statically and return what it is made of."""
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

    results: list[ScanResult] = []
    parsed = 0
    for rel in walk(root, wants, excludes=config.excludes, use_gitignore=config.use_gitignore,
                    stats=stats):
        file = ScanFile(root, rel, options)
        for scanner in by_name.pop(rel, ()) or wanted_by(PurePosixPath(rel)):
            results.append(_run(scanner, file, config.debug))
            parsed += 1
    results_env = [_scan_environment(p) for p in config.python_environments]
    inventory = build_inventory(root.name, [*results, *results_env], files_scanned=stats.files)
    # an included file reports its problems once per file that includes it: keep one of each
    unique = dict.fromkeys([*stats.diagnostics, *inventory.diagnostics])
    inventory.diagnostics = sorted(unique, key=lambda d: (d.path, d.line or 0, d.message))
    return ScanReport(inventory, stats, parsed)


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


def _scan_environment(target: Path) -> ScanResult:
    """Read an installed environment given with ``--python``."""
    from compliance.scanners.python.installed import find_site_packages, scan_site_packages

    merged = ScanResult()
    for site in find_site_packages(target):
        label = site.name if site.name in ("site-packages", "dist-packages") else str(site)
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
