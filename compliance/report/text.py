"""The report for a person at a terminal: findings grouped by severity, each with the
component, its license, where it came in, why it matters and how to fix it."""

from __future__ import annotations

import textwrap

from compliance.model import Finding, Severity
from compliance.report.base import CheckReport

_WIDTH = 100
_HEADINGS = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Notes"}


def _indent(label: str, text: str) -> list[str]:
    lines: list[str] = []
    for n, para in enumerate(text.splitlines() or [""]):
        first = f"    {label:<5}" if n == 0 else "         "
        wrapped = textwrap.wrap(para, _WIDTH - 9) or [""]
        lines.append(first + wrapped[0])
        lines.extend("         " + w for w in wrapped[1:])
    return lines


def _finding(f: Finding) -> list[str]:
    who = f.component_name or "(project)"
    if f.component_version:
        who += f" {f.component_version}"
    head = f"  {f.rule}  {who}"
    if f.license:
        head += f"  [{f.license}]"
    lines = [head]
    if f.location:
        lines.append(f"    at   {f.location}")
    if f.chosen:
        lines.append(f"    chose {f.chosen}")
    lines.extend(_indent("why", f.message))
    if f.fix:
        lines.extend(_indent("fix", f.fix))
    if f.waived_by:
        lines.extend(_indent("waived", f.waived_by))
    return lines


def render(report: CheckReport) -> str:
    """The text report."""
    r = report.result
    out: list[str] = []
    project = report.inventory.project.name if report.inventory.project \
        else report.inventory.root_name
    out.append(f"compliance check: {project} ({report.source})")
    out.append(f"  project license: {r.project_license or 'none'} ({r.project_license_source})")
    out.append(f"  use: {r.use}; packs: {', '.join(r.packs)}; "
               f"{len(report.inventory.components)} components")
    for note in report.notes:
        out.append(f"  note: {note}")
    for c in r.curations:
        out.append(f"  curated: {c.component_name} {c.component_version or ''} "
                   f"{c.previous or 'none'} -> {c.license} ({c.comment}; {c.location})")
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        group = [f for f in r.findings if f.severity is severity]
        if not group:
            continue
        out.append("")
        out.append(f"{_HEADINGS[severity]} ({len(group)})")
        for f in group:
            out.extend(_finding(f))
    if r.waived:
        out.append("")
        out.append(f"Waived ({len(r.waived)})")
        for f in r.waived:
            who = f"{f.component_name or ''} {f.component_version or ''}".strip()
            out.append(f"  {f.rule}  {who}  [{f.license}]  waived: {f.waived_by}")
    if report.diagnostics:
        out.append("")
        out.append(f"Input problems ({len(report.diagnostics)})")
        out.extend(f"  {d}" for d in report.diagnostics)
    out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"


def summary_line(report: CheckReport) -> str:
    """One line: counts per severity and the verdict against --fail-on."""
    r = report.result
    counts = {s: sum(1 for f in r.findings if f.severity is s) for s in Severity}
    verdict = "FAIL" if report.failed else "PASS"
    gate = "never fails" if report.fail_on == "never" else f"fails on {report.fail_on}"
    return (f"{verdict}: {counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
            f"{counts[Severity.INFO]} notes, {len(r.waived)} waived; "
            f"{len(report.inventory.components)} components; {gate}")
