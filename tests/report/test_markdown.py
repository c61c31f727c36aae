"""The Markdown report for pull-request comments: summary first, a findings table, folded
details, escaping, the length limit, both languages."""

# ruff: noqa: RUF001  (Chinese text has full-width punctuation on purpose)

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.model import Finding, Location, Severity
from compliance.report import markdown
from compliance.report.base import ReportFormat, render
from tests.conftest import CliResult, assert_golden
from tests.report.test_text import LANGS, _repo, sample_report

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _table_rows(md: str, heading: str) -> list[list[str]]:
    """The body rows of the table under ``heading``, split on unescaped pipes."""
    section = md[md.index(heading):]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in _UNESCAPED_PIPE.split(line)[1:-1]])
    return rows


@pytest.mark.parametrize("lang", LANGS)
def test_golden(lang: str) -> None:
    assert_golden(f"report.{lang}.md", markdown.render(sample_report(lang)))


def test_summary_line_first() -> None:
    md = render(sample_report(), ReportFormat.MARKDOWN)
    assert md.splitlines()[0] == ("**[FAIL]** 1 error, 2 warnings, 1 info, 1 waived, 1 known; "
                                  "9 components; fails on error")
    passing = sample_report(failed=False)
    assert markdown.render(passing).startswith("**[PASS]** ")
    assert markdown.render(sample_report("zh-CN")).startswith("**[未通过]** 1 个错误")


def test_no_emoji() -> None:
    for lang in LANGS:
        md = markdown.render(sample_report(lang))
        assert not [ch for ch in md if ord(ch) >= 0x1F000 or 0x2600 <= ord(ch) <= 0x27BF]


def test_findings_table_and_details() -> None:
    md = markdown.render(sample_report())
    rows = _table_rows(md, "### Findings (4)")
    assert rows == [
        ["error", "`default/compatibility`", "`readline-gpl 8.2`", "`GPL-3.0-only`",
         "`requirements.txt:2`"],
        ["warning", "`default/unknown-license`", "`pyqt5 5.15.10`",
         "`GPL-3.0-only OR LicenseRef-Riverbank-Commercial`", "`requirements.txt:3`"],
        ["warning", "`default/no-license`", "`unknownpkg 1.0`", "no license",
         "`requirements.txt:5`"],
        ["info", "`default/weak-copyleft`", "`lgpl-lib 1.0`", "`LGPL-2.1-only`", "`uv.lock:40`"],
    ]
    blocks = re.findall(r"<details><summary>(.*?)</summary>(.*?)</details>", md, re.S)
    assert len(blocks) == 4
    summary, body = blocks[0]
    assert summary == "<b>error</b> default/compatibility · readline-gpl 8.2 · GPL-3.0-only"
    assert "**Why:** 'GPL-3.0-only' (distributed use" in body
    assert "**How to fix:** Replace it with a component" in body
    assert ('```yaml\nwaivers:\n  - purl: "pkg:pypi/readline-gpl@8.2"\n' in body
            and '    comment: "<why this is acceptable>"\n```' in body)
    # the info finding has no waiver snippet
    assert "```" not in blocks[3][1]
    assert _table_rows(md, "### Known, in the baseline (1)")[0][2] == "`old-gpl 0.9`"
    waived = _table_rows(md, "### Waived (1)")
    assert waived[0][-1] == "legal-approved: only used by an internal test harness"
    assert "- `torch 2.3.0`: `LicenseRef-unknown-bsd-style` → `BSD-3-Clause`" in md


def test_chinese() -> None:
    md = markdown.render(sample_report("zh-CN"))
    assert "| 级别 | 规则 | 组件 | 许可证 | 位置 |" in md
    for word in ("### 问题（4）", "**原因：**", "**修复建议：**", "### 已豁免（1）", "已知问题",
                 "<b>错误</b> default/compatibility"):
        assert word in md, word


def test_cells_are_escaped() -> None:
    report = sample_report()
    evil = Finding(rule="x/pipe|rule", severity=Severity.ERROR,
                   message="line one\nline two <script>alert(1)</script> *bold* [link](http://x)",
                   fix="do | this\nwaivers:\n  - name: \"a|b\"",
                   component_name="evil|name\nsecond", component_version="1.0",
                   license="MIT|GPL\nApache-2.0", location=Location("dir|x/req.txt", 3))
    report.result.findings = [evil]
    md = markdown.render(report)
    (row,) = _table_rows(md, "### Findings (1)")
    assert row == ["error", "`x/pipe\\|rule`", "`evil\\|name second 1.0`", "`MIT\\|GPL Apache-2.0`",
                   "`dir\\|x/req.txt:3`"]
    assert "<script>" not in md
    assert "&lt;script&gt;" in md
    assert "\\*bold\\*" in md and "\\[link\\]" in md
    # the snippet is a code block, kept as written
    assert '```yaml\nwaivers:\n  - name: "a|b"\n```' in md
    # summary HTML escaped
    assert "<b>error</b> x/pipe|rule · evil|name\nsecond 1.0" not in md


def test_cell_helpers() -> None:
    assert markdown.cell("a|b\nc") == "a\\|b<br>c"
    assert markdown.code("a`b") == "`` a`b ``"
    assert markdown.code("x\ny") == "`x y`"
    assert markdown.prose("# not a heading") == "\\# not a heading"
    assert markdown.prose("a <b> & c_d") == "a &lt;b&gt; &amp; c\\_d"


def test_long_reports_stay_under_the_comment_limit() -> None:
    report = sample_report()
    base = report.result.findings[0]
    report.result.findings = [
        dataclasses.replace(base, component_name=f"pkg-{i:04d}", message=base.message * 3)
        for i in range(1500)]
    md = markdown.render(report)
    assert len(md) <= markdown.MAX_CHARS
    assert md.startswith("**[FAIL]** 1500 errors")
    assert "more not listed" in md or "more findings are left out" in md
    # fewer details first, then fewer rows: here even the table has to be cut
    assert md.count("<details>") == 0
    assert "more not listed" in md
    report.result.findings = report.result.findings[:60]
    md = markdown.render(report)
    assert len(md) <= markdown.MAX_CHARS
    assert len(_table_rows(md, "### Findings (60)")) == 60
    assert 0 < md.count("<details>") < 60
    assert "Details of" in md


@pytest.mark.parametrize("lang", LANGS)
def test_cli(tmp_path: Path, run_cli: Callable[..., CliResult], lang: str) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    result = run_cli("check", repo, "--format", "markdown", "--lang", lang)
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("**[FAIL]** 1 error" if lang == "en" else "**[未通过]** 1 个错误")
    assert "`readline-gpl 8.2`" in result.stdout
