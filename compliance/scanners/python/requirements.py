"""pip requirements files -> declarations.

Claims ``requirements*.txt``, ``*-requirements.txt``, ``constraints*.txt``, every ``.txt`` in a
folder named ``requirements``, and pip-tools inputs (``requirements*.in``, ``*-requirements.in``,
``*.in`` in a ``requirements`` folder). The file is read the way pip reads it
(``pip/_internal/req/req_file.py``): backslash continuations are joined first (the logical line
keeps the number of its first physical line), then comments (``#`` at the start of a line or
after whitespace) are dropped, then the line is either a line of options (``-r``, ``-c``, ``-e``,
``--index-url`` ...) or a requirement followed by its per-requirement options (``--hash``).

Nothing is expanded, fetched or built: ``${VAR}`` references stay as written (each is reported
once per file), includes are followed only inside the scan root, and a local path or URL whose
package name cannot be read from ``#egg=`` or a wheel / sdist file name is reported, not guessed.

pip applies ``--index-url`` to the whole install, so the last one met anywhere in the include
tree becomes the registry of every index-resolved entry of the scan. pip-compile / uv
``# via`` annotations give dependency edges between the entries of one file, and an entry only
pulled in by other entries is marked ``direct=False``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit, urlunsplit

from packaging.markers import InvalidMarker, Marker
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion

from compliance.errors import ParseError, UnreadableFile
from compliance.model import (
    ROOT,
    Declaration,
    DeclarationKind,
    Diagnostic,
    Edge,
    Hash,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
    canonical_name,
    parse_hash,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.python.pep508 import parse_requirement, source_from_url

SCANNER_NAME = "python-requirements"

#: How deep ``-r`` / ``-c`` includes may nest before the scan stops following them.
MAX_INCLUDE_DEPTH = 32
# Files up to this size have their parse kept for reuse by the next scans (see _parse).
_CACHE_MAX_CHARS = 256 * 1024

# pip's COMMENT_RE: a comment starts a line or follows whitespace (so ``url#egg=x`` is kept).
_COMMENT = re.compile(r"(^|\s+)#.*$")
# pip's environment variable syntax (POSIX names, upper case only).
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_EGG = re.compile(r"[#&]egg=([^&]*)")
_URL_HASH = re.compile(r"[#&]((?:sha512|sha384|sha256|sha224|sha1|md5)=[^&]*)")
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_NAME_PREFIX = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?")
# ``name==version`` in the plain form pip-compile writes: read without the full PEP 508 parser
# (same result, a fraction of the cost on large compiled files).
_SIMPLE_PIN = re.compile(
    r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)==(\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?"
    r"(?:\.post\d+)?(?:\.dev\d+)?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?)"
)
_PATH_EXTRAS = re.compile(r"^(.+?)(\[[^\]]+\])$")
# Where the options after a requirement start: the first word starting with "-" (pip's
# ``break_args_options``).
_OPTION_START = re.compile(r"\s-")
_SHA256_ONLY = re.compile(r"(?:--hash[=\s]\s*sha256:[0-9a-fA-F]{64}(?:\s+|$))+")
_SHA256_VALUE = re.compile(r"sha256:([0-9a-fA-F]{64})")
_WORD_SPLIT = re.compile(r"[-_.\s]+")
_SDIST_VERSION = re.compile(r"^(?P<name>.+?)-(?P<version>\d[^-]*)$")

_VCS = ("git", "hg", "svn", "bzr")
_URL_SCHEMES = frozenset({"http", "https", "ftp", "file", "git", "svn"})
_WHEEL = ".whl"
_SDIST_EXTS = (".tar.gz", ".zip", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar.lz",
               ".tlz", ".tar")

# File-level options pip accepts in a requirements file: name -> takes a value.
_FILE_OPTIONS: dict[str, bool] = {
    "--requirement": True,
    "--constraint": True,
    "--editable": True,
    "--index-url": True,
    "--extra-index-url": True,
    "--no-index": False,
    "--find-links": True,
    "--no-binary": True,
    "--only-binary": True,
    "--prefer-binary": False,
    "--require-hashes": False,
    "--pre": False,
    "--trusted-host": True,
    "--use-feature": True,
    "--always-unzip": False,  # long gone from pip, still found in old files
}
# Options pip accepts after a requirement on the same line.
_REQ_OPTIONS: dict[str, bool] = {
    "--hash": True,
    "--global-option": True,
    "--install-option": True,
    "--config-settings": True,
}
_ALL_OPTIONS = {**_FILE_OPTIONS, **_REQ_OPTIONS}
_SHORT = {"-r": "--requirement", "-c": "--constraint", "-e": "--editable", "-i": "--index-url",
          "-f": "--find-links", "-C": "--config-settings", "-Z": "--always-unzip"}

# File-name words that mark a development-only requirements file, and the group they name.
_GROUP_WORDS = {
    "dev": "dev", "devel": "dev", "develop": "dev", "development": "dev", "devtools": "dev",
    "test": "test", "tests": "test", "testing": "test",
    "doc": "docs", "docs": "docs", "documentation": "docs",
    "lint": "lint", "linting": "lint", "linter": "lint", "linters": "lint",
}
# Folder names that mark what they hold as development-only (``docs/requirements.txt``).
_GROUP_DIRS = {"doc": "docs", "docs": "docs", "test": "test", "tests": "test"}
_SECRET_FREE_USERS = frozenset({"git", "hg", "svn", "anonymous"})
# Prose that lives next to requirement files in a ``requirements/`` folder.
_NOT_REQUIREMENTS = ("readme", "license", "licence", "changelog", "notes", "copying")


class RequirementsScanner(Scanner):
    """pip requirements and constraints files, and pip-tools ``.in`` inputs."""

    name = SCANNER_NAME

    def wants(self, path: PurePosixPath) -> bool:
        """Claim requirements / constraints files by name (see the module docstring)."""
        name = path.name.lower()
        if name.endswith(".txt"):
            stem = name[:-4]
        elif name.endswith(".in"):
            stem = name[:-3]
        else:
            return False
        if path.parent.name.lower() == "requirements":
            return bool(stem) and not stem.startswith(_NOT_REQUIREMENTS)
        return stem.startswith(("requirements", "constraints")) or stem.endswith(
            ("-requirements", "_requirements", ".requirements", "-constraints", "_constraints")
        )

    def scan(self, file: ScanFile) -> ScanResult:
        """Read one requirements file and everything it includes.

        Raises :class:`~compliance.errors.UnreadableFile` when the file itself cannot be read;
        every problem inside it becomes a diagnostic.
        """
        return scan_requirements(file, file.read_text())


def scan_requirements(file: ScanFile, text: str) -> ScanResult:
    """Parse ``text`` as the content of the requirements file ``file`` (includes are read from
    disk next to it). Never raises for bad content: problems become diagnostics."""
    groups = file_groups(file.path)
    reader = _Reader(
        scope=Scope.EXCLUDED if groups else Scope.REQUIRED,
        groups=groups,
    )
    constraint = is_constraints_file(file.path)
    reader.visited.add((file.path, constraint))
    reader.read(file, text, constraint=constraint, chain=((file.path, None),))
    reader.finish()
    return reader.result


def is_constraints_file(path: str) -> bool:
    """True for a pip constraints file by its name (``constraints*.txt``, ``*-constraints.in``)."""
    stem = PurePosixPath(path).stem.lower()
    return stem.startswith("constraint") or stem.endswith("constraints")


def file_groups(path: str) -> tuple[str, ...]:
    """The development groups a requirements file's name puts its entries in: ``("dev",)`` for
    ``requirements-dev.txt`` / ``dev-requirements.txt``, ``("test",)`` for
    ``requirements/test-gpu.txt``, ``("docs",)`` for ``docs/requirements.txt``; ``()`` for a
    file of runtime requirements."""
    p = PurePosixPath(path)
    found: list[str] = []
    for word in _WORD_SPLIT.split(p.stem.lower()):
        group = _GROUP_WORDS.get(word) or ("lint" if "lint" in word else None)
        if group and group not in found:
            found.append(group)
    parent = _GROUP_DIRS.get(p.parent.name.lower())
    if parent and parent not in found:
        found.append(parent)
    return tuple(found)


# --------------------------------------------------------------------------------------------
# Reading lines
# --------------------------------------------------------------------------------------------


def logical_lines(text: str) -> Iterator[tuple[int, str, int]]:
    """Yield ``(first_line_number, logical_line, swallowed)`` triples, joining backslash
    continuations the way pip does (a comment line ends a continuation). Comments are not
    removed here. ``swallowed`` is the number of a physical line pip drops because a backslash
    after a ``#`` comment joined it into that comment (0 when none)."""
    pending: list[str] = []
    first = 0
    commented = swallowed = 0
    for number, line in enumerate(text.splitlines(), start=1):
        is_comment = line.lstrip().startswith("#")
        if pending and commented and not swallowed and line.strip() and not is_comment:
            swallowed = number
        if is_comment or not line.endswith("\\"):
            if pending:
                pending.append(" " + line if is_comment else line)
                yield first, "".join(pending), swallowed
                pending = []
                commented = swallowed = 0
            else:
                yield number, line, 0
        else:
            if not pending:
                first = number
            if not commented and "#" in line and _COMMENT.search(line):
                commented = number
            pending.append(line[:-1])
    if pending:
        yield first, "".join(pending), swallowed


def strip_comment(line: str) -> str:
    """Drop a ``#`` comment (at the start, or after whitespace) and surrounding blanks."""
    if "#" in line:
        line = _COMMENT.sub("", line, count=1)
    return line.strip()


def _tokens(text: str) -> list[str]:
    """Split option text into shell-like words (quotes only cost a shlex pass when present)."""
    if '"' not in text and "'" not in text:
        return text.split()
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


@dataclass
class _Option:
    """One option met on a line: its canonical long name, its value, and how it was written."""

    name: str | None  # None: not an option pip knows
    value: str | None
    written: str
    missing_value: bool = False


def _options(tokens: list[str]) -> Iterator[_Option]:
    """Walk option tokens (``--opt=v``, ``--opt v``, ``-rfile``, ``-r file``, unique prefixes)."""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        value: str | None = None
        if token.startswith("--"):
            written, eq, attached = token.partition("=")
            name = _long_option(written)
            if eq:
                value = attached
        elif token.startswith("-") and len(token) >= 2:
            written = token[:2]
            name = _SHORT.get(written)
            if len(token) > 2:
                value = token[2:]
        else:
            yield _Option(None, None, token)
            return
        if name is None:
            yield _Option(None, value, written)
            return
        if _ALL_OPTIONS[name] and value is None:
            if i < len(tokens):
                value = tokens[i]
                i += 1
            else:
                yield _Option(name, None, written, missing_value=True)
                continue
        yield _Option(name, value, written)


def _long_option(written: str) -> str | None:
    """The option ``written`` names, accepting a unique prefix like optparse does."""
    if written in _ALL_OPTIONS:
        return written
    if len(written) < 4:
        return None
    matches = [o for o in _ALL_OPTIONS if o.startswith(written)]
    return matches[0] if len(matches) == 1 else None


# --------------------------------------------------------------------------------------------
# URLs, paths and names
# --------------------------------------------------------------------------------------------


def _is_url(text: str) -> bool:
    """True when ``text`` starts with a scheme pip treats as a URL (http, file, git+https ...)."""
    m = _SCHEME.match(text)
    if not m:
        return False
    scheme = m.group(1).lower()
    return scheme in _URL_SCHEMES or (scheme.split("+", 1)[0] in _VCS and "+" in scheme)


def _looks_like_path(text: str) -> bool:
    """pip's test for a local path: a separator in it, or a leading dot."""
    return "/" in text or "\\" in text or text.startswith(".")


def _is_archive(text: str) -> bool:
    lower = text.lower()
    return lower.endswith(_WHEEL) or lower.endswith(_SDIST_EXTS)


def redact_url(url: str) -> str:
    """Hide credentials written into a URL (``https://user:token@host`` -> ``user:****``).

    ``${VAR}`` references and well-known non-secret user names (``git@``) are kept."""
    if "@" not in url or "://" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" not in netloc:
        return url
    userinfo, _, host = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if colon:
        if _ENV_VAR.fullmatch(password) or not password:
            return url
        safe = f"{user}:****"
    elif _ENV_VAR.fullmatch(user) or user.lower() in _SECRET_FREE_USERS:
        return url
    else:
        safe = "****"
    return urlunsplit((parts.scheme, f"{safe}@{host}", parts.path, parts.query, parts.fragment))


def _redact_source(source: Source) -> Source:
    if source.url is None:
        return source
    safe = redact_url(source.url)
    if safe == source.url:
        return source
    return Source(source.kind, safe, source.vcs, source.revision, source.commit,
                  source.subdirectory)


def _source_for_url(url: str) -> Source:
    """Classify a URL, also for the bare ``git://`` / ``svn://`` schemes pip accepts."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("git", "svn"):
        source = source_from_url(f"{scheme}+{url}")
    else:
        source = source_from_url(url)
    return _redact_source(source)


@dataclass
class _Named:
    """A package name (and maybe version and extras) recovered from a URL or path."""

    name: str
    version: str | None = None
    extras: tuple[str, ...] = ()


def _name_from_egg(fragment_text: str) -> _Named | None:
    m = _EGG.search(fragment_text)
    if not m:
        return None
    egg = unquote(m.group(1)).strip()
    extras: tuple[str, ...] = ()
    em = _PATH_EXTRAS.match(egg)
    if em:
        egg = em.group(1)
        extras = _split_extras(em.group(2))
    return _Named(egg, extras=extras) if _NAME.match(egg) else None


def _name_from_filename(path: str) -> _Named | None:
    """Name and version from a wheel or sdist file name at the end of ``path``."""
    base = unquote(path.rstrip("/").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    lower = base.lower()
    try:
        if lower.endswith(_WHEEL):
            wname, wversion, _, _ = parse_wheel_filename(base)
            return _Named(str(wname), str(wversion))
        if lower.endswith((".tar.gz", ".zip")):
            sname, sversion = parse_sdist_filename(base)
            return _Named(str(sname), str(sversion))
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    for ext in _SDIST_EXTS:
        if lower.endswith(ext):
            m = _SDIST_VERSION.match(base[: -len(ext)])
            if m and _NAME.match(m.group("name")):
                return _Named(m.group("name"), m.group("version"))
            return None
    return None


# --------------------------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    """Where an include is written: the including file, the line, and the option as written."""

    path: str
    line: int
    include: str


# The files being read, outermost first, each with the include that led into it.
_Chain = tuple[tuple[str, _Site | None], ...]


@dataclass
class _Via:
    """pip-compile ``# via`` annotations of one entry."""

    parents: list[str] = field(default_factory=list)
    from_root: bool = False


@dataclass
class _Entry:
    """A requirement read from one line, before the scan's context (kind, scope, groups,
    direct) is applied: parsing a file depends on its text alone, so it can be reused."""

    decl: Declaration
    index: int  # among the entries of its file
    parents: tuple[int, ...] = ()  # entries whose ``# via`` annotation names this one
    pulled_only: bool = False  # named by other entries only, not by the project


@dataclass(frozen=True)
class _Include:
    """A ``-r`` / ``-c`` line."""

    site: _Site
    value: str
    constraint: bool


@dataclass(frozen=True)
class _IndexUrl:
    """An ``--index-url`` line (credentials already hidden)."""

    url: str


@dataclass(frozen=True)
class _ExtraIndexUrl:
    """An ``--extra-index-url`` line (credentials already hidden)."""

    url: str


_Item = _Entry | _Include | _IndexUrl | _ExtraIndexUrl | Diagnostic


@dataclass
class _Parsed:
    """One file's content, in line order."""

    items: list[_Item]
    entries: list[_Entry]


def _parse(path: str, text: str) -> _Parsed:
    """Parse one file. Small files are cached for a while: a file included from others
    (``requirements.txt`` from ``requirements-dev.txt``) is then parsed once."""
    if len(text) > _CACHE_MAX_CHARS:
        return _FileParser(path).parse(text)
    return _parse_cached(path, text)


@lru_cache(maxsize=8)
def _parse_cached(path: str, text: str) -> _Parsed:
    return _FileParser(path).parse(text)


class _FileParser:
    """Turns the text of one requirements file into items; knows nothing of other files."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[_Item] = []
        self.entries: list[_Entry] = []

    def _diag(self, line: int | None, message: str, severity: str = "error") -> None:
        self.items.append(Diagnostic(self.path, message, line, severity=severity,
                                     scanner=SCANNER_NAME))

    def _warn(self, line: int | None, message: str) -> None:
        self._diag(line, message, "warning")

    def parse(self, text: str) -> _Parsed:
        """Read every logical line of ``text``."""
        seen_vars: set[str] = set()
        vias: dict[int, _Via] = {}
        via_target: _Entry | None = None
        in_via = False
        for number, raw, swallowed in logical_lines(text):
            if swallowed:
                self._warn(swallowed,
                           "this line is read as part of a comment: the line before ends "
                           "with a backslash after a '#' comment, so pip ignores this line")
            first = raw[:1]
            if first == "#" or (first.isspace() and raw.lstrip().startswith("#")):
                # pip-compile / uv annotations: indented comments right under an entry
                if via_target is not None and first != "#":
                    in_via = _read_via(raw.lstrip(), in_via,
                                       vias.setdefault(via_target.index, _Via()))
                else:
                    via_target, in_via = None, False
                continue
            via_target, in_via = None, False
            line = strip_comment(raw)
            if not line:
                continue
            if "${" in line:
                for var in _ENV_VAR.findall(line):
                    if var not in seen_vars:
                        seen_vars.add(var)
                        self._warn(number,
                                   f"uses ${{{var}}}, an environment variable pip expands at "
                                   "install time; the scan does not read the environment and "
                                   "leaves it unexpanded")
            if line.startswith("-"):
                decl = self._option_line(number, line)
            else:
                decl = self._requirement_line(number, line)
            if decl is not None:
                via_target = _Entry(decl, len(self.entries))
                self.entries.append(via_target)
                self.items.append(via_target)
                if "# via" in raw:  # pip-tools < 5.5 wrote "pkg==1.0  # via a, b" on one line
                    m = _COMMENT.search(raw)
                    if m and m.group(0).lstrip().startswith("# via "):
                        _read_via(m.group(0).lstrip(), False,
                                  vias.setdefault(via_target.index, _Via()))
        if vias:
            self._resolve_vias(vias)
        return _Parsed(self.items, self.entries)

    def _resolve_vias(self, vias: dict[int, _Via]) -> None:
        by_name: dict[str, list[int]] = {}
        for entry in self.entries:
            by_name.setdefault(canonical_name(entry.decl.name), []).append(entry.index)
        for index, via in vias.items():
            parents = tuple(p for name in via.parents for p in by_name.get(canonical_name(name), ())
                            if p != index)
            entry = self.entries[index]
            entry.parents = parents
            entry.pulled_only = bool(parents) and not via.from_root

    # ---- lines ---------------------------------------------------------------------------

    def _option_line(self, number: int, line: str) -> Declaration | None:
        entry: Declaration | None = None
        for opt in _options(_tokens(line)):
            if opt.name is None:
                self._warn(number,
                           f"unknown option {opt.written!r} ignored (pip would refuse this "
                           "file); the rest of the line is not read")
                return entry
            if opt.missing_value:
                self._diag(number, f"option {opt.written} needs a value; ignored")
                continue
            value = opt.value or ""
            if opt.name in ("--requirement", "--constraint"):
                self.items.append(_Include(_Site(self.path, number, f"{opt.written} {value}"),
                                           value, opt.name == "--constraint"))
            elif opt.name == "--editable":
                entry = self._editable(number, value)
            elif opt.name == "--index-url":
                self.items.append(_IndexUrl(redact_url(value)))
            elif opt.name == "--extra-index-url":
                self.items.append(_ExtraIndexUrl(redact_url(value)))
                self._warn(number,
                           f"uses --extra-index-url {redact_url(value)}: packages may be "
                           "resolved from either index (dependency confusion risk)")
            elif opt.name == "--hash" and entry is None:
                self._warn(number,
                           "--hash on a line of its own belongs to no requirement; is a "
                           "backslash missing at the end of the line before?")
            # every other known option (--find-links, --pre, --no-binary, --trusted-host,
            # --config-settings of an -e line ...) changes how pip installs, not what.
        return entry

    def _requirement_line(self, number: int, line: str) -> Declaration | None:
        m = _OPTION_START.search(line)
        if m is None:
            text, options = line, ""
        else:
            text, options = line[: m.start()].strip(), line[m.start() + 1:]
        hashes: list[Hash] = []
        if options and _SHA256_ONLY.fullmatch(options):
            # the pip-compile --generate-hashes form, read in one pass
            hashes = [Hash("SHA-256", h.lower()) for h in _SHA256_VALUE.findall(options)]
            options = ""
        for opt in _options(_tokens(options) if options else []):
            if opt.name == "--hash" and opt.value is not None:
                h = parse_hash(opt.value)
                if h is None:
                    self._warn(number,
                               f"--hash={opt.value} is not an algorithm:hex-digest pair the "
                               "scan knows (like sha256:<64 hex digits>); hash ignored")
                else:
                    hashes.append(h)
            elif opt.name is None:
                self._warn(number,
                           f"unknown option {opt.written!r} after the requirement ignored "
                           "(pip would refuse this line)")
                break
            elif opt.missing_value:
                self._diag(number, f"option {opt.written} needs a value; ignored")
            elif opt.name not in _REQ_OPTIONS:
                self._warn(number,
                           f"option {opt.written} after a requirement is ignored by pip; put it "
                           "on a line of its own")
        decl = self._entry(number, text, editable=False)
        if decl is not None and hashes:
            decl.hashes = tuple(dict.fromkeys((*decl.hashes, *hashes)))
        return decl

    def _editable(self, number: int, value: str) -> Declaration | None:
        if not (_is_url(value) or _looks_like_path(value)):
            self._diag(number,
                       f"-e {value}: an editable requirement must be a local path or a VCS URL "
                       "(pip refuses a plain name); ignored")
            return None
        return self._entry(number, value, editable=True)

    # ---- turning a requirement into a declaration ------------------------------------------

    def _entry(self, number: int, text: str, *, editable: bool) -> Declaration | None:
        location = Location(self.path, number)
        pin = _SIMPLE_PIN.fullmatch(text)
        if pin:
            return Declaration(name=pin.group(1), location=location, version=pin.group(2),
                               direct=True, editable=editable)
        try:
            return self._any_entry(location, text, editable)
        except ValueError as e:  # urllib refuses the URL (a bad IPv6 host, a bad port)
            self._diag(number, f"invalid URL in {text!r}: {e}; not listed")
            return None

    def _any_entry(self, location: Location, text: str, editable: bool) -> Declaration | None:
        if _is_url(text):
            url, sep, marker = text.partition("; ")
            return self._url_entry(location, url.strip(), marker.strip() if sep else None,
                                   editable)
        before_marker, sep, marker = text.partition(";")
        target = before_marker.strip()
        first_at = target.split("@", 1)[0]
        if (_looks_like_path(target) or _is_archive(target)) and (
            "@" not in target or _looks_like_path(first_at)
        ):
            return self._path_entry(location, target, marker.strip() if sep else None, editable)
        try:
            decl = parse_requirement(text, location)
        except ParseError as e:
            fallback = _unexpanded_entry(text, location) if "${" in text else None
            if fallback is None:
                var = _ENV_VAR.search(text)
                self._diag(location.line,
                           f"requirement {text!r} cannot be read without the value of "
                           f"{var.group(0)}; not listed" if var else e.detail.split("\n", 1)[0])
                return None
            decl = fallback
        if decl.source.kind is SourceKind.UNKNOWN and decl.source.url \
                and _looks_like_path(decl.source.url):
            decl.source = Source(SourceKind.PATH, decl.source.url)  # name @ ./local/dir
        if decl.source.kind in (SourceKind.URL, SourceKind.PATH) and decl.source.url:
            _complete_from_url(decl, decl.source.url)
        decl.source = _redact_source(decl.source)
        decl.editable = editable
        return decl

    def _url_entry(self, location: Location, url: str, marker: str | None,
                   editable: bool) -> Declaration | None:
        source = _source_for_url(url)
        parts = urlsplit(url)
        named = _name_from_egg("#" + parts.fragment) if parts.fragment else None
        if named is None and source.kind is not SourceKind.VCS:
            named = _name_from_filename(parts.path)
        if named is None:
            what = "VCS URL" if source.kind is SourceKind.VCS else "URL"
            self._warn(location.line,
                       f"{what} {redact_url(url)} names no package the scan can read without "
                       "fetching it; add '#egg=<name>' or write '<name> @ <url>'")
            return None
        return self._named_entry(location, named, source, marker, editable)

    def _path_entry(self, location: Location, target: str, marker: str | None,
                    editable: bool) -> Declaration | None:
        path_part, _, fragment = target.partition("#")
        extras: tuple[str, ...] = ()
        m = _PATH_EXTRAS.match(path_part)
        if m:
            path_part = m.group(1)
            extras = _split_extras(m.group(2))
        named = _name_from_egg("#" + fragment) if fragment else None
        if named is None:
            named = _name_from_filename(path_part)
        if named is None:
            what = "editable path" if editable else "local path"
            self._warn(location.line,
                       f"{what} {path_part!r} names no package the scan can read without "
                       "building it; add '#egg=<name>' or write '<name> @ file:<path>'")
            return None
        named.extras = named.extras or extras
        return self._named_entry(location, named, Source(SourceKind.PATH, path_part), marker,
                                 editable)

    def _named_entry(self, location: Location, named: _Named, source: Source,
                     marker: str | None, editable: bool) -> Declaration:
        if marker:
            try:
                marker = str(Marker(marker))
            except InvalidMarker as e:
                self._warn(location.line,
                           f"invalid environment marker {marker!r} ignored: "
                           f"{str(e).splitlines()[0]}")
                marker = None
        decl = Declaration(
            name=named.name,
            location=location,
            version=named.version,
            extras=named.extras,
            marker=marker,
            scope=Scope.OPTIONAL if marker and "extra ==" in marker else Scope.REQUIRED,
            source=source,
            direct=True,
            editable=editable,
        )
        if source.url and source.kind is not SourceKind.VCS:
            _complete_from_url(decl, source.url)
        return decl


@dataclass
class _Reader:
    """One scan: follows includes, applies the context (kind, scope, groups, index) to the
    entries of every file read, and collects the result."""

    scope: Scope
    groups: tuple[str, ...]
    result: ScanResult = field(default_factory=ScanResult)
    visited: set[tuple[str, bool]] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)

    def _diag(self, path: str, line: int | None, message: str) -> None:
        self.result.diagnostics.append(Diagnostic(path, message, line, scanner=SCANNER_NAME))

    def read(self, file: ScanFile, text: str, *, constraint: bool, chain: _Chain) -> None:
        """Read one file of the include tree (the top file or an include)."""
        parsed = _parse(file.path, text)
        keys: list[str] = []
        for item in parsed.items:
            if isinstance(item, _Entry):
                keys.append(self._add(item, constraint))
            elif isinstance(item, Diagnostic):
                self.result.diagnostics.append(item)
            elif isinstance(item, _Include):
                self._include(file, item, chain)
            elif isinstance(item, _ExtraIndexUrl):
                if item.url not in self.extra_index_urls:
                    self.extra_index_urls.append(item.url)
            else:
                self.index_url = item.url
        if not constraint:
            for entry in parsed.entries:
                for parent in entry.parents:
                    self.result.edges.append(Edge(keys[parent], keys[entry.index]))

    def _add(self, entry: _Entry, constraint: bool) -> str:
        t = entry.decl
        key = f"{t.location.path}:{t.location.line}:{canonical_name(t.name)}"
        if constraint:
            key += ":constraint"
        n, unique = 1, key
        while unique in self.keys:
            n += 1
            unique = f"{key}#{n}"
        self.keys.add(unique)
        self.result.declarations.append(Declaration(
            name=t.name,
            location=t.location,
            kind=DeclarationKind.CONSTRAINT if constraint else DeclarationKind.MANIFEST,
            version=t.version,
            constraint=t.constraint,
            extras=t.extras,
            marker=t.marker,
            scope=t.scope if self.scope is Scope.REQUIRED else self.scope,
            groups=self.groups,
            hashes=t.hashes,
            source=t.source,
            direct=None if constraint else not entry.pulled_only,
            editable=t.editable,
            key=unique,
        ))
        return unique

    def _include(self, file: ScanFile, include: _Include, chain: _Chain) -> None:
        site, value = include.site, include.value
        if _is_url(value):
            self.result.diagnostics.append(Diagnostic(
                site.path,
                f"{site.include.split()[0]} {redact_url(value)}: an include from a URL is not "
                "followed (the scan never uses the network); its packages are not listed",
                site.line, "warning", SCANNER_NAME))
            return
        try:
            target = file.sibling(value)
        except ValueError:  # a path the OS cannot represent (a NUL byte)
            target = None
        if target is None:
            self._diag(site.path, site.line, f"{site.include}: {_missing_reason(file, value)}")
            return
        paths = [p for p, _ in chain]
        if target.path in paths:
            self._cycle(chain[paths.index(target.path):], site)
            return
        if len(chain) >= MAX_INCLUDE_DEPTH:
            self._diag(site.path, site.line,
                       f"{site.include}: includes nest more than {MAX_INCLUDE_DEPTH} deep; "
                       "not followed")
            return
        if (target.path, include.constraint) in self.visited:
            return  # already read through another include: its entries are in the result
        self.visited.add((target.path, include.constraint))
        try:
            text = target.read_text()
        except UnreadableFile as e:
            self._diag(site.path, site.line, f"{site.include}: included file {e}")
            return
        self.read(target, text, constraint=include.constraint,
                  chain=(*chain, (target.path, site)))

    def _cycle(self, loop: _Chain, closing: _Site) -> None:
        """Report an include cycle once, the same way whichever of its files the scan started
        from: named from its smallest path, at the include that leads into that path."""
        nodes = [p for p, _ in loop]
        into = [closing, *(site for _, site in loop[1:] if site is not None)]
        first = nodes.index(min(nodes))
        order = nodes[first:] + nodes[:first] + [nodes[first]]
        at = into[first]
        self._diag(at.path, at.line,
                   f"{at.include}: include cycle {' -> '.join(order)}; each file is read once")

    def finish(self) -> None:
        """Apply what pip applies to the whole install (the index URLs) and add root edges."""
        index = Source(SourceKind.REGISTRY, self.index_url) if self.index_url else None
        extra = tuple(self.extra_index_urls)
        for decl in self.result.declarations:
            if decl.source.kind is SourceKind.REGISTRY and decl.source.url is None:
                if index is not None:
                    decl.source = index
                decl.extra_indexes = extra
            if decl.direct:
                self.result.edges.append(Edge(ROOT, decl.key))


def _split_extras(bracketed: str) -> tuple[str, ...]:
    """``[a, b]`` -> ``("a", "b")``, sorted like packaging's extras."""
    return tuple(sorted({e.strip() for e in bracketed[1:-1].split(",") if e.strip()}))


def _complete_from_url(decl: Declaration, url: str) -> None:
    """Fill in what an archive URL or path tells: the version in a wheel / sdist file name of
    the same package, and ``#sha256=...`` digests in the fragment."""
    if decl.version is None and decl.constraint is None:
        path = url.split("#", 1)[0].split("?", 1)[0]
        named = _name_from_filename(path)
        if named and named.version and canonical_name(named.name) == decl.canonical:
            decl.version = named.version
    if "#" in url:
        found = [h for h in map(parse_hash, _URL_HASH.findall(url)) if h is not None]
        if found:
            decl.hashes = tuple(dict.fromkeys((*decl.hashes, *found)))


def _read_via(comment: str, in_via: bool, via: _Via) -> bool:
    """Record one ``# via ...`` comment line; return whether a ``# via`` list continues."""
    body = comment.lstrip("#").strip()
    if body == "via":
        return True
    if body.startswith("via "):
        items = body[4:].split(",")
    elif in_via and body:
        items = [body]
    else:
        return False
    for item in items:
        item = item.strip()
        if not item:
            continue
        if item.startswith("-r ") or item.startswith("-c ") or item.endswith(")"):
            # "-r requirements.in", "-c constraints.txt", "my-project (pyproject.toml)"
            via.from_root = via.from_root or not item.startswith("-c ")
        else:
            via.parents.append(item.split()[0])
    return True


def _unexpanded_entry(text: str, location: Location) -> Declaration | None:
    """A requirement pip could only read once ``${VAR}`` is expanded (``torch==${TORCH}``):
    keep its name and the specifier as written."""
    m = _NAME_PREFIX.match(text)
    if not m:
        return None
    rest, _, marker = text[m.end():].partition(";")
    rest = rest.strip()
    if rest and rest[0] not in "<>=!~@":
        return None  # not a specifier or URL: something else is wrong with the line
    extras = _split_extras(m.group(2) or "[]")
    source = Source()
    constraint: str | None = rest or None
    if rest.startswith("@"):
        source, constraint = _source_for_url(rest[1:].strip()), None
    return Declaration(name=m.group(1), location=location, extras=extras,
                       constraint=constraint, marker=marker.strip() or None, source=source)


def _missing_reason(file: ScanFile, value: str) -> str:
    """Say why ``file.sibling(value)`` found nothing: outside the root, or not there."""
    outside = "the included file is outside the scanned directory; not read"
    if value.startswith(("/", "\\")) or PurePosixPath(value).is_absolute():
        return outside
    target = PurePosixPath(file.directory) / value if file.directory else PurePosixPath(value)
    parts: list[str] = []
    for part in target.parts:
        if part == "..":
            if not parts:
                return outside
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    norm = "/".join(parts) or "."
    candidate = file.root / norm
    if candidate.is_dir():
        return f"{norm} is a directory, not a requirements file"
    if candidate.exists():
        return f"{norm} resolves to a location outside the scanned directory; not read"
    if candidate.is_symlink():
        return f"{norm} is a broken link"
    return f"included file {norm} does not exist"


SCANNERS = [RequirementsScanner()]
