"""``pyproject.toml`` -> declarations: PEP 621, PEP 735, Poetry, PDM and uv.

What is read, and the scope each part gets:

* ``[build-system] requires``: EXCLUDED, group ``build-system`` (needed to build, not shipped).
* ``[project] dependencies``: REQUIRED. ``[project.optional-dependencies]``: OPTIONAL, with the
  extra as group. A self-reference (``myproj[test]`` inside ``myproj``'s own extras) adds no
  component; it adds the referring extra to the groups of the entries it pulls in.
* ``[dependency-groups]`` (PEP 735): EXCLUDED for dev / test / lint / docs / typing style names,
  OPTIONAL otherwise. ``{include-group = "x"}`` is resolved: an entry of ``x`` also carries the
  names of the groups that include it. A cycle is reported and the closing include ignored.
* ``[tool.poetry.dependencies]`` (``python`` skipped): REQUIRED, or OPTIONAL for
  ``optional = true`` (with the ``[tool.poetry.extras]`` naming it as groups).
  ``[tool.poetry.dev-dependencies]`` and ``[tool.poetry.group.<g>.dependencies]``: EXCLUDED
  unless the group is ``main`` (an ``optional = true`` group stays EXCLUDED). Poetry constraint
  strings are kept as written (``^2.1``); a bare version (``2.1.0``) is exact, as in Poetry.
* ``[tool.pdm.dev-dependencies]`` and ``[tool.uv] dev-dependencies``: EXCLUDED.
* ``[tool.uv.sources]`` changes the source of the matching PEP 621 / PEP 735 / uv declarations
  (git, url, path, a named ``[[tool.uv.index]]``, a workspace member). When a package has
  several marker-selected sources the first is recorded.

Every declaration is direct and gets an ``Edge(ROOT, key)``; its key is the TOML path where it
is written (``project.dependencies[0]``). Lines come from :class:`TomlLines`, which indexes the
text because ``tomllib`` gives no positions.
"""

from __future__ import annotations

import bisect
import contextlib
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

from packaging.version import InvalidVersion, Version

from compliance.errors import ParseError
from compliance.model import (
    DEFAULT_REGISTRY,
    ROOT,
    Declaration,
    Diagnostic,
    Edge,
    Location,
    ProjectInfo,
    ScanResult,
    Scope,
    Source,
    SourceKind,
    canonical_name,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.python.pep508 import parse_requirement, source_from_url

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

TomlPath = tuple[str | int, ...]

# ---------------------------------------------------------------------------------------------
# Line index for TOML text
# ---------------------------------------------------------------------------------------------

_NEWLINE = re.compile(r"\n")
_SKIP = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
_INLINE_WS = re.compile(r"[ \t]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_LITERAL = re.compile(r"'[^'\n]*'")
_ML_BASIC = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""(?:"{1,2}(?!"))?', re.S)
_ML_LITERAL = re.compile(r"'''(?:[^']|'(?!''))*'''(?:'{1,2}(?!'))?", re.S)
_SCALAR = re.compile(r"[^,\]}\r\n#]+")
_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)\s*$")


class _Unexpected(Exception):
    """The text does not look like the TOML the index expects (it gives up quietly)."""


class TomlLines:
    """The 1-based line of every key, table header and array item of a TOML document.

    Paths are tuples of keys and array indices as ``tomllib`` would nest them:
    ``("project", "dependencies", 2)`` is the third dependency string, and
    ``("tool", "poetry", "source", 0, "name")`` the ``name`` key of the first
    ``[[tool.poetry.source]]``.
    Only meant for text ``tomllib`` has accepted; on anything it does not follow it stops, and
    the paths not reached have no line.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines = [m.start() for m in _NEWLINE.finditer(text)]
        self._pos = 0
        self._lines: dict[TomlPath, int] = {}
        with contextlib.suppress(_Unexpected, IndexError, ValueError, RecursionError):
            self._document()

    def line(self, *path: str | int) -> int | None:
        """The line where ``path`` is written; else the line of its nearest written parent."""
        while path:
            found = self._lines.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return None

    # -- the walk -------------------------------------------------------------------------
    def _line_of(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def _record(self, path: TomlPath, offset: int, implicit: bool = False) -> None:
        if implicit:
            self._lines.setdefault(path, self._line_of(offset))
        else:
            self._lines[path] = self._line_of(offset)

    def _skip(self) -> None:
        m = _SKIP.match(self._text, self._pos)
        if m:
            self._pos = m.end()

    def _ws(self) -> None:
        m = _INLINE_WS.match(self._text, self._pos)
        if m:
            self._pos = m.end()

    def _match(self, pattern: re.Pattern[str]) -> str:
        m = pattern.match(self._text, self._pos)
        if not m:
            raise _Unexpected
        self._pos = m.end()
        return m.group()

    def _document(self) -> None:
        text, size = self._text, len(self._text)
        table: TomlPath = ()
        aot_next: dict[TomlPath, int] = {}
        aot_last: dict[TomlPath, int] = {}
        while True:
            self._skip()
            if self._pos >= size:
                return
            start = self._pos
            if text.startswith("[[", start):
                self._pos += 2
                keys = self._key()
                self._pos = text.index("]]", self._pos) + 2
                full = (*self._resolve(keys[:-1], aot_last, start), keys[-1])
                index = aot_next.get(full, 0)
                aot_next[full] = index + 1
                aot_last[full] = index
                self._record(full, start, implicit=True)
                table = (*full, index)
                self._record(table, start)
            elif text[start] == "[":
                self._pos += 1
                keys = self._key()
                self._pos = text.index("]", self._pos) + 1
                table = self._resolve(keys, aot_last, start)
                self._record(table, start)
            else:
                self._keyval(table)

    def _resolve(
        self, keys: tuple[str, ...], aot_last: dict[TomlPath, int], offset: int
    ) -> TomlPath:
        path: TomlPath = ()
        for key in keys:
            path = (*path, key)
            self._record(path, offset, implicit=True)
            if path in aot_last:
                path = (*path, aot_last[path])
        return path

    def _key(self) -> tuple[str, ...]:
        keys: list[str] = []
        while True:
            self._ws()
            char = self._text[self._pos]
            if char == '"':
                keys.append(_decode_basic(self._match(_BASIC)))
            elif char == "'":
                keys.append(self._match(_LITERAL)[1:-1])
            else:
                keys.append(self._match(_BARE_KEY))
            self._ws()
            if self._text.startswith(".", self._pos):
                self._pos += 1
                continue
            return tuple(keys)

    def _keyval(self, prefix: TomlPath) -> None:
        start = self._pos
        keys = self._key()
        if not self._text.startswith("=", self._pos):
            raise _Unexpected
        self._pos += 1
        for depth in range(1, len(keys)):
            self._record((*prefix, *keys[:depth]), start, implicit=True)
        path = (*prefix, *keys)
        self._record(path, start)
        self._ws()
        self._value(path)

    def _value(self, path: TomlPath) -> None:
        text, pos = self._text, self._pos
        char = text[pos]
        if char == '"':
            self._match(_ML_BASIC if text.startswith('"""', pos) else _BASIC)
        elif char == "'":
            self._match(_ML_LITERAL if text.startswith("'''", pos) else _LITERAL)
        elif char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        else:
            self._match(_SCALAR)

    def _array(self, path: TomlPath) -> None:
        self._pos += 1
        index = 0
        while True:
            self._skip()
            if self._text[self._pos] == "]":
                self._pos += 1
                return
            item = (*path, index)
            self._record(item, self._pos)
            self._value(item)
            self._skip()
            if self._text[self._pos] == ",":
                self._pos += 1
            index += 1

    def _inline_table(self, path: TomlPath) -> None:
        self._pos += 1
        while True:
            self._skip()
            if self._text[self._pos] == "}":
                self._pos += 1
                return
            self._keyval(path)
            self._skip()
            if self._text[self._pos] == ",":
                self._pos += 1


def _decode_basic(raw: str) -> str:
    if "\\" not in raw:
        return raw[1:-1]
    value = tomllib.loads(f"k = {raw}")["k"]
    return value if isinstance(value, str) else raw[1:-1]


def load_toml(path: str, text: str) -> dict[str, Any]:
    """Parse TOML text, raising :class:`ParseError` with the line the parser stopped at."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message = str(e).splitlines()[0] if str(e) else "invalid TOML"
        line = getattr(e, "lineno", None)
        m = _TOML_AT.search(message)
        if m:
            message = message[: m.start()]
            if line is None:
                line = int(m.group(1)) if m.group(1) else text.count("\n") + 1
        raise ParseError(path, f"is not valid TOML: {message}", line) from e
    except RecursionError as e:
        raise ParseError(path, "is not valid TOML: values are nested too deeply") from e


# ---------------------------------------------------------------------------------------------
# Scopes of named groups
# ---------------------------------------------------------------------------------------------

_DEV_WORDS = frozenset({
    "dev", "devel", "develop", "development", "test", "tests", "testing", "lint", "lints",
    "linting", "linter", "linters", "docs", "doc", "documentation", "typing", "types",
    "typecheck", "mypy", "pyright", "style", "format", "formatting", "fmt", "check", "checks",
    "ci", "qa", "bench", "benchmark", "benchmarks", "coverage", "cov", "precommit",
    "pre-commit", "release", "tox", "nox", "debug", "profiling",
})
_GROUP_WORD = re.compile(r"[-_.]+")


def group_scope(name: str) -> Scope:
    """EXCLUDED for a dependency group named for development work (``dev``, ``test-gpu``,
    ``docs``, ``lint``, ``typing``...), OPTIONAL for any other group name."""
    canonical = canonical_name(name)
    if canonical in _DEV_WORDS or any(w in _DEV_WORDS for w in _GROUP_WORD.split(canonical)):
        return Scope.EXCLUDED
    return Scope.OPTIONAL


def _stronger(a: Scope, b: Scope) -> Scope:
    return a if a.rank >= b.rank else b


# ---------------------------------------------------------------------------------------------
# The scan
# ---------------------------------------------------------------------------------------------

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_POETRY_KEYS = frozenset({
    "version", "optional", "extras", "markers", "python", "platform", "source", "git", "rev",
    "tag", "branch", "subdirectory", "path", "develop", "url", "allow-prereleases",
    "allows-prereleases",
})
_UV_SOURCE_KEYS = frozenset({
    "git", "rev", "tag", "branch", "subdirectory", "url", "path", "editable", "package",
    "index", "workspace", "marker", "extra", "group", "lfs",
})


@dataclass
class _Scan:
    """State of one pyproject scan: the file, its line index, what was found so far."""

    path: str
    lines: TomlLines
    scanner: str
    result: ScanResult = field(default_factory=ScanResult)
    project_name: str | None = None
    # canonical names of declarations a [tool.uv.sources] entry may change -> declarations
    uv_targets: dict[str, list[Declaration]] = field(default_factory=dict)
    # requirements on the project itself (``proj[gpu]``): resolved at the end, never emitted
    self_refs: list[Declaration] = field(default_factory=list)

    def at(self, *path: str | int) -> Location:
        return Location(self.path, self.lines.line(*path))

    def diag(self, message: str, path: TomlPath, severity: str = "error") -> None:
        self.result.diagnostics.append(
            Diagnostic(self.path, message, self.lines.line(*path), severity, self.scanner)
        )

    def add(self, decl: Declaration, key: str) -> Declaration:
        decl.key = key
        self.result.declarations.append(decl)
        self.result.edges.append(Edge(ROOT, key))
        return decl

    def requirement(
        self,
        text: Any,
        path: TomlPath,
        where: str,
        scope: Scope,
        groups: tuple[str, ...],
    ) -> Declaration | None:
        """Parse one PEP 508 string at ``path``; a diagnostic (and None) when it is not one.
        A requirement on the project itself is kept aside (None) for
        :func:`_resolve_self_references`."""
        if not isinstance(text, str):
            self.diag(f"{where}: entry {text!r} is not a requirement string; skipped", path)
            return None
        try:
            decl = parse_requirement(text, self.at(*path), scope=scope, groups=groups)
        except ParseError as e:
            detail = e.detail.splitlines()[0]
            self.diag(f"{where}: {detail}; this entry is skipped", path)
            return None
        if self.project_name is not None and decl.canonical == self.project_name:
            decl.key = _key(path)
            self.self_refs.append(decl)
            return None
        return self.add(decl, _key(path))

    def requirement_list(
        self,
        value: Any,
        path: TomlPath,
        where: str,
        scope: Scope,
        groups: tuple[str, ...],
    ) -> list[Declaration]:
        """Parse an array of PEP 508 strings; diagnostics for what is not."""
        if not isinstance(value, list):
            self.diag(f"{where} must be an array of requirement strings; it is not read", path)
            return []
        found = []
        for index, item in enumerate(value):
            decl = self.requirement(item, (*path, index), where, scope, groups)
            if decl is not None:
                found.append(decl)
        return found


def _key(path: TomlPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if _BARE_KEY.fullmatch(part) else f'"{part}"'
            out = f"{out}.{text}" if out else text
    return out


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class PyprojectScanner(Scanner):
    """Reads the dependencies a ``pyproject.toml`` declares, whichever tool's tables hold them."""

    name = "python-pyproject"

    def wants(self, path: PurePosixPath) -> bool:
        """``pyproject.toml`` anywhere in the tree."""
        return path.name == "pyproject.toml"

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse the file; invalid TOML raises :class:`ParseError`, odd entries give diagnostics."""
        text = file.read_text()
        doc = load_toml(file.path, text)
        scan = _Scan(file.path, TomlLines(text), self.name)
        project = _table(doc.get("project"))
        tool = _table(doc.get("tool"))
        poetry = _table(tool.get("poetry"))
        scan.result.project = _project_info(scan, project, poetry)
        if scan.result.project is not None:
            scan.project_name = canonical_name(scan.result.project.name)

        build = _table(doc.get("build-system"))
        if "requires" in build:
            scan.requirement_list(build["requires"], ("build-system", "requires"),
                                  "[build-system] requires", Scope.EXCLUDED, ("build-system",))
        _pep621(scan, project)
        if "dependency-groups" in doc:
            _dependency_groups(scan, doc["dependency-groups"])
        uv = _table(tool.get("uv"))
        if "dev-dependencies" in uv:
            for decl in scan.requirement_list(
                uv["dev-dependencies"], ("tool", "uv", "dev-dependencies"),
                "[tool.uv] dev-dependencies", Scope.EXCLUDED, ("dev",),
            ):
                scan.uv_targets.setdefault(decl.canonical, []).append(decl)
        _pdm(scan, _table(tool.get("pdm")))
        if poetry:
            _Poetry(scan, poetry).read()
        if "sources" in uv:
            _uv_sources(scan, uv)
        _resolve_self_references(scan)
        return scan.result


def _project_info(
    scan: _Scan, project: dict[str, Any], poetry: dict[str, Any]
) -> ProjectInfo | None:
    for table, prefix in ((project, ("project",)), (poetry, ("tool", "poetry"))):
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            continue
        dynamic = table.get("dynamic") if prefix == ("project",) else None
        version = table.get("version")
        if not isinstance(version, str) or (isinstance(dynamic, list) and "version" in dynamic):
            version = None
        description = table.get("description")
        return ProjectInfo(
            name=name.strip(),
            version=version,
            license=_license(table.get("license")),
            description=description if isinstance(description, str) else None,
            location=scan.at(*prefix, "name"),
        )
    return None


def _license(value: Any) -> str | None:
    """PEP 639 / poetry string, or PEP 621 ``{text = ...}``; ``{file = ...}`` gives None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict) and isinstance(value.get("text"), str) and value["text"].strip():
        return str(value["text"]).strip()
    return None


def _pep621(scan: _Scan, project: dict[str, Any]) -> None:
    def read(value: Any, path: TomlPath, where: str, scope: Scope, groups: tuple[str, ...]) -> None:
        for decl in scan.requirement_list(value, path, where, scope, groups):
            scan.uv_targets.setdefault(decl.canonical, []).append(decl)

    if "dependencies" in project:
        read(project["dependencies"], ("project", "dependencies"), "[project] dependencies",
             Scope.REQUIRED, ())
    optional = project.get("optional-dependencies")
    if optional is not None and not isinstance(optional, dict):
        scan.diag("[project.optional-dependencies] must be a table of extras; it is not read",
                  ("project", "optional-dependencies"))
    for extra, value in _table(optional).items():
        read(value, ("project", "optional-dependencies", extra),
             f"[project.optional-dependencies] {extra}", Scope.OPTIONAL, (extra,))


def _resolve_self_references(scan: _Scan) -> None:
    """``proj[gpu]`` inside ``proj`` (in an extra, a dependency group, dev-dependencies) adds no
    component: the entries of extra ``gpu`` join the referrer's groups, and its scope when
    stronger. Followed to a fixed point, so chains of extras resolve."""
    if not scan.self_refs:
        return
    by_extra: dict[str, list[Declaration]] = {}
    for decl in (*scan.result.declarations, *scan.self_refs):  # refs too: chains propagate
        if decl.key.startswith("project.optional-dependencies") and decl.groups:
            by_extra.setdefault(canonical_name(decl.groups[0]), []).append(decl)
    changed = True
    while changed:  # groups only grow and scopes only rise: this ends
        changed = False
        for ref in scan.self_refs:
            for extra in ref.extras:
                for decl in by_extra.get(canonical_name(extra), ()):
                    new_groups = tuple(dict.fromkeys(decl.groups + ref.groups))
                    new_scope = _stronger(decl.scope, ref.scope)
                    if new_groups != decl.groups or new_scope is not decl.scope:
                        decl.groups, decl.scope, changed = new_groups, new_scope, True


def _dependency_groups(scan: _Scan, value: Any) -> None:
    """PEP 735 groups, with ``{include-group = ...}`` resolved and cycles reported."""
    base: TomlPath = ("dependency-groups",)
    if not isinstance(value, dict):
        scan.diag("[dependency-groups] must be a table of named lists; it is not read", base)
        return
    by_canonical = {canonical_name(g): g for g in value}
    includes: dict[str, list[tuple[str, TomlPath]]] = {g: [] for g in value}
    literals: dict[str, list[tuple[int, str]]] = {g: [] for g in value}
    for group, items in value.items():
        where = f"[dependency-groups] {group}"
        if not isinstance(items, list):
            scan.diag(f"{where} must be an array; it is not read", (*base, group))
            continue
        for index, item in enumerate(items):
            path = (*base, group, index)
            if isinstance(item, str):
                literals[group].append((index, item))
            elif isinstance(item, dict) and list(item) == ["include-group"] and isinstance(
                item["include-group"], str
            ):
                target = by_canonical.get(canonical_name(item["include-group"]))
                if target is None:
                    scan.diag(f"{where} includes group {item['include-group']!r}, which is not "
                              "defined in [dependency-groups]; the include is ignored", path)
                else:
                    includes[group].append((target, path))
            else:
                scan.diag(f"{where}: entry {item!r} is neither a requirement string nor "
                          "{include-group = \"name\"}; skipped", path)
    kept = _acyclic_includes(scan, includes)
    for group, entries in literals.items():
        includers = _reaching(group, kept)
        scope = group_scope(group)
        for other in includers:
            scope = _stronger(scope, group_scope(other))
        groups = (group, *sorted(includers))
        for index, text in entries:
            decl = scan.requirement(text, (*base, group, index), f"[dependency-groups] {group}",
                                    scope, groups)
            if decl is not None:
                scan.uv_targets.setdefault(decl.canonical, []).append(decl)


def _acyclic_includes(
    scan: _Scan, includes: dict[str, list[tuple[str, TomlPath]]]
) -> dict[str, list[str]]:
    """Depth-first walk of the include graph; an include that closes a cycle is reported and
    dropped. Iterative, so a long chain of groups cannot exhaust the stack."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    kept: dict[str, list[str]] = {g: [] for g in includes}
    for root in includes:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(includes[root]))]
        while stack:
            group, pending = stack[-1]
            for target, path in pending:
                if state.get(target) == 1:
                    what = "itself" if target == group else f"{target!r}, which leads back to it"
                    scan.diag(f"[dependency-groups] {group} includes {what} (an include-group "
                              "cycle); this include is ignored", path)
                    continue
                kept[group].append(target)
                if target not in state:
                    state[target] = 1
                    stack.append((target, iter(includes[target])))
                    break
            else:
                state[group] = 2
                stack.pop()
    return kept


def _reaching(group: str, edges: dict[str, list[str]]) -> set[str]:
    """Groups other than ``group`` that include it, directly or through other groups."""
    parents: dict[str, list[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            parents.setdefault(target, []).append(source)
    seen: set[str] = set()
    todo = [group]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen and parent != group:
                seen.add(parent)
                todo.append(parent)
    return seen


def _pdm(scan: _Scan, pdm: dict[str, Any]) -> None:
    if "dev-dependencies" not in pdm:
        return
    base: TomlPath = ("tool", "pdm", "dev-dependencies")
    table = pdm["dev-dependencies"]
    if not isinstance(table, dict):
        scan.diag("[tool.pdm.dev-dependencies] must be a table of named lists; it is not read",
                  base)
        return
    for group, items in table.items():
        where = f"[tool.pdm.dev-dependencies] {group}"
        if not isinstance(items, list):
            scan.diag(f"{where} must be an array; it is not read", (*base, group))
            continue
        for index, item in enumerate(items):
            path = (*base, group, index)
            editable = isinstance(item, str) and item.startswith("-e ")
            text = item[3:].strip() if editable else item
            decl = (_egg_url(scan, text, path, (group,)) if editable else None) or scan.requirement(
                text, path, where, Scope.EXCLUDED, (group,)
            )
            if decl is not None and editable:
                decl.editable = True


_EGG = re.compile(r"#(?:.*&)?egg=([A-Za-z0-9._-]+)")


def _egg_url(scan: _Scan, text: str, path: TomlPath, groups: tuple[str, ...]) -> Declaration | None:
    """PDM's ``-e file:///${PROJECT_ROOT}/pkg#egg=pkg`` form (a URL naming its egg)."""
    m = _EGG.search(text)
    if "://" not in text or m is None:
        return None
    url = text[: text.index("#")]
    source = source_from_url(url)
    if url.startswith("file:"):
        local = url.removeprefix("file://")
        local = local.removeprefix("/${PROJECT_ROOT}/").removeprefix("${PROJECT_ROOT}/")
        source = Source(SourceKind.PATH, local)
    decl = Declaration(name=m.group(1), location=scan.at(*path), scope=Scope.EXCLUDED,
                       groups=groups, source=source, direct=True, editable=True)
    return scan.add(decl, _key(path))


# ---------------------------------------------------------------------------------------------
# Poetry
# ---------------------------------------------------------------------------------------------


def _exact_poetry_version(text: str) -> str | None:
    """Poetry reads a bare version (``2.1.0``) or ``==2.1.0`` as an exact pin."""
    candidate = text[2:].strip() if text.startswith("==") else text
    if not candidate or candidate[0] in "^~<>=!*" or "*" in candidate or "," in candidate:
        return None
    try:
        Version(candidate)
    except InvalidVersion:
        return None
    return candidate


class _Poetry:
    """The Poetry tables of one pyproject."""

    def __init__(self, scan: _Scan, poetry: dict[str, Any]) -> None:
        self.ctx = scan
        self.poetry = poetry
        self.sources: dict[str, str] = {}
        self.extras: dict[str, list[str]] = {}

    def read(self) -> None:
        """Read sources and extras, then every dependency table."""
        scan, poetry = self.ctx, self.poetry
        base: TomlPath = ("tool", "poetry")
        sources = poetry.get("source", [])
        for index, src in enumerate(sources if isinstance(sources, list) else []):
            if isinstance(src, dict) and isinstance(src.get("name"), str):
                url = src.get("url")
                if isinstance(url, str):
                    self.sources[src["name"]] = url
                elif src["name"].lower() != "pypi":
                    scan.diag(f"[[tool.poetry.source]] {src['name']!r} has no url",
                              (*base, "source", index, "name"), "warning")
        for extra, names in _table(poetry.get("extras")).items():
            for name in names if isinstance(names, list) else []:
                if isinstance(name, str):
                    self.extras.setdefault(canonical_name(name.split("[")[0]), []).append(extra)
        if "dependencies" in poetry:
            self.table(poetry["dependencies"], (*base, "dependencies"), None)
        if "dev-dependencies" in poetry:
            self.table(poetry["dev-dependencies"], (*base, "dev-dependencies"), "dev")
        for group, body in _table(poetry.get("group")).items():
            if isinstance(body, dict) and "dependencies" in body:
                self.table(body["dependencies"], (*base, "group", group, "dependencies"), group)

    def table(self, value: Any, path: TomlPath, group: str | None) -> None:
        """One dependency table; ``group`` None is the main table."""
        if not isinstance(value, dict):
            self.ctx.diag(f"[{_key(path)}] must be a table of dependencies; it is not read", path)
            return
        main = group is None or group == "main"
        scope = Scope.REQUIRED if main else Scope.EXCLUDED
        groups = () if main or group is None else (group,)
        for name, spec in value.items():
            if name.lower() == "python":
                continue
            if isinstance(spec, list) and spec:
                for index, alternative in enumerate(spec):
                    self.dependency(name, alternative, (*path, name, index), scope, groups)
            else:
                self.dependency(name, spec, (*path, name), scope, groups)

    def dependency(
        self, name: str, spec: Any, path: TomlPath, scope: Scope, groups: tuple[str, ...]
    ) -> None:
        """One Poetry dependency: a constraint string or a table."""
        scan = self.ctx
        decl = Declaration(name=name, location=scan.at(*path), scope=scope, groups=groups,
                           direct=True)
        where = f"poetry dependency {name!r}"
        if isinstance(spec, str):
            decl.version = _exact_poetry_version(spec.strip())
            decl.constraint = None if decl.version or not spec.strip() else spec.strip()
        elif isinstance(spec, dict):
            self.table_spec(decl, spec, path, where)
        else:
            hint = f" (quote it: \"{spec}\")" if isinstance(spec, (int, float)) else ""
            scan.diag(f"{where} is {spec!r}, neither a version string nor a table{hint}; "
                      "recorded without a version", path, "warning")
        scan.add(decl, _key(path))

    def table_spec(
        self, decl: Declaration, spec: dict[str, Any], path: TomlPath, where: str
    ) -> None:
        """Fill ``decl`` from ``{version=..., git=..., path=..., url=..., ...}``."""
        scan = self.ctx
        unknown = sorted(set(spec) - _POETRY_KEYS)
        if not {"version", "git", "path", "url"} & set(spec):
            shape = ", ".join(sorted(spec)) or "nothing"
            scan.diag(f"{where} is a table with {shape} but none of version, git, path or url "
                      "(the shapes Poetry understands); recorded without a version", path,
                      "warning")
        elif unknown:
            scan.diag(f"{where} has unknown key(s) {', '.join(unknown)}; they are ignored",
                      path, "warning")
        version = spec.get("version")
        if isinstance(version, str) and version.strip():
            decl.version = _exact_poetry_version(version.strip())
            decl.constraint = None if decl.version else version.strip()
        elif version is not None:
            scan.diag(f"{where} has version {version!r}, which is not a string; ignored",
                      path, "warning")
        if isinstance(spec.get("git"), str):
            decl.source = _git_source(spec)
        elif isinstance(spec.get("path"), str):
            decl.source = Source(SourceKind.PATH, spec["path"],
                                 subdirectory=_str(spec.get("subdirectory")))
            decl.editable = spec.get("develop") is True
        elif isinstance(spec.get("url"), str):
            decl.source = replace(source_from_url(spec["url"]),
                                  subdirectory=_str(spec.get("subdirectory")))
        if isinstance(spec.get("source"), str):
            url = self.sources.get(spec["source"])
            if url is not None:
                decl.source = Source(SourceKind.REGISTRY, url)
            elif spec["source"].lower() != "pypi":
                scan.diag(f"{where} names source {spec['source']!r}, which no "
                          "[[tool.poetry.source]] defines; the default index is assumed",
                          path, "warning")
        extras = spec.get("extras")
        if isinstance(extras, list):
            decl.extras = tuple(sorted(e for e in extras if isinstance(e, str)))
        decl.marker = _str(spec.get("markers"))
        if spec.get("optional") is True and decl.scope is Scope.REQUIRED:
            decl.scope = Scope.OPTIONAL
            decl.groups = tuple(self.extras.get(canonical_name(decl.name), ()))


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _git_source(spec: dict[str, Any]) -> Source:
    """``{git = url, rev | tag | branch = ..., subdirectory = ...}`` (Poetry and uv alike)."""
    revision = next((spec[k] for k in ("rev", "tag", "branch") if isinstance(spec.get(k), str)),
                    None)
    commit = revision.lower() if revision and _COMMIT.match(revision.lower()) else None
    return Source(SourceKind.VCS, spec["git"], vcs="git", revision=revision, commit=commit,
                  subdirectory=_str(spec.get("subdirectory")))


# ---------------------------------------------------------------------------------------------
# uv sources
# ---------------------------------------------------------------------------------------------


def _uv_sources(scan: _Scan, uv: dict[str, Any]) -> None:
    indexes: dict[str, str] = {}
    index_list = uv.get("index", [])
    for entry in index_list if isinstance(index_list, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(
            entry.get("url"), str
        ):
            indexes[entry["name"]] = entry["url"]
    base: TomlPath = ("tool", "uv", "sources")
    sources = uv["sources"]
    if not isinstance(sources, dict):
        scan.diag("[tool.uv.sources] must be a table; it is not read", base)
        return
    for name, spec in sources.items():
        path = (*base, name)
        first = spec[0] if isinstance(spec, list) and spec else spec
        if isinstance(spec, list) and spec:
            path = (*path, 0)
        source = _uv_source(scan, name, first, path, indexes)
        if source is None:
            continue
        targets = scan.uv_targets.get(canonical_name(name), [])
        if not targets:
            scan.diag(f"[tool.uv.sources] names {name!r}, which no dependency of this project "
                      "declares; ignored", path, "warning")
        for decl in targets:
            if decl.source == DEFAULT_REGISTRY:
                decl.source = source
                if source.kind is SourceKind.PATH and isinstance(first, dict):
                    decl.editable = first.get("editable") is True


def _uv_source(
    scan: _Scan, name: str, spec: Any, path: TomlPath, indexes: dict[str, str]
) -> Source | None:
    where = f"[tool.uv.sources] {name}"
    if not isinstance(spec, dict):
        scan.diag(f"{where} must be a table such as {{git = ...}} or {{index = ...}}; ignored",
                  path, "warning")
        return None
    unknown = sorted(set(spec) - _UV_SOURCE_KEYS)
    if unknown:
        scan.diag(f"{where} has unknown key(s) {', '.join(unknown)}; they are ignored",
                  path, "warning")
    sub = _str(spec.get("subdirectory"))
    if isinstance(spec.get("git"), str):
        return _git_source(spec)
    if isinstance(spec.get("url"), str):
        return replace(source_from_url(spec["url"]), subdirectory=sub)
    if isinstance(spec.get("path"), str):
        return Source(SourceKind.PATH, spec["path"])
    if isinstance(spec.get("index"), str):
        url = indexes.get(spec["index"])
        if url is None:
            scan.diag(f"{where} names index {spec['index']!r}, which no [[tool.uv.index]] "
                      "defines; the default index is assumed", path, "warning")
            return None
        return Source(SourceKind.REGISTRY, url)
    if spec.get("workspace") is True:
        return Source(SourceKind.PATH, None)
    scan.diag(f"{where} has none of git, url, path, index or workspace; ignored", path, "warning")
    return None


SCANNERS = [PyprojectScanner()]
