"""What a command is pointed at: a repository folder (scanned) or a CycloneDX SBOM (read).

``compliance check`` and ``compliance notice`` take either; this is the one place that tells
them apart and turns both into an inventory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.errors import InputError
from compliance.model import Diagnostic, Inventory
from compliance.scan import Progress, ScanConfig, scan_repository


@dataclass
class LoadedInventory:
    """An inventory and how it was obtained."""

    inventory: Inventory
    diagnostics: list[Diagnostic]  # problems met scanning or reading
    policy_root: Path  # where the project policy file is looked for
    scan_root: Path | None  # the scanned folder; None for an SBOM (no files to read)
    sbom_facts: dict[str, Any] = field(default_factory=dict)  # timestamp/author of an SBOM


def load_inventory(target: Path, config: ScanConfig, *,
                   progress: Progress | None = None) -> LoadedInventory:
    """Scan ``target`` when it is a folder, else read it as an SBOM (JSON or XML, any tool).

    An SBOM's own problems (schema violations ...) and the diagnostics of the scan that made it
    are both returned; the policy file of an SBOM is looked for in the current folder.
    """
    if target.is_dir():
        inv = scan_repository(target, config, progress=progress).inventory
        return LoadedInventory(inv, list(inv.diagnostics), target, target.resolve())
    if not target.exists():
        raise InputError(f"{target}: no such file or directory")
    from compliance.sbom.read import looks_like_sbom, read_sbom  # only for SBOM input

    if not looks_like_sbom(target):
        raise InputError(f"{target}: neither a repository folder nor a CycloneDX SBOM "
                         "(JSON or XML)")
    read = read_sbom(target)
    facts = {"has_timestamp": bool(read.timestamp),
             "author": ", ".join(read.authors) or read.tool}
    return LoadedInventory(read.inventory, [*read.diagnostics, *read.inventory.diagnostics],
                           Path.cwd(), None, facts)
