"""Merge what the scanners found into one :class:`~compliance.model.Inventory`.

The same package named in several files is one component with several occurrences:

* declarations with an exact version (lock entries, ``==`` pins, installed distributions) make
  one component per package URL (name, version and where it comes from);
* a declaration without an exact version (``torch>=2``) joins the exact components of the same
  name that a lockfile beside it (same folder or a parent folder) resolved; failing that, every
  exact component whose version it admits; failing that, it stands as a component of its own
  whose version is unknown and whose constraint is kept;
* a pip constraint only ever adds an occurrence (and a version, when nothing else gives one):
  a constraint alone installs nothing.

Edges recorded by each file are mapped onto the merged components. A manifest beside a lockfile
tells which locked packages are direct.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from packageurl import PackageURL
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from compliance.model import (
    ROOT,
    Component,
    Declaration,
    DeclarationKind,
    Inventory,
    ProjectInfo,
    ScanResult,
    Source,
    SourceKind,
)

#: Ecosystems whose references carry no version ranges to resolve against a lock.
_UNRANGED = frozenset({"huggingface"})
_PURL_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_PURL_SAFE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")


@dataclass(frozen=True, slots=True)
class _Ref:
    result: int
    key: str


def purl_for(ecosystem: str, name: str, version: str | None, source: Source) -> str:
    """Build the package URL for a package: type, canonical name, version and qualifiers that
    say where a non-default artifact comes from."""
    qualifiers: dict[str, str] = {}
    if source.kind is SourceKind.VCS and source.url:
        rev = source.commit or source.revision
        qualifiers["vcs_url"] = f"{source.vcs or 'git'}+{source.url}" + (f"@{rev}" if rev else "")
    elif source.kind is SourceKind.URL and source.url:
        qualifiers["download_url"] = source.url
    elif source.kind is SourceKind.REGISTRY and source.url and not source.is_default_registry:
        key = "channel" if ecosystem == "conda" else "repository_url"
        qualifiers[key] = source.url
    if (not qualifiers and _PURL_SAFE_NAME.match(name)
            and (version is None or _PURL_SAFE_VERSION.match(version))):
        # what packageurl writes for names and versions that need no escaping, 5x faster
        return f"pkg:{ecosystem}/{name}" + (f"@{version}" if version else "")
    return str(PackageURL(type=ecosystem, name=name, version=version,
                          qualifiers=qualifiers or None).to_string())


def _admits(constraint: str | None, version: str) -> bool:
    if not constraint:
        return True
    try:
        return SpecifierSet(constraint).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False  # poetry-style "^1.2" or a conda glob: cannot tell, do not guess


def _near(manifest_dir: str, lock_dir: str) -> bool:
    """True when a lock in ``lock_dir`` can resolve a manifest in ``manifest_dir``."""
    return manifest_dir == lock_dir or manifest_dir.startswith(lock_dir + "/") or lock_dir == ""


def build_inventory(
    root_name: str, results: Iterable[ScanResult], *, files_scanned: int = 0
) -> Inventory:
    """Merge scan results (in a stable order) into an inventory."""
    results = list(results)
    inv = Inventory(root_name=root_name, files_scanned=files_scanned)
    groups: dict[tuple[str, str], list[tuple[_Ref, Declaration]]] = defaultdict(list)
    for i, result in enumerate(results):
        inv.diagnostics.extend(result.diagnostics)
        if result.project and _depth(result.project) < _depth(inv.project):
            inv.project = result.project  # the manifest nearest the root describes the project
        for n, decl in enumerate(result.declarations):
            groups[(decl.ecosystem, decl.canonical)].append((_Ref(i, decl.key or f"#{n}"), decl))

    ref_of: dict[_Ref, list[str]] = {}
    for (ecosystem, name), decls in sorted(groups.items()):
        _merge_group(inv, ecosystem, name, decls, ref_of)

    for i, result in enumerate(results):
        for edge in result.edges:
            targets = ref_of.get(_Ref(i, edge.target), ())
            if edge.source == ROOT:
                inv.direct.update(targets)
                for t in targets:
                    inv.components[t].direct = True
                continue
            for s in ref_of.get(_Ref(i, edge.source), ()):
                deps = inv.dependencies.setdefault(s, set())
                deps.update(t for t in targets if t != s)
    # a manifest naming a package makes its merged component direct
    for comp in inv.components.values():
        if comp.direct:
            inv.direct.add(comp.ref)
    return inv


def _merge_group(
    inv: Inventory,
    ecosystem: str,
    name: str,
    decls: list[tuple[_Ref, Declaration]],
    ref_of: dict[_Ref, list[str]],
) -> None:
    exact: dict[str, Component] = {}
    exact_dirs: dict[str, set[str]] = defaultdict(set)  # ref -> folders of locks naming it
    loose: list[tuple[_Ref, Declaration]] = []
    for ref, decl in decls:
        if decl.version is not None and decl.kind is not DeclarationKind.CONSTRAINT:
            purl = purl_for(ecosystem, name, decl.version, decl.source)
            comp = exact.get(purl)
            if comp is None:
                comp = exact[purl] = Component(
                    ref=purl, ecosystem=ecosystem, name=name, version=decl.version,
                    purl=purl, source=decl.source)
            _absorb(comp, decl)
            exact_dirs[purl].add(posixpath.dirname(decl.location.path))
            ref_of[_Ref(ref.result, ref.key)] = [purl]
        else:
            loose.append((ref, decl))

    standalone: Component | None = None
    pins = [d.version for _, d in loose if d.kind is DeclarationKind.CONSTRAINT and d.version]
    for ref, decl in loose:
        targets: list[Component] = []
        # a version range joins the versions it admits; an unpinned model or dataset reference
        # is not the pinned one (it may resolve to another revision), so it stays apart
        if exact and ecosystem not in _UNRANGED:
            where = posixpath.dirname(decl.location.path)
            targets = [c for c in exact.values()
                       if any(_near(where, lock_dir) for lock_dir in exact_dirs[c.ref])]
            if not targets:
                targets = [c for c in exact.values()
                           if _admits(decl.constraint or _pin(decl), c.version or "")]
        if not targets:
            if decl.kind is DeclarationKind.CONSTRAINT and standalone is None:
                continue  # a constraint alone adds nothing; it may join a requirement below
            if standalone is None:
                version = pins[0] if len(set(pins)) == 1 else None
                purl = purl_for(ecosystem, name, version, decl.source)
                standalone = Component(ref=purl, ecosystem=ecosystem, name=name,
                                       version=version, purl=purl, source=decl.source,
                                       constraint=decl.constraint)
            targets = [standalone]
        for comp in targets:
            _absorb(comp, decl)
        ref_of[_Ref(ref.result, ref.key)] = [c.ref for c in targets]
    # constraints met before the requirement they constrain
    if standalone is not None:
        for ref, decl in loose:
            if decl.kind is DeclarationKind.CONSTRAINT and _Ref(ref.result, ref.key) not in ref_of:
                _absorb(standalone, decl)
                ref_of[_Ref(ref.result, ref.key)] = [standalone.ref]

    for comp in (*exact.values(), *([standalone] if standalone else [])):
        if comp.kinds == {DeclarationKind.CONSTRAINT}:
            continue
        comp.hashes.sort(key=lambda h: (h.alg, h.value))
        comp.occurrences = sorted(dict.fromkeys(comp.occurrences),
                                  key=lambda loc: (loc.path, loc.line or 0))
        comp.licenses = list(dict.fromkeys(comp.licenses))
        inv.components[comp.ref] = comp


def _depth(project: ProjectInfo | None) -> int:
    if project is None:
        return 1 << 30
    return project.location.path.count("/") if project.location else 1 << 29


def _pin(decl: Declaration) -> str | None:
    return f"=={decl.version}" if decl.version else None


def _absorb(comp: Component, decl: Declaration) -> None:
    """Fold one declaration into a component."""
    if decl.kind is not DeclarationKind.CONSTRAINT and decl.scope.rank > comp.scope.rank:
        comp.scope = decl.scope
    if decl.direct:
        comp.direct = True
    comp.occurrences.append(decl.location)  # de-duplicated once the group is merged
    for h in decl.hashes:
        if h not in comp.hashes:
            comp.hashes.append(h)
    more_specific = (
        comp.source.kind is SourceKind.REGISTRY and decl.source.kind is not SourceKind.REGISTRY)
    adds_commit = (comp.source.kind is SourceKind.VCS and decl.source.kind is SourceKind.VCS
                   and comp.source.commit is None and decl.source.commit is not None)
    if more_specific or adds_commit:
        comp.source = decl.source
    if decl.constraint and comp.version is None and comp.constraint is None:
        comp.constraint = decl.constraint
    comp.kinds.add(decl.kind)
    comp.groups.update(decl.groups)
    comp.extras.update(decl.extras)
    if decl.marker:
        comp.markers.add(decl.marker)
    comp.licenses.extend(decl.licenses)  # de-duplicated once the group is merged
    comp.editable = comp.editable or decl.editable
    comp.extra_indexes.update(decl.extra_indexes)
    if decl.component_type != "library":
        comp.component_type = decl.component_type
    if decl.properties:
        comp.properties = tuple(dict.fromkeys((*comp.properties, *decl.properties)))
