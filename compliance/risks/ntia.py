"""SBOM quality: the NTIA minimum elements, measured.

The NTIA's *The Minimum Elements For a Software Bill of Materials* (July 2021) asks of every
component a supplier name, a component name, a version, a unique identifier and its dependency
relationships, and of the SBOM an author and a timestamp. :func:`ntia_score` measures, for each
element, the share of components that meet it (author and timestamp: 1 or 0 for the whole SBOM):

* **supplier**: a ``supplier`` attribute or ``supplier`` / ``publisher`` property when the model
  carries one, else the namespace of a component named ``owner/name`` (a Hugging Face or GitHub
  owner); a bare PyPI name says nothing about its supplier, and the index is not the supplier;
* **name**: a non-empty name;
* **version**: an exact version;
* **unique identifier**: a package URL;
* **dependency relationships**: the component has a place in the dependency graph (the project
  asks for it, or a recorded edge leads to it or from it);
* **author** of the SBOM data and **timestamp**: given by the caller.

The score is the mean of the seven shares, 0-100, rounded down, with a grade: A from 90, B from
80, C from 70, D from 60, F below. ``risk/sbom-quality`` reports it: info, or a warning below 60.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compliance.model import Component, Finding, Inventory, Severity
from compliance.risks import base
from compliance.risks.base import Check

__all__ = [
    "CHECKS",
    "TOOL_AUTHOR",
    "NtiaElement",
    "NtiaScore",
    "check_sbom_quality",
    "grade_for",
    "ntia_score",
]

SBOM_QUALITY = "risk/sbom-quality"
WARN_BELOW = 60
TOOL_AUTHOR = "compliance"
"""The author of an SBOM this tool writes (its ``metadata.tools``)."""

_GRADES = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "F"))
_SUPPLIER_PROPS = ("supplier", "publisher", "manufacturer")


@dataclass(frozen=True)
class NtiaElement:
    """One minimum element: how many of ``total`` meet it."""

    key: str  # supplier, name, version, unique-id, dependencies, author, timestamp
    title: str
    met: int
    total: int

    @property
    def share(self) -> float:
        """0.0-1.0; an element about components is met by an SBOM without any."""
        return 1.0 if self.total == 0 else self.met / self.total

    @property
    def percent(self) -> int:
        """The share as a whole percentage, rounded down (99.9 % is not 100 %)."""
        return int(self.share * 100)


@dataclass(frozen=True)
class NtiaScore:
    """Every element, the overall score (0-100) and its grade."""

    elements: tuple[NtiaElement, ...]
    score: int
    grade: str
    components: int

    def element(self, key: str) -> NtiaElement:
        """The element named ``key``."""
        for e in self.elements:
            if e.key == key:
                return e
        raise KeyError(key)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "score": self.score, "grade": self.grade, "components": self.components,
            "elements": {e.key: {"title": e.title, "met": e.met, "total": e.total,
                                 "share": round(e.share, 4)} for e in self.elements},
        }


def grade_for(score: int) -> str:
    """A (90+), B (80+), C (70+), D (60+) or F."""
    return next(grade for floor, grade in _GRADES if score >= floor)


def _has_supplier(comp: Component) -> bool:
    supplier = getattr(comp, "supplier", None)
    if supplier:
        return True
    props = base.properties(comp)
    if any(props.get(k) for k in _SUPPLIER_PROPS):
        return True
    if comp.ecosystem != "pypi" and comp.ecosystem != "generic" and "/" in comp.name:
        owner = comp.name.split("/", 1)[0]
        return bool(owner)
    return False


def _related(inv: Inventory) -> set[str]:
    related = set(inv.direct)
    for source, targets in inv.dependencies.items():
        if targets:
            related.add(source)
            related.update(targets)
    return related


def ntia_score(inv: Inventory, *, has_timestamp: bool, author: str | None) -> NtiaScore:
    """Measure ``inv`` against the NTIA minimum elements (see the module docstring)."""
    comps: Iterable[Component] = inv.components.values()
    total = len(inv.components)
    related = _related(inv)
    supplier = name = version = purl = deps = 0
    for comp in comps:
        supplier += _has_supplier(comp)
        name += bool(comp.name and comp.name.strip())
        version += bool(comp.version)
        purl += bool(comp.purl)
        deps += comp.direct or comp.ref in related
    elements = (
        NtiaElement("supplier", "supplier name", supplier, total),
        NtiaElement("name", "component name", name, total),
        NtiaElement("version", "version", version, total),
        NtiaElement("unique-id", "unique identifier (package URL)", purl, total),
        NtiaElement("dependencies", "dependency relationships", deps, total),
        NtiaElement("author", "author of the SBOM data", int(bool(author and author.strip())),
                    1),
        NtiaElement("timestamp", "timestamp", int(bool(has_timestamp)), 1),
    )
    score = int(sum(e.share for e in elements) / len(elements) * 100 + 1e-9)
    return NtiaScore(elements, score, grade_for(score), total)


def check_sbom_quality(inv: Inventory, *, has_timestamp: bool = True,
                       author: str | None = TOOL_AUTHOR) -> list[Finding]:
    """``risk/sbom-quality``: one finding with the NTIA score. By default the SBOM is taken to
    be the one this tool writes for ``inv``: timestamped, authored by the tool."""
    result = ntia_score(inv, has_timestamp=has_timestamp, author=author)
    short = [e for e in result.elements if e.met < e.total]
    severity = Severity.WARNING if result.score < WARN_BELOW else Severity.INFO

    def render(lang: str) -> tuple[str, str]:
        parts = []
        for e in result.elements:
            title = base.text(lang, f"ntia.element.{e.key}")
            if e.key in ("author", "timestamp"):
                parts.append(base.text(lang, "ntia.met" if e.met else "ntia.unmet", title=title))
            else:
                parts.append(base.text(lang, "ntia.percent", title=title, percent=e.percent))
        sep = base.text(lang, "ntia.sep")
        message = base.text(lang, "ntia.message", score=result.score, grade=result.grade,
                            components=result.components, elements=sep.join(parts))
        if short:
            fix = base.text(lang, "ntia.fix", advice=sep.join(
                base.text(lang, f"ntia.advice.{e.key}") for e in short))
        else:
            fix = base.text(lang, "ntia.fix_none")
        return message, fix

    return [base.inventory_finding(SBOM_QUALITY, base.localized(render), severity=severity)]


CHECKS = (
    Check(SBOM_QUALITY, Severity.INFO,
          "the SBOM's NTIA minimum-elements score (warning below 60)",
          "Missing suppliers, versions, identifiers or relationships make the SBOM hard to "
          "match against vulnerability and license data.",
          "Lock dependencies, record suppliers, keep timestamps and authors.",
          check_sbom_quality),
)
