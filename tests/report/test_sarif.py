"""SARIF 2.1.0: the golden log, schema validity, what GitHub code scanning needs, fingerprints,
waivers and baselines, and ``compliance check --format sarif`` end to end."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from compliance.model import (
    Component,
    Diagnostic,
    Finding,
    Inventory,
    Location,
    ProjectInfo,
    Severity,
)
from compliance.policy.evaluate import EvaluationResult
from compliance.report import sarif
from compliance.report.base import CheckReport, ReportFormat, render
from tests.conftest import FIXTURES, CliResult, assert_golden

RunCli = Callable[..., CliResult]
SCHEMA_PATH = FIXTURES / "schemas" / "sarif-schema-2.1.0.json"

# ----------------------------------------------------------------------------- the report

GPL = Finding(
    rule="default/compatibility", severity=Severity.ERROR,
    message="'GPL-3.0-only' (distributed use, project license Apache-2.0): GPL-3.0-only is "
            "copyleft reaching the whole work.",
    fix="Replace it with a component under a license compatible with Apache-2.0.",
    component_ref="pkg:pypi/readline-gpl@8.2", component_name="readline-gpl",
    component_version="8.2", purl="pkg:pypi/readline-gpl@8.2", license="GPL-3.0-only",
    location=Location("requirements.txt", 2), pack="default")
UNKNOWN = Finding(
    rule="default/unknown-license", severity=Severity.WARNING,
    message="LicenseRef-Riverbank-Commercial: the license could not be identified.",
    fix="Record the license as a curation in .compliance.yaml.",
    component_ref="pkg:pypi/pyqt5@5.15.10", component_name="pyqt5",
    component_version="5.15.10", purl="pkg:pypi/pyqt5@5.15.10",
    license="GPL-3.0-only OR LicenseRef-Riverbank-Commercial",
    location=Location("requirements.txt", 3), chosen="LicenseRef-Riverbank-Commercial",
    pack="default")
LGPL = Finding(  # an obligation, with no location of its own: its component's occurrence counts
    rule="default/compatibility", severity=Severity.INFO,
    message="'LGPL-3.0-only' is allowed with obligations on the component.",
    fix="Ship its license text and let users replace it.",
    component_ref="pkg:pypi/lgpl-lib@1.0", component_name="lgpl-lib", component_version="1.0",
    purl="pkg:pypi/lgpl-lib@1.0", license="LGPL-3.0-only", location=None, pack="default")
EXPIRED = Finding(
    rule="config/expired-waiver", severity=Severity.WARNING,
    message="The waiver for old-lib expired on 2024-01-01: it no longer applies.",
    fix="Set a new 'expires' date on the waiver or remove it.",
    component_name="old-lib", license="GPL-2.0-only", location=Location(".compliance.yaml", 4),
    pack="config")
WAIVED = Finding(
    rule="default/compatibility", severity=Severity.ERROR,
    message="'AGPL-3.0-or-later' (distributed use, project license Apache-2.0): network "
            "copyleft.",
    fix="Replace it.", component_ref="pkg:pypi/agpl-server@1.0", component_name="agpl-server",
    component_version="1.0", purl="pkg:pypi/agpl-server@1.0", license="AGPL-3.0-or-later",
    location=Location("requirements.txt", 4),
    waived_by="not-distributed: only used by an internal build script", pack="default")
KNOWN = Finding(
    rule="default/no-license", severity=Severity.WARNING,
    message="No license is known for the component.",
    fix="Scan the installed environment too (--python .venv).",
    component_ref="pkg:pypi/mystery@0.1", component_name="mystery", component_version="0.1",
    purl="pkg:pypi/mystery@0.1", license=None, location=Location("requirements.txt", 5),
    pack="default")


def _component(name: str, version: str, *occurrences: Location) -> Component:
    purl = f"pkg:pypi/{name}@{version}"
    return Component(ref=purl, ecosystem="pypi", name=name, version=version, purl=purl,
                     occurrences=list(occurrences))


def inventory() -> Inventory:
    """Six components of a small service, each declared somewhere in its repository."""
    comps = [
        _component("requests", "2.32.3", Location("requirements.txt", 1)),
        _component("readline-gpl", "8.2", Location("requirements.txt", 2)),
        _component("pyqt5", "5.15.10", Location("requirements.txt", 3)),
        _component("agpl-server", "1.0", Location("requirements.txt", 4)),
        _component("mystery", "0.1", Location("requirements.txt", 5)),
        _component("lgpl-lib", "1.0", Location("uv.lock", 12), Location("uv.lock", 40)),
    ]
    return Inventory(root_name="svc",
                     project=ProjectInfo("svc", "1.0", "Apache-2.0",
                                         location=Location("pyproject.toml", 1)),
                     components={c.ref: c for c in comps})


def build_report(*, fail_on: str = "error", findings: list[Finding] | None = None,
                 waived: list[Finding] | None = None, known: list[Finding] | None = None,
                 diagnostics: list[Diagnostic] | None = None) -> CheckReport:
    """A report with an error, a warning, a note, an expired waiver, a waived finding and a
    finding known from the baseline (or what the arguments say instead)."""
    findings = [GPL, UNKNOWN, LGPL, EXPIRED] if findings is None else findings
    waived = [WAIVED] if waived is None else waived
    known = [KNOWN] if known is None else known
    summary = {s.value: sum(1 for f in findings if f.severity is s) for s in Severity}
    result = EvaluationResult(findings, waived, summary, "Apache-2.0", "pyproject.toml",
                              "distributed", ["default"])
    failed = result.failed(fail_on)
    return CheckReport(result, inventory(), "repo", fail_on, failed,
                       diagnostics if diagnostics is not None else [],
                       ["a note for the reader"], known)


# ----------------------------------------------------------------------------- validation


@functools.cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def schema_errors(doc: dict[str, Any]) -> list[str]:
    """Violations of the SARIF 2.1.0 schema (the draft it names; formats checked)."""
    schema = _schema()
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(doc)]


def assert_valid_sarif(text: str) -> dict[str, Any]:
    """Parse and validate a SARIF log; return it."""
    doc: dict[str, Any] = json.loads(text)
    errors = schema_errors(doc)
    assert not errors, "SARIF is not schema-valid:\n" + "\n".join(errors)
    return doc


def assert_github_shape(doc: dict[str, Any]) -> None:
    """What GitHub code scanning requires of an upload (docs: "SARIF support for code
    scanning"): one location with an artifact URI per result, rule texts, fingerprints."""
    assert doc["version"] == "2.1.0" and doc["$schema"]
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "compliance"
    rules = driver["rules"]
    for rule in rules:
        assert rule["id"]
        for key in ("shortDescription", "fullDescription", "help"):
            assert rule[key]["text"].strip(), (rule["id"], key)
        assert len(rule["shortDescription"]["text"]) <= 1024
        assert len(rule["fullDescription"]["text"]) <= 1024
        assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
        assert len(rule.get("name", "")) <= 255
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"].strip()
        assert result["level"] in ("note", "warning", "error")
        assert len(result["locations"]) == 1, "GitHub rejects results without a location"
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert uri and not uri.startswith("/") and "://" not in uri
        if "region" in physical:
            assert physical["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def _normalise(text: str) -> str:
    """Golden form: the tool version (and a home page, where the install names one) vary."""
    doc = json.loads(text)
    driver = doc["runs"][0]["tool"]["driver"]
    driver["version"] = "<version>"
    driver.pop("informationUri", None)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _results(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["runs"][0]["results"]  # type: ignore[no-any-return]


def _by_component(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["properties"].get("component", r["ruleId"]): r for r in _results(doc)}


# ----------------------------------------------------------------------------- tests


def test_golden_sarif_is_schema_valid_and_fit_for_github() -> None:
    text = render(build_report(), ReportFormat.SARIF)
    doc = assert_valid_sarif(text)
    assert_github_shape(doc)
    assert_golden("report.sarif.json", _normalise(text))


def test_rules_results_and_levels() -> None:
    doc = assert_valid_sarif(sarif.render(build_report()))
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    # one descriptor per rule that has a result, sorted, read from the shipped pack
    assert [r["id"] for r in rules] == ["config/expired-waiver", "default/compatibility",
                                        "default/no-license", "default/unknown-license"]
    compat = rules[1]
    assert compat["name"] == "LicenseCompatibility"
    assert compat["shortDescription"]["text"] == "License compatibility"
    assert "Fix: " in compat["help"]["text"]
    assert compat["defaultConfiguration"]["level"] == "error"
    assert compat["properties"]["tags"] == ["license", "supply-chain"]
    assert rules[0]["shortDescription"]["text"] == "Expired waiver"
    results = _by_component(doc)
    assert len(_results(doc)) == 6
    assert results["readline-gpl"]["level"] == "error"
    assert results["pyqt5"]["level"] == "warning"
    assert results["lgpl-lib"]["level"] == "note"
    gpl = results["readline-gpl"]
    assert gpl["message"]["text"] == f"{GPL.message} Fix: {GPL.fix}"
    assert gpl["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2}}
    assert gpl["properties"] == {
        "component": "readline-gpl", "version": "8.2", "purl": "pkg:pypi/readline-gpl@8.2",
        "bom-ref": "pkg:pypi/readline-gpl@8.2", "license": "GPL-3.0-only",
        "severity": "error", "status": "new"}
    assert results["pyqt5"]["properties"]["chosen"] == "LicenseRef-Riverbank-Commercial"


def test_waived_and_baseline_findings() -> None:
    doc = assert_valid_sarif(sarif.render(build_report()))
    results = _by_component(doc)
    waived = results["agpl-server"]
    assert waived["suppressions"] == [
        {"kind": "external",
         "justification": "not-distributed: only used by an internal build script"}]
    assert "baselineState" not in waived
    assert results["mystery"]["baselineState"] == "unchanged"
    assert results["mystery"]["properties"]["status"] == "known"
    for name in ("readline-gpl", "pyqt5", "lgpl-lib", "old-lib"):
        assert results[name]["baselineState"] == "new"
        assert "suppressions" not in results[name]
    # without a baseline nothing claims to have been compared with one
    plain = json.loads(sarif.render(build_report(known=[])))
    assert all("baselineState" not in r for r in _results(plain))


def test_every_result_has_a_location() -> None:
    orphan = Finding(rule="default/no-license", severity=Severity.WARNING,
                     message="No license.", fix="Find it.", component_name="ghost")
    report = build_report(findings=[LGPL, orphan], waived=[], known=[])
    doc = assert_valid_sarif(sarif.render(report))
    assert_github_shape(doc)
    results = _by_component(doc)
    # the component's first occurrence
    assert results["lgpl-lib"]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "uv.lock", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12}}
    # no component in the inventory: the project's manifest
    assert results["ghost"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "pyproject.toml"
    # no manifest either: the repository root, as a region-less location
    report.inventory.project = None
    doc = assert_valid_sarif(sarif.render(report))
    assert_github_shape(doc)
    assert _by_component(doc)["ghost"]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": ".", "uriBaseId": "%SRCROOT%"}}


def test_uris_are_percent_encoded_and_lines_optional() -> None:
    odd = replace(GPL, location=Location("services/my app/requirements 100%.txt", None))
    doc = assert_valid_sarif(sarif.render(build_report(findings=[odd], waived=[], known=[])))
    physical = _results(doc)[0]["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {
        "uri": "services/my%20app/requirements%20100%25.txt", "uriBaseId": "%SRCROOT%"}}
    # the schema check does check URI formats: a raw space is rejected
    broken = copy.deepcopy(doc)
    _results(broken)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = \
        "my app/x.txt"
    assert any("uri-reference" in e for e in schema_errors(broken))


def test_fingerprints_are_stable() -> None:
    first = _by_component(json.loads(sarif.render(build_report())))
    second = _by_component(json.loads(sarif.render(build_report())))
    for name, result in first.items():
        assert result["partialFingerprints"] == second[name]["partialFingerprints"]
    prints = [r["partialFingerprints"]["complianceFinding/v1"] for r in first.values()]
    assert len(set(prints)) == len(prints)
    base = sarif.fingerprint(GPL)
    # a new version or another line keeps the alert ...
    assert sarif.fingerprint(replace(GPL, component_version="8.3",
                                     purl="pkg:pypi/readline-gpl@8.3",
                                     location=Location("requirements.txt", 9))) == base
    # ... another license, rule or component is another alert
    assert sarif.fingerprint(replace(GPL, license="GPL-2.0-only")) != base
    assert sarif.fingerprint(replace(GPL, rule="asf/category-x")) != base
    assert sarif.fingerprint(replace(GPL, purl="pkg:pypi/readline@8.2")) != base
    # qualifiers that say where the package comes from are part of its identity
    assert sarif.fingerprint(replace(
        GPL, purl="pkg:pypi/readline-gpl@8.2?repository_url=https://mirror.example/simple")) \
        != base
    assert first["readline-gpl"]["partialFingerprints"]["primaryLocationLineHash"] == \
        f"{base[:16]}:1"


def test_output_is_deterministic_whatever_the_input_order() -> None:
    report = build_report()
    shuffled = build_report(findings=[EXPIRED, LGPL, UNKNOWN, GPL])
    assert sarif.render(report) == sarif.render(shuffled)


def test_diagnostics_and_notes_are_tool_notifications() -> None:
    report = build_report(diagnostics=[
        Diagnostic("poetry.lock", "cannot parse TOML", 7),
        Diagnostic("/opt/venv/lib/site-packages/x-1.dist-info/METADATA", "odd header",
                   severity="warning")])
    doc = assert_valid_sarif(sarif.render(report))
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes[1]["level"] == "error"
    assert notes[1]["message"]["text"] == "cannot parse TOML"
    assert notes[1]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "poetry.lock", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 7}}
    # a file outside the repository is named by an absolute file: URI
    assert notes[0]["level"] == "warning"
    assert notes[0]["locations"][0]["physicalLocation"] == {"artifactLocation": {
        "uri": "file:///opt/venv/lib/site-packages/x-1.dist-info/METADATA"}}
    assert notes[2] == {"level": "note", "message": {"text": "a note for the reader"}}


def test_clean_report_is_an_empty_run() -> None:
    doc = assert_valid_sarif(sarif.render(build_report(findings=[], waived=[], known=[])))
    assert_github_shape(doc)
    assert _results(doc) == []
    assert doc["runs"][0]["tool"]["driver"]["rules"] == []
    assert doc["runs"][0]["properties"]["failed"] is False


# ----------------------------------------------------------------------------- the CLI


def _dist(site: Path, name: str, version: str, headers: str) -> None:
    d = site / f"{name}-{version}.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{headers}\n")


def _repo(tmp_path: Path, requirements: str, license_: str = "Apache-2.0") -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        f'[project]\nname = "svc"\nversion = "1.0"\nlicense = "{license_}"\n')
    (repo / "requirements.txt").write_text(requirements)
    site = repo / ".venv" / "lib" / "python3.11" / "site-packages"
    (repo / ".venv").mkdir()
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    _dist(site, "requests", "2.32.3", "License-Expression: Apache-2.0")
    _dist(site, "readline-gpl", "8.2", "License: GPLv3")
    _dist(site, "pyqt5", "5.15.10", "License-Expression: GPL-3.0-only OR LicenseRef-Riverbank-Commercial")
    _dist(site, "agpl-server", "1.0", "License-Expression: AGPL-3.0-or-later")
    return repo


def test_cli_sarif_with_a_gpl_dependency(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    out = tmp_path / "out.sarif"
    result = run_cli("check", repo, "--format", "sarif", "-o", out)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.stdout == ""
    doc = assert_valid_sarif(out.read_text(encoding="utf-8"))
    assert_github_shape(doc)
    (gpl,) = [r for r in _results(doc) if r["level"] == "error"]
    assert gpl["ruleId"] == "default/compatibility"
    assert gpl["properties"]["purl"] == "pkg:pypi/readline-gpl@8.2"
    assert gpl["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2}}
    assert str(tmp_path) not in out.read_text(encoding="utf-8")  # no absolute paths
    # the same tree gives the same bytes
    again = tmp_path / "again.sarif"
    assert run_cli("check", repo, "--format", "sarif", "-o", again).exit_code == 1
    assert again.read_bytes() == out.read_bytes()


def test_cli_sarif_internal_use_passes(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    result = run_cli("check", repo, "--format", "sarif", "--use", "internal")
    assert result.exit_code == 0, result.stderr
    doc = assert_valid_sarif(result.stdout)
    assert not [r for r in _results(doc) if r["level"] == "error"]
