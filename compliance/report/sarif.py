"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, Azure DevOps, IDE viewers).

One run, whose ``tool.driver`` is ``compliance`` with its version; one ``reportingDescriptor`` per
rule that has a result (id ``<pack>/<rule>``, a PascalCase ``name``, the rule's title, reason and
fix, ``defaultConfiguration.level`` and tags), one ``result`` per finding.

Decisions, most of them forced by what GitHub accepts:

* **Every result has exactly one location**: GitHub rejects the whole file when one result has
  none (``locationFromSarifResult: expected at least one location``). The finding's location (the
  manifest or lockfile line that brought the component in) comes first; failing that the first
  occurrence of the component in the inventory, then the project's own manifest, then ``.``
  (the repository root). URIs are relative, percent-encoded (the upload checks the
  ``uri-reference`` format) and based on ``%SRCROOT%``; ``region.startLine`` only when a line is
  known (a region-less location is the whole file).
* **Fingerprints.** ``partialFingerprints`` holds a hash of the rule, the component (its package
  URL without the version, else its name) and the license: a version bump that keeps the
  license keeps the alert, a changed license is a new one. GitHub only reads
  ``primaryLocationLineHash`` (combined with the file path and the rule), so the same hash goes
  there too; without it the upload action would hash the text of the line, which changes with
  every version pin.
* **Waived findings** are results with ``suppressions: [{"kind": "external", "justification":
  <waiver>}]`` (the waiver lives in the policy file, outside the analysed code): dashboards show
  them as dismissed rather than losing them.
* **Baseline.** When the report has findings known from a ``--baseline``, those are results
  with ``baselineState: "unchanged"`` and every other (unwaived) finding is ``"new"``; without a
  baseline no ``baselineState`` is written.
* **Levels**: error -> ``error``, warning -> ``warning``, info -> ``note``.
* **Deterministic**: rules sorted by id, results by rule, component, location and license; no
  timestamps, no absolute paths (``%SRCROOT%`` carries a description, not the scanned path).
* Reading and scanning diagnostics are ``invocations[0].toolExecutionNotifications``.
* The text is the engine's English (SARIF viewers show one language); it does not follow
  ``--lang``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from compliance import __version__
from compliance.model import Finding, Inventory, Location, Severity
from compliance.policy.packs import PolicyError, Rule, load_packs, shipped_packs
from compliance.report.base import CheckReport

__all__ = [
    "LEVELS",
    "SARIF_SCHEMA",
    "SARIF_VERSION",
    "SRCROOT",
    "RuleInfo",
    "document",
    "fingerprint",
    "render",
    "rule_catalog",
]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
TOOL_NAME = "compliance"
FINGERPRINT_KEY = "complianceFinding/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning",
                     Severity.INFO: "recommendation"}
_GITHUB_TEXT_LIMIT = 1024  # shortDescription / fullDescription
_URI_SAFE = "/-._~!$&'()*+,;=@"  # RFC 3986 pchar without ':' (a colon could read as a scheme)


@dataclass(frozen=True)
class RuleInfo:
    """What reports say about one rule: from its pack when the pack is known, else derived."""

    id: str  # <pack>/<rule>
    pack: str
    title: str
    reason: str | None
    fix: str | None
    severity: Severity | None  # the most severe level the rule can give for this use
    defined: bool  # True when described by its pack (or built in), not guessed from findings
    in_force: bool = False  # a rule of a pack in force: it judged every component

    @property
    def local_id(self) -> str:
        """The rule id inside its pack (``compatibility`` of ``default/compatibility``)."""
        return self.id.split("/", 1)[1] if "/" in self.id else self.id


# ----------------------------------------------------------------------------- rule catalog

_BUILTIN = {
    "config/expired-waiver": (
        "Expired waiver",
        "A waiver in the policy file has passed its expiry date: it no longer accepts the "
        "findings it covered, and they are reported again.",
        "Review the component again, then set a new 'expires' date on the waiver or remove it "
        "and fix the findings."),
}


def _title_from_id(rule_id: str) -> str:
    words = rule_id.split("/", 1)[-1].replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else rule_id


def _max_severity(levels: Iterable[Severity | None]) -> Severity | None:
    present = [s for s in levels if s is not None]
    return max(present, key=lambda s: s.rank) if present else None


def _from_rule(rule: Rule, use: str, in_force: bool) -> RuleInfo:
    level = _max_severity(by_use.get(use) for by_use in rule.severity.values())
    return RuleInfo(rule.full_id, rule.pack, rule.title or _title_from_id(rule.id),
                    " ".join(rule.reason.split()), " ".join(rule.fix.split()), level, True,
                    in_force and level is not None)


def _pack_rules(report: CheckReport) -> tuple[list[Rule], set[str]]:
    """The rules of the packs in force where they can be found again, and the ids of those in
    force (the others were read only to describe a finding).

    :class:`~compliance.policy.evaluate.EvaluationResult` carries the ids of its packs, not
    their rules; shipped packs are read again by id (a pack given by path cannot be, and its
    rules are described from their findings). An ``EvaluationResult.rules`` attribute, when
    the evaluation provides one, is used instead.
    """
    given: Any = getattr(report.result, "rules", None)
    if given:
        values = given.values() if isinstance(given, Mapping) else given
        evaluated = [r for r in values if isinstance(r, Rule)]
        return evaluated, {r.full_id for r in evaluated}
    shipped = set(shipped_packs())
    wanted = [p for p in report.result.packs if p in shipped]
    in_force_packs = set(wanted)
    # rules inherited through `extends` keep their pack's id: read those packs too
    for f in _all_findings(report):
        prefix = f.rule.split("/", 1)[0]
        if "/" in f.rule and prefix in shipped and prefix not in wanted:
            wanted.append(prefix)
    rules: list[Rule] = []
    in_force: set[str] = set()
    for name in wanted:
        try:
            packs = load_packs([name])
        except PolicyError:  # pragma: no cover - a shipped pack always loads
            continue
        for pack in packs:
            rules.extend(pack.rules)
            if name in in_force_packs:
                in_force.update(r.full_id for r in pack.rules)
    return rules, in_force


def _all_findings(report: CheckReport) -> list[Finding]:
    return [*report.result.findings, *report.known, *report.result.waived]


def rule_catalog(report: CheckReport) -> dict[str, RuleInfo]:
    """Every rule in force for this report's use, and every rule that has a finding, by id,
    sorted. A rule allowed for this use (``severity: allow``) cannot fire and is left out
    unless it has a finding."""
    findings = _all_findings(report)
    used = {f.rule for f in findings}
    rules, in_force = _pack_rules(report)
    out: dict[str, RuleInfo] = {}
    for rule in rules:
        info = _from_rule(rule, report.result.use, rule.full_id in in_force)
        if info.id not in out and (info.id in used or info.in_force):
            out[info.id] = info
    for f in findings:
        if f.rule in out:
            continue
        pack = f.pack or (f.rule.split("/", 1)[0] if "/" in f.rule else f.rule)
        title, reason, fix = _BUILTIN.get(f.rule, (_title_from_id(f.rule), None, None))
        level = _max_severity(g.severity for g in findings if g.rule == f.rule)
        out[f.rule] = RuleInfo(f.rule, pack, title, reason, fix, level, f.rule in _BUILTIN)
    return dict(sorted(out.items()))


# ----------------------------------------------------------------------------- pieces

_WORD = re.compile(r"[A-Za-z0-9]+")


def _pascal(text: str) -> str:
    return "".join(w[:1].upper() + w[1:].lower() if w.isupper() and len(w) > 4 else
                   w[:1].upper() + w[1:] for w in _WORD.findall(text)) or "Rule"


def _clip(text: str, limit: int = _GITHUB_TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _tags(info: RuleInfo) -> list[str]:
    if info.pack == "risk":
        return ["security", "supply-chain"]
    if info.pack == "config":
        return ["configuration", "license"]
    return ["license", "supply-chain"]


def _descriptor(info: RuleInfo) -> dict[str, Any]:
    reason = info.reason or (f"Findings of the rule {info.id}: each result says why the "
                             "component matters and how to fix it.")
    fix = info.fix or ("Follow the fix given with each result, or accept the finding with a "
                       f"waiver naming the component and rule {info.id} in .compliance.yaml.")
    help_text = (f"{reason}\n\nFix: {fix}\n\nRule {info.id} (pack {info.pack}). Accept one "
                 f"finding with a waiver in .compliance.yaml (the fix of each result shows the "
                 f"snippet).")
    help_md = (f"{reason}\n\n**Fix:** {fix}\n\nRule `{info.id}` (pack `{info.pack}`). Accept "
               f"one finding with a waiver in `.compliance.yaml` (the fix of each result shows "
               f"the snippet).")
    level = info.severity or Severity.WARNING
    return {
        "id": info.id,
        "name": _pascal(info.title),
        "shortDescription": {"text": _clip(info.title)},
        "fullDescription": {"text": _clip(reason)},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": LEVELS[level]},
        "properties": {
            "tags": _tags(info),
            "precision": "high",
            "problem.severity": _PROBLEM_SEVERITY[level],
            "pack": info.pack,
        },
    }


def _uri(path: str) -> str:
    """A relative POSIX path as a relative URI reference (``my dir/x`` -> ``my%20dir/x``)."""
    path = path.replace("\\", "/").lstrip("/") or "."
    return quote(path, safe=_URI_SAFE)


def _location_of(f: Finding, inv: Inventory) -> Location:
    """Where a result is shown: never nothing (see the module docstring)."""
    if f.location is not None:
        return f.location
    comp = inv.components.get(f.component_ref) if f.component_ref else None
    if comp is not None and comp.occurrences:
        return min(comp.occurrences, key=lambda loc: (loc.path, loc.line or 0))
    if inv.project is not None and inv.project.location is not None:
        return inv.project.location
    return Location(".")


def _artifact(path: str) -> dict[str, str]:
    """A path in the repository, relative to ``%SRCROOT%``; an absolute path (an environment
    given with ``--python`` outside the repository) as a ``file:`` URI of its own."""
    if path.startswith("/"):
        return {"uri": "file://" + quote(path, safe=_URI_SAFE)}
    return {"uri": _uri(path), "uriBaseId": SRCROOT}


def _physical(loc: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(loc.path)}
    if loc.line is not None and loc.line >= 1:
        physical["region"] = {"startLine": loc.line}
    return physical


def _identity(f: Finding) -> str:
    """The component without its version: ``pkg:pypi/torch`` (qualifiers kept), else the name."""
    if f.purl:
        head, _, rest = f.purl.partition("?")
        qualifiers = f"?{rest}" if rest else ""
        base = head.split("#", 1)[0]
        name_part = base.rsplit("/", 1)
        if len(name_part) == 2 and "@" in name_part[1]:
            base = f"{name_part[0]}/{name_part[1].split('@', 1)[0]}"
        return base + qualifiers
    if f.component_name:
        return f"name:{f.component_name}"
    return f"location:{f.location.path}" if f.location else "project"


def fingerprint(f: Finding) -> str:
    """The stable identity of a finding across runs: rule, component (no version), license."""
    key = "\x1f".join((f.rule, _identity(f), f.license or ""))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _properties(f: Finding, state: str) -> dict[str, Any]:
    props: dict[str, Any] = {
        "component": f.component_name,
        "version": f.component_version,
        "purl": f.purl,
        "bom-ref": f.component_ref,
        "license": f.license,
        "chosen": f.chosen,
        "severity": f.severity.value,
        "status": state,
    }
    if f.waived_by:
        props["waiver"] = f.waived_by
    return {k: v for k, v in props.items() if v is not None}


def _result(f: Finding, index: int, state: str, inv: Inventory,
            with_baseline: bool) -> dict[str, Any]:
    text = f.message.strip()
    if f.fix:
        text = f"{text} Fix: {f.fix.strip()}"
    digest = fingerprint(f)
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": LEVELS[f.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": _physical(_location_of(f, inv))}],
        "partialFingerprints": {
            FINGERPRINT_KEY: digest,
            "primaryLocationLineHash": f"{digest[:16]}:1",
        },
    }
    if state == "waived":
        result["suppressions"] = [{"kind": "external",
                                   "justification": f.waived_by or "waived"}]
    elif with_baseline:
        result["baselineState"] = "unchanged" if state == "known" else "new"
    result["properties"] = _properties(f, state)
    return result


def _sort_key(item: tuple[Finding, str]) -> tuple[str, ...]:
    f, state = item
    loc = f.location
    return (f.rule, f.purl or "", f.component_name or "", f.component_version or "",
            loc.path if loc else "", f"{loc.line or 0:09d}" if loc else "", f.license or "",
            state, f.message)


def _information_uri() -> str | None:
    """The project's home page, from the installed distribution's metadata, when it has one."""
    try:
        meta = importlib.metadata.metadata("compliance")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a tree
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        url = url.strip()
        if label.strip().lower() in ("homepage", "home", "documentation", "source",
                                     "repository") and url.startswith("https://"):
            return url
    home = str(meta["Home-page"] or "") if "Home-page" in meta else ""
    return home if home.startswith("https://") else None


def _notifications(report: CheckReport) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in sorted(report.diagnostics, key=lambda d: (d.path, d.line or 0, d.message)):
        note: dict[str, Any] = {
            "level": "error" if d.severity == "error" else "warning",
            "message": {"text": d.message},
            "locations": [{"physicalLocation": _physical(Location(d.path or ".", d.line))}],
        }
        out.append(note)
    for text in report.notes:
        out.append({"level": "note", "message": {"text": text}})
    return out


# ----------------------------------------------------------------------------- render


def document(report: CheckReport) -> dict[str, Any]:
    """The SARIF log as data."""
    r = report.result
    items: list[tuple[Finding, str]] = [(f, "new") for f in r.findings]
    items += [(f, "known") for f in report.known]
    items += [(f, "waived") for f in r.waived]
    items.sort(key=_sort_key)
    catalog = rule_catalog(report)
    used = sorted({f.rule for f, _ in items})
    rules = [catalog[rule_id] for rule_id in used]
    index = {info.id: n for n, info in enumerate(rules)}
    with_baseline = bool(report.known)

    driver: dict[str, Any] = {"name": TOOL_NAME, "version": __version__}
    uri = _information_uri()
    if uri:
        driver["informationUri"] = uri
    driver["rules"] = [_descriptor(info) for info in rules]
    project = report.inventory.project.name if report.inventory.project \
        else report.inventory.root_name
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The root of the checked repository."}},
        },
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": _notifications(report),
        }],
        "results": [_result(f, index[f.rule], state, report.inventory, with_baseline)
                    for f, state in items],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "project": project,
            "projectLicense": r.project_license,
            "projectLicenseSource": r.project_license_source,
            "use": r.use,
            "packs": list(r.packs),
            "failOn": report.fail_on,
            "failed": report.failed,
            "components": len(report.inventory.components),
        },
    }
    if not run["invocations"][0]["toolExecutionNotifications"]:
        del run["invocations"][0]["toolExecutionNotifications"]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(report: CheckReport) -> str:
    """The SARIF report."""
    return orjson.dumps(document(report), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
