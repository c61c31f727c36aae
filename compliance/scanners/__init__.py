"""Scanner plug-ins, one module per format family.

A module under this package that defines ``SCANNERS`` (a list of
:class:`~compliance.scanners.base.Scanner` instances) plugs itself in: :func:`all_scanners`
collects them, so a new format family needs no change to the core.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from compliance.scanners.base import Scanner


@cache
def all_scanners() -> tuple[Scanner, ...]:
    """Every scanner the tool ships, in a stable order (by name)."""
    found: list[Scanner] = []
    for info in pkgutil.walk_packages(__path__, prefix=__name__ + "."):
        module = importlib.import_module(info.name)
        found.extend(getattr(module, "SCANNERS", ()))
    names = [s.name for s in found]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise RuntimeError(f"scanner names used twice: {sorted(duplicates)}")
    return tuple(sorted(found, key=lambda s: s.name))
