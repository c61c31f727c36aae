"""What every report formatter receives, and the registry of formats.

A formatter is a function ``CheckReport -> str``. :data:`FORMATTERS` maps every
:class:`ReportFormat` member to one; a test checks that none is missing.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from compliance.model import Diagnostic, Finding, Inventory
from compliance.policy.evaluate import EvaluationResult


class ReportFormat(str, enum.Enum):
    """Output formats of ``compliance check``."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    HTML = "html"
    JUNIT = "junit"


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
    known: list[Finding] = field(default_factory=list)  # in the --baseline: listed, not failing
    lang: str = "en"  # language of human-readable reports (en, zh-CN)

    @property
    def findings(self) -> list[Finding]:
        """The findings that count (waived ones are in ``result.waived``)."""
        return self.result.findings


Formatter = Callable[[CheckReport], str]


#: The module (under compliance.report) whose ``render`` writes each format.
_MODULES = {
    ReportFormat.TEXT: "text",
    ReportFormat.JSON: "json",
    ReportFormat.SARIF: "sarif",
    ReportFormat.MARKDOWN: "markdown",
    ReportFormat.HTML: "html",
    ReportFormat.JUNIT: "junit",
}


def formatter(fmt: ReportFormat) -> Formatter:
    """The formatter of one format, imported on first use: a run loads only what it writes."""
    module = importlib.import_module(f"compliance.report.{_MODULES[fmt]}")
    render_fn: Formatter = module.render
    return render_fn


def formatters() -> dict[ReportFormat, Formatter]:
    """Every format's formatter."""
    return {fmt: formatter(fmt) for fmt in ReportFormat}


def render(report: CheckReport, fmt: ReportFormat) -> str:
    """Render ``report`` in ``fmt``."""
    return formatter(fmt)(report)
