"""JUnit XML: the golden file, the structure GitLab and Jenkins read, counts, the --fail-on
gate, waived and baseline findings, and ``compliance check --format junit`` end to end."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from compliance.model import Finding, Severity
from compliance.report import junit
from compliance.report.base import ReportFormat, render
from tests.conftest import CliResult, assert_golden
from tests.report.test_sarif import (
    EXPIRED,
    GPL,
    KNOWN,
    LGPL,
    UNKNOWN,
    WAIVED,
    _repo,
    build_report,
)

RunCli = Callable[..., CliResult]

_SUITE_ATTRS = {"name", "tests", "failures", "errors", "skipped", "time"}
_CASE_ATTRS = {"classname", "name", "time"}


def _parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def assert_junit_structure(root: ET.Element) -> None:
    """The common JUnit shape: testsuites > testsuite > testcase > failure|skipped, counts that
    add up, no timestamps."""
    assert root.tag == "testsuites"
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    names: set[tuple[str, str]] = set()
    for suite in root:
        assert suite.tag == "testsuite"
        assert set(suite.attrib) == _SUITE_ATTRS
        cases = suite.findall("testcase")
        failures = [c for c in cases if c.find("failure") is not None]
        skipped = [c for c in cases if c.find("skipped") is not None]
        assert int(suite.get("tests", "")) == len(cases)
        assert int(suite.get("failures", "")) == len(failures)
        assert int(suite.get("skipped", "")) == len(skipped)
        assert suite.get("errors") == "0"
        for key in totals:
            totals[key] += int(suite.get(key, ""))
        assert {child.tag for child in suite} <= {"properties", "testcase", "system-out"}
        for case in cases:
            assert set(case.attrib) == _CASE_ATTRS
            assert case.get("classname", "").startswith(f"{suite.get('name')}.")
            ident = (case.get("classname", ""), case.get("name", ""))
            assert ident not in names, f"duplicate test case {ident}"
            names.add(ident)
            assert len(case) <= 1
            for outcome in case:
                assert outcome.tag in ("failure", "skipped")
                assert outcome.get("message")
                if outcome.tag == "failure":
                    assert outcome.get("type") in ("error", "warning")
    for key, value in totals.items():
        assert int(root.get(key, "")) == value
    assert root.get("errors") == "0"
    for element in root.iter():
        assert "timestamp" not in element.attrib and "hostname" not in element.attrib


def _cases(root: ET.Element) -> dict[tuple[str, str], ET.Element]:
    return {(c.get("classname", ""), c.get("name", "")): c for c in root.iter("testcase")}


def _outcome(case: ET.Element) -> str:
    return case[0].tag if len(case) else "passed"


def test_golden_junit() -> None:
    text = render(build_report(), ReportFormat.JUNIT)
    assert_junit_structure(_parse(text))
    assert_golden("report.junit.xml", text)


def test_outcomes_follow_the_gate() -> None:
    root = _parse(junit.render(build_report()))
    cases = _cases(root)
    gpl = cases[("compliance.default.compatibility", "readline-gpl 8.2")]
    assert _outcome(gpl) == "failure"
    assert gpl[0].get("type") == "error"
    assert gpl[0].get("message", "").startswith("default/compatibility: 'GPL-3.0-only'")
    assert "fix: Replace it" in (gpl[0].text or "")
    # a warning below --fail-on error is visible but not red
    pyqt = cases[("compliance.default.unknown-license", "pyqt5 5.15.10")]
    assert _outcome(pyqt) == "skipped"
    assert "warning below --fail-on error" in pyqt[0].get("message", "")
    waived = cases[("compliance.default.compatibility", "agpl-server 1.0")]
    assert _outcome(waived) == "skipped"
    assert waived[0].get("message") == (
        "waived: not-distributed: only used by an internal build script "
        "(default/compatibility)")
    known = cases[("compliance.default.no-license", "mystery 0.1")]
    assert _outcome(known) == "skipped"
    assert "known: in the baseline" in known[0].get("message", "")
    # rules with no failure pass; the shipped rule nothing objected to is a green test
    assert _outcome(cases[("compliance.default.deprecated-id", "all components")]) == "passed"
    assert _outcome(cases[("compliance.default.unknown-license",
                           "all other components")]) == "passed"
    assert ("compliance.default.compatibility", "all components") not in cases
    # the info finding is no test case, but it is listed
    assert not any(name.startswith("lgpl-lib") for _, name in cases)
    suite = root.find("testsuite[@name='compliance.default']")
    assert suite is not None
    assert "lgpl-lib 1.0 [LGPL-3.0-only]" in (suite.findtext("system-out") or "")
    # the expired waiver is in its own suite
    config = root.find("testsuite[@name='compliance.config']")
    assert config is not None
    (expired,) = config.findall("testcase")
    assert expired.get("name") == "old-lib"
    assert _outcome(expired) == "skipped"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("8", "1", "4")


def test_fail_on_warning_and_never() -> None:
    root = _parse(junit.render(build_report(fail_on="warning")))
    assert_junit_structure(root)
    cases = _cases(root)
    pyqt = cases[("compliance.default.unknown-license", "pyqt5 5.15.10")]
    assert _outcome(pyqt) == "failure" and pyqt[0].get("type") == "warning"
    assert root.get("failures") == "3"  # the GPL error, the pyqt5 warning, the expired waiver
    # waived and known findings never fail
    assert _outcome(cases[("compliance.default.no-license", "mystery 0.1")]) == "skipped"
    never = _parse(junit.render(build_report(fail_on="never")))
    assert_junit_structure(never)
    assert never.get("failures") == "0"
    gpl = _cases(never)[("compliance.default.compatibility", "readline-gpl 8.2")]
    assert "not gating (--fail-on never)" in gpl[0].get("message", "")


def test_clean_run_is_all_green() -> None:
    root = _parse(junit.render(build_report(findings=[], waived=[], known=[])))
    assert_junit_structure(root)
    assert root.get("failures") == "0" and root.get("skipped") == "0"
    cases = _cases(root)
    # one passing test per rule of the default pack that can fire for distributed use
    assert sorted(classname for classname, _ in cases) == [
        "compliance.default.compatibility", "compliance.default.deprecated-id",
        "compliance.default.no-license", "compliance.default.unknown-license"]
    assert all(_outcome(c) == "passed" for c in cases.values())
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["verdict"] == "pass" and props["project-license"] == "Apache-2.0"


def test_names_stay_unique_and_text_stays_xml() -> None:
    twin = replace(GPL, location=GPL.location and replace(GPL.location, line=9),
                   message="second \x00declaration\x1b of the same package")
    root = _parse(junit.render(build_report(findings=[GPL, twin], waived=[], known=[])))
    assert_junit_structure(root)
    names = sorted(n for c, n in _cases(root) if c == "compliance.default.compatibility")
    assert names == ["readline-gpl 8.2", "readline-gpl 8.2 #2"]
    assert "second declaration of the same package" in junit.render(
        build_report(findings=[twin], waived=[], known=[]))


def test_output_is_deterministic_whatever_the_input_order() -> None:
    assert junit.render(build_report()) == junit.render(
        build_report(findings=[EXPIRED, LGPL, UNKNOWN, GPL]))


def test_counts_match_the_report() -> None:
    findings: list[Finding] = [GPL, UNKNOWN, LGPL]
    report = build_report(findings=findings, waived=[WAIVED], known=[KNOWN])
    root = _parse(junit.render(report))
    gating = [f for f in report.findings if f.severity is Severity.ERROR]
    assert int(root.get("failures", "")) == len(gating)


def test_cli_junit(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    out = tmp_path / "report.xml"
    result = run_cli("check", repo, "--format", "junit", "-o", out)
    assert result.exit_code == 1, result.stdout + result.stderr
    root = _parse(out.read_text(encoding="utf-8"))
    assert_junit_structure(root)
    assert root.get("failures") == "1"
    (failed,) = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert (failed.get("classname"), failed.get("name")) == (
        "compliance.default.compatibility", "readline-gpl 8.2")
    assert run_cli("check", repo, "--format", "junit", "--use", "internal").exit_code == 0
