"""Models and datasets named in Python code, read with :mod:`ast` (never imported or run).

``ml-references`` claims every ``.py`` file. A file that names none of the loaders below is
dismissed on a substring test before it is parsed; a file over :data:`MAX_SOURCE` bytes, one that
is not UTF-8 and one with a syntax error are skipped with a warning. Only string literals count,
and module-level string constants (``MODEL_ID = "org/name"`` assigned once at the top level of
the module); anything computed at run time is not guessed.

Calls recognised, by the called name (``X.from_pretrained`` for any ``X``):

* ``from_pretrained`` (transformers, diffusers, PEFT's ``PeftModel.from_pretrained(model, id)``,
  llama-cpp's ``Llama.from_pretrained(repo_id=...)``), ``SentenceTransformer``, ``CrossEncoder``,
  ``pipeline(task, model=...)``, vLLM's ``LLM`` / ``EngineArgs`` / ``AsyncEngineArgs``
  (``model=``), ``hf_hub_download`` / ``hf_hub_url`` / ``snapshot_download`` (``repo_id``,
  ``repo_type``: a ``dataset`` is data, a ``space`` is skipped), timm / open_clip
  ``create_model*("hf-hub:org/name")``: a Hub model (ecosystem ``huggingface``, name as written);
* ``load_dataset("org/name")``: a Hub dataset, named ``datasets/org/name``, type ``data``;
  ``load_dataset("csv", data_files="https://...")`` (a packaged builder) gives one data
  component per URL instead;
* ``torch.hub.load("owner/repo:ref", ...)``: a GitHub repository (ecosystem ``github``, VCS
  source; ``source="local"`` is skipped);
* ``load_state_dict_from_url`` / ``download_url_to_file`` / keras ``get_file(origin=...)``: a
  download (ecosystem ``generic`` named by the URL, URL source).

A name that is a path inside the repository (``"./models/bert"``, or an existing folder or file
relative to the root or to the file's folder) is that path as a ``generic`` component, so it
merges with the folder's card and weight files; other paths (absolute, ``~``, missing) are not
components. Every declaration is scope required, direct, ``Edge(ROOT, ...)``, at the line of the
name. A revision that is a full 40-hex commit is the version (pinned); any revision as written
is ``Source.revision``.

Properties (``ml:``): ``loader`` (the call as written: ``AutoModel.from_pretrained``),
``revision``, ``revision-pinned`` (true / false / unknown), ``trust-remote-code`` (true, or
``computed`` when not a literal), ``insecure-url`` (each ``http://`` string in the call),
``filename``, ``repo-type``.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from compliance.errors import UnreadableFile
from compliance.model import (
    ROOT,
    Declaration,
    Diagnostic,
    Edge,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.ml import DATA, MODEL, ml_declaration
from compliance.scanners.ml.cards import is_hub_id
from compliance.scanners.python.requirements import redact_url

__all__ = ["MAX_SOURCE", "SCANNERS", "ModelReferencesScanner", "Reference", "find_references"]

#: Python files larger than this are not searched (generated code, vendored bundles).
MAX_SOURCE = 1 << 20

# a file naming none of these is not parsed (substring tests: faster than one regex)
_TRIGGERS = ("pretrained", "hf_hub_", "snapshot_download", "pipeline", "LLM", "EngineArgs",
             "load_dataset", "SentenceTransformer", "CrossEncoder", "create_model",
             "load_state_dict_from_url", "download_url_to_file", "get_file", "hub.load")
_TRIGGER_BYTES = re.compile(b"|".join(re.escape(w.encode()) for w in _TRIGGERS))
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_HF_HUB_PREFIX = re.compile(r"^hf[-_]hub:")
_GITHUB_REPO = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9_.-]+)(?::(.+))?$")

# packaged dataset builders: load_dataset("csv", data_files=...) names no Hub dataset
_BUILDERS = frozenset({
    "csv", "json", "parquet", "text", "arrow", "pandas", "imagefolder", "audiofolder",
    "videofolder", "webdataset", "sql", "generator", "xml", "spark", "cache",
})


@dataclass(frozen=True, slots=True)
class _Loader:
    kind: str  # "hub", "dataset", "github", "url"
    keywords: tuple[str, ...]  # keyword arguments that name the artifact
    position: int | None  # positional argument that names it
    prefixed: bool = False  # only names written "hf-hub:org/name" count (timm, open_clip)


_HUB_KEYWORDS = ("pretrained_model_name_or_path", "model_name_or_path", "model_id", "repo_id",
                 "model_name")
_LOADERS: dict[str, _Loader] = {
    "from_pretrained": _Loader("hub", _HUB_KEYWORDS, 0),
    "SentenceTransformer": _Loader("hub", ("model_name_or_path",), 0),
    "CrossEncoder": _Loader("hub", ("model_name", "model_name_or_path"), 0),
    "pipeline": _Loader("hub", ("model",), 1),
    "LLM": _Loader("hub", ("model",), 0),
    "EngineArgs": _Loader("hub", ("model",), 0),
    "AsyncEngineArgs": _Loader("hub", ("model",), 0),
    "hf_hub_download": _Loader("hub", ("repo_id",), 0),
    "hf_hub_url": _Loader("hub", ("repo_id",), 0),
    "snapshot_download": _Loader("hub", ("repo_id",), 0),
    "create_model": _Loader("hub", ("model_name",), 0, prefixed=True),
    "create_model_and_transforms": _Loader("hub", ("model_name",), 0, prefixed=True),
    "create_model_from_pretrained": _Loader("hub", ("model_name",), 0, prefixed=True),
    "load_dataset": _Loader("dataset", ("path",), 0),
    "load": _Loader("github", ("repo_or_dir",), 0),  # torch.hub.load only (see _loader)
    "load_state_dict_from_url": _Loader("url", ("url",), 0),
    "download_url_to_file": _Loader("url", ("url",), 0),
    "get_file": _Loader("url", ("origin",), 1),
}


@dataclass
class Reference:
    """One model, dataset or download named in code."""

    ecosystem: str  # huggingface, github, generic
    name: str
    line: int
    component_type: str
    loader: str
    revision: str | None = None
    revision_known: bool = True  # False: a revision is given but not as a literal
    source: Source = field(default_factory=Source)
    properties: list[tuple[str, str]] = field(default_factory=list)

    @property
    def version(self) -> str | None:
        """The pinned commit, when the revision is one."""
        return self.revision if self.revision and _COMMIT.match(self.revision) else None


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        inner = _dotted(node.func)
        parts.append(f"{inner}()" if inner else "?")
    else:
        return ".".join(reversed(parts)) if parts else None
    return ".".join(reversed(parts))


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound exactly once, to a string literal."""
    seen: dict[str, int] = {}
    values: dict[str, str] = {}
    for stmt in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        elif isinstance(stmt, ast.AugAssign):
            targets = [stmt.target]
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    seen[name.id] = seen.get(name.id, 0) + 1
                    if isinstance(value, ast.Constant) and isinstance(value.value, str) \
                            and isinstance(target, ast.Name):
                        values[name.id] = value.value
    return {k: v for k, v in values.items() if seen.get(k) == 1}


class _Finder:
    """Walks one module's calls and turns loader calls into references."""

    def __init__(self, tree: ast.Module, exists: _Exists) -> None:
        self.constants = _constants(tree)
        self.exists = exists
        self.found: list[Reference] = []

    def string(self, node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        return None

    def strings(self, node: ast.expr) -> Iterator[str]:
        """Strings in an argument: a literal, a constant, or inside a list / tuple / dict."""
        text = self.string(node)
        if text is not None:
            yield text
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for item in node.elts:
                yield from self.strings(item)
        elif isinstance(node, ast.Dict):
            for item in node.values:
                yield from self.strings(item)

    def visit(self, tree: ast.Module) -> list[Reference]:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self.call(node)
        return self.found

    def call(self, node: ast.Call) -> None:
        func = node.func
        short = func.attr if isinstance(func, ast.Attribute) else \
            func.id if isinstance(func, ast.Name) else None
        loader = _LOADERS.get(short or "")
        if loader is None:
            return
        dotted = _dotted(func) or short or "?"
        if short == "load" and not dotted.endswith("hub.load"):
            return
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        target = next((keywords[k] for k in loader.keywords if k in keywords), None)
        position = loader.position
        if short == "from_pretrained" and dotted.split(".")[0].startswith(("Peft", "AutoPeft")) \
                and len(node.args) > 1 and self.string(node.args[0]) is None:
            position = 1  # PeftModel.from_pretrained(base_model, "org/adapter")
        if target is None and position is not None and len(node.args) > position \
                and not any(isinstance(a, ast.Starred) for a in node.args[:position + 1]):
            target = node.args[position]
        if target is None:
            return
        props = [("ml:loader", dotted)]
        insecure = [s for arg in [*node.args, *keywords.values()] for s in self.strings(arg)
                    if s.lower().startswith("http://")]
        props.extend(("ml:insecure-url", redact_url(u)) for u in dict.fromkeys(insecure))
        trust = keywords.get("trust_remote_code") or keywords.get("trust_repo")
        if isinstance(trust, ast.Constant):
            if trust.value is True or trust.value == "check":
                props.append(("ml:trust-remote-code", "true"))
        elif trust is not None:
            props.append(("ml:trust-remote-code", "computed"))
        revision_node = keywords.get("revision")
        revision = self.string(revision_node)
        revision_known = revision_node is None or revision is not None
        if loader.kind == "url":
            for url in self.strings(target):
                self.url(url, node, target, dotted, props, DATA if short == "get_file" else MODEL)
            return
        name = self.string(target)
        if name is None:
            return
        line = getattr(target, "lineno", node.lineno)
        if loader.kind == "github":
            self.github(name, line, dotted, keywords, props)
            return
        if loader.kind == "dataset" and name in _BUILDERS:
            files = keywords.get("data_files")
            if files is not None:
                for url in self.strings(files):
                    self.url(url, node, files, dotted, props, DATA)
            return
        if loader.prefixed:
            if not _HF_HUB_PREFIX.match(name):
                return
            name = _HF_HUB_PREFIX.sub("", name)
        repo_type = self.string(keywords.get("repo_type"))
        if repo_type == "space":
            return
        dataset = loader.kind == "dataset" or repo_type == "dataset"
        filename = keywords.get("filename")
        if filename is None and short in ("hf_hub_download", "hf_hub_url") and len(node.args) > 1:
            filename = node.args[1]
        for key, node_value in (("ml:filename", filename),
                                ("ml:repo-type", keywords.get("repo_type"))):
            text = self.string(node_value)
            if text:
                props.append((key, text))
        ref = self.local(name, line, dotted, dataset, props)
        if ref is None:
            if name.lower().startswith(("http://", "https://")):
                self.url(name, node, target, dotted, props, DATA if dataset else MODEL)
                return
            if not is_hub_id(name):
                return
            ref = Reference("huggingface", f"datasets/{name}" if dataset else name, line,
                            DATA if dataset else MODEL, dotted, revision, revision_known,
                            Source(revision=revision, commit=revision if revision and
                                   _COMMIT.match(revision) else None), props)
            _revision_properties(ref)
        self.found.append(ref)

    def local(self, name: str, line: int, loader: str, dataset: bool,
              props: list[tuple[str, str]]) -> Reference | None:
        """A reference to a path inside the repository, or None when ``name`` is not one."""
        path = self.exists(name)
        if path is None:
            return None
        label = self.exists.root_name if path == "." else path  # as a card at the root is named
        return Reference("generic", label, line, DATA if dataset else MODEL, loader,
                         source=Source(SourceKind.PATH, path), properties=props)

    def url(self, url: str, call: ast.Call, node: ast.expr, loader: str,
            props: list[tuple[str, str]], component_type: str) -> None:
        if not url.lower().startswith(("http://", "https://")):
            return
        clean = redact_url(url.split("#", 1)[0])
        self.found.append(Reference("generic", clean, getattr(node, "lineno", call.lineno),
                                    component_type, loader,
                                    source=Source(SourceKind.URL, clean),
                                    properties=list(props)))

    def github(self, text: str, line: int, loader: str, keywords: dict[str, ast.expr],
               props: list[tuple[str, str]]) -> None:
        if self.string(keywords.get("source")) == "local":
            return
        m = _GITHUB_REPO.match(text)
        if m is None:
            return
        owner, repo, ref = m.group(1), m.group(2), m.group(3)
        name = f"{owner}/{repo}".lower()
        source = Source(SourceKind.VCS, f"https://github.com/{owner}/{repo}", "git", ref,
                        ref if ref and _COMMIT.match(ref) else None)
        found = Reference("github", name, line, MODEL, loader, ref, True, source, props)
        _revision_properties(found)
        self.found.append(found)


def _revision_properties(ref: Reference) -> None:
    if ref.revision:
        ref.properties.append(("ml:revision", ref.revision))
    pinned = "unknown" if not ref.revision_known else "true" if ref.version else "false"
    ref.properties.append(("ml:revision-pinned", pinned))


class _Exists:
    """Answers whether a name in code is a path inside the repository (relative to the root or
    to the file's folder); remembers answers for one file."""

    def __init__(self, file: ScanFile) -> None:
        self.file = file
        self.root = os.path.realpath(file.root)
        self.root_name = os.path.basename(self.root)
        self.cache: dict[str, str | None] = {}

    def __call__(self, name: str) -> str | None:
        if name not in self.cache:
            self.cache[name] = self._find(name)
        return self.cache[name]

    def _find(self, name: str) -> str | None:
        if not name or "\x00" in name or "://" in name or name.startswith(("/", "~", "\\")):
            return None
        name = name.replace("\\", "/")
        for base in ("", self.file.directory):
            rel = posixpath.normpath(posixpath.join(base, name))
            if rel == ".." or rel.startswith("../"):
                continue
            real = os.path.realpath(os.path.join(self.root, rel))
            inside = real == self.root or real.startswith(self.root + os.sep)
            if inside and os.path.exists(real):
                return "." if rel == "." else rel
        return None


def find_references(tree: ast.Module, file: ScanFile) -> list[Reference]:
    """The models, datasets and downloads a parsed module names (see module doc)."""
    return _Finder(tree, _Exists(file)).visit(tree)


class ModelReferencesScanner(Scanner):
    """Models and datasets named in Python code."""

    name = "ml-references"

    def wants(self, path: PurePosixPath) -> bool:
        """Every ``.py`` file."""
        return path.suffix == ".py"

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse one Python file and list what its loader calls name."""
        result = ScanResult()
        try:
            data = file.read_bytes()
        except UnreadableFile as e:
            result.diagnostics.append(self._warn(file, e.detail, e.line))
            return result
        if len(data) > MAX_SOURCE:
            result.diagnostics.append(self._warn(
                file, f"is {len(data)} bytes, over the {MAX_SOURCE >> 20} MiB limit for Python "
                "sources; not searched for model references"))
            return result
        if _TRIGGER_BYTES.search(data) is None:  # most sources name no model: skip decoding
            return result
        try:
            text = file.read_text()
        except UnreadableFile as e:
            result.diagnostics.append(self._warn(file, e.detail, e.line))
            return result
        try:
            tree = ast.parse(text, filename=file.path)
        except SyntaxError as e:
            result.diagnostics.append(self._warn(
                file, f"is not valid Python 3 ({e.msg}); not searched for model references",
                e.lineno))
            return result
        except (RecursionError, MemoryError, ValueError):
            result.diagnostics.append(self._warn(
                file, "is nested too deeply to parse; not searched for model references"))
            return result
        seen: set[str] = set()
        for ref in sorted(find_references(tree, file), key=lambda r: r.line):
            key = f"{ref.line}:{ref.ecosystem}:{ref.name}"
            if key in seen:
                continue
            seen.add(key)
            decl = _declaration(ref, file.path, key)
            result.declarations.append(decl)
            result.edges.append(Edge(ROOT, key))
        return result

    def _warn(self, file: ScanFile, message: str, line: int | None = None) -> Diagnostic:
        return Diagnostic(file.path, message, line, "warning", self.name)


def _declaration(ref: Reference, path: str, key: str) -> Declaration:
    return ml_declaration(
        ref.name, Location(path, ref.line), component_type=ref.component_type,
        properties=ref.properties, ecosystem=ref.ecosystem, version=ref.version,
        scope=Scope.REQUIRED, source=ref.source, direct=True, key=key)


SCANNERS: list[Scanner] = [ModelReferencesScanner()]
