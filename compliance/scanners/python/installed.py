"""Installed Python environments, read statically: where site-packages is, and what is in it.

``--python X`` names an interpreter, an environment directory or a site-packages directory.
:func:`find_site_packages` finds the site-packages folders from the file system layout alone
(``pyvenv.cfg``, ``conda-meta``, ``lib/pythonX.Y``, ``Lib``, Debian ``dist-packages``): the
interpreter is never run, since running it would execute code the user did not ask to run.
:func:`scan_site_packages` turns each ``*.dist-info`` (and legacy ``*.egg-info``) found there into
an INSTALLED declaration with its license evidence, PEP 610 source and ``Requires-Dist`` edges.
Nothing in the environment is imported, and no link leading out of the site folder is followed.

This module is not a repository scanner (it defines no ``SCANNERS``): the CLI calls it directly.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.parser import HeaderParser
from email.policy import compat32
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from compliance.errors import InputError
from compliance.model import (
    DEFAULT_REGISTRY,
    Declaration,
    DeclarationKind,
    Diagnostic,
    Edge,
    Hash,
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ScanResult,
    Source,
    SourceKind,
    canonical_name,
    parse_hash,
)

#: The name diagnostics from this module carry.
SCANNER_NAME = "python-installed"

#: METADATA / PKG-INFO files larger than this are not read (real ones stay well under 2 MiB).
MAX_METADATA_SIZE = 16 * 1024 * 1024

_SITE_NAMES = ("site-packages", "dist-packages")
_BIN_NAMES = ("bin", "Scripts")
_LIB_VERSION_DIR = re.compile(r"^(?:python|pypy)\d+(?:\.\d+)?t?$")
_EXE_VERSION = re.compile(r"^(?:python|pypy)(\d+)\.(\d+)(t?)(?:\.exe)?$", re.IGNORECASE)
_CFG_VERSION = re.compile(r"^(\d+)\.(\d+)")
_CONDA_PYTHON = re.compile(r"^python-(\d+)\.(\d+)\.")
_HEADER_START = re.compile(r"^([\x21-\x39\x3b-\x7e]+):")
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
_EXTRA_MARKER = re.compile(r"\bextra\b")
_LICENSE_FILE_NAME = re.compile(r"^(?:licen[cs]e|copying|notice)", re.IGNORECASE)
_UNKNOWN_VALUES = frozenset({"", "unknown", "none", "n/a"})
_MAX_LICENSE_DEPTH = 4
#: PEP 639 puts license files under ``licenses/``; maturin and hatchling used ``license_files/``
#: before it was final.
_LICENSE_DIRS = ("licenses", "license_files")


# --------------------------------------------------------------------------------------------
# Finding site-packages
# --------------------------------------------------------------------------------------------


def find_site_packages(target: Path) -> list[Path]:
    """Return the site-packages / dist-packages folders of the environment ``target`` names.

    ``target`` is an interpreter path (``.venv/bin/python``, ``/usr/bin/python3.11``,
    ``C:\\env\\python.exe``), an environment directory (virtualenv, conda env, Python install
    prefix) or a site-packages directory. The interpreter is never run: everything is derived
    from the layout on disk. Raises :class:`~compliance.errors.InputError` naming the places
    looked at when nothing is found.
    """
    if not os.path.lexists(target):
        raise InputError(f"{target}: no such file or directory (expected a Python interpreter, "
                         "a virtual environment or a site-packages directory)")
    tried: list[Path] = []
    if target.is_dir():
        found = _sites_for_directory(target, tried)
    else:
        found = _sites_for_interpreter(target, tried)
    if found:
        return _unique(found)
    looked = ", ".join(str(p) for p in _unique_paths(tried)) or "nothing recognisable"
    raise InputError(
        f"{target}: no site-packages or dist-packages directory found (the interpreter is not run; "
        f"looked in: {looked}). Pass the site-packages directory itself, for example "
        "--python .venv/lib/python3.11/site-packages"
    )


def _sites_for_directory(target: Path, tried: list[Path]) -> list[Path]:
    if target.name in _SITE_NAMES:
        return [target]
    if _is_env_prefix(target):
        return _env_sites(target, tried)
    if _holds_distributions(target):  # a ``pip install --target`` folder
        return [target]
    if target.name in _BIN_NAMES and _is_env_prefix(target.parent):
        return _env_sites(target.parent, tried)
    return _env_sites(target, tried)


def _sites_for_interpreter(exe: Path, tried: list[Path]) -> list[Path]:
    # A venv's bin/python is usually a link to the base interpreter: look for the environment
    # around the path as given before resolving anything.
    for prefix in _prefix_candidates(exe):
        if _is_env_prefix(prefix):
            return _env_sites(prefix, tried, exe_version=_version_from_name(exe.name))
    real = Path(os.path.realpath(exe))
    version = _version_from_name(exe.name) or _version_from_name(real.name)
    if version is None:
        version = _version_from_siblings(real)
    prefixes = _prefix_candidates(exe)
    if real != Path(os.path.abspath(exe)):  # /usr/bin/python3 -> /opt/python/bin/python3.12
        prefixes += _prefix_candidates(real)
    found: list[Path] = []
    for prefix in _unique_paths(prefixes):
        if _is_env_prefix(prefix):
            return _env_sites(prefix, tried, exe_version=version)
        found.extend(_system_sites(prefix, version, tried))
    return found


def _prefix_candidates(exe: Path) -> list[Path]:
    """``bin/python`` and ``Scripts/python.exe`` live one level below the prefix; a Windows or
    conda ``python.exe`` sits in the prefix itself."""
    parent = exe.parent
    if parent.name in _BIN_NAMES:
        return [parent.parent]
    return [parent]


def _is_env_prefix(prefix: Path) -> bool:
    return (prefix / "pyvenv.cfg").is_file() or (prefix / "conda-meta").is_dir()


def _env_sites(prefix: Path, tried: list[Path], exe_version: str | None = None) -> list[Path]:
    """Site folders of a virtualenv, conda env or self-contained Python install."""
    cfg = _read_pyvenv_cfg(prefix / "pyvenv.cfg")
    version = _cfg_version(cfg) or _conda_python_version(prefix) or exe_version
    found = _prefix_layout_sites(prefix, version, tried)
    if cfg.get("include-system-site-packages", "").lower() == "true" and cfg.get("home"):
        home = Path(cfg["home"])
        base = home.parent if home.name in _BIN_NAMES else home
        found.extend(_system_sites(base, version, tried))
    return found


def _prefix_layout_sites(prefix: Path, version: str | None, tried: list[Path]) -> list[Path]:
    """``lib/pythonX.Y/site-packages``, ``lib64/...``, ``Lib/site-packages``."""
    found: list[Path] = []
    for lib_name in ("lib", "lib64"):
        lib = prefix / lib_name
        names = _version_dirs(lib, version)
        if not names and lib_name == "lib":
            tried.append(lib / (f"python{version}" if version else "pythonX.Y") / "site-packages")
        for name in names:
            for site_name in _SITE_NAMES:
                candidate = lib / name / site_name
                tried.append(candidate)
                if candidate.is_dir():
                    found.append(candidate)
    candidate = prefix / "Lib" / "site-packages"  # Windows
    tried.append(candidate)
    if candidate.is_dir():
        found.append(candidate)
    return found


def _version_dirs(lib: Path, version: str | None) -> list[str]:
    """The ``pythonX.Y`` folders under ``lib``: the given version's, else every one found."""
    try:
        with os.scandir(lib) as it:
            names = sorted(e.name for e in it if _LIB_VERSION_DIR.match(e.name) and e.is_dir())
    except OSError:
        return []
    if version is None:
        return names
    wanted = {f"python{version}", f"python{version}t", f"pypy{version}"}
    matching = [n for n in names if n in wanted]
    return matching or names


def _system_sites(prefix: Path, version: str | None, tried: list[Path]) -> list[Path]:
    """Site folders of a system interpreter installed under ``prefix`` (``/usr``, ``/usr/local``,
    ``C:\\Python311``): Debian ``dist-packages`` and the ``local`` tree pip installs into."""
    candidates: list[Path] = []
    if version is None:  # a private install (/opt/python) usually holds one pythonX.Y
        names = _version_dirs(prefix / "lib", None)
        if len(names) == 1:
            version = names[0].removeprefix("python").removeprefix("pypy")
    if version:
        for root in (prefix / "lib", prefix / "lib64", prefix / "local" / "lib"):
            for site_name in _SITE_NAMES:
                candidates.append(root / f"python{version}" / site_name)
    candidates.append(prefix / "lib" / "python3" / "dist-packages")
    candidates.append(prefix / "Lib" / "site-packages")
    tried.extend(candidates)
    return [c for c in candidates if c.is_dir()]


def _read_pyvenv_cfg(path: Path) -> dict[str, str]:
    """``key = value`` lines of a pyvenv.cfg (no sections), keys lower-cased."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def _cfg_version(cfg: dict[str, str]) -> str | None:
    for key in ("version", "version_info"):
        m = _CFG_VERSION.match(cfg.get(key, ""))
        if m:
            return f"{m.group(1)}.{m.group(2)}"
    return None


def _conda_python_version(prefix: Path) -> str | None:
    """A conda env records its interpreter as ``conda-meta/python-3.11.9-<build>.json``."""
    try:
        with os.scandir(prefix / "conda-meta") as it:
            for entry in it:
                m = _CONDA_PYTHON.match(entry.name)
                if m:
                    return f"{m.group(1)}.{m.group(2)}"
    except OSError:
        return None
    return None


def _version_from_name(name: str) -> str | None:
    m = _EXE_VERSION.match(name)
    return f"{m.group(1)}.{m.group(2)}{m.group(3)}" if m else None


def _version_from_siblings(exe: Path) -> str | None:
    """``/usr/bin/python3`` may be a copy or hard link of ``python3.11``: find the versioned
    sibling that is the same file."""
    try:
        with os.scandir(exe.parent) as it:
            for entry in it:
                version = _version_from_name(entry.name)
                if version and os.path.samefile(entry.path, exe):
                    return version
    except OSError:
        return None
    return None


def _holds_distributions(directory: Path) -> bool:
    try:
        with os.scandir(directory) as it:
            return any(e.name.endswith((".dist-info", ".egg-info")) for e in it)
    except OSError:
        return False


def _unique(paths: Iterable[Path]) -> list[Path]:
    """Drop folders reached twice (``lib64`` is often a link to ``lib``; ``Lib`` is ``lib`` on a
    case-insensitive file system), keeping the first spelling."""
    seen: set[tuple[int, int]] = set()
    out: list[Path] = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        ident = (st.st_dev, st.st_ino)
        if ident not in seen:
            seen.add(ident)
            out.append(p)
    return out


def _unique_paths(paths: Iterable[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


# --------------------------------------------------------------------------------------------
# Reading site-packages
# --------------------------------------------------------------------------------------------


@dataclass
class _Dist:
    """One distribution read from a ``.dist-info`` / ``.egg-info``, before edges are resolved."""

    decl: Declaration
    requires: list[str] = field(default_factory=list)  # canonical names


@dataclass
class _Reader:
    site_real: str
    label: str
    result: ScanResult = field(default_factory=ScanResult)

    def rel(self, *parts: str) -> str:
        return "/".join(p for p in (self.label, *parts) if p)

    def diag(self, path: str, message: str, line: int | None = None,
             severity: str = "error") -> None:
        self.result.diagnostics.append(
            Diagnostic(path, message, line, severity=severity, scanner=SCANNER_NAME))

    def contained(self, entry: os.DirEntry[str]) -> bool:
        """True unless ``entry`` is a link that leads out of the site folder."""
        if not entry.is_symlink():
            return True
        real = os.path.realpath(entry.path)
        return real == self.site_real or real.startswith(self.site_real + os.sep)


def scan_site_packages(site: Path, label: str) -> ScanResult:
    """Read every installed distribution in the site-packages folder ``site``.

    Each ``*.dist-info`` (and legacy ``*.egg-info``) becomes an INSTALLED declaration whose
    location is ``{label}/{folder}/METADATA`` at the line of its ``Name`` header; its licenses
    come from ``License-Expression``, ``License``, ``License ::`` classifiers and license files;
    its source from PEP 610 ``direct_url.json``. ``Requires-Dist`` entries (without an ``extra``
    marker) become edges to distributions installed in the same folder. A broken distribution
    gives a diagnostic and the others are still read.
    """
    reader = _Reader(os.path.realpath(site), label)
    try:
        with os.scandir(site) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        raise InputError(f"{site}: cannot list the site-packages directory: {e.strerror or e}"
                         ) from e
    dists: list[_Dist] = []
    for entry in entries:
        name = entry.name
        if name.endswith(".egg-link"):
            reader.diag(reader.rel(name), "is a legacy editable install ('setup.py develop') "
                        "whose metadata lives in the project folder it points to, outside the "
                        "environment; it is not reported (reinstall it with 'pip install -e')")
            continue
        if not name.endswith((".dist-info", ".egg-info")):
            continue
        if not reader.contained(entry):
            reader.diag(reader.rel(name), "is a link to a location outside the site-packages "
                        "directory; not read, so this distribution is not reported")
            continue
        dist = _read_dist(reader, entry)
        if dist is not None:
            dists.append(dist)
    _link(reader, dists)
    return reader.result


def _link(reader: _Reader, dists: list[_Dist]) -> None:
    by_name: dict[str, list[str]] = {}
    for d in dists:
        by_name.setdefault(d.decl.canonical, []).append(d.decl.key)
        reader.result.declarations.append(d.decl)
    for canon, keys in by_name.items():
        if len(keys) > 1:
            reader.diag(reader.rel(keys[-1]), f"{canon} is installed more than once ("
                        f"{', '.join(keys)}), probably by an interrupted upgrade; which one Python "
                        "imports is not defined: reinstall it", severity="warning")
    for d in dists:
        seen: set[str] = set()
        for req in d.requires:
            if req == d.decl.canonical or req in seen:
                continue
            seen.add(req)
            for target in by_name.get(req, ()):
                reader.result.edges.append(Edge(d.decl.key, target))


def _read_dist(reader: _Reader, entry: os.DirEntry[str]) -> _Dist | None:
    dirname = entry.name
    if entry.is_dir():
        try:
            with os.scandir(entry.path) as it:
                files = {e.name: e for e in it}
        except OSError as e:
            reader.diag(reader.rel(dirname), f"cannot be listed: {e.strerror or e}")
            return None
        meta_name = "METADATA" if dirname.endswith(".dist-info") else "PKG-INFO"
        meta_entry = files.get(meta_name)
        meta_path = reader.rel(dirname, meta_name)
        if meta_entry is None or not meta_entry.is_file():
            reader.diag(reader.rel(dirname), f"has no {meta_name} file: the distribution cannot "
                        "be identified and is not reported (the install is broken: reinstall it)")
            return None
    elif dirname.endswith(".egg-info") and entry.is_file():  # distutils: PKG-INFO as a file
        files, meta_entry, meta_path = {}, entry, reader.rel(dirname)
    else:
        return None
    if not reader.contained(meta_entry):
        reader.diag(meta_path, "is a link to a location outside the site-packages directory; "
                    "not read, so this distribution is not reported")
        return None
    text = _read_metadata_text(reader, meta_entry, meta_path)
    if text is None:
        return None
    headers = _Headers.parse(text)
    name = headers.first("name")
    version = headers.first("version")
    if not name:
        reader.diag(meta_path, "has no Name header: the distribution cannot be identified and is "
                    "not reported (the install is broken: reinstall it)")
        return None
    name_line = headers.line("name")
    if not version:
        reader.diag(meta_path, f"has no Version header for {name}: it is not reported (the "
                    "install is broken: reinstall it)", name_line)
        return None
    source, editable, hashes = _source(reader, files, dirname)
    decl = Declaration(
        name=name,
        location=Location(meta_path, name_line),
        kind=DeclarationKind.INSTALLED,
        version=version,
        hashes=hashes,
        source=source,
        direct=True if "REQUESTED" in files else None,
        editable=editable,
        licenses=tuple(_licenses(reader, headers, files, dirname, meta_path)),
        key=dirname,
    )
    requires = [n for n in (_required_name(v) for v in headers.all("requires-dist")) if n]
    if not headers.all("requires-dist") and "requires.txt" in files:
        requires = _egg_requires(reader, files["requires.txt"])
    return _Dist(decl, requires)


def _read_metadata_text(reader: _Reader, entry: os.DirEntry[str], path: str) -> str | None:
    try:
        size = entry.stat().st_size
        if size > MAX_METADATA_SIZE:
            reader.diag(path, f"is {size} bytes, too large for package metadata; not read")
            return None
        with open(entry.path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        reader.diag(path, f"cannot be read: {e.strerror or e}")
        return None
    if b"\x00" in data[:8192]:
        reader.diag(path, "holds binary data, not package metadata: the distribution is not "
                    "reported (the install is broken: reinstall it)")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        reader.diag(path, "is not valid UTF-8; the undecodable bytes are shown as U+FFFD",
                    line, severity="warning")
        text = data.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n") if "\r" in text else text


class _Headers:
    """The header block of a METADATA / PKG-INFO file: values via ``email`` plus their lines."""

    __slots__ = ("_lines", "_values")

    def __init__(self, values: dict[str, list[str]], lines: dict[str, list[int]]) -> None:
        self._values = values
        self._lines = lines

    @classmethod
    def parse(cls, text: str) -> _Headers:
        # Only the header block is parsed: the body (a long description) is never needed.
        end = text.find("\n\n")
        head = text if end < 0 else text[: end + 1]
        lines: dict[str, list[int]] = {}
        for number, line in enumerate(head.split("\n"), 1):
            m = _HEADER_START.match(line)
            if m:
                lines.setdefault(m.group(1).lower(), []).append(number)
        values: dict[str, list[str]] = {}
        for key, value in HeaderParser(policy=compat32).parsestr(head).items():
            values.setdefault(key.lower(), []).append(str(value))
        return cls(values, lines)

    def all(self, name: str) -> list[str]:
        return self._values.get(name, [])

    def first(self, name: str) -> str | None:
        values = self._values.get(name)
        return " ".join(values[0].split()) if values else None

    def line(self, name: str, index: int = 0) -> int | None:
        lines = self._lines.get(name, ())
        return lines[index] if index < len(lines) else None

    def items(self, name: str) -> Iterator[tuple[str, int | None]]:
        for i, value in enumerate(self._values.get(name, ())):
            yield value, self.line(name, i)


def _unfold(value: str) -> str:
    """A multi-line header value (a whole license text in ``License``) with its continuation
    indent (8 spaces, ``7 spaces + |``, or a tab) removed and the line breaks kept."""
    first, *rest = value.split("\n")
    out = [first.strip()]
    for line in rest:
        if line.startswith(("       |", "        ")):
            line = line[8:]
        elif line.startswith("\t"):
            line = line[1:]
        else:
            line = line.lstrip(" ")
        out.append(line.rstrip())
    return "\n".join(out).strip()


def _licenses(reader: _Reader, headers: _Headers, files: dict[str, os.DirEntry[str]],
              dirname: str, meta_path: str) -> Iterator[LicenseEvidence]:
    for value, line in headers.items("license-expression"):
        value = " ".join(value.split())
        if value:
            yield LicenseEvidence(LicenseEvidenceKind.EXPRESSION, value, Location(meta_path, line))
    for value, line in headers.items("license"):
        value = _unfold(value)
        if value.lower() not in _UNKNOWN_VALUES:
            yield LicenseEvidence(LicenseEvidenceKind.FIELD, value, Location(meta_path, line))
    for value, line in headers.items("classifier"):
        value = " ".join(value.split())
        if value.startswith("License ::"):
            yield LicenseEvidence(LicenseEvidenceKind.CLASSIFIER, value, Location(meta_path, line))
    named: set[str] = set()
    for value, line in headers.items("license-file"):
        value = value.strip()
        rel = _license_file(reader, files, dirname, value)
        if rel is None:
            if dirname.endswith(".dist-info"):  # egg-info License-File names the source tree
                reader.diag(meta_path, f"names License-File {value!r}, which is not in "
                            f"{dirname} (looked in licenses/, license_files/ and the folder "
                            "itself)", line, severity="warning")
            continue
        named.add(rel)
        yield LicenseEvidence(LicenseEvidenceKind.FILE, rel, Location(meta_path, line))
    found: list[str] = []
    for fname, entry in files.items():
        if _LICENSE_FILE_NAME.match(fname) and entry.is_file() and reader.contained(entry):
            found.append(f"{dirname}/{fname}")
    for sub in _LICENSE_DIRS:
        license_dir = files.get(sub)
        if license_dir is not None and license_dir.is_dir() and reader.contained(license_dir):
            found.extend(_walk_files(reader, license_dir.path, f"{dirname}/{sub}", 0))
    for rel in sorted(found):
        if rel not in named:
            yield LicenseEvidence(LicenseEvidenceKind.FILE, rel, Location(reader.rel(rel)))


def _license_file(reader: _Reader, files: dict[str, os.DirEntry[str]], dirname: str,
                  value: str) -> str | None:
    """The site-relative path of a ``License-File`` entry: under ``licenses/`` (PEP 639),
    ``license_files/`` or in the dist-info folder itself (older setuptools); None when absent or
    when the path would escape the folder."""
    parts = value.replace("\\", "/").split("/")
    if not value or value.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return None
    for base in (*_LICENSE_DIRS, ""):
        top = base or parts[0]
        if top not in files:
            continue
        rel = "/".join(p for p in (dirname, base, *parts) if p)
        path = os.path.join(reader.site_real, *rel.split("/"))
        if not os.path.isfile(path):
            continue
        real = os.path.realpath(path)
        if real.startswith(reader.site_real + os.sep):
            return rel
    return None


def _walk_files(reader: _Reader, directory: str, rel: str, depth: int) -> list[str]:
    out: list[str] = []
    try:
        with os.scandir(directory) as it:
            entries = list(it)
    except OSError:
        return out
    for e in entries:
        if not reader.contained(e):
            continue
        if e.is_file():
            out.append(f"{rel}/{e.name}")
        elif e.is_dir() and depth < _MAX_LICENSE_DEPTH:
            out.extend(_walk_files(reader, e.path, f"{rel}/{e.name}", depth + 1))
    return out


def _required_name(requirement: str) -> str | None:
    """The canonical name a ``Requires-Dist`` value names, or None when only an extra asks."""
    _, sep, marker = requirement.partition(";")
    if sep and _EXTRA_MARKER.search(marker):
        return None
    m = _REQ_NAME.match(requirement)
    return canonical_name(m.group(1)) if m else None


def _egg_requires(reader: _Reader, entry: os.DirEntry[str]) -> list[str]:
    """Names of an egg-info ``requires.txt``: the unnamed section and ``[:marker]`` sections;
    ``[extra]`` sections are skipped."""
    if not entry.is_file() or not reader.contained(entry):
        return []
    try:
        with open(entry.path, encoding="utf-8", errors="replace") as fh:
            text = fh.read(MAX_METADATA_SIZE)
    except OSError:
        return []
    names: list[str] = []
    wanted = True
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            wanted = line.startswith("[:")
        elif line and wanted and not line.startswith("#"):
            name = _required_name(line)
            if name:
                names.append(name)
    return names


def _source(reader: _Reader, files: dict[str, os.DirEntry[str]],
            dirname: str) -> tuple[Source, bool, tuple[Hash, ...]]:
    """Where the distribution came from: PEP 610 ``direct_url.json``, else the registry."""
    entry = files.get("direct_url.json")
    if entry is None:
        return DEFAULT_REGISTRY, False, ()
    path = reader.rel(dirname, "direct_url.json")
    try:
        if not entry.is_file() or not reader.contained(entry):
            raise ValueError("it is not a regular file inside the site-packages directory")
        with open(entry.path, "rb") as fh:
            data = json.loads(fh.read(MAX_METADATA_SIZE))
        return _direct_url_source(data)
    except json.JSONDecodeError as e:
        reader.diag(path, f"is not valid JSON ({e.msg}); the install source is recorded as "
                    "unknown", e.lineno, severity="warning")
    except (OSError, ValueError) as e:
        reader.diag(path, f"cannot be used: {e}; the install source is recorded as unknown",
                    severity="warning")
    return Source(SourceKind.UNKNOWN), False, ()


def _direct_url_source(data: object) -> tuple[Source, bool, tuple[Hash, ...]]:
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise ValueError("it has no 'url'")
    url = _strip_password(data["url"])
    sub = data.get("subdirectory") if isinstance(data.get("subdirectory"), str) else None
    vcs_info, dir_info, archive_info = (data.get(k) for k in ("vcs_info", "dir_info",
                                                               "archive_info"))
    if isinstance(vcs_info, dict):
        return Source(
            SourceKind.VCS, url,
            vcs=_str_or_none(vcs_info.get("vcs")),
            revision=_str_or_none(vcs_info.get("requested_revision")),
            commit=_str_or_none(vcs_info.get("commit_id")),
            subdirectory=sub,
        ), False, ()
    if isinstance(dir_info, dict):
        return Source(SourceKind.PATH, url, subdirectory=sub), dir_info.get("editable") is True, ()
    kind = SourceKind.PATH if url.lower().startswith("file:") else SourceKind.URL
    hashes: list[Hash] = []
    if isinstance(archive_info, dict):
        listed = archive_info.get("hashes")
        if isinstance(listed, dict):
            hashes = [h for h in (parse_hash(f"{a}:{v}") for a, v in sorted(listed.items())
                                  if isinstance(v, str)) if h]
        elif isinstance(archive_info.get("hash"), str):
            h = parse_hash(archive_info["hash"])
            hashes = [h] if h else []
    return Source(kind, url, subdirectory=sub), False, tuple(hashes)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _strip_password(url: str) -> str:
    """Drop a password or token from a URL's user info (PEP 610 asks installers to, not all do);
    ``${VAR}`` placeholders are kept."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None or parts.password.startswith("${"):
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{host}" if user else host))
