"""The text report: plain when piped, colour and a table at a terminal, both languages.

:func:`sample_report` builds the deterministic CheckReport that the text, Markdown and HTML
tests and their golden files share (an error, warnings with locations, an info, a waived and a
known finding, a curation, notes and an input problem)."""

# ruff: noqa: RUF001  (Chinese text has full-width punctuation on purpose)

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.model import (
    Component,
    Diagnostic,
    Finding,
    Inventory,
    Location,
    ProjectInfo,
    ResolvedLicense,
    Scope,
    Severity,
)
from compliance.policy.evaluate import AppliedCuration, EvaluationResult
from compliance.report import text
from compliance.report.base import CheckReport, ReportFormat, render
from tests.conftest import CliResult, assert_golden

LANGS = ("en", "zh-CN")
_WAIVER = (
    "If this use is acceptable, record a waiver in .compliance.yaml:\n"
    "waivers:\n"
    '  - purl: "{purl}"\n'
    '    license: "{license}"\n'
    '    rules: ["{rule}"]\n'
    '    reason: "legal-approved"\n'
    '    comment: "<why this is acceptable>"')
_WAIVER_ZH = _WAIVER.replace("If this use is acceptable, record a waiver in .compliance.yaml:",
                             "如果此用途可以接受，请在 .compliance.yaml 中登记豁免：")


def _component(name: str, version: str | None, license_: str | None, *, scope: Scope = Scope.REQUIRED,
               direct: bool = True, line: int = 1, path: str = "requirements.txt") -> Component:
    purl = f"pkg:pypi/{name}@{version}" if version else f"pkg:pypi/{name}"
    resolved = (ResolvedLicense(license_, "declared", "license-expression", None)
                if license_ else None)
    return Component(ref=purl, ecosystem="pypi", name=name, version=version, purl=purl,
                     scope=scope, direct=direct, occurrences=[Location(path, line)],
                     license=resolved)


def _finding(comp: Component, rule: str, severity: Severity, message: str, fix: str, *,
             chosen: str | None = None, waived_by: str | None = None,
             with_waiver: bool = True, zh: tuple[str, str] | None = None) -> Finding:
    license_ = comp.license.expression if comp.license else None
    translations: tuple[tuple[str, str, str], ...] = ()
    if with_waiver:
        fix += "\n" + _WAIVER.format(purl=comp.purl, license=license_ or "NONE", rule=rule)
    if zh is not None:
        zh_fix = zh[1] + ("\n" + _WAIVER_ZH.format(purl=comp.purl, license=license_ or "NONE",
                                                   rule=rule) if with_waiver else "")
        translations = (("zh-CN", zh[0], zh_fix),)
    return Finding(rule=rule, severity=severity, message=message, fix=fix,
                   translations=translations,
                   component_ref=comp.ref, component_name=comp.name,
                   component_version=comp.version, purl=comp.purl, license=license_,
                   location=comp.occurrences[0], chosen=chosen, waived_by=waived_by,
                   pack=rule.split("/")[0])


def sample_report(lang: str = "en", *, failed: bool = True) -> CheckReport:
    """A deterministic report with every kind of entry the human formats show."""
    comps = [
        _component("requests", "2.32.3", "Apache-2.0", line=1),
        _component("readline-gpl", "8.2", "GPL-3.0-only", line=2),
        _component("pyqt5", "5.15.10", "GPL-3.0-only OR LicenseRef-Riverbank-Commercial", line=3),
        _component("agpl-server", None, "AGPL-3.0-or-later", line=4),
        _component("unknownpkg", "1.0", None, line=5),
        _component("lgpl-lib", "1.0", "LGPL-2.1-only", direct=False, line=40, path="uv.lock"),
        _component("torch", "2.3.0", "BSD-3-Clause", scope=Scope.OPTIONAL, line=7),
        _component("old-gpl", "0.9", "GPL-2.0-only", line=8),
        _component("pytest", "8.2.0", "MIT", scope=Scope.EXCLUDED, line=2,
                   path="requirements-dev.txt"),
    ]
    by = {c.name: c for c in comps}
    gpl = _finding(
        by["readline-gpl"], "default/compatibility", Severity.ERROR,
        "'GPL-3.0-only' (distributed use, project license Apache-2.0): GPL-3.0-only is copyleft "
        "reaching the whole work: distributed use would require the whole project to be under "
        "GPL-3.0-only, but the project's license is Apache-2.0.",
        "Replace it with a component under a license compatible with Apache-2.0, or relicense "
        "the project under GPL-3.0-only.",
        zh=("'GPL-3.0-only'（distributed 用途，项目许可证 Apache-2.0）：GPL-3.0-only 是覆盖整个作品的"
            "著佐权许可证：distributed 用途要求整个项目以 GPL-3.0-only 授权，但项目许可证是 Apache-2.0。",
            "改用许可证与 Apache-2.0 兼容的组件，或将项目改以 GPL-3.0-only 授权。"))
    pyqt = _finding(
        by["pyqt5"], "default/unknown-license", Severity.WARNING,
        "LicenseRef-Riverbank-Commercial in 'GPL-3.0-only OR LicenseRef-Riverbank-Commercial' "
        "(alternative chosen: LicenseRef-Riverbank-Commercial, distributed use, project license "
        "Apache-2.0): The license could not be identified.",
        "Read the package's license, then record it as a curation in .compliance.yaml.",
        chosen="LicenseRef-Riverbank-Commercial")
    nolicense = _finding(
        by["unknownpkg"], "default/no-license", Severity.WARNING,
        "no license information found (distributed use, project license Apache-2.0): No license "
        "is known for the component.",
        "Scan the installed environment too (--python .venv) so that each package's metadata "
        "is read.")
    lgpl = _finding(
        by["lgpl-lib"], "default/weak-copyleft", Severity.INFO,
        "'LGPL-2.1-only' (distributed use, project license Apache-2.0): weak copyleft applies to "
        "the library itself. Obligations: keep it replaceable; ship its source on request.",
        "Nothing to change; meet the obligations when distributing.", with_waiver=False)
    waived = _finding(
        by["agpl-server"], "default/compatibility", Severity.ERROR,
        "'AGPL-3.0-or-later' (distributed use, project license Apache-2.0): AGPL-3.0-or-later is "
        "copyleft reaching the whole work.",
        "Replace it with a component under a license compatible with Apache-2.0.",
        waived_by="legal-approved: only used by an internal test harness", with_waiver=False)
    known = _finding(
        by["old-gpl"], "default/compatibility", Severity.ERROR,
        "'GPL-2.0-only' (distributed use, project license Apache-2.0): GPL-2.0-only is copyleft "
        "reaching the whole work.",
        "Replace it with a component under a license compatible with Apache-2.0.",
        with_waiver=False)
    result = EvaluationResult(
        findings=[gpl, pyqt, nolicense, lgpl],
        waived=[waived],
        summary={"error": 1, "warning": 2, "info": 1, "waived": 1},
        project_license="Apache-2.0",
        project_license_source="pyproject.toml",
        use="distributed",
        packs=["default"],
        curations=[AppliedCuration("pkg:pypi/torch@2.3.0", "torch", "2.3.0",
                                   "LicenseRef-unknown-bsd-style", "BSD-3-Clause",
                                   "LICENSE file read by legal", ".compliance.yaml:12")],
    )
    inventory = Inventory(root_name="svc",
                          project=ProjectInfo("svc", "1.0", "Apache-2.0",
                                              location=Location("pyproject.toml", 4)),
                          components={c.ref: c for c in comps})
    return CheckReport(
        result=result, inventory=inventory, source="svc", fail_on="error", failed=failed,
        diagnostics=[Diagnostic("requirements-dev.txt", "unknown option --frobnicate", line=3,
                                severity="warning")],
        notes=["policy file .compliance.yaml: 1 curation, 1 waiver"],
        known=[known], lang=lang)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("lang", LANGS)
def test_golden(lang: str) -> None:
    assert_golden(f"report.{lang}.txt", text.render(sample_report(lang), color=False, table=False))


def test_plain_when_not_a_terminal() -> None:
    # pytest captures stdout: not a TTY, so the default is the plain report
    out = render(sample_report(), ReportFormat.TEXT)
    assert "\x1b[" not in out
    assert out == text.render(sample_report(), color=False, table=False)


def test_sections_and_fields() -> None:
    out = text.render(sample_report(), color=False, table=False)
    lines = out.splitlines()
    assert lines[0] == "compliance check: svc (svc)"
    assert "  project license: Apache-2.0 (pyproject.toml)" in lines
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert headings[1:] == ["Errors (1)", "Warnings (2)", "Info (1)",
                            "Known, in the baseline (1)", "Waived (1)", "Input problems (1)",
                            "FAIL: 1 error, 2 warnings, 1 info, 1 waived, 1 known; 9 components; "
                            "fails on error"]
    error = out[out.index("Errors (1)"):out.index("Warnings (2)")]
    assert "default/compatibility  readline-gpl 8.2  [GPL-3.0-only]" in error
    assert "    where   requirements.txt:2" in error
    assert "    why     'GPL-3.0-only' (distributed use" in error
    assert "    fix     Replace it with" in error
    # the waiver snippet is kept verbatim, not re-wrapped
    assert '            - purl: "pkg:pypi/readline-gpl@8.2"' in error
    assert "[no license]" in out  # unknownpkg
    assert "    chosen  LicenseRef-Riverbank-Commercial" in out
    known = out[out.index("Known, in the baseline"):out.index("Waived (1)")]
    assert "error  default/compatibility  old-gpl 0.9  [GPL-2.0-only]  requirements.txt:8" in known
    waived = out[out.index("Waived (1)"):out.index("Input problems")]
    assert "    waived  legal-approved: only used by an internal test harness" in waived
    assert "requirements-dev.txt:3: warning: unknown option --frobnicate" in out
    assert "curated: torch 2.3.0: LicenseRef-unknown-bsd-style -> BSD-3-Clause" in out


def test_chinese() -> None:
    out = text.render(sample_report("zh-CN"), color=False, table=False)
    assert out.startswith("合规检查：svc（svc）\n")
    for word in ("错误（1）", "警告（2）", "提示（1）", "已豁免（1）", "已知问题", "原因", "修复建议",
                 "位置", "项目许可证：Apache-2.0", "未通过：1 个错误，2 个警告"):
        assert word in out, word
    # rule ids, licenses and components are not translated
    assert "default/compatibility  readline-gpl 8.2  [GPL-3.0-only]" in out
    # the label column is aligned by display width (CJK characters take two columns)
    why = next(line for line in out.splitlines() if line.startswith("    原因"))
    where = next(line for line in out.splitlines() if line.startswith("    位置"))
    assert text.width(why[:why.index("'GPL")]) == text.width(where[:where.index("requirements")])


def test_summary_line_pass_and_plurals() -> None:
    report = sample_report(failed=False)
    report.fail_on = "never"
    assert text.summary_line(report).startswith("PASS: 1 error, 2 warnings")
    assert text.summary_line(report).endswith("; never fails")
    report.known = []
    assert "known" not in text.summary_line(report)
    assert text.summary_line(sample_report("zh-CN")).startswith("未通过：")


def test_force_color_adds_colour_and_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    out = render(sample_report(), ReportFormat.TEXT)
    assert "\x1b[1;31m" in out and "\x1b[0m" in out
    plain = _strip_ansi(out)
    assert "Severity  Rule" in plain
    table_row = next(line for line in plain.splitlines() if "readline-gpl 8.2" in line
                     and line.startswith("  error"))
    assert "GPL-3.0-only" in table_row and "requirements.txt:2" in table_row
    # the rest of the report is the same as the plain one
    plain_report = text.render(sample_report(), color=False, table=False)
    tail = plain_report[plain_report.index("\nErrors (1)"):]
    assert plain.endswith(tail)
    assert plain.startswith(plain_report[:plain_report.index("\nErrors (1)")])


def test_no_color_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    out = render(sample_report(), ReportFormat.TEXT)
    assert "\x1b[" not in out
    assert "Severity  Rule" in out  # still interactive: the table stays


def test_tty_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdout", Tty())
    assert text.interactive() and text.use_color()
    monkeypatch.setenv("TERM", "dumb")
    assert text.interactive() and not text.use_color()


def test_table_fits_a_narrow_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = text.render(sample_report("zh-CN"), color=False, table=True)
    table = out[out.index("\n\n") + 2:out.index("错误（1）")]
    rows = [line for line in table.splitlines() if line.strip()]
    assert len(rows) == 2 + 4
    assert rows and all(text.width(line) <= 60 for line in rows), rows
    assert any("…" in line for line in rows)


def test_control_characters_never_reach_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    report = sample_report()
    evil = dataclasses.replace(report.result.findings[0], component_name="x\x1b]0;owned\x07\x1b[2J",
                               message="a\rb\x9bc")
    report.result.findings = [evil]
    for color in (False, True):
        out = text.render(report, color=color, table=True)
        assert "\x07" not in out and "\r" not in out and "\x9b" not in out
        assert "\x1b]" not in out and "\x1b[2J" not in out
        assert "x\ufffd]0;owned\ufffd\ufffd[2J" in out
    assert "\x1b[1;31m" in text.render(report, color=True, table=False)


def test_split_fix() -> None:
    prose, snippet, syntax = text.split_fix("Do this.\nIf ok, record a waiver in x:\nwaivers:\n  - a: 1")
    assert (prose, snippet, syntax) == ("Do this.\nIf ok, record a waiver in x:", "waivers:\n  - a: 1",
                                        "yaml")
    toml = text.split_fix("Do it.\n[[tool.compliance.waivers]]\npurl = \"x\"")
    assert toml == ("Do it.", "[[tool.compliance.waivers]]\npurl = \"x\"", "toml")
    assert text.split_fix("Just do it.") == ("Just do it.", None, None)


def _strip_ansi(s: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", s)


def _repo(tmp_path: Path, requirements: str, license_: str = "Apache-2.0") -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        f'[project]\nname = "svc"\nversion = "1.0"\nlicense = "{license_}"\n')
    (repo / "requirements.txt").write_text(requirements)
    site = repo / ".venv" / "lib" / "python3.11" / "site-packages"
    (repo / ".venv").mkdir()
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    for name, version, header in (("requests", "2.32.3", "License-Expression: Apache-2.0"),
                                  ("readline-gpl", "8.2", "License: GPLv3")):
        d = site / f"{name}-{version}.dist-info"
        d.mkdir(parents=True)
        d.joinpath("METADATA").write_text(
            f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{header}\n")
    return repo


@pytest.mark.parametrize("lang", LANGS)
def test_cli_end_to_end(tmp_path: Path, run_cli: Callable[..., CliResult], lang: str) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    result = run_cli("check", repo, "--lang", lang)
    assert result.exit_code == 1
    assert "\x1b[" not in result.stdout
    if lang == "en":
        assert "Errors (1)" in result.stdout and "readline-gpl 8.2  [GPL-3.0-only]" in result.stdout
        assert "FAIL: 1 error" in result.stdout
    else:
        assert "错误（1）" in result.stdout and "未通过：1 个错误" in result.stdout


def test_chinese_wraps_between_characters_and_keeps_punctuation_attached() -> None:
    from compliance.report.text import _wrap, width

    para = ("'GPL-3.0-only'（distributed 用途，项目许可证 Apache-2.0）：GPL-3.0-only 是覆盖整个作品的"
            "著佐权许可证：distributed 用途要求整个项目以 GPL-3.0-only 授权，但项目许可证是 Apache-2.0。")
    lines = _wrap(para, 30)
    assert len(lines) > 1 and all(width(line) <= 30 for line in lines)
    assert not any(line[0] in "，。；：）" or line[-1] == "（" for line in lines)
    # nothing is lost but the spaces a line break replaced
    assert "".join(lines).replace(" ", "") == para.replace(" ", "")
    assert "GPL-3.0-only" in " ".join(lines)  # license ids are never split
