"""`compliance scan --online`: licenses from the registry, against a local server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.licenses.test_registry import Registry, _no_proxy, pypi  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text(
        "torch==2.3.1\nfastapi==0.111.0\nnumpy==2.4.1\nnumpy-private==1.0\n")
    (repo / "requirements-internal.txt").write_text(
        "--index-url https://pypi.internal.example.com/simple\ninternal-sdk==2.0\n")
    return repo


def test_online_fills_in_licenses_and_says_where_from(
        tmp_path: Path, pypi: Registry, run_cli: Callable[..., CliResult]) -> None:  # noqa: F811
    result = run_cli("scan", _repo(tmp_path), "--online", "--registry-url", pypi.url,
                     "--output-reproducible")
    assert result.exit_code == 0, result.stderr
    comps = {c["name"]: c for c in json.loads(result.stdout)["components"]}
    assert comps["torch"]["licenses"] == [{"expression": "BSD-3-Clause", "acknowledgement": "declared"}]
    assert comps["fastapi"]["licenses"] == [{"expression": "MIT", "acknowledgement": "declared"}]
    assert comps["numpy"]["licenses"] == [{"expression": "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0",
                                            "acknowledgement": "declared"}]
    props = {p["name"]: p["value"] for p in comps["torch"]["properties"]}
    assert props["compliance:license-source"] == "pypi:license-field"
    assert props["compliance:license-location"] == f"{pypi.url}/pypi/torch/2.3.1/json"
    assert "licenses" not in comps["numpy-private"]  # 404: no guess
    # a package from a private index is never looked up on the public registry
    assert not any("internal-sdk" in p for p in pypi.paths)


def test_offline_by_default(tmp_path: Path, pypi: Registry, run_cli: Callable[..., CliResult]) -> None:  # noqa: F811
    result = run_cli("scan", _repo(tmp_path), "--registry-url", pypi.url)
    assert result.exit_code == 0
    assert pypi.count() == 0
    assert "--online asks PyPI" in result.stderr


def test_unreachable_registry_is_one_diagnostic(tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_cli("scan", _repo(tmp_path), "--online", "--registry-url", f"http://127.0.0.1:{port}")
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if "license lookup(s) failed" in line]
    assert 1 <= len(lines) <= 2, result.stderr
    assert "warning" in lines[0]
