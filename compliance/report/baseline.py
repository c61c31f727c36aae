"""Baselines for the CI gate: ``compliance check --baseline FILE``.

A baseline says which findings were already there, so that a gate fails only on what a change
brings in; the known findings are still reported (as known), never hidden.

What a baseline can be
    * A previous ``compliance check --format json`` report. Its ``findings``, its ``waived``
      findings and its ``known`` ones (when it was itself checked against a baseline) are all
      known: a waiver that is later removed does not turn an accepted finding into a new one,
      and baselines chain.
    * A CycloneDX SBOM (JSON or XML, from this tool or any other, read with
      :func:`compliance.sbom.read.read_sbom`). An SBOM holds no findings, so the baseline is
      "the findings those components would have had": every (component, license) pair in it,
      whatever the rule. A finding about a component that the SBOM already lists with the same
      license is known; a finding with no component (an expired waiver) is never known.

The file kind is told from the content: XML, or JSON with ``bomFormat``, is an SBOM; JSON with
a ``findings`` list is a report. Anything else, or a report with a malformed finding, raises
:class:`~compliance.errors.InputError` naming the file.

Identity of a finding across runs
    ``(rule, ecosystem, name, license)``:

    * **rule**: the full rule id (``default/compatibility``); for an SBOM baseline, any rule;
    * **ecosystem and name**: from the purl (type and namespace/name; PyPI names PEP 503
      normalised), else ``generic`` and the component's name (see
      :func:`compliance.diff.component_identity`). The **version is left out on purpose**: a
      version bump of a GPL package keeps its known finding known; so are purl qualifiers
      (moving a package to a mirror does not make its license finding new);
    * **license**: the expression the finding judged, compared by its alternatives and terms,
      whatever their order or case (:func:`compliance.diff.license_key`). A package that
      changes its license makes a new finding: that is what a reviewer must see.

    Matching is by set: when several components share one identity (two versions of a package
    in two lockfiles), one known finding makes them all known. Not part of the identity either:
    severity (a pack that raises a warning to an error keeps it known), the message, the
    location and the scope; so with an SBOM baseline a GPL package moved from a dev group into
    the runtime dependencies stays known. Use a report baseline where that matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from compliance.diff import component_identity, license_key
from compliance.errors import InputError
from compliance.model import Finding

__all__ = ["Baseline", "finding_key", "load_baseline", "split_known"]

_MAX_BYTES = 500 * 1024 * 1024
_SECTIONS = ("findings", "waived", "known")

FindingKey = tuple[str, str, str, str]  # rule, ecosystem, name, license key
ComponentKey = tuple[str, str, str]  # ecosystem, name, license key


def finding_key(rule: str, purl: str | None, name: str | None, license_: str | None
                ) -> FindingKey:
    """The identity of a finding across runs (see the module docstring)."""
    ecosystem, canonical = component_identity(purl, name)
    return rule, ecosystem, canonical, license_key(license_)


@dataclass(frozen=True)
class Baseline:
    """What a previous run knew: the findings of a report, or the (component, license) pairs of
    an SBOM."""

    source: str  # the file it was read from
    kind: str  # "report" or "sbom"
    findings: frozenset[FindingKey] = frozenset()
    components: frozenset[ComponentKey] = frozenset()

    def knows(self, finding: Finding) -> bool:
        """True when ``finding`` was already there in the baseline."""
        rule, ecosystem, name, lic = finding_key(finding.rule, finding.purl,
                                                 finding.component_name, finding.license)
        if self.kind == "sbom":
            return finding.component_ref is not None and (ecosystem, name, lic) in self.components
        return (rule, ecosystem, name, lic) in self.findings


def split_known(findings: list[Finding], baseline: Baseline
                ) -> tuple[list[Finding], list[Finding]]:
    """``(new, known)``: the findings not in ``baseline``, and those in it; order kept."""
    new: list[Finding] = []
    known: list[Finding] = []
    for f in findings:
        (known if baseline.knows(f) else new).append(f)
    return new, known


def load_baseline(path: Path) -> Baseline:
    """Read a baseline: a ``compliance check --format json`` report or a CycloneDX SBOM.

    Raises :class:`InputError` naming ``path`` when it is neither, or is malformed."""
    data = _read(path)
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return _from_sbom(path)
    if not text.startswith(b"{"):
        raise InputError(f"{path}: not a baseline: expected a `compliance check --format json` "
                         "report or a CycloneDX SBOM (JSON or XML)")
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise InputError(f"{path}: not a valid baseline: the JSON does not parse ({e})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a baseline: the JSON is not an object")
    if "bomFormat" in doc or "specVersion" in doc:
        return _from_sbom(path)
    if isinstance(doc.get("findings"), list):
        return _from_report(doc, path)
    hint = " (a SARIF report cannot be a baseline; use --format json)" if "runs" in doc else ""
    raise InputError(f"{path}: not a baseline: a JSON baseline is a `compliance check --format "
                     f"json` report (with a \"findings\" list) or a CycloneDX SBOM{hint}")


def _read(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a folder; a baseline is a report or SBOM file")
        if path.stat().st_size > _MAX_BYTES:
            raise InputError(f"{path}: too large for a baseline (over 500 MB)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read: {e.strerror or e}") from None
    if not data.strip():
        raise InputError(f"{path}: the baseline file is empty")
    return data


def _from_sbom(path: Path) -> Baseline:
    from compliance.policy.evaluate import component_license
    from compliance.sbom.read import read_sbom

    inventory = read_sbom(path).inventory  # SbomReadError is an InputError naming the file
    pairs: set[ComponentKey] = set()
    for comp in inventory.components.values():
        ecosystem, name = component_identity(comp.purl, comp.name)
        expressions = {component_license(comp)}
        expressions.update(r.expression for r in (comp.license, comp.concluded) if r is not None)
        pairs.update((ecosystem, name, license_key(e)) for e in expressions)
    return Baseline(str(path), "sbom", components=frozenset(pairs))


def _from_report(doc: dict[str, Any], path: Path) -> Baseline:
    keys: set[FindingKey] = set()
    for section in _SECTIONS:
        entries = doc.get(section, [])
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise InputError(f"{path}: not a valid baseline: \"{section}\" is not a list")
        for i, entry in enumerate(entries):
            keys.add(_entry_key(entry, f"{path}: not a valid baseline: {section}[{i}]"))
    return Baseline(str(path), "report", findings=frozenset(keys))


def _entry_key(entry: object, where: str) -> FindingKey:
    """One finding of a JSON report (the shape of :func:`compliance.report.json.finding_json`)."""
    if not isinstance(entry, dict):
        raise InputError(f"{where} is not a finding object")
    rule = entry.get("rule")
    if not isinstance(rule, str) or not rule:
        raise InputError(f"{where} has no \"rule\"")
    component = entry.get("component")
    if component is None:
        component = {}
    if not isinstance(component, dict):
        raise InputError(f"{where}: \"component\" is not an object")
    name, purl, lic = component.get("name"), component.get("purl"), entry.get("license")
    for field_name, value in (("component.name", name), ("component.purl", purl),
                              ("license", lic)):
        if value is not None and not isinstance(value, str):
            raise InputError(f"{where}: \"{field_name}\" is not a string")
    return finding_key(rule, purl, name, lic)
