"""The registry: all_checks, select_checks, run_checks; and the checks on a real scan."""
# ruff: noqa: RUF001  (Chinese text has full-width punctuation on purpose)

from __future__ import annotations

from pathlib import Path

import pytest

import compliance.risks as risks
from compliance.errors import InputError
from compliance.model import Finding, Location, Severity, Source, SourceKind
from compliance.risks import all_checks, run_checks, select_checks
from tests.risks.helpers import COMMIT, MANIFEST, comp, inventory

EXPECTED = [
    "risk/unpinned", "risk/unlocked-repository", "risk/no-hashes", "risk/vcs-without-commit",
    "risk/direct-url", "risk/extra-index-url", "risk/non-default-index", "risk/local-path",
    "risk/typosquat",
    "risk/no-license", "risk/unknown-license", "risk/not-osi-approved",
    "risk/trust-remote-code", "risk/unpinned-model", "risk/http-model-download",
    "risk/unsafe-serialization",
    "risk/sbom-quality",
]


def test_all_checks_in_a_stable_order() -> None:
    checks = all_checks()
    assert [c.id for c in checks] == EXPECTED
    assert [c.id for c in all_checks()] == EXPECTED  # same again
    for c in checks:
        assert c.id.startswith("risk/") and c.name == c.id[5:]
        assert isinstance(c.severity, Severity)
        assert c.title and c.why and c.fix and callable(c.run)
    assert {c.family for c in checks} == {"pinning", "sources", "typosquat", "licenses", "ai",
                                          "ntia"}


def test_select_by_id_name_family_and_glob() -> None:
    assert [c.id for c in select_checks(["risk/typosquat"])] == ["risk/typosquat"]
    assert [c.id for c in select_checks(["no-hashes"])] == ["risk/no-hashes"]
    assert [c.id for c in select_checks(["ai"])] == EXPECTED[12:16]
    assert [c.id for c in select_checks(["risk/*-license"])] == ["risk/no-license",
                                                                 "risk/unknown-license"]
    # the order is the registry's, whatever the order asked
    assert [c.id for c in select_checks(["typosquat", "unpinned"])] == ["risk/unpinned",
                                                                        "risk/typosquat"]
    assert len(select_checks(["all"])) == len(EXPECTED) == len(select_checks(None))
    assert risks.get_check("typosquat").id == "risk/typosquat"


def test_unknown_selection_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no risk check matches 'risk/nope'"):
        select_checks(["risk/nope"])
    with pytest.raises(InputError):
        risks.get_check("nope")


def _messy():
    return inventory(
        comp("zeta", "1.0"),  # locked, no hash, no license
        comp("alpha", "1.0", kinds=[MANIFEST],
             source=Source(SourceKind.VCS, "https://github.com/a/alpha", vcs="git",
                           revision="main"),
             occurrences=[Location("b.txt", 4), Location("a.txt", 9), Location("a.txt", 2)]),
        comp("reqeusts", "2.0", license="MIT"),
        comp("beta", "2.0", license="MIT", source=Source(SourceKind.VCS, "https://g/b",
                                                          vcs="git", commit=COMMIT)),
    )


def test_run_checks_is_stable_and_well_formed() -> None:
    inv = _messy()
    found = run_checks(inv)
    assert found == run_checks(inv)
    ids = [c.id for c in all_checks()]
    positions = [ids.index(f.rule) for f in found]
    assert positions == sorted(positions), "findings follow the registry order"
    for f in found:
        assert isinstance(f, Finding) and f.pack == "risks" and f.message and f.fix
    rules = {f.rule for f in found}
    assert {"risk/no-hashes", "risk/vcs-without-commit", "risk/typosquat", "risk/no-license",
            "risk/sbom-quality"} <= rules
    vcs = next(f for f in found if f.rule == "risk/vcs-without-commit")
    assert vcs.location == Location("a.txt", 2)  # the first occurrence by path, then line
    no_license = [f.component_name for f in found if f.rule == "risk/no-license"]
    assert no_license == sorted(no_license)


def test_run_checks_select() -> None:
    found = run_checks(_messy(), select=["typosquat"])
    assert [f.rule for f in found] == ["risk/typosquat"]


def test_run_checks_passes_sbom_facts_to_sbom_quality() -> None:
    found = run_checks(_messy(), select=["sbom-quality"], has_timestamp=False, author=None)
    assert "timestamp no" in found[0].message and "author of the SBOM data no" in found[0].message


def test_risk_checks_on_the_example_repository() -> None:
    from compliance.scan import ScanConfig, scan_repository

    root = Path(__file__).resolve().parents[2] / "examples" / "llm-serving"
    inv = scan_repository(root, ScanConfig()).inventory
    found = run_checks(inv)
    rules = {f.rule for f in found}
    # requirements/serve.txt adds the PyTorch index with --extra-index-url
    assert "risk/extra-index-url" in rules
    assert "risk/typosquat" not in rules  # every name there is a real, popular package
    assert sum(f.rule == "risk/sbom-quality" for f in found) == 1
    assert "risk/unlocked-repository" not in rules  # it has a uv.lock


def test_add_to_result_merges_counts_and_order() -> None:
    from compliance.policy.evaluate import EvaluationResult

    policy = Finding("default/x", Severity.WARNING, "m", "f", component_ref="pkg:pypi/b@1",
                     component_name="b", pack="default")
    result = EvaluationResult([policy], [], {"error": 0, "warning": 1, "info": 0,
                                             "components_with_findings": 1},
                              None, "none", "distributed", ["default"])
    risky = run_checks(_messy(), select=["vcs-without-commit", "sbom-quality"])
    risks.add_to_result(result, risky)
    assert [f.severity for f in result.findings] == [Severity.ERROR, Severity.WARNING,
                                                     Severity.INFO]
    assert result.summary["error"] == 1 and result.summary["info"] == 1
    assert result.summary["risks"] == 2 and result.summary["components_with_findings"] == 2
    assert result.failed("error")


def test_add_to_result_leaves_out_what_a_rule_pack_already_says() -> None:
    from compliance.policy.evaluate import EvaluationResult

    zeta = _messy().components["pkg:pypi/zeta@1.0"]
    policy = Finding("default/no-license", Severity.WARNING, "m", "f", component_ref=zeta.ref,
                     component_name="zeta", pack="default")
    result = EvaluationResult([policy], [], {}, None, "none", "distributed", ["default"])
    risky = run_checks(_messy(), select=["no-license", "no-hashes"])
    assert {(f.rule, f.component_name) for f in risky} >= {("risk/no-license", "zeta"),
                                                           ("risk/no-hashes", "zeta")}
    added = risks.add_to_result(result, risky)
    rules = [(f.rule, f.component_name) for f in result.findings]
    assert ("risk/no-license", "zeta") not in rules and ("risk/no-hashes", "zeta") in rules
    assert added == len(risky) - 1 == result.summary["risks"]


def _has_field(cls: type, name: str) -> bool:
    import dataclasses

    return any(f.name == name for f in dataclasses.fields(cls))


@pytest.mark.skipif(not _has_field(__import__("compliance.model").model.Component, "properties"),
                    reason="Component has no properties field yet: the ML scanners' facts are "
                           "dropped before they reach the inventory")
def test_model_risks_on_the_example_repository() -> None:
    from compliance.scan import ScanConfig, scan_repository

    root = Path(__file__).resolve().parents[2] / "examples" / "llm-serving"
    found = run_checks(scan_repository(root, ScanConfig()).inventory, select=["ai"])
    trc = [f for f in found if f.rule == "risk/trust-remote-code"]
    # engine.py loads nomic-ai/nomic-embed-text-v1.5 with trust_remote_code=True, unpinned
    assert [(f.component_name, f.severity) for f in trc] == [
        ("nomic-ai/nomic-embed-text-v1.5", Severity.ERROR)]


def _check_has_risks_option() -> bool:
    from compliance.cli.check import check_command

    return any(p.name == "with_risks" for p in check_command.params)


@pytest.mark.skipif(not _check_has_risks_option(),
                    reason="compliance check --risks is not wired yet")
def test_compliance_check_risks(run_cli) -> None:
    import json

    root = Path(__file__).resolve().parents[2] / "examples" / "llm-serving"
    res = run_cli("check", root, "--risks", "--format", "json", "--fail-on", "never")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    rules = [f["rule"] for f in doc["findings"]]
    assert "risk/extra-index-url" in rules and "risk/sbom-quality" in rules
    assert doc["summary"]["risks"] == sum(r.startswith("risk/") for r in rules)
    only = run_cli("check", root, "--risk-checks", "sbom-quality", "--format", "json")
    assert [f["rule"] for f in json.loads(only.stdout)["findings"]
            if f["rule"].startswith("risk/")] == ["risk/sbom-quality"]
    bad = run_cli("check", root, "--risk-checks", "nope")
    assert bad.exit_code == 2 and "no risk check matches 'nope'" in bad.stderr


def test_every_risk_finding_is_also_in_chinese() -> None:
    from compliance.scan import ScanConfig, scan_repository

    root = Path(__file__).resolve().parents[2] / "examples" / "llm-serving"
    found = run_checks(scan_repository(root, ScanConfig()).inventory)
    assert len({f.rule for f in found}) >= 4
    for f in found:
        ((lang, message, fix),) = f.translations
        assert lang == "zh-CN"
        assert f.localized("zh-CN") == (message, fix) and f.localized("en") == (f.message, f.fix)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message + fix), f.rule
        if f.component_name:  # names stay as they are
            assert f.component_name.split("/")[-1] in message, (f.rule, message)


def test_risk_findings_in_chinese_keep_names_urls_and_commands() -> None:
    from tests.risks.helpers import comp, inventory

    inv = inventory(
        comp("reqeusts", "2.0"),
        comp("mywheel", "1.0", kinds=[MANIFEST], source=Source(
            SourceKind.URL, "http://bob:s3cret@mirror.internal/mywheel-1.0.tar.gz")),
        comp("gitdep", None, kinds=[MANIFEST], source=Source(
            SourceKind.VCS, "https://github.com/a/gitdep", revision="main", vcs="git")),
        comp("nolicense", "1.0"))
    found = {(f.rule, f.component_name): f for f in run_checks(inv)}
    squat = found["risk/typosquat", "reqeusts"].localized("zh-CN")
    assert "'reqeusts' 看起来像热门软件包 'requests'（'ue' 互换成了 'eu'）" in squat[0]
    http = found["risk/direct-url", "mywheel"].localized("zh-CN")
    assert "明文 HTTP" in http[0] and "s3cret" not in http[0] and "https://" in http[1]
    vcs = found["risk/vcs-without-commit", "gitdep"].localized("zh-CN")
    assert "使用分支 'main'" in vcs[0] and "'gitdep @ git+https://github.com/a/gitdep@" in vcs[1]
    none = found["risk/no-license", "nolicense"].localized("zh-CN")
    assert none[0].startswith("未找到 'nolicense 1.0' 的许可证") and "--python" in none[1]
