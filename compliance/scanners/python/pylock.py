"""``pylock.toml`` / ``pylock.<name>.toml``: the standard lockfile of PEP 751.

Each ``[[packages]]`` entry names a package with an optional ``version`` (left out for source
trees), where it comes from (``index``, ``vcs``, ``directory``, ``archive``), its ``sdist`` /
``wheels`` / ``archive`` hashes, and ``dependencies`` that identify other entries. Whether a
package is needed only for an extra or a dependency group is said by its ``marker`` through the
``extras`` and ``dependency_groups`` marker variables (``'dev' in dependency_groups``): such a
package is OPTIONAL (an extra) or EXCLUDED (a group only). The lock does not say which packages
the project asks for itself, so no edge starts at the project.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from compliance.model import (
    DEFAULT_REGISTRY,
    Declaration,
    DeclarationKind,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.python.lockfile import LockBuilder, dig, is_commit, load_toml, registry

RELOCK = "the tool that wrote it"  # how a user regenerates the file
NAME = "python-pylock"
KNOWN_VERSIONS = ("1.0",)
_FILE_NAME = re.compile(r"pylock(?:\.[^.]+)?\.toml")
# 'name' in extras / "name" in dependency_groups / extra == 'name' (a negated test gates nothing)
_MARKER_GATE = re.compile(
    r"""(['"])([^'"]+)\1\s+(not\s+)?in\s+(extras|dependency_groups)"""
    r"""|\bextra\s*==\s*(['"])([^'"]+)\5"""
)


class PylockScanner(Scanner):
    """Reads PEP 751 ``pylock.toml`` files."""

    name = NAME

    def wants(self, path: PurePosixPath) -> bool:
        """``pylock.toml`` and ``pylock.<name>.toml``."""
        return _FILE_NAME.fullmatch(path.name) is not None

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse one pylock file."""
        return parse_pylock(file.read_text(), file.path)


def parse_pylock(text: str, path: str) -> ScanResult:
    """Parse the text of a PEP 751 lock found at ``path``."""
    data, lines = load_toml(text, path, "packages", RELOCK)
    out = LockBuilder(path, NAME, RELOCK)
    version = data.get("lock-version")
    if version not in KNOWN_VERSIONS:
        out.unknown_format("lock-version", version, "1.0",
                           lines.keys.get(("", "lock-version")))
    raw = data.get("packages", [])
    if not isinstance(raw, list):
        out.diagnose("'packages' is not an array of tables; no package was read", None, "error")
        raw = []
    read: list[tuple[Declaration, Any]] = []
    for i, entry in enumerate(raw):
        line = lines.entry(i, len(raw))
        name = dig(entry, "name")
        if not isinstance(name, str) or not name:
            out.no_name(line)
            continue
        read.append((_declare(out, entry, name, line), entry.get("dependencies")))
    for decl, deps in read:
        _edges(out, decl, deps)
    return out.finish()


def marker_scope(marker: str | None) -> tuple[Scope, tuple[str, ...]]:
    """The scope a package marker gives, and the extras / groups it names: a marker that asks
    for an extra gives OPTIONAL, one that asks only for dependency groups EXCLUDED."""
    if not marker:
        return Scope.REQUIRED, ()
    extras: list[str] = []
    groups: list[str] = []
    for m in _MARKER_GATE.finditer(marker):
        if m.group(2) is not None:
            if m.group(3) is None:
                (extras if m.group(4) == "extras" else groups).append(m.group(2))
        else:
            extras.append(m.group(6))
    if extras:
        return Scope.OPTIONAL, tuple(dict.fromkeys([*extras, *groups]))
    if groups:
        return Scope.EXCLUDED, tuple(dict.fromkeys(groups))
    return Scope.REQUIRED, ()


def _declare(out: LockBuilder, entry: dict[str, Any], name: str, line: int | None) -> Declaration:
    source, editable = _source(entry)
    version = entry.get("version")
    if not isinstance(version, str) or not version:
        version = None
        if source.kind in (SourceKind.REGISTRY, SourceKind.URL):
            out.no_version(name, line)  # only source trees (vcs, directory) may leave it out
    hash_values: list[object] = []
    for artifact in (entry.get("sdist"), entry.get("archive"), *(entry.get("wheels") or ())):
        hashes = dig(artifact, "hashes")
        if isinstance(hashes, dict):
            hash_values.extend(f"{alg}:{value}" for alg, value in hashes.items())
    marker = entry.get("marker") if isinstance(entry.get("marker"), str) else None
    scope, groups = marker_scope(marker)
    decl = Declaration(
        name=name,
        location=Location(out.path, line),
        kind=DeclarationKind.LOCK,
        version=version,
        marker=marker or None,
        scope=scope,
        groups=groups,
        hashes=out.hashes(hash_values, name, line),
        source=source,
        editable=editable,
        key=out.new_key(name, version),
    )
    out.add(decl, entry)
    return decl


def _source(entry: dict[str, Any]) -> tuple[Source, bool]:
    vcs = entry.get("vcs")
    if isinstance(vcs, dict):
        commit = vcs.get("commit-id")
        requested = vcs.get("requested-revision")
        sub = vcs.get("subdirectory")
        return Source(
            SourceKind.VCS,
            _text(vcs.get("url")) or _text(vcs.get("path")),
            vcs=_text(vcs.get("type")),
            revision=_text(requested) or _text(commit),
            commit=commit if is_commit(commit) else None,
            subdirectory=_text(sub),
        ), False
    directory = entry.get("directory")
    if isinstance(directory, dict):
        return Source(SourceKind.PATH, _text(directory.get("path")),
                      subdirectory=_text(directory.get("subdirectory"))), (
                          directory.get("editable") is True)
    archive = entry.get("archive")
    if isinstance(archive, dict):
        if _text(archive.get("url")):
            return Source(SourceKind.URL, archive["url"],
                          subdirectory=_text(archive.get("subdirectory"))), False
        return Source(SourceKind.PATH, _text(archive.get("path"))), False
    index = _text(entry.get("index"))
    if index:
        return registry(index), False
    artifacts = [a for a in (entry.get("sdist"), *(entry.get("wheels") or ()))
                 if isinstance(a, dict)]
    if artifacts and all(_text(a.get("path")) and not _text(a.get("url")) for a in artifacts):
        return Source(SourceKind.PATH, artifacts[0]["path"]), False
    return DEFAULT_REGISTRY, False


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _edges(out: LockBuilder, decl: Declaration, deps: object) -> None:
    """``dependencies = [{name = ..., version? = ..., ...}]``: the keys given identify the
    entry (PEP 751 adds as many as it takes to tell entries of one name apart)."""
    if not isinstance(deps, list):
        return
    owner = f"{decl.name!r} {decl.version}" if decl.version else repr(decl.name)
    for dep in deps:
        name = dig(dep, "name")
        if not isinstance(name, str):
            out.diagnose(f"{owner} has a dependency entry without a name; it was ignored",
                         decl.location.line)
            continue
        found = out.candidates(name)
        for key, value in dep.items():
            if len(found) <= 1:
                break
            if key != "name":
                found = [e for e in found if dig(e.source, key) == value]
        if not found:
            wanted = f"{name} {dep['version']}" if isinstance(dep.get("version"), str) else name
            out.missing(owner, wanted, decl.location.line)
            continue
        for entry in found:
            out.edge(decl.key, entry.key)


SCANNERS = [PylockScanner()]
