"""Third-party notices: what a distributor ships next to a product so that every component's
license is honoured (``compliance notice``).

:func:`build_notice` turns an :class:`~compliance.model.Inventory` into a :class:`Notice`; the
renderers in :mod:`compliance.report.notice` write it as text, Markdown or HTML. Nothing here
knows about click or files to write.

Grouping
    Each component goes under its license: :func:`compliance.policy.evaluate.component_license`
    (the declared expression, else the concluded one; curations applied to the inventory
    beforehand replace both). A component with no license, or whose license is wholly unknown
    (``LicenseRef-unknown-*``, ``NONE``, ``NOASSERTION``), goes in the "license unknown" group,
    printed last, with a note that it may not be redistributed until its license is known.
    Development-only components (scope ``excluded``) are left out unless asked for.

Texts
    A component's own license files (its FILE license evidence) are read when the inventory
    came from a scan of this machine: the evidence path is relative to the folder its location
    names (the in-repository virtual environment, a ``--python`` environment, the repository),
    exactly as :mod:`compliance.licenses.resolve` reads it. A text shared word for word by
    several components is printed once, naming all of them; different texts of one license
    (different copyright holders) are printed one by one. A component whose files do not cover
    every license of its expression (none read, an SBOM input, a file that is not a license
    text) gets the reference text of each license not covered, from the ScanCode LicenseDB
    texts the identifier uses (``compliance/data/licenses/identify_references.json``); a
    license with no reference text is named with a note to obtain it.

Copyrights and NOTICE files
    Lines of a component's license files that start with ``Copyright``, ``©`` or ``(c)`` and
    a year are listed with its text (de-duplicated, in order; template lines such as
    ``Copyright [yyyy] [name of copyright owner]`` are skipped). Files named ``NOTICE*`` are not
    license texts: their contents are printed in a section of their own, as section 4(d) of
    the Apache License 2.0 requires for Apache components (a NOTICE file of a component under
    another license is printed too: shipping it never hurts).

Output is deterministic: groups sorted by license (unknown last), components by name, version
and purl; file names are shown relative to the environment or repository they were read from.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from compliance.licenses import catalog
from compliance.licenses.catalog import Family
from compliance.licenses.expression import UNKNOWN_PREFIX
from compliance.model import (
    Component,
    Diagnostic,
    Inventory,
    LicenseEvidence,
    LicenseEvidenceKind,
    Scope,
)
from compliance.policy.config import NO_LICENSE
from compliance.policy.evaluate import component_license

__all__ = [
    "MAX_TEXT_SIZE",
    "LicenseGroup",
    "Notice",
    "NoticeComponent",
    "NoticeFile",
    "NoticeText",
    "TextKind",
    "build_notice",
    "copyright_lines",
    "license_ids",
    "reference_text",
]

MAX_TEXT_SIZE = 1024 * 1024
"""License and NOTICE files larger than this are not copied into a notice (no real one is)."""

#: The label of the scanned repository among the license roots (as in licenses.resolve).
_REPOSITORY = "."
_OPERATORS = frozenset({"AND", "OR", "WITH"})
_TOKEN = re.compile(r"[^\s()]+")
_NOTICE_NAME = re.compile(r"^notice", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^(?:copyright\b|\(c\)|©)", re.IGNORECASE)
_COMMENT_LEAD = re.compile(r"^(?:#+|//+|/\*+|\*+|--|;+|%+|\.\.)\s*")
# "copyright notice", "copyright holders and contributors": words of a license, not a notice
_NOT_A_NOTICE = re.compile(
    r"^copyright\s+(?:notices?|holders?|owners?|statements?|licen[cs]es?|laws?|and|or|"
    r"protection|infringement|to|in|of|on|for|the|is|are|may|shall|assignment|rights?)\b"
    r"|^copyright(?:\s*\(c\))?\s*[.,;:]?\s*$|^copyright\s*:\s*(?:this|the|see|none)\b",
    re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"\[yyyy\]|\{yyyy\}|<year>|\[year\]|\{year\}|<name of author>|\[name of copyright owner\]"
    r"|<owner>|<copyright holders?>|\[fullname\]|<organization>",
    re.IGNORECASE)
#: License texts that hold others: the CPython license includes the PSF and CNRI licenses.
_CONTAINS = {
    "python-2.0": ("psf-2.0", "cnri-python"),
    "python-2.0.1": ("psf-2.0", "cnri-python"),
}
_CONTINUED = re.compile(r"(?:,|&|\b(?:and|of|the|by|for|All|All rights))$")
_MAX_CONTINUATION = 80
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_BINARY_SNIFF = 8192


class TextKind(str, enum.Enum):
    """Where a printed license text comes from."""

    FILE = "file"  # the component's own license file(s)
    REFERENCE = "reference"  # the standard text of the license (ScanCode LicenseDB)
    MISSING = "missing"  # no text is available here: a note to obtain it


@dataclass(frozen=True, slots=True)
class NoticeComponent:
    """A component as a notice lists it."""

    ref: str
    name: str
    version: str | None
    purl: str | None
    license: str | None  # the expression it is listed under (None: unknown)
    declared: str | None = None  # for an unknown license: what the package says, as written
    curated: bool = False  # the license comes from a curation in the policy file

    @property
    def label(self) -> str:
        """``name version`` (or the name alone)."""
        return f"{self.name} {self.version}" if self.version else self.name

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        """Name, version, purl, ref: the order components are listed in."""
        return (self.name.lower(), self.version or "", self.purl or "", self.ref)


@dataclass(frozen=True, slots=True)
class NoticeText:
    """One license text as printed, and the components it belongs to."""

    kind: TextKind
    license: str | None  # REFERENCE / MISSING: the license id; FILE: None
    text: str  # empty for MISSING
    components: tuple[NoticeComponent, ...]
    files: tuple[str, ...] = ()  # FILE: the files it was read from, relative to their folder
    copyrights: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NoticeFile:
    """The contents of a NOTICE file, and the components that ship it."""

    text: str
    components: tuple[NoticeComponent, ...]
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LicenseGroup:
    """The components under one license expression, with the texts to ship for them."""

    expression: str | None  # None: the "license unknown" group
    licenses: tuple[tuple[str, str], ...]  # (id, name) of each license in the expression
    components: tuple[NoticeComponent, ...]
    texts: tuple[NoticeText, ...]
    notices: tuple[NoticeFile, ...] = ()

    @property
    def unknown(self) -> bool:
        """True for the group of components without a known license."""
        return self.expression is None

    @property
    def title(self) -> str:
        """``MIT License (MIT)`` for one license, the expression for several, ``""`` for the
        unknown group (its title is a translated message)."""
        if self.expression is None:
            return ""
        if len(self.licenses) == 1:
            ident, name = self.licenses[0]
            if ident == self.expression and name and name != ident:
                return f"{name} ({ident})"
        return self.expression

    @property
    def mentions_apache(self) -> bool:
        """True when the expression names the Apache License 2.0 (section 4(d): NOTICE)."""
        return any(ident == "Apache-2.0" for ident, _ in self.licenses)


@dataclass
class Notice:
    """Everything a third-party notice says."""

    project: str
    groups: list[LicenseGroup]
    excluded: int = 0  # development-only components left out
    include_dev: bool = False
    files_read: bool = True  # False: no license files could be read (an SBOM input)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def component_count(self) -> int:
        """How many components the notice lists."""
        return sum(len(g.components) for g in self.groups)

    @property
    def license_count(self) -> int:
        """How many license groups (the unknown group not counted)."""
        return sum(1 for g in self.groups if not g.unknown)

    @property
    def unknown_count(self) -> int:
        """How many components have no known license."""
        return sum(len(g.components) for g in self.groups if g.unknown)


# ----------------------------------------------------------------------------- licenses


def license_ids(expression: str) -> list[str]:
    """The license and exception ids of an SPDX expression, in order, each once (a trailing
    ``+`` kept as written)."""
    ids = [t for t in _TOKEN.findall(expression) if t.upper() not in _OPERATORS]
    return list(dict.fromkeys(ids))


def _is_unknown(expression: str | None) -> bool:
    if expression is None or not expression.strip():
        return True
    ids = license_ids(expression)
    return not ids or all(i.upper() in NO_LICENSE or i.startswith(UNKNOWN_PREFIX) for i in ids)


def _canonical(ident: str) -> str:
    facts = catalog.get(ident)
    return facts.id if facts is not None else ident


def _name(ident: str) -> str:
    facts = catalog.get(ident.removesuffix("+"))
    if facts is None:
        return ident
    return facts.name + (" or later" if ident.endswith("+") and "later" not in facts.name
                         else "")


@cache
def _references() -> dict[str, str]:
    """Reference texts by canonical id (lower-cased): licenses and exceptions, not notices."""
    path = resources.files("compliance") / "data" / "licenses" / "identify_references.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for entry in data["references"]:
        if entry.get("kind") not in ("license", "exception"):
            continue
        for key in (entry["spdx"], _canonical(entry["spdx"])):
            out.setdefault(key.lower(), _clean(entry["text"]))
    return out


def reference_text(ident: str) -> str | None:
    """The standard text of a license or exception, or None when none is shipped here.

    An ``-or-later`` id (or a ``+``) has the text of its version (``GPL-3.0-or-later`` is the
    GPL-3.0 text); aliases and deprecated ids are looked up under their canonical id."""
    refs = _references()
    bare = ident.removesuffix("+")
    candidates = [bare, _canonical(bare)]
    for c in list(candidates):
        if c.endswith("-or-later"):
            candidates.append(c.removesuffix("-or-later") + "-only")
        elif not c.endswith("-only"):
            candidates.append(c + "-only")
    for c in candidates:
        found = refs.get(c.lower())
        if found is not None:
            return found
    return None


def _base(ident: str) -> str:
    """An id without its version range, to compare what a file says with what is declared:
    a bare GPL text is identified as ``-only`` while the package declares ``-or-later``."""
    bare = _canonical(ident.removesuffix("+"))
    for suffix in ("-or-later", "-only"):
        bare = bare.removesuffix(suffix)
    return bare.lower()


# ----------------------------------------------------------------------------- files


def _clean(text: str) -> str:
    """A text as printed: line breaks normalised, trailing spaces and the blank lines around it
    removed, so that copies differing only in white space at line ends compare equal."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def copyright_lines(text: str) -> list[str]:
    """The copyright notices of a text: lines starting with ``Copyright``, ``©``, or ``(c)``
    with a year (after comment markers), spaces collapsed, each once, in order. A notice cut
    short at a line end (``..., Amsterdam,`` / ``All rights``) takes the next line along.
    Lines of license wording ("copyright notice", "copyright holders") and templates
    (``[yyyy]``) are not notices."""
    found: list[str] = []
    lines = [_COMMENT_LEAD.sub("", raw.strip()) for raw in text.split("\n")]
    for n, line in enumerate(lines):
        if not _is_copyright(line):
            continue
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if (_CONTINUED.search(line) and following and len(following) <= _MAX_CONTINUATION
                and not _COPYRIGHT.match(following)):
            line = f"{line} {following}"
        line = " ".join(line.split())
        if line not in found:
            found.append(line)
    return found


def _is_copyright(line: str) -> bool:
    if not _COPYRIGHT.match(line):
        return False
    if line[:9].lower() == "copyright" and not line.startswith(("Copyright", "COPYRIGHT")):
        return False  # a wrapped sentence: "copyright notice that is included in ..."
    if _NOT_A_NOTICE.match(line) or _PLACEHOLDER.search(line):
        return False
    # a list item, "(c) You must retain ...", is not "(c) 2019 Carol"
    return not (line.startswith(("(c)", "(C)")) and not _YEAR.search(line))


def _folder_from_roots(location: str, roots: Mapping[str, str]) -> Path | None:
    folder = next((f for label, f in roots.items() if label != _REPOSITORY and (
        location == label or location.startswith(label + "/"))), roots.get(_REPOSITORY))
    return Path(folder) if folder is not None else None


def _folder_from_location(ev: LicenseEvidence, scan_root: Path) -> Path:
    """The folder a FILE evidence path is relative to, told from its location alone: the
    location is ``<label>/<value>`` (a license file found in a dist-info folder),
    ``<label>/<dist-info>/METADATA`` (named by ``License-File``), or the value itself (a file
    in the repository). The label is relative to the scan root, or absolute (``--python``)."""
    location, value = ev.location.path, ev.value
    if location == value:
        return scan_root
    if location.endswith("/" + value):
        label = location[: -len(value) - 1]
    else:
        top = value.split("/", 1)[0]
        at = location.rfind("/" + top + "/")
        if at <= 0:
            return scan_root
        label = location[:at]
    folder = Path(label)
    return folder if folder.is_absolute() else scan_root / label


class _Reader:
    """Reads the files FILE evidence names, once each, refusing paths that leave their folder."""

    def __init__(self, scan_root: Path | None, roots: Mapping[str, str] | None) -> None:
        self.scan_root = scan_root
        self.roots = roots
        self.diagnostics: list[Diagnostic] = []
        self._cache: dict[Path, str | None] = {}

    def locate(self, ev: LicenseEvidence) -> Path | None:
        if self.scan_root is None:
            return None
        if self.roots:
            folder = _folder_from_roots(ev.location.path, self.roots)
        else:
            folder = _folder_from_location(ev, self.scan_root)
        if folder is None:
            return None
        try:
            base = folder.resolve()
            candidate = (folder / ev.value).resolve()
        except (OSError, RuntimeError):
            return None
        if base not in candidate.parents or not candidate.is_file():
            return None
        return candidate

    def read(self, ev: LicenseEvidence) -> str | None:
        path = self.locate(ev)
        if path is None:
            return None
        if path not in self._cache:
            self._cache[path] = self._load(path, ev)
        return self._cache[path]

    def _load(self, path: Path, ev: LicenseEvidence) -> str | None:
        where = ev.value
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_TEXT_SIZE + 1)
        except OSError as e:
            self._warn(where, f"cannot be read: {e.strerror or e}; it is not in the notice")
            return None
        if len(data) > MAX_TEXT_SIZE:
            self._warn(where, f"is larger than {MAX_TEXT_SIZE} bytes; it is not in the notice")
            return None
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return _clean(data.decode("utf-16", errors="replace")) or None
        if b"\x00" in data[:_BINARY_SNIFF]:
            self._warn(where, "holds binary data, not a license text; it is not in the notice")
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        return _clean(data.decode("utf-8", errors="replace")) or None

    def _warn(self, path: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(path, message, severity="warning", scanner="notice"))


# ----------------------------------------------------------------------------- building


def _is_notice_file(path: str) -> bool:
    return bool(_NOTICE_NAME.match(path.rsplit("/", 1)[-1]))


def _listed(comp: Component, expression: str | None) -> NoticeComponent:
    declared = None
    if expression is None:
        for resolved in (comp.license, comp.concluded):
            if resolved is not None:
                declared = resolved.original or resolved.expression
                break
    curated = comp.license is not None and comp.license.source == "curation"
    return NoticeComponent(comp.ref, comp.name, comp.version, comp.purl, expression, declared,
                           curated)


def _covered(comp: Component) -> set[str]:
    """The licenses the component's own files were identified as (compared without version
    ranges)."""
    if comp.concluded is None or not comp.concluded.source.startswith("license-file"):
        return set()
    found = {_base(i) for i in license_ids(comp.concluded.expression)}
    return found.union(*(_CONTAINS.get(i, ()) for i in list(found)))


@dataclass
class _Block:
    text: str
    components: list[NoticeComponent] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def add(self, comp: NoticeComponent, path: str) -> None:
        if comp not in self.components:
            self.components.append(comp)
        if path not in self.files:
            self.files.append(path)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _group(expression: str | None, members: Sequence[tuple[Component, NoticeComponent]],
           reader: _Reader) -> LicenseGroup:
    ids = license_ids(expression) if expression is not None else []
    licenses = tuple((i, _name(i)) for i in ids)
    files: dict[str, _Block] = {}
    notices: dict[str, _Block] = {}
    needs: dict[str, list[NoticeComponent]] = {i: [] for i in ids}
    with_files: set[str] = set()
    for comp, listed in members:
        own = 0
        for ev in sorted(comp.licenses, key=lambda e: e.value):
            if ev.kind is not LicenseEvidenceKind.FILE:
                continue
            text = reader.read(ev)
            if text is None:
                continue
            blocks = notices if _is_notice_file(ev.value) else files
            blocks.setdefault(_digest(text), _Block(text)).add(listed, ev.value)
            if blocks is files:
                own += 1
        if own:
            with_files.add(listed.ref)
        covered = _covered(comp) if own else set()
        for ident in ids:
            if _base(ident) not in covered:
                needs[ident].append(listed)
    texts: list[NoticeText] = []
    for block in _ordered(files.values()):
        texts.append(NoticeText(TextKind.FILE, None, block.text, tuple(block.components),
                                tuple(block.files), tuple(copyright_lines(block.text))))
    for ident in ids:
        who = tuple(sorted(needs[ident], key=lambda c: c.sort_key))
        if not who or ident.startswith(UNKNOWN_PREFIX) or ident.upper() in NO_LICENSE:
            continue
        ref = reference_text(ident)
        if ref is None:
            # a license without a standard text (a LicenseRef, public domain): the component's
            # own files are the text; only a component that ships none is left without one
            facts = catalog.get(ident)
            if facts is not None and facts.family is Family.PUBLIC_DOMAIN:
                continue
            who = tuple(c for c in who if c.ref not in with_files)
            if who:
                texts.append(NoticeText(TextKind.MISSING, ident, "", who))
        else:
            texts.append(NoticeText(TextKind.REFERENCE, ident, ref, who))
    components = tuple(sorted((listed for _, listed in members), key=lambda c: c.sort_key))
    notice_files = tuple(NoticeFile(b.text, tuple(b.components), tuple(b.files))
                         for b in _ordered(notices.values()))
    return LicenseGroup(expression, licenses, components, tuple(texts), notice_files)


def _ordered(blocks: Iterable[_Block]) -> list[_Block]:
    out = []
    for b in blocks:
        b.components.sort(key=lambda c: c.sort_key)
        b.files.sort()
        out.append(b)
    return sorted(out, key=lambda b: (b.components[0].sort_key, b.files[0]))


def build_notice(
    inventory: Inventory,
    *,
    include_dev: bool = False,
    scan_root: Path | None = None,
    roots: Mapping[str, str] | None = None,
) -> Notice:
    """Group the inventory's components by license, with the texts to ship for each.

    ``scan_root`` is the repository the inventory was scanned from: license files are read
    only then (None for an SBOM, whose license evidence is not recoverable). ``roots`` maps
    the location labels of the evidence to the folders they name (``Inventory.license_roots``
    once the scan records it; without it the folders are told from the locations). Curations
    must be applied to the inventory before (:func:`compliance.policy.evaluate.apply_curations`).
    """
    if roots is None:
        recorded = getattr(inventory, "license_roots", None)
        roots = dict(recorded) if recorded else None
    reader = _Reader(scan_root, roots)
    by_expression: dict[str | None, list[tuple[Component, NoticeComponent]]] = {}
    excluded = 0
    for comp in inventory.components.values():
        if comp.scope is Scope.EXCLUDED and not include_dev:
            excluded += 1
            continue
        expression = component_license(comp)
        key = None if _is_unknown(expression) else expression
        by_expression.setdefault(key, []).append((comp, _listed(comp, key)))
    known = sorted((k for k in by_expression if k is not None), key=lambda e: (e.lower(), e))
    groups = [_group(k, by_expression[k], reader) for k in known]
    if None in by_expression:
        groups.append(_group(None, by_expression[None], reader))
    project = inventory.project.name if inventory.project else inventory.root_name
    return Notice(project, groups, excluded, include_dev, scan_root is not None,
                  sorted(reader.diagnostics, key=lambda d: (d.path, d.message)))
