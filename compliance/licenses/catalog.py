"""What each license means: family, copyleft scope, network clause, patents, duties, restrictions.

The facts are data, in three layers (README.md under ``compliance/data/licenses/`` has the
details and sources):

1. the ScanCode LicenseDB index that ``license-expression`` ships (2,500+ license keys with a
   category, their SPDX id and other ids);
2. the SPDX License List table in ``catalog.yaml`` (full names, OSI approval, FSF libre flag,
   deprecated ids);
3. this project's facts in ``catalog.yaml``: category and family rules, id patterns, and one entry
   per license where the index is silent or too coarse (copyleft scope, network clauses, patent
   terms, AI model licenses, plain-language duties and restrictions).

Everything is read on first use and cached; importing this module reads nothing.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import importlib.util
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from compliance.errors import ComplianceError

try:
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

__all__ = [
    "CatalogError",
    "CopyleftScope",
    "Family",
    "LicenseFacts",
    "all_ids",
    "get",
    "localized_terms",
    "suggest",
    "term_translations",
]

SCANCODE = "scancode-licensedb"
SPDX = "spdx-license-list"
CATALOG = "compliance-catalog"
_SOURCES = (SCANCODE, SPDX, CATALOG)

_SPDX_URL = "https://spdx.org/licenses/{}.html"
_SCANCODE_URL = "https://scancode-licensedb.aboutcode.org/{}.html"
_SCANCODE_PREFIX = "LicenseRef-scancode-"
_UNKNOWN_ID = "LicenseRef-unknown"


class CatalogError(ComplianceError):
    """The shipped license catalog data is inconsistent (a bug in this tool's data)."""


class Family(str, Enum):
    """The broad kind of a license, as a policy would group it."""

    PUBLIC_DOMAIN = "public-domain"
    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak-copyleft"
    STRONG_COPYLEFT = "strong-copyleft"
    NETWORK_COPYLEFT = "network-copyleft"
    SOURCE_AVAILABLE = "source-available"
    NON_COMMERCIAL = "non-commercial"
    PROPRIETARY = "proprietary"
    AI_RESTRICTED = "ai-use-restricted"
    UNKNOWN = "unknown"


class CopyleftScope(str, Enum):
    """How far a copyleft reaches: nothing, the modified files, the library, or the whole work."""

    NONE = "none"
    FILE = "file"
    LIBRARY = "library"
    WHOLE_WORK = "whole-work"


@dataclass(frozen=True)
class LicenseFacts:
    """What one license (or license exception) means for someone who uses the component."""

    id: str
    name: str
    family: Family
    osi_approved: bool | None
    fsf_libre: bool | None
    copyleft: CopyleftScope
    network_clause: bool
    patent_grant: bool | None
    patent_retaliation: bool | None
    attribution: bool
    deprecated: bool
    replaced_by: str | None
    use_restrictions: tuple[str, ...]
    obligations: tuple[str, ...]
    url: str | None
    source: str
    is_exception: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The facts as plain JSON-ready values (enums as their values, tuples as lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


def get(license_id: str) -> LicenseFacts | None:
    """Facts for ``license_id`` (an SPDX id, a ``LicenseRef-`` id or a known alias), or None.

    The lookup ignores case and surrounding spaces. A deprecated SPDX id (``GPL-2.0+``) gives
    the facts of what replaced it under its own id, with ``deprecated=True`` and ``replaced_by``
    set. Other spellings (ScanCode's other SPDX keys and license keys, this catalog's aliases)
    give the facts of the canonical id. Any id starting with an unknown-license prefix
    (``LicenseRef-unknown-...``) gives facts of the UNKNOWN family.
    """
    key = license_id.strip().lower()
    if not key:
        return None
    cat = _catalog()
    ident = cat.lookup.get(key)
    if ident is not None:
        return cat.facts(ident)
    for prefix in cat.unknown_prefixes:
        if key.startswith(prefix) and len(key) > len(prefix):
            unknown = cat.facts(_UNKNOWN_ID)
            rest = license_id.strip()[len(prefix):]
            return dataclasses.replace(unknown, id=license_id.strip(),
                                       name=f"{unknown.name} ({rest})")
    return None


def all_ids() -> list[str]:
    """Every id the catalog knows under its own name: canonical and deprecated ids, sorted
    case-insensitively. Aliases and the open-ended unknown-license prefixes are not listed."""
    return list(_catalog().ids)


def suggest(license_id: str, limit: int = 5) -> list[str]:
    """Known ids closest to a mistyped ``license_id`` (case-insensitive, best first).

    ``LicenseRef-`` prefixes are ignored when comparing, so ``llama-3`` finds
    ``LicenseRef-llama3``."""
    cat = _catalog()
    word = _bare(license_id.strip().lower())
    out: list[str] = []
    for match in difflib.get_close_matches(word, cat.bare_ids, n=limit * 3, cutoff=0.6):
        for ident in cat.bare_ids[match]:
            if ident not in out:
                out.append(ident)
    return out[:limit]


def term_translations(lang: str) -> Mapping[str, str]:
    """The translations of the catalog's obligations and use restrictions into ``lang``
    (``catalog.<lang>.yaml`` beside ``catalog.yaml``): English text -> text. Read once."""
    return _term_translations(lang)


def localized_terms(texts: Sequence[str], lang: str) -> tuple[str, ...]:
    """``texts`` (obligations or use restrictions of the catalog) in ``lang``; English for
    ``"en"``, and any text without a translation stays as written."""
    return _localized_terms(tuple(texts), lang)


@functools.lru_cache(maxsize=8192)
def _localized_terms(texts: tuple[str, ...], lang: str) -> tuple[str, ...]:
    if lang == "en" or not texts:
        return texts
    table = _term_translations(lang)
    return tuple(table.get(text, text) for text in texts)


@functools.cache
def _term_translations(lang: str) -> dict[str, str]:
    name = f"catalog.{lang}.yaml"
    try:
        data = yaml.load(_data_text(name), Loader=_YamlLoader)
    except (OSError, yaml.YAMLError) as e:
        raise CatalogError(f"cannot read {name}: {e}") from e
    entries = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("en"), str) and isinstance(e.get(lang), str)
            for e in entries):
        raise CatalogError(f"{name}: 'translations' must be a list of {{en: ..., {lang}: ...}}")
    return {e["en"]: e[lang] for e in entries}


def _bare(lower_id: str) -> str:
    for prefix in ("licenseref-scancode-", "licenseref-"):
        if lower_id.startswith(prefix):
            return lower_id[len(prefix):]
    return lower_id


# ----------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class _SpdxRow:
    name: str
    osi: bool
    fsf: bool
    deprecated: bool
    exception: bool


@dataclass(slots=True)
class _Draft:
    """One license while the catalog is being put together."""

    id: str
    family: Family
    scancode_key: str | None = None
    spdx: _SpdxRow | None = None
    is_exception: bool = False
    scancode_deprecated: bool = False
    category: Mapping[str, Any] = field(default_factory=dict)  # facts of its ScanCode category
    layers: list[Mapping[str, Any]] = field(default_factory=list)  # this catalog's, weakest first
    curated: bool = False


class _Catalog:
    """The built catalog: ids and aliases up front, facts resolved on first request."""

    def __init__(self, builder: _Builder, lookup: dict[str, str], ids: tuple[str, ...],
                 unknown_prefixes: tuple[str, ...]) -> None:
        self._builder = builder
        self._cache: dict[str, LicenseFacts] = {}
        self.lookup = lookup  # lower-case id or alias -> id
        self.ids = ids
        self.unknown_prefixes = unknown_prefixes
        self.bare_ids: dict[str, list[str]] = {}
        for ident in ids:
            self.bare_ids.setdefault(_bare(ident.lower()), []).append(ident)

    def facts(self, ident: str) -> LicenseFacts:
        """The facts of a canonical or deprecated id (built once, then cached)."""
        found = self._cache.get(ident)
        if found is None:
            found = self._cache[ident] = self._builder.resolve(ident, self.facts)
        return found


DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "licenses"
"""Where ``catalog.yaml`` and ``catalog.schema.json`` live (they ship in the wheel)."""


def _data_text(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


def _index_path() -> Path:
    spec = importlib.util.find_spec("license_expression")
    if spec is None or spec.origin is None:
        raise CatalogError("license-expression is not installed: it ships the ScanCode LicenseDB "
                           "index the license catalog is built on")
    return Path(spec.origin).parent / "data" / "scancode-licensedb-index.json"


@functools.cache
def catalog_data() -> dict[str, Any]:
    """The parsed ``catalog.yaml``. Its schema, ``catalog.schema.json``, is enforced by the test
    suite rather than at every load (validation would cost more than the rest of loading)."""
    try:
        data = yaml.load(_data_text("catalog.yaml"), Loader=_YamlLoader)
    except (OSError, yaml.YAMLError) as e:
        raise CatalogError(f"cannot read the license catalog: {e}") from e
    if not isinstance(data, dict) or data.get("version") != 1:
        raise CatalogError("catalog.yaml is not a version 1 license catalog")
    return data


def _spdx_table(text: str) -> dict[str, _SpdxRow]:
    rows: dict[str, _SpdxRow] = {}
    for line in text.splitlines():
        ident, flags, name = line.split(" ", 2)
        rows[ident] = _SpdxRow(name, flags[0] == "O", flags[1] == "F", flags[2] == "D",
                               flags[3] == "X")
    return rows


@functools.cache
def _catalog() -> _Catalog:
    data = catalog_data()
    try:
        index: list[dict[str, Any]] = json.loads(_index_path().read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CatalogError(f"cannot read the ScanCode LicenseDB index: {e}") from e
    return _Builder(data, index).build()


class _Builder:
    """Puts the three layers together (see the module docstring)."""

    def __init__(self, data: Mapping[str, Any], index: Iterable[Mapping[str, Any]]) -> None:
        self.data = data
        self.index = index
        self.spdx = _spdx_table(data["spdx_license_list"]["table"])
        self.category_rules: Mapping[str, Mapping[str, Any]] = data["category_rules"]
        self.drafts: dict[str, _Draft] = {}  # canonical id -> draft
        self.by_key: dict[str, str] = {}  # ScanCode key -> canonical id
        # lower-case alias -> (priority, target id); the lowest priority number wins
        self.aliases: dict[str, tuple[int, str]] = {}
        self.renamed: dict[str, str] = {}  # old canonical id -> new one
        self.deprecated: dict[str, str] = {}  # deprecated SPDX id -> id of its replacement
        self.patterns = [(re.compile(rule["match"], re.IGNORECASE),
                          {k: v for k, v in rule.items() if k != "match"})
                         for rule in data["pattern_rules"]]

    def _canonical(self, ident: str) -> str:
        while ident in self.renamed:
            ident = self.renamed[ident]
        return ident

    def _alias(self, alias: str, target: str, priority: int) -> None:
        key = alias.lower()
        if key == target.lower():
            return
        old = self.aliases.get(key)
        if old is None or priority < old[0]:
            self.aliases[key] = (priority, target)

    def _rename(self, old_id: str, new_id: str) -> _Draft:
        draft = self.drafts.pop(old_id)
        draft.id = new_id
        draft.spdx = self.spdx.get(new_id)
        self.drafts[new_id] = draft
        self.renamed[old_id] = new_id
        if draft.scancode_key:
            self.by_key[draft.scancode_key] = new_id
        self._alias(old_id, new_id, 3)
        return draft

    def build(self) -> _Catalog:
        self._from_index()
        self._from_spdx()
        self._curate()
        self.deprecated = self._deprecated_ids()
        for alias, target in self.data.get("aliases", {}).items():
            target = self._canonical(target)
            if target not in self.drafts and target not in self.deprecated:
                raise CatalogError(f"catalog.yaml alias {alias!r} points to unknown id {target!r}")
            self._alias(alias, target, 3)
        draft = self.drafts.get(_UNKNOWN_ID)
        if draft is None or not draft.curated:
            raise CatalogError(f"catalog.yaml must describe {_UNKNOWN_ID}")

        ids = [*self.drafts, *self.deprecated]
        lookup = {i.lower(): i for i in ids}
        for key, (_, target) in self.aliases.items():
            lookup.setdefault(key, self._canonical(target))
        prefixes = tuple(p.lower() for p in self.data.get("unknown_prefixes", []))
        return _Catalog(self, lookup, tuple(sorted(ids, key=lambda i: (i.lower(), i))), prefixes)

    def _from_index(self) -> None:
        for entry in self.index:
            key = entry["license_key"]
            ident = entry.get("spdx_license_key") or _SCANCODE_PREFIX + key
            if ident in self.drafts:
                continue  # two keys claiming one id: the first one wins
            rule = self.category_rules.get(entry.get("category") or "Unstated License", {})
            draft = _Draft(id=ident, family=Family(rule.get("family", Family.UNKNOWN.value)),
                           scancode_key=key, spdx=self.spdx.get(ident),
                           is_exception=bool(entry.get("is_exception")),
                           scancode_deprecated=bool(entry.get("is_deprecated")))
            draft.category = {k: v for k, v in rule.items() if k != "family"}
            self.drafts[ident] = draft
            self.by_key[key] = ident
            for other in entry.get("other_spdx_license_keys") or ():
                self._alias(other, ident, 2)
            self._alias(_SCANCODE_PREFIX + key, ident, 4)
            self._alias(key, ident, 5)

    def _from_spdx(self) -> None:
        for spdx_id, key in self.data.get("spdx_scancode_links", {}).items():
            old = self.by_key.get(key)
            if old is not None and spdx_id not in self.drafts:
                self._rename(old, spdx_id).curated = True
        for spdx_id, row in self.spdx.items():
            if spdx_id in self.drafts or row.deprecated:
                continue
            alias = self.aliases.get(spdx_id.lower())
            if alias is None:
                self.drafts[spdx_id] = _Draft(id=spdx_id, family=Family.UNKNOWN, spdx=row,
                                              is_exception=row.exception)
            elif self.by_key.get(spdx_id.lower()) == alias[1]:
                # newer than the index, but ScanCode's key is the same id in lower case
                self._rename(alias[1], spdx_id)

    def _curate(self) -> None:
        for key, family in self.data.get("scancode_families", {}).items():
            ident = self.by_key.get(key)
            if ident is not None:
                self.drafts[ident].layers.append({"family": family})
                self.drafts[ident].curated = True
        for ident, entry in self.data["licenses"].items():
            draft = self._curated_draft(ident, entry)
            draft.layers.append(entry)
            draft.curated = True

    def _curated_draft(self, ident: str, entry: Mapping[str, Any]) -> _Draft:
        key = entry.get("scancode_key")
        if key is not None and key in self.by_key and self.by_key[key] != ident:
            return self._rename(self.by_key[key], ident)
        if ident in self.drafts:
            return self.drafts[ident]
        if ident.lower() in self.aliases:
            raise CatalogError(f"catalog.yaml describes {ident!r}, an alias of "
                               f"{self.aliases[ident.lower()][1]!r}: describe that id instead")
        if "family" not in entry or "name" not in entry:
            raise CatalogError(f"catalog.yaml: {ident!r} is not in the ScanCode index or the SPDX "
                               "list, so it needs a name and a family")
        draft = _Draft(id=ident, family=Family(entry["family"]), spdx=self.spdx.get(ident))
        self.drafts[ident] = draft
        return draft

    def resolve(self, ident: str, facts: Callable[[str], LicenseFacts]) -> LicenseFacts:
        """Facts for a canonical id (from its draft) or a deprecated id (from its replacement)."""
        if ident in self.deprecated:
            return self._deprecated_facts(ident, facts(self.deprecated[ident]))
        d = self.drafts[ident]
        patterns = [f for p, f in self.patterns if p.fullmatch(d.id)]
        layers = [*patterns, *d.layers]
        family = d.family
        for layer in layers:
            family = Family(layer.get("family", family))
        merged: dict[str, Any] = {"network_clause": False, "patent_grant": None,
                                  "patent_retaliation": None, "osi_approved": None,
                                  "fsf_libre": None}
        merged.update(self.data["family_defaults"][family.value])
        merged.update(d.category)
        if d.spdx is not None:
            merged["osi_approved"] = d.spdx.osi
            if d.spdx.fsf:
                merged["fsf_libre"] = True
        for layer in layers:
            merged.update(layer)

        if "name" in merged:
            name = str(merged["name"])
        elif d.spdx is not None:
            name = d.spdx.name
        else:
            name = f"{d.scancode_key} (ScanCode LicenseDB)"
        if "url" in merged:
            url = merged["url"]
        elif d.spdx is not None:
            url = _SPDX_URL.format(d.id)
        else:
            url = _SCANCODE_URL.format(d.scancode_key)
        used = {SCANCODE if d.scancode_key else "", SPDX if d.spdx else "",
                CATALOG if d.curated or patterns else ""}
        deprecated = d.spdx.deprecated if d.spdx is not None else d.scancode_deprecated
        return LicenseFacts(
            id=d.id,
            name=name,
            family=family,
            osi_approved=merged["osi_approved"],
            fsf_libre=merged["fsf_libre"],
            copyleft=CopyleftScope(merged["copyleft"]),
            network_clause=bool(merged["network_clause"]),
            patent_grant=merged["patent_grant"],
            patent_retaliation=merged["patent_retaliation"],
            attribution=bool(merged["attribution"]),
            deprecated=deprecated,
            replaced_by=self.data.get("deprecated_replacements", {}).get(d.id),
            use_restrictions=tuple(merged["use_restrictions"]),
            obligations=tuple(merged["obligations"]),
            url=url,
            source="+".join(s for s in _SOURCES if s in used),
            # the SPDX list decides where it has the id (ScanCode files the license
            # MPL-2.0-no-copyleft-exception as an exception)
            is_exception=d.spdx.exception if d.spdx is not None else d.is_exception,
        )

    def _deprecated_ids(self) -> dict[str, str]:
        """Deprecated SPDX ids that ScanCode files under their replacement, with its id."""
        out: dict[str, str] = {}
        for spdx_id, row in self.spdx.items():
            if not row.deprecated or spdx_id in self.drafts:
                continue
            target = self.aliases.get(spdx_id.lower())
            if target is None:
                raise CatalogError(f"deprecated SPDX id {spdx_id!r} has no replacement: add it "
                                   "to catalog.yaml")
            out[spdx_id] = self._canonical(target[1])
        return out

    def _deprecated_facts(self, spdx_id: str, base: LicenseFacts) -> LicenseFacts:
        sources = set(base.source.split("+")) | {SPDX}
        row = self.spdx[spdx_id]
        return dataclasses.replace(
            base, id=spdx_id, name=row.name, deprecated=True, osi_approved=row.osi,
            fsf_libre=True if row.fsf else base.fsf_libre,
            replaced_by=self.data.get("deprecated_replacements", {}).get(spdx_id, base.id),
            url=_SPDX_URL.format(spdx_id), source="+".join(s for s in _SOURCES if s in sources))
