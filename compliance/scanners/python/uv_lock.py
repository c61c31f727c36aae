"""``uv.lock``: uv's universal lockfile.

Every ``[[package]]`` is a resolved package with its source (registry, git, url, path,
directory, editable, virtual), sdist and wheel hashes, and dependency lists. The package whose
source is ``editable = "."`` or ``virtual = "."`` is the project itself: it is not a component,
its ``dependencies`` / ``optional-dependencies`` / ``dev-dependencies`` are the project's direct
requirements, and scopes follow the lock's graph from there: what a required direct dependency
reaches is REQUIRED, what only an extra reaches is OPTIONAL, what only a dev group reaches is
EXCLUDED. A virtual workspace (no project at ".") uses its ``[manifest] members`` instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from compliance.model import (
    DEFAULT_REGISTRY,
    ROOT,
    Declaration,
    DeclarationKind,
    Location,
    ProjectInfo,
    ScanResult,
    Source,
    SourceKind,
    canonical_name,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.python.lockfile import (
    Label,
    LockBuilder,
    dig,
    is_commit,
    load_toml,
    reach,
    registry,
    scope_of,
)

RELOCK = "`uv lock`"  # how a user regenerates the file
NAME = "python-uv-lock"
KNOWN_VERSIONS = (1,)

# A node of the scope walk: a package key and one of its extras (None: the package itself).
_Node = tuple[str, str | None]
# A resolved dependency: the target key and the extras it asks of the target.
_Target = tuple[str, tuple[str, ...]]


@dataclass(slots=True)
class _Package:
    key: str
    declaration: Declaration | None  # None for the project itself
    requires: list[_Target] = field(default_factory=list)
    extras: dict[str, list[_Target]] = field(default_factory=dict)
    groups: dict[str, list[_Target]] = field(default_factory=dict)


class UvLockScanner(Scanner):
    """Reads ``uv.lock``."""

    name = NAME

    def wants(self, path: PurePosixPath) -> bool:
        """Only files named ``uv.lock``."""
        return path.name == "uv.lock"

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse one ``uv.lock``."""
        return parse_uv_lock(file.read_text(), file.path)


def parse_uv_lock(text: str, path: str) -> ScanResult:
    """Parse the text of a ``uv.lock`` found at ``path``."""
    data, lines = load_toml(text, path, "package", RELOCK)
    out = LockBuilder(path, NAME, RELOCK)
    version = data.get("version")
    if version not in KNOWN_VERSIONS:
        out.unknown_format("top-level version", version, "1", lines.keys.get(("", "version")))
    raw = data.get("package", [])
    if not isinstance(raw, list):
        out.diagnose("'package' is not an array of tables; no package was read", None, "error")
        raw = []

    packages: dict[str, _Package] = {}
    pending: list[tuple[_Package, dict[str, Any], int | None]] = []
    root: _Package | None = None
    for i, entry in enumerate(raw):
        line = lines.entry(i, len(raw))
        name = dig(entry, "name")
        if not isinstance(name, str) or not name:
            out.no_name(line)
            continue
        src = entry.get("source")
        if root is None and (dig(src, "editable") == "." or dig(src, "virtual") == "."):
            root = _Package(ROOT, None)
            out.index(ROOT, name, _str(entry.get("version")), source=src)
            out.result.project = ProjectInfo(name, _str(entry.get("version")),
                                             location=Location(path, line))
            pending.append((root, entry, line))
            continue
        decl = _declare(out, entry, name, line)
        pkg = packages[decl.key] = _Package(decl.key, decl)
        pending.append((pkg, entry, line))

    for pkg, entry, line in pending:
        owner = "the project" if pkg.declaration is None else _describe(pkg.declaration)
        pkg.requires = _resolve(out, entry.get("dependencies"), owner, line)
        for table, into in (("optional-dependencies", pkg.extras),
                            ("dev-dependencies", pkg.groups)):
            groups = entry.get(table)
            for group, deps in groups.items() if isinstance(groups, dict) else ():
                into[group] = _resolve(out, deps, owner, line)
        for target, _ in [*pkg.requires, *_flatten(pkg.extras), *_flatten(pkg.groups)]:
            out.edge(pkg.key, target)

    seeds = _seeds(out, root, data, packages)
    _assign_scopes(packages, root, seeds)
    return out.finish()


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _describe(decl: Declaration) -> str:
    return f"{decl.name!r} {decl.version}" if decl.version else repr(decl.name)


def _declare(out: LockBuilder, entry: dict[str, Any], name: str, line: int | None) -> Declaration:
    version = _str(entry.get("version"))
    src = entry.get("source")
    source, editable = _source(src)
    if version is None and source.kind in (SourceKind.REGISTRY, SourceKind.URL, SourceKind.VCS):
        out.no_version(name, line)  # local sources may have a dynamic version; these may not
    hash_values: list[object] = []
    sdist = entry.get("sdist")
    if isinstance(sdist, dict) and "hash" in sdist:
        hash_values.append(sdist["hash"])
    for wheel in entry.get("wheels") or ():
        if isinstance(wheel, dict) and "hash" in wheel:
            hash_values.append(wheel["hash"])
    markers = [m for m in entry.get("resolution-markers") or () if isinstance(m, str)]
    marker = markers[0] if len(markers) == 1 else (
        " or ".join(f"({m})" for m in markers) if markers else None)
    decl = Declaration(
        name=name,
        location=Location(out.path, line),
        kind=DeclarationKind.LOCK,
        version=version,
        marker=marker,
        hashes=out.hashes(hash_values, name, line),
        source=source,
        editable=editable,
        key=out.new_key(name, version),
    )
    out.add(decl, src)
    return decl


def _source(src: object) -> tuple[Source, bool]:
    """Map uv's ``source = {...}`` onto the model; also say whether it is editable."""
    if not isinstance(src, dict):
        return DEFAULT_REGISTRY, False
    if isinstance(src.get("registry"), str):
        return registry(src["registry"]), False
    if isinstance(src.get("git"), str):
        return _git(src["git"]), False
    if isinstance(src.get("url"), str):
        return Source(SourceKind.URL, src["url"], subdirectory=_str(src.get("subdirectory"))), False
    for key in ("editable", "path", "directory", "virtual"):
        if isinstance(src.get(key), str):
            return Source(SourceKind.PATH, src[key]), key == "editable"
    return Source(SourceKind.UNKNOWN), False


def _git(url: str) -> Source:
    """``https://host/repo?rev=v1#<commit>`` (``rev``/``tag``/``branch``, ``subdirectory``)."""
    parts = urlsplit(url.removeprefix("git+"))
    query = parse_qs(parts.query)
    revision = next((query[k][0] for k in ("rev", "tag", "branch") if k in query), None)
    commit = parts.fragment if is_commit(parts.fragment) else None
    repo = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    subdirectory = query["subdirectory"][0] if "subdirectory" in query else None
    return Source(SourceKind.VCS, repo, vcs="git", revision=revision or commit, commit=commit,
                  subdirectory=subdirectory)


def _resolve(out: LockBuilder, deps: object, owner: str, line: int | None) -> list[_Target]:
    """Resolve ``[{ name, version?, source?, extra? }]`` to keys of this lock."""
    targets: list[_Target] = []
    if not isinstance(deps, list):
        return targets
    for dep in deps:
        name = dig(dep, "name")
        if not isinstance(name, str):
            out.diagnose(f"{owner} has a dependency entry without a name; it was ignored", line)
            continue
        found = out.candidates(name)
        if len(found) > 1 and "version" in dep:
            found = [c for c in found if c.version == dep["version"]]
        if len(found) > 1 and "source" in dep:
            found = [c for c in found if c.source == dep["source"]]
        if not found:
            wanted = f"{name} {dep['version']}" if isinstance(dep.get("version"), str) else name
            out.missing(owner, wanted, line)
            continue
        extras = tuple(e for e in dep.get("extra") or () if isinstance(e, str))
        targets.extend((c.key, extras) for c in found)
    return targets


def _flatten(lists: dict[str, list[_Target]]) -> list[_Target]:
    return [t for targets in lists.values() for t in targets]


def _seeds(
    out: LockBuilder, root: _Package | None, data: dict[str, Any], packages: dict[str, _Package]
) -> list[_Package]:
    """Where scopes start: the project, else the members of a virtual workspace."""
    if root is not None:
        for target, _ in [*root.requires, *_flatten(root.extras), *_flatten(root.groups)]:
            decl = packages[target].declaration if target in packages else None
            if decl is not None:
                decl.direct = True
        for pkg in packages.values():
            if pkg.declaration is not None and pkg.declaration.direct is None:
                pkg.declaration.direct = False
        return [root]
    members = {canonical_name(m) for m in dig(data.get("manifest"), "members") or ()
               if isinstance(m, str)}
    seeds = [p for p in packages.values()
             if p.declaration is not None and p.declaration.canonical in members]
    for pkg in seeds:
        out.edge(ROOT, pkg.key)
        if pkg.declaration is not None:
            pkg.declaration.direct = True
    return seeds


def _assign_scopes(
    packages: dict[str, _Package], root: _Package | None, seeds: list[_Package]
) -> None:
    """Walk the graph from the seeds (and from every workspace member's dev groups) and give
    each package the strongest scope that reaches it. A node is a package with one of its
    extras (or none), so an extra pulls in only its own optional dependencies. Packages
    nothing reaches stay REQUIRED: the lock holds them for a reason this scan cannot see, and
    a compliance report should not play them down."""
    if not seeds:
        return
    everything = dict(packages)
    if root is not None:
        everything[ROOT] = root
    start: list[tuple[_Node, Label]] = []

    def nodes(targets: list[_Target]) -> Iterator[_Node]:
        for key, extras in targets:
            yield key, None
            for extra in extras:
                yield key, extra

    def step(node: _Node) -> Iterator[_Node]:
        pkg = everything.get(node[0])
        if pkg is not None:
            yield from nodes(pkg.requires if node[1] is None else pkg.extras.get(node[1], []))

    for seed in seeds:
        start.append(((seed.key, None), None))
        for name, targets in seed.extras.items():
            start.extend((n, ("extra", name)) for n in nodes(targets))
    for member in (*seeds, *packages.values()):  # every workspace member's dev groups
        for name, targets in member.groups.items():
            start.extend((n, ("group", name)) for n in nodes(targets))

    labels: dict[str, set[Label]] = {}
    for (key, _), found in reach(start, step).items():
        labels.setdefault(key, set()).update(found)
    for key, pkg in packages.items():
        if pkg.declaration is not None and key in labels:
            pkg.declaration.scope, pkg.declaration.groups = scope_of(labels[key])


SCANNERS = [UvLockScanner()]
