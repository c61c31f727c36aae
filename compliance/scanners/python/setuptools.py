"""setuptools manifests: ``setup.cfg`` and ``setup.py``, read without running anything.

``setup.cfg``: ``[options] install_requires`` (REQUIRED), ``[options.extras_require]``
(OPTIONAL, the extra as group), ``tests_require`` / ``setup_requires`` (EXCLUDED, the option name
as group), and ``[metadata] name / version / license / description``. A value written on the
key's own line is split on ``;`` and a value on continuation lines one requirement per line, as
setuptools does. ``file:`` / ``attr:`` values are not followed (a warning says so for
requirements; a version given that way is recorded as unknown). The file is validated with
:mod:`configparser` (no interpolation, strict) so a broken file fails as setuptools would;
lines come from a small index that follows the same rules.

``setup.py``: parsed with :func:`ast.parse` only; the code is never executed or imported. The
first ``setup(...)`` / ``setuptools.setup(...)`` call is read: ``install_requires``,
``extras_require``, ``tests_require``, ``setup_requires``, ``name``, ``version``, ``license`` and
``description`` when they are literals, or module-level names assigned once to a literal (also
``a + b`` of such lists, and ``**kwargs`` of a literal dict). Whatever is computed (a call, a
file read, a comprehension) gives a warning at its line and is skipped.
"""

from __future__ import annotations

import ast
import configparser
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from compliance.errors import ParseError
from compliance.model import (
    ROOT,
    Declaration,
    Diagnostic,
    Edge,
    Location,
    ProjectInfo,
    ScanResult,
    Scope,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.python.pep508 import parse_requirement

_REQUIREMENT_ADVICE = ("declare the requirements in pyproject.toml [project] or setup.cfg "
                       "[options] instead")
_METADATA_ADVICE = "declare it in pyproject.toml [project] or setup.cfg [metadata] instead"


@dataclass
class _Collector:
    """Turns requirement strings into declarations (with keys and root edges) for one file."""

    path: str
    scanner: str
    result: ScanResult = field(default_factory=ScanResult)

    def diag(self, message: str, line: int | None, severity: str = "error") -> None:
        self.result.diagnostics.append(Diagnostic(self.path, message, line, severity,
                                                  self.scanner))

    def requirement(
        self, text: str, line: int | None, where: str, scope: Scope, groups: tuple[str, ...]
    ) -> Declaration | None:
        """One PEP 508 string; an error diagnostic (and None) when it is not one."""
        try:
            decl = parse_requirement(text, Location(self.path, line), scope=scope, groups=groups)
        except ParseError as e:
            self.diag(f"{where}: {e.detail.splitlines()[0]}; this entry is skipped", line)
            return None
        decl.key = f"{where}#{len(self.result.declarations)}"
        self.result.declarations.append(decl)
        self.result.edges.append(Edge(ROOT, decl.key))
        return decl


def _option_scope(option: str) -> tuple[Scope, tuple[str, ...]]:
    if option == "install_requires":
        return Scope.REQUIRED, ()
    return Scope.EXCLUDED, (option,)


# ---------------------------------------------------------------------------------------------
# setup.cfg
# ---------------------------------------------------------------------------------------------

_SECTION = re.compile(r"\[(?P<header>.+)\]")
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)$")
_NONSPACE = re.compile(r"\S")
_MISPLACED = re.compile(r"[<>!~\[\]@ ]")


@dataclass
class _CfgValue:
    """One ``key = value`` of a setup.cfg: the key's line and each value line with its line."""

    line: int
    parts: list[tuple[int, str]] = field(default_factory=list)

    @property
    def on_key_line(self) -> bool:
        """True when the whole value is written on the key's own line."""
        return len(self.parts) == 1 and self.parts[0][0] == self.line

    @property
    def text(self) -> str:
        """The value as configparser joins it."""
        return "\n".join(part for _, part in self.parts).strip()


def _cfg_index(text: str) -> dict[str, dict[str, _CfgValue]]:
    """Section -> option -> value with lines, following :mod:`configparser`'s reading rules
    (full-line ``#`` / ``;`` comments, continuation lines indented deeper than the key).
    Option names are kept as written."""
    sections: dict[str, dict[str, _CfgValue]] = {}
    current: dict[str, _CfgValue] | None = None
    value: _CfgValue | None = None
    indent = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            continue
        match = _NONSPACE.search(raw)
        level = match.start() if match else 0
        if value is not None and level > indent:
            value.parts.append((number, stripped))
            continue
        indent = level
        header = _SECTION.match(stripped)
        if header:
            current = sections.setdefault(header.group("header"), {})
            value = None
            continue
        option = _OPTION.match(stripped)
        if current is None or option is None:
            value = None
            continue
        value = _CfgValue(number)
        if option.group("value").strip():
            value.parts.append((number, option.group("value").strip()))
        current[option.group("option").rstrip()] = value
    return sections


def _validate_cfg(path: str, text: str) -> None:
    """Let :mod:`configparser` (as setuptools configures it) reject what setuptools rejects."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=path)
    except configparser.MissingSectionHeaderError as e:
        raise ParseError(path, "is not a valid setup.cfg: text before the first [section] "
                         "header", e.lineno) from e
    except configparser.DuplicateSectionError as e:
        raise ParseError(path, f"is not a valid setup.cfg: section [{e.section}] appears twice",
                         e.lineno) from e
    except configparser.DuplicateOptionError as e:
        raise ParseError(path, f"is not a valid setup.cfg: option {e.option!r} appears twice in "
                         f"[{e.section}]", e.lineno) from e
    except configparser.ParsingError as e:
        line = e.errors[0][0] if e.errors else None
        lines = text.splitlines()
        content = lines[line - 1].strip() if line and line <= len(lines) else ""
        raise ParseError(path, f"is not a valid setup.cfg: line {content!r} is "
                         "neither a [section] header nor a 'key = value' option (a continuation "
                         "line must be indented)", line) from e
    except configparser.Error as e:
        raise ParseError(path, f"is not a valid setup.cfg: {e}") from e


class SetupCfgScanner(Scanner):
    """Reads the requirements and metadata of a setuptools ``setup.cfg``."""

    name = "python-setup-cfg"

    def wants(self, path: PurePosixPath) -> bool:
        """``setup.cfg`` anywhere in the tree."""
        return path.name == "setup.cfg"

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse the file; a malformed file raises :class:`ParseError` with its line."""
        text = file.read_text()
        _validate_cfg(file.path, text)
        sections = _cfg_index(text)
        out = _Collector(file.path, self.name)
        for section in ("options", "options.extras_require"):
            for option, value in sections.get(section, {}).items():
                if _MISPLACED.search(option):
                    out.diag(f"[{section}] has an option named {option!r}: this looks like a "
                             "requirement line that is not indented, so it is not part of any "
                             "requirement list; indent it under its key", value.line, "warning")
        # setuptools accepts install-requires for install_requires (not in extras names)
        options = {k.replace("-", "_"): v for k, v in sections.get("options", {}).items()}
        for option in ("install_requires", "setup_requires", "tests_require"):
            if option in options:
                scope, groups = _option_scope(option)
                self._requirements(out, options[option], f"[options] {option}", scope, groups)
        for extra, value in sections.get("options.extras_require", {}).items():
            self._requirements(out, value, f"[options.extras_require] {extra}", Scope.OPTIONAL,
                               (extra,))
        metadata = {k.replace("-", "_"): v for k, v in sections.get("metadata", {}).items()}
        out.result.project = _cfg_project(file.path, metadata)
        return out.result

    @staticmethod
    def _requirements(
        out: _Collector, value: _CfgValue, where: str, scope: Scope, groups: tuple[str, ...]
    ) -> None:
        if value.text.startswith(("file:", "attr:")):
            out.diag(f"{where} is read from {value.text!r} when setuptools runs; that is not "
                     "followed here (a requirements*.txt file is scanned on its own)",
                     value.line, "warning")
            return
        if value.on_key_line:
            line, single = value.parts[0]
            items = [(line, part.strip()) for part in single.split(";")]
        else:
            items = list(value.parts)
        for line, item in items:
            if item:
                out.requirement(item, line, where, scope, groups)


def _cfg_project(path: str, metadata: dict[str, _CfgValue]) -> ProjectInfo | None:
    if "name" not in metadata or not metadata["name"].text:
        return None

    def plain(option: str) -> str | None:
        value = metadata.get(option)
        if value is None or not value.text or value.text.startswith(("attr:", "file:")):
            return None
        return value.text

    return ProjectInfo(
        name=metadata["name"].text,
        version=plain("version"),
        license=plain("license"),
        description=plain("description") or plain("summary"),
        location=Location(path, metadata["name"].line),
    )


# ---------------------------------------------------------------------------------------------
# setup.py
# ---------------------------------------------------------------------------------------------

_REQUIREMENT_KEYWORDS = ("install_requires", "setup_requires", "tests_require")
_METADATA_KEYWORDS = ("name", "version", "license", "description")
_MUTATORS = frozenset({"append", "extend", "insert", "update", "setdefault", "pop", "remove",
                       "clear", "__setitem__"})


class _Computed(Exception):
    """A value that only running the code would give (or, with ``runtime`` False, a literal of
    the wrong type)."""

    def __init__(self, node: ast.AST, what: str, runtime: bool = True) -> None:
        super().__init__(what)
        self.node = node
        self.what = what
        self.runtime = runtime


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else None)
        return f"the result of calling {name}()" if name else "the result of a call"
    kinds: dict[type[ast.AST], str] = {
        ast.ListComp: "a list comprehension", ast.GeneratorExp: "a generator expression",
        ast.DictComp: "a dict comprehension", ast.SetComp: "a set comprehension",
        ast.JoinedStr: "an f-string", ast.IfExp: "a conditional expression",
        ast.Attribute: "an attribute lookup", ast.Subscript: "a subscript",
        ast.BinOp: "an expression", ast.BoolOp: "an expression", ast.Starred: "an unpacking",
    }
    return kinds.get(type(node), "an expression")


_LITERAL_KINDS: dict[type[ast.AST], str] = {
    ast.Dict: "a dict", ast.List: "a list", ast.Tuple: "a tuple", ast.Set: "a set",
    ast.Constant: "a constant",
}


def _literal_mismatch(node: ast.AST, expected: str) -> _Computed:
    """A literal of the wrong type is reported as such; anything else as computed."""
    kind = _LITERAL_KINDS.get(type(node))
    if kind is None:
        return _Computed(node, _describe(node))
    if isinstance(node, ast.Constant):
        kind = f"the constant {node.value!r}"
    return _Computed(node, f"{kind}, not {expected}", runtime=False)


class _Literals:
    """Static evaluation of the literal parts of a module: constants, lists, tuples, dicts and
    names bound exactly once, at module level, to such a literal."""

    def __init__(self, tree: ast.Module) -> None:
        stores: dict[str, int] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                stores[node.id] = stores.get(node.id, 0) + 1
            elif (isinstance(node, (ast.Subscript, ast.Attribute))
                  and isinstance(node.ctx, (ast.Store, ast.Del))
                  and isinstance(node.value, ast.Name)):  # NAME[k] = ..., NAME.x = ...
                stores[node.value.id] = stores.get(node.value.id, 0) + 1
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and isinstance(node.func.value, ast.Name) and node.func.attr in _MUTATORS):
                stores[node.func.value.id] = stores.get(node.func.value.id, 0) + 1
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                for name in node.names:
                    stores[name] = stores.get(name, 0) + 1
        self._stores = stores
        self._bound: dict[str, ast.expr] = {}
        for stmt in tree.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)):
                self._bound[stmt.targets[0].id] = stmt.value
            elif (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                  and stmt.value is not None):
                self._bound[stmt.target.id] = stmt.value

    def resolve(self, node: ast.expr, seen: frozenset[str] = frozenset()) -> ast.expr:
        """Follow a name to the literal it is bound to once at module level."""
        while isinstance(node, ast.Name):
            name = node.id
            if name in seen or self._stores.get(name) != 1 or name not in self._bound:
                raise _Computed(node, f"the name {name!r}, which is not assigned exactly once "
                                "to a literal at module level")
            seen = seen | {name}
            node = self._bound[name]
        return node

    def string(self, node: ast.expr) -> str:
        """A string constant (through names); :class:`_Computed` otherwise."""
        node = self.resolve(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        raise _literal_mismatch(node, "a string")

    def strings(self, node: ast.expr, out: list[tuple[int, str]],
                problems: list[_Computed]) -> None:
        """The strings of a list / tuple / set literal (or ``a + b`` of them, or one string with
        a requirement per line), with their lines. Computed items are collected in ``problems``
        and skipped; the literal items are still read."""
        node = self.resolve(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for offset, line in enumerate(node.value.splitlines()):
                text = line.split("#", 1)[0].strip()
                if text:
                    out.append((node.lineno + offset, text))
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for item in node.elts:
                try:
                    resolved = self.resolve(item)
                except _Computed as e:
                    problems.append(e)
                    continue
                if isinstance(resolved, ast.Constant) and isinstance(resolved.value, str):
                    out.append((resolved.lineno, resolved.value))
                elif isinstance(resolved, ast.Starred):
                    self.strings(resolved.value, out, problems)
                else:
                    problems.append(_literal_mismatch(resolved, "a requirement string"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            self.strings(node.left, out, problems)
            self.strings(node.right, out, problems)
        else:
            raise _literal_mismatch(node, "a list of requirement strings")

    def mapping(self, node: ast.expr) -> Iterator[tuple[ast.expr | None, ast.expr]]:
        """The key / value nodes of a dict literal (``dict(a=...)`` too)."""
        node = self.resolve(node)
        if isinstance(node, ast.Dict):
            yield from zip(node.keys, node.values, strict=True)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "dict" and not node.args):
            for kw in node.keywords:
                key = ast.Constant(kw.arg) if kw.arg is not None else None
                if key is not None:
                    ast.copy_location(key, kw.value)
                yield key, kw.value
        else:
            raise _literal_mismatch(node, "a dict")


def _setup_calls(tree: ast.Module) -> list[ast.Call]:
    """Calls of setuptools' / distutils' ``setup``, in source order."""
    names = {"setup"}
    modules = {"setuptools"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("setuptools", "distutils.core"):
            names.update(a.asname or a.name for a in node.names if a.name == "setup")
        elif isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names
                           if a.name in ("setuptools", "distutils.core") and a.asname)
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id in names) or (
            isinstance(func, ast.Attribute) and func.attr == "setup"
            and ast.unparse(func.value) in modules | {"distutils.core"}
        ):
            calls.append(node)
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


class SetupPyScanner(Scanner):
    """Reads the literal arguments of the ``setup()`` call of a ``setup.py``, never running it."""

    name = "python-setup-py"

    def wants(self, path: PurePosixPath) -> bool:
        """``setup.py`` anywhere in the tree."""
        return path.name == "setup.py"

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse with :func:`ast.parse`; a syntax error raises :class:`ParseError` with its line."""
        text = file.read_text()
        try:
            with warnings.catch_warnings():  # e.g. SyntaxWarning for "\d" in the scanned code
                warnings.simplefilter("ignore")
                tree = ast.parse(text, filename=file.path)
        except SyntaxError as e:
            raise ParseError(file.path, f"is not valid Python: {e.msg}", e.lineno) from e
        except (ValueError, RecursionError, MemoryError) as e:
            raise ParseError(file.path, f"cannot be parsed as Python: {e}") from e
        out = _Collector(file.path, self.name)
        calls = _setup_calls(tree)
        if not calls:
            out.diag("no setuptools setup() call found; no dependencies read", None, "warning")
            return out.result
        if len(calls) > 1:
            out.diag(f"{len(calls)} setup() calls found; only the first (line "
                     f"{calls[0].lineno}) is read", calls[1].lineno, "warning")
        _SetupCall(out, _Literals(tree), calls[0]).read()
        return out.result


class _SetupCall:
    """The keywords of one ``setup()`` call."""

    def __init__(self, out: _Collector, literals: _Literals, call: ast.Call) -> None:
        self.out = out
        self.literals = literals
        self.call = call

    def computed(self, what: str, problem: _Computed, advice: str = _REQUIREMENT_ADVICE) -> None:
        line = getattr(problem.node, "lineno", None)
        if problem.runtime:
            self.out.diag(f"{what} is {problem.what}, computed at run time, so it cannot be read "
                          f"statically; {advice}", line, "warning")
        else:
            self.out.diag(f"{what} is {problem.what}; it is skipped", line, "warning")

    def keywords(self) -> dict[str, ast.expr]:
        """``name -> value`` of the call, ``**kwargs`` of a literal dict expanded."""
        found: dict[str, ast.expr] = {}
        for kw in self.call.keywords:
            if kw.arg is not None:
                found[kw.arg] = kw.value
                continue
            try:
                for key, value in self.literals.mapping(kw.value):
                    if key is not None:
                        found.setdefault(self.literals.string(key), value)
            except _Computed as e:
                self.computed(f"**{ast.unparse(kw.value)}", e)
        return found

    def read(self) -> None:
        """Read the requirement keywords and the project metadata."""
        kwargs = self.keywords()
        for option in _REQUIREMENT_KEYWORDS:
            if option in kwargs:
                scope, groups = _option_scope(option)
                self.requirements(kwargs[option], f"setup({option}=...)", scope, groups, None)
        if "extras_require" in kwargs:
            self.extras(kwargs["extras_require"])
        meta: dict[str, str] = {}
        for option in _METADATA_KEYWORDS:
            value = kwargs.get(option)
            if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
                try:
                    meta[option] = self.literals.string(value)
                except _Computed as e:
                    self.computed(f"setup({option}=...)", e, _METADATA_ADVICE)
        if meta.get("name"):
            self.out.result.project = ProjectInfo(
                name=meta["name"], version=meta.get("version"), license=meta.get("license"),
                description=meta.get("description"),
                location=Location(self.out.path, kwargs["name"].lineno),
            )

    def requirements(self, node: ast.expr, where: str, scope: Scope, groups: tuple[str, ...],
                     marker: str | None) -> None:
        if isinstance(node, ast.Constant) and node.value is None:
            return
        items: list[tuple[int, str]] = []
        problems: list[_Computed] = []
        try:
            self.literals.strings(node, items, problems)
        except _Computed as e:
            problems.append(e)
        for problem in problems:
            self.computed(where, problem)
        for line, text in items:
            if marker:
                text = (f"{text} ; {marker}" if ";" not in text
                        else text.replace(";", "; (", 1) + f") and ({marker})")
            self.out.requirement(text, line, where, scope, groups)

    def extras(self, node: ast.expr) -> None:
        where = "setup(extras_require=...)"
        try:
            pairs = list(self.literals.mapping(node))
        except _Computed as e:
            self.computed(where, e)
            return
        for key, value in pairs:
            try:
                if key is None:
                    raise _Computed(value, "an unpacked mapping")
                name = self.literals.string(key)
            except _Computed as e:
                self.computed(where, e)
                continue
            extra, _, marker = name.partition(":")  # setuptools' legacy "extra:marker" keys
            extra = extra.strip()
            scope = Scope.OPTIONAL if extra else Scope.REQUIRED
            self.requirements(value, f"setup(extras_require={{{name!r}: ...}})", scope,
                              (extra,) if extra else (), marker.strip() or None)


SCANNERS = [SetupCfgScanner(), SetupPyScanner()]
