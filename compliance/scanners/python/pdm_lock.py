"""``pdm.lock``: PDM's lockfile (format 4.x; the 3.x ``[metadata.files]`` layout is read too).

Each ``[[package]]`` is a resolved package; a package locked with extras is a second entry of
the same name and version with ``extras = [...]``. ``groups`` (written with the
``inherit_metadata`` strategy) says which of the project's groups need it: "default" is the
project's own dependencies (REQUIRED). The lock does not say whether another group is an
optional-dependency group (an extra) or a dev-dependency group, so a group with a usual dev
name (dev, test, lint, docs, ...) is EXCLUDED and any other is OPTIONAL. Without ``groups``
(locks older than PDM 2.11), the scanner reads the ``pyproject.toml`` next to the lock and
walks the lock's graph from the project's requirements (dependencies REQUIRED, extras OPTIONAL,
dev groups EXCLUDED); without one every package is REQUIRED. Dependencies are PEP 508
strings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from compliance.model import (
    DEFAULT_REGISTRY,
    Declaration,
    DeclarationKind,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
    canonical_name,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.python.lockfile import (
    LockBuilder,
    LockEntry,
    dig,
    group_scope,
    is_commit,
    load_toml,
    scopes_from_manifest,
    sibling_text,
    split_requirement,
)

RELOCK = "`pdm lock`"  # how a user regenerates the file
NAME = "python-pdm-lock"
KNOWN_MAJORS = ("3", "4")
class PdmLockScanner(Scanner):
    """Reads ``pdm.lock``."""

    name = NAME

    def wants(self, path: PurePosixPath) -> bool:
        """Only files named ``pdm.lock``."""
        return path.name == "pdm.lock"

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse one ``pdm.lock`` (and, for a lock without groups, its ``pyproject.toml``)."""

        return parse_pdm_lock(file.read_text(), file.path,
                              lambda: sibling_text(file, "pyproject.toml"))


def pdm_group_scope(group: str) -> Scope:
    """The scope a PDM group gives: default REQUIRED, dev-like EXCLUDED, other OPTIONAL."""
    return Scope.REQUIRED if group == "default" else group_scope(group)


def parse_pdm_lock(
    text: str, path: str, manifest: Callable[[], str | None] | None = None
) -> ScanResult:
    """Parse the text of a ``pdm.lock`` found at ``path``. ``manifest`` gives the text of the
    project's ``pyproject.toml``; it is read only when no package records its groups."""
    data, lines = load_toml(text, path, "package", RELOCK)
    out = LockBuilder(path, NAME, RELOCK)
    metadata = data.get("metadata")
    version = dig(metadata, "lock_version")
    if version is None or str(version).split(".")[0] not in KNOWN_MAJORS:
        out.unknown_format("[metadata] lock_version", version, "3.x, 4.x",
                           lines.keys.get(("metadata", "lock_version")))
    legacy_files = dig(metadata, "files")  # lock_version 3.x: "name version" -> [{url, hash}]
    files_by_id: dict[str, Any] = {}
    if isinstance(legacy_files, dict):
        for ident, files in legacy_files.items():
            name, _, ver = str(ident).partition(" ")
            files_by_id[f"{canonical_name(name)} {ver}"] = files
    raw = data.get("package", [])
    if not isinstance(raw, list):
        out.diagnose("'package' is not an array of tables; no package was read", None, "error")
        raw = []

    read: list[tuple[Declaration, Any]] = []
    for i, entry in enumerate(raw):
        line = lines.entry(i, len(raw))
        name = dig(entry, "name")
        if not isinstance(name, str) or not name:
            out.no_name(line)
            continue
        read.append((_declare(out, entry, name, line, files_by_id), entry.get("dependencies")))
    graph = {decl.key: _edges(out, decl, deps) for decl, deps in read}
    if manifest is not None and read and not any(d.groups for d, _ in read):
        pyproject = manifest()
        if pyproject is not None:
            scopes_from_manifest(out, pyproject, [d for d, _ in read], graph,
                                 lambda found, extras, spec: _pick(found, extras, spec or ""),
                                 main="default")
    return out.finish()


def _declare(
    out: LockBuilder, entry: dict[str, Any], name: str, line: int | None,
    files_by_id: dict[str, Any],
) -> Declaration:
    version = entry.get("version")
    if not isinstance(version, str) or not version:
        out.no_version(name, line)
        version = None
    groups = tuple(str(g) for g in entry.get("groups") or () if isinstance(g, str))
    scope = max((pdm_group_scope(g) for g in groups), key=lambda s: s.rank, default=Scope.REQUIRED)
    extras = tuple(sorted(str(e) for e in entry.get("extras") or () if isinstance(e, str)))
    files = entry.get("files")
    if not isinstance(files, list):
        files = files_by_id.get(f"{canonical_name(name)} {version}")
    hash_values = [f.get("hash") for f in files or () if isinstance(f, dict) and "hash" in f]
    source, editable = _source(entry)
    marker = entry.get("marker")
    decl = Declaration(
        name=name,
        location=Location(out.path, line),
        kind=DeclarationKind.LOCK,
        version=version,
        extras=extras,
        marker=marker if isinstance(marker, str) and marker else None,
        scope=scope,
        groups=groups,
        hashes=out.hashes(hash_values, name, line),
        source=source,
        editable=editable,
        key=out.new_key(name, version, extras),
    )
    out.add(decl)
    return decl


def _source(entry: dict[str, Any]) -> tuple[Source, bool]:
    """VCS (``git``/``hg``/``svn``/``bzr`` with ``ref`` and ``revision``), ``url``, ``path``."""
    editable = entry.get("editable") is True
    subdirectory = entry.get("subdirectory") if isinstance(entry.get("subdirectory"), str) else None
    for vcs in ("git", "hg", "svn", "bzr"):
        if isinstance(entry.get(vcs), str):
            ref = entry.get("ref") if isinstance(entry.get("ref"), str) else None
            revision = entry.get("revision")
            commit = revision if is_commit(revision) else None
            return Source(SourceKind.VCS, entry[vcs], vcs=vcs, revision=ref or commit,
                          commit=commit, subdirectory=subdirectory), editable
    if isinstance(entry.get("url"), str):
        return Source(SourceKind.URL, entry["url"], subdirectory=subdirectory), editable
    if isinstance(entry.get("path"), str):
        return Source(SourceKind.PATH, entry["path"], subdirectory=subdirectory), editable
    return DEFAULT_REGISTRY, editable


def _edges(out: LockBuilder, decl: Declaration, deps: object) -> list[str]:
    """Resolve PEP 508 dependency strings to the packages of the lock; return their keys."""
    edges: list[str] = []
    if not isinstance(deps, list):
        return edges
    owner = f"{decl.name!r} {decl.version}" if decl.version else repr(decl.name)
    for text in deps:
        parts = split_requirement(text) if isinstance(text, str) else None
        if parts is None:
            out.diagnose(f"{owner} has a dependency that is not a requirement ({text!r}); "
                         "it was ignored", decl.location.line)
            continue
        name, extras, spec, marker = parts
        found = out.candidates(name)
        if not found:
            note = f" (its marker {marker!r} may leave it out)" if marker else ""
            out.missing(owner, name, decl.location.line, note)
            continue
        for entry in _pick(found, extras, spec):
            out.edge(decl.key, entry.key)
            edges.append(entry.key)
    return edges


def _pick(found: list[LockEntry], extras: tuple[str, ...], spec: str) -> list[LockEntry]:
    """The entry for these extras (else the plain one), of a version the specifier allows."""
    if len(found) == 1:
        return found
    same = [e for e in found if e.extras == extras] or [e for e in found if not e.extras] or found
    if len(same) > 1 and spec and not spec.startswith("@"):
        try:
            allowed = SpecifierSet(spec)
            matching = [e for e in same
                        if e.version is None or allowed.contains(Version(e.version), True)]
            return matching or same
        except (InvalidSpecifier, InvalidVersion):
            return same
    return same


SCANNERS = [PdmLockScanner()]
