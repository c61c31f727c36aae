"""The project policy file: .compliance.yaml, or [tool.compliance] in pyproject.toml."""

from __future__ import annotations

import datetime
import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from compliance.model import Component, Scope
from compliance.policy.config import CONFIG_FILES, find_config, load_config
from compliance.policy.packs import PolicyError

SCHEMA = Path(__file__).resolve().parents[2] / "compliance" / "data" / "policy" / "config.schema.json"

FULL_YAML = """\
license: Apache-2.0
use: network
packs: [default, asf, ./policy/corp.yaml]
fail-on: warning
waivers:
  - purl: pkg:pypi/psycopg2@2.9.9
    license: LGPL-3.0-or-later
    rules: [default/compatibility]
    reason: dynamic-linkage
    comment: Loaded as a separate shared library; legal ticket LEGAL-12.
    expires: 2030-01-31
  - name: nvidia-*
    version: "12.*"
    license: LicenseRef-scancode-nvidia-2002
    reason: license-acquired
    comment: Covered by our NVIDIA agreement.
curations:
  - purl: pkg:pypi/oldlib@1.0
    license: BSD-3-Clause
    comment: The LICENSE file in the sdist is BSD-3-Clause; the metadata says UNKNOWN.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def component(name: str, version: str | None) -> Component:
    purl = f"pkg:pypi/{name}@{version}" if version else f"pkg:pypi/{name}"
    return Component(ref=purl, ecosystem="pypi", name=name, version=version, purl=purl,
                     scope=Scope.REQUIRED)


def test_the_schema_is_a_valid_json_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validators.validator_for(schema).check_schema(schema)


def test_no_policy_file_gives_an_empty_config(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(tmp_path) is None
    config = load_config(tmp_path)
    assert config.kind == "none" and config.path is None
    assert (config.license, config.use, config.packs, config.fail_on) == (None, None, (), None)
    assert config.waivers == () and config.curations == ()


def test_compliance_yaml_is_read(tmp_path: Path) -> None:
    write(tmp_path / ".compliance.yaml", FULL_YAML)
    config = load_config(tmp_path)
    assert config.path == ".compliance.yaml" and config.kind == ".compliance.yaml"
    assert config.license == "Apache-2.0"
    assert config.use == "network"
    assert config.packs == ("default", "asf", "./policy/corp.yaml")
    assert config.fail_on == "warning"
    first, second = config.waivers
    assert first.purl == "pkg:pypi/psycopg2@2.9.9"
    assert first.rules == ("default/compatibility",)
    assert first.reason == "dynamic-linkage"
    assert first.expires == datetime.date(2030, 1, 31)
    assert first.line == 6
    assert first.label == "waiver #1 (.compliance.yaml:6: pkg:pypi/psycopg2@2.9.9, LGPL-3.0-or-later)"
    assert first.waived_by == "dynamic-linkage: Loaded as a separate shared library; legal ticket LEGAL-12."
    assert (second.name, second.version, second.expires, second.line) == ("nvidia-*", "12.*", None, 12)
    (curation,) = config.curations
    assert curation.license == "BSD-3-Clause" and curation.location == ".compliance.yaml:18"


def test_pack_paths_are_read_from_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".compliance.yaml", FULL_YAML)
    assert load_config(tmp_path).pack_specs() == ["default", "asf", tmp_path / "./policy/corp.yaml"]
    write(tmp_path / ".compliance.yaml", "use: internal\n")
    assert load_config(tmp_path).pack_specs() == ["default"]


def test_compliance_yml_is_read_too(tmp_path: Path) -> None:
    write(tmp_path / ".compliance.yml", "use: internal\n")
    assert load_config(tmp_path).use == "internal"
    assert CONFIG_FILES == (".compliance.yaml", ".compliance.yml")


def test_an_empty_compliance_yaml_is_an_empty_policy(tmp_path: Path) -> None:
    write(tmp_path / ".compliance.yaml", "# nothing yet\n")
    config = load_config(tmp_path)
    assert config.kind == ".compliance.yaml" and config.waivers == ()


def test_tool_compliance_in_pyproject_is_read(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", """\
        [project]
        name = "svc"
        license = "MIT"

        [tool.compliance]
        license = "Apache-2.0"
        use = "distributed"
        packs = ["default", "no-strong-copyleft"]
        fail-on = "error"

        [[tool.compliance.waivers]]
        name = "psycopg2"
        license = "LGPL-3.0-or-later"
        reason = "dynamic-linkage"
        comment = "separate shared library"
        expires = 2030-06-30

        [[tool.compliance.curations]]
        purl = "pkg:pypi/oldlib@1.0"
        license = "MIT"
        comment = "LICENSE file"
        """)
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    config = load_config(tmp_path)
    assert (config.path, config.kind) == ("pyproject.toml", "pyproject.toml")
    assert config.license == "Apache-2.0" and config.packs == ("default", "no-strong-copyleft")
    assert config.fail_on == "error"
    (waiver,) = config.waivers
    assert waiver.expires == datetime.date(2030, 6, 30)
    assert waiver.line == 11  # the [[tool.compliance.waivers]] header
    assert config.curations[0].license == "MIT"


def test_compliance_yaml_wins_over_pyproject_and_says_so(tmp_path: Path) -> None:
    write(tmp_path / ".compliance.yaml", "use: internal\n")
    write(tmp_path / "pyproject.toml", "[tool.compliance]\nuse = 'network'\n")
    config = load_config(tmp_path)
    assert config.use == "internal"
    assert config.notes == (".compliance.yaml is used; the [tool.compliance] table of "
                            "pyproject.toml is ignored",)


def test_an_explicit_path_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "policy" / "compliance.yaml", "use: internal\n")
    assert load_config(tmp_path, path).use == "internal"
    with pytest.raises(PolicyError, match=r"no such policy file"):
        load_config(tmp_path, tmp_path / "missing.yaml")


WAIVER = """\
waivers:
  - purl: pkg:pypi/x@1
    license: MIT
    reason: legal-approved
    comment: ok
"""

BROKEN_YAML = [
    (WAIVER.replace("legal-approved", "because"),
     ".compliance.yaml: waivers[0].reason: 'because' is not one of ['dynamic-linkage', "
     "'license-acquired', 'not-distributed', 'internal-tool', 'false-positive', "
     "'legal-approved', 'dev-only'] (line 4)"),
    (WAIVER.replace("    comment: ok\n", ""),
     ".compliance.yaml: waivers[0]: 'comment' is a required property (line 2)"),
    (WAIVER + "    expires: 2025-02-30\n",
     ".compliance.yaml: waivers[0].expires: '2025-02-30' is not a 'date'"),
    (WAIVER.replace("license: MIT", "license: Apache 2"),
     ".compliance.yaml: waivers[0].license: 'Apache 2' is not a valid SPDX license expression "
     "(did you mean 'Apache-2.0'?) (line 3)"),
    (WAIVER.replace("purl: pkg:pypi/x@1", "purl: pypi/x"),
     ".compliance.yaml: waivers[0].purl: 'pypi/x' does not match"),
    (WAIVER.replace("purl: pkg:pypi/x@1", "version: '1'"),
     ".compliance.yaml: waivers[0]: needs 'purl' or 'name'"),
    (WAIVER.replace("purl: pkg:pypi/x@1", "purl: pkg:pypi/x@1\n    name: x"),
     ".compliance.yaml: waivers[0]: give either 'purl'"),
    ("fail_on: error\n",
     ".compliance.yaml: Additional properties are not allowed ('fail_on' was unexpected)"),
    ("use: saas\n",
     ".compliance.yaml: use: 'saas' is not one of ['distributed', 'network', 'internal'] (line 1)"),
    ("license: GPL v2 maybe\n",
     ".compliance.yaml: license: 'GPL v2 maybe' is not a valid SPDX license expression"),
    ("packs: default\n", ".compliance.yaml: packs: 'default' is not of type 'array'"),
    ("curations:\n  - name: x\n    license: MIT\n",
     ".compliance.yaml: curations[0]: 'comment' is a required property"),
    ("waivers: [\n", ".compliance.yaml: not valid YAML"),
    ("- a list\n", ".compliance.yaml: the policy file must be a mapping"),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN_YAML)
def test_schema_errors_name_the_file_and_the_place(tmp_path: Path, text: str,
                                                   expected: str) -> None:
    write(tmp_path / ".compliance.yaml", text)
    with pytest.raises(PolicyError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(expected)


def test_pyproject_errors_name_the_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", """\
        [tool.compliance]
        use = "saas"
        """)
    with pytest.raises(PolicyError, match=r"^pyproject.toml: tool.compliance.use: 'saas' is not one of"):
        load_config(tmp_path)
    write(tmp_path / "pyproject.toml", """\
        [[tool.compliance.waivers]]
        name = "x"
        license = "MIT"
        reason = "why-not"
        comment = "c"
        """)
    with pytest.raises(PolicyError, match=r"^pyproject.toml: tool.compliance.waivers\[0\].reason:"):
        load_config(tmp_path)
    write(tmp_path / "pyproject.toml", "[tool.compliance\n")
    with pytest.raises(PolicyError, match=r"^pyproject.toml: not valid TOML"):
        load_config(tmp_path)


def test_a_waiver_can_accept_a_missing_license(tmp_path: Path) -> None:
    write(tmp_path / ".compliance.yaml", WAIVER.replace("license: MIT", "license: none"))
    assert load_config(tmp_path).waivers[0].license == "NONE"


# (waiver fields, component (name, version), matches?)
WAIVER_TARGETS = [
    ({"purl": "pkg:pypi/torch@2.3.1"}, ("torch", "2.3.1"), True),
    ({"purl": "pkg:pypi/torch@2.3.1"}, ("torch", "2.4.0"), False),
    ({"purl": "pkg:pypi/torch"}, ("torch", "2.4.0"), True),  # no version: every version
    ({"purl": "pkg:pypi/torch"}, ("torchvision", "0.18"), False),
    ({"purl": "pkg:pypi/nvidia-*"}, ("nvidia-nccl-cu12", "2.20.5"), True),
    ({"name": "Torch"}, ("torch", "2.3.1"), True),  # names compare in PEP 503 form
    ({"name": "nvidia_*"}, ("nvidia-cudnn-cu12", "9.1"), True),
    ({"name": "torch", "version": "2.3.*"}, ("torch", "2.3.1"), True),
    ({"name": "torch", "version": "2.3.*"}, ("torch", "2.4.0"), False),
    ({"name": "torch", "version": "2.3.1"}, ("torch", None), False),
]


@pytest.mark.parametrize(("fields", "target", "matches"), WAIVER_TARGETS)
def test_which_components_a_waiver_names(tmp_path: Path, fields: dict[str, str],
                                         target: tuple[str, str | None], matches: bool) -> None:
    lines = "\n".join(f"    {k}: {json.dumps(v)}" for k, v in fields.items())
    write(tmp_path / ".compliance.yaml",
          f"waivers:\n  - license: MIT\n    reason: dev-only\n    comment: c\n{lines}\n")
    (waiver,) = load_config(tmp_path).waivers
    assert waiver.matches_component(component(*target)) is matches


@pytest.mark.parametrize(("rules", "rule_id", "matches"), [
    ((), "asf/category-x", True),
    (("asf/category-x",), "asf/category-x", True),
    (("asf/*",), "asf/category-b", True),
    (("category-x",), "asf/category-x", True),  # a bare rule id: in any pack
    (("default/compatibility",), "asf/category-x", False),
])
def test_which_rules_a_waiver_covers(tmp_path: Path, rules: tuple[str, ...], rule_id: str,
                                     matches: bool) -> None:
    extra = f"    rules: {json.dumps(list(rules))}\n" if rules else ""
    write(tmp_path / ".compliance.yaml", WAIVER + extra)
    assert load_config(tmp_path).waivers[0].matches_rule(rule_id) is matches
