"""What every report formatter receives, and the registry of formats.

A formatter is a function ``CheckReport -> str``. :data:`FORMATTERS` maps every
:class:`ReportFormat` member to one; a test checks that none is missing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from compliance.model import Diagnostic, Finding, Inventory
from compliance.policy.evaluate import EvaluationResult


class ReportFormat(str, enum.Enum):
    """Output formats of ``compliance check``."""

    TEXT = "text"
    JSON = "json"


@dataclass
class CheckReport:
    """Everything a report shows: the evaluation, the inventory it judged, and how it went."""

    result: EvaluationResult
    inventory: Inventory
    source: str  # what was checked: a repository path or an SBOM file
    fail_on: str  # error | warning | never
    failed: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)  # reading / scanning problems
    notes: list[str] = field(default_factory=list)  # things the user should know

    @property
    def findings(self) -> list[Finding]:
        """The findings that count (waived ones are in ``result.waived``)."""
        return self.result.findings


Formatter = Callable[[CheckReport], str]


def formatters() -> dict[ReportFormat, Formatter]:
    """Every format's formatter (imported lazily: a run loads only what it uses)."""
    from compliance.report import json as json_report
    from compliance.report import text as text_report

    return {ReportFormat.TEXT: text_report.render, ReportFormat.JSON: json_report.render}


def render(report: CheckReport, fmt: ReportFormat) -> str:
    """Render ``report`` in ``fmt``."""
    return formatters()[fmt](report)
