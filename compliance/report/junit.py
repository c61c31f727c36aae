"""JUnit XML for CI test views (GitLab merge-request test reports, Jenkins, Azure Pipelines).

Layout: one ``<testsuites name="compliance">``; one ``<testsuite name="compliance.<pack>">`` per
rule pack; test cases ``classname="compliance.<pack>.<rule>"`` (Jenkins splits at the last dot:
the pack is the package, the rule the class; GitLab shows classname and name as they are)
named after the component (``readline-gpl 8.2``). Each testcase's message starts with the rule
id (``default/compatibility: ...``), the id waivers and baselines use.

What becomes a test case:

* a finding at **error or warning** severity is a test case of its rule: a ``<failure
  type="error|warning">`` when it is at or above ``--fail-on`` (so the failures are exactly
  what makes ``compliance check`` exit 1); below the gate (a warning with ``--fail-on error``,
  anything with ``--fail-on never``) a ``<skipped>`` that says so: visible, but not red;
* a **waived** finding: ``<skipped message="waived: <reason: comment>">``;
* a finding **known from the baseline**: ``<skipped message="known: in the baseline ...">``;
* every rule in force with no failure: one passing test case ``all components`` (``all other
  components`` when some of its findings are skipped), so a clean run shows one green test per
  rule;
* **info** findings (obligations, notes) are not tests: they are listed in the testsuite's
  ``<system-out>``.

``tests``, ``failures``, ``errors`` (always 0) and ``skipped`` are counted per suite and in
total; ``time`` is ``0``; there is no ``timestamp`` or ``hostname``, so the same report gives
the same bytes. Characters XML 1.0 cannot hold are dropped from texts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass

from compliance.model import Finding, Severity
from compliance.report.base import CheckReport
from compliance.report.sarif import RuleInfo, rule_catalog

__all__ = ["OTHERS_PASSING_CASE", "PASSING_CASE", "document", "render"]

PASSING_CASE = "all components"
OTHERS_PASSING_CASE = "all other components"
SUITE_PREFIX = "compliance"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_GATED = (Severity.ERROR, Severity.WARNING)


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


@dataclass
class _Case:
    rule: RuleInfo
    name: str
    outcome: str  # passed | failure | skipped
    message: str = ""
    kind: str = ""  # the failure type: the severity
    body: str = ""


def _who(f: Finding) -> str:
    if f.component_name:
        return f"{f.component_name} {f.component_version}" if f.component_version \
            else f.component_name
    if f.location:
        return str(f.location)
    return "(project)"


def _details(f: Finding) -> str:
    lines = [f"rule: {f.rule}", f"severity: {f.severity.value}"]
    if f.component_name:
        lines.append(f"component: {_who(f)}")
    if f.purl:
        lines.append(f"purl: {f.purl}")
    if f.license:
        lines.append(f"license: {f.license}")
    if f.chosen:
        lines.append(f"chosen: {f.chosen}")
    if f.location:
        lines.append(f"location: {f.location}")
    lines.append(f"why: {f.message}")
    if f.fix:
        lines.append(f"fix: {f.fix}")
    if f.waived_by:
        lines.append(f"waived: {f.waived_by}")
    return "\n".join(lines)


def _gates(f: Finding, fail_on: str) -> bool:
    return fail_on != "never" and f.severity.rank >= Severity(fail_on).rank


def _below_gate(f: Finding, fail_on: str) -> str:
    if fail_on == "never":
        return f"{f.severity.value}, not gating (--fail-on never)"
    return f"{f.severity.value} below --fail-on {fail_on}"


def _cases(report: CheckReport, catalog: dict[str, RuleInfo]) -> list[_Case]:
    cases: list[_Case] = []
    for f in report.result.findings:
        if f.severity not in _GATED:
            continue
        rule = catalog[f.rule]
        if _gates(f, report.fail_on):
            cases.append(_Case(rule, _who(f), "failure", f"{f.rule}: {f.message}",
                               f.severity.value, _details(f)))
        else:
            cases.append(_Case(rule, _who(f), "skipped",
                               f"{f.rule}: {_below_gate(f, report.fail_on)}: {f.message}",
                               body=_details(f)))
    for f in report.known:
        if f.severity in _GATED:
            cases.append(_Case(catalog[f.rule], _who(f), "skipped",
                               f"{f.rule}: known: in the baseline, not failing: {f.message}",
                               body=_details(f)))
    for f in report.result.waived:
        if f.severity in _GATED:
            cases.append(_Case(catalog[f.rule], _who(f), "skipped",
                               f"waived: {f.waived_by or 'waived'} ({f.rule})",
                               body=_details(f)))
    failing = {c.rule.id for c in cases if c.outcome == "failure"}
    listed = {c.rule.id for c in cases}
    for info in catalog.values():
        if info.in_force and info.id not in failing:
            name = OTHERS_PASSING_CASE if info.id in listed else PASSING_CASE
            cases.append(_Case(info, name, "passed"))
    # unique names inside a class: CI systems key test history on classname + name
    seen: dict[tuple[str, str], int] = defaultdict(int)
    cases.sort(key=lambda c: (c.rule.id, c.outcome == "passed", c.name, c.outcome, c.message))
    for c in cases:
        seen[(c.rule.id, c.name)] += 1
        if seen[(c.rule.id, c.name)] > 1:
            c.name = f"{c.name} #{seen[(c.rule.id, c.name)]}"
    return cases


def _properties(report: CheckReport) -> list[tuple[str, str]]:
    r = report.result
    project = report.inventory.project.name if report.inventory.project \
        else report.inventory.root_name
    return [
        ("project", project),
        ("project-license", r.project_license or "none"),
        ("project-license-source", r.project_license_source),
        ("use", r.use),
        ("packs", ",".join(r.packs)),
        ("fail-on", report.fail_on),
        ("verdict", "fail" if report.failed else "pass"),
        ("components", str(len(report.inventory.components))),
    ]


def _notes(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        who = _who(f)
        lic = f" [{f.license}]" if f.license else ""
        lines.append(f"{f.severity.value}: {f.rule}: {who}{lic}: {f.message}")
    return "\n".join(lines)


def _counts(element: ET.Element, cases: list[_Case]) -> None:
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.outcome == "failure")))
    element.set("errors", "0")
    element.set("skipped", str(sum(1 for c in cases if c.outcome == "skipped")))
    element.set("time", "0")


def document(report: CheckReport) -> ET.Element:
    """The ``<testsuites>`` element."""
    catalog = rule_catalog(report)
    cases = _cases(report, catalog)
    infos: dict[str, list[Finding]] = defaultdict(list)
    for f in [*report.result.findings, *report.known]:
        if f.severity not in _GATED:
            infos[catalog[f.rule].pack].append(f)
    by_pack: dict[str, list[_Case]] = defaultdict(list)
    for c in cases:
        by_pack[c.rule.pack].append(c)
    for pack in infos:
        by_pack.setdefault(pack, [])

    root = ET.Element("testsuites", {"name": SUITE_PREFIX})
    _counts(root, cases)
    for pack in sorted(by_pack):
        suite = ET.SubElement(root, "testsuite", {"name": f"{SUITE_PREFIX}.{pack}"})
        _counts(suite, by_pack[pack])
        props = ET.SubElement(suite, "properties")
        for name, value in _properties(report):
            ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
        for c in by_pack[pack]:
            case = ET.SubElement(suite, "testcase", {
                "classname": f"{SUITE_PREFIX}.{c.rule.pack}.{c.rule.local_id}",
                "name": _clean(c.name),
                "time": "0",
            })
            if c.outcome == "failure":
                child = ET.SubElement(case, "failure",
                                      {"message": _clean(c.message), "type": c.kind})
                child.text = _clean(c.body)
            elif c.outcome == "skipped":
                child = ET.SubElement(case, "skipped", {"message": _clean(c.message)})
                child.text = _clean(c.body)
        if infos.get(pack):
            out = ET.SubElement(suite, "system-out")
            out.text = _clean(_notes(sorted(infos[pack], key=_info_key)))
    return root


def _info_key(f: Finding) -> tuple[str, str, str, str]:
    return (f.rule, f.component_name or "", f.component_version or "", f.message)


def render(report: CheckReport) -> str:
    """The JUnit XML report."""
    root = document(report)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
        root, encoding="unicode") + "\n"
