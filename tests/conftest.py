"""Shared test helpers: fixture repositories, the CLI, SBOM validation, golden files.

Golden files live in tests/golden/. Regenerate them after a deliberate output change with
``COMPLIANCE_UPDATE_GOLDEN=1 python -m pytest`` and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("COMPLIANCE_UPDATE_GOLDEN") == "1"


@dataclass
class CliResult:
    """What a CLI run printed and returned."""

    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``compliance`` in-process through the same entry point as the console script."""
    from compliance.cli.main import run

    def _run(*args: str) -> CliResult:
        capsys.readouterr()
        code = run([str(a) for a in args])
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return _run


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a fixture repository (a folder under tests/fixtures) into a temporary folder."""

    def _copy(name: str) -> Path:
        dest = tmp_path / Path(name).name
        shutil.copytree(FIXTURES / name, dest, symlinks=True)
        return dest

    return _copy


def assert_valid_cyclonedx_json(text: str) -> dict:  # type: ignore[type-arg]
    """Validate with cyclonedx-python-lib's own strict validator: an independent check of the
    tool's validation path (which uses jsonschema-rs)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    doc = json.loads(text)
    version = SchemaVersion.from_version(doc["specVersion"])
    error = JsonStrictValidator(version).validate_str(text)
    assert error is None, f"SBOM is not schema-valid: {error}"
    return doc  # type: ignore[no-any-return]


def assert_valid_cyclonedx_xml(text: str, spec: str) -> None:
    """Validate CycloneDX XML against the library's XSD."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.xml import XmlValidator

    error = XmlValidator(SchemaVersion.from_version(spec)).validate_str(text)
    assert error is None, f"SBOM XML is not schema-valid: {error}"


def normalise_sbom(text: str) -> str:
    """Remove what changes between runs and machines (tool version, serial, timestamp)."""
    doc = json.loads(text)
    doc.pop("serialNumber", None)
    meta = doc.get("metadata", {})
    meta.pop("timestamp", None)
    tools = meta.get("tools")
    if isinstance(tools, dict):
        for t in tools.get("components", []):
            t["version"] = "<version>"
    elif isinstance(tools, list):
        for t in tools:
            t["version"] = "<version>"
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def assert_golden(name: str, actual: str) -> None:
    """Compare ``actual`` with tests/golden/NAME; rewrite it when COMPLIANCE_UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        if not UPDATE_GOLDEN and os.environ.get("CI"):
            pytest.fail(f"golden file {path} is missing; generate it with "
                        "COMPLIANCE_UPDATE_GOLDEN=1 and commit it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"output differs from golden file {path}; if the change is intended, regenerate with "
        "COMPLIANCE_UPDATE_GOLDEN=1 python -m pytest and review the diff")
