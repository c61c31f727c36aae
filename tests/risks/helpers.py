"""Small inventories for the risk check tests."""

from __future__ import annotations

from collections.abc import Iterable

from compliance.model import (
    Component,
    DeclarationKind,
    Finding,
    Hash,
    Inventory,
    Location,
    ProjectInfo,
    ResolvedLicense,
    Scope,
    Source,
)

LOCK = DeclarationKind.LOCK
MANIFEST = DeclarationKind.MANIFEST
CONSTRAINT = DeclarationKind.CONSTRAINT
INSTALLED = DeclarationKind.INSTALLED
SHA = Hash("SHA-256", "ab" * 32)
COMMIT = "0123456789abcdef0123456789abcdef01234567"


class PropComponent(Component):
    """A Component that can carry ``properties`` before the model has the field."""


def comp(name: str, version: str | None = "1.0", *, kinds: Iterable[DeclarationKind] = (LOCK,),
         scope: Scope = Scope.REQUIRED, source: Source | None = None, hashes: Iterable[Hash] = (),
         ecosystem: str = "pypi", direct: bool = False, editable: bool = False,
         extra_indexes: Iterable[str] = (), constraint: str | None = None,
         license: str | None = None, known: bool = True, original: str | None = None,
         occurrences: Iterable[Location] | None = None, component_type: str = "library",
         properties: Iterable[tuple[str, str]] | None = None) -> Component:
    """One component; ``ref`` and ``purl`` follow the name and version."""
    purl = f"pkg:{ecosystem}/{name}" + (f"@{version}" if version else "")
    cls = PropComponent if properties is not None else Component
    c = cls(ref=purl, ecosystem=ecosystem, name=name, version=version, purl=purl,
            constraint=constraint, scope=scope, direct=direct, hashes=list(hashes),
            source=source or Source(), kinds=set(kinds), editable=editable,
            extra_indexes=set(extra_indexes), component_type=component_type,
            occurrences=list(occurrences) if occurrences is not None
            else [Location("requirements.txt", 3)])
    if license is not None:
        c.license = ResolvedLicense(license, "declared", "license-expression", "METADATA",
                                    known=known, original=original)
    if properties is not None:
        c.properties = tuple(properties)  # type: ignore[attr-defined]
    return c


def inventory(*components: Component, project: ProjectInfo | None = None,
              dependencies: dict[str, set[str]] | None = None,
              direct: Iterable[str] = ()) -> Inventory:
    inv = Inventory(root_name="repo", project=project)
    for c in components:
        inv.components[c.ref] = c
    inv.dependencies = dependencies or {}
    inv.direct = set(direct) | {c.ref for c in components if c.direct}
    return inv


def names(findings: Iterable[Finding], rule: str | None = None) -> list[str]:
    return [f.component_name or "" for f in findings if rule is None or f.rule == rule]
