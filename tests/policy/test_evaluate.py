"""Inventory x rule packs x project policy -> findings (compliance.policy.evaluate)."""

from __future__ import annotations

import datetime
import importlib.util
import random
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from compliance.model import (
    Component,
    Finding,
    Inventory,
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ProjectInfo,
    ResolvedLicense,
    Scope,
    Severity,
)
from compliance.policy.config import ProjectConfig, load_config
from compliance.policy.evaluate import (
    NO_PROJECT_LICENSE,
    EvaluationResult,
    alternatives,
    evaluate_inventory,
)
from compliance.policy.packs import Pack, PolicyError, load_pack, load_packs, shipped_packs

HAS_COMPAT = importlib.util.find_spec("compliance.policy.compat") is not None
needs_compat = pytest.mark.skipif(not HAS_COMPAT, reason="compliance.policy.compat not there yet")

E, W, INF = Severity.ERROR, Severity.WARNING, Severity.INFO
TODAY = datetime.date(2026, 1, 15)

# A pack with the hygiene rules of `default` but no compatibility rule: usable without the
# compatibility engine.
HYGIENE = """\
id: hygiene
description: Missing and unknown licenses.
rules:
  - id: no-license
    match: {no_license: true}
    severity: warning
    reason: No license declared.
    fix: Curate it.
  - id: unknown-license
    match: {unknown: true}
    severity: warning
    reason: Unknown license.
    fix: Curate it.
  - id: deprecated-id
    match: {deprecated: true}
    severity: {distributed: warning, network: warning, internal: info}
    reason: Deprecated id.
    fix: Use the current id.
"""


def comp(name: str, license_: str | None, version: str | None = "1.0",
         scope: Scope = Scope.REQUIRED, occurrences: list[Location] | None = None) -> Component:
    purl = f"pkg:pypi/{name}@{version}" if version else f"pkg:pypi/{name}"
    c = Component(ref=purl, ecosystem="pypi", name=name, version=version, purl=purl, scope=scope,
                  occurrences=occurrences if occurrences is not None
                  else [Location("uv.lock", 10), Location("pyproject.toml", 7)])
    if license_ is not None:
        where = Location(f".venv/lib/site-packages/{name}-{version}.dist-info/METADATA", 5)
        c.licenses = [LicenseEvidence(LicenseEvidenceKind.FIELD, license_, where)]
        c.license = ResolvedLicense(license_, "declared", "license-field", str(where),
                                    known="LicenseRef-unknown-" not in license_)
    return c


def inventory(*components: Component) -> Inventory:
    inv = Inventory(root_name="svc")
    for c in components:
        inv.components[c.ref] = c
    return inv


def run(components: list[Component] | Inventory, packs: list[Pack] | list[str], *,
        use: str = "distributed", project_license: str | None = "Apache-2.0",
        config: ProjectConfig | None = None,
        today: datetime.date = TODAY) -> EvaluationResult:
    inv = components if isinstance(components, Inventory) else inventory(*components)
    loaded = [p if isinstance(p, Pack) else load_pack(p) for p in packs]
    return evaluate_inventory(inv, loaded, config or ProjectConfig(), use=use,
                              project_license=project_license, today=today)


def hygiene(tmp_path: Path) -> Pack:
    path = tmp_path / "hygiene.yaml"
    path.write_text(HYGIENE)
    return load_pack(path)


def found(result: EvaluationResult) -> list[tuple[str, Severity]]:
    return [(f.rule.split("/", 1)[1], f.severity) for f in result.findings]


# ----------------------------------------------------------------------------- expressions


@pytest.mark.parametrize(("expression", "expected"), [
    ("MIT", [["MIT"]]),
    ("MIT OR Apache-2.0", [["MIT"], ["Apache-2.0"]]),
    ("MIT AND Apache-2.0", [["MIT", "Apache-2.0"]]),
    ("MIT OR Apache-2.0 AND BSD-3-Clause", [["MIT"], ["Apache-2.0", "BSD-3-Clause"]]),
    ("(MIT OR Apache-2.0) AND BSD-3-Clause", [["MIT", "BSD-3-Clause"], ["Apache-2.0", "BSD-3-Clause"]]),
    ("GPL-2.0-only WITH Classpath-exception-2.0 OR MIT",
     [["GPL-2.0-only WITH Classpath-exception-2.0"], ["MIT"]]),
    ("mit or apache-2.0", [["mit"], ["apache-2.0"]]),  # operators in any case; ids as written
    ("MIT AND MIT", [["MIT"]]),
    ("GPL-2.0+", [["GPL-2.0+"]]),  # deprecated ids are kept as written
    ("MIT OR", [["MIT OR"]]),  # not an expression: one term nobody knows
    ("(MIT", [["(MIT"]]),
])
def test_alternatives(expression: str, expected: list[list[str]]) -> None:
    assert [[str(t) for t in choice] for choice in alternatives(expression)] == expected


def test_an_expression_with_too_many_alternatives_is_one_conjunction() -> None:
    expression = " AND ".join(f"(A{i} OR B{i})" for i in range(10))  # 1024 alternatives
    (choice,) = alternatives(expression)
    assert len(choice) == 20


# ----------------------------------------------------------------------------- shipped packs

# (pack, license, use, expected findings (rule, severity))
PACK_TABLE = [
    ("permissive-only", "MIT", "distributed", []),
    ("permissive-only", "CC0-1.0", "distributed", []),
    ("permissive-only", "Apache-2.0 WITH LLVM-exception", "distributed", []),
    ("permissive-only", "GPL-3.0-only", "distributed", [("not-permissive", E)]),
    ("permissive-only", "GPL-3.0-only", "internal", [("not-permissive", W)]),
    ("permissive-only", "MPL-2.0", "network", [("not-permissive", E)]),
    ("permissive-only", "LicenseRef-llama3.1", "distributed", [("not-permissive", E)]),
    ("permissive-only", "JSON", "distributed", [("use-restricted", W)]),
    ("permissive-only", "LicenseRef-unknown-foo", "distributed", [("unidentified", W)]),
    ("permissive-only", "MIT OR GPL-3.0-only", "distributed", []),
    ("permissive-only", "MIT AND GPL-3.0-only", "distributed", [("not-permissive", E)]),
    ("no-strong-copyleft", "MIT", "distributed", []),
    ("no-strong-copyleft", "GPL-3.0-only", "distributed", [("strong-copyleft", E)]),
    ("no-strong-copyleft", "GPL-3.0-only", "network", [("strong-copyleft", W)]),
    ("no-strong-copyleft", "GPL-3.0-only", "internal", [("strong-copyleft", INF)]),
    ("no-strong-copyleft", "GPL-2.0-or-later OR MIT", "distributed", []),
    ("no-strong-copyleft", "AGPL-3.0-only", "network", [("network-copyleft", E)]),
    ("no-strong-copyleft", "SSPL-1.0", "network", [("network-copyleft", E)]),
    ("no-strong-copyleft", "LGPL-2.1-only", "distributed", [("weak-copyleft", INF)]),
    ("no-strong-copyleft", "LGPL-2.1-only", "network", []),
    # the Classpath exception turns GPL into a weak copyleft for what links with it
    ("no-strong-copyleft", "GPL-2.0-only WITH Classpath-exception-2.0", "distributed",
     [("weak-copyleft", INF)]),
    ("no-network-copyleft", "AGPL-3.0-or-later", "network", [("network-copyleft", E)]),
    ("no-network-copyleft", "AGPL-3.0-or-later", "internal", [("network-copyleft", INF)]),
    ("no-network-copyleft", "MulanPubL-2.0", "network", [("network-copyleft", E)]),
    ("no-network-copyleft", "SSPL-1.0", "network", [("network-copyleft", E)]),
    ("no-network-copyleft", "Elastic-2.0", "network", [("hosted-service-restricted", E)]),
    ("no-network-copyleft", "Elastic-2.0", "distributed", [("hosted-service-restricted", W)]),
    ("no-network-copyleft", "EUPL-1.2", "network", [("network-clause", W)]),
    ("no-network-copyleft", "LicenseRef-llama3.1", "network", [("network-clause", W)]),
    ("no-network-copyleft", "GPL-3.0-only", "network", []),
    ("osi-approved", "MIT", "distributed", []),
    ("osi-approved", "CC0-1.0", "distributed", []),  # public domain dedications pass
    ("osi-approved", "JSON", "distributed", [("not-osi-approved", E)]),
    ("osi-approved", "CC-BY-4.0", "internal", [("not-osi-approved", E)]),
    ("osi-approved", "LicenseRef-unknown-foo", "distributed", [("not-osi-approved", E)]),
    ("osi-approved", "LicenseRef-llama2", "distributed", [("not-osi-approved", E)]),
    ("osi-approved", "JSON OR MIT", "distributed", []),
    ("asf", "Apache-2.0", "distributed", []),
    ("asf", "MIT AND BSD-3-Clause AND PSF-2.0 AND Zlib AND 0BSD", "distributed", []),
    ("asf", "MPL-2.0", "distributed", [("category-b", W)]),
    ("asf", "EPL-2.0", "distributed", [("category-b", W)]),
    ("asf", "CDDL-1.1", "distributed", [("category-b", W)]),
    ("asf", "GPL-2.0-only", "distributed", [("category-x", E)]),
    ("asf", "GPL-2.0-only WITH Classpath-exception-2.0", "distributed", [("category-x", E)]),
    ("asf", "LGPL-2.1-or-later", "distributed", [("category-x", E)]),
    ("asf", "AGPL-3.0-only", "distributed", [("category-x", E)]),
    ("asf", "SSPL-1.0", "distributed", [("category-x", E)]),
    ("asf", "BUSL-1.1", "distributed", [("category-x", E)]),
    ("asf", "CC-BY-NC-4.0", "distributed", [("category-x", E)]),
    ("asf", "JSON", "distributed", [("category-x", E)]),
    ("asf", "BSD-4-Clause", "distributed", [("category-x", E)]),
    ("asf", "Apache-2.0 AND LicenseRef-scancode-commons-clause", "distributed", [("category-x", E)]),
    ("asf", "GPL-2.0-or-later OR MPL-2.0", "distributed", [("category-b", W)]),  # B over X
    ("asf", "LicenseRef-unknown-foo", "distributed", [("not-listed", W)]),
    ("ai-models", "Apache-2.0", "distributed", []),
    ("ai-models", "LicenseRef-llama3.1", "distributed", [("llama", W)]),
    ("ai-models", "LicenseRef-llama2", "network", [("llama", W)]),
    ("ai-models", "LicenseRef-llama3.3", "internal", [("llama", INF)]),
    ("ai-models", "LicenseRef-gemma", "network", [("gemma", W)]),
    ("ai-models", "LicenseRef-qwen", "distributed", [("qwen", W)]),
    ("ai-models", "LicenseRef-tongyi-qianwen", "distributed", [("qwen", W)]),
    ("ai-models", "LicenseRef-deepseek", "network", [("deepseek", W)]),
    ("ai-models", "LicenseRef-openrail-m", "distributed", [("rail", W)]),
    ("ai-models", "LicenseRef-creativeml-openrail-m", "distributed", [("rail", W)]),
    ("ai-models", "LicenseRef-bigscience-bloom-rail-1.0", "distributed", [("rail", W)]),
    ("ai-models", "CC-BY-NC-4.0", "distributed", [("non-commercial", E)]),
    ("ai-models", "CC-BY-NC-SA-4.0", "network", [("non-commercial", E)]),
    ("ai-models", "CC-BY-NC-4.0", "internal", [("non-commercial", W)]),
    ("ai-models", "LicenseRef-qwen-research", "distributed", [("non-commercial", E)]),
    ("ai-models", "CC-BY-ND-4.0", "distributed", [("no-derivatives", W)]),
    ("ai-models", "LicenseRef-falcon", "distributed", [("other-ai-restricted", W)]),
    ("ai-models", "CC-BY-NC-4.0 OR Apache-2.0", "distributed", []),
]


@pytest.mark.parametrize(("pack", "license_", "use", "expected"), PACK_TABLE)
def test_each_pack_on_a_table_of_licenses(pack: str, license_: str, use: str,
                                          expected: list[tuple[str, Severity]]) -> None:
    result = run([comp("pkg", license_)], [pack], use=use)
    assert found(result) == expected
    assert all(f.rule.startswith(f"{pack}/") and f.pack == pack for f in result.findings)


def test_asf_category_x_in_an_optional_feature_is_a_warning() -> None:
    result = run([comp("opt", "GPL-3.0-only", scope=Scope.OPTIONAL)], ["asf"])
    assert found(result) == [("category-x-optional", W)]


def test_llama_reason_names_the_mau_threshold_and_the_naming_duty() -> None:
    (finding,) = run([comp("llama-weights", "LicenseRef-llama3.1")], ["ai-models"]).findings
    assert "700 million monthly active users" in finding.message
    assert '"Built with Llama"' in finding.message
    assert "beginning with \"Llama\"" in finding.message


# ----------------------------------------------------------------------------- the default pack


@needs_compat
@pytest.mark.parametrize(("license_", "project", "use", "expected"), [
    ("MIT", "Apache-2.0", "distributed", []),
    ("GPL-3.0-only", "Apache-2.0", "distributed", [("compatibility", E)]),
    ("GPL-3.0-only", "Apache-2.0", "internal", []),
    ("GPL-3.0-only", None, "distributed", [("compatibility", E)]),  # no license: proprietary
    ("Apache-2.0", "GPL-2.0-only", "distributed", [("compatibility", E)]),
    ("MIT OR GPL-3.0-only", "Apache-2.0", "distributed", []),
    ("LGPL-2.1-only", "Apache-2.0", "distributed", [("compatibility", INF)]),
    ("GPL-2.0+", "Apache-2.0", "distributed", [("compatibility", E), ("deprecated-id", W)]),
    ("LicenseRef-unknown-foo", "Apache-2.0", "distributed", [("unknown-license", W)]),
    (None, "Apache-2.0", "distributed", [("no-license", W)]),
])
def test_the_default_pack(license_: str | None, project: str | None, use: str,
                          expected: list[tuple[str, Severity]]) -> None:
    result = run([comp("pkg", license_)], ["default"], use=use, project_license=project)
    assert found(result) == expected


@needs_compat
def test_default_findings_carry_the_engines_reason_and_fix() -> None:
    result = run([comp("gplthing", "GPL-3.0-only")], ["default"])
    (finding,) = result.findings
    assert finding.rule == "default/compatibility"
    assert "GPL-3.0-only" in finding.message and "Apache-2.0" in finding.message
    assert "distributed use" in finding.message
    assert finding.fix.splitlines()[0]


@needs_compat
def test_obligations_are_listed_in_the_message() -> None:
    (finding,) = run([comp("lgpl", "LGPL-2.1-only")], ["default"]).findings
    assert finding.severity is INF
    assert "Obligations:" in finding.message


# ----------------------------------------------------------------------------- OR, AND, scopes


def test_the_alternative_chosen_is_the_best_for_all_rules_together() -> None:
    # permissive-only objects to both, asf only to GPL: MPL-2.0 is the better choice
    result = run([comp("dual", "GPL-2.0-only OR MPL-2.0")], ["permissive-only", "asf"])
    assert found(result) == [("not-permissive", E), ("category-b", W)]
    assert {f.chosen for f in result.findings} == {"MPL-2.0"}
    assert "alternative chosen: MPL-2.0" in result.findings[0].message


def test_the_fix_points_at_an_alternative_the_rule_accepts() -> None:
    (finding,) = run([comp("dual", "GPL-2.0-only OR MPL-2.0")], ["asf"]).findings
    assert finding.rule == "asf/category-b" and finding.chosen == "MPL-2.0"
    assert ("The license also offers 'GPL-2.0-only', which this rule accepts "
            "(but asf/category-x object to it).") in finding.fix


def test_an_or_that_avoids_the_rule_passes() -> None:
    assert run([comp("dual", "MIT OR GPL-3.0-only")], ["no-strong-copyleft"]).findings == []


def test_every_term_of_an_and_must_pass_and_the_message_names_it() -> None:
    (finding,) = run([comp("mix", "MIT AND GPL-3.0-only")], ["no-strong-copyleft"]).findings
    assert finding.message.startswith(
        "GPL-3.0-only in 'MIT AND GPL-3.0-only' (distributed use, project license Apache-2.0): ")
    assert finding.license == "MIT AND GPL-3.0-only"
    assert finding.chosen is None


def test_dev_components_are_not_checked_unless_a_rule_says_so(tmp_path: Path) -> None:
    dev = comp("pytest-gpl", "GPL-3.0-only", scope=Scope.EXCLUDED)
    assert run([dev], ["no-strong-copyleft", "permissive-only"]).findings == []
    path = tmp_path / "strict.yaml"
    path.write_text(textwrap.dedent("""\
        id: strict
        description: Even dev tools.
        rules:
          - id: no-gpl
            match: {families: [strong-copyleft]}
            scopes: [required, optional, excluded]
            severity: warning
            reason: No GPL anywhere.
            fix: Replace it.
        """))
    (finding,) = run([dev], [load_pack(path)]).findings
    assert finding.rule == "strict/no-gpl"
    assert "move it to a dev dependency group" not in finding.fix


def test_a_finding_describes_the_component() -> None:
    c = comp("torch-gpl", "GPL-3.0-only", version="2.3.1",
             occurrences=[Location("uv.lock", 40), Location("requirements.txt", 3)])
    (finding,) = run([c], ["no-strong-copyleft"]).findings
    assert finding.component_name == "torch-gpl"
    assert finding.component_version == "2.3.1"
    assert finding.purl == finding.component_ref == "pkg:pypi/torch-gpl@2.3.1"
    assert finding.location == Location("requirements.txt", 3)
    assert finding.pack == "no-strong-copyleft"
    assert finding.waived_by is None
    assert "move it to a dev dependency group" in finding.fix


def test_findings_are_sorted_by_severity_rule_and_component() -> None:
    result = run([comp("b", "GPL-3.0-only"), comp("a", "GPL-3.0-only"), comp("c", "LGPL-3.0-only"),
                  comp("d", "AGPL-3.0-only")], ["no-strong-copyleft"])
    assert [(f.severity, f.rule, f.component_name) for f in result.findings] == [
        (E, "no-strong-copyleft/network-copyleft", "d"),
        (E, "no-strong-copyleft/strong-copyleft", "a"),
        (E, "no-strong-copyleft/strong-copyleft", "b"),
        (INF, "no-strong-copyleft/weak-copyleft", "c"),
    ]
    assert result.summary == {"error": 3, "warning": 0, "info": 1, "waived": 0, "components": 4,
                              "components_with_findings": 4, "curated": 0, "expired_waivers": 0}
    assert result.failed("error") and result.failed(Severity.INFO)
    assert not result.failed("never")


def test_hygiene_rules_without_the_engine(tmp_path: Path) -> None:
    result = run([comp("nolic", None), comp("weird", "LicenseRef-unknown-foo"),
                  comp("old", "GPL-2.0+"), comp("noassert", "LicenseRef-unknown-noassertion")],
                 [hygiene(tmp_path)])
    assert [(f.rule, f.component_name) for f in result.findings] == [
        ("hygiene/deprecated-id", "old"),
        ("hygiene/no-license", "noassert"),
        ("hygiene/no-license", "nolic"),
        ("hygiene/unknown-license", "weird"),
    ]
    nolic = result.findings[2]
    assert nolic.license is None
    # no evidence at all (a lockfile entry) is not the same as a package declaring nothing
    assert nolic.message.startswith("no license information found (distributed use")
    assert result.findings[1].message.startswith("no license declared (distributed use")


def test_the_concluded_license_stands_in_for_an_unknown_declared_one() -> None:
    c = comp("pkg", "LicenseRef-unknown-see-license")
    c.concluded = ResolvedLicense("GPL-3.0-only", "concluded", "license-file", "LICENSE")
    (finding,) = run([c], ["no-strong-copyleft"]).findings
    assert finding.license == "GPL-3.0-only"


# ----------------------------------------------------------------------------- project license


def test_where_the_project_license_comes_from() -> None:
    inv = inventory(comp("a", "MIT"))
    assert run(inv, ["asf"]).project_license_source == "--project-license"
    yaml_config = ProjectConfig(path=".compliance.yaml", kind=".compliance.yaml", license="MIT")
    result = run(inv, ["asf"], project_license=None, config=yaml_config)
    assert (result.project_license, result.project_license_source) == ("MIT", ".compliance.yaml")
    toml_config = ProjectConfig(path="pyproject.toml", kind="pyproject.toml", license="MIT")
    assert run(inv, ["asf"], project_license=None,
               config=toml_config).project_license_source == "pyproject.toml"
    inv.project = ProjectInfo(name="svc", license="BSD-3-Clause")
    inv.project_license = ResolvedLicense("BSD-3-Clause", "declared", "manifest",
                                          "svc/pyproject.toml")
    result = run(inv, ["asf"], project_license=None)
    assert (result.project_license, result.project_license_source) == \
        ("BSD-3-Clause", "svc/pyproject.toml")
    inv.project_license = ResolvedLicense("MIT", "concluded", "license-file", "LICENSE")
    assert run(inv, ["asf"], project_license=None).project_license_source == "LICENSE file"
    inv.project_license = None
    result = run(inv, ["asf"], project_license=None)
    assert (result.project_license, result.project_license_source) == (None, NO_PROJECT_LICENSE)
    assert NO_PROJECT_LICENSE == "none: treated as proprietary"


def test_the_project_license_option_is_checked() -> None:
    assert run([comp("a", "MIT")], ["asf"], project_license="Apache 2.0").project_license == \
        "Apache-2.0"
    with pytest.raises(PolicyError, match=r"--project-license: 'no idea' is not a valid SPDX"):
        run([comp("a", "MIT")], ["asf"], project_license="no idea")
    with pytest.raises(PolicyError, match=r"unknown use 'saas'"):
        run([comp("a", "MIT")], ["asf"], use="saas")


def test_a_project_without_a_license_is_named_so() -> None:
    (finding,) = run([comp("g", "GPL-3.0-only")], ["no-strong-copyleft"],
                     project_license=None).findings
    assert "project without a license (treated as proprietary)" in finding.message


# ----------------------------------------------------------------------------- waivers


def config_from(tmp_path: Path, text: str, name: str = ".compliance.yaml") -> ProjectConfig:
    (tmp_path / name).write_text(textwrap.dedent(text))
    return load_config(tmp_path)


GPL_COMPONENTS = [comp("readline", "GPL-3.0-only", version="8.2"),
                  comp("other-gpl", "GPL-3.0-only", version="1.0")]


@pytest.mark.parametrize(("waiver", "waived"), [
    ("purl: pkg:pypi/readline@8.2\n    license: GPL-3.0-only", ["readline"]),
    ("purl: pkg:pypi/readline\n    license: GPL-3.0-only", ["readline"]),
    ("purl: pkg:pypi/readline@8.1\n    license: GPL-3.0-only", []),
    ("name: readline\n    license: GPL-3.0-only", ["readline"]),
    ("name: '*'\n    license: GPL-3.0-only", ["other-gpl", "readline"]),
    ("name: readline\n    version: '8.*'\n    license: GPL-3.0-only", ["readline"]),
    ("name: readline\n    version: '9.*'\n    license: GPL-3.0-only", []),
    # the license changed since the waiver was written: it no longer applies
    ("name: readline\n    license: GPL-2.0-only", []),
    ("name: readline\n    license: GPL-3.0-only\n    rules: [no-strong-copyleft/strong-copyleft]",
     ["readline"]),
    ("name: readline\n    license: GPL-3.0-only\n    rules: [asf/*]", []),
])
def test_waivers_match_by_purl_name_version_license_and_rule(tmp_path: Path, waiver: str,
                                                             waived: list[str]) -> None:
    config = config_from(tmp_path, f"waivers:\n  - {waiver}\n    reason: dynamic-linkage\n"
                                   "    comment: loaded at run time only\n")
    result = run(GPL_COMPONENTS, ["no-strong-copyleft"], config=config)
    assert sorted(f.component_name for f in result.waived) == waived
    assert len(result.findings) + len(result.waived) == 2
    for f in result.waived:
        assert f.waived_by == "dynamic-linkage: loaded at run time only"
        assert f.severity is E  # kept
    assert result.summary["waived"] == len(waived)


def test_a_waiver_for_one_id_covers_that_term_of_an_and(tmp_path: Path) -> None:
    config = config_from(tmp_path, """\
        waivers:
          - name: mix
            license: GPL-3.0-only
            reason: legal-approved
            comment: reviewed
        """)
    result = run([comp("mix", "MIT AND GPL-3.0-only")], ["no-strong-copyleft"], config=config)
    assert result.findings == [] and len(result.waived) == 1


def test_an_expired_waiver_no_longer_applies_and_is_a_finding(tmp_path: Path) -> None:
    config = config_from(tmp_path, """\
        waivers:
          - name: readline
            license: GPL-3.0-only
            reason: legal-approved
            comment: until the rewrite lands
            expires: 2025-12-31
        """)
    result = run(GPL_COMPONENTS, ["no-strong-copyleft"], config=config, today=TODAY)
    assert result.waived == []
    expired = [f for f in result.findings if f.rule == "config/expired-waiver"]
    assert len(expired) == 1
    (finding,) = expired
    assert finding.severity is W
    assert finding.message == ("waiver #1 (.compliance.yaml:2: readline, GPL-3.0-only) expired "
                               "on 2025-12-31: it no longer applies; 1 finding(s) it accepted "
                               "are reported again")
    assert finding.location == Location(".compliance.yaml", 2)
    assert result.summary["expired_waivers"] == 1
    # on the day it expires it still applies
    on_the_day = run(GPL_COMPONENTS, ["no-strong-copyleft"], config=config,
                     today=datetime.date(2025, 12, 31))
    assert [f.component_name for f in on_the_day.waived] == ["readline"]
    assert all(f.rule != "config/expired-waiver" for f in on_the_day.findings)


def test_a_waiver_accepts_a_missing_license(tmp_path: Path) -> None:
    config = config_from(tmp_path, """\
        waivers:
          - name: internal-lib
            license: NONE
            reason: internal-tool
            comment: our own package
        """)
    result = run([comp("internal-lib", None)], [hygiene(tmp_path)], config=config)
    assert result.findings == [] and [f.rule for f in result.waived] == ["hygiene/no-license"]


@pytest.mark.parametrize("kind", [".compliance.yaml", "pyproject.toml"])
def test_the_waiver_snippet_in_the_fix_is_a_working_waiver(tmp_path: Path, kind: str) -> None:
    components = [comp("readline", "GPL-3.0-only", version="8.2")]
    base = config_from(tmp_path, "use: distributed\n" if kind == ".compliance.yaml"
                       else "[tool.compliance]\nuse = 'distributed'\n", name=kind)
    (finding,) = run(components, ["no-strong-copyleft"], config=base).findings
    intro, _, snippet = finding.fix.partition(f"record a waiver in {kind}:\n")
    assert intro.endswith("If this use is acceptable, ")
    if kind == ".compliance.yaml":
        assert yaml.safe_load(snippet)["waivers"][0]["rules"] == [finding.rule]
        text = "use: distributed\n" + snippet
    else:
        assert snippet.startswith("[[tool.compliance.waivers]]\n")
        text = "[tool.compliance]\nuse = 'distributed'\n\n" + snippet
    (tmp_path / kind).write_text(text)
    result = run(components, ["no-strong-copyleft"], config=load_config(tmp_path))
    assert result.findings == [] and len(result.waived) == 1


# ----------------------------------------------------------------------------- curations


def test_a_curation_changes_the_license_before_evaluation_and_is_recorded(tmp_path: Path) -> None:
    config = config_from(tmp_path, """\
        curations:
          - purl: pkg:pypi/oldlib@1.0
            license: BSD-3-Clause
            comment: the sdist's LICENSE file is BSD-3-Clause; the metadata is wrong
        """)
    inv = inventory(comp("oldlib", "GPL-3.0-only"), comp("newlib", "GPL-3.0-only"))
    result = run(inv, ["no-strong-copyleft"], config=config)
    assert [f.component_name for f in result.findings] == ["newlib"]
    (applied,) = result.curations
    assert (applied.component_name, applied.previous, applied.license, applied.location) == \
        ("oldlib", "GPL-3.0-only", "BSD-3-Clause", ".compliance.yaml:2")
    assert result.summary["curated"] == 1
    # the inventory carries the corrected license (notices and SBOMs say it)
    curated = inv.components["pkg:pypi/oldlib@1.0"].license
    assert curated is not None
    assert (curated.expression, curated.source, curated.original) == \
        ("BSD-3-Clause", "curation", "GPL-3.0-only")
    # applying it again changes nothing
    again = run(inv, ["no-strong-copyleft"], config=config)
    assert again.curations == result.curations


def test_a_curation_gives_a_license_to_a_component_without_one(tmp_path: Path) -> None:
    config = config_from(tmp_path, """\
        curations:
          - name: nolic
            license: MIT
            comment: README says MIT
        """)
    result = run([comp("nolic", None)], [hygiene(tmp_path)], config=config)
    assert result.findings == []
    assert result.curations[0].previous is None


def test_waivers_do_not_change_the_inventory(tmp_path: Path) -> None:
    config = config_from(tmp_path, """\
        waivers:
          - name: readline
            license: GPL-3.0-only
            reason: legal-approved
            comment: ok
        """)
    inv = inventory(comp("readline", "GPL-3.0-only"))
    run(inv, ["no-strong-copyleft"], config=config)
    license_ = inv.components["pkg:pypi/readline@1.0"].license
    assert license_ is not None and license_.expression == "GPL-3.0-only"


# ----------------------------------------------------------------------------- performance


def test_20000_components_with_500_expressions_in_under_two_seconds() -> None:
    ids = ["MIT", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-only", "LGPL-2.1-or-later",
           "MPL-2.0", "LicenseRef-llama3.1", "CC-BY-NC-4.0", "ISC", "AGPL-3.0-only",
           "GPL-2.0-only WITH Classpath-exception-2.0", "LicenseRef-unknown-x", "JSON",
           "PSF-2.0", "Elastic-2.0", "EPL-2.0", "Zlib", "0BSD", "Unlicense", "CDDL-1.0"]
    rng = random.Random(7)
    forms = ["{a}", "{a} OR {b}", "{a} AND {b}", "{a} OR ({b} AND {c})", "({a} OR {b}) AND {c}"]
    expressions = list(dict.fromkeys(ids))
    while len(expressions) < 500:
        a, b, c = rng.sample(ids, 3)
        text = rng.choice(forms[1:]).format(a=a, b=b, c=c)
        if text not in expressions:
            expressions.append(text)
    assert len(set(expressions)) == 500
    scopes = [Scope.REQUIRED, Scope.OPTIONAL, Scope.EXCLUDED]
    inv = inventory(*(comp(f"pkg{n}", expressions[n % 500], scope=scopes[n % 3])
                      for n in range(20_000)))
    packs = load_packs(shipped_packs() if HAS_COMPAT else
                       [p for p in shipped_packs() if p != "default"])
    # warm the license catalog and the compatibility data: loading them is not evaluation
    run([comp("warm", "MIT")], packs)
    start = time.perf_counter()
    result = run(inv, packs)
    elapsed = time.perf_counter() - start
    assert result.summary["components"] == 20_000
    assert result.findings
    assert elapsed < 2.0, f"{elapsed:.2f} s"


def test_finding_type_is_the_shared_model() -> None:
    (finding,) = run([comp("g", "GPL-3.0-only")], ["no-strong-copyleft"]).findings
    assert isinstance(finding, Finding)
