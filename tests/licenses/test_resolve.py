"""Resolving each component's license from its evidence, and saying how it is known."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from compliance.licenses.identify import LicenseMatch
from compliance.licenses.resolve import EvidencePool, expression_from_matches, resolve_inventory
from compliance.model import (
    Component,
    Inventory,
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ProjectInfo,
)
from tests.conftest import CliResult

CORPUS = Path(__file__).parent / "corpus" / "files"
MIT_TEXT = """MIT License

Copyright (c) 2018 Example Authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def _ev(kind: LicenseEvidenceKind, value: str, where: str = "site/x.dist-info/METADATA") -> LicenseEvidence:
    return LicenseEvidence(kind, value, Location(where, 3))


def _inv(*comps: Component) -> Inventory:
    inv = Inventory(root_name="repo")
    for c in comps:
        inv.components[c.ref] = c
    return inv


def _comp(name: str, version: str | None = "1.0", *evidence: LicenseEvidence) -> Component:
    ref = f"pkg:pypi/{name}@{version}" if version else f"pkg:pypi/{name}"
    return Component(ref=ref, ecosystem="pypi", name=name, version=version, purl=ref,
                     licenses=list(evidence))


def test_order_of_trust() -> None:
    both = _comp("a", "1", _ev(LicenseEvidenceKind.CLASSIFIER, "License :: OSI Approved :: MIT License"),
                 _ev(LicenseEvidenceKind.FIELD, "BSD"),
                 _ev(LicenseEvidenceKind.EXPRESSION, "Apache-2.0 OR MIT"))
    field_only = _comp("b", "1", _ev(LicenseEvidenceKind.FIELD, "Apache License, Version 2.0"),
                       _ev(LicenseEvidenceKind.CLASSIFIER, "License :: OSI Approved :: MIT License"))
    unknown_field = _comp("c", "1", _ev(LicenseEvidenceKind.FIELD, "UNKNOWN"),
                          _ev(LicenseEvidenceKind.CLASSIFIER, "License :: OSI Approved :: MIT License"))
    resolve_inventory(_inv(both, field_only, unknown_field))
    assert both.license is not None and (both.license.expression, both.license.source) == (
        "Apache-2.0 OR MIT", "license-expression")
    assert field_only.license is not None and (field_only.license.expression, field_only.license.source) == (
        "Apache-2.0", "license-field")
    assert field_only.license.original == "Apache License, Version 2.0"
    assert unknown_field.license is not None and (unknown_field.license.expression, unknown_field.license.source) == (
        "MIT", "classifier")
    assert all(c.license and c.license.acknowledgement == "declared" for c in (both, field_only, unknown_field))


def test_license_field_holding_a_whole_text_is_identified() -> None:
    comp = _comp("pkg", "1", _ev(LicenseEvidenceKind.FIELD, MIT_TEXT))
    resolve_inventory(_inv(comp))
    assert comp.license is not None
    assert (comp.license.expression, comp.license.source, comp.license.known) == ("MIT", "license-field-text", True)
    assert comp.license.score is not None and comp.license.score > 0.9


def test_unmappable_text_is_kept_and_flagged() -> None:
    comp = _comp("pkg", "1", _ev(LicenseEvidenceKind.FIELD, "Frobnicator Community Terms v7"))
    resolve_inventory(_inv(comp))
    assert comp.license is not None and not comp.license.known
    assert comp.license.expression.startswith("LicenseRef-unknown-")
    assert comp.license.original == "Frobnicator Community Terms v7"


def test_license_files_give_the_concluded_license(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / "pkg-1.0.dist-info").mkdir(parents=True)
    (site / "pkg-1.0.dist-info" / "LICENSE").write_text(MIT_TEXT)
    comp = _comp("pkg", "1.0", _ev(LicenseEvidenceKind.FILE, "pkg-1.0.dist-info/LICENSE",
                                  "venv-site/pkg-1.0.dist-info/METADATA"))
    resolve_inventory(_inv(comp), roots={"venv-site": site})
    assert comp.license is None  # nothing declared
    assert comp.concluded is not None
    assert (comp.concluded.expression, comp.concluded.acknowledgement) == ("MIT", "concluded")
    assert comp.concluded.location == "venv-site/pkg-1.0.dist-info/METADATA:3"


def test_pool_lends_evidence_for_the_same_version_only() -> None:
    pool = EvidencePool()
    pool.add("Torch", "2.3.1", (_ev(LicenseEvidenceKind.EXPRESSION, "BSD-3-Clause"),))
    same = _comp("torch", "2.3.1")
    other = _comp("numpy", "1.26.4")
    inv = _inv(same, other)
    newer = _comp("torch", "2.4.0")
    inv.components[newer.ref] = newer
    resolve_inventory(inv, pool=pool)
    assert same.license is not None and same.license.expression == "BSD-3-Clause"
    assert newer.license is None and other.license is None


def test_exceptions_join_with_with() -> None:
    ms = [LicenseMatch("Apache-2.0", 1.0, 1, 200), LicenseMatch("LLVM-exception", 1.0, 201, 215),
          LicenseMatch("MIT", 1.0, 220, 240), LicenseMatch("MIT", 1.0, 250, 270)]
    assert expression_from_matches(ms) == "(Apache-2.0 WITH LLVM-exception) AND MIT"
    assert expression_from_matches([]) is None


def test_project_license_from_manifest() -> None:
    inv = _inv()
    inv.project = ProjectInfo("svc", "1.0", "Apache 2.0", None, Location("pyproject.toml", 2))
    resolve_inventory(inv)
    assert inv.project_license is not None
    assert (inv.project_license.expression, inv.project_license.location) == ("Apache-2.0", "pyproject.toml")


def _dist(site: Path, name: str, version: str, headers: str) -> None:
    d = site / f"{name}-{version}.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{headers}\n")


def test_repository_venv_lends_licenses_without_adding_components(
        tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("torch==2.3.1\nrequests==2.32.3\n")
    (repo / "LICENSE").write_text(MIT_TEXT)
    site = repo / ".venv" / "lib" / "python3.11" / "site-packages"
    (repo / ".venv" / "pyvenv.cfg").parent.mkdir(parents=True, exist_ok=True)
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    _dist(site, "torch", "2.3.1", "License: BSD-3\nClassifier: License :: OSI Approved :: BSD License")
    _dist(site, "requests", "2.31.0", "License-Expression: Apache-2.0")  # another version
    _dist(site, "idna", "3.7", "License-Expression: BSD-3-Clause")  # installed, not used
    result = run_cli("scan", repo, "--output-reproducible")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    comps = {c["name"]: c for c in doc["components"]}
    assert set(comps) == {"torch", "requests"}
    assert comps["torch"]["licenses"] == [{"expression": "BSD-3-Clause", "acknowledgement": "declared"}]
    props = {p["name"]: p["value"] for p in comps["torch"]["properties"]}
    assert props["compliance:license-source"] == "license-field"
    assert props["compliance:license-location"] == ".venv/lib/python3.11/site-packages/torch-2.3.1.dist-info/METADATA:4"
    assert "licenses" not in comps["requests"]
    # no manifest license: the project's LICENSE file is identified
    assert doc["metadata"]["component"]["licenses"] == [{"expression": "MIT", "acknowledgement": "concluded"}]


def test_repository_license_files_resolve_inside_the_root_only(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "third_party" / "x").mkdir(parents=True)
    (repo / "third_party" / "x" / "LICENSE").write_text(MIT_TEXT)
    (tmp_path / "outside-LICENSE").write_text(MIT_TEXT)
    inside = _comp("third_party/x", None, _ev(LicenseEvidenceKind.FILE, "third_party/x/LICENSE",
                                              "third_party/x/LICENSE"))
    escape = _comp("y", None, _ev(LicenseEvidenceKind.FILE, "../outside-LICENSE", "y/LICENSE"))
    resolve_inventory(_inv(inside, escape), roots={".": repo})
    assert inside.concluded is not None and inside.concluded.expression == "MIT"
    assert escape.concluded is None


def test_different_tags_across_files_all_apply() -> None:
    comp = _comp("third_party/cutlass", None,
                 _ev(LicenseEvidenceKind.EXPRESSION, "BSD-3-Clause", "third_party/cutlass/a.h"),
                 _ev(LicenseEvidenceKind.EXPRESSION, "Apache-2.0 OR MIT", "third_party/cutlass/b.h"),
                 _ev(LicenseEvidenceKind.EXPRESSION, "BSD-3-Clause", "third_party/cutlass/c.h"))
    resolve_inventory(_inv(comp))
    assert comp.license is not None
    assert comp.license.expression == "BSD-3-Clause AND (Apache-2.0 OR MIT)"
