"""`compliance check --baseline`: only what a change brings in fails the gate; the rest is known."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compliance.errors import InputError
from compliance.model import Finding, Location, Severity
from compliance.report.base import CheckReport
from compliance.report.baseline import Baseline, finding_key, load_baseline, split_known
from tests.conftest import FIXTURES, CliResult

RunCli = Callable[..., CliResult]


def _dist(site: Path, name: str, version: str, headers: str) -> None:
    d = site / f"{name}-{version}.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{headers}\n")


def _repo(tmp_path: Path, requirements: str, license_: str = "Apache-2.0",
          dists: tuple[tuple[str, str, str], ...] = ()) -> Path:
    """tests/test_cli_check.py::_repo, with more installed distributions to choose from."""
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
    _dist(site, "gnu-tool", "2.1", "License-Expression: GPL-3.0-or-later")
    for name, version, headers in dists:
        _dist(site, name, version, headers)
    return repo


def _edit(repo: Path, requirements: str) -> None:
    (repo / "requirements.txt").write_text(requirements)


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> list[CheckReport]:
    """Every CheckReport `compliance check` renders, whatever the format."""
    import compliance.cli.check as check_module
    from compliance.report.base import render as real

    seen: list[CheckReport] = []

    def spy(report: CheckReport, fmt: Any) -> str:
        seen.append(report)
        return real(report, fmt)

    monkeypatch.setattr(check_module, "render", spy)
    return seen


def _names(findings: list[Finding]) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule, f.component_name, f.license) for f in findings]


def _check(run_cli: RunCli, repo: Path, *args: object) -> CliResult:
    """`compliance check` with the JSON report (the text report has tests of its own)."""
    return run_cli("check", repo, "--format", "json", "-q", *args)


def _report(run_cli: RunCli, repo: Path, dest: Path) -> Path:
    result = run_cli("check", repo, "--format", "json", "-o", dest, "-q")
    assert result.exit_code in (0, 1), result.stderr
    return dest


# ----------------------------------------------------------------------------- end to end


def test_report_baseline_only_the_new_finding_fails(tmp_path: Path, run_cli: RunCli,
                                                     reports: list[CheckReport]) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    baseline = _report(run_cli, repo, tmp_path / "base.json")
    assert json.loads(baseline.read_text())["findings"], "the baseline must hold the GPL finding"

    # nothing changed: the gate passes, and the finding is listed as known
    assert _check(run_cli, repo, "--baseline", baseline).exit_code == 0
    assert _names(reports[-1].known) == [
        ("default/compatibility", "readline-gpl", "GPL-3.0-only")]
    assert reports[-1].findings == [] and not reports[-1].failed

    # a GPL dependency is added: only it fails
    _edit(repo, "requests==2.32.3\nreadline-gpl==8.2\ngnu-tool==2.1\n")
    result = _check(run_cli, repo, "--baseline", baseline)
    assert result.exit_code == 1, result.stderr
    report = reports[-1]
    assert _names(report.findings) == [
        ("default/compatibility", "gnu-tool", "GPL-3.0-or-later")]
    assert _names(report.known) == [("default/compatibility", "readline-gpl", "GPL-3.0-only")]
    assert [f["component"]["name"] for f in json.loads(result.stdout)["findings"]] == ["gnu-tool"]

    # without the baseline both fail
    assert _check(run_cli, repo).exit_code == 1
    assert len([f for f in reports[-1].findings if f.severity is Severity.ERROR]) == 2


def test_sbom_baseline_only_the_new_finding_fails(tmp_path: Path, run_cli: RunCli,
                                                  reports: list[CheckReport]) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    sbom_json, sbom_xml = tmp_path / "base.cdx.json", tmp_path / "base.cdx.xml"
    assert run_cli("scan", repo, "-o", sbom_json, "-q").exit_code == 0
    assert run_cli("scan", repo, "-o", sbom_xml, "--format", "cyclonedx-xml", "-q").exit_code == 0
    _edit(repo, "requests==2.32.3\nreadline-gpl==8.2\ngnu-tool==2.1\n")
    for sbom in (sbom_json, sbom_xml):
        result = _check(run_cli, repo, "--baseline", sbom)
        assert result.exit_code == 1, result.stderr
        assert _names(reports[-1].findings) == [
            ("default/compatibility", "gnu-tool", "GPL-3.0-or-later")]
        assert _names(reports[-1].known) == [
            ("default/compatibility", "readline-gpl", "GPL-3.0-only")]


def test_a_version_bump_keeps_a_known_finding_known(tmp_path: Path, run_cli: RunCli,
                                                    reports: list[CheckReport]) -> None:
    repo = _repo(tmp_path, "readline-gpl==8.2\n",
                 dists=(("readline-gpl", "8.3", "License: GPLv3"),
                        ("readline-gpl", "9.0", "License-Expression: AGPL-3.0-only")))
    baseline = _report(run_cli, repo, tmp_path / "base.json")
    sbom = tmp_path / "base.cdx.json"
    assert run_cli("scan", repo, "-o", sbom, "-q").exit_code == 0

    _edit(repo, "readline-gpl==8.3\n")
    for base in (baseline, sbom):
        assert _check(run_cli, repo, "--baseline", base).exit_code == 0
        (known,) = reports[-1].known
        assert (known.component_version, known.license) == ("8.3", "GPL-3.0-only")

    # ... but a new license is a new finding
    _edit(repo, "readline-gpl==9.0\n")
    for base in (baseline, sbom):
        assert _check(run_cli, repo, "--baseline", base).exit_code == 1
        assert reports[-1].known == []
        assert {f.license for f in reports[-1].findings} == {"AGPL-3.0-only"}


def test_waived_findings_of_the_baseline_are_known(tmp_path: Path, run_cli: RunCli,
                                                   reports: list[CheckReport]) -> None:
    repo = _repo(tmp_path, "readline-gpl==8.2\n")
    policy = repo / ".compliance.yaml"
    policy.write_text("waivers:\n  - name: readline-gpl\n    license: GPL-3.0-only\n"
                      "    reason: not-distributed\n    comment: build script only\n")
    baseline = _report(run_cli, repo, tmp_path / "base.json")
    assert json.loads(baseline.read_text())["waived"]
    policy.unlink()
    assert _check(run_cli, repo).exit_code == 1
    assert _check(run_cli, repo, "--baseline", baseline).exit_code == 0
    assert _names(reports[-1].known) == [("default/compatibility", "readline-gpl", "GPL-3.0-only")]


def test_a_malformed_baseline_is_an_input_error(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "readline-gpl==8.2\n")
    bad = tmp_path / "bad-baseline.json"
    bad.write_text('{"findings": [{"component": {}}]}')
    result = run_cli("check", repo, "--baseline", bad)
    assert result.exit_code == 2
    assert "bad-baseline.json" in result.stderr and "rule" in result.stderr
    truncated = FIXTURES / "sboms" / "truncated.cdx.json"
    result = run_cli("check", repo, "--baseline", truncated)
    assert result.exit_code == 2 and "truncated.cdx.json" in result.stderr


# ----------------------------------------------------------------------------- load_baseline


def _write(tmp_path: Path, name: str, content: str | dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _entry(rule: str, name: str | None, purl: str | None, license_: str | None) -> dict[str, Any]:
    return {"rule": rule, "severity": "error",
            "component": {"name": name, "version": None, "purl": purl, "bom-ref": purl},
            "license": license_, "message": "m", "fix": "f"}


def _finding(rule: str = "default/compatibility", name: str | None = "readline-gpl",
             version: str | None = "8.2", license_: str | None = "GPL-3.0-only",
             purl: str | None = "", ref: str | None = "") -> Finding:
    if purl == "":
        purl = f"pkg:pypi/{name}@{version}" if name else None
    if ref == "":
        ref = purl
    return Finding(rule, Severity.ERROR, "m", "f", component_ref=ref, component_name=name,
                   component_version=version, purl=purl, license=license_)


@pytest.mark.parametrize(("content", "problem"), [
    ("", "empty"),
    ("   \n", "empty"),
    ("findings: []\n", "not a baseline"),
    ('{"findings": [', "does not parse"),
    ("[1, 2]", "not a baseline"),
    ({"summary": {}}, '"findings" list'),
    ({"runs": [], "version": "2.1.0"}, "SARIF"),
    ({"findings": {}}, "not a baseline"),
    ({"findings": [], "waived": "x"}, '"waived" is not a list'),
    ({"findings": ["x"]}, "findings[0] is not a finding object"),
    ({"findings": [{"rule": ""}]}, 'findings[0] has no "rule"'),
    ({"findings": [{"rule": "r", "component": "numpy"}]}, '"component" is not an object'),
    ({"findings": [{"rule": "r", "license": 3}]}, '"license" is not a string'),
    ({"findings": [], "known": [{"rule": "r", "component": {"purl": 1}}]},
     'known[0]: "component.purl" is not a string'),
])
def test_malformed_baselines_name_the_file(tmp_path: Path, content: str | dict[str, Any],
                                           problem: str) -> None:
    path = _write(tmp_path, "baseline.json", content)
    with pytest.raises(InputError) as err:
        load_baseline(path)
    assert str(err.value).startswith(str(path)) and problem in str(err.value)


def test_sboms_that_cannot_be_read_name_the_file(tmp_path: Path) -> None:
    for name in ("truncated.cdx.json", "not-an-sbom.json", "billion-laughs.cdx.xml"):
        with pytest.raises(InputError) as err:
            load_baseline(FIXTURES / "sboms" / name)
        assert name in str(err.value)
    with pytest.raises(InputError, match="folder"):
        load_baseline(tmp_path)


def test_report_baseline_reads_findings_waived_and_known(tmp_path: Path) -> None:
    path = _write(tmp_path, "report.json", {
        "version": 1,
        "findings": [_entry("default/compatibility", "readline-gpl",
                            "pkg:pypi/readline-gpl@8.2", "GPL-3.0-only")],
        "waived": [_entry("default/compatibility", "pyqt5", "pkg:pypi/pyqt5@5.15.10",
                          "GPL-3.0-only")],
        "known": [_entry("default/compatibility", "gnu-tool", "pkg:pypi/gnu-tool@2.1",
                         "GPL-3.0-or-later")],
        "summary": {},
    })
    baseline = load_baseline(path)
    assert baseline.kind == "report" and baseline.source == str(path)
    assert len(baseline.findings) == 3
    old = [_finding(name=n, version="1", license_=lic) for n, lic in (
        ("readline-gpl", "GPL-3.0-only"), ("pyqt5", "GPL-3.0-only"),
        ("gnu-tool", "GPL-3.0-or-later"))]
    brand_new = _finding(name="other-gpl")
    other_rule = _finding(rule="ai-models/llama", name="readline-gpl")
    new, known = split_known([brand_new, *old, other_rule], baseline)
    assert new == [brand_new, other_rule] and known == old


def test_identity_ignores_version_qualifiers_spelling_and_term_order() -> None:
    key = finding_key("default/compatibility", "pkg:pypi/Foo_Bar@1.0", "Foo_Bar",
                      "MIT OR GPL-2.0-only")
    assert key == ("default/compatibility", "pypi", "foo-bar", "gpl-2.0-only or mit")
    assert finding_key("default/compatibility",
                       "pkg:pypi/foo.bar@2.0?repository_url=https://mirror.example/simple",
                       "foo.bar", "gpl-2.0-only OR  MIT") == key
    assert finding_key("default/compatibility", None, "FOO-BAR", "MIT") == (
        "default/compatibility", "generic", "foo-bar", "mit")
    # what does change the identity: rule, ecosystem, name, license
    assert finding_key("default/compatibility", "pkg:npm/foo-bar@1.0", None,
                       "MIT OR GPL-2.0-only")[1] == "npm"
    assert finding_key("x/y", "pkg:pypi/foo-bar@1.0", None, "MIT OR GPL-2.0-only") != key
    assert finding_key("default/compatibility", "pkg:pypi/foo-bar@1.0", None, "MIT") != key
    assert finding_key("r", "pkg:pypi/x@1", None, None)[3] == ""


def test_sbom_baseline_knows_component_license_pairs_whatever_the_rule() -> None:
    baseline = load_baseline(FIXTURES / "sboms" / "cyclonedx-py-1.6.cdx.json")
    assert baseline.kind == "sbom" and baseline.components and not baseline.findings
    comp = next(c for c in baseline.components if c[0] == "pypi" and c[2])
    finding = _finding(rule="any/rule", name=comp[1], version="0.0.1", license_=comp[2])
    assert baseline.knows(finding)
    assert not baseline.knows(_finding(rule="any/rule", name=comp[1], license_="SSPL-1.0"))
    assert not baseline.knows(_finding(name="not-in-the-sbom"))
    # a finding about no component (an expired waiver) is never known from an SBOM
    expired = Finding("config/expired-waiver", Severity.WARNING, "m", "f", component_name=comp[1],
                      purl=f"pkg:pypi/{comp[1]}", license=comp[2],
                      location=Location(".compliance.yaml", 3))
    assert not baseline.knows(expired)


def test_split_known_keeps_order_and_an_empty_baseline_knows_nothing() -> None:
    findings = [_finding(name=n) for n in ("c", "a", "b")]
    assert split_known(findings, Baseline("x", "report")) == (findings, [])
    assert split_known([], Baseline("x", "sbom")) == ([], [])
