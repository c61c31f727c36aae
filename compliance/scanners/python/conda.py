"""Conda environment files (``environment.yml``, ``environment-gpu.yaml``, ``x.environment.yml``).

Each entry of ``dependencies:`` is a conda package (ecosystem ``conda``, name as written), read
the way conda reads a match spec:

* ``numpy==1.26.4``, ``numpy 1.26.4`` and ``numpy=1.26.4=py311h64a7726_0`` pin an exact version;
* ``numpy=1.26.4`` is conda's fuzzy match, recorded as the constraint ``1.26.4*``;
* ``numpy>=1.26,<2`` and ``numpy 1.26.*`` are constraints, kept as written (spaces removed);
* ``conda-forge::pytorch`` names its channel, recorded as the registry URL
  (``https://conda.anaconda.org/conda-forge``; a channel URL is kept as it is). ``defaults``
  and entries without a channel get the default registry (``url`` None).

``python`` and ``pip`` are kept: they are real conda packages installed into the environment.
The ``pip:`` sub-list is read as requirement lines (ecosystem ``pypi``): ``--hash`` options are
kept, ``--index-url`` sets the index of every pip entry, ``-e .`` (the project itself) is
skipped, and ``-r`` / ``-c`` includes and editable local paths give a warning (not followed).

The YAML is read as an event stream (libyaml when available) into a small tree that keeps
lines. Hostile input is refused with a :class:`ParseError` before it can cost time or memory:
more than a few anchors or aliases (an alias "billion laughs" bomb), nesting deeper than
:data:`MAX_DEPTH`, or more than one document. A top level that is not a mapping is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from compliance.errors import ParseError
from compliance.model import (
    DEFAULT_REGISTRY,
    ROOT,
    Declaration,
    Diagnostic,
    Edge,
    Hash,
    Location,
    ScanResult,
    Source,
    SourceKind,
    parse_hash,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.python.pep508 import parse_requirement, source_from_url
from compliance.scanners.yaml_tree import (
    YamlMap,
    YamlNode,
    YamlScalar,
    YamlSeq,
    load_yaml_tree,
)

_FILE_NAME = re.compile(r"^(?:.+[._-])?environment(?:[._-].+)?\.ya?ml$")


# ---------------------------------------------------------------------------------------------
# Conda match specs
# ---------------------------------------------------------------------------------------------

# conda's own split of a match spec into name / version+build, and of version from build
_NAME_REST = re.compile(r"([^ =<>!~]+)?([><!=~ ].+)?")
_VERSION_BUILD = re.compile(r"((?:.+?)[^><!,|]?)(?:(?<![=!|,<>~])(?:[ =])([^-=,|<>~]+?))?$")
_BRACKET = re.compile(r"\[(.*)\]\s*$")
_BRACKET_ITEM = re.compile(r"""(\w+)\s*=\s*(?:'([^']*)'|"([^"]*)"|([^,\]]*))""")
_CONDA_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
_NOT_PLAIN = frozenset("*<>!=~,|")
_VERSION_TEXT = re.compile(r"^[A-Za-z0-9_.+!*<>=~,|()]+$")
_BUILD_TEXT = re.compile(r"^[A-Za-z0-9_.+*]+$")


@dataclass(frozen=True, slots=True)
class MatchSpec:
    """What a conda match spec asks for: channel, name, exact version or constraint, build."""

    name: str
    channel: str | None = None
    version: str | None = None
    constraint: str | None = None
    build: str | None = None


def parse_match_spec(spec: str) -> MatchSpec | None:
    """Parse ``[channel::]name[ version[ build]]`` / ``name=version=build`` / ``name[k=v]``.

    Returns None when ``spec`` does not name a package.
    """
    text = spec.strip()
    brackets: dict[str, str] = {}
    m = _BRACKET.search(text)
    if m:
        for item in _BRACKET_ITEM.finditer(m.group(1)):
            brackets[item.group(1)] = next(g for g in item.groups()[1:] if g is not None).strip()
        text = text[: m.start()].rstrip()
    channel = None
    if "::" in text:
        channel, _, text = text.rpartition("::")
    parts = _NAME_REST.match(text)
    name = parts.group(1) if parts else None
    if not name or not _CONDA_NAME.match(name):
        return None
    rest = (parts.group(2) or "").strip() if parts else ""
    version = build = None
    if rest:
        vb = _VERSION_BUILD.search(rest)
        if vb:
            version, build = vb.group(1), vb.group(2) and vb.group(2).strip()
        else:
            version = rest
        version = version.replace(" ", "") if version else None
    if "version" in brackets:
        version = brackets["version"].replace(" ", "")
    build = brackets.get("build", build)
    channel = brackets.get("channel", channel)
    if (version and not _VERSION_TEXT.match(version)) or (build and not _BUILD_TEXT.match(build)):
        return None
    exact = constraint = None
    if version:
        if version.startswith("=="):
            exact = version[2:]
        elif version.startswith("=") and not set(version[1:]) & {"=", ",", "|"}:
            tail = version[1:]
            version = tail if build is not None or tail.endswith("*") else f"{tail}*"
        if exact is None:
            if version in ("*", ""):
                pass
            elif set(version) & _NOT_PLAIN:
                constraint = version
            else:
                exact = version
        elif set(exact) & _NOT_PLAIN:
            exact, constraint = None, version
    return MatchSpec(name, channel or None, exact, constraint, build or None)


def channel_source(channel: str | None) -> Source:
    """The registry a channel names: ``conda-forge`` -> https://conda.anaconda.org/conda-forge."""
    if not channel or channel == "defaults":
        return DEFAULT_REGISTRY
    if "://" in channel:
        return Source(SourceKind.REGISTRY, channel.rstrip("/"))
    return Source(SourceKind.REGISTRY, f"https://conda.anaconda.org/{channel.strip('/')}")


# ---------------------------------------------------------------------------------------------
# The scanner
# ---------------------------------------------------------------------------------------------

_HASH_OPTION = re.compile(r"\s+--hash[=\s]\s*(\S+)")
_EGG = re.compile(r"#(?:.*&)?egg=([A-Za-z0-9._-]+)")
_OPTION_WITH_VALUE = re.compile(r"^(-\w|--[\w-]+)(?:[=\s]\s*(.*))?$")
_IGNORED_PIP_OPTIONS = frozenset({
    "--extra-index-url", "--find-links", "-f", "--trusted-host", "--pre", "--no-binary",
    "--only-binary", "--prefer-binary", "--no-index", "--use-feature", "--no-deps",
    "--upgrade", "-U", "--progress-bar",
})


class _Env:
    """State of one environment-file scan."""

    def __init__(self, path: str, scanner: str) -> None:
        self.path = path
        self.scanner = scanner
        self.result = ScanResult()

    def diag(self, message: str, line: int | None, severity: str = "error") -> None:
        self.result.diagnostics.append(Diagnostic(self.path, message, line, severity,
                                                  self.scanner))

    def add(self, decl: Declaration, key: str) -> None:
        decl.key = key
        self.result.declarations.append(decl)
        self.result.edges.append(Edge(ROOT, key))

    def conda(self, node: YamlScalar, key: str) -> None:
        spec = parse_match_spec(node.value)
        if spec is None:
            why = ("it looks like two entries folded into one (check the indentation of the "
                   "next '- ' line)" if " - " in node.value
                   else "expected name, name=version or channel::name")
            self.diag(f"dependencies: {node.value!r} is not a conda package spec: {why}; "
                      "skipped", node.line)
            return
        self.add(Declaration(
            name=spec.name, location=Location(self.path, node.line), ecosystem="conda",
            version=spec.version, constraint=spec.constraint,
            source=channel_source(spec.channel), direct=True,
        ), key)

    def pip(self, node: YamlNode, key: str) -> None:
        if isinstance(node, YamlScalar) and node.is_null:
            return
        if not isinstance(node, YamlSeq):
            self.diag("dependencies: pip: must be a list of requirement lines; not read",
                      node.line)
            return
        index: Source | None = None
        found: list[Declaration] = []
        for number, item in enumerate(node.items):
            if not isinstance(item, YamlScalar) or item.is_null:
                self.diag("dependencies: pip: an entry is not a requirement line; skipped",
                          item.line)
                continue
            text = item.value.strip()
            if text.startswith("-"):
                url = self.pip_option(text, item.line, f"{key}[{number}]", found)
                if url is not None:
                    index = Source(SourceKind.REGISTRY, url)
                continue
            hashes: list[Hash] = []
            for m in _HASH_OPTION.finditer(text):
                parsed = parse_hash(m.group(1))
                if parsed is not None:
                    hashes.append(parsed)
            text = _HASH_OPTION.sub("", text).strip()
            decl = self.pip_requirement(text, item.line, f"{key}[{number}]")
            if decl is not None:
                decl.hashes = tuple(hashes)
                found.append(decl)
        if index is not None:
            for decl in found:
                if decl.source == DEFAULT_REGISTRY:
                    decl.source = index

    def pip_requirement(self, text: str, line: int, key: str,
                        editable: bool = False) -> Declaration | None:
        location = Location(self.path, line)
        egg = _EGG.search(text)
        if egg and ("://" in text or text.startswith(("git+", "hg+", "svn+", "bzr+"))):
            decl = Declaration(name=egg.group(1), location=location, direct=True,
                               source=source_from_url(text[: text.index("#")]),
                               editable=editable)
        else:
            try:
                decl = parse_requirement(text, location)
            except ParseError as e:
                self.diag(f"dependencies: pip: {e.detail.splitlines()[0]}; this entry is skipped",
                          line)
                return None
            decl.editable = editable
        self.add(decl, key)
        return decl

    def pip_option(self, text: str, line: int, key: str, found: list[Declaration]) -> str | None:
        """A pip option line; returns the URL of ``--index-url`` / ``-i``."""
        m = _OPTION_WITH_VALUE.match(text)
        option, value = (m.group(1), (m.group(2) or "").strip()) if m else (text, "")
        if option in ("-i", "--index-url") and value:
            return value
        if option in ("-e", "--editable") and value:
            if value in (".", "./"):
                return None  # the project itself: the SBOM's root component
            if _EGG.search(value) or not value.startswith((".", "/", "~", "file:")):
                decl = self.pip_requirement(value, line, key, editable=True)
                if decl is not None:
                    found.append(decl)
                return None
            self.diag(f"dependencies: pip: {text!r} installs the local project at {value!r} in "
                      "editable mode; its name is not known without reading that project, so "
                      "it is not recorded (it is scanned when its directory is)", line, "warning")
            return None
        if option in ("-r", "--requirement", "-c", "--constraint"):
            self.diag(f"dependencies: pip: {text!r} reads another file, which is not followed "
                      "here (a requirements*.txt file is scanned on its own)", line, "warning")
            return None
        if option not in _IGNORED_PIP_OPTIONS:
            self.diag(f"dependencies: pip: unknown option line {text!r}; ignored", line,
                      "warning")
        return None


class CondaEnvironmentScanner(Scanner):
    """Reads the conda and pip packages of a conda environment file."""

    name = "conda-environment"

    def wants(self, path: PurePosixPath) -> bool:
        """``environment.yml`` / ``.yaml``, and names such as ``environment-gpu.yml`` or
        ``cuda.environment.yml``."""
        return _FILE_NAME.match(path.name) is not None

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse the file; invalid or hostile YAML raises :class:`ParseError` with its line."""
        root = load_yaml_tree(file.path, file.read_text())
        env = _Env(file.path, self.name)
        if root is None:
            env.diag("is empty; no dependencies read", None, "warning")
            return env.result
        if not isinstance(root, YamlMap):
            raise ParseError(file.path, "is not a conda environment file: its top level is not "
                             "a mapping (expected name:, channels:, dependencies:)", root.line)
        deps = root.get("dependencies")
        if deps is None or (isinstance(deps, YamlScalar) and deps.is_null):
            return env.result
        if not isinstance(deps, YamlSeq):
            env.diag("dependencies: must be a list; not read", deps.line)
            return env.result
        for number, item in enumerate(deps.items):
            key = f"dependencies[{number}]"
            pip = item.get("pip") if isinstance(item, YamlMap) else None
            if isinstance(item, YamlScalar) and not item.is_null:
                env.conda(item, key)
            elif isinstance(item, YamlMap) and pip is not None:
                extra = [k.value for k, _ in item.pairs
                         if isinstance(k, YamlScalar) and k.value != "pip"]
                if extra:
                    env.diag(f"dependencies: unexpected key(s) {', '.join(extra)} next to pip:; "
                             "ignored", item.line, "warning")
                env.pip(pip, f"{key}.pip")
            else:
                env.diag("dependencies: an entry is neither a package spec nor a pip: list; "
                         "skipped", item.line)
        return env.result


SCANNERS = [CondaEnvironmentScanner()]
