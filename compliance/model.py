"""The data model every part of the tool shares.

Scanners produce :class:`Declaration` values (one package named in one file at one line);
:mod:`compliance.inventory` merges them into :class:`Component` values (one package, many
occurrences) inside an :class:`Inventory`. Everything a later check needs (is it pinned, hashed,
from which index) is a field here, never a string to re-parse.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

_PEP503_RUN = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """Return the PEP 503 normalised form of a Python package name (``Foo_Bar`` -> ``foo-bar``)."""
    return _PEP503_RUN.sub("-", name).lower()


class Scope(str, enum.Enum):
    """How a component is needed, as CycloneDX names it."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    EXCLUDED = "excluded"  # dev / test / docs groups: not part of what ships

    @property
    def rank(self) -> int:
        """Strength of the scope: required beats optional beats excluded when merging."""
        return {"required": 2, "optional": 1, "excluded": 0}[self.value]


class SourceKind(str, enum.Enum):
    """Where a package comes from."""

    REGISTRY = "registry"  # a package index (PyPI or another index)
    URL = "url"  # a direct archive URL (``name @ https://.../x.whl``)
    VCS = "vcs"  # a version-control checkout (``git+https://...@rev``)
    PATH = "path"  # a local directory or archive
    UNKNOWN = "unknown"


class DeclarationKind(str, enum.Enum):
    """What sort of file said a package is there."""

    MANIFEST = "manifest"  # a requirement someone wrote: pyproject, requirements.txt, setup.cfg
    CONSTRAINT = "constraint"  # a pip constraints entry: pins a version, adds nothing by itself
    LOCK = "lock"  # a resolved entry in a lockfile
    INSTALLED = "installed"  # a distribution found installed in an environment


@dataclass(frozen=True, slots=True)
class Location:
    """A place in the scanned repository: a POSIX path relative to the scan root, and a line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True)
class Hash:
    """A digest of a package artifact. ``alg`` uses CycloneDX names (``SHA-256``)."""

    alg: str
    value: str


# Lockfiles and pip write algorithm names their own way; CycloneDX has one spelling.
_HASH_ALGS = {
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha256": "SHA-256",
    "sha384": "SHA-384",
    "sha512": "SHA-512",
    "sha3-256": "SHA3-256",
    "sha3_256": "SHA3-256",
    "sha3-384": "SHA3-384",
    "sha3_384": "SHA3-384",
    "sha3-512": "SHA3-512",
    "sha3_512": "SHA3-512",
    "blake2b": "BLAKE2b-512",
    "blake2b-512": "BLAKE2b-512",
    "blake2b_512": "BLAKE2b-512",
}
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def parse_hash(text: str) -> Hash | None:
    """Parse ``sha256:abcd...`` or ``sha256=abcd...`` into a :class:`Hash`; None if unknown."""
    for sep in (":", "="):
        if sep in text:
            alg, _, value = text.partition(sep)
            cdx = _HASH_ALGS.get(alg.strip().lower())
            value = value.strip()
            if cdx and value and _HEX.match(value):
                return Hash(cdx, value.lower())
            return None
    return None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a package's artifact is fetched from.

    ``url`` is the index URL for a registry (None means the default, PyPI), the archive URL for
    a direct URL, the repository URL for VCS, and the path for a local path.
    """

    kind: SourceKind = SourceKind.REGISTRY
    url: str | None = None
    vcs: str | None = None  # "git", "hg", "svn", "bzr"
    revision: str | None = None  # what the user asked for: branch, tag or commit
    commit: str | None = None  # a full commit id, when one is known
    subdirectory: str | None = None

    @property
    def is_default_registry(self) -> bool:
        """True for the public default index (PyPI)."""
        return self.kind is SourceKind.REGISTRY and (
            self.url is None or _is_pypi(self.url)
        )


def _is_pypi(url: str) -> bool:
    u = url.rstrip("/").lower()
    return u.endswith("pypi.org/simple") or u.endswith("pypi.org") or u.endswith(
        "pypi.python.org/simple"
    ) or u.endswith("files.pythonhosted.org")


DEFAULT_REGISTRY = Source()


class LicenseEvidenceKind(str, enum.Enum):
    """What a piece of license evidence is, in the order of trust the license engine uses."""

    EXPRESSION = "license-expression"  # PEP 639 License-Expression, an SPDX expression
    FIELD = "license-field"  # the free-text License field / manifest ``license``
    CLASSIFIER = "classifier"  # a ``License ::`` trove classifier
    FILE = "license-file"  # a license file shipped with the package


@dataclass(frozen=True, slots=True)
class LicenseEvidence:
    """One fact about a component's license, with where it was read."""

    kind: LicenseEvidenceKind
    value: str  # the text as written (for FILE: the path of the file)
    location: Location


@dataclass(frozen=True, slots=True)
class ResolvedLicense:
    """A component's license as the license engine settled it, and how it knows.

    ``acknowledgement`` is CycloneDX's: ``declared`` (what the package says of itself) or
    ``concluded`` (identified from a license text). ``known`` is False when the expression holds
    a ``LicenseRef-unknown-*`` part: text that could not be mapped, kept, never guessed.
    """

    expression: str
    acknowledgement: str
    source: str  # license-expression, license-field, license-field-text, classifier, manifest, ...
    location: str | None
    known: bool = True
    original: str | None = None  # the text as written, shortened
    score: float | None = None  # for licenses identified from text


@dataclass(slots=True)
class Declaration:
    """One package named in one file: what a scanner emits.

    ``key`` identifies the declaration inside its :class:`ScanResult` so that edges can name it;
    it only has to be unique within that result.
    """

    name: str  # as written
    location: Location
    kind: DeclarationKind = DeclarationKind.MANIFEST
    ecosystem: str = "pypi"
    version: str | None = None  # an exact version (``==1.2.3``, a lock entry, installed)
    constraint: str | None = None  # a specifier when not exact (``>=2,<3``)
    extras: tuple[str, ...] = ()
    marker: str | None = None  # an environment marker, as written
    scope: Scope = Scope.REQUIRED
    groups: tuple[str, ...] = ()  # extras / dependency groups that named it
    hashes: tuple[Hash, ...] = ()
    source: Source = DEFAULT_REGISTRY
    direct: bool | None = None  # True: the project asks for it; None: unknown (lock entry)
    editable: bool = False
    licenses: tuple[LicenseEvidence, ...] = ()
    key: str = ""
    # other indexes the installer may take this package from (``--extra-index-url``): the
    # dependency-confusion surface
    extra_indexes: tuple[str, ...] = ()
    component_type: str = "library"  # CycloneDX type: machine-learning-model, data ...
    # facts a later check needs that have no field of their own (model format, pickle imports,
    # pinned revision ...), as (name, value) pairs
    properties: tuple[tuple[str, str], ...] = ()

    @property
    def canonical(self) -> str:
        """The canonical (PEP 503 for PyPI) name that identifies the package."""
        return canonical_name(self.name) if self.ecosystem == "pypi" else self.name


@dataclass(frozen=True, slots=True)
class Edge:
    """A dependency edge between two declarations of one :class:`ScanResult`.

    ``source`` is a declaration key, or :data:`ROOT` for the project whose manifest this is.
    """

    source: str
    target: str


ROOT = "<root>"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem met while scanning: a file that could not be read or parsed, an odd entry.

    Diagnostics are data: the scan goes on, and ``--strict`` turns them into exit code 2.
    """

    path: str
    message: str
    line: int | None = None
    severity: str = "error"  # "error": content lost; "warning": read, but something is off
    scanner: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    """What a project manifest says about the project itself."""

    name: str
    version: str | None = None
    license: str | None = None  # as written in the manifest
    description: str | None = None
    location: Location | None = None


@dataclass(slots=True)
class ScanResult:
    """What one scanner found in one file."""

    declarations: list[Declaration] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    project: ProjectInfo | None = None


@dataclass(slots=True)
class Component:
    """One package in the inventory, however many files named it."""

    ref: str  # the bom-ref: the purl where there is one
    ecosystem: str
    name: str  # canonical name
    version: str | None
    purl: str | None
    constraint: str | None = None
    scope: Scope = Scope.EXCLUDED
    direct: bool = False
    hashes: list[Hash] = field(default_factory=list)
    source: Source = DEFAULT_REGISTRY
    occurrences: list[Location] = field(default_factory=list)
    kinds: set[DeclarationKind] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    extras: set[str] = field(default_factory=set)
    markers: set[str] = field(default_factory=set)
    licenses: list[LicenseEvidence] = field(default_factory=list)
    editable: bool = False
    extra_indexes: set[str] = field(default_factory=set)
    component_type: str = "library"  # CycloneDX type: library, machine-learning-model, data ...
    license: ResolvedLicense | None = None  # declared, settled by compliance.licenses.resolve
    concluded: ResolvedLicense | None = None  # identified from the license files it ships
    properties: tuple[tuple[str, str], ...] = ()  # (name, value) facts, de-duplicated, in order

    @property
    def pinned(self) -> bool:
        """True when an exact version is known (a lock entry, ``==``, an installed dist)."""
        return self.version is not None

    @property
    def hashed(self) -> bool:
        """True when at least one artifact digest is known."""
        return bool(self.hashes)

    @property
    def locked(self) -> bool:
        """True when a lockfile records this exact package."""
        return DeclarationKind.LOCK in self.kinds


@dataclass(slots=True)
class Inventory:
    """Everything a scan found: the project, its components, their edges and the diagnostics."""

    root_name: str
    project: ProjectInfo | None = None
    components: dict[str, Component] = field(default_factory=dict)  # by ref
    dependencies: dict[str, set[str]] = field(default_factory=dict)  # ref -> refs
    direct: set[str] = field(default_factory=set)  # refs the project itself asks for
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_scanned: int = 0
    project_license: ResolvedLicense | None = None
    # where FILE license evidence is read: location label -> folder ("." is the repository),
    # as the scan found them; empty for an inventory read from an SBOM
    license_roots: dict[str, str] = field(default_factory=dict)


class Severity(str, enum.Enum):
    """How much a finding matters; ``--fail-on`` gates on it."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """error > warning > info."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a user must know about: a license that is not allowed for this use, a risk.

    Every finding says why (``message``) and what to do (``fix``); ``rule`` is a stable id
    (``<pack>/<rule>``) that reports, waivers and baselines refer to.
    """

    rule: str
    severity: Severity
    message: str
    fix: str
    component_ref: str | None = None
    component_name: str | None = None
    component_version: str | None = None
    purl: str | None = None
    license: str | None = None  # the expression evaluated
    location: Location | None = None  # where the component was brought in
    chosen: str | None = None  # the alternative of an OR that was chosen, when one was
    waived_by: str | None = None  # the waiver that applies ("reason: comment"), if any
    pack: str | None = None
    # the message and fix in other languages: (lang, message, fix), e.g. ("zh-CN", ..., ...)
    translations: tuple[tuple[str, str, str], ...] = ()

    def localized(self, lang: str) -> tuple[str, str]:
        """The message and fix in ``lang`` when translated, else as written (English)."""
        for code, message, fix in self.translations:
            if code == lang:
                return message, fix
        return self.message, self.fix
