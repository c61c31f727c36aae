"""The report as one self-contained HTML page, to open in a browser or attach to a CI run.

The page holds a summary (verdict, counts, project license, use, packs), two charts drawn here
as inline SVG (components by license family, findings by severity), the findings in a table
that a search box filters as one types (``report.html#q=gpl`` opens it filtered), the known
(baseline) and waived findings, curations, notes, input problems and the component list.

Nothing is loaded from anywhere: the CSS and the small script (package data in
``compliance/data/report/``) are inlined, fonts are the system's, and a Content-Security-Policy
forbids every fetch. Every value is escaped with :func:`html.escape`. The same report gives the
same bytes: no timestamp, no version.

Charts carry their data for tests and tools: ``<svg id="chart-families">`` has one
``<rect data-family="..." data-count="N">`` per license family present,
``<svg id="chart-severity">`` one ``<rect data-severity="..." data-count="N">`` per severity.
A component counts once in each family its license terms belong to
(:func:`compliance.licenses.catalog.get` ``(id).family``); one without a license counts as
``unknown``.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources

from compliance.licenses import catalog as license_catalog
from compliance.licenses.catalog import Family
from compliance.model import Component, Finding, Scope, Severity
from compliance.policy.evaluate import alternatives, component_license
from compliance.report.base import CheckReport
from compliance.report.messages import message
from compliance.report.text import (
    SEVERITIES,
    by_severity,
    counts_text,
    diagnostic_text,
    license_text,
    project_name,
    severity_label,
    split_fix,
    use_label,
    verdict,
    who,
    width,
)

__all__ = ["family_counts", "render"]

_FAMILY_KEYS = {
    Family.PUBLIC_DOMAIN: "html.family.public-domain",
    Family.PERMISSIVE: "html.family.permissive",
    Family.WEAK_COPYLEFT: "html.family.weak-copyleft",
    Family.STRONG_COPYLEFT: "html.family.strong-copyleft",
    Family.NETWORK_COPYLEFT: "html.family.network-copyleft",
    Family.SOURCE_AVAILABLE: "html.family.source-available",
    Family.NON_COMMERCIAL: "html.family.non-commercial",
    Family.PROPRIETARY: "html.family.proprietary",
    Family.AI_RESTRICTED: "html.family.ai-use-restricted",
    Family.UNKNOWN: "html.family.unknown",
}
_FAMILY_COLORS = {
    Family.PUBLIC_DOMAIN: "#57ab5a",
    Family.PERMISSIVE: "#2e7d32",
    Family.WEAK_COPYLEFT: "#d4a017",
    Family.STRONG_COPYLEFT: "#e8590c",
    Family.NETWORK_COPYLEFT: "#c62828",
    Family.SOURCE_AVAILABLE: "#8e44ad",
    Family.NON_COMMERCIAL: "#ad1457",
    Family.PROPRIETARY: "#546e7a",
    Family.AI_RESTRICTED: "#5e35b1",
    Family.UNKNOWN: "#9e9e9e",
}
_SEVERITY_COLORS = {Severity.ERROR: "#c62828", Severity.WARNING: "#e69500",
                    Severity.INFO: "#1565c0"}
_SCOPE_KEYS = {Scope.REQUIRED: "html.scope.required", Scope.OPTIONAL: "html.scope.optional",
               Scope.EXCLUDED: "html.scope.excluded"}
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@cache
def _asset(name: str) -> str:
    text = (resources.files("compliance") / "data" / "report" / name).read_text(encoding="utf-8")
    if "</" in text:  # an inlined asset must not be able to close its element
        raise ValueError(f"compliance/data/report/{name} must not contain '</'")
    return text


# ----------------------------------------------------------------------------- data


def component_families(comp: Component) -> set[Family]:
    """The families of a component's license terms (every alternative); unknown without one."""
    expression = component_license(comp)
    families: set[Family] = set()
    if expression:
        for choice in alternatives(expression):
            for term in choice:
                facts = license_catalog.get(term.id)
                families.add(facts.family if facts is not None else Family.UNKNOWN)
    return families or {Family.UNKNOWN}


def family_counts(components: Iterable[Component]) -> dict[Family, int]:
    """How many components have a license term in each family, in the catalog's family
    order; families no component has are left out."""
    counts: Counter[Family] = Counter()
    for comp in components:
        counts.update(component_families(comp))
    return {family: counts[family] for family in Family if counts[family]}


# ----------------------------------------------------------------------------- charts


def _bar_chart(svg_id: str, title: str, attr: str,
               bars: Sequence[tuple[str, str, int, str]]) -> str:
    """A horizontal bar chart as inline SVG: bars are (key, label, count, colour)."""
    bar_h, gap, plot_w, count_w = 22, 8, 300, 48
    label_w = max([width(label) for _, label, _, _ in bars] + [6]) * 7.5 + 16
    total_w = round(label_w + plot_w + count_w)
    height = max(1, len(bars)) * (bar_h + gap) + gap
    top = max([n for _, _, n, _ in bars] + [1])
    parts = [f'<svg id="{_e(svg_id)}" class="chart" role="img" aria-label="{_e(title)}" '
             f'viewBox="0 0 {total_w} {height}" width="{total_w}" height="{height}" '
             f'data-bars="{len(bars)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{_e(title)}</title>"]
    for i, (key, label, n, colour) in enumerate(bars):
        y = gap + i * (bar_h + gap)
        w = max(2.0, round(plot_w * n / top, 1)) if n else 0.0
        mid = y + bar_h / 2
        parts.append(
            f'<g class="bar">'
            f'<text x="{label_w - 8:g}" y="{mid:g}" text-anchor="end" '
            f'dominant-baseline="central">{_e(label)}</text>'
            f'<rect {attr}="{_e(key)}" data-count="{n}" x="{label_w:g}" y="{y}" '
            f'width="{w:g}" height="{bar_h}" rx="3" fill="{colour}">'
            f"<title>{_e(label)}: {n}</title></rect>"
            f'<text x="{label_w + w + 6:g}" y="{mid:g}" dominant-baseline="central">{n}</text>'
            f"</g>")
    parts.append("</svg>")
    return "".join(parts)


def _charts(report: CheckReport) -> str:
    lang = report.lang
    families = family_counts(report.inventory.components.values())
    family_bars = [(f.value, message(lang, _FAMILY_KEYS[f]), n, _FAMILY_COLORS[f])
                   for f, n in families.items()]
    severity_bars = [(s.value, severity_label(lang, s),
                      sum(1 for f in report.findings if f.severity is s), _SEVERITY_COLORS[s])
                     for s in SEVERITIES]
    fam_title = message(lang, "html.chart.families")
    sev_title = message(lang, "html.chart.severity")
    return (
        '<div class="charts">'
        f'<figure id="figure-families"><figcaption>{_e(fam_title)}</figcaption>'
        f"{_bar_chart('chart-families', fam_title, 'data-family', family_bars)}"
        f'<p class="note">{_e(message(lang, "html.chart.families_note"))}</p></figure>'
        f'<figure id="figure-severity"><figcaption>{_e(sev_title)}</figcaption>'
        f"{_bar_chart('chart-severity', sev_title, 'data-severity', severity_bars)}"
        f'<p class="note">{_e(message(lang, "html.chart.severity_note"))}</p></figure>'
        "</div>")


# ----------------------------------------------------------------------------- tables


def _th(lang: str, keys: Sequence[str]) -> str:
    return "<thead><tr>" + "".join(f"<th>{_e(message(lang, k))}</th>" for k in keys) + \
        "</tr></thead>"


_FINDING_COLUMNS = ("report.column.severity", "report.column.rule", "report.column.component",
                    "report.column.license", "report.column.where")


def _finding_detail(lang: str, f: Finding) -> str:
    """The second row of a finding: why, then how to fix folded (with the waiver snippet)."""
    why, fix = f.localized(lang)
    parts = []
    if f.chosen:
        parts.append(f'<div class="chosen"><span class="label">'
                     f'{_e(message(lang, "html.chosen"))}</span> <code>{_e(f.chosen)}</code></div>')
    parts.append(f'<div class="why"><span class="label">{_e(message(lang, "html.why"))}</span> '
                 f"{_e(why)}</div>")
    if f.waived_by:
        parts.append(f'<div class="waived"><span class="label">'
                     f'{_e(message(lang, "html.waived_by"))}</span> {_e(f.waived_by)}</div>')
    if fix:
        prose, snippet, syntax = split_fix(fix)
        body = "".join(f"<p>{_e(line)}</p>" for line in prose.splitlines() if line.strip())
        if snippet:
            body += (f'<pre class="waiver" data-syntax="{_e(syntax)}"><code>{_e(snippet)}'
                     "</code></pre>")
        parts.append(f'<details class="fix"><summary>{_e(message(lang, "html.show_fix"))}'
                     f"</summary>{body}</details>")
    return "".join(parts)


def _finding_rows(lang: str, findings: Sequence[Finding], kind: str) -> str:
    """One ``<tbody>`` per finding: its cells, and a row with why and how to fix, so that the
    search hides both together."""
    groups = []
    for f in by_severity(findings):
        sev = f.severity.value
        lic = (f"<code>{_e(f.license)}</code>" if f.license
               else f'<span class="muted">{_e(license_text(lang, None))}</span>')
        groups.append(
            f'<tbody data-row="{kind}" data-severity="{sev}" data-rule="{_e(f.rule)}" '
            f'data-component="{_e(f.component_name or "")}">'
            f'<tr class="main"><td class="sev {sev}">{_e(severity_label(lang, f.severity))}</td>'
            f'<td class="rule"><code>{_e(f.rule)}</code></td>'
            f'<td class="component">{_e(who(lang, f))}</td>'
            f'<td class="license">{lic}</td>'
            f'<td class="where">{_e(f.location) if f.location else ""}</td></tr>'
            f'<tr class="detail"><td></td><td colspan="{len(_FINDING_COLUMNS) - 1}">'
            f"{_finding_detail(lang, f)}</td></tr></tbody>")
    return "".join(groups)


def _findings_table(lang: str, table_id: str, findings: Sequence[Finding], kind: str) -> str:
    if not findings:
        return f'<p class="empty" id="{table_id}-empty">{_e(message(lang, "html.none"))}</p>'
    return (f'<table id="{table_id}" class="findings" data-searchable="{kind}">'
            f"{_th(lang, _FINDING_COLUMNS)}{_finding_rows(lang, findings, kind)}</table>")


def _components_table(report: CheckReport) -> str:
    lang = report.lang
    comps = sorted(report.inventory.components.values(),
                   key=lambda c: (c.name, c.version or "", c.ref))
    if not comps:
        return f'<p class="empty">{_e(message(lang, "html.none"))}</p>'
    keys = ("report.column.component", "html.column.version", "report.column.license",
            "html.column.family", "html.column.scope", "html.column.direct")
    rows = []
    for c in comps:
        expression = component_license(c)
        lic = (f"<code>{_e(expression)}</code>" if expression
               else f'<span class="muted">{_e(license_text(lang, None))}</span>')
        families = [f for f in Family if f in component_families(c)]
        labels = message(lang, "report.sep.list").join(message(lang, _FAMILY_KEYS[f])
                                                       for f in families)
        direct = message(lang, "html.yes" if c.direct else "html.no")
        rows.append(
            f'<tbody data-row="component" data-ref="{_e(c.ref)}" '
            f'data-families="{_e(" ".join(f.value for f in families))}"><tr>'
            f"<td>{_e(c.name)}</td><td>{_e(c.version or '')}</td><td class=\"license\">{lic}</td>"
            f"<td>{_e(labels)}</td><td>{_e(message(lang, _SCOPE_KEYS[c.scope]))}</td>"
            f"<td>{_e(direct)}</td></tr></tbody>")
    return (f'<table id="components-table" data-searchable="component">{_th(lang, keys)}'
            f"{''.join(rows)}</table>")


# ----------------------------------------------------------------------------- page


def _project_license(report: CheckReport) -> str:
    r = report.result
    if r.project_license is None:
        return message(report.lang, "html.project_license_missing")
    return message(report.lang, "html.project_license", license=r.project_license,
                   source=r.project_license_source)


def _summary(report: CheckReport) -> str:
    lang = report.lang
    r = report.result
    state = "fail" if report.failed else "pass"
    cards = [(s.value, severity_label(lang, s), sum(1 for f in r.findings if f.severity is s))
             for s in SEVERITIES]
    cards += [("waived", message(lang, "html.card.waived"), len(r.waived)),
              ("known", message(lang, "html.card.known"), len(report.known)),
              ("components", message(lang, "html.card.components"),
               len(report.inventory.components))]
    card_html = "".join(f'<div class="card {key}" data-card="{key}"><span class="n">{n}</span>'
                        f"{_e(label)}</div>" for key, label, n in cards)
    sep = message(lang, "report.sep.list")
    facts = [
        ("html.fact.source", report.source),
        ("html.fact.project_license", _project_license(report)),
        ("html.fact.use", use_label(lang, r.use)),
        ("html.fact.packs", sep.join(r.packs)),
    ]
    fact_html = "".join(f"<dt>{_e(message(lang, k))}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    return (
        f'<section id="summary" data-failed="{str(report.failed).lower()}">'
        f"<h2>{_e(message(lang, 'html.heading.summary'))}</h2>"
        f'<p class="summary-line"><span id="verdict" class="verdict {state}">'
        f"{_e(verdict(report))}</span>{_e(counts_text(report))}</p>"
        f'<div class="cards">{card_html}</div>'
        f'<dl class="facts">{fact_html}</dl>'
        "</section>")


def _list_section(section_id: str, heading: str, items: Sequence[str]) -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{_e(item)}</li>" for item in items)
    return (f'<section id="{section_id}"><h2>{_e(heading)}</h2>'
            f'<ul class="notes">{lis}</ul></section>')


def render(report: CheckReport) -> str:
    """The HTML report: one page, no external resources."""
    lang = report.lang
    r = report.result
    title = message(lang, "html.title", project=project_name(report))
    search_template = message(lang, "html.search_count", shown="{shown}", total="{total}")
    curations = []
    for c in r.curations:
        component = f"{c.component_name} {c.component_version}" if c.component_version \
            else c.component_name
        curations.append(message(lang, "report.curation", component=component,
                                 previous=license_text(lang, c.previous), license=c.license,
                                 comment=c.comment, location=c.location))
    def heading(key: str, n: int) -> str:
        return f"<h2>{_e(message(lang, key, count=n))}</h2>"

    subtitle = message(lang, "report.title", project=project_name(report), source=report.source)
    body = [
        f'<header><h1>{_e(title)}</h1><p class="muted">{_e(subtitle)}</p></header>',
        _summary(report),
        _list_section("notes", message(lang, "html.heading.notes"), report.notes),
        f'<section id="charts"><h2>{_e(message(lang, "html.heading.charts"))}</h2>'
        f"{_charts(report)}</section>",
        f'<section id="findings">{heading("html.heading.findings", len(r.findings))}'
        f'<div class="search"><input id="search" type="search" autocomplete="off" '
        f'placeholder="{_e(message(lang, "html.search_placeholder"))}" '
        f'aria-label="{_e(message(lang, "html.search_label"))}">'
        f'<span id="search-count" class="muted" data-template="{_e(search_template)}"></span>'
        f"</div>{_findings_table(lang, 'findings-table', r.findings, 'finding')}</section>",
    ]
    if report.known:
        body.append(f'<section id="known">{heading("report.heading.known", len(report.known))}'
                    f'<p class="muted">{_e(message(lang, "html.known_note"))}</p>'
                    f"{_findings_table(lang, 'known-table', report.known, 'known')}</section>")
    if r.waived:
        body.append(f'<section id="waived">{heading("report.heading.waived", len(r.waived))}'
                    f"{_findings_table(lang, 'waived-table', r.waived, 'waived')}</section>")
    body.append(_list_section("curations", message(lang, "html.heading.curations"), curations))
    body.append(_list_section(
        "diagnostics", message(lang, "report.heading.diagnostics", count=len(report.diagnostics)),
        [diagnostic_text(lang, d) for d in report.diagnostics]))
    components = len(report.inventory.components)
    body.append(f'<section id="components">{heading("html.heading.components", components)}'
                f"{_components_table(report)}</section>")
    body.append(f'<footer>{_e(message(lang, "html.footer"))}</footer>')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="compliance">\n'
        f"<title>{_e(title)}</title>\n<style>\n{_asset('page.css')}</style>\n</head>\n"
        f"<body>\n" + "\n".join(part for part in body if part) + "\n"
        f"<script>\n{_asset('page.js')}</script>\n</body>\n</html>\n")
