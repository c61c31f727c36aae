"""The report for a person at a terminal: findings grouped by severity, each with the
component, its license, where it came in, why it matters and how to fix it; then the known
(baseline) and waived findings, input problems and one summary line.

Every word comes from the message catalog (:mod:`compliance.report.messages`) in the report's
language; rule ids, license expressions, component names and the engine's reasons and fixes are
printed as they are.

At an interactive terminal the report adds colour and a table of the findings at the top. Unless
the caller decides (``render(report, color=..., table=...)``: a report written to a file must pass
False), the decision is taken here, from the environment (:func:`interactive`,
:func:`use_color`): ``NO_COLOR`` (any non-empty value) turns colour off and wins over everything;
``FORCE_COLOR`` (non-empty) turns colour and the table on even when stdout is not a terminal, and
off with ``0``, ``false`` or ``no``; ``TERM=dumb`` turns colour off; otherwise both follow
``sys.stdout.isatty()``. Piped or redirected output stays plain text, which is what the golden
files hold.

The helpers (:func:`split_fix`, :func:`who`, :func:`counts_text`, :func:`summary_line` and the
others in ``__all__``) are shared with the Markdown and HTML reports, so that the three say the
same things in the same words.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import textwrap
import unicodedata
from collections.abc import Sequence

from compliance.model import Diagnostic, Finding, Severity
from compliance.report.base import CheckReport
from compliance.report.messages import message

__all__ = [
    "SEVERITIES",
    "by_severity",
    "count",
    "counts_text",
    "diagnostic_text",
    "interactive",
    "license_text",
    "project_license_line",
    "project_name",
    "render",
    "severity_label",
    "split_fix",
    "summary_line",
    "use_color",
    "use_label",
    "verdict",
    "who",
    "width",
]

_WIDTH = 100
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)

# Keys are written out in full so that tests can check every one exists in every catalog.
_SEVERITY_KEYS = {
    Severity.ERROR: "report.severity.error",
    Severity.WARNING: "report.severity.warning",
    Severity.INFO: "report.severity.info",
}
_HEADING_KEYS = {
    Severity.ERROR: "report.heading.error",
    Severity.WARNING: "report.heading.warning",
    Severity.INFO: "report.heading.info",
}
_COUNT_KEYS = {
    Severity.ERROR: "report.count.error",
    Severity.WARNING: "report.count.warning",
    Severity.INFO: "report.count.info",
}
_USE_KEYS = {
    "internal": "report.use.internal",
    "network": "report.use.network",
    "distributed": "report.use.distributed",
}
_DIAGNOSTIC_KEYS = {"error": "report.severity.error", "warning": "report.severity.warning"}

# ANSI styles: (start, end)
_RESET = "\x1b[0m"
_STYLES = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "red": "\x1b[1;31m",
    "yellow": "\x1b[1;33m",
    "cyan": "\x1b[1;36m",
    "green": "\x1b[1;32m",
}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


# ----------------------------------------------------------------------------- shared helpers


def by_severity(findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with errors first, then warnings, then info; the order within kept."""
    return sorted(findings, key=lambda f: -f.severity.rank)


def severity_label(lang: str, severity: Severity | str) -> str:
    """The translated name of a severity (``error``, ``warning``, ``info``)."""
    return message(lang, _SEVERITY_KEYS[Severity(severity)])


def use_label(lang: str, use: str) -> str:
    """The translated name of a use (internal, network, distributed); others as they are."""
    key = _USE_KEYS.get(use)
    return message(lang, key) if key else use


def count(lang: str, key: str, n: int) -> str:
    """``{n} things``: the message ``key.one`` when n is 1, else ``key.other``."""
    return message(lang, f"{key}.one" if n == 1 else f"{key}.other", n=n)


def who(lang: str, f: Finding) -> str:
    """The component a finding is about: ``name version``, or the project."""
    if not f.component_name:
        return message(lang, "report.project")
    return f"{f.component_name} {f.component_version}" if f.component_version \
        else f.component_name


def license_text(lang: str, expression: str | None) -> str:
    """A license expression as written, or the translated "no license"."""
    return expression if expression else message(lang, "report.no_license")


def split_fix(fix: str) -> tuple[str, str | None, str | None]:
    """A finding's fix split into its prose and the waiver snippet the engine appends, if any:
    ``(prose, snippet, syntax)`` where syntax is ``yaml`` or ``toml``. The snippet is the
    ``waivers:`` (or ``[[tool.compliance.waivers]]``) block and everything after it."""
    lines = fix.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "waivers:" or stripped.startswith("[[tool.compliance.waivers]]"):
            syntax = "yaml" if stripped == "waivers:" else "toml"
            return "\n".join(lines[:i]).rstrip(), "\n".join(lines[i:]), syntax
    return fix, None, None


def counts_text(report: CheckReport) -> str:
    """The counts, the number of components and the gate: everything of the summary line but
    the verdict."""
    lang = report.lang
    r = report.result
    sep = message(lang, "report.sep.list")
    parts = [count(lang, _COUNT_KEYS[s], sum(1 for f in r.findings if f.severity is s))
             for s in SEVERITIES]
    parts.append(count(lang, "report.count.waived", len(r.waived)))
    if report.known:
        parts.append(count(lang, "report.count.known", len(report.known)))
    if report.fail_on == "never":
        gate = message(lang, "report.gate.never")
    else:
        gate = message(lang, "report.gate.on", level=severity_label(lang, report.fail_on))
    clause = message(lang, "report.sep.clause")
    return clause.join([sep.join(parts),
                        count(lang, "report.count.components", len(report.inventory.components)),
                        gate])


def verdict(report: CheckReport) -> str:
    """PASS or FAIL, translated."""
    return message(report.lang, "report.verdict.fail" if report.failed else "report.verdict.pass")


def summary_line(report: CheckReport) -> str:
    """One line: the verdict against --fail-on, counts per severity, waived, known, components."""
    return message(report.lang, "report.summary", verdict=verdict(report),
                   details=counts_text(report))


def project_name(report: CheckReport) -> str:
    """The project's name, or the name of the folder (or file) checked."""
    inv = report.inventory
    return inv.project.name if inv.project else inv.root_name


def project_license_line(report: CheckReport) -> str:
    """``project license: X (where it was found)``, or that there is none."""
    r = report.result
    if r.project_license is None:
        return message(report.lang, "report.project_license_missing")
    return message(report.lang, "report.project_license", license=r.project_license,
                   source=r.project_license_source)


def diagnostic_text(lang: str, d: Diagnostic) -> str:
    """One input problem: ``path:line: severity: message``."""
    where = f"{d.path}:{d.line}" if d.line else d.path
    key = _DIAGNOSTIC_KEYS.get(d.severity)
    return message(lang, "report.diagnostic", where=where,
                   severity=message(lang, key) if key else d.severity, message=d.message)


# ----------------------------------------------------------------------------- terminal helpers


def _env_flag(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def interactive() -> bool:
    """True when the report goes to a terminal (or ``FORCE_COLOR`` asks to act as if)."""
    force = _env_flag("FORCE_COLOR")
    if force is not None:
        return force.lower() not in ("0", "false", "no")
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def use_color() -> bool:
    """True when the terminal report may use colour: interactive, no ``NO_COLOR``, not dumb."""
    if _env_flag("NO_COLOR") is not None:
        return False
    if _env_flag("FORCE_COLOR") is None and os.environ.get("TERM") == "dumb":
        return False
    return interactive()


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters take
    two, combining marks none."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def _pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def _clip(text: str, columns: int) -> str:
    """``text`` cut to ``columns`` terminal columns, with an ellipsis when cut."""
    if width(text) <= columns:
        return text
    out = ""
    for ch in text:
        if width(out + ch) > columns - 1:
            break
        out += ch
    return out + "…"


class _Style:
    """Applies ANSI styles when colour is on; the identity otherwise."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.on and text else text


# ----------------------------------------------------------------------------- the report


@functools.lru_cache(maxsize=4096)
def _wrap(para: str, columns: int) -> tuple[str, ...]:
    """``para`` wrapped to ``columns``; license ids and paths are never split at hyphens, long
    words (URLs) never broken. Cached: many findings share their reason."""
    if not _WIDE.search(para):
        return tuple(textwrap.wrap(para, columns, break_on_hyphens=False, break_long_words=False))
    # Chinese: a line may break between any two wide characters (never before a closing
    # punctuation mark), or at a space; columns are counted as a terminal shows them
    lines: list[str] = []
    line, space = "", False
    for token in _TOKENS.findall(para):
        if token.isspace():
            space = bool(line)
            continue
        candidate = line + (" " if space else "") + token
        if not line or width(candidate) <= columns:
            line = candidate
        else:
            lines.append(line)
            line = token
        space = False
    if line:
        lines.append(line)
    return tuple(lines)


_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
_CLOSING = r"[\uff0c\u3002\uff1b\uff1a\u3001\uff01\uff1f\uff09\u300d\u300f\u201d]*"  # closing marks
_OPENING = r"[\uff08\u300c\u300e\u201c]*"  # opening marks stay with what follows
_TOKENS = re.compile(r"\s+|" + _OPENING + r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+"
                     + _CLOSING + r"|" + _OPENING + r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]"
                     + _CLOSING)


def _labelled(label: str, label_width: int, text: str, wrap: bool = True) -> list[str]:
    """``text`` under a label column: ``    label  text...``, continuation lines aligned."""
    indent = " " * (4 + label_width + 2)
    lines: list[str] = []
    first = True
    for para in text.splitlines() or [""]:
        chunks = _wrap(para, max(20, _WIDTH - len(indent))) if wrap else (para,)
        for chunk in chunks or [""]:
            lines.append(("    " + _pad(label, label_width) + "  " if first else indent) + chunk)
            first = False
    return lines


_LABEL_KEYS = {
    "where": "report.label.where",
    "why": "report.label.why",
    "fix": "report.label.fix",
    "chosen": "report.label.chosen",
    "waived_by": "report.label.waived_by",
}


@functools.cache
def _labels(lang: str) -> tuple[dict[str, str], int]:
    """The labels of a finding's lines, and the width of the widest."""
    labels = {name: message(lang, key) for name, key in _LABEL_KEYS.items()}
    return labels, max(width(v) for v in labels.values())


def _finding(lang: str, f: Finding, style: _Style) -> list[str]:
    labels, label_width = _labels(lang)
    head = f"  {style('bold', f.rule)}  {who(lang, f)}"
    if f.license is not None or f.pack != "risks":  # a risk about no license has none to show
        head += f"  [{license_text(lang, f.license)}]"
    lines = [head]
    if f.location:
        lines.extend(_labelled(labels["where"], label_width, str(f.location), wrap=False))
    if f.chosen:
        lines.extend(_labelled(labels["chosen"], label_width, f.chosen, wrap=False))
    why, fix = f.localized(lang)
    lines.extend(_labelled(labels["why"], label_width, why))
    if fix:
        prose, snippet, _ = split_fix(fix)
        text = prose if prose else ""
        fix_lines = _labelled(labels["fix"], label_width, text)
        if snippet:
            indent = " " * (4 + label_width + 2)
            fix_lines.extend(indent + style("dim", line) for line in snippet.splitlines())
        lines.extend(fix_lines)
    if f.waived_by:
        lines.extend(_labelled(labels["waived_by"], label_width, f.waived_by))
    return lines


def _brief(lang: str, f: Finding) -> list[str]:
    """A known or waived finding: one line, and the waiver under it when there is one."""
    parts = [severity_label(lang, f.severity), f.rule, who(lang, f)]
    if f.license is not None or f.pack != "risks":
        parts.append(f"[{license_text(lang, f.license)}]")
    if f.location:
        parts.append(str(f.location))
    lines = ["  " + "  ".join(parts)]
    if f.waived_by:
        labels, label_width = _labels(lang)
        lines.extend(_labelled(labels["waived_by"], label_width, f.waived_by))
    return lines


def _table(lang: str, findings: Sequence[Finding], style: _Style, columns: int) -> list[str]:
    """The findings as an aligned table fitted to ``columns`` terminal columns."""
    header = [message(lang, key) for key in ("report.column.severity", "report.column.rule",
                                             "report.column.component", "report.column.license",
                                             "report.column.where")]
    rows = [[severity_label(lang, f.severity), f.rule, who(lang, f),
             license_text(lang, f.license), str(f.location) if f.location else "-"]
            for f in findings]
    widths = [max(width(cell) for cell in col) for col in zip(header, *rows, strict=True)]
    gap = 2
    budget = columns - 2 - gap * (len(widths) - 1)
    # shrink the widest columns (never below 8) until the table fits
    while sum(widths) > budget and max(widths) > 8:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    out = ["  " + (" " * gap).join(style("bold", _pad(_clip(h, w), w))
                                   for h, w in zip(header, widths, strict=True))]
    out.append("  " + (" " * gap).join("─" * w for w in widths))
    for f, row in zip(findings, rows, strict=True):
        cells = [_pad(_clip(cell, w), w) for cell, w in zip(row, widths, strict=True)]
        cells[0] = style(_SEVERITY_STYLE[f.severity], cells[0])
        out.append("  " + (" " * gap).join(cells).rstrip())
    return out


def render(report: CheckReport, *, color: bool | None = None, table: bool | None = None) -> str:
    """The text report. ``color`` and ``table`` default to what the terminal allows
    (:func:`use_color`, :func:`interactive`); pass False for a file."""
    lang = report.lang
    r = report.result
    style = _Style(use_color() if color is None else color)
    with_table = interactive() if table is None else table
    packs = message(lang, "report.sep.list").join(r.packs)
    out: list[str] = [
        style("bold", message(lang, "report.title", project=project_name(report),
                              source=report.source)),
        "  " + project_license_line(report),
        "  " + message(lang, "report.context", use=use_label(lang, r.use), packs=packs,
                       components=count(lang, "report.count.components",
                                        len(report.inventory.components))),
    ]
    out.extend("  " + message(lang, "report.note", note=note) for note in report.notes)
    for c in r.curations:
        component = f"{c.component_name} {c.component_version}" if c.component_version \
            else c.component_name
        out.append("  " + message(lang, "report.curation", component=component,
                                  previous=license_text(lang, c.previous), license=c.license,
                                  comment=c.comment, location=c.location))
    if with_table and r.findings:
        out.append("")
        columns = shutil.get_terminal_size((_WIDTH, 24)).columns
        out.extend(_table(lang, by_severity(r.findings), style, columns))
    for severity in SEVERITIES:
        group = [f for f in r.findings if f.severity is severity]
        if not group:
            continue
        out.append("")
        heading = message(lang, _HEADING_KEYS[severity], count=len(group))
        out.append(style(_SEVERITY_STYLE[severity], heading))
        for f in group:
            out.extend(_finding(lang, f, style))
    if report.known:
        out.append("")
        out.append(style("bold", message(lang, "report.heading.known", count=len(report.known))))
        for f in by_severity(report.known):
            out.extend(_brief(lang, f))
    if r.waived:
        out.append("")
        out.append(style("bold", message(lang, "report.heading.waived", count=len(r.waived))))
        for f in by_severity(r.waived):
            out.extend(_brief(lang, f))
    if report.diagnostics:
        out.append("")
        out.append(style("bold", message(lang, "report.heading.diagnostics",
                                         count=len(report.diagnostics))))
        out.extend("  " + diagnostic_text(lang, d) for d in report.diagnostics)
    out.append("")
    line = summary_line(report)
    out.append(style("red" if report.failed else "green", line))
    return _printable("\n".join(out) + "\n", keep_styles=style.on)


# this module's own styles, and the control characters no value may bring to a terminal (an SBOM
# from elsewhere can name a component "\x1b]0;...": escape sequences, carriage returns, bells)
_UNSAFE = re.compile(r"(\x1b\[(?:0|1|2|1;3[1236])m)|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str, keep_styles: bool) -> str:
    """``text`` with every control character but newlines and tabs replaced by U+FFFD, and the
    styles of this module kept when colour is on."""
    return _UNSAFE.sub(lambda m: m.group(1) if keep_styles and m.group(1) else "\ufffd", text)
