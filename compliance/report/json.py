"""The machine-readable report: ``{"findings": [...], "summary": {...}}``, stable across releases.

Each finding has ``rule``, ``severity``, ``component`` (``name``, ``version``, ``purl``,
``bom-ref``), ``license`` (the expression evaluated), ``location``, ``message``, ``fix``,
``chosen`` (the alternative of an OR that counted) and ``waiver`` (for waived findings).
"""

from __future__ import annotations

from typing import Any

import orjson

from compliance.model import Finding
from compliance.report.base import CheckReport

SCHEMA_VERSION = 1


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding in the documented shape."""
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "component": {
            "name": f.component_name,
            "version": f.component_version,
            "purl": f.purl,
            "bom-ref": f.component_ref,
        },
        "license": f.license,
        "location": ({"path": f.location.path, "line": f.location.line}
                     if f.location else None),
        "message": f.message,
        "fix": f.fix,
        "chosen": f.chosen,
        "waiver": f.waived_by,
        "pack": f.pack,
    }


def render(report: CheckReport) -> str:
    """The JSON report."""
    r = report.result
    doc = {
        "version": SCHEMA_VERSION,
        "findings": [finding_json(f) for f in r.findings],
        "waived": [finding_json(f) for f in r.waived],
        "known": [finding_json(f) for f in report.known],
        "summary": {
            **r.summary,
            "components": len(report.inventory.components),
            "failed": report.failed,
            "fail_on": report.fail_on,
        },
        "project": {
            "name": report.inventory.project.name if report.inventory.project
            else report.inventory.root_name,
            "license": r.project_license,
            "license_source": r.project_license_source,
            "use": r.use,
            "packs": r.packs,
            "source": report.source,
        },
        "curations": [
            {"component": c.component_name, "version": c.component_version,
             "bom-ref": c.component_ref, "previous": c.previous, "license": c.license,
             "comment": c.comment, "location": c.location}
            for c in r.curations
        ],
        "diagnostics": [
            {"path": d.path, "line": d.line, "severity": d.severity, "message": d.message}
            for d in report.diagnostics
        ],
        "notes": report.notes,
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
