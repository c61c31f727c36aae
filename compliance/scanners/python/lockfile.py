"""What the Python lockfile scanners share: a fast TOML reader with line numbers, hash sets,
dependency lookup.

Lockfiles are large (thousands of packages, tens of thousands of hash lines) and machine
written in a regular style. ``tomllib`` is pure Python and reads them at a few MB/s, too slow
for a repository full of locks, so :func:`load_toml` first tries a reader for the subset of
TOML the lock tools write (one key per line, single-line inline tables, multi-line arrays with
one element per line) and falls back to ``tomllib`` on anything else, which also gives the
exact error line for a broken file. Either way the lines of each package entry's ``name`` key
and of the header keys (``lock-version``) come from the same single pass over the text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from compliance.errors import ParseError, ScanError
from compliance.model import (
    DEFAULT_REGISTRY,
    Declaration,
    Diagnostic,
    Edge,
    Hash,
    ScanResult,
    Scope,
    Source,
    SourceKind,
    canonical_name,
    parse_hash,
)
from compliance.scanners.base import ScanFile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = [
    "DEV_GROUPS",
    "Label",
    "LockBuilder",
    "LockEntry",
    "TomlLines",
    "dig",
    "group_scope",
    "is_commit",
    "load_toml",
    "manifest_requirements",
    "reach",
    "registry",
    "scope_of",
    "scopes_from_manifest",
    "split_requirement",
]

# --------------------------------------------------------------------------------------------
# Fast TOML subset reader
# --------------------------------------------------------------------------------------------


class _Unsupported(Exception):
    """The fast reader met TOML it does not handle: the caller falls back to tomllib."""


# The fast reader works on a *skeleton* of the text: the document is split on '"' once (C speed),
# every basic string becomes one NUL character, and digits 1-9 become '9'. What is left of each
# line (its *shape*) is short and repeats (every wheel line of a lock has the same shape), so
# each distinct shape is compiled once into a plan and the plan is replayed on the line's
# strings. Anything outside the subset raises _Unsupported and tomllib reads the file instead.

_STR = "\x00"
_ESCAPED_QUOTE = "\x01"
_ESCAPED_BACKSLASH = "\x02"
_NINES = str.maketrans("12345678", "99999999")
_BLANKS = re.compile(r"[ \t]*")
_BARE_KEY = re.compile(r"[ \t]*([A-Za-z0-9_-]+)[ \t]*")
_BARE = re.compile(r"[A-Za-z0-9_+.:-]+")
_INT = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)")
_FLOAT = re.compile(
    r"[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?"
    r"|[+-]?(?:inf|nan)"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt][0-9:.]+(?:[Zz]|[+-][0-9:]+)?)?"
                   r"|[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?")
_ESCAPE = re.compile(r'\\(?:([btnfr"\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))')
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}

# A key spec: a fixed key, _NEXT (the next string), or (start, end) of the key in the line.
_NEXT = -1
_KeySpec = Any
# A value builder: None (the next string), ("b", start, end, convert-or-constant),
# ("f", ...) (see _table_builder), ("t", ((keyspec, builder), ...)) or ("a", (builder, ...)).
_Builder = Any
_MAX_PLANS = 4096
_TABLE_PLANS: dict[str, tuple[Any, ...]] = {}
_ARRAY_PLANS: dict[str, tuple[Any, ...]] = {}
_HEADERS: dict[str, tuple[bool, tuple[str, ...]]] = {}


def _unescape(match: re.Match[str]) -> str:
    simple, u4, u8, bad = match.groups()
    if simple is not None:
        return _ESCAPES[simple]
    if bad is not None:
        raise _Unsupported
    code = int(u4 or u8, 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _Unsupported
    return chr(code)


def _unescape_string(s: str) -> str:
    s = s.replace(_ESCAPED_BACKSLASH, "\\\\").replace(_ESCAPED_QUOTE, '\\"')
    return _ESCAPE.sub(_unescape, s) if "\\" in s else s


def _converter(word: str) -> Any:
    """How to turn a bare word of this shape into a value: a callable or a constant."""
    if word in ("true", "false"):
        return word == "true"
    if _INT.fullmatch(word):
        return int
    if _FLOAT.fullmatch(word):
        return float
    if _DATE.fullmatch(word):
        return str  # dates and times stay strings (tomllib would give datetime objects)
    raise _Unsupported


def _blanks(shape: str, pos: int) -> int:
    m = _BLANKS.match(shape, pos)
    return m.end() if m else pos


def _rest_is_comment(shape: str, pos: int) -> bool:
    rest = shape[pos:].lstrip(" \t")
    return not rest or (rest[0] == "#" and _STR not in rest)


def _key_spec(shape: str, pos: int) -> tuple[_KeySpec, int]:
    pos = _blanks(shape, pos)
    if shape.startswith(_STR, pos):
        return _NEXT, _blanks(shape, pos + 1)
    m = _BARE_KEY.match(shape, pos)
    if not m:
        raise _Unsupported
    key = m.group(1)
    return (key if "9" not in key else (m.start(1), m.end(1))), m.end()


def _compile_value(shape: str, pos: int) -> tuple[_Builder, int]:
    pos = _blanks(shape, pos)
    c = shape[pos : pos + 1]
    if c == _STR:
        return None, pos + 1
    if c == "{":
        pairs: list[tuple[_KeySpec, _Builder]] = []
        fixed: set[str] = set()
        pos = _blanks(shape, pos + 1)
        if shape.startswith("}", pos):
            return ("t", ()), pos + 1
        while True:
            key, pos = _key_spec(shape, pos)
            if isinstance(key, str):
                if key in fixed:
                    raise _Unsupported
                fixed.add(key)
            if not shape.startswith("=", pos):
                raise _Unsupported
            child, pos = _compile_value(shape, pos + 1)
            pairs.append((key, child))
            pos = _blanks(shape, pos)
            c = shape[pos : pos + 1]
            if c == "}":
                return _table_builder(pairs), pos + 1
            if c != ",":
                raise _Unsupported
            pos += 1
    if c == "[":
        items: list[_Builder] = []
        pos += 1
        while True:
            pos = _blanks(shape, pos)
            if shape.startswith("]", pos):
                return ("a", tuple(items)), pos + 1
            child, pos = _compile_value(shape, pos)
            items.append(child)
            pos = _blanks(shape, pos)
            c = shape[pos : pos + 1]
            if c == "]":
                return ("a", tuple(items)), pos + 1
            if c != ",":
                raise _Unsupported
            pos += 1
    m = _BARE.match(shape, pos)
    if not m:
        raise _Unsupported
    return ("b", m.start(), m.end(), _converter(m.group())), m.end()


def _table_builder(pairs: list[tuple[_KeySpec, _Builder]]) -> _Builder:
    """A flat table of fixed keys and scalars (nearly every inline table of a lock) gets a
    plan replayed without recursion: ("f", ((key, None-or-(start, end, convert)), ...))."""
    if all(isinstance(k, str) and (c is None or c[0] == "b") for k, c in pairs):
        return ("f", tuple((k, None if c is None else c[1:]) for k, c in pairs))
    return ("t", tuple(pairs))


def _compile_table_line(shape: str) -> tuple[Any, ...]:
    """Plan for a line met outside any multi-line array."""
    stripped = shape.strip(" \t")
    if not stripped or (stripped[0] == "#" and _STR not in stripped):
        return ("",)
    if stripped[0] == "[":
        return ("h",)
    key, pos = _key_spec(shape, 0)
    if not shape.startswith("=", pos):
        raise _Unsupported
    pos = _blanks(shape, pos + 1)
    if shape.startswith("[", pos) and _rest_is_comment(shape, pos + 1):
        return ("o", key)
    builder, pos = _compile_value(shape, pos)
    if not _rest_is_comment(shape, pos):
        raise _Unsupported
    return ("v", key, builder)


def _compile_array_line(shape: str) -> tuple[Any, ...]:
    """Plan for a line inside a multi-line array: an element, a blank, or the closing ']'."""
    stripped = shape.strip(" \t")
    if not stripped or (stripped[0] == "#" and _STR not in stripped):
        return ("",)
    pos = _blanks(shape, 0)
    if shape.startswith("]", pos):
        if not _rest_is_comment(shape, pos + 1):
            raise _Unsupported
        return ("c",)
    builder, pos = _compile_value(shape, pos)
    pos = _blanks(shape, pos)
    comma = shape.startswith(",", pos)
    if not _rest_is_comment(shape, pos + 1 if comma else pos):
        raise _Unsupported
    return ("e", builder, comma)


def _plan(cache: dict[str, tuple[Any, ...]], shape: str, compile_: Any) -> tuple[Any, ...]:
    plan: tuple[Any, ...] = compile_(shape)
    if len(cache) < _MAX_PLANS:
        cache[shape] = plan
    return plan


def _key(spec: _KeySpec, line: str, strings: list[str], si: int) -> tuple[str, int]:
    if isinstance(spec, str):
        return spec, si
    if spec == _NEXT:
        return strings[si], si + 1
    start, end = spec
    return line[start:end], si


def _build(node: _Builder, line: str, strings: list[str], si: int) -> tuple[Any, int]:
    if node is None:
        return strings[si], si + 1
    kind = node[0]
    if kind == "f":
        flat: dict[str, Any] = {}
        for key, bare in node[1]:
            if bare is None:
                flat[key] = strings[si]
                si += 1
            else:
                convert = bare[2]
                flat[key] = convert(line[bare[0] : bare[1]]) if callable(convert) else convert
        return flat, si
    if kind == "b":
        convert = node[3]
        return (convert(line[node[1] : node[2]]) if callable(convert) else convert), si
    if kind == "t":
        table: dict[str, Any] = {}
        for spec, child in node[1]:
            if isinstance(spec, str):
                key = spec
            else:
                key, si = _key(spec, line, strings, si)
                if key in table:
                    raise _Unsupported
            if child is None:
                table[key] = strings[si]
                si += 1
            else:
                table[key], si = _build(child, line, strings, si)
        return table, si
    items: list[Any] = []
    for child in node[1]:
        if child is None:
            items.append(strings[si])
            si += 1
        else:
            value, si = _build(child, line, strings, si)
            items.append(value)
    return items, si


class _Tree:
    """The table structure being built, with what TOML needs to refuse redefinitions."""

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}
        self.tables: set[int] = {id(self.root)}  # dicts made by headers (explicit or implicit)
        self.defined: set[int] = {id(self.root)}  # dicts given their own [header]
        self.arrays: set[int] = set()  # lists made by [[headers]]

    def open(self, line: str) -> tuple[dict[str, Any], bool, str]:
        """Open the table a header line names; return it, whether it is an array entry, and
        its dotted path."""
        try:
            is_array, keys = _HEADERS[line]
        except KeyError:
            is_array, keys = _header(line)
            if len(_HEADERS) < _MAX_PLANS:
                _HEADERS[line] = (is_array, keys)
        node = self.root
        for key in keys[:-1]:
            child = node.get(key)
            if child is None:
                child = node[key] = {}
                self.tables.add(id(child))
            elif isinstance(child, list) and id(child) in self.arrays:
                child = child[-1]
            elif not (isinstance(child, dict) and id(child) in self.tables):
                raise _Unsupported
            node = child
        last = keys[-1]
        existing = node.get(last)
        if is_array:
            if existing is None:
                existing = node[last] = []
                self.arrays.add(id(existing))
            elif not (isinstance(existing, list) and id(existing) in self.arrays):
                raise _Unsupported
            table: dict[str, Any] = {}
            existing.append(table)
            self.tables.add(id(table))
            self.defined.add(id(table))
            return table, True, ".".join(keys)
        if existing is None:
            existing = node[last] = {}
            self.tables.add(id(existing))
        elif (
            not isinstance(existing, dict)
            or id(existing) not in self.tables
            or id(existing) in self.defined
        ):
            raise _Unsupported
        self.defined.add(id(existing))
        return existing, False, ".".join(keys)


def _header(line: str) -> tuple[bool, tuple[str, ...]]:
    """Parse ``[a.b]`` / ``[[a.b]]`` (bare keys only) from a skeleton line."""
    s = line.strip(" \t")
    is_array = s.startswith("[[")
    close = s.find("]]" if is_array else "]")
    if close < 0 or not _rest_is_comment(s, close + (2 if is_array else 1)):
        raise _Unsupported
    keys: list[str] = []
    for part in s[2 if is_array else 1 : close].split("."):
        m = _BARE_KEY.fullmatch(part)
        if not m:
            raise _Unsupported
        keys.append(m.group(1))
    return is_array, tuple(keys)


def _fast_parse(text: str, entry_array: str, found: TomlLines) -> dict[str, Any]:
    """Parse the lock-writer subset of TOML; raise :class:`_Unsupported` on anything else.

    Records in ``found`` the line of each ``[[entry_array]]`` entry's ``name`` key and of the
    first ``key =`` of every other table."""
    if _STR in text or _ESCAPED_QUOTE in text or _ESCAPED_BACKSLASH in text:
        raise _Unsupported
    escaped = "\\" in text
    if escaped:
        text = text.replace("\\\\", _ESCAPED_BACKSLASH).replace('\\"', _ESCAPED_QUOTE)
    parts = text.split('"')
    if not len(parts) & 1:
        raise _Unsupported
    skeleton = _STR.join(parts[0::2])
    if "'" in skeleton or "\r" in skeleton or skeleton.count("\n") != text.count("\n"):
        raise _Unsupported  # literal strings, CRLF, or a string running over lines
    strings = parts[1::2]
    if escaped:
        joined = _STR.join(strings)
        if "\\" in joined:
            strings = [_unescape_string(s) for s in strings]
        else:
            strings = joined.replace(_ESCAPED_QUOTE, '"').replace(
                _ESCAPED_BACKSLASH, "\\").split(_STR)
    lines = skeleton.split("\n")
    shapes = skeleton.translate(_NINES).split("\n")
    tree = _Tree()
    current = tree.root
    array: list[Any] | None = None
    comma = True
    si = 0
    table_plans, array_plans = _TABLE_PLANS, _ARRAY_PLANS
    entries, keys = found.entries, found.keys
    path, in_entry, named = "", False, False
    for index, shape in enumerate(shapes):
        if array is not None:
            plan = array_plans.get(shape) or _plan(array_plans, shape, _compile_array_line)
            kind = plan[0]
            if kind == "e":
                if not comma:
                    raise _Unsupported
                builder = plan[1]
                if builder is None:
                    array.append(strings[si])
                    si += 1
                else:
                    value, si = _build(builder, lines[index], strings, si)
                    array.append(value)
                comma = plan[2]
            elif kind == "c":
                array = None
            continue
        plan = table_plans.get(shape) or _plan(table_plans, shape, _compile_table_line)
        kind = plan[0]
        if kind == "v" or kind == "o":
            spec = plan[1]
            key, si = spec, si
            if not isinstance(spec, str):
                key, si = _key(spec, lines[index], strings, si)
            if key in current:
                raise _Unsupported
            if in_entry:
                if key == "name" and not named:
                    entries[-1] = index + 1
                    named = True
            elif (path, key) not in keys:
                keys[(path, key)] = index + 1
            if kind == "o":
                array = current[key] = []
                comma = True
            elif plan[2] is None:
                current[key] = strings[si]
                si += 1
            else:
                current[key], si = _build(plan[2], lines[index], strings, si)
        elif kind == "h":
            current, is_array, path = tree.open(lines[index])
            in_entry = is_array and path == entry_array
            if in_entry:
                entries.append(index + 1)
                named = False
    if array is not None or si != len(strings):
        raise _Unsupported
    return tree.root


@dataclass(slots=True)
class TomlLines:
    """Lines of a TOML lock: one per ``[[array]]`` entry (in file order) and per table key."""

    entries: list[int] = field(default_factory=list)  # line of `name =`, else of `[[array]]`
    keys: dict[tuple[str, str], int] = field(default_factory=dict)  # (table, key) -> first line

    def entry(self, index: int, count: int) -> int | None:
        """The line of entry ``index`` of ``count`` parsed entries; None when the text did not
        show one header per entry (an inline array), so lines cannot be trusted."""
        if len(self.entries) != count:
            return None
        return self.entries[index]


_LINE_HEADER = re.compile(r"[ \t]*(\[\[?)[ \t]*([A-Za-z0-9_.\"' -]+?)[ \t]*\]\]?[ \t]*(?:#.*)?")
_LINE_KEY = re.compile(r"[ \t]*([A-Za-z0-9_-]+)[ \t]*=")
_AT_LINE = re.compile(r"at line (\d+)")


def _locate_lines(text: str, entry_array: str) -> TomlLines:
    """Find the lines :func:`_fast_parse` records, for a file only tomllib could read."""
    found = TomlLines()
    table, in_entry, named = "", False, False
    for number, line in enumerate(text.split("\n"), 1):
        m = _LINE_HEADER.fullmatch(line)
        if m:
            table = m.group(2).replace(" ", "").replace('"', "").replace("'", "")
            in_entry = m.group(1) == "[[" and table == entry_array
            if in_entry:
                found.entries.append(number)
                named = False
            continue
        k = _LINE_KEY.match(line)
        if not k:
            continue
        key = k.group(1)
        if in_entry:
            if key == "name" and not named:
                found.entries[-1] = number
                named = True
        elif (table, key) not in found.keys:
            found.keys[(table, key)] = number
    return found


def load_toml(
    text: str, path: str, entry_array: str, relock: str = "the tool that wrote it"
) -> tuple[dict[str, Any], TomlLines]:
    """Parse a TOML lockfile and find its lines (see :class:`TomlLines`; ``entry_array`` names
    the array of package tables, ``package`` or ``packages``; ``relock`` says how to
    regenerate the file, for the error message).

    Raises :class:`~compliance.errors.ParseError`, with the line the parser stopped at, when
    the text is not valid TOML. Dates and times may come back as strings.
    """
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")  # a Windows checkout: same lines, same values
    found = TomlLines()
    try:
        return _fast_parse(text, entry_array, found), found
    except (_Unsupported, IndexError, ValueError, RecursionError):
        pass
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        m = _AT_LINE.search(message)
        line = int(m.group(1)) if m else text.count("\n") + (0 if text.endswith("\n") else 1)
        detail = _AT_LINE.sub("", message).replace("(at end of document)", "").strip(" ()")
        raise ParseError(
            path,
            f"is not valid TOML ({detail}); the file may be truncated or hand-edited: "
            f"regenerate it with {relock}",
            max(line, 1),
        ) from e
    return data, _locate_lines(text, entry_array)


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------

_COMMIT = re.compile(r"[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def is_commit(text: object) -> bool:
    """True for a full commit id (40-hex SHA-1 or 64-hex SHA-256)."""
    return isinstance(text, str) and _COMMIT.fullmatch(text) is not None


DEV_GROUPS = frozenset({
    "dev", "develop", "development", "test", "tests", "testing", "lint", "linting", "linters",
    "style", "format", "formatting", "typing", "types", "mypy", "docs", "doc", "documentation",
    "bench", "benchmark", "benchmarks", "ci", "check", "checks", "coverage", "debug", "tools",
})


def group_scope(group: str) -> Scope:
    """The scope of a named group when the lock does not say what sort of group it is: the
    usual dev/test/lint/docs names are EXCLUDED, any other (an extra, most likely) OPTIONAL."""
    return Scope.EXCLUDED if canonical_name(group) in DEV_GROUPS else Scope.OPTIONAL


_REGISTRIES: dict[str, Source] = {}


def registry(url: str | None) -> Source:
    """The source for a package index URL: the shared default for PyPI (cached: a lock names
    the same few indexes thousands of times)."""
    if url is None:
        return DEFAULT_REGISTRY
    source = _REGISTRIES.get(url)
    if source is None:
        source = Source(SourceKind.REGISTRY, url)
        if source.is_default_registry:
            source = DEFAULT_REGISTRY
        if len(_REGISTRIES) < 1024:
            _REGISTRIES[url] = source
    return source


# A label says how the project reaches a package: through its required dependencies (None),
# one of its extras ("extra", name) or one of its dependency groups ("group", name).
Label = tuple[str, str] | None
_Node = TypeVar("_Node", bound=Hashable)


def reach(
    seeds: Iterable[tuple[_Node, Label]], step: Callable[[_Node], Iterable[_Node]]
) -> dict[_Node, set[Label]]:
    """Walk a dependency graph from labelled seeds; return the labels that reach each node.
    Each (node, label) pair is visited once, so the walk is linear in the graph size times the
    number of labels (the project's extras and groups: a handful)."""
    reached: dict[_Node, set[Label]] = {}
    seen: set[tuple[_Node, Label]] = set()
    work = list(seeds)
    while work:
        state = work.pop()
        if state in seen:
            continue
        seen.add(state)
        node, label = state
        reached.setdefault(node, set()).add(label)
        work.extend((target, label) for target in step(node))
    return reached


def scope_of(labels: Iterable[Label], main: tuple[str, ...] = ()) -> tuple[Scope, tuple[str, ...]]:
    """The strongest scope the labels give, and the extras / groups that give it (``main`` for
    a package the required dependencies reach)."""
    labels = set(labels)
    if None in labels:
        return Scope.REQUIRED, main
    named = [label for label in labels if label is not None]
    extras = sorted({name for kind, name in named if kind == "extra"})
    if extras:
        return Scope.OPTIONAL, tuple(extras)
    return Scope.EXCLUDED, tuple(sorted({name for _, name in named}))


_REQUIREMENT = re.compile(
    r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*([^;]*)(?:;(.*))?",
    re.DOTALL,
)


def split_requirement(text: str) -> tuple[str, tuple[str, ...], str, str | None] | None:
    """``name[extras] spec ; marker`` -> (name, sorted extras, spec, marker), or None when the
    text does not start with a name. Cheap: lockfiles hold thousands of these."""
    m = _REQUIREMENT.fullmatch(text)
    if not m:
        return None
    name, extras, spec, marker = m.groups()
    extra = tuple(sorted(e.strip() for e in (extras or "").split(",") if e.strip()))
    return name, extra, spec.strip(), marker.strip() if marker else None


# Picks, among the locked packages of a name, those a requirement's extras and specifier mean.
Matcher = Callable[[list["LockEntry"], tuple[str, ...], "str | None"], list["LockEntry"]]


def scopes_from_manifest(
    out: LockBuilder, pyproject: str, declarations: Iterable[Declaration],
    graph: dict[str, list[str]], match: Matcher, main: str = "main",
) -> None:
    """For a lock that does not record scopes: give each package the scope of what reaches it
    (through ``graph``, key -> keys depended on) from the requirements of the project's
    ``pyproject.toml``: main dependencies REQUIRED (in group ``main``), extras OPTIONAL,
    groups EXCLUDED."""
    try:
        data = tomllib.loads(pyproject)
    except tomllib.TOMLDecodeError:
        return  # the pyproject scanner reports it
    seeds: list[tuple[str, Label]] = []
    for name, extras, spec, label in manifest_requirements(data):
        seeds.extend((e.key, label) for e in match(out.candidates(name), extras, spec))
    if not seeds:
        return
    labels = reach(seeds, lambda key: graph.get(key, ()))
    for decl in declarations:
        if decl.key in labels:
            decl.scope, decl.groups = scope_of(labels[decl.key], main=(main,))


def manifest_requirements(
    data: dict[str, Any],
) -> Iterator[tuple[str, tuple[str, ...], str | None, Label]]:
    """(name, extras, specifier, label) of every requirement a pyproject makes: PEP 621
    dependencies and extras, PEP 735 groups, ``[tool.poetry]`` dependencies, extras and groups,
    ``[tool.pdm.dev-dependencies]``."""
    tool = dig(data, "tool")
    poetry = dig(tool, "poetry")
    extras_of: dict[str, list[str]] = {}
    for extra, names in (dig(poetry, "extras") or {}).items():
        for text in names if isinstance(names, list) else ():
            parts = split_requirement(text) if isinstance(text, str) else None
            if parts:
                extras_of.setdefault(canonical_name(parts[0]), []).append(extra)
    for name, spec in (dig(poetry, "dependencies") or {}).items():
        if name == "python":
            continue
        specs = spec if isinstance(spec, list) else [spec]
        version = next((v for v in (s if isinstance(s, str) else dig(s, "version")
                                    for s in specs) if isinstance(v, str)), None)
        extras = tuple(sorted({e for s in specs for e in dig(s, "extras") or ()}))
        if all(dig(s, "optional") is True for s in specs):
            for extra in extras_of.get(canonical_name(name), ()):
                yield name, extras, version, ("extra", extra)
        else:
            yield name, extras, version, None
    tables: list[tuple[str, object]] = [("dev", dig(poetry, "dev-dependencies"))]
    tables += [(g, dig(t, "dependencies")) for g, t in (dig(poetry, "group") or {}).items()]
    for group, deps in tables:
        for name, spec in deps.items() if isinstance(deps, dict) else ():
            version = spec if isinstance(spec, str) else dig(spec, "version")
            yield name, (), version if isinstance(version, str) else None, ("group", group)
    project = data.get("project")
    lists: list[tuple[Label, object]] = [(None, dig(project, "dependencies"))]
    for table, kind in ((dig(project, "optional-dependencies"), "extra"),
                        (data.get("dependency-groups"), "group"),
                        (dig(dig(tool, "pdm"), "dev-dependencies"), "group")):
        if isinstance(table, dict):
            lists += [((kind, key), value) for key, value in table.items()]
    for label, requirements in lists:
        for text in requirements if isinstance(requirements, list) else ():
            parts = split_requirement(text) if isinstance(text, str) else None
            if parts:
                yield parts[0], parts[1], parts[2] or None, label


def sibling_text(file: ScanFile, name: str) -> str | None:
    """The text of the file ``name`` beside ``file``, or None when it is missing or unreadable
    (its own scanner reports that)."""
    sibling = file.sibling(name)
    try:
        return sibling.read_text() if sibling is not None else None
    except ScanError:
        return None


def dig(table: object, key: str) -> Any:
    """``table[key]`` when ``table`` is a table holding it, else None."""
    return table.get(key) if isinstance(table, dict) else None


class LockBuilder:
    """Collects what a lock scanner finds: declarations with unique keys, the dependency
    index used to resolve dependency entries, de-duplicated edges and diagnostics."""

    def __init__(self, path: str, scanner: str, relock: str) -> None:
        self.path = path
        self.scanner = scanner
        self.relock = relock  # how to regenerate the lock ("`uv lock`"), for messages
        self.result = ScanResult()
        self._keys: set[str] = set()
        self._by_name: dict[str, list[LockEntry]] = {}
        self._edges: dict[Edge, None] = {}

    # -- diagnostics -------------------------------------------------------------------------

    def diagnose(self, message: str, line: int | None, severity: str = "warning") -> None:
        """Record a problem with one entry (or with the file's header)."""
        self.result.diagnostics.append(Diagnostic(self.path, message, line, severity, self.scanner))

    def unknown_format(self, what: str, value: object, known: str, line: int | None) -> None:
        """Warn about a lock format version this tool was not written for (or none at all)."""
        if value is None:
            found = f"the file has no {what}"
        else:
            found = f"{what} {value!r} is not a version this tool knows"
        self.diagnose(
            f"{found} ({known}); it was read as the latest known format, so check the result "
            f"(or regenerate it with {self.relock})",
            line,
        )

    def no_name(self, line: int | None) -> None:
        """Report a package entry without a usable name."""
        self.diagnose("package entry has no name; it was skipped", line, "error")

    def no_version(self, name: str, line: int | None) -> None:
        """Report a package entry that should pin a version but does not."""
        self.diagnose(
            f"package {name!r} has no version, so the lock does not pin it; "
            f"regenerate the lock with {self.relock}",
            line,
            "error",
        )

    def missing(self, owner: str, dependency: str, line: int | None, note: str = "") -> None:
        """Report a dependency entry naming a package the lock does not hold."""
        self.diagnose(
            f"{owner} depends on {dependency!r}, which is not in the lock{note}; the lock may be "
            f"stale or hand-edited (regenerate it with {self.relock})",
            line,
        )

    # -- declarations ------------------------------------------------------------------------

    def hashes(self, values: Iterable[object], name: str, line: int | None) -> tuple[Hash, ...]:
        """De-duplicated hashes (file order); unknown ones are reported and left out."""
        unique: dict[str, Hash | None] = {}
        for value in values:
            if isinstance(value, str) and len(value) == 71 and value.startswith("sha256:") \
                    and _HEX64.fullmatch(value, 7):
                unique.setdefault("SHA-256:" + value[7:].lower(), None)  # nearly every one
                continue
            parsed = parse_hash(value) if isinstance(value, str) else None
            if parsed is None:
                self.diagnose(
                    f"package {name!r} lists a hash this tool does not recognise ({value!r}); "
                    "it was ignored",
                    line,
                )
            else:
                unique.setdefault(f"{parsed.alg}:{parsed.value}", parsed)
        return tuple(
            Hash("SHA-256", text[8:]) if parsed is None else parsed
            for text, parsed in unique.items()
        )

    def new_key(
        self, name: str, version: str | None, extras: Iterable[str] = (), prefix: str = ""
    ) -> str:
        """A key unique in this result: ``[prefix]name[extras]@version`` (``#n`` added when
        repeated; no ``@`` part without a version)."""
        extra = ",".join(extras)
        at = f"@{version}" if version else ""
        base = f"{prefix}{canonical_name(name)}{f'[{extra}]' if extra else ''}{at}"
        key, n = base, 1
        while key in self._keys:
            n += 1
            key = f"{base}#{n}"
        self._keys.add(key)
        return key

    def add(self, declaration: Declaration, source: object = None) -> LockEntry:
        """Emit a declaration and make it resolvable by name."""
        self.result.declarations.append(declaration)
        return self.index(declaration.key, declaration.name, declaration.version,
                          declaration.extras, source)

    def index(
        self, key: str, name: str, version: str | None, extras: tuple[str, ...] = (),
        source: object = None,
    ) -> LockEntry:
        """Make a package resolvable by name without emitting it (the project itself)."""
        entry = LockEntry(key, name, version, extras, source)
        self._by_name.setdefault(canonical_name(name), []).append(entry)
        return entry

    def candidates(self, name: str) -> list[LockEntry]:
        """Every locked package with this name (any spelling)."""
        found = self._by_name.get(name)  # lock writers mostly spell names canonically
        return found if found is not None else self._by_name.get(canonical_name(name), [])

    def edge(self, source: str, target: str) -> None:
        """Record a dependency edge (once; never from a package to itself)."""
        if source != target:
            self._edges[Edge(source, target)] = None

    def finish(self) -> ScanResult:
        """The result, edges in the order first seen."""
        self.result.edges = list(self._edges)
        return self.result


@dataclass(slots=True)
class LockEntry:
    """A package of a lock, as dependency resolution sees it."""

    key: str
    name: str
    version: str | None
    extras: tuple[str, ...] = ()
    source: object = None  # the lock's own description of the source, compared for equality
