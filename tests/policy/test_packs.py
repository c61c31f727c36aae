"""Rule packs: every shipped pack loads, a broken pack names the file and the place in it,
``extends`` and several packs at once."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from compliance.errors import ComplianceError
from compliance.licenses import catalog
from compliance.model import Severity
from compliance.policy.packs import (
    PolicyError,
    load_pack,
    load_packs,
    packs_dir,
    shipped_packs,
)

SHIPPED = ["ai-models", "asf", "default", "no-network-copyleft", "no-strong-copyleft",
           "osi-approved", "permissive-only"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD_RULE = """\
  - id: no-gpl
    match: {licenses: ["GPL-*"]}
    severity: error
    reason: GPL is not allowed here.
    fix: Replace it.
"""


def test_shipped_packs_are_found_beside_the_package() -> None:
    assert packs_dir() == Path(__file__).resolve().parents[2] / "rules"
    assert shipped_packs() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_pack_loads_and_validates(name: str) -> None:
    pack = load_pack(name)
    assert pack.id == name
    assert pack.source == f"rules/{name}.yaml"
    assert pack.description
    assert pack.rules
    for rule in pack.rules:
        assert rule.full_id == f"{name}/{rule.id}"
        assert rule.reason and rule.fix
        assert rule.scopes  # every rule covers some scope


_WIDE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_rule_has_a_chinese_reason_and_fix(name: str) -> None:
    for rule in load_pack(name).rules:
        reason, fix = rule.localized("zh-CN")
        assert (reason, fix) != (rule.reason, rule.fix), rule.full_id
        assert _WIDE.search(reason) and _WIDE.search(fix), rule.full_id
        # license ids and paths the English names stay as they are in the translation
        for ident in re.findall(r"\b[A-Z][A-Za-z]*-\d[\w.+-]*\b|\.compliance\.yaml|--python",
                                rule.reason + " " + rule.fix):
            assert ident in reason + fix, (rule.full_id, ident)
    assert load_pack(name).rules[0].localized("en") == (load_pack(name).rules[0].reason,
                                                         load_pack(name).rules[0].fix)


def test_a_rule_translation_is_optional_but_comes_as_a_pair(tmp_path: Path) -> None:
    plain = load_pack(str(write(tmp_path / "plain.yaml", "id: plain\ndescription: d\nrules:\n" + GOOD_RULE)))
    assert plain.rules[0].localized("zh-CN") == ("GPL is not allowed here.", "Replace it.")
    both = load_pack(str(write(tmp_path / "both.yaml", "id: both\ndescription: d\nrules:\n" + GOOD_RULE
                               + "    reason_zh-CN: 此处不允许 GPL。\n"
                               + "    fix_zh-CN: 替换它。\n")))
    assert both.rules[0].localized("zh-CN") == ("此处不允许 GPL。", "替换它。")
    with pytest.raises(ComplianceError):
        load_pack(str(write(tmp_path / "half.yaml", "id: half\ndescription: d\nrules:\n" + GOOD_RULE
                            + "    reason_zh-CN: 此处不允许 GPL。\n")))


def test_the_schema_is_a_valid_json_schema() -> None:
    schema = json.loads((packs_dir() / "schema.json").read_text())
    jsonschema.validators.validator_for(schema).check_schema(schema)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_id_named_by_a_shipped_pack_is_known_to_the_catalog(name: str) -> None:
    data = yaml.safe_load((packs_dir() / f"{name}.yaml").read_text())
    named: list[str] = []
    for rule in data["rules"]:
        for key in ("match", "unless"):
            conds = rule.get(key, [])
            for cond in conds if isinstance(conds, list) else [conds]:
                for item in cond.get("licenses", []):
                    named.extend(item if isinstance(item, list) else [item])
    unknown = [i for i in named if not any(c in i for c in "*?[") and catalog.get(i) is None]
    assert unknown == []


def test_the_default_pack_delegates_to_the_compatibility_engine() -> None:
    rules = {r.id: r for r in load_pack("default").rules}
    assert set(rules) == {"compatibility", "deprecated-id", "unknown-license", "no-license"}
    compat = rules["compatibility"]
    assert compat.kind == "compat"
    assert compat.outcomes == {"denied", "unknown", "obligations"}
    for use in ("distributed", "network", "internal"):
        assert compat.severity_for(use, "denied") is Severity.ERROR
        assert compat.severity_for(use, "unknown") is Severity.WARNING
        assert compat.severity_for(use, "obligations") is Severity.INFO
    for rule_id in ("deprecated-id", "unknown-license", "no-license"):
        assert rules[rule_id].severity_for("distributed") is Severity.WARNING
    assert rules["no-license"].kind == "no-license"


def test_per_use_severities_and_allow() -> None:
    rules = {r.id: r for r in load_pack("no-strong-copyleft").rules}
    strong = rules["strong-copyleft"]
    assert strong.severity_for("distributed") is Severity.ERROR
    assert strong.severity_for("network") is Severity.WARNING
    assert strong.severity_for("internal") is Severity.INFO
    assert rules["weak-copyleft"].severity_for("network") is None  # allow


def test_dev_components_are_left_out_unless_a_rule_says_so() -> None:
    for name in SHIPPED:
        for rule in load_pack(name).rules:
            assert "excluded" not in rule.scopes, rule.full_id
    asf = {r.id: r for r in load_pack("asf").rules}
    assert asf["category-x"].scopes == {"required"}
    assert asf["category-x-optional"].scopes == {"optional"}


# ----------------------------------------------------------------------------- broken packs

BROKEN = [
    # (pack text, expected message)
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {licenses: [MIT]}
         severity: warning
         reason: r
         fix: f
       - id: b
         match: {licenses: [MIT]}
         severity: info
         reason: r
         fix: f
       - id: c
         match: {licenses: [MIT]}
         severity: fatal
         reason: r
         fix: f
     """, "my.yaml: rules[2].severity: 'fatal' is not one of ['error', 'warning', 'info', 'allow'] (line 16)"),
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {licenses: [MIT]}
         severity: {distributed: error, saas: error}
         reason: r
         fix: f
     """, "my.yaml: rules[0].severity: Additional properties are not allowed ('saas' was unexpected)"),
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {licence: [MIT]}
         severity: error
         reason: r
         fix: f
     """, "my.yaml: rules[0].match: Additional properties are not allowed ('licence' was unexpected)"),
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {families: [copyleft]}
         severity: error
         reason: r
         fix: f
     """, "my.yaml: rules[0].match.families[0]: 'copyleft' is not one of"),
    ("""\
     id: my
     rules: []
     """, "my.yaml: 'description' is a required property"),
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {licenses: [MIT]}
         severity: error
         fix: f
     """, "my.yaml: rules[0]: 'reason' is a required property"),
    ("""\
     id: My Pack
     description: d
     rules: []
     """, "my.yaml: id: 'My Pack' does not match"),
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {compat: denied, licenses: [MIT]}
         severity: error
         reason: r
         fix: f
     """, "my.yaml: rules[0].match: 'compat' must stand alone"),
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {licenses: [MIT]}
         severity: {denied: error}
         reason: r
         fix: f
     """, "my.yaml: rules[0].severity: a severity per outcome"),
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {licenses: [MIT]}
         unless: {no_license: true}
         severity: error
         reason: r
         fix: f
     """, "my.yaml: rules[0].unless: 'no_license' cannot be used in 'unless'"),
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {licenses: [MIT]}
         severity: error
         reason: r
         fix: f
       - id: a
         match: {licenses: [MIT]}
         severity: error
         reason: r
         fix: f
     """, "my.yaml: rules[1].id: duplicate rule id 'a'"),
    ("""\
     id: my
     description: d
     rules:
       - id: a
         match: {licenses: [MIT]
     """, "my.yaml: not valid YAML"),
    ("- just\n- a list\n", "my.yaml: a rule pack is a mapping"),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_a_broken_pack_names_the_file_and_the_place(tmp_path: Path, text: str,
                                                    expected: str) -> None:
    path = write(tmp_path / "my.yaml", text)
    with pytest.raises(PolicyError) as info:
        load_pack(path)
    assert isinstance(info.value, ComplianceError)
    assert str(info.value).startswith(str(tmp_path / "my.yaml"))
    assert expected in str(info.value)


def test_unknown_pack_names_say_what_exists(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"unknown rule pack 'gpl-free'.*asf, default"):
        load_pack("gpl-free")
    with pytest.raises(PolicyError, match=r"no such rule pack file"):
        load_pack(tmp_path / "missing.yaml")


# ----------------------------------------------------------------------------- extends


def test_a_user_pack_extends_a_shipped_pack_and_overrides_one_rule(tmp_path: Path) -> None:
    path = write(tmp_path / "corp.yaml", """\
        id: corp
        description: Our policy.
        extends: [default, permissive-only]
        rules:
          - id: unknown-license
            match: {unknown: true}
            severity: error
            reason: Unknown licenses block our releases.
            fix: Curate it.
          - id: no-gpl
            match: {licenses: ["GPL-*"]}
            severity: error
            reason: No GPL.
            fix: Replace it.
        """)
    pack = load_pack(path)
    assert [r.full_id for r in pack.rules] == [
        "default/compatibility",
        "default/deprecated-id",
        "corp/unknown-license",  # replaces default/unknown-license, in its place
        "default/no-license",
        "permissive-only/not-permissive",
        "permissive-only/use-restricted",
        "permissive-only/unidentified",
        "corp/no-gpl",
    ]
    assert pack.extends == ("default", "permissive-only")


def test_extends_finds_a_sibling_file_first(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", f"id: base\ndescription: b\nrules:\n{GOOD_RULE}")
    path = write(tmp_path / "child.yaml", "id: child\ndescription: c\nextends: [base]\nrules: []\n")
    pack = load_pack(path)
    assert [r.full_id for r in pack.rules] == ["base/no-gpl"]
    assert pack.rules[0].source == str(tmp_path / "base.yaml")


def test_extends_cycles_and_unknown_parents_are_errors(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "id: a\ndescription: a\nextends: [b]\nrules: []\n")
    write(tmp_path / "b.yaml", "id: b\ndescription: b\nextends: [a]\nrules: []\n")
    with pytest.raises(PolicyError, match=r"cycle: .*a.yaml -> .*b.yaml -> .*a.yaml"):
        load_pack(tmp_path / "a.yaml")
    write(tmp_path / "c.yaml", "id: c\ndescription: c\nextends: [nope]\nrules: []\n")
    with pytest.raises(PolicyError, match=r"c.yaml: extends: unknown rule pack 'nope'"):
        load_pack(tmp_path / "c.yaml")
    write(tmp_path / "d.yaml", "id: d\ndescription: d\nextends: [d]\nrules: []\n")
    with pytest.raises(PolicyError, match=r"d.yaml: extends: a pack cannot extend itself"):
        load_pack(tmp_path / "d.yaml")


def test_a_pack_found_by_name_must_carry_that_name(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", f"id: other\ndescription: b\nrules:\n{GOOD_RULE}")
    path = write(tmp_path / "child.yaml", "id: child\ndescription: c\nextends: [base]\nrules: []\n")
    with pytest.raises(PolicyError, match=r"base.yaml: id: 'other' differs from the file name"):
        load_pack(path)


# ----------------------------------------------------------------------------- several packs


def test_several_packs_at_once(tmp_path: Path) -> None:
    mine = write(tmp_path / "mine.yaml", f"id: mine\ndescription: m\nrules:\n{GOOD_RULE}")
    packs = load_packs(["default", "asf", str(mine), "default"])
    assert [p.id for p in packs] == ["default", "asf", "mine"]


def test_two_files_with_one_pack_id_are_an_error(tmp_path: Path) -> None:
    clash = write(tmp_path / "x" / "default.yaml", f"id: default\ndescription: m\nrules:\n{GOOD_RULE}")
    with pytest.raises(PolicyError, match=r"two packs have the id 'default'"):
        load_packs(["default", clash])


def test_the_examples_in_the_readme_are_valid(tmp_path: Path) -> None:
    from compliance.policy.config import load_config

    readme = (packs_dir() / "README.md").read_text()
    blocks = [b.split("\n", 1)[1] for b in readme.split("```yaml")[1:]]
    pack_text, config_text = (b.split("```", 1)[0] for b in blocks)
    pack = load_pack(write(tmp_path / "corp.yaml", pack_text))
    assert pack.rules[-1].full_id == "corp/banned"
    assert "default/compatibility" in [r.full_id for r in pack.rules]
    write(tmp_path / ".compliance.yaml", config_text)
    config = load_config(tmp_path)
    assert config.waivers[0].reason == "dynamic-linkage" and config.curations
