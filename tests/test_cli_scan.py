"""`compliance scan` end to end on a fixture repository holding every Python format."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import (
    CliResult,
    assert_golden,
    assert_valid_cyclonedx_json,
    assert_valid_cyclonedx_xml,
    normalise_sbom,
)

RunCli = Callable[..., CliResult]


@pytest.fixture
def ai_stack(fixture_repo: Callable[[str], Path]) -> Path:
    repo = fixture_repo("repos/ai-stack")
    # ignored and environment folders are made here: git would not keep them in the fixture
    (repo / "generated").mkdir()
    (repo / "generated" / "requirements.txt").write_text("leaked-package==9.9.9\n")
    site = repo / ".venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    (site / "requirements.txt").write_text("venv-only-package==1.0\n")
    return repo


def _components(doc: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {f"{c['name']}@{c.get('version', '')}": c for c in doc["components"]}


def _props(component: dict, name: str) -> list[str]:  # type: ignore[type-arg]
    return [p["value"] for p in component.get("properties", []) if p["name"] == f"compliance:{name}"]


def test_scan_fixture_repo_golden(ai_stack: Path, run_cli: RunCli) -> None:
    result = run_cli("scan", ai_stack, "--output-reproducible")
    assert result.exit_code == 0, result.stderr
    doc = assert_valid_cyclonedx_json(result.stdout)
    assert_golden("ai-stack.cdx.json", normalise_sbom(result.stdout))
    comps = _components(doc)
    # every format contributed
    for key in ("fastapi@0.111.0", "torch@2.3.1", "numpy@1.26.4", "numpy@2.0.0", "accelerate@0.31.0",
                "evaluate@0.4.2", "ray@2.24.0", "tiktoken@0.7.0", "regex@", "safetensors@",
                "uvicorn@0.30.1", "pydantic@2.7.4", "redis@5.0.6", "sentencepiece@0.2.0"):
        assert key in comps, f"{key} missing from {sorted(comps)}"
    # ignored folders, virtual environments and constraint-only packages add nothing
    names = {c["name"] for c in doc["components"]}
    assert not names & {"leaked-package", "venv-only-package", "grpcio"}
    assert doc["metadata"]["component"]["name"] == "ai-stack"
    assert doc["metadata"]["component"]["version"] == "1.4.0"
    torch = comps["torch@2.3.1"]
    assert torch["scope"] == "required" and _props(torch, "direct") == ["true"]
    assert {(o["location"], o.get("line")) for o in torch["evidence"]["occurrences"]} >= {
        ("pyproject.toml", 9), ("uv.lock", 61)}
    assert comps["pytest@8.2.2"]["scope"] == "excluded"
    assert comps["prometheus-client@0.20.0"]["scope"] == "optional"
    flash = next(c for c in doc["components"] if c["name"] == "flash-attn")
    assert _props(flash, "vcs-commit") == ["1a58058a6da83bd7baaf4c512e8a1abe0240bb77"]
    deps = {d["ref"]: d["dependsOn"] for d in doc["dependencies"]}
    assert deps[torch["bom-ref"]] == [comps["numpy@1.26.4"]["bom-ref"]]


def test_bad_input_is_reported_and_the_scan_goes_on(ai_stack: Path, run_cli: RunCli) -> None:
    result = run_cli("scan", ai_stack, "--output-reproducible")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    diags = [p["value"] for p in doc["metadata"].get("properties", [])
             if p["name"] == "compliance:diagnostic"]
    def has(prefix: str, text: str) -> bool:
        return any(d.startswith(prefix) and text in d for d in diags)
    assert has("broken/pyproject.toml", ""), diags
    assert has("broken/poetry.lock", ""), diags
    assert has("broken/requirements.txt", "binary"), diags
    assert has("broken/requirements-", "cycle"), diags
    assert has("broken/requirements-b.txt:2", ""), diags
    for d in diags:
        assert f"compliance: {d}" in result.stderr
    assert "scipy" in {c["name"] for c in doc["components"]}  # the rest of a bad file survives


def test_links_and_huge_files(ai_stack: Path, tmp_path: Path, run_cli: RunCli) -> None:
    outside = tmp_path / "outside-requirements.txt"
    outside.write_text("secret-package==1.0\n")
    os.symlink(outside, ai_stack / "requirements-link.txt")
    os.symlink(ai_stack, ai_stack / "services" / "loop")
    with open(ai_stack / "requirements-huge.txt", "wb") as fh:
        fh.truncate(200 * 1024 * 1024)
    result = run_cli("scan", ai_stack, "-o", tmp_path / "out.json")
    assert result.exit_code == 0
    assert "requirements-link.txt: warning: symbolic link to a file outside the scanned tree" in result.stderr
    assert "services/loop: warning: symbolic link loop" in result.stderr
    assert "requirements-huge.txt: error: is 200.0 MiB, over the 64.0 MiB limit" in result.stderr
    doc = json.loads((tmp_path / "out.json").read_text())
    assert "secret-package" not in {c["name"] for c in doc["components"]}


def test_strict_exits_2_but_writes_the_sbom(ai_stack: Path, tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "sbom.json"
    result = run_cli("scan", ai_stack, "--strict", "-o", out)
    assert result.exit_code == 2
    assert out.exists() and "--strict" in result.stderr
    clean_repo = tmp_path / "clean"
    clean_repo.mkdir()
    (clean_repo / "requirements.txt").write_text("torch==2.3.1\n")
    clean = run_cli("scan", clean_repo, "--strict", "-o", out)
    assert clean.exit_code == 0, clean.stderr


def test_output_file_keeps_stdout_clean(ai_stack: Path, tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "nested" / "sbom.json"
    result = run_cli("scan", ai_stack, "-o", out, "--exclude", "broken")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "components" in result.stderr and str(out) in result.stderr
    assert_valid_cyclonedx_json(out.read_text())
    quiet = run_cli("scan", ai_stack, "-o", out, "-q", "--exclude", "broken")
    assert quiet.stderr == ""


def test_reproducible_bytes(ai_stack: Path, run_cli: RunCli) -> None:
    a = run_cli("scan", ai_stack, "--output-reproducible").stdout
    b = run_cli("scan", ai_stack, "--output-reproducible").stdout
    assert a == b
    c = run_cli("scan", ai_stack).stdout
    assert json.loads(c)["serialNumber"] != json.loads(run_cli("scan", ai_stack).stdout)["serialNumber"]


@pytest.mark.parametrize("spec", ["1.4", "1.5", "1.6", "1.7"])
def test_every_spec_version_and_format(ai_stack: Path, run_cli: RunCli, spec: str) -> None:
    j = run_cli("scan", ai_stack, "--spec-version", spec)
    assert j.exit_code == 0
    assert json.loads(j.stdout)["specVersion"] == spec
    assert_valid_cyclonedx_json(j.stdout)
    x = run_cli("scan", ai_stack, "--spec-version", spec, "--format", "cyclonedx-xml")
    assert x.exit_code == 0
    assert_valid_cyclonedx_xml(x.stdout, spec)
    assert x.stdout.count("<component type=\"library\"") == len(json.loads(j.stdout)["components"])


def test_usage_errors_exit_2(tmp_path: Path, run_cli: RunCli) -> None:
    assert run_cli("scan", tmp_path / "missing").exit_code == 2
    assert run_cli("scan", tmp_path, "--format", "spdx").exit_code == 2
    assert run_cli("scan", tmp_path, "--max-file-size", "lots").exit_code == 2
    assert run_cli("nonsense").exit_code == 2
    assert run_cli("--help").exit_code == 0


def test_internal_error_exits_3(tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    import compliance.cli.scan as scan_cli

    def boom(*_a: object, **_k: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(scan_cli, "build_document", boom)
    result = run_cli("scan", tmp_path)
    assert result.exit_code == 3
    assert "internal error: KeyError" in result.stderr


def test_a_crashing_scanner_costs_one_file(tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance.scanners import all_scanners

    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["torch==2.3.1"]\n')
    scanner = next(s for s in all_scanners() if s.wants(Path("requirements.txt")))  # type: ignore[arg-type]

    def broken(_file: object) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(scanner, "scan", broken)
    result = run_cli("scan", tmp_path)
    assert result.exit_code == 0
    assert "requirements.txt: error: internal error in the" in result.stderr
    assert "torch" in {c["name"] for c in json.loads(result.stdout)["components"]}


def test_output_file_gets_ordinary_permissions(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "repo").mkdir()
    out = tmp_path / "sbom.json"
    old = os.umask(0o022)
    try:
        assert run_cli("scan", tmp_path / "repo", "-o", out).exit_code == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_xml_golden(ai_stack: Path, run_cli: RunCli) -> None:
    from compliance import __version__

    result = run_cli("scan", ai_stack, "--output-reproducible", "--format", "cyclonedx-xml")
    assert result.exit_code == 0
    assert_valid_cyclonedx_xml(result.stdout, "1.6")
    tool = f"<name>compliance</name>\n          <version>{__version__}</version>"
    assert tool in result.stdout
    assert_golden("ai-stack.cdx.xml", result.stdout.replace(tool, "<name>compliance</name>\n          <version>VERSION</version>"))


def test_installed_environment_with_python_option(tmp_path: Path, run_cli: RunCli) -> None:
    from tests.conftest import FIXTURES

    venv = FIXTURES / "python" / "installed" / "venv"
    repo = tmp_path / "repo"
    repo.mkdir()
    result = run_cli("scan", repo, "--python", venv / "bin" / "python", "--output-reproducible")
    assert result.exit_code == 0, result.stderr
    doc = assert_valid_cyclonedx_json(result.stdout)
    assert doc["components"], "the environment's distributions become components"
    for comp in doc["components"]:
        assert _props(comp, "declared-by") == ["installed"]
        assert comp["evidence"]["occurrences"][0]["location"].endswith("/METADATA")
    missing = run_cli("scan", repo, "--python", tmp_path)
    assert missing.exit_code == 2 and "site-packages" in missing.stderr
