"""``poetry.lock``: Poetry's lockfile, formats 1.x and 2.x.

Each ``[[package]]`` is a resolved package. Scope comes from ``category`` (1.x: "main" or
"dev"), or ``groups`` (2.1: "main" plus any dependency groups), and ``optional = true`` marks a
package only the project's extras need. Locks written by Poetry 1.5 to 1.8 (format 2.0) record
neither category nor groups: for those the scanner reads the ``pyproject.toml`` next to the lock
and walks the lock's graph from the project's requirements, as Poetry does when it installs
(main dependencies REQUIRED, extras OPTIONAL, groups EXCLUDED); without a readable pyproject
every package is REQUIRED. Hashes are ``files = [{file, hash}]`` inside the package (2.x) or
``[metadata.files]`` keyed by package name (1.x). ``[package.source]`` says where a package
comes from (``git``, ``url``, ``file``, ``directory``, ``legacy`` index). Edges come from
``[package.dependencies]``. Which packages the project asks for directly is the pyproject
scanner's to say, so no edge starts at the project here and ``direct`` stays unknown.
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
    is_commit,
    load_toml,
    registry,
    scopes_from_manifest,
    sibling_text,
)

RELOCK = "`poetry lock`"  # how a user regenerates the file
NAME = "python-poetry-lock"
KNOWN_VERSIONS = ("1.0", "1.1", "1.2", "2.0", "2.1")


class PoetryLockScanner(Scanner):
    """Reads ``poetry.lock``."""

    name = NAME

    def wants(self, path: PurePosixPath) -> bool:
        """Only files named ``poetry.lock``."""
        return path.name == "poetry.lock"

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse one ``poetry.lock`` (and, for a lock without groups, its ``pyproject.toml``)."""

        return parse_poetry_lock(file.read_text(), file.path,
                                 lambda: sibling_text(file, "pyproject.toml"))


def parse_poetry_lock(
    text: str, path: str, manifest: Callable[[], str | None] | None = None
) -> ScanResult:
    """Parse the text of a ``poetry.lock`` found at ``path``. ``manifest`` gives the text of
    the project's ``pyproject.toml``; it is read only when the lock itself records no scopes
    (format 2.0: neither ``category`` nor ``groups``)."""
    data, lines = load_toml(text, path, "package", RELOCK)
    out = LockBuilder(path, NAME, RELOCK)
    metadata = data.get("metadata")
    version = dig(metadata, "lock-version")
    where = lines.keys.get(("metadata", "lock-version"))
    if version not in KNOWN_VERSIONS:
        out.unknown_format("[metadata] lock-version", version, ", ".join(KNOWN_VERSIONS), where)
    legacy_files = dig(metadata, "files")
    files_by_name: dict[str, Any] = (
        {canonical_name(k): v for k, v in legacy_files.items()}
        if isinstance(legacy_files, dict) else {}
    )
    raw = data.get("package", [])
    if not isinstance(raw, list):
        out.diagnose("'package' is not an array of tables; no package was read", None, "error")
        raw = []

    read: list[tuple[Declaration, dict[str, Any]]] = []
    for i, entry in enumerate(raw):
        line = lines.entry(i, len(raw))
        name = dig(entry, "name")
        if not isinstance(name, str) or not name:
            out.no_name(line)
            continue
        decl = _declare(out, entry, name, line, files_by_name)
        read.append((decl, entry))
    graph = {decl.key: _edges(out, decl, entry.get("dependencies")) for decl, entry in read}
    if manifest is not None and read and not any(
        "category" in entry or "groups" in entry for _, entry in read
    ):
        pyproject = manifest()
        if pyproject is not None:
            scopes_from_manifest(out, pyproject, [d for d, _ in read], graph,
                                 lambda found, _extras, spec: _matching(found, spec))
    return out.finish()


def _declare(
    out: LockBuilder, entry: dict[str, Any], name: str, line: int | None,
    files_by_name: dict[str, Any],
) -> Declaration:
    version = entry.get("version")
    if not isinstance(version, str) or not version:
        out.no_version(name, line)
        version = None
    groups_value = entry.get("groups")
    category = entry.get("category")
    if isinstance(groups_value, list) and groups_value:
        groups = tuple(str(g) for g in groups_value)
        scope = Scope.REQUIRED if "main" in groups else Scope.EXCLUDED
    elif isinstance(category, str):
        groups = (category,)
        scope = Scope.REQUIRED if category == "main" else Scope.EXCLUDED
    else:
        groups, scope = (), Scope.REQUIRED
    if entry.get("optional") is True and scope is Scope.REQUIRED:
        scope = Scope.OPTIONAL
    files = entry.get("files")
    if not isinstance(files, list):
        files = files_by_name.get(canonical_name(name))
    hash_values = [f.get("hash") for f in files or () if isinstance(f, dict) and "hash" in f]
    source, editable = _source(entry.get("source"), entry.get("develop") is True)
    decl = Declaration(
        name=name,
        location=Location(out.path, line),
        kind=DeclarationKind.LOCK,
        version=version,
        marker=_marker(entry.get("markers")),
        scope=scope,
        groups=groups,
        hashes=out.hashes(hash_values, name, line),
        source=source,
        editable=editable,
        key=out.new_key(name, version),
    )
    out.add(decl)
    return decl


def _marker(value: object) -> str | None:
    """``markers`` is a string, or (2.1) a table of group -> marker."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        distinct = list(dict.fromkeys(v for v in value.values() if isinstance(v, str) and v))
        if len(distinct) == 1:
            return distinct[0]
        return " or ".join(f"({m})" for m in distinct) or None
    return None


def _source(src: object, develop: bool) -> tuple[Source, bool]:
    """Map ``[package.source]`` onto the model; also say whether it is editable."""
    if not isinstance(src, dict):
        return DEFAULT_REGISTRY, False
    kind, url = src.get("type"), src.get("url")
    url = url if isinstance(url, str) else None
    if kind == "git":
        reference = src.get("reference") if isinstance(src.get("reference"), str) else None
        resolved = src.get("resolved_reference")
        commit = resolved if is_commit(resolved) else (reference if is_commit(reference) else None)
        subdirectory = src.get("subdirectory") if isinstance(src.get("subdirectory"), str) else None
        return Source(SourceKind.VCS, url, vcs="git", revision=reference or commit,
                      commit=commit, subdirectory=subdirectory), False
    if kind == "url":
        return Source(SourceKind.URL, url), False
    if kind in ("file", "directory"):
        return Source(SourceKind.PATH, url), develop
    if kind in ("legacy", "pypi", "explicit", "supplemental", "primary"):
        return registry(url), False
    return Source(SourceKind.UNKNOWN, url), False


def _edges(out: LockBuilder, decl: Declaration, deps: object) -> list[str]:
    """Resolve ``[package.dependencies]``: name = "constraint" | {version, markers, optional,
    ...} | [several of those, one per environment]. Return the keys depended on."""
    edges: list[str] = []
    if not isinstance(deps, dict):
        return edges
    owner = f"{decl.name!r} {decl.version}" if decl.version else repr(decl.name)
    for dep_name, spec in deps.items():
        specs = spec if isinstance(spec, list) else [spec]
        found = out.candidates(dep_name)
        if not found:
            if not all(dig(s, "optional") is True for s in specs):
                out.missing(owner, dep_name, decl.location.line)
            continue
        targets: dict[str, None] = {}
        for one in specs:
            constraint = one if isinstance(one, str) else dig(one, "version")
            for entry in _matching(found, constraint):
                targets[entry.key] = None
        for key in targets or (e.key for e in found):
            out.edge(decl.key, key)
            edges.append(key)
    return edges


def _matching(found: list[LockEntry], constraint: object) -> list[LockEntry]:
    """The candidates a Poetry constraint allows; all of them when there is one, or when the
    constraint cannot be read."""
    if len(found) == 1 or not isinstance(constraint, str):
        return found
    allowed = [e for e in found if _allows(constraint, e.version)]
    return allowed or found


def _allows(constraint: str, version: str | None) -> bool:
    """Whether a Poetry constraint (PEP 440, ``*``, ``^1.2``, ``~1.2``, ``||``) allows
    ``version``; True when either cannot be read."""
    if version is None:
        return True
    try:
        v = Version(version)
        return any(
            all(_atom(part.strip(), v) for part in alternative.split(","))
            for alternative in constraint.split("||")
        )
    except (InvalidSpecifier, InvalidVersion, ValueError):
        return True


def _atom(part: str, v: Version) -> bool:
    if part in ("", "*"):
        return True
    if part[0] in "^~" and not part.startswith("~="):
        base = Version(part[1:].strip())
        release = list(base.release)
        if part[0] == "^":
            first = next((i for i, n in enumerate(release) if n), len(release) - 1)
            upper = [*release[:first], release[first] + 1]
        else:
            upper = [release[0], release[1] + 1] if len(release) > 1 else [release[0] + 1]
        return base <= v < Version(".".join(map(str, upper)))
    if part[0].isdigit():
        part = "==" + part
    return SpecifierSet(part).contains(v, prereleases=True)


SCANNERS = [PoetryLockScanner()]
