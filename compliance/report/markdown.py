"""The report for a pull-request comment, in GitHub-flavoured Markdown.

It opens with one summary line (a bold ``[PASS]``/``[FAIL]`` marker, the counts and the gate),
then the project's license and use, notes, a table of the findings (severity, rule, component,
license, where) and each finding's details folded in a ``<details>`` block: why, how to fix, and
the waiver snippet of the fix as a code block. Known (baseline) and waived findings, curations
and input problems follow in their own sections.

Every word comes from the message catalog in the report's language. Values are escaped: table
cells escape ``|`` and fold newlines; prose escapes Markdown and HTML metacharacters; rule ids,
components, licenses and locations are code spans, which also keeps GitHub from reading
``@name`` as a mention.

A comment longer than GitHub's limit (65,536 characters) is refused, so the report keeps under
:data:`MAX_CHARS`: when everything does not fit, fewer findings get details, then fewer rows are
listed, and a line says how many were left out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from compliance.model import Finding
from compliance.report.base import CheckReport
from compliance.report.messages import message
from compliance.report.text import (
    by_severity,
    count,
    counts_text,
    diagnostic_text,
    license_text,
    project_license_line,
    project_name,
    severity_label,
    split_fix,
    use_label,
    verdict,
    who,
)

__all__ = ["MAX_CHARS", "cell", "code", "prose", "render"]

MAX_CHARS = 60_000
"""The longest report rendered; GitHub refuses comments over 65,536 characters."""

_PROSE_SPECIALS = re.compile(r"([\\`*_\[\]|~])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])", re.MULTILINE)


def prose(text: str) -> str:
    """``text`` as literal Markdown inline text: HTML and Markdown metacharacters escaped."""
    escaped = html.escape(text, quote=False)
    escaped = _PROSE_SPECIALS.sub(r"\\\1", escaped)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def code(text: str) -> str:
    """``text`` as a code span (newlines folded), fenced with enough backticks."""
    flat = " ".join(text.split())
    if not flat:
        return ""
    runs = [len(run) for run in re.findall(r"`+", flat)]
    fence = "`" * (max(runs) + 1 if runs else 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or runs else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def cell(text: str) -> str:
    """A table cell: ``|`` escaped (also inside code spans, as GFM requires), newlines folded
    into ``<br>``."""
    return text.replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>")


def _fence(body: str) -> str:
    runs = [len(run) for run in re.findall(r"`{3,}", body)]
    return "`" * max(3, max(runs) + 1 if runs else 3)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def _header(lang: str, extra: Sequence[str] = ()) -> list[str]:
    names = [message(lang, "report.column.severity"), message(lang, "report.column.rule"),
             message(lang, "report.column.component"), message(lang, "report.column.license"),
             message(lang, "report.column.where"), *extra]
    return [_row([prose(n) for n in names]), "|" + "---|" * len(names)]


def _cells(lang: str, f: Finding) -> list[str]:
    return [
        prose(severity_label(lang, f.severity)),
        code(f.rule),
        code(who(lang, f)),
        code(f.license) if f.license else prose(license_text(lang, None)),
        code(str(f.location)) if f.location else "",
    ]


def _more(lang: str, hidden: int) -> list[str]:
    if hidden <= 0:
        return []
    return ["", prose(message(lang, "markdown.truncated", count=hidden))]


def _table(lang: str, findings: Sequence[Finding], limit: int, waived: bool = False) -> list[str]:
    extra = [message(lang, "report.column.waived_by")] if waived else []
    out = _header(lang, extra)
    for f in findings[:limit]:
        cells = _cells(lang, f)
        if waived:
            cells.append(prose(f.waived_by or ""))
        out.append(_row(cells))
    return out + _more(lang, len(findings) - limit)


def _details(lang: str, f: Finding) -> list[str]:
    title = " ".join(" · ".join(x for x in (f.rule, who(lang, f), f.license or "") if x).split())
    summary = (f"<b>{html.escape(severity_label(lang, f.severity))}</b> "
               f"{html.escape(title)}")
    out = [f"<details><summary>{summary}</summary>", ""]
    if f.location:
        out += [f"**{prose(message(lang, 'markdown.where'))}** {code(str(f.location))}", ""]
    if f.chosen:
        out += [f"**{prose(message(lang, 'markdown.chosen'))}** {code(f.chosen)}", ""]
    why, fix = f.localized(lang)
    out += [f"**{prose(message(lang, 'markdown.why'))}** {prose(why)}", ""]
    if fix:
        text, snippet, syntax = split_fix(fix)
        paragraphs = [p for p in text.splitlines() if p.strip()]
        first = paragraphs[0] if paragraphs else ""
        out += [f"**{prose(message(lang, 'markdown.fix'))}** {prose(first)}", ""]
        for para in paragraphs[1:]:
            out += [prose(para), ""]
        if snippet:
            fence = _fence(snippet)
            out += [f"{fence}{syntax}", snippet, fence, ""]
    out += ["</details>", ""]
    return out


def _render(report: CheckReport, rows: int, details: int) -> str:
    lang = report.lang
    r = report.result
    marker = f"**[{prose(verdict(report))}]**"
    out = [f"{marker} {prose(counts_text(report))}", ""]
    sep = message(lang, "report.sep.clause")
    packs = message(lang, "report.sep.list").join(r.packs)
    context = message(lang, "report.context", use=use_label(lang, r.use), packs=packs,
                      components=count(lang, "report.count.components",
                                       len(report.inventory.components)))
    title = message(lang, "report.title", project=project_name(report), source=report.source)
    out += [prose(sep.join([title, project_license_line(report), context])), ""]
    for note in report.notes:
        out.append("- " + prose(message(lang, "report.note", note=note)))
    if report.notes:
        out.append("")

    out += [f"### {prose(message(lang, 'markdown.heading.findings', count=len(r.findings)))}",
            ""]
    ordered = by_severity(r.findings)
    if ordered:
        out += _table(lang, ordered, rows)
        out.append("")
        # details in severity order, as the table
        for f in ordered[:details]:
            out += _details(lang, f)
        if details < len(ordered):
            out += [prose(message(lang, "markdown.details_truncated",
                                  count=len(ordered) - details)), ""]
    else:
        out += [prose(message(lang, "markdown.no_findings")), ""]

    if report.known:
        out += [f"### {prose(message(lang, 'report.heading.known', count=len(report.known)))}",
                "", *_table(lang, by_severity(report.known), rows), ""]
    if r.waived:
        out += [f"### {prose(message(lang, 'report.heading.waived', count=len(r.waived)))}",
                "", *_table(lang, by_severity(r.waived), rows, waived=True), ""]
    if r.curations:
        out += [f"### {prose(message(lang, 'markdown.heading.curations', count=len(r.curations)))}",
                ""]
        for c in r.curations[:rows]:
            component = f"{c.component_name} {c.component_version}" if c.component_version \
                else c.component_name
            out.append("- " + message(lang, "markdown.curation", component=code(component),
                                      previous=code(c.previous) if c.previous
                                      else prose(license_text(lang, None)),
                                      license=code(c.license), comment=prose(c.comment),
                                      location=code(c.location)))
        out += _more(lang, len(r.curations) - rows)
        out.append("")
    if report.diagnostics:
        heading = message(lang, "report.heading.diagnostics", count=len(report.diagnostics))
        out += [f"### {prose(heading)}", ""]
        out += ["- " + prose(diagnostic_text(lang, d)) for d in report.diagnostics[:rows]]
        out += _more(lang, len(report.diagnostics) - rows)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _largest(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """The largest n in [lo, hi] with ok(n) true (ok is monotone, ok(lo) assumed true)."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def render(report: CheckReport) -> str:
    """The Markdown report, at most :data:`MAX_CHARS` characters where that can be had."""
    r = report.result
    everything = max(len(r.findings), len(report.known), len(r.waived), len(r.curations),
                     len(report.diagnostics))
    full = _render(report, everything, len(r.findings))
    if len(full) <= MAX_CHARS:
        return full
    if len(_render(report, everything, 0)) <= MAX_CHARS:
        details = _largest(0, len(r.findings),
                           lambda n: len(_render(report, everything, n)) <= MAX_CHARS)
        return _render(report, everything, details)
    rows = _largest(0, everything, lambda n: len(_render(report, n, 0)) <= MAX_CHARS)
    return _render(report, rows, 0)
