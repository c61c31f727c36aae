"""Vendored code and git submodules: third-party code that lives inside the repository.

Code copied into a repository is shipped with it, so each copy is a component with the license
it came with. Three scanners read the evidence; none of them walks the tree (the one walk hands
them files by name) and none reads git's object store.

**Vendoring folders** are path segments named ``third_party``, ``third-party``, ``thirdparty``,
``3rdparty``, ``3rd_party``, ``3rd-party``, ``vendor``, ``vendored``, ``_vendor``, ``external``,
``externals`` or ``deps`` (as written, upper-cased or capitalised; also ``ThirdParty``). The
folder directly under the *deepest* such segment is a component's root:
``third_party/flash-attention``. The component is named by that root's path relative to the scan
root (``ecosystem="generic"``, so the purl is ``pkg:generic/third_party/flash-attention``), so
that two copies that share a folder name (``third_party/foo``, ``vendor/foo``) stay apart, and
every file of one copy (its license files, its tagged sources, a pins file beside it) names the
same component, which the inventory merges. Nested vendoring (``third_party/x/third_party/y``)
gives two components. Under a ``vendor`` segment whose first folder is a host name (Go's
``vendor/github.com/pkg/errors``), the root is ``host/owner/repo`` for github.com, gitlab.com,
bitbucket.org and golang.org, and ``host/name`` for other hosts (``go.uber.org/atomic``).

* ``vendored`` claims license files (:func:`~compliance.licenses.identify.is_license_file_name`)
  inside a component: each gives a declaration carrying FILE evidence (the file's path relative
  to the scan root; the license engine identifies the text). A license file *directly* in a
  vendoring folder (``third_party/LICENSE``, ``vendor/THIRD_PARTY_NOTICES.md``) describes the
  folder, not a package, and is not claimed, except pip's single-module layout
  ``_vendor/six.LICENSE`` beside ``_vendor/six.py`` (or a ``six`` folder), which is the license of
  the component ``_vendor/six``. It also claims source files (:data:`SOURCE_SUFFIXES`) in a
  vendoring folder and reads ``SPDX-License-Identifier`` tags in their first 4 KiB: each tag is
  EXPRESSION evidence at its line. A tagged source file directly in a vendoring folder
  (``third_party/miniz.c``) is a single-file component named by its stem (``third_party/miniz``).
  Files inside a submodule checkout (a folder between the component root and the file holds a
  ``.git`` *file*, as ``git submodule update`` writes) are left to the ``git-submodules`` scanner,
  so a checked-out submodule is one component, not two.
* ``vendor-txt`` reads pip-style pins files (``vendor.txt`` in a vendoring folder: ``name==version``
  lines, ``#`` comments; an indented line is a dependency of the unindented line above it, as in
  pip's ``_vendor/vendor.txt``). Each pin is named by the folder or module it vendors: the first of
  ``name``, ``name`` lower-cased, its PEP 503 form with ``_`` or ``-`` that exists as a folder or
  a ``.py`` module beside the pins file (``pyproject-hooks`` -> ``_vendor/pyproject_hooks``); when
  none exists (pip's ``setuptools``, vendored as ``pkg_resources``), the name as written.
* ``git-submodules`` reads ``.gitmodules``: each ``[submodule]`` with a ``path`` is a component
  declared at the line of its ``path``. A github.com or bitbucket.org url gives purl type
  ``github`` / ``bitbucket`` and the name ``owner/repo`` (lower-cased, as those purl types are);
  any other url gives ``generic`` named by the path, like vendored folders. The source is the url
  (VCS, git; credentials are masked). No version and no commit: the commit a submodule is pinned
  to is a gitlink in git's object store, which the scan does not read. When the submodule is
  checked out, the license files at its top are FILE evidence.

Not covered: PHP Composer's ``vendor/<vendor>/<package>`` layout (a ``vendor/symfony`` component
would hold every Symfony package); Go's ``vendor/modules.txt`` (versions of Go modules belong to
a Go scanner with ``golang`` purls); SPDX tags past the first 4 KiB of a file.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from compliance.errors import UnreadableFile
from compliance.licenses.identify import is_license_file_name, spdx_tags
from compliance.model import (
    ROOT,
    Declaration,
    DeclarationKind,
    Diagnostic,
    Edge,
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
    canonical_name,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.python.requirements import redact_url

__all__ = [
    "SCANNERS",
    "SOURCE_SUFFIXES",
    "VENDOR_DIRS",
    "GitSubmodulesScanner",
    "VendorPinsScanner",
    "VendoredCodeScanner",
    "component_root",
]

#: Folder names under which copied third-party code lives.
VENDOR_DIRS = frozenset({
    "third_party", "third-party", "thirdparty", "3rdparty", "3rd_party", "3rd-party",
    "vendor", "vendored", "_vendor", "external", "externals", "deps",
})

#: Source files whose ``SPDX-License-Identifier`` tags are read inside vendoring folders.
SOURCE_SUFFIXES = frozenset({
    ".c", ".h", ".cc", ".cpp", ".cxx", ".c++", ".hh", ".hpp", ".hxx", ".h++", ".inl", ".ipp",
    ".cu", ".cuh", ".cl", ".metal", ".py", ".pyx", ".pxd", ".pyi", ".rs", ".go", ".java", ".kt",
    ".scala", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".swift", ".m", ".mm", ".zig",
    ".proto", ".cmake", ".sh", ".s", ".asm",
})

# the spellings matched: each name as written, upper-cased and capitalised, plus CamelCase forms
_SEGMENTS = frozenset(
    {form for name in VENDOR_DIRS for form in (name, name.upper(), name.capitalize())}
    | {"ThirdParty", "Third_Party", "Third-Party", "3rdParty", "3rd_Party", "Externals"})

_HEAD = 4096  # tags sit in a file's header: bytes of each source file searched
_ECOSYSTEM = "generic"
# hosts whose vendored Go paths are host/owner/repo; other hosts are host/name
_OWNER_REPO_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "golang.org"})
# what a single-module component can be, beside its license file or pin
_MODULE_SUFFIXES = (".py", ".h", ".hpp", ".c", ".cc", ".cpp", ".js", ".go", ".rs")
_MODULE_LICENSE = re.compile(
    r"^(?P<stem>[A-Za-z0-9][\w-]*?)[-_.](?:licen[cs]e|copying)(?:[-_.][\w.-]+)?$", re.IGNORECASE)
_PIN = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*==\s*(\S+)$")
_COMMENT = re.compile(r"(?:^|\s)#.*$")
_SECTION = re.compile(r'^\[\s*([A-Za-z0-9.-]+)\s*(?:"((?:[^"\\]|\\.)*)")?\s*\]\s*(?:[#;].*)?$')
_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$")
_FORGE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]+@)?(github\.com|bitbucket\.org)[:/]"
    r"([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/*$",
    re.IGNORECASE,
)
_FORGE_TYPES = {"github.com": "github", "bitbucket.org": "bitbucket"}


# ----------------------------------------------------------------------------- layout


def _vendor_index(dirs: tuple[str, ...]) -> int:
    """Index of the deepest vendoring segment among ``dirs``, or -1."""
    for i in range(len(dirs) - 1, -1, -1):
        if dirs[i] in _SEGMENTS:
            return i
    return -1


def component_root(path: PurePosixPath) -> str | None:
    """The root folder of the vendored component a file belongs to (POSIX, relative to the scan
    root), or None when the file is not inside one (outside vendoring folders, or directly in a
    vendoring folder, or in a Go host/owner folder above any module)."""
    dirs = path.parts[:-1]
    i = _vendor_index(dirs)
    if i < 0:
        return None
    rest = dirs[i + 1:]
    if not rest:
        return None
    depth = 1
    if dirs[i] in ("vendor", "Vendor", "VENDOR") and "." in rest[0]:
        depth = 3 if rest[0].lower() in _OWNER_REPO_HOSTS else 2
    if len(rest) < depth:
        return None
    return "/".join(dirs[: i + 1 + depth])


def _in_vendor_dir(path: PurePosixPath) -> bool:
    """Whether the file sits directly in a vendoring folder."""
    return path.parent.name in _SEGMENTS


def _module_exists(root: Path, folder: str, stem: str) -> bool:
    """Whether ``folder/stem`` is a vendored package folder or single-file module."""
    base = root / folder / stem if folder else root / stem
    if base.is_dir():
        return True
    return any(base.with_name(stem + suffix).is_file() for suffix in _MODULE_SUFFIXES)


def _in_checkout(root: Path, comp: str, directory: str) -> bool:
    """Whether a folder from ``comp`` down to ``directory`` is a git checkout of its own (a
    ``.git`` file: a submodule), which the ``git-submodules`` scanner reports."""
    base = str(root)
    folder = comp
    rest = directory[len(comp) + 1:].split("/") if len(directory) > len(comp) else []
    for part in ("", *rest):
        folder = f"{folder}/{part}" if part else folder
        if os.path.isfile(os.path.join(base, folder, ".git")):
            return True
    return False


def _declaration(name: str, location: Location, *, version: str | None = None,
                 licenses: tuple[LicenseEvidence, ...] = (), key: str | None = None) -> Declaration:
    return Declaration(
        name=name, location=location, kind=DeclarationKind.MANIFEST, ecosystem=_ECOSYSTEM,
        version=version, scope=Scope.REQUIRED, source=Source(SourceKind.PATH, name),
        direct=True, licenses=licenses, key=key or name)


def _single(decl: Declaration) -> ScanResult:
    return ScanResult(declarations=[decl], edges=[Edge(ROOT, decl.key)])


# ----------------------------------------------------------------------------- files and tags


class VendoredCodeScanner(Scanner):
    """License files and ``SPDX-License-Identifier`` tags of code copied into vendoring folders."""

    name = "vendored"

    def wants(self, path: PurePosixPath) -> bool:
        """License files and source files with a vendoring folder above them."""
        parts = path.parts
        if _SEGMENTS.isdisjoint(parts) or _vendor_index(parts[:-1]) < 0:
            return False
        name = path.name
        return PurePosixPath(name).suffix.lower() in SOURCE_SUFFIXES or is_license_file_name(name)

    def scan(self, file: ScanFile) -> ScanResult:
        """One declaration of the file's component with the license evidence it holds."""
        path = PurePosixPath(file.path)
        if is_license_file_name(path.name):
            return self._license_file(file, path)
        return self._source_file(file, path)

    def _license_file(self, file: ScanFile, path: PurePosixPath) -> ScanResult:
        comp = component_root(path)
        if comp is None:
            match = _MODULE_LICENSE.match(path.name)
            if not (match and _in_vendor_dir(path)
                    and _module_exists(file.root, file.directory, match["stem"])):
                return ScanResult()  # the vendoring folder's own notice: no package
            comp = _join(file.directory, match["stem"])
        elif _in_checkout(file.root, comp, file.directory):
            return ScanResult()
        where = Location(file.path)
        evidence = LicenseEvidence(LicenseEvidenceKind.FILE, file.path, where)
        return _single(_declaration(comp, where, licenses=(evidence,)))

    def _source_file(self, file: ScanFile, path: PurePosixPath) -> ScanResult:
        comp = component_root(path)
        if comp is None:
            stem = path.name.partition(".")[0]
            if not stem or stem.startswith("__") or not _in_vendor_dir(path):
                return ScanResult()
            comp = _join(file.directory, stem)
        elif _in_checkout(file.root, comp, file.directory):
            return ScanResult()
        try:
            data = file.read_bytes()
        except UnreadableFile as e:  # license evidence only: a warning, not lost content
            return ScanResult(diagnostics=[Diagnostic(
                e.path, f"{e.detail}; its SPDX-License-Identifier tags are not read", e.line,
                "warning", self.name)])
        head = data[:_HEAD]
        if b"\x00" in head:
            return ScanResult()
        tags = spdx_tags(head.decode("utf-8", "replace"))
        if not tags:
            return ScanResult()
        evidence = tuple(LicenseEvidence(LicenseEvidenceKind.EXPRESSION, expr,
                                         Location(file.path, line)) for expr, line in tags)
        return _single(_declaration(comp, Location(file.path, tags[0][1]), licenses=evidence))


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


# ----------------------------------------------------------------------------- vendor.txt


class VendorPinsScanner(Scanner):
    """pip-style ``vendor.txt`` pins: the versions of the packages vendored beside it."""

    name = "vendor-txt"

    def wants(self, path: PurePosixPath) -> bool:
        """``vendor.txt`` directly in a vendoring folder."""
        return path.name == "vendor.txt" and path.parent.name in _SEGMENTS

    def scan(self, file: ScanFile) -> ScanResult:
        """One declaration per ``name==version`` line; other lines become error diagnostics."""
        result = ScanResult()
        parent: str | None = None
        for lineno, raw in enumerate(file.read_text().splitlines(), 1):
            text = _COMMENT.sub("", raw).strip()
            if not text:
                continue
            indented = raw[:1].isspace()
            match = _PIN.match(text)
            if match is None:
                result.diagnostics.append(Diagnostic(
                    file.path, f"'{text}' is not a 'name==version' pin; vendored packages are "
                    "pinned to the exact version copied in: write it as name==version. "
                    "This entry is skipped", lineno, "error", self.name))
                if not indented:
                    parent = None
                continue
            name, version = match[1], match[2]
            folder = self._folder(file, name)
            decl = _declaration(_join(file.directory, folder), Location(file.path, lineno),
                                version=version, key=f"{folder}#{lineno}")
            result.declarations.append(decl)
            result.edges.append(Edge(ROOT, decl.key))
            if indented:
                if parent is not None:
                    result.edges.append(Edge(parent, decl.key))
            else:
                parent = decl.key
        return result

    @staticmethod
    def _folder(file: ScanFile, name: str) -> str:
        """The folder or module a pinned package is vendored as (see the module docstring)."""
        canonical = canonical_name(name)
        for candidate in dict.fromkeys((name, name.lower(), canonical.replace("-", "_"),
                                        canonical)):
            if _module_exists(file.root, file.directory, candidate):
                return candidate
        return name


# ----------------------------------------------------------------------------- .gitmodules


@dataclass
class _Submodule:
    name: str
    line: int  # of the [submodule] header
    values: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (value, line)
    broken: bool = False  # a diagnostic already explains what is wrong with it


class GitSubmodulesScanner(Scanner):
    """``.gitmodules``: each submodule is a component with its repository url."""

    name = "git-submodules"

    def wants(self, path: PurePosixPath) -> bool:
        """``.gitmodules`` files, at the root or in a nested project."""
        return path.name == ".gitmodules"

    def scan(self, file: ScanFile) -> ScanResult:
        """One declaration per submodule that has a path; problems become diagnostics."""
        result = ScanResult()
        for sub in self._parse(file, result):
            self._declare(file, sub, result)
        return result

    def _diag(self, file: ScanFile, result: ScanResult, message: str, line: int,
              severity: str = "error") -> None:
        result.diagnostics.append(Diagnostic(file.path, message, line, severity, self.name))

    def _parse(self, file: ScanFile, result: ScanResult) -> list[_Submodule]:
        """The ``[submodule "name"]`` sections, in order (a repeated name adds to the first)."""
        subs: dict[str, _Submodule] = {}
        current: _Submodule | None = None
        in_other = False  # keys of another section ([core], ...) are not ours
        for lineno, raw in enumerate(file.read_text().splitlines(), 1):
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                current, in_other = None, False
                section = _SECTION.match(line)
                if section is None:
                    self._diag(file, result, "section header is not of the form "
                               '[submodule "name"]; git cannot read this file. The entries up to '
                               "the next header are skipped", lineno)
                    in_other = True
                elif section[1].lower() != "submodule":
                    in_other = True
                elif section[2] is None:
                    self._diag(file, result, "[submodule] section has no name; write it as "
                               '[submodule "path/of/the/submodule"]. Its entries are skipped',
                               lineno)
                    in_other = True
                else:
                    name = _unescape(section[2])
                    current = subs.setdefault(name, _Submodule(name, lineno))
                continue
            key = _KEY.match(line)
            if key is None:
                self._diag(file, result, f"'{line}' is neither a [section] header nor a "
                           "'key = value' entry; git cannot read this file. The line is skipped",
                           lineno)
                continue
            if in_other:
                continue
            if current is None:
                self._diag(file, result, f"'{key[1]}' comes before any [submodule] section; "
                           "the line is skipped", lineno)
                continue
            value = _value(key[2] or "")
            if value is None:
                self._diag(file, result, f"the value of '{key[1]}' has an unclosed quote; "
                           f'submodule "{current.name}" is skipped', lineno)
                current.broken = True
                continue
            current.values[key[1].lower()] = (value, lineno)  # as in git, the last one wins
        return list(subs.values())

    def _declare(self, file: ScanFile, sub: _Submodule, result: ScanResult) -> None:
        if sub.broken:
            return
        if "path" not in sub.values:
            self._diag(file, result, f'submodule "{sub.name}" has no path, so git cannot check it '
                       "out; add 'path = <folder>'. It is skipped", sub.line)
            return
        written, line = sub.values["path"]
        path = posixpath.normpath(_join(file.directory, written.strip("/")))
        if path == "." or path.startswith("../") or path == ".." or posixpath.isabs(path):
            self._diag(file, result, f"submodule path '{written}' leaves the repository; it is "
                       "skipped", line)
            return
        url = sub.values.get("url", ("", 0))[0]
        if not url:
            self._diag(file, result, f'submodule "{sub.name}" has no url; it is recorded by its '
                       "path, without where it comes from", sub.line, "warning")
        ecosystem, name = _ECOSYSTEM, path
        forge = _FORGE.match(url)
        if forge:
            ecosystem = _FORGE_TYPES[forge[1].lower()]
            name = f"{forge[2]}/{forge[3]}".lower()
        source = (Source(SourceKind.VCS, redact_url(url), vcs="git") if url
                  else Source(SourceKind.PATH, path))
        key = f"{path}#{line}"
        result.declarations.append(Declaration(
            name=name, location=Location(file.path, line), kind=DeclarationKind.MANIFEST,
            ecosystem=ecosystem, scope=Scope.REQUIRED, source=source, direct=True,
            licenses=_checkout_licenses(file.root, path), key=key))
        result.edges.append(Edge(ROOT, key))


_ESCAPED = re.compile(r"\\(.)")


def _unescape(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


_ESCAPES = {"n": "\n", "t": "\t", "b": "\b"}


def _value(raw: str) -> str | None:
    """A git config value: quotes removed, escapes read, an unquoted ``#`` or ``;`` starts a
    comment; None when a quote is left open."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and i + 1 < len(raw):
            i += 1
            out.append(_ESCAPES.get(raw[i], raw[i]))
        elif ch in "#;" and not quoted:
            break
        else:
            out.append(ch)
        i += 1
    return None if quoted else "".join(out).strip()


def _checkout_licenses(root: Path, path: str) -> tuple[LicenseEvidence, ...]:
    """FILE evidence for the license files at the top of a checked-out submodule."""
    folder = root / path
    try:
        real, base = folder.resolve(), root.resolve()
        if base not in real.parents or not real.is_dir():
            return ()
        with os.scandir(real) as it:
            names = sorted(e.name for e in it
                           if e.is_file(follow_symlinks=False) and is_license_file_name(e.name))
    except (OSError, RuntimeError):
        return ()
    return tuple(LicenseEvidence(LicenseEvidenceKind.FILE, f"{path}/{n}", Location(f"{path}/{n}"))
                 for n in names)


SCANNERS: list[Scanner] = [VendoredCodeScanner(), VendorPinsScanner(), GitSubmodulesScanner()]
