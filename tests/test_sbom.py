"""The CycloneDX writer: every spec version and format validates, output is stable."""

from __future__ import annotations

import json

import pytest

from compliance.inventory import build_inventory
from compliance.licenses.resolve import resolve_inventory
from compliance.model import (
    ROOT,
    Declaration,
    DeclarationKind,
    Diagnostic,
    Edge,
    Hash,
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ProjectInfo,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.sbom.cyclonedx import SpecVersion, build_document, to_json, to_xml
from compliance.sbom.validate import json_errors, xml_errors
from tests.conftest import assert_valid_cyclonedx_json, assert_valid_cyclonedx_xml


def _inventory():  # type: ignore[no-untyped-def]
    lock = ScanResult(
        declarations=[
            Declaration(name="torch", version="2.3.1", location=Location("uv.lock", 120),
                        kind=DeclarationKind.LOCK, direct=None, key="torch",
                        hashes=(Hash("SHA-256", "ab" * 32),)),
            Declaration(name="numpy", version="1.26.4", location=Location("uv.lock", 80),
                        kind=DeclarationKind.LOCK, direct=None, key="numpy",
                        licenses=(LicenseEvidence(LicenseEvidenceKind.EXPRESSION,
                                                  "BSD-3-Clause AND MIT", Location("x/METADATA", 3)),)),
            Declaration(name="flash-attn", version="2.5.8", location=Location("uv.lock", 60),
                        kind=DeclarationKind.LOCK, key="fa",
                        source=Source(SourceKind.VCS, "https://github.com/Dao-AILab/flash-attention",
                                      vcs="git", revision="v2.5.8", commit="c" * 40)),
            Declaration(name="my-kernels", version="0.1.0", location=Location("uv.lock", 90),
                        kind=DeclarationKind.LOCK, key="mk",
                        source=Source(SourceKind.PATH, "libs/kernels")),
        ],
        edges=[Edge("torch", "numpy"), Edge(ROOT, "torch"), Edge(ROOT, "fa")],
    )
    manifest = ScanResult(
        declarations=[
            Declaration(name="pytest", constraint=">=8", location=Location("pyproject.toml", 30),
                        scope=Scope.EXCLUDED, groups=("dev",), key="pytest"),
            Declaration(name="Torch", constraint=">=2.1", location=Location("pyproject.toml", 8),
                        key="torch", marker='sys_platform == "linux"'),
            Declaration(name="bitsandbytes", version="0.43.1", location=Location("requirements.txt", 4),
                        key="bnb", source=Source(SourceKind.URL,
                                                 "https://example.org/bitsandbytes-0.43.1-py3-none-any.whl")),
        ],
        edges=[Edge(ROOT, "pytest"), Edge(ROOT, "torch")],
        project=ProjectInfo("llm-serving", "0.3.0", "Apache-2.0", "An LLM server",
                            Location("pyproject.toml", 2)),
        diagnostics=[Diagnostic("requirements-dev.txt", "invalid requirement 'torch=='", 7)],
    )
    inv = build_inventory("repo", [lock, manifest])
    resolve_inventory(inv)
    return inv


@pytest.mark.parametrize("spec", list(SpecVersion))
def test_every_spec_version_validates_in_both_formats(spec: SpecVersion) -> None:
    doc = build_document(_inventory(), spec)
    assert json_errors(doc) == []
    text = to_json(doc)
    assert_valid_cyclonedx_json(text)
    xml = to_xml(doc)
    assert xml_errors(xml, spec.value) == []
    assert_valid_cyclonedx_xml(xml, spec.value)


def test_document_content() -> None:
    doc = build_document(_inventory(), SpecVersion.V1_6, reproducible=True)
    assert "serialNumber" not in doc and "timestamp" not in doc["metadata"]
    root = doc["metadata"]["component"]
    assert root["name"] == "llm-serving" and root["version"] == "0.3.0"
    assert root["licenses"] == [{"expression": "Apache-2.0", "acknowledgement": "declared"}]
    by_name = {c["name"]: c for c in doc["components"]}
    torch = by_name["torch"]
    assert torch["purl"] == "pkg:pypi/torch@2.3.1" and torch["scope"] == "required"
    assert torch["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    assert torch["evidence"]["occurrences"] == [
        {"location": "pyproject.toml", "line": 8}, {"location": "uv.lock", "line": 120}]
    props = {(p["name"], p["value"]) for p in torch["properties"]}
    assert ("compliance:direct", "true") in props
    assert ("compliance:marker", 'sys_platform == "linux"') in props
    assert by_name["numpy"]["licenses"] == [
        {"expression": "BSD-3-Clause AND MIT", "acknowledgement": "declared"}]
    fa = by_name["flash-attn"]
    assert fa["externalReferences"] == [{"type": "vcs", "url": "https://github.com/Dao-AILab/flash-attention"}]
    assert ("compliance:vcs-commit", "c" * 40) in {(p["name"], p["value"]) for p in fa["properties"]}
    assert by_name["pytest"]["scope"] == "excluded" and "version" not in by_name["pytest"]
    assert ("compliance:version-constraint", ">=8") in {
        (p["name"], p["value"]) for p in by_name["pytest"]["properties"]}
    deps = {d["ref"]: d["dependsOn"] for d in doc["dependencies"]}
    assert deps["project:llm-serving"] == sorted(
        ["pkg:pypi/torch@2.3.1", "pkg:pypi/pytest",
         "pkg:pypi/flash-attn@2.5.8?vcs_url=git%2Bhttps://github.com/Dao-AILab/flash-attention%40" + "c" * 40])
    assert deps["pkg:pypi/torch@2.3.1"] == ["pkg:pypi/numpy@1.26.4"]
    assert set(deps) == {c["bom-ref"] for c in doc["components"]} | {"project:llm-serving"}
    assert doc["metadata"]["properties"] == [{
        "name": "compliance:diagnostic",
        "value": "requirements-dev.txt:7: error: invalid requirement 'torch=='"}]


def test_older_specs_keep_occurrences() -> None:
    d15 = build_document(_inventory(), SpecVersion.V1_5)
    torch = next(c for c in d15["components"] if c["name"] == "torch")
    assert {"location": "uv.lock#L120"} in torch["evidence"]["occurrences"]
    d14 = build_document(_inventory(), SpecVersion.V1_4)
    torch = next(c for c in d14["components"] if c["name"] == "torch")
    assert "evidence" not in torch
    assert {"name": "compliance:occurrence", "value": "uv.lock:120"} in torch["properties"]


def test_reproducible_output_is_byte_identical() -> None:
    a = to_json(build_document(_inventory(), reproducible=True))
    b = to_json(build_document(_inventory(), reproducible=True))
    assert a == b
    x1 = to_xml(build_document(_inventory(), reproducible=True))
    assert x1 == to_xml(build_document(_inventory(), reproducible=True))


def test_default_output_has_serial_and_timestamp() -> None:
    doc = json.loads(to_json(build_document(_inventory())))
    assert doc["serialNumber"].startswith("urn:uuid:")
    assert doc["metadata"]["timestamp"].endswith("Z")


def test_invalid_document_is_caught() -> None:
    doc = build_document(_inventory())
    doc["components"][0]["scope"] = "sometimes"
    errors = json_errors(doc)
    assert errors and errors[0].startswith("components/0/scope:")
