"""`compliance diff OLD NEW`: what changed between two SBOMs, for people, machines and PRs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from compliance.cli.diff import diff_command
from compliance.cli.main import cli
from compliance.diff import (
    compare_versions,
    component_identity,
    diff_inventories,
    license_key,
    render,
    to_json,
)
from compliance.model import Component, Inventory, ResolvedLicense, Scope
from tests.conftest import FIXTURES, CliResult, assert_golden

RunCli = Callable[..., CliResult]

# the lead wires the command into compliance/cli/main.py; until then the tests add it
if "diff" not in cli.commands:
    cli.add_command(diff_command)

PAIR = FIXTURES / "diff"
SBOMS = FIXTURES / "sboms"


def _dist(site: Path, name: str, version: str, headers: str) -> None:
    d = site / f"{name}-{version}.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{headers}\n")


def _repo(root: Path, requirements: str, dev: list[str], dists: list[tuple[str, str, str]]) -> Path:
    root.mkdir()
    group = ", ".join(f'"{d}"' for d in dev)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0"\nlicense = "Apache-2.0"\n\n'
        f"[dependency-groups]\ndev = [{group}]\n")
    (root / "requirements.txt").write_text(requirements)
    site = root / ".venv" / "lib" / "python3.11" / "site-packages"
    (root / ".venv").mkdir()
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    for name, version, headers in dists:
        _dist(site, name, version, headers)
    return root


@pytest.fixture
def pair(tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Two SBOMs of one service, before and after a change, scanned into tmp_path (the current
    folder, so that the names in the output are relative): requests upgraded, numpy downgraded
    with another license, old-thing removed, readline-gpl added, black moved to the dev group,
    pytest moved out of it and given a license."""
    old = _repo(tmp_path / "old", "requests==2.31.0\nnumpy==2.0.0\nold-thing==1.0\nblack==24.1.0\n",
                ["pytest==8.2.0"],
                [("requests", "2.31.0", "License-Expression: Apache-2.0"),
                 ("numpy", "2.0.0", "License-Expression: BSD-3-Clause"),
                 ("old-thing", "1.0", "License-Expression: MIT"),
                 ("black", "24.1.0", "License-Expression: MIT")])
    new = _repo(tmp_path / "new", "requests==2.32.3\nnumpy==1.26.4\nreadline-gpl==8.2\npytest==8.2.0\n",
                ["black==24.1.0"],
                [("requests", "2.32.3", "License-Expression: Apache-2.0"),
                 ("numpy", "1.26.4", "License-Expression: BSD-3-Clause OR MIT"),
                 ("readline-gpl", "8.2", "License: GPLv3"),
                 ("black", "24.1.0", "License-Expression: MIT"),
                 ("pytest", "8.2.0", "License-Expression: MIT")])
    for repo in (old, new):
        result = run_cli("scan", repo, "-o", tmp_path / f"{repo.name}.cdx.json", "-q",
                         "--output-reproducible")
        assert result.exit_code == 0, result.stderr
    monkeypatch.chdir(tmp_path)
    return "old.cdx.json", "new.cdx.json"


# ----------------------------------------------------------------------------- the CLI


def test_text_json_markdown_goldens(pair: tuple[str, str], run_cli: RunCli) -> None:
    for fmt, golden in (("text", "diff.txt"), ("json", "diff.json"), ("markdown", "diff.md")):
        result = run_cli("diff", *pair, "--format", fmt, "--lang", "en")
        assert result.exit_code == 0, result.stderr
        assert_golden(golden, result.stdout)
    result = run_cli("diff", *pair, "--lang", "zh-CN")
    assert result.exit_code == 0
    assert_golden("diff.zh-CN.txt", result.stdout)


def test_json_shape(pair: tuple[str, str], run_cli: RunCli) -> None:
    doc = json.loads(run_cli("diff", *pair, "--format", "json").stdout)
    assert set(doc) == {"version", "old", "new", "added", "removed", "changed",
                        "license_changes", "summary"}
    assert doc["old"] == {"file": "old.cdx.json", "components": 5}
    assert [c["name"] for c in doc["added"]] == ["readline-gpl"]
    assert doc["added"][0]["license"] == "GPL-3.0-only"
    assert [c["name"] for c in doc["removed"]] == ["old-thing"]
    changes = {c["name"]: (c["version_change"], c["scope_change"]) for c in doc["changed"]}
    assert changes == {"requests": ("upgraded", False), "numpy": ("downgraded", False),
                       "black": (None, True), "pytest": (None, True)}
    assert [(c["name"], c["which"], c["old"], c["new"]) for c in doc["license_changes"]] == [
        ("numpy", "declared", "BSD-3-Clause", "BSD-3-Clause OR MIT"),
        ("pytest", "declared", None, "MIT")]
    assert doc["summary"] == {"added": 1, "removed": 1, "upgraded": 1, "downgraded": 1,
                              "version_changed": 0, "scope_changed": 2, "license_changed": 2,
                              "unchanged": 0}


def test_xml_against_json_gives_the_same_diff(pair: tuple[str, str], run_cli: RunCli,
                                              tmp_path: Path) -> None:
    assert run_cli("scan", tmp_path / "new", "-o", "new.cdx.xml", "--format", "cyclonedx-xml",
                   "-q").exit_code == 0
    as_json = json.loads(run_cli("diff", *pair, "--format", "json").stdout)
    mixed = json.loads(run_cli("diff", pair[0], "new.cdx.xml", "--format", "json").stdout)
    assert mixed["new"]["file"] == "new.cdx.xml"
    mixed["new"]["file"] = "new.cdx.json"
    assert mixed == as_json


def test_the_same_sbom_has_no_differences(pair: tuple[str, str], run_cli: RunCli) -> None:
    result = run_cli("diff", pair[0], pair[0], "--lang", "en")
    assert result.exit_code == 0
    assert result.stdout == ("compliance diff: old.cdx.json -> old.cdx.json\n"
                             "5 -> 5 components: no differences\n")
    doc = json.loads(run_cli("diff", pair[0], pair[0], "--format", "json").stdout)
    assert doc["summary"]["unchanged"] == 5 and not doc["added"] and not doc["changed"]


def test_output_file_and_summary_on_stderr(pair: tuple[str, str], run_cli: RunCli,
                                           tmp_path: Path) -> None:
    result = run_cli("diff", *pair, "--format", "markdown", "-o", "comment.md", "--lang", "en")
    assert result.exit_code == 0 and result.stdout == ""
    assert (tmp_path / "comment.md").read_text().startswith("### SBOM diff: `old.cdx.json`")
    assert "1 added, 1 removed" in result.stderr
    quiet = run_cli("diff", *pair, "--format", "json", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_lang_comes_from_the_locale(pair: tuple[str, str], run_cli: RunCli,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert run_cli("diff", *pair).stdout.startswith("SBOM 差异")
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert run_cli("diff", *pair).stdout.startswith("compliance diff:")
    bad = run_cli("diff", *pair, "--lang", "tlh")
    assert bad.exit_code == 2 and "tlh" in bad.stderr


@pytest.mark.parametrize("name", ["not-an-sbom.json", "truncated.cdx.json",
                                  "billion-laughs.cdx.xml"])
def test_unreadable_input_exits_2_naming_the_file(name: str, run_cli: RunCli) -> None:
    good = SBOMS / "syft-1.6.cdx.json"
    for args in ((SBOMS / name, good), (good, SBOMS / name)):
        result = run_cli("diff", *args)
        assert result.exit_code == 2 and result.stdout == ""
        assert name in result.stderr


def test_missing_file_or_folder_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    good = SBOMS / "syft-1.6.cdx.json"
    assert run_cli("diff", good, tmp_path / "nope.json").exit_code == 2
    assert run_cli("diff", tmp_path, good).exit_code == 2
    assert run_cli("diff", good, good, "--format", "sarif").exit_code == 2


def test_sboms_of_other_tools(run_cli: RunCli) -> None:
    result = run_cli("diff", SBOMS / "cyclonedx-py-1.5.cdx.xml", SBOMS / "cyclonedx-py-1.6.cdx.json",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["old"]["components"] > 0 and doc["new"]["components"] > 0
    result = run_cli("diff", SBOMS / "syft-1.6.cdx.json", SBOMS / "trivy-1.6.cdx.json")
    assert result.exit_code == 0, result.stderr
    assert "Added (" in result.stdout and "Removed (" in result.stdout
    # an invalid SBOM is still compared, with its problems on stderr
    invalid = run_cli("diff", SBOMS / "invalid-enum.cdx.json", SBOMS / "invalid-enum.cdx.json")
    assert invalid.exit_code == 0 and "warning" in invalid.stderr
    assert "no differences" in invalid.stdout


def test_a_pair_in_other_ecosystems(run_cli: RunCli) -> None:
    result = run_cli("diff", PAIR / "other-old.cdx.json", PAIR / "other-new.cdx.xml",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [(c["ecosystem"], c["name"]) for c in doc["added"]] == [("cargo", "serde")]
    assert [(c["ecosystem"], c["name"]) for c in doc["removed"]] == [("golang", "github.com/x/y")]
    changed = {c["name"]: (c["old"]["version"], c["new"]["version"], c["version_change"],
                           c["old"]["scope"], c["new"]["scope"]) for c in doc["changed"]}
    assert changed == {
        "@scope/left-pad": ("1.0.0", "1.0.1", "upgraded", "required", "required"),
        "debian/openssl": ("1.1.1n-0+deb11u5", "3.0.11-1~deb12u2", "changed", "required",
                           "required"),
        "org.apache.commons/commons-lang3": ("3.12.0", "3.12.0", None, "required", "optional"),
    }
    # "MIT OR Apache-2.0" and "Apache-2.0 OR MIT" are the same license; the concluded one moved
    assert [(c["name"], c["which"], c["old"], c["new"]) for c in doc["license_changes"]] == [
        ("debian/openssl", "declared", "OpenSSL", "Apache-2.0"),
        ("foo-bar", "concluded", "MIT", "Apache-2.0")]
    assert doc["summary"]["unchanged"] == 0
    text = run_cli("diff", PAIR / "other-old.cdx.json", PAIR / "other-new.cdx.xml",
                   "--lang", "en").stdout
    assert "Other version changes (1)" in text and "1 other version change," in text


# ----------------------------------------------------------------------------- the comparison


def _comp(name: str, version: str | None, license_: str | None = "MIT",
          concluded: str | None = None, scope: Scope = Scope.REQUIRED,
          ecosystem: str = "pypi", ref: str | None = None) -> Component:
    purl = f"pkg:{ecosystem}/{name}" + (f"@{version}" if version else "")
    lic = ResolvedLicense(license_, "declared", "test", None) if license_ else None
    con = ResolvedLicense(concluded, "concluded", "test", None) if concluded else None
    return Component(ref=ref or purl, ecosystem=ecosystem, name=name, version=version, purl=purl,
                     scope=scope, license=lic, concluded=con)


def _inv(*components: Component) -> Inventory:
    return Inventory("x", components={c.ref: c for c in components})


def test_several_versions_of_one_package_pair_from_the_top() -> None:
    old = _inv(_comp("torch", "1.0"), _comp("torch", "2.0"), _comp("torch", "2.2"))
    new = _inv(_comp("torch", "2.2"), _comp("torch", "2.1"))
    d = diff_inventories(old, new)
    assert [(c.old.version, c.new.version, c.version_change) for c in d.changed] == [
        ("2.0", "2.1", "upgraded")]
    assert [c.version for c in d.removed] == ["1.0"] and d.added == [] and d.unchanged == 1


def test_version_comparison() -> None:
    assert compare_versions("1.9", "1.10") == "upgraded"
    assert compare_versions("2.0.0rc1", "2.0.0") == "upgraded"
    assert compare_versions("2.0", "1.99") == "downgraded"
    assert compare_versions("1.0", "1.0.0") is None
    assert compare_versions("1.0", "1.0") is None
    assert compare_versions("1:2.3-4", "1:2.3-5") == "changed"
    assert compare_versions(None, "1.0") == "changed"
    d = diff_inventories(_inv(_comp("x", "1.0")), _inv(_comp("x", "1.0.0")))
    assert d.empty and d.unchanged == 1
    d = diff_inventories(_inv(_comp("torch", None)), _inv(_comp("torch", "2.3.1")))
    assert [c.version_change for c in d.changed] == ["changed"]


def test_license_equality_ignores_order_and_case() -> None:
    assert license_key("MIT OR Apache-2.0") == license_key("apache-2.0 or  MIT")
    assert license_key("(MIT AND BSD-3-Clause) OR GPL-2.0-only") == \
        license_key("GPL-2.0-only OR (BSD-3-Clause AND MIT)")
    assert license_key("MIT") != license_key("MIT OR Apache-2.0")
    assert license_key(None) == license_key("") == license_key("LicenseRef-unknown-noassertion")
    d = diff_inventories(_inv(_comp("a", "1", "MIT OR Apache-2.0", concluded="MIT")),
                         _inv(_comp("a", "1", "Apache-2.0 OR MIT", concluded="MIT")))
    assert d.empty
    d = diff_inventories(_inv(_comp("a", "1", "MIT", concluded="MIT")),
                         _inv(_comp("a", "2", "GPL-3.0-only", concluded=None)))
    assert [(c.which, c.old, c.new) for c in d.license_changes] == [
        ("declared", "MIT", "GPL-3.0-only"), ("concluded", "MIT", None)]


def test_identity() -> None:
    assert component_identity("pkg:pypi/Foo.Bar@1.0?repository_url=x#sub", "ignored") == (
        "pypi", "foo-bar")
    assert component_identity("pkg:npm/%40scope/Left-Pad@1.0.0", None) == ("npm", "@scope/left-pad")
    assert component_identity("pkg:maven/org.x/y@1", None) == ("maven", "org.x/y")
    assert component_identity(None, "Some Thing") == ("generic", "some thing")
    assert component_identity("not a purl", "n") == ("generic", "n")
    # same name, other ecosystem: two components
    d = diff_inventories(_inv(_comp("six", "1.0")), _inv(_comp("six", "1.0", ecosystem="conda")))
    assert [c.ecosystem for c in d.added] == ["conda"] and [c.ecosystem for c in d.removed] == ["pypi"]


def test_output_is_sorted_whatever_the_input_order() -> None:
    comps = [_comp(n, "1.0") for n in ("zeta", "alpha", "mid")]
    a = diff_inventories(_inv(), _inv(*comps))
    b = diff_inventories(_inv(), _inv(*reversed(comps)))
    assert [c.name for c in a.added] == ["alpha", "mid", "zeta"]
    assert render(a, "json") == render(b, "json") and render(a, "text") == render(b, "text")


def test_markdown_escapes_cells_and_folds_long_tables() -> None:
    d = diff_inventories(_inv(), _inv(_comp("a", "1", "LicenseRef-x|y")))
    md = render(d, "markdown")
    assert "| LicenseRef-x\\|y |" in md and "<details>" not in md
    many = diff_inventories(_inv(), _inv(*[_comp(f"p{i:02}", "1") for i in range(30)]))
    md = render(many, "markdown")
    assert "<details><summary><strong>Added (30)</strong></summary>" in md
    assert md.count("\n| `pypi/p") == 30
    assert to_json(many)["summary"]["added"] == 30
    with pytest.raises(ValueError, match="format"):
        render(many, "html")


def test_every_diff_message_is_in_both_catalogs() -> None:
    folder = Path(__file__).parents[1] / "compliance" / "data" / "messages"
    keys = {}
    for lang in ("en", "zh-CN"):
        data = yaml.safe_load((folder / f"{lang}.yaml").read_text(encoding="utf-8"))
        keys[lang] = {k for k in data if k.startswith("diff.")}
    assert keys["en"] == keys["zh-CN"] and len(keys["en"]) > 30
