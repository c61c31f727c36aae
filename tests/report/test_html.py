"""The HTML report: one self-contained page with a summary, charts drawn as inline SVG, a
searchable findings table and the component list; both languages; checked in a real headless
browser (Debian's chromium) when one is installed."""

# ruff: noqa: RUF001  (Chinese text has full-width punctuation on purpose)

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from compliance.licenses.catalog import Family
from compliance.model import Finding, Location, Severity
from compliance.report import html
from compliance.report.base import ReportFormat, render
from tests.conftest import CliResult, assert_golden
from tests.report.test_text import LANGS, _repo, sample_report

CHROMIUM = Path("/usr/bin/chromium")
_FAMILIES = {"permissive": 3, "weak-copyleft": 1, "strong-copyleft": 3, "network-copyleft": 1,
             "unknown": 2}


class _Dom(HTMLParser):
    """Elements with their attributes, in document order (enough for these assertions)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements if t == tag
                and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def by_id(self, ident: str) -> dict[str, str | None]:
        (element,) = [a for _, a in self.elements if a.get("id") == ident]
        return element


def _chart(dom: _Dom, attr: str) -> dict[str, int]:
    return {str(a[attr]): int(str(a["data-count"])) for a in dom.find("rect") if attr in a}


@pytest.mark.parametrize("lang", LANGS)
def test_golden(lang: str) -> None:
    assert_golden(f"report.{lang}.html", html.render(sample_report(lang)))


@pytest.mark.parametrize("lang", LANGS)
def test_self_contained(lang: str) -> None:
    page = render(sample_report(lang), ReportFormat.HTML)
    assert page.startswith("<!DOCTYPE html>\n")
    assert f'<html lang="{lang}">' in page
    # nothing to fetch: no external scripts, styles, fonts or images; a CSP forbids it anyway
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"\bsrc=|@import|url\(|@font-face", page)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace, not a fetch
    assert "default-src 'none'" in page
    assert page.count("<script>") == 1 and page.count("<style>") == 1
    # deterministic: the same report gives the same bytes
    assert page == html.render(sample_report(lang))


def test_contents() -> None:
    dom = _Dom(html.render(sample_report()))
    assert dom.by_id("summary")["data-failed"] == "true"
    assert dom.by_id("search")["type"] == "search"
    assert dom.by_id("search-count")["data-template"] == "{shown} of {total} rows shown"
    findings = dom.find("tbody", data_row="finding")
    assert [(f["data-severity"], f["data-component"]) for f in findings] == [
        ("error", "readline-gpl"), ("warning", "pyqt5"), ("warning", "unknownpkg"),
        ("info", "lgpl-lib")]
    assert [k["data-component"] for k in dom.find("tbody", data_row="known")] == ["old-gpl"]
    assert [k["data-component"] for k in dom.find("tbody", data_row="waived")] == ["agpl-server"]
    components = dom.find("tbody", data_row="component")
    assert len(components) == 9
    assert {c["data-ref"]: c["data-families"] for c in components}["pkg:pypi/pyqt5@5.15.10"] \
        == "strong-copyleft unknown"
    assert _chart(dom, "data-family") == _FAMILIES
    assert _chart(dom, "data-severity") == {"error": 1, "warning": 2, "info": 1}
    assert dom.by_id("chart-families")["data-bars"] == "5"


def test_text_of_the_page() -> None:
    page = html.render(sample_report())
    for text in ("License compliance report: svc", "Components by license family",
                 "Findings by severity", "Findings (4)", "Known, in the baseline (1)",
                 "Waived (1)", "Components (9)", "Apache-2.0 (pyproject.toml)",
                 "legal-approved: only used by an internal test harness",
                 "requirements-dev.txt:3: warning: unknown option --frobnicate",
                 "curated: torch 2.3.0: LicenseRef-unknown-bsd-style -&gt; BSD-3-Clause",
                 '<pre class="waiver" data-syntax="yaml"><code>waivers:'):
        assert text in page, text
    zh = html.render(sample_report("zh-CN"))
    for text in ("许可证合规报告：svc", "按许可证类别统计的组件", "按级别统计的问题", "问题（4）",
                 "已豁免（1）", "修复建议", "原因：", "宽松型", "强 Copyleft", "未通过", "组件（9）"):
        assert text in zh, text
    assert "default/compatibility" in zh and "GPL-3.0-only" in zh


def test_everything_is_escaped() -> None:
    report = sample_report()
    evil = "<script>alert('x')</script>\" onmouseover=\"y"
    report.result.findings = [Finding(
        rule="x/<rule>", severity=Severity.ERROR, message=evil, fix=evil,
        component_name=evil, component_version="1&2", license=evil,
        location=Location("<p>.txt", 1), chosen=evil)]
    report.notes = [evil]
    report.source = evil
    page = html.render(report)
    assert "<script>alert" not in page
    assert '" onmouseover="' not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot; onmouseover=&quot;y" in page
    dom = _Dom(page)
    assert [t for t, _ in dom.elements].count("script") == 1
    assert not [a for _, a in dom.elements if "onmouseover" in a]


def test_families() -> None:
    report = sample_report()
    counts = html.family_counts(report.inventory.components.values())
    assert {f.value: n for f, n in counts.items()} == _FAMILIES
    assert list(counts) == [f for f in Family if f in counts]  # the catalog's order


def test_empty_report() -> None:
    report = sample_report(failed=False)
    report.result.findings, report.result.waived, report.known = [], [], []
    report.inventory.components = {}
    dom = _Dom(html.render(report))
    assert dom.by_id("summary")["data-failed"] == "false"
    assert dom.by_id("findings-table-empty")
    assert _chart(dom, "data-family") == {}
    assert _chart(dom, "data-severity") == {"error": 0, "warning": 0, "info": 0}


# ----------------------------------------------------------------------------- in a browser


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-extensions", "--mute-audio",
               f"--user-data-dir={profile}", *args]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env,
                          check=False)


def _visible(dom: _Dom, kind: str) -> list[str]:
    return [str(a.get("data-component") or a.get("data-ref"))
            for a in dom.find("tbody", data_row=kind) if "hidden" not in a]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                    "(apt-get install chromium) to test the page in a real browser")
def test_in_a_browser(tmp_path: Path) -> None:
    started = time.monotonic()
    page = tmp_path / "report.html"
    page.write_text(html.render(sample_report()), encoding="utf-8")

    # no query: every row shown, the counter filled in by the script
    result = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = _Dom(result.stdout)
    assert _visible(dom, "finding") == ["readline-gpl", "pyqt5", "unknownpkg", "lgpl-lib"]
    assert dom.by_id("search-count")["data-shown"] == "15"
    assert _chart(dom, "data-family") == _FAMILIES
    assert _chart(dom, "data-severity") == {"error": 1, "warning": 2, "info": 1}
    assert "15 of 15 rows shown" in result.stdout

    # a query in the address filters on load
    result = _chromium(tmp_path, "--dump-dom", page.as_uri() + "#q=readline")
    dom = _Dom(result.stdout)
    assert _visible(dom, "finding") == ["readline-gpl"]
    assert _visible(dom, "known") == [] and _visible(dom, "waived") == []
    assert _visible(dom, "component") == ["pkg:pypi/readline-gpl@8.2"]
    assert dom.find("body")[0]["data-query"] == "readline"
    assert dom.by_id("search-count")["data-shown"] == "2"
    # several words must all match, case-insensitively
    result = _chromium(tmp_path, "--dump-dom", page.as_uri() + "#q=GPL%20warning")
    assert _visible(_Dom(result.stdout), "finding") == ["pyqt5"]

    # a screenshot: the page is drawn, charts included (not a blank page)
    shot = tmp_path / "report.png"
    result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000",
                       "--hide-scrollbars", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000
    if os.environ.get("COMPLIANCE_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["COMPLIANCE_KEEP_SCREENSHOT"])
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("lang", LANGS)
def test_cli(tmp_path: Path, run_cli: Callable[..., CliResult], lang: str) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    out = tmp_path / "report.html"
    result = run_cli("check", repo, "--format", "html", "--lang", lang, "-o", out)
    assert result.exit_code == 1
    dom = _Dom(out.read_text(encoding="utf-8"))
    assert dom.find("html")[0]["lang"] == lang
    assert _visible(dom, "finding") == ["readline-gpl"]
    assert _chart(dom, "data-family") == {"permissive": 1, "strong-copyleft": 1}
