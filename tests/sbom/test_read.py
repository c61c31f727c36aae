"""Reading CycloneDX SBOMs made by any tool into an Inventory (compliance.sbom.read)."""

from __future__ import annotations

import gc
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compliance.errors import InputError
from compliance.model import (
    Component,
    DeclarationKind,
    Hash,
    Inventory,
    Location,
    ProjectInfo,
    ResolvedLicense,
    Scope,
    Source,
    SourceKind,
)
from compliance.sbom.cyclonedx import SpecVersion, build_document, to_json, to_xml
from compliance.sbom.read import ReadResult, SbomReadError, looks_like_sbom, read_sbom
from compliance.scan import scan_repository
from tests.conftest import FIXTURES, CliResult

SBOMS = FIXTURES / "sboms"
AI_STACK = FIXTURES / "repos" / "ai-stack"


def _read(name: str) -> ReadResult:
    return read_sbom(SBOMS / name)


def _by_name(inv: Inventory) -> dict[str, Component]:
    return {c.name: c for c in inv.components.values()}


def _expr(comp: Component) -> str | None:
    return comp.license.expression if comp.license else None


def _messages(result: ReadResult) -> str:
    return "\n".join(d.message for d in result.diagnostics)


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "sbom.cdx.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _one_component(licenses: list[dict[str, Any]], spec: str = "1.6") -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX", "specVersion": spec, "version": 1,
        "components": [{"type": "library", "bom-ref": "pkg:pypi/x@1.0", "name": "x",
                        "version": "1.0", "purl": "pkg:pypi/x@1.0", "licenses": licenses}],
    }


# ----------------------------------------------------------------------------- each tool


def test_syft() -> None:
    result = _read("syft-1.6.cdx.json")
    inv = result.inventory
    assert (result.spec_version, result.tool) == ("1.6", "syft 1.4.1")
    comps = _by_name(inv)
    # the operating-system entry describes the image, it is not a package
    assert "debian" not in comps
    assert len(inv.components) == 9
    torch = comps["torch"]
    assert torch.ref == "pkg:pypi/torch@2.3.1?package-id=5b4a3c2d1e0f9a8b"
    assert (torch.ecosystem, torch.version, torch.purl) == ("pypi", "2.3.1", "pkg:pypi/torch@2.3.1")
    assert torch.scope is Scope.REQUIRED  # no scope written: required, as the spec says
    assert torch.occurrences == [
        Location("/usr/local/lib/python3.11/site-packages/torch-2.3.1.dist-info/METADATA")]
    assert {name: _expr(c) for name, c in comps.items()} == {
        "fastapi": "MIT",
        "numpy": "BSD-3-Clause",
        "packaging": "Apache-2.0 OR BSD-2-Clause",
        "torch": "BSD-3-Clause",  # license.name "BSD-3"
        "transformers": "Apache-2.0",  # license.name "Apache 2.0 License"
        "tokenizers": None,
        "nvidia-cudnn-cu12": "LicenseRef-unknown-nvidia-proprietary-software",
        # a Debian copyright file lists every license of the package: all of them apply
        "libc6": "GPL-2.0-only AND LGPL-2.1-only AND LGPL-2.1-or-later",
        "bash": "GPL-3.0-or-later",
    }
    assert comps["transformers"].license == ResolvedLicense(
        "Apache-2.0", "declared", "sbom-license-name", None, True, "Apache 2.0 License")
    assert comps["nvidia-cudnn-cu12"].license.known is False  # type: ignore[union-attr]
    assert comps["libc6"].ecosystem == "deb"
    assert inv.dependencies[comps["transformers"].ref] == {
        comps["numpy"].ref, comps["packaging"].ref, comps["tokenizers"].ref}
    # syft records no edges from the image to its packages: nothing is known to be direct
    assert inv.direct == set()
    assert inv.project == ProjectInfo(
        "ghcr.io/acme/llm-gateway",
        "sha256:3b1f0a2c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a")
    assert [d.message for d in result.diagnostics] == [
        "license 'NVIDIA Proprietary Software' (nvidia-cudnn-cu12 8.9.2.26) could not be "
        "mapped to an SPDX license; kept as LicenseRef-unknown-nvidia-proprietary-software"]


def test_trivy() -> None:
    result = _read("trivy-1.6.cdx.json")
    inv = result.inventory
    assert (result.spec_version, result.tool) == ("1.6", "trivy 0.52.2")
    comps = _by_name(inv)
    # OS packages nested under the operating-system component are read; the OS itself and
    # the per-target "Python" application group are not components
    assert sorted(comps) == ["bash", "fastapi", "libc6", "libssl3", "nvidia-cudnn-cu12",
                             "pydantic", "torch", "transformers", "zlib1g"]
    # trivy writes SPDX ids (and deprecated ones) in license.name
    assert {name: _expr(c) for name, c in comps.items()} == {
        "bash": "GPL-3.0-only",
        "libc6": "LGPL-2.1-only AND GPL-2.0-only AND GPL-2.0-or-later",
        "libssl3": "Apache-2.0",
        "zlib1g": "Zlib",
        "fastapi": "MIT",
        "pydantic": "MIT",
        "torch": "BSD-3-Clause",
        "transformers": "Apache-2.0",
        "nvidia-cudnn-cu12": "LicenseRef-unknown-nvidia-proprietary-software",
    }
    assert comps["zlib1g"].version == "1:1.2.13.dfsg-1"
    assert comps["torch"].occurrences == [Location(
        "usr/local/lib/python3.11/site-packages/torch-2.3.1.dist-info/METADATA")]
    # image -> OS -> package and image -> group -> package edges are contracted
    assert inv.direct == set(inv.components)
    assert all(c.direct for c in inv.components.values())
    assert inv.project is not None and inv.project.name == "ghcr.io/acme/llm-gateway:1.4.0"


def test_cdxgen_1_5() -> None:
    result = _read("cdxgen-1.5.cdx.json")
    inv = result.inventory
    assert (result.spec_version, result.tool, result.diagnostics) == ("1.5", "cdxgen 10.5.2", [])
    comps = _by_name(inv)
    assert sorted(comps) == ["cryptography", "fastapi", "pydantic", "pytest", "pyyaml"]
    assert comps["pyyaml"].ref == "pkg:pypi/PyYAML@6.0.1"  # the bom-ref as written
    assert comps["pytest"].scope is Scope.OPTIONAL
    assert comps["fastapi"].license == ResolvedLicense(
        "MIT", "declared", "sbom-license-id", None, True, "MIT")
    assert _expr(comps["cryptography"]) == "Apache-2.0 OR BSD-3-Clause"
    assert _expr(comps["pyyaml"]) == "MIT"  # license.name "MIT License"
    assert comps["fastapi"].hashes == [
        Hash("SHA-256", "9f4a6c2f2e4b3f1d7f5c9a3b2e8d6f1a0c4b7e9d2f5a8c1e3b6d9f2a5c8e1b4d")]
    # evidence.identity (an object in 1.5) names the manifest
    assert comps["pytest"].occurrences == [Location("/app/requirements-dev.txt")]
    assert inv.direct == {comps[n].ref for n in ("fastapi", "cryptography", "pyyaml", "pytest")}
    assert not comps["pydantic"].direct
    assert inv.dependencies == {comps["fastapi"].ref: {comps["pydantic"].ref}}
    assert inv.project == ProjectInfo("llm-gateway", "0.4.0", "Apache-2.0")
    assert inv.project_license is not None and inv.project_license.expression == "Apache-2.0"


def test_cdxgen_1_6() -> None:
    result = _read("cdxgen-1.6.cdx.json")
    comps = _by_name(result.inventory)
    assert (result.spec_version, result.tool, result.diagnostics) == ("1.6", "cdxgen 10.9.4", [])
    # "file#line" occurrences are split; the identity array is used only without them
    assert comps["torch"].occurrences == [Location("src/trainer/model.py", 14),
                                          Location("src/trainer/data.py", 3)]
    assert comps["accelerate"].occurrences == [Location("/work/poetry.lock")]
    assert comps["black"].scope is Scope.OPTIONAL
    assert result.inventory.project_license is not None
    assert result.inventory.project_license.expression == "Apache-2.0 AND CC-BY-4.0"


def test_cyclonedx_py_json() -> None:
    result = _read("cyclonedx-py-1.6.cdx.json")
    inv = result.inventory
    assert (result.spec_version, result.tool) == ("1.6", "cyclonedx-py 4.5.0")
    comps = _by_name(inv)
    assert comps["attrs"].ref == "attrs==23.2.0"
    assert comps["markupsafe"].ref == "MarkupSafe==2.1.5"  # PEP 503 name, bom-ref as written
    assert {name: (_expr(c), c.license.known if c.license else None, c.license.source
                   if c.license else None) for name, c in comps.items()} == {
        "attrs": ("MIT", True, "sbom-license-id"),
        "cryptography": ("Apache-2.0 OR BSD-3-Clause", True, "sbom-expression"),
        # a classifier alone: "BSD License" names no single license
        "jsonpointer": ("LicenseRef-bsd-unspecified", False, "sbom-classifier"),
        # a classifier next to an id restates it: the id is the license
        "lxml": ("BSD-3-Clause", True, "sbom-license-id"),
        "markupsafe": ("BSD-3-Clause", True, "sbom-license-id"),
        # only a license text: identified
        "numpy": ("BSD-3-Clause", True, "sbom-license-text"),
        "inference-kernels": (None, None, None),
    }
    crypto = comps["cryptography"]
    assert crypto.license is not None and crypto.license.acknowledgement == "declared"
    # evidence.licenses -> concluded; classifiers combine with OR, acknowledgement kept
    assert crypto.concluded == ResolvedLicense(
        "Apache-2.0 OR LicenseRef-bsd-unspecified", "declared", "sbom-classifier", None, False,
        "License :: OSI Approved :: Apache Software License\n"
        "License :: OSI Approved :: BSD License")
    assert comps["inference-kernels"].ecosystem == "generic"
    assert comps["inference-kernels"].source == Source(
        SourceKind.PATH, "file:///home/ci/build/libs/inference-kernels")
    assert inv.dependencies == {"inference-kernels==0.3.0": {"numpy==1.26.4"}}
    assert not comps["numpy"].direct and comps["lxml"].direct
    assert inv.project == ProjectInfo("serving-worker", "0.9.1", "MIT OR GPL-2.0-or-later",
                                      "Model-serving worker")
    assert inv.project_license == ResolvedLicense(
        "MIT OR GPL-2.0-or-later", "declared", "sbom-expression", None, True,
        "MIT OR GPL-2.0-or-later")
    assert [d.message for d in result.diagnostics] == [
        "license 'License :: OSI Approved :: BSD License' (cryptography 43.0.1 and 1 more) "
        "could not be mapped to an SPDX license; kept as LicenseRef-bsd-unspecified"]


def test_cyclonedx_py_xml_reads_like_json() -> None:
    xml = _read("cyclonedx-py-1.5.cdx.xml")
    assert (xml.spec_version, xml.tool) == ("1.5", "cyclonedx-py 4.5.0")
    comps = _by_name(xml.inventory)
    assert {name: _expr(c) for name, c in comps.items()} == {
        "attrs": "MIT", "cryptography": "Apache-2.0 OR BSD-3-Clause", "lxml": "BSD-3-Clause",
        "pyyaml": "MIT"}
    # 1.5 has no acknowledgement: licenses are declared, evidence is concluded
    assert comps["attrs"].license is not None
    assert comps["attrs"].license.acknowledgement == "declared"
    assert comps["cryptography"].concluded is not None
    assert comps["cryptography"].concluded.acknowledgement == "concluded"
    assert xml.inventory.direct == {"attrs==23.2.0", "cryptography==43.0.1", "PyYAML==6.0.1"}
    assert xml.inventory.project_license is not None
    assert xml.inventory.project_license.expression == "MIT OR GPL-2.0-or-later"


def test_xml_in_an_older_namespace() -> None:
    result = _read("namespace-1.3.cdx.xml")
    assert (result.spec_version, result.tool, result.diagnostics) == (
        "1.3", "cyclonedx-bom 3.2.1", [])
    assert {c.name: _expr(c) for c in result.inventory.components.values()} == {
        "requests": "Apache-2.0", "urllib3": "MIT"}
    assert result.inventory.project is None
    assert result.inventory.root_name == "namespace-1.3"


def test_xml_in_an_unknown_namespace_version_is_read_unvalidated(tmp_path: Path) -> None:
    text = (SBOMS / "namespace-1.3.cdx.xml").read_text().replace("bom/1.3", "bom/1.9")
    path = tmp_path / "future.xml"
    path.write_text(text)
    result = read_sbom(path)
    assert result.spec_version == "1.9"
    assert len(result.inventory.components) == 2
    assert "1.9 is not a CycloneDX version this tool knows" in _messages(result)


def test_models_and_datasets_are_components_environment_entries_are_not(tmp_path: Path) -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
           "metadata": {"component": {"type": "application", "bom-ref": "app", "name": "rag"}},
           "components": [
               {"type": "machine-learning-model", "bom-ref": "m", "group": "meta-llama",
                "name": "Meta-Llama-3-8B-Instruct",
                "purl": "pkg:huggingface/meta-llama/Meta-Llama-3-8B-Instruct@5f0b02c7",
                "licenses": [{"license": {"name": "llama3"}}]},
               {"type": "data", "bom-ref": "d", "name": "wikitext-103",
                "licenses": [{"license": {"id": "CC-BY-SA-4.0"}}]},
               {"type": "platform", "bom-ref": "gpu", "name": "cuda", "version": "12.1"},
               {"type": "file", "bom-ref": "f", "name": "/app/config.yaml",
                "hashes": [{"alg": "SHA-256", "content": "00" * 32}]}],
           "dependencies": [{"ref": "app", "dependsOn": ["m", "d", "gpu", "f"]}]}
    inv = read_sbom(_write(tmp_path, doc)).inventory
    assert {r: (c.ecosystem, c.name, _expr(c)) for r, c in inv.components.items()} == {
        "m": ("huggingface", "meta-llama/Meta-Llama-3-8B-Instruct", "LicenseRef-llama3"),
        "d": ("generic", "wikitext-103", "CC-BY-SA-4.0")}
    assert inv.direct == {"m", "d"}


# ----------------------------------------------------------------------------- odd SBOMs


def test_without_bom_refs() -> None:
    result = _read("no-bom-refs.cdx.json")
    assert (result.spec_version, result.tool) == ("1.4", "sbom-export 2.0.1")
    assert sorted(result.inventory.components) == [
        "internal-utils@0.7.2", "pkg:pypi/numpy@1.26.1", "pkg:pypi/numpy@1.26.1#2",
        "pkg:pypi/pillow@10.1.0"]
    assert result.inventory.components["internal-utils@0.7.2"].ecosystem == "generic"
    assert "'pkg:pypi/numpy@1.26.1' (no bom-ref) is used by 2 components" in _messages(result)


def test_duplicate_bom_refs_are_made_unique_and_reported() -> None:
    result = _read("duplicate-bom-refs.cdx.json")
    inv = result.inventory
    assert {r: c.version for r, c in inv.components.items()} == {
        "pkg:pypi/numpy": "1.26.4", "pkg:pypi/numpy#2": "2.0.0", "pkg:pypi/scipy@1.13.1": "1.13.1"}
    # an edge to the repeated bom-ref goes to its first holder; one to nothing is dropped
    assert inv.dependencies == {"pkg:pypi/scipy@1.13.1": {"pkg:pypi/numpy"}}
    assert inv.direct == {"pkg:pypi/numpy", "pkg:pypi/scipy@1.13.1"}
    messages = _messages(result)
    assert ("bom-ref 'pkg:pypi/numpy' is used by 2 components (numpy 1.26.4, numpy 2.0.0); "
            "the repeats are read as 'pkg:pypi/numpy#2'") in messages
    assert "no component has ('pkg:pypi/pandas@2.2.2')" in messages


def test_a_renamed_duplicate_never_takes_another_components_bom_ref(tmp_path: Path) -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
        {"type": "library", "bom-ref": "a", "name": "one"},
        {"type": "library", "bom-ref": "a", "name": "two"},
        {"type": "library", "bom-ref": "a#2", "name": "three"}]}
    inv = read_sbom(_write(tmp_path, doc)).inventory
    assert {r: c.name for r, c in inv.components.items()} == {
        "a": "one", "a#3": "two", "a#2": "three"}


def test_schema_violations_are_reported_with_their_path_and_the_sbom_is_still_read() -> None:
    result = _read("invalid-enum.cdx.json")
    assert [d.message for d in result.diagnostics] == [
        'does not validate against the CycloneDX 1.6 schema at components/0/scope: "runtime" '
        'is not one of "required", "optional" or "excluded"; read anyway',
        'does not validate against the CycloneDX 1.6 schema at components/0/hashes/0/alg: '
        '"sha256" is not one of "MD5", "SHA-1" or 10 other candidates; read anyway',
    ]
    assert all(d.severity == "warning" and d.path.endswith("invalid-enum.cdx.json")
               for d in result.diagnostics)
    st = _by_name(result.inventory)["sentence-transformers"]
    assert st.scope is Scope.REQUIRED
    assert st.hashes == [Hash("sha256", "e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2")]
    assert _expr(st) == "Apache-2.0"


def test_many_schema_violations_are_cut_to_the_first_five(tmp_path: Path) -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
        {"type": "library", "name": f"p{i}", "scope": "runtime"} for i in range(12)]}
    result = read_sbom(_write(tmp_path, doc))
    assert len(result.inventory.components) == 12
    assert [d.message.split(":")[0] for d in result.diagnostics] == [
        f"does not validate against the CycloneDX 1.6 schema at components/{i}/scope"
        for i in range(5)] + ["only the first 5 schema violations are reported"]


def test_unknown_spec_version_is_read_without_validation(tmp_path: Path) -> None:
    doc = _one_component([{"license": {"id": "MIT"}}], spec="2.0")
    result = read_sbom(_write(tmp_path, doc))
    assert result.spec_version == "2.0"
    assert _expr(result.inventory.components["pkg:pypi/x@1.0"]) == "MIT"
    assert 'specVersion "2.0" is not a CycloneDX version this tool knows' in _messages(result)


# ----------------------------------------------------------------------------- licenses


@pytest.mark.parametrize(("licenses", "expression", "known", "source", "ack"), [
    ([{"license": {"id": "MIT"}}], "MIT", True, "sbom-license-id", "declared"),
    ([{"license": {"id": "GPL-2.0+"}}], "GPL-2.0-or-later", True, "sbom-license-id", "declared"),
    ([{"license": {"name": "MIT"}}], "MIT", True, "sbom-license-name", "declared"),
    ([{"license": {"name": "Apache License 2.0"}}], "Apache-2.0", True, "sbom-license-name",
     "declared"),
    ([{"license": {"name": "GPLv3+"}}], "GPL-3.0-or-later", True, "sbom-license-name",
     "declared"),
    ([{"license": {"url": "https://opensource.org/licenses/MIT"}}], "MIT", True,
     "sbom-license-url", "declared"),
    ([{"expression": "MIT OR Apache-2.0"}], "MIT OR Apache-2.0", True, "sbom-expression",
     "declared"),
    ([{"expression": "mit or apache-2.0"}], "MIT OR Apache-2.0", True, "sbom-expression",
     "declared"),
    ([{"expression": "Apache-2.0 WITH LLVM-exception"}], "Apache-2.0 WITH LLVM-exception", True,
     "sbom-expression", "declared"),
    # several entries: all of them apply
    ([{"license": {"id": "MIT"}}, {"license": {"id": "Apache-2.0"}}], "MIT AND Apache-2.0",
     True, "sbom-license-id", "declared"),
    ([{"license": {"id": "MIT"}}, {"license": {"name": "Apache 2.0"}}], "MIT AND Apache-2.0",
     True, "sbom-licenses", "declared"),
    ([{"license": {"id": "MIT"}}, {"license": {"id": "MIT"}}], "MIT", True, "sbom-license-id",
     "declared"),
    ([{"license": {"id": "GPL-2.0-only"}}, {"expression": "MIT OR Apache-2.0"}],
     "GPL-2.0-only AND (MIT OR Apache-2.0)", True, "sbom-licenses", "declared"),
    # trove classifiers restate a declared license; alone they are alternatives
    ([{"license": {"name": "License :: OSI Approved :: MIT License"}}], "MIT", True,
     "sbom-classifier", "declared"),
    ([{"license": {"id": "BSD-3-Clause"}},
      {"license": {"name": "License :: OSI Approved :: BSD License"}}], "BSD-3-Clause", True,
     "sbom-license-id", "declared"),
    ([{"license": {"name": "License :: OSI Approved :: MIT License"}},
      {"license": {"name": "License :: OSI Approved :: Apache Software License"}}],
     "MIT OR Apache-2.0", True, "sbom-classifier", "declared"),
    # what cannot be mapped is kept, never guessed
    ([{"license": {"name": "Acme Corp EULA"}}], "LicenseRef-unknown-acme-corp-eula", False,
     "sbom-license-name", "declared"),
    ([{"license": {"id": "MIT"}}, {"license": {"name": "Acme Corp EULA"}}],
     "MIT AND LicenseRef-unknown-acme-corp-eula", False, "sbom-licenses", "declared"),
    ([{"license": {"id": "MIT", "acknowledgement": "concluded"}}], "MIT", True,
     "sbom-license-id", "concluded"),
    ([{"expression": "MIT", "acknowledgement": "concluded"}], "MIT", True, "sbom-expression",
     "concluded"),
])
def test_license_mapping(tmp_path: Path, licenses: list[dict[str, Any]], expression: str,
                         known: bool, source: str, ack: str) -> None:
    result = read_sbom(_write(tmp_path, _one_component(licenses)))
    lic = result.inventory.components["pkg:pypi/x@1.0"].license
    assert lic is not None
    assert (lic.expression, lic.known, lic.source, lic.acknowledgement) == (
        expression, known, source, ack)
    unmapped = [d for d in result.diagnostics if "could not be mapped" in d.message]
    assert bool(unmapped) == (not known)


@pytest.mark.parametrize("licenses", [
    [],
    [{"license": {"name": "NOASSERTION"}}],
    [{"license": {"name": "UNKNOWN"}}],
    [{"expression": ""}],
])
def test_no_license_means_none(tmp_path: Path, licenses: list[dict[str, Any]]) -> None:
    inv = read_sbom(_write(tmp_path, _one_component(licenses))).inventory
    assert inv.components["pkg:pypi/x@1.0"].license is None


def test_base64_license_text_is_identified(tmp_path: Path) -> None:
    import base64

    mit = ("Permission is hereby granted, free of charge, to any person obtaining a copy of "
           "this software and associated documentation files (the \"Software\"), to deal in "
           "the Software without restriction, including without limitation the rights to use, "
           "copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the "
           "Software, and to permit persons to whom the Software is furnished to do so, "
           "subject to the following conditions:\n\nThe above copyright notice and this "
           "permission notice shall be included in all copies or substantial portions of the "
           "Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, "
           "EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF "
           "MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT "
           "SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER "
           "LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT "
           "OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE "
           "SOFTWARE.\n")
    text = {"content": base64.b64encode(mit.encode()).decode(), "encoding": "base64",
            "contentType": "text/plain"}
    doc = _one_component([{"license": {"name": "declared license of 'x'", "text": text}}])
    lic = read_sbom(_write(tmp_path, doc)).inventory.components["pkg:pypi/x@1.0"].license
    assert lic is not None
    assert (lic.expression, lic.known, lic.source) == ("MIT", True, "sbom-license-text")


# ----------------------------------------------------------------------------- this tool


def _facts(c: Component) -> dict[str, Any]:
    """What the SBOM carries of a component (license evidence and subdirectories it does not,
    and the URL of the default index is not written)."""
    def lic(x: ResolvedLicense | None) -> tuple[Any, ...] | None:
        if x is None:
            return None
        original = None if x.original in (None, x.expression) else x.original
        score = None if x.score is None else round(x.score, 2)
        return (x.expression, x.acknowledgement, x.source, x.location, x.known, original, score)

    src = c.source
    return {
        "ref": c.ref, "ecosystem": c.ecosystem, "name": c.name, "version": c.version,
        "purl": c.purl, "constraint": c.constraint, "scope": c.scope, "direct": c.direct,
        "hashes": c.hashes, "occurrences": c.occurrences, "kinds": c.kinds, "groups": c.groups,
        "extras": c.extras, "markers": c.markers, "editable": c.editable,
        "extra_indexes": c.extra_indexes,
        "source": (src.kind, None if src.is_default_registry else src.url, src.vcs,
                   src.revision, src.commit),
        "license": lic(c.license), "concluded": lic(c.concluded),
    }


def _assert_same_inventory(read: Inventory, scanned: Inventory) -> None:
    assert {r: _facts(c) for r, c in read.components.items()} == {
        r: _facts(c) for r, c in scanned.components.items()}
    assert read.direct == scanned.direct
    assert read.dependencies == {r: t for r, t in scanned.dependencies.items() if t}
    assert read.project_license == scanned.project_license
    assert read.project is not None and scanned.project is not None
    assert (read.project.name, read.project.version, read.project.license,
            read.project.description) == (scanned.project.name, scanned.project.version,
                                          scanned.project.license, scanned.project.description)
    assert [(d.path, d.line, d.severity, d.message) for d in read.diagnostics] == [
        (d.path, d.line, d.severity, d.message) for d in scanned.diagnostics]


@pytest.mark.parametrize(("fmt", "spec"), [
    ("cyclonedx-json", "1.6"), ("cyclonedx-json", "1.5"), ("cyclonedx-json", "1.4"),
    ("cyclonedx-xml", "1.6"),
])
def test_an_sbom_from_compliance_scan_round_trips(
        tmp_path: Path, run_cli: Callable[..., CliResult], fmt: str, spec: str) -> None:
    repo = tmp_path / "ai-stack"
    shutil.copytree(AI_STACK, repo)
    out = tmp_path / "sbom.out"  # the format is told from the content, not the name
    cli = run_cli("scan", repo, "-o", out, "--format", fmt, "--spec-version", spec, "-q")
    assert cli.exit_code == 0, cli.stderr
    assert looks_like_sbom(out)
    result = read_sbom(out)
    assert (result.spec_version, result.diagnostics) == (spec, [])
    assert result.tool is not None and result.tool.startswith("compliance ")
    scanned = scan_repository(repo).inventory
    _assert_same_inventory(result.inventory, scanned)
    # the facts that policies need are back
    comps = _by_name(result.inventory)
    flash = comps["flash-attn"]
    assert flash.source.kind is SourceKind.VCS and flash.source.vcs == "git"
    assert flash.source.commit == "1a58058a6da83bd7baaf4c512e8a1abe0240bb77"
    assert comps["redis"].extra_indexes == {"https://download.pytorch.org/whl/cu121"}
    assert any(c.groups for c in result.inventory.components.values())
    assert all(c.occurrences and all(o.line for o in c.occurrences)
               for c in result.inventory.components.values())


def _rich_inventory() -> Inventory:
    """Every fact the writer can express, licenses included."""
    inv = Inventory("svc", project=ProjectInfo("svc", "2.0.0", "Apache 2.0", "A service"))
    inv.project_license = ResolvedLicense("Apache-2.0", "declared", "manifest", "pyproject.toml",
                                          True, "Apache 2.0")

    def add(comp: Component) -> None:
        inv.components[comp.ref] = comp

    add(Component(
        "pkg:pypi/numpy@1.26.4", "pypi", "numpy", "1.26.4", "pkg:pypi/numpy@1.26.4",
        scope=Scope.REQUIRED, direct=True, hashes=[Hash("SHA-256", "ab" * 32)],
        occurrences=[Location("uv.lock", 80), Location("requirements.txt")],
        kinds={DeclarationKind.LOCK, DeclarationKind.MANIFEST}, groups={"ml"}, extras={"dev"},
        markers={'python_version >= "3.10"'},
        license=ResolvedLicense("BSD-3-Clause AND MIT", "declared", "license-expression",
                                ".venv/lib/numpy-1.26.4.dist-info/METADATA:3", True,
                                "BSD-3-Clause AND MIT"),
        concluded=ResolvedLicense("BSD-3-Clause", "concluded", "license-file",
                                  ".venv/lib/numpy-1.26.4.dist-info/LICENSE.txt", True, None,
                                  0.987)))
    add(Component(
        "pkg:pypi/odd@0.1", "pypi", "odd", "0.1", "pkg:pypi/odd@0.1", scope=Scope.OPTIONAL,
        occurrences=[Location("uv.lock", 12)], kinds={DeclarationKind.LOCK},
        license=ResolvedLicense("LicenseRef-unknown-acme-eula", "declared", "license-field",
                                "site/odd-0.1.dist-info/METADATA:9", False, "Acme EULA")))
    vcs = Source(SourceKind.VCS, "https://github.com/Dao-AILab/flash-attention", "git",
                 "v2.5.8", "c" * 40)
    purl = "pkg:pypi/flash-attn@2.5.8?vcs_url=git%2Bhttps://github.com/Dao-AILab/flash-attention%40" + "c" * 40
    add(Component(purl, "pypi", "flash-attn", "2.5.8", purl, scope=Scope.REQUIRED, direct=True,
                  source=vcs, occurrences=[Location("uv.lock", 60)], kinds={DeclarationKind.LOCK}))
    add(Component("pkg:pypi/kernels@0.1.0", "pypi", "kernels", "0.1.0", "pkg:pypi/kernels@0.1.0",
                  scope=Scope.REQUIRED, direct=True, editable=True,
                  source=Source(SourceKind.PATH, "libs/kernels"),
                  occurrences=[Location("requirements.txt", 3)],
                  kinds={DeclarationKind.MANIFEST}))
    url = "https://example.org/bnb-0.43.1-py3-none-any.whl"
    purl = "pkg:pypi/bitsandbytes@0.43.1?download_url=https://example.org/bnb-0.43.1-py3-none-any.whl"
    add(Component(purl, "pypi", "bitsandbytes", "0.43.1", purl, scope=Scope.REQUIRED,
                  direct=True, source=Source(SourceKind.URL, url),
                  occurrences=[Location("requirements.txt", 4)],
                  kinds={DeclarationKind.MANIFEST}))
    purl = "pkg:pypi/private-lib@1.0?repository_url=https://pypi.internal.example/simple"
    add(Component(purl, "pypi", "private-lib", "1.0", purl, scope=Scope.REQUIRED, direct=True,
                  source=Source(SourceKind.REGISTRY, "https://pypi.internal.example/simple"),
                  extra_indexes={"https://download.pytorch.org/whl/cu121"},
                  occurrences=[Location("requirements.txt", 5)],
                  kinds={DeclarationKind.MANIFEST}))
    add(Component("pkg:pypi/pytest", "pypi", "pytest", None, "pkg:pypi/pytest",
                  constraint=">=8", scope=Scope.EXCLUDED, direct=True, groups={"dev"},
                  occurrences=[Location("pyproject.toml", 30)],
                  kinds={DeclarationKind.MANIFEST}))
    inv.direct = {r for r, c in inv.components.items() if c.direct}
    inv.dependencies = {"pkg:pypi/numpy@1.26.4": {"pkg:pypi/odd@0.1"}}
    return inv


@pytest.mark.parametrize("spec", list(SpecVersion))
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_fact_written_is_read_back(tmp_path: Path, spec: SpecVersion, fmt: str) -> None:
    inv = _rich_inventory()
    doc = build_document(inv, spec)
    path = tmp_path / "sbom"
    path.write_text(to_json(doc) if fmt == "json" else to_xml(doc), encoding="utf-8")
    result = read_sbom(path)
    assert result.spec_version == spec.value
    # "odd" was already an unknown license when written: known False, nothing to report
    assert result.diagnostics == []
    assert result.inventory.components["pkg:pypi/odd@0.1"].license.known is False  # type: ignore[union-attr]
    _assert_same_inventory(result.inventory, inv)


# ----------------------------------------------------------------------------- not an SBOM


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("not-an-sbom.json", None, 'is JSON but not a CycloneDX SBOM (it has no "bomFormat": '
                               '"CycloneDX")'),
    ("truncated.cdx.json", None, "the file is truncated"),
    ("billion-laughs.cdx.xml", None, "declares a DTD or entities"),
    ("xxe.xml", '<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                '\n<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component '
                'type="library"><name>&x;</name></component></components></bom>',
     "declares a DTD or entities"),
    ("spdx.json", '{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}',
     "is an SPDX document; only CycloneDX SBOMs are read"),
    ("list.json", "[1, 2]", "the top level is a list, not an object"),
    ("other.json", '{"bomFormat": "SPDX"}', "bomFormat is 'SPDX', not 'CycloneDX'"),
    ("pom.xml", '<project xmlns="http://maven.apache.org/POM/4.0.0"/>',
     "is XML but not a CycloneDX SBOM"),
    ("broken.xml", '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>',
     "is not well-formed XML"),
    ("notes.txt", "just some notes\n", "is neither JSON nor XML"),
    ("empty.json", "  \n", "is empty"),
    ("binary.cdx", "\x00\x01\x02", "is neither JSON nor XML"),
])
def test_what_is_not_an_sbom_is_refused_with_a_clear_message(
        tmp_path: Path, name: str, content: str | None, problem: str) -> None:
    path = SBOMS / name if content is None else tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(SbomReadError) as err:
        read_sbom(path)
    assert time.perf_counter() - started < 5  # the bomb is refused, not expanded
    assert str(err.value).startswith(f"{path}: ")
    assert problem in str(err.value)
    assert isinstance(err.value, InputError)  # the CLI maps it to exit code 2


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SbomReadError, match="no such file"):
        read_sbom(tmp_path / "nope.json")
    with pytest.raises(SbomReadError, match="is a folder"):
        read_sbom(tmp_path)


def test_size_cap(tmp_path: Path) -> None:
    huge = tmp_path / "huge.cdx.json"
    with huge.open("wb") as fh:  # sparse: nothing is written, nothing is read
        fh.truncate(501 * 1024 * 1024)
    with pytest.raises(SbomReadError, match="is 501 MB; SBOMs larger than 500 MB are not read"):
        read_sbom(huge)
    small = SBOMS / "cdxgen-1.5.cdx.json"
    with pytest.raises(SbomReadError, match="larger than 1000 bytes"):
        read_sbom(small, max_bytes=1000)


def test_format_is_told_from_the_content_not_the_name(tmp_path: Path) -> None:
    json_as_xml = tmp_path / "sbom.xml"
    json_as_xml.write_bytes(b"\xef\xbb\xbf\n  " + (SBOMS / "cdxgen-1.5.cdx.json").read_bytes())
    xml_as_json = tmp_path / "sbom.json"
    xml_as_json.write_bytes((SBOMS / "cyclonedx-py-1.5.cdx.xml").read_bytes())
    assert read_sbom(json_as_xml).spec_version == "1.5"
    assert read_sbom(xml_as_json).tool == "cyclonedx-py 4.5.0"


# ----------------------------------------------------------------------------- looks_like_sbom


@pytest.mark.parametrize(("name", "expected"), [
    ("syft-1.6.cdx.json", True),
    ("trivy-1.6.cdx.json", True),
    ("cdxgen-1.5.cdx.json", True),
    ("cyclonedx-py-1.6.cdx.json", True),  # keys sorted: bomFormat is at the end
    ("cyclonedx-py-1.5.cdx.xml", True),
    ("namespace-1.3.cdx.xml", True),
    ("truncated.cdx.json", True),  # looks like one; reading says what is wrong
    ("not-an-sbom.json", False),
    ("README.md", False),
])
def test_looks_like_sbom(name: str, expected: bool) -> None:
    assert looks_like_sbom(SBOMS / name) is expected


def test_looks_like_sbom_on_folders_and_missing_files(tmp_path: Path) -> None:
    assert looks_like_sbom(tmp_path) is False
    assert looks_like_sbom(AI_STACK) is False
    assert looks_like_sbom(tmp_path / "missing.json") is False
    assert looks_like_sbom(AI_STACK / "pyproject.toml") is False


# ----------------------------------------------------------------------------- performance


def test_reading_20000_components_is_fast(tmp_path: Path) -> None:
    n = 20_000
    components = []
    for i in range(n):
        ref = f"pkg:pypi/pkg-{i}@1.{i}.0"
        components.append({
            "type": "library", "bom-ref": ref, "name": f"pkg-{i}", "version": f"1.{i}.0",
            "scope": "required", "hashes": [{"alg": "SHA-256", "content": f"{i:064x}"}],
            "licenses": [{"license": {"id": ("MIT", "Apache-2.0", "BSD-3-Clause")[i % 3]}}],
            "purl": ref,
            "properties": [{"name": "compliance:direct", "value": "true" if i % 10 else "false"},
                           {"name": "compliance:source", "value": "registry"},
                           {"name": "compliance:declared-by", "value": "lock"}],
            "evidence": {"occurrences": [{"location": "uv.lock", "line": i + 1}]},
        })
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
           "metadata": {"component": {"type": "application", "bom-ref": "root", "name": "big"}},
           "components": components,
           "dependencies": [{"ref": "root", "dependsOn": [c["bom-ref"] for c in components[:50]]}]
           + [{"ref": components[i]["bom-ref"], "dependsOn": [components[i - 1]["bom-ref"]]}
              for i in range(1, n)]}
    path = _write(tmp_path, doc, "big.cdx.json")
    del doc, components
    gc.collect()
    read_sbom(SBOMS / "cdxgen-1.5.cdx.json")  # license tables and schema loaded once
    started = time.perf_counter()
    result = read_sbom(path)
    elapsed = time.perf_counter() - started
    assert len(result.inventory.components) == n
    assert len(result.inventory.dependencies) == n - 1
    assert result.diagnostics == []
    assert elapsed < 3.0, f"reading {n} components took {elapsed:.2f} s (target: under 1 s)"
