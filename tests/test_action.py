"""The GitHub Action (action.yml) and the CI snippets of docs/ci.md.

GitHub cannot be run here, so the action is checked for structure (inputs, steps, the order and
conditions that make it install the tool, write SARIF, upload it and fail the job), and its
shell steps are run for real with bash the way the runner runs them (``bash -e -o pipefail``,
``GITHUB_OUTPUT``, inputs in the environment) against a small repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

CHECKOUT = Path(__file__).resolve().parents[1]
ACTION = CHECKOUT / "action.yml"
DOCS = CHECKOUT / "docs" / "ci.md"


def _action() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(ACTION.read_text())
    return doc


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _action()["runs"]["steps"]
    return steps


def _step(name_part: str) -> dict[str, Any]:
    (step,) = [s for s in _steps() if name_part in s.get("name", "")]
    return step


def test_metadata_and_inputs() -> None:
    action = _action()
    assert action["name"] and action["description"]
    inputs = action["inputs"]
    expected = {"path": ".", "rules": "", "use": "", "fail-on": "", "project-license": "",
                "args": "", "python-version": "3.11", "sarif-file": "compliance.sarif",
                "upload-sarif": "true"}
    assert set(inputs) == set(expected)
    for name, default in expected.items():
        assert inputs[name]["default"] == default, name
        assert inputs[name]["description"], name
        assert inputs[name]["required"] is False, name
    assert set(action["outputs"]) == {"exit-code", "sarif-file"}
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.check.outputs.exit-code }}"


def test_steps_in_order() -> None:
    assert _action()["runs"]["using"] == "composite"
    steps = _steps()
    kinds = [s.get("uses", "run").split("@")[0] for s in steps]
    assert kinds == ["actions/setup-python", "run", "run", "github/codeql-action/upload-sarif", "run"]
    setup = steps[0]
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash", step["name"]  # composite run steps need a shell
            # inputs reach scripts through env only: never interpolated into the script text
            assert "${{" not in step["run"], step["name"]


def test_installs_the_tool_from_the_actions_own_checkout() -> None:
    install = _step("Install")
    assert install["id"] == "install"
    assert 'pip install --disable-pip-version-check --quiet "$GITHUB_ACTION_PATH"' in install["run"]
    assert "python -m venv" in install["run"]
    assert 'echo "python=$py" >> "$GITHUB_OUTPUT"' in install["run"]


def test_check_writes_sarif_and_records_the_exit_code() -> None:
    check = _step("Check")
    assert check["id"] == "check"
    run = check["run"]
    assert '--format sarif -o "$INPUT_SARIF_FILE"' in run
    assert "|| code=$?" in run  # the step itself never fails: the last step decides
    assert 'echo "exit-code=$code" >> "$GITHUB_OUTPUT"' in run
    env = check["env"]
    for name in ("path", "rules", "use", "fail-on", "project-license", "args", "sarif-file"):
        key = "INPUT_" + name.upper().replace("-", "_")
        assert env[key] == f"${{{{ inputs.{name} }}}}", key
    assert env["COMPLIANCE_PY"] == "${{ steps.install.outputs.python }}"


def test_uploads_sarif_even_when_the_check_fails() -> None:
    upload = _step("Upload")
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    cond = upload["if"]
    assert "always()" in cond and "inputs.upload-sarif == 'true'" in cond
    assert "steps.check.outputs.sarif-file != ''" in cond
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"
    assert upload["with"]["category"] == "compliance"


def test_fails_the_job_on_exit_1_2_or_3() -> None:
    fail = _step("Fail")
    assert fail == _steps()[-1]
    assert fail["if"] == ("always() && steps.check.outputs.exit-code != '' "
                          "&& steps.check.outputs.exit-code != '0'")
    assert fail["env"]["CODE"] == "${{ steps.check.outputs.exit-code }}"
    for code in (1, 2, 3):
        result = _bash(fail["run"], {"CODE": str(code), "INPUT_SARIF_FILE": "x.sarif"}, CHECKOUT)
        assert result.returncode == code
        assert "::error title=compliance::" in result.stdout


# ----------------------------------------------------------------------------- running the check


def _bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A `shell: bash` step as the runner runs it."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    full = {**os.environ, **env}
    return subprocess.run([bash, "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script],
                          cwd=cwd, env=full, capture_output=True, text=True, timeout=120)


def _dist(site: Path, name: str, version: str, headers: str) -> None:
    d = site / f"{name}-{version}.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{headers}\n")


def _workspace(tmp_path: Path, requirements: str) -> Path:
    """A workspace with the project in services/api (a monorepo), its .venv installed."""
    ws = tmp_path / "workspace"
    repo = ws / "services" / "api"
    repo.mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "api"\nversion = "1.0"\nlicense = "Apache-2.0"\n')
    (repo / "requirements.txt").write_text(requirements)
    (repo / ".venv").mkdir()
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    site = repo / ".venv" / "lib" / "python3.11" / "site-packages"
    _dist(site, "requests", "2.32.3", "License-Expression: Apache-2.0")
    _dist(site, "readline-gpl", "8.2", "License: GPLv3")
    return ws


def _run_check(ws: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    out = ws.parent / "github_output"
    out.write_text("")
    env = {"GITHUB_OUTPUT": str(out), "COMPLIANCE_PY": sys.executable,
           "COMPLIANCE_CACHE_DIR": str(ws.parent / "cache")}
    for name in ("path", "rules", "use", "fail-on", "project-license", "args", "sarif-file"):
        env["INPUT_" + name.upper().replace("-", "_")] = inputs.get(
            name, str(_action()["inputs"][name]["default"]))
    result = _bash(_step("Check")["run"], env, ws)
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    return result, outputs


def test_check_step_on_a_violation(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    result, outputs = _run_check(ws, path="services/api", rules="default,\nno-strong-copyleft")
    assert result.returncode == 0, result.stderr  # the step succeeds; the last one fails the job
    assert outputs == {"exit-code": "1", "sarif-file": "compliance.sarif"}
    assert ("compliance check services/api --rules default --rules no-strong-copyleft "
            "--format sarif -o compliance.sarif") in result.stdout
    # the findings are in the log, in a group
    assert "::group::Findings" in result.stdout and "readline-gpl" in result.stdout
    sarif = json.loads((ws / "compliance.sarif").read_text())
    locations = [loc["physicalLocation"]["artifactLocation"]
                 for run in sarif["runs"] for res in run["results"] for loc in res["locations"]]
    assert locations
    # paths are relative to the repository (the workspace), where code scanning looks
    assert all(loc["uri"].startswith("services/api/") for loc in locations), locations
    assert {"uri": "services/api/requirements.txt", "uriBaseId": "%SRCROOT%"} in locations


def test_check_step_on_a_clean_repository(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "requests==2.32.3\n")
    (ws / "services" / "api" / "requirements.txt").rename(ws / "requirements.txt")
    shutil.move(str(ws / "services" / "api" / "pyproject.toml"), ws / "pyproject.toml")
    shutil.move(str(ws / "services" / "api" / ".venv"), ws / ".venv")
    result, outputs = _run_check(ws, use="network", args="--exclude services/")
    assert result.returncode == 0, result.stderr
    assert outputs == {"exit-code": "0", "sarif-file": "compliance.sarif"}
    assert "--use network --exclude services/" in result.stdout
    assert "::group::Findings" not in result.stdout
    json.loads((ws / "compliance.sarif").read_text())


def test_check_step_on_a_usage_error(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "requests==2.32.3\n")
    result, outputs = _run_check(ws, path="services/api", use="sometimes")
    assert result.returncode == 0, result.stderr
    assert outputs == {"exit-code": "2"}  # no SARIF was written: nothing to upload


# ----------------------------------------------------------------------------- docs/ci.md


def _yaml_blocks() -> list[Any]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), re.S)]


def test_docs_snippets_are_valid_yaml_and_use_the_action_as_defined() -> None:
    blocks = _yaml_blocks()
    workflows = [b for b in blocks if isinstance(b, dict) and "jobs" in b]
    assert len(workflows) == 3
    inputs = set(_action()["inputs"])
    used_action = False
    for wf in workflows:
        assert wf["permissions"]["security-events"] == "write"
        for job in wf["jobs"].values():
            steps = job["steps"]
            assert steps[0]["uses"].startswith("actions/checkout@")
            for step in steps:
                if step.get("uses", "").startswith("your-org/compliance@"):
                    used_action = True
                    assert set(step.get("with", {})) <= inputs, step["with"]
                if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"):
                    assert "always()" in step["if"]
    assert used_action


def test_docs_gitlab_job() -> None:
    jobs = [b for b in _yaml_blocks() if isinstance(b, dict) and "license-compliance" in b]
    (doc,) = jobs
    job = doc["license-compliance"]
    assert job["image"] == "python:3.11"
    script = job["script"]
    assert script[0].startswith("python -m pip install")
    assert any("--format junit -o compliance-junit.xml" in line and "|| rc=$?" in line for line in script)
    assert script[-1] == "exit $rc"
    assert job["artifacts"]["reports"]["junit"] == "compliance-junit.xml"
    assert job["artifacts"]["when"] == "always"
    assert {"compliance.sarif", "compliance-report.html"} <= set(job["artifacts"]["paths"])


def test_docs_gitlab_script_runs(tmp_path: Path) -> None:
    """The job's check lines, run in one shell as GitLab runs them: exit 1 on a violation, every
    report written; the install line and --online are left out (no network here)."""
    ws = _workspace(tmp_path, "requests==2.32.3\nreadline-gpl==8.2\n")
    project = ws / "services" / "api"
    job = next(b for b in _yaml_blocks() if isinstance(b, dict) and "license-compliance" in b)
    lines = [line.replace(" --online", "") for line in job["license-compliance"]["script"][1:]]
    script = "compliance() { \"$COMPLIANCE_PY\" -m compliance \"$@\"; }\n" + "\n".join(lines)
    result = _bash(script, {"COMPLIANCE_PY": sys.executable,
                            "COMPLIANCE_CACHE_DIR": str(tmp_path / "cache")}, project)
    assert result.returncode == 1, result.stdout + result.stderr
    for name in ("compliance-junit.xml", "compliance.sarif", "compliance-report.html"):
        assert (project / name).stat().st_size > 0, name
