"""`compliance check` end to end: repository and SBOM inputs, exit codes, the JSON shape."""
# ruff: noqa: RUF001  (Chinese text has full-width punctuation on purpose)

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.report.base import ReportFormat, formatters
from tests.conftest import FIXTURES, CliResult

RunCli = Callable[..., CliResult]


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


def test_every_report_format_has_a_formatter() -> None:
    assert set(formatters()) == set(ReportFormat)


def test_clean_repository_passes(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\n")
    result = run_cli("check", repo)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "PASS: 0 errors" in result.stdout
    assert "project license: Apache-2.0" in result.stdout


def test_gpl_dependency_in_an_apache_project_fails(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    result = run_cli("check", repo, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert set(doc) >= {"findings", "summary"}
    (gpl,) = [f for f in doc["findings"] if f["severity"] == "error"]
    assert gpl["rule"] == "default/compatibility"
    assert gpl["component"] == {"name": "readline-gpl", "version": "8.2",
                                "purl": "pkg:pypi/readline-gpl@8.2", "bom-ref": "pkg:pypi/readline-gpl@8.2"}
    assert gpl["license"] == "GPL-3.0-only"
    assert gpl["location"] == {"path": "requirements.txt", "line": 2}
    assert "GPL-3.0-only" in gpl["message"] and "Apache-2.0" in gpl["message"] and "distributed" in gpl["message"]
    assert gpl["fix"]
    assert doc["summary"]["failed"] is True
    # internal use triggers no copyleft
    assert run_cli("check", repo, "--use", "internal").exit_code == 0
    # the gate can be lowered
    assert run_cli("check", repo, "--fail-on", "never").exit_code == 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_gpl_dependency_in_chinese_and_in_english(tmp_path: Path, run_cli: RunCli,
                                                  fmt: str) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    zh = run_cli("check", repo, "--lang", "zh-CN", "--format", fmt)
    assert zh.exit_code == 1, zh.stderr
    # the reason and the fix in Chinese (compared without the text report's line breaks);
    # license ids, component names and rule ids as they are
    squashed = "".join(zh.stdout.split())
    for text in ("GPL-3.0-only 是覆盖整个作品的著佐权许可证",
                 "distributed 用途要求整个项目以 GPL-3.0-only 授权，但项目许可证是 Apache-2.0",
                 "（distributed 用途，项目许可证 Apache-2.0）",
                 "改用许可证与 Apache-2.0 兼容的组件",
                 "如果此用途可以接受，请在 .compliance.yaml 中登记豁免"):
        assert "".join(text.split()) in squashed, text
    assert "default/compatibility" in zh.stdout and "readline-gpl" in zh.stdout
    assert "copyleftreachingthewholework" not in squashed
    assert "recordawaiver" not in squashed
    en = run_cli("check", repo, "--lang", "en", "--format", fmt)
    assert en.exit_code == 1
    assert "copyleftreachingthewholework" in "".join(en.stdout.split())
    assert "著佐权" not in en.stdout


def test_or_chooses_the_alternative_that_works(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "pyqt5==5.15.10\n", license_="GPL-3.0-only")
    doc = json.loads(run_cli("check", repo, "--format", "json").stdout)
    assert not [f for f in doc["findings"] if f["severity"] == "error"]
    repo2 = tmp_path / "p2"
    repo2.mkdir()
    apache = _repo(repo2, "pyqt5==5.15.10\n")
    doc = json.loads(run_cli("check", apache, "--format", "json", "--fail-on", "never").stdout)
    assert any(f["component"]["name"] == "pyqt5" for f in doc["findings"])


def test_agpl_bites_over_a_network(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "agpl-server==1.0\n", license_="MIT")
    assert run_cli("check", repo, "--use", "network").exit_code == 1
    assert run_cli("check", repo, "--use", "internal").exit_code == 0


def test_waiver_in_the_policy_file(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "readline-gpl==8.2\n")
    (repo / ".compliance.yaml").write_text(
        "waivers:\n"
        "  - name: readline-gpl\n"
        "    license: GPL-3.0-only\n"
        "    reason: not-distributed\n"
        "    comment: only used by an internal build script\n")
    result = run_cli("check", repo, "--format", "json")
    assert result.exit_code == 0, result.stdout
    doc = json.loads(result.stdout)
    assert [w["component"]["name"] for w in doc["waived"]] == ["readline-gpl"]
    assert "not-distributed" in doc["waived"][0]["waiver"]


def test_check_an_sbom_from_another_tool(tmp_path: Path, run_cli: RunCli) -> None:
    sboms = sorted((FIXTURES / "sboms").glob("*syft*.json"))
    assert sboms, "syft fixture missing"
    result = run_cli("check", sboms[0], "--project-license", "MIT", "--format", "json",
                     "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["project"]["license"] == "MIT" and doc["project"]["license_source"] == "--project-license"
    assert doc["summary"]["components"] > 0


def test_check_our_own_sbom(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "readline-gpl==8.2\n")
    sbom = tmp_path / "sbom.json"
    assert run_cli("scan", repo, "-o", sbom).exit_code == 0
    result = run_cli("check", sbom, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["project"]["license"] == "Apache-2.0"
    assert any(f["component"]["name"] == "readline-gpl" and f["severity"] == "error"
               for f in doc["findings"])


def test_no_project_license_is_proprietary(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "readline-gpl==8.2\n")
    (repo / "pyproject.toml").write_text('[project]\nname = "svc"\nversion = "1.0"\n')
    result = run_cli("check", repo)
    assert result.exit_code == 1
    assert "judged as proprietary" in result.stdout


@pytest.mark.parametrize("args", [
    ("--rules", "no-such-pack"),
    ("--project-license", "not a license ((("),
    ("--use", "sometimes"),
])
def test_usage_errors_exit_2(tmp_path: Path, run_cli: RunCli, args: tuple[str, ...]) -> None:
    repo = _repo(tmp_path, "requests==2.32.3\n")
    assert run_cli("check", repo, *args).exit_code == 2


def test_not_an_sbom_exits_2(tmp_path: Path, run_cli: RunCli) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    result = run_cli("check", junk)
    assert result.exit_code == 2 and "notes.txt" in result.stderr


def test_report_to_file_keeps_stdout_clean(tmp_path: Path, run_cli: RunCli) -> None:
    repo = _repo(tmp_path, "readline-gpl==8.2\n")
    out = tmp_path / "report.json"
    result = run_cli("check", repo, "--format", "json", "-o", out)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("compliance: FAIL: 1 error,")
    assert json.loads(out.read_text())["summary"]["failed"] is True
