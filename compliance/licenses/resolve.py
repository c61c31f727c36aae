"""Pick each component's license from its evidence, and say where it came from.

Order of trust for the *declared* license (what the package says of itself): PEP 639
``License-Expression``; the ``License`` field (a whole license text in it is identified as text);
trove classifiers; a manifest's ``license``; the package registry (only with ``--online``).
License files the package ships are identified as text and give the *concluded* license.

Lockfiles carry no licenses, so evidence is gathered where the repository already has it, without
asking: a virtual environment inside the repository (``.venv/``, ``venv/``: not walked as source,
its packages not added as components) lends the license evidence of the packages the repository
declares or locks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from compliance.licenses.catalog import get as catalog_get
from compliance.licenses.expression import (
    NormalizedLicense,
    from_classifiers,
    looks_like_license_text,
    normalize,
)
from compliance.licenses.identify import LicenseMatch, identify_file, identify_text
from compliance.licenses.registry import PyPIClient, RegistryError, RegistryLicense
from compliance.model import (
    Component,
    Diagnostic,
    Inventory,
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ResolvedLicense,
    canonical_name,
)

#: Where a piece of evidence's file can be read: a location prefix -> the folder it names.
LicenseRoots = Mapping[str, Path]


@dataclass
class EvidencePool:
    """License evidence of installed distributions that are not components themselves (an
    in-repository virtual environment), by canonical name and version."""

    by_name: dict[str, dict[str | None, tuple[LicenseEvidence, ...]]] = field(default_factory=dict)

    def add(self, name: str, version: str | None, evidence: tuple[LicenseEvidence, ...]) -> None:
        """Remember the evidence of one installed distribution."""
        if evidence:
            self.by_name.setdefault(canonical_name(name), {})[version] = evidence

    def find(self, name: str, version: str | None) -> tuple[LicenseEvidence, ...]:
        """Evidence for exactly this version; for a component without a version, the only
        installed version. A different version is not used: licenses change between releases."""
        versions = self.by_name.get(canonical_name(name))
        if not versions:
            return ()
        if version is not None:
            return versions.get(version, ())
        return next(iter(versions.values())) if len(versions) == 1 else ()


@lru_cache(maxsize=4096)
def _normalize(text: str) -> NormalizedLicense:
    return normalize(text)


def expression_from_matches(matches: Iterable[LicenseMatch]) -> str | None:
    """Combine the licenses found in texts into one expression: an exception joins the license
    before it with WITH; distinct licenses are all required (AND), the cautious reading of a
    file that holds several texts."""
    terms: list[str] = []
    for m in matches:
        facts = catalog_get(m.spdx)
        if facts is not None and facts.is_exception:
            if terms and " WITH " not in terms[-1]:
                terms[-1] = f"{terms[-1]} WITH {m.spdx}"
            continue
        if m.spdx not in terms:
            terms.append(m.spdx)
    unique = list(dict.fromkeys(terms))
    if not unique:
        return None
    if len(unique) == 1:
        return unique[0]
    return " AND ".join(f"({t})" if " " in t else t for t in unique)


def _declared(evidence: tuple[LicenseEvidence, ...] | list[LicenseEvidence],
              identify: Callable[[str], list[LicenseMatch]]) -> ResolvedLicense | None:
    """The best declared license among the evidence, in the order of trust."""
    by_kind: dict[LicenseEvidenceKind, list[LicenseEvidence]] = {}
    for ev in evidence:
        by_kind.setdefault(ev.kind, []).append(ev)
    expressions = [(ev, _normalize(ev.value))
                   for ev in by_kind.get(LicenseEvidenceKind.EXPRESSION, ())]
    expressions = [(ev, n) for ev, n in expressions if n.method != "empty"]
    if expressions:
        distinct = list(dict.fromkeys(n.expression for _, n in expressions))
        if len(distinct) == 1:
            ev, n = expressions[0]
            return _resolved(n, "declared", "license-expression", str(ev.location))
        # several files of one component tag different licenses (a vendored tree): all apply
        combined = " AND ".join(f"({e})" if " " in e else e for e in distinct)
        return ResolvedLicense(combined, "declared", "license-expression",
                               ", ".join(dict.fromkeys(str(ev.location) for ev, _ in expressions)),
                               all(n.known for _, n in expressions))
    for ev in by_kind.get(LicenseEvidenceKind.FIELD, ()):
        if looks_like_license_text(ev.value):
            matches = identify(ev.value)
            expr = expression_from_matches(matches)
            if expr:
                return ResolvedLicense(expr, "declared", "license-field-text", str(ev.location),
                                       True, _short(ev.value),
                                       min(m.score for m in matches))
            continue
        n = _normalize(ev.value)
        if n.method != "empty":
            return _resolved(n, "declared", "license-field", str(ev.location))
    classifiers = by_kind.get(LicenseEvidenceKind.CLASSIFIER, [])
    if classifiers:
        n2 = from_classifiers([ev.value for ev in classifiers])
        if n2 is not None:
            return _resolved(n2, "declared", "classifier", str(classifiers[0].location))
    return None


def _resolved(n: NormalizedLicense, ack: str, source: str, location: str) -> ResolvedLicense:
    return ResolvedLicense(n.expression, ack, source, location, n.known, _short(n.original))


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " [...]"


def _concluded(evidence: Iterable[LicenseEvidence], roots: LicenseRoots,
               diagnostics: list[Diagnostic],
               identify_file_fn: Callable[[Path], list[LicenseMatch]] = identify_file,
               ) -> ResolvedLicense | None:
    """Identify the license files among the evidence."""
    matches: list[LicenseMatch] = []
    where: list[str] = []
    for ev in evidence:
        if ev.kind is not LicenseEvidenceKind.FILE:
            continue
        path = _locate(ev, roots)
        if path is None:
            continue
        try:
            found = identify_file_fn(path)
        except OSError as e:
            diagnostics.append(Diagnostic(str(ev.location), f"license file cannot be read: "
                                          f"{e.strerror or e}", severity="warning",
                                          scanner="licenses"))
            continue
        if found:
            matches.extend(found)
            where.append(str(ev.location))
    expr = expression_from_matches(matches)
    if expr is None:
        return None
    return ResolvedLicense(expr, "concluded", "license-file", ", ".join(where), True, None,
                           min(m.score for m in matches))


#: The label of the scanned repository itself among the roots.
REPOSITORY = "."


def _locate(ev: LicenseEvidence, roots: LicenseRoots) -> Path | None:
    """The file a FILE evidence names: its value is relative to the folder whose label starts
    its location (an environment), or, when no label does, to the repository itself. A path
    that would leave its folder is refused."""
    location = ev.location.path
    folder = next((f for label, f in roots.items() if label != REPOSITORY and (
        location == label or location.startswith(label + "/"))), roots.get(REPOSITORY))
    if folder is None:
        return None
    candidate = (folder / ev.value).resolve()
    base = folder.resolve()
    if base not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def resolve_inventory(
    inv: Inventory,
    *,
    roots: LicenseRoots | None = None,
    pool: EvidencePool | None = None,
    identify: Callable[[str], list[LicenseMatch]] = identify_text,
    identify_file_fn: Callable[[Path], list[LicenseMatch]] = identify_file,
) -> None:
    """Fill in ``license`` and ``concluded`` for every component, and the project's license.

    ``identify`` and ``identify_file_fn`` are the license matcher (a cache may stand in)."""
    roots = roots or {}
    for comp in inv.components.values():
        if pool is not None and not comp.licenses:
            comp.licenses.extend(pool.find(comp.name, comp.version))
        resolve_component(comp, roots, inv.diagnostics, identify, identify_file_fn)
    if inv.project and inv.project.license:
        n = _normalize(inv.project.license)
        if n.method != "empty":
            # the manifest's path: its line is that of the project's name, not of the license
            where = inv.project.location.path if inv.project.location else "project manifest"
            inv.project_license = _resolved(n, "declared", "manifest", where)


def resolve_component(
    comp: Component,
    roots: LicenseRoots,
    diagnostics: list[Diagnostic],
    identify: Callable[[str], list[LicenseMatch]] = identify_text,
    identify_file_fn: Callable[[Path], list[LicenseMatch]] = identify_file,
) -> None:
    """Resolve one component's declared and concluded licenses from its evidence."""
    if not comp.licenses:
        return
    comp.license = _declared(comp.licenses, identify)
    comp.concluded = _concluded(comp.licenses, roots, diagnostics, identify_file_fn)


def _registry_evidence(found: RegistryLicense) -> tuple[LicenseEvidence, ...]:
    where = Location(found.url)
    evidence = []
    if found.license_expression:
        evidence.append(LicenseEvidence(LicenseEvidenceKind.EXPRESSION, found.license_expression,
                                        where))
    if found.license:
        evidence.append(LicenseEvidence(LicenseEvidenceKind.FIELD, found.license, where))
    evidence.extend(LicenseEvidence(LicenseEvidenceKind.CLASSIFIER, c, where)
                    for c in found.classifiers)
    return tuple(evidence)


def resolve_online(
    inv: Inventory,
    client: PyPIClient,
    identify: Callable[[str], list[LicenseMatch]] = identify_text,
) -> int:
    """Ask the package registry for the licenses local evidence could not give (``--online``).

    Only packages from the public default index are looked up: the name of a package from a
    private index or a VCS checkout is never sent to PyPI (it would leak, and could resolve to
    someone else's package). Returns how many components gained a license.
    """
    wanted = sorted({(c.name, c.version) for c in inv.components.values()
                     if c.ecosystem == "pypi" and c.license is None and c.concluded is None
                     and c.source.is_default_registry})
    if not wanted:
        return 0
    answers = client.lookup_many(wanted)
    failures: dict[str, int] = {}
    first: dict[str, RegistryError] = {}
    gained = 0
    for comp in inv.components.values():
        answer = answers.get((comp.name, comp.version))
        if isinstance(answer, RegistryError):
            failures[answer.problem] = failures.get(answer.problem, 0) + 1
            first.setdefault(answer.problem, answer)
            continue
        if answer is None:
            continue
        lic = _declared(_registry_evidence(answer), identify)
        if lic is not None:
            comp.license = replace(lic, source=f"pypi:{lic.source}")
            gained += 1
    for problem, count in sorted(failures.items()):
        err = first[problem]
        inv.diagnostics.append(Diagnostic(
            err.url, f"{count} license lookup(s) failed: {err}", severity="warning",
            scanner="licenses-online"))
    return gained
