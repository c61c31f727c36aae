"""What each license means: compliance.licenses.catalog and `compliance licenses show`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import click
import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.cli.licenses_show import show_command
from compliance.licenses import catalog
from compliance.licenses.catalog import DATA_DIR, CopyleftScope, Family, LicenseFacts

F = Family
C = CopyleftScope

# id: family, osi_approved, fsf_libre, copyleft, network_clause, patent_grant, deprecated
WELL_KNOWN = {
    "MIT": (F.PERMISSIVE, True, True, C.NONE, False, False, False),
    "Apache-2.0": (F.PERMISSIVE, True, True, C.NONE, False, True, False),
    "BSD-3-Clause": (F.PERMISSIVE, True, True, C.NONE, False, False, False),
    "BSD-2-Clause": (F.PERMISSIVE, True, True, C.NONE, False, False, False),
    "ISC": (F.PERMISSIVE, True, True, C.NONE, False, False, False),
    "0BSD": (F.PERMISSIVE, True, None, C.NONE, False, False, False),
    "GPL-2.0-only": (F.STRONG_COPYLEFT, True, True, C.WHOLE_WORK, False, False, False),
    "GPL-2.0-or-later": (F.STRONG_COPYLEFT, True, True, C.WHOLE_WORK, False, False, False),
    "GPL-3.0-only": (F.STRONG_COPYLEFT, True, True, C.WHOLE_WORK, False, True, False),
    "LGPL-2.1-only": (F.WEAK_COPYLEFT, True, True, C.LIBRARY, False, False, False),
    "LGPL-3.0-or-later": (F.WEAK_COPYLEFT, True, True, C.LIBRARY, False, True, False),
    "MPL-2.0": (F.WEAK_COPYLEFT, True, True, C.FILE, False, True, False),
    "EPL-1.0": (F.WEAK_COPYLEFT, True, True, C.FILE, False, True, False),
    "EPL-2.0": (F.WEAK_COPYLEFT, True, True, C.FILE, False, True, False),
    "CDDL-1.0": (F.WEAK_COPYLEFT, True, True, C.FILE, False, True, False),
    "CDDL-1.1": (F.WEAK_COPYLEFT, True, None, C.FILE, False, True, False),
    "CPAL-1.0": (F.WEAK_COPYLEFT, True, True, C.FILE, True, True, False),
    "EUPL-1.2": (F.WEAK_COPYLEFT, True, True, C.LIBRARY, True, True, False),
    "AGPL-3.0-only": (F.NETWORK_COPYLEFT, True, True, C.WHOLE_WORK, True, True, False),
    "AGPL-3.0-or-later": (F.NETWORK_COPYLEFT, True, True, C.WHOLE_WORK, True, True, False),
    "OSL-3.0": (F.NETWORK_COPYLEFT, True, True, C.WHOLE_WORK, True, True, False),
    "RPL-1.5": (F.NETWORK_COPYLEFT, True, None, C.WHOLE_WORK, True, True, False),
    "Sleepycat": (F.STRONG_COPYLEFT, True, True, C.WHOLE_WORK, False, False, False),
    "CECILL-2.1": (F.STRONG_COPYLEFT, True, None, C.WHOLE_WORK, False, None, False),
    "CECILL-C": (F.WEAK_COPYLEFT, False, True, C.LIBRARY, False, None, False),
    "CECILL-B": (F.PERMISSIVE, False, True, C.NONE, False, None, False),
    "SSPL-1.0": (F.SOURCE_AVAILABLE, False, False, C.WHOLE_WORK, True, True, False),
    "BUSL-1.1": (F.SOURCE_AVAILABLE, False, False, C.NONE, False, False, False),
    "Elastic-2.0": (F.SOURCE_AVAILABLE, False, False, C.NONE, False, True, False),
    "CC-BY-NC-4.0": (F.NON_COMMERCIAL, False, False, C.NONE, False, None, False),
    "CC-BY-NC-SA-4.0": (F.NON_COMMERCIAL, False, False, C.LIBRARY, False, None, False),
    "CC-BY-NC-ND-4.0": (F.NON_COMMERCIAL, False, False, C.NONE, False, None, False),
    "CC-BY-ND-4.0": (F.SOURCE_AVAILABLE, False, False, C.NONE, False, None, False),
    "CC-BY-4.0": (F.PERMISSIVE, False, True, C.NONE, False, None, False),
    "CC-BY-SA-4.0": (F.WEAK_COPYLEFT, False, True, C.LIBRARY, False, None, False),
    "CC0-1.0": (F.PUBLIC_DOMAIN, False, True, C.NONE, False, False, False),
    "Unlicense": (F.PUBLIC_DOMAIN, True, True, C.NONE, False, False, False),
    "MulanPSL-1.0": (F.PERMISSIVE, False, None, C.NONE, False, True, False),
    "MulanPSL-2.0": (F.PERMISSIVE, True, None, C.NONE, False, True, False),
    "GPL-2.0+": (F.STRONG_COPYLEFT, True, True, C.WHOLE_WORK, False, False, True),
    "GPL-2.0": (F.STRONG_COPYLEFT, True, True, C.WHOLE_WORK, False, False, True),
    "LGPL-2.1+": (F.WEAK_COPYLEFT, True, True, C.LIBRARY, False, False, True),
    "AGPL-3.0": (F.NETWORK_COPYLEFT, True, True, C.WHOLE_WORK, True, True, True),
}


@pytest.mark.parametrize("license_id", sorted(WELL_KNOWN))
def test_well_known_licenses(license_id: str) -> None:
    family, osi, fsf, copyleft, network, patent, deprecated = WELL_KNOWN[license_id]
    facts = catalog.get(license_id)
    assert facts is not None
    assert facts.id == license_id
    got = (facts.family, facts.osi_approved, facts.fsf_libre, facts.copyleft,
           facts.network_clause, facts.patent_grant, facts.deprecated)
    assert got == (family, osi, fsf, copyleft, network, patent, deprecated)
    assert facts.name and facts.url and facts.url.startswith("https://spdx.org/licenses/")


@pytest.mark.parametrize(("alias", "expected"), [
    ("mit", "MIT"), ("  Apache-2.0 ", "Apache-2.0"), ("APACHE-2.0", "Apache-2.0"),
    ("gpl-2.0-or-later", "GPL-2.0-or-later"),
    ("MulanPubL-2.0", "LicenseRef-scancode-mulanpubl-2.0"),
    ("LicenseRef-Anti996", "LicenseRef-scancode-996-icu-1.0"),
    ("Anti-996", "LicenseRef-scancode-996-icu-1.0"),
    ("LicenseRef-scancode-bsl-1.1", "BUSL-1.1"),          # ScanCode's other SPDX key
    ("LicenseRef-scancode-mit", "MIT"),                   # ScanCode key as a LicenseRef
    ("LicenseRef-scancode-openmdw-1.0", "OpenMDW-1.0"),   # newer SPDX id than the index
    ("LicenseRef-scancode-llama-3.1-license-2024", "LicenseRef-llama3.1"),
])
def test_aliases_resolve_to_canonical_facts(alias: str, expected: str) -> None:
    facts = catalog.get(alias)
    assert facts is not None and facts.id == expected
    assert catalog.get(expected) == facts


def test_unknown_ids() -> None:
    assert catalog.get("not-a-license") is None
    assert catalog.get("") is None
    assert catalog.get("   ") is None
    facts = catalog.get("LicenseRef-unknown-pypi-classifier")
    assert facts is not None
    assert facts.id == "LicenseRef-unknown-pypi-classifier"
    assert facts.family is Family.UNKNOWN and "pypi-classifier" in facts.name
    assert facts.use_restrictions
    assert catalog.get("LicenseRef-unknown").family is Family.UNKNOWN  # type: ignore[union-attr]
    assert catalog.get("LicenseRef-unknown-") is None


def test_id_less_statements() -> None:
    pd = catalog.get("LicenseRef-public-domain")
    prop = catalog.get("LicenseRef-proprietary")
    assert pd is not None and pd.family is Family.PUBLIC_DOMAIN and not pd.attribution
    assert prop is not None and prop.family is Family.PROPRIETARY and prop.use_restrictions


def test_deprecated_ids_point_to_their_replacement() -> None:
    old, new = catalog.get("GPL-2.0+"), catalog.get("GPL-2.0-or-later")
    assert old is not None and new is not None
    assert old.deprecated and old.replaced_by == "GPL-2.0-or-later"
    assert old.name == "GNU General Public License v2.0 or later"
    assert (old.family, old.copyleft, old.obligations) == (new.family, new.copyleft, new.obligations)
    assert not new.deprecated and new.replaced_by is None
    classpath = catalog.get("GPL-2.0-with-classpath-exception")
    assert classpath is not None and classpath.deprecated
    assert classpath.replaced_by == "GPL-2.0-only WITH Classpath-exception-2.0"
    assert catalog.get("BSD-2-Clause-NetBSD").replaced_by == "BSD-2-Clause"  # type: ignore[union-attr]


def test_every_deprecated_spdx_id_has_a_replacement() -> None:
    table = catalog.catalog_data()["spdx_license_list"]["table"]
    deprecated = [line.split()[0] for line in table.splitlines() if line.split()[1][2] == "D"]
    assert len(deprecated) >= 30
    for ident in deprecated:
        facts = catalog.get(ident)
        assert facts is not None and facts.deprecated and facts.replaced_by, ident
        assert facts.replaced_by.split()[0] != ident
        assert catalog.get(facts.replaced_by.split()[0]) is not None, ident


def test_exceptions_are_marked() -> None:
    facts = catalog.get("Classpath-exception-2.0")
    assert facts is not None and facts.is_exception
    assert not catalog.get("GPL-2.0-only").is_exception  # type: ignore[union-attr]


def test_obligations_and_restrictions_of_source_available_and_nc() -> None:
    sspl = catalog.get("SSPL-1.0")
    busl = catalog.get("BUSL-1.1")
    elastic = catalog.get("Elastic-2.0")
    assert sspl and any("as a service" in r for r in sspl.use_restrictions)
    assert busl and any("production" in r for r in busl.use_restrictions)
    assert elastic and any("hosted or managed service" in r for r in elastic.use_restrictions)
    for ident in ("CC-BY-NC-4.0", "CC-BY-NC-SA-3.0", "CC-BY-NC-ND-2.0", "CC-BY-NC-3.0-IGO"):
        facts = catalog.get(ident)
        assert facts is not None and facts.family is Family.NON_COMMERCIAL, ident
        assert any("commercial" in r for r in facts.use_restrictions), ident
    nd = catalog.get("CC-BY-ND-4.0")
    assert nd and any("no derivatives" in r for r in nd.use_restrictions)
    commons = catalog.get("LicenseRef-Commons-Clause")
    assert commons and commons.family is Family.SOURCE_AVAILABLE
    assert any("Sell" in r for r in commons.use_restrictions)
    apache = catalog.get("Apache-2.0")
    assert apache and any("NOTICE" in o for o in apache.obligations)


def test_anti_996_and_other_restricted_permissive_licenses() -> None:
    for ident in ("LicenseRef-Anti996", "BSD-3-Clause-OpenWebUI", "Hippocratic-2.1", "JSON"):
        facts = catalog.get(ident)
        assert facts is not None and facts.family is Family.PERMISSIVE, ident
        assert facts.use_restrictions, ident
        assert facts.osi_approved is False and facts.fsf_libre is False, ident
    anti = catalog.get("LicenseRef-Anti996")
    assert anti and any("labour" in r for r in anti.use_restrictions)


def test_mulan_licenses() -> None:
    psl = catalog.get("MulanPSL-2.0")
    assert psl and psl.patent_grant and psl.patent_retaliation and not psl.use_restrictions
    for ident in ("MulanPubL-1.0", "MulanPubL-2.0"):
        publ = catalog.get(ident)
        assert publ is not None and publ.family is Family.NETWORK_COPYLEFT
        assert publ.network_clause and publ.copyleft is CopyleftScope.WHOLE_WORK
        assert publ.patent_retaliation and publ.name.startswith("Mulan Public License")


# ---------------------------------------------------------------- AI model licenses

AI_LICENSES = {
    "LicenseRef-llama2": F.AI_RESTRICTED, "LicenseRef-llama3": F.AI_RESTRICTED,
    "LicenseRef-llama3.1": F.AI_RESTRICTED, "LicenseRef-llama3.2": F.AI_RESTRICTED,
    "LicenseRef-llama3.3": F.AI_RESTRICTED, "LicenseRef-llama4": F.AI_RESTRICTED,
    "LicenseRef-gemma": F.AI_RESTRICTED, "LicenseRef-qwen": F.AI_RESTRICTED,
    "LicenseRef-tongyi-qianwen": F.AI_RESTRICTED, "LicenseRef-openrail": F.AI_RESTRICTED,
    "LicenseRef-openrail-m": F.AI_RESTRICTED, "LicenseRef-openrail-plus-plus": F.AI_RESTRICTED,
    "LicenseRef-creativeml-openrail-m": F.AI_RESTRICTED,
    "LicenseRef-bigscience-openrail-m": F.AI_RESTRICTED,
    "LicenseRef-bigscience-bloom-rail-1.0": F.AI_RESTRICTED,
    "LicenseRef-bigcode-openrail-m": F.AI_RESTRICTED, "LicenseRef-deepseek": F.AI_RESTRICTED,
    "LicenseRef-falcon": F.AI_RESTRICTED,
    "LicenseRef-qwen-research": F.NON_COMMERCIAL,
    "LicenseRef-deepfloyd-if-license": F.NON_COMMERCIAL,
    "LicenseRef-fair-noncommercial-research-license": F.NON_COMMERCIAL,
    "LicenseRef-apple-amlr": F.NON_COMMERCIAL,
    "LicenseRef-apple-ascl": F.PERMISSIVE,  # MIT-style sample code license: no use limits
}


@pytest.mark.parametrize("license_id", sorted(AI_LICENSES))
def test_ai_license_keys(license_id: str) -> None:
    facts = catalog.get(license_id)
    assert facts is not None and facts.id == license_id
    assert facts.family is AI_LICENSES[license_id]
    assert facts.osi_approved is False
    assert facts.obligations or facts.use_restrictions
    if facts.family is not Family.PERMISSIVE:
        assert facts.use_restrictions and facts.fsf_libre is False
    assert "compliance-catalog" in facts.source
    assert catalog.get(license_id.upper()) == facts


def _text(facts: LicenseFacts | None) -> str:
    assert facts is not None
    return "\n".join(facts.use_restrictions + facts.obligations)


LLAMAS = ["LicenseRef-llama2", "LicenseRef-llama3", "LicenseRef-llama3.1", "LicenseRef-llama3.2",
          "LicenseRef-llama3.3", "LicenseRef-llama4"]


@pytest.mark.parametrize("license_id", LLAMAS)
def test_llama_terms(license_id: str) -> None:
    text = _text(catalog.get(license_id))
    assert "700 million monthly active users" in text
    assert "Acceptable Use Policy" in text
    assert "'Notice' text file" in text
    improves_other_llms = "improve any other large language model" in text
    assert improves_other_llms == (license_id in ("LicenseRef-llama2", "LicenseRef-llama3"))
    eu = "European Union" in text
    assert eu == (license_id in ("LicenseRef-llama3.2", "LicenseRef-llama4"))
    if license_id == "LicenseRef-llama2":
        assert "Built with" not in text
    elif license_id == "LicenseRef-llama3":
        assert '"Built with Meta Llama 3"' in text and 'beginning with "Llama 3"' in text
    else:
        assert '"Built with Llama"' in text and 'beginning with "Llama"' in text


def test_gemma_qwen_rail_terms() -> None:
    gemma = catalog.get("LicenseRef-gemma")
    assert gemma and gemma.network_clause
    assert "hosted service" in _text(gemma) and "Prohibited Use Policy" in _text(gemma)
    assert "Model Derivatives" in _text(gemma)
    qwen, tongyi = catalog.get("LicenseRef-qwen"), catalog.get("LicenseRef-tongyi-qianwen")
    assert "100 million monthly active users" in _text(qwen)
    assert "100 million monthly active users" in _text(tongyi)
    assert '"Built with Qwen"' in _text(qwen)
    assert "improve any other large language model" in _text(tongyi)
    assert catalog.get("LicenseRef-scancode-tongyi-qianwen-2023") == tongyi
    for ident in ("LicenseRef-creativeml-openrail-m", "LicenseRef-bigcode-openrail-m",
                  "LicenseRef-deepseek", "LicenseRef-openrail-plus-plus"):
        facts = catalog.get(ident)
        assert facts and facts.patent_grant and facts.patent_retaliation, ident
        assert "Attachment A" in _text(facts) and "derivatives" in _text(facts), ident
    assert catalog.get("LicenseRef-scancode-stable-diffusion-2022-08-22") == catalog.get(
        "LicenseRef-creativeml-openrail-m")


# ---------------------------------------------------------------- the data itself


def test_catalog_yaml_matches_its_schema() -> None:
    schema = json.loads((DATA_DIR / "catalog.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.safe_load((DATA_DIR / "catalog.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    broken = json.loads(json.dumps(data))
    broken["licenses"]["MIT"]["family"] = "permisive"
    broken["licenses"]["MIT"]["copyleft"] = "strong"
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(broken))
    assert len(errors) == 2


def test_every_reference_in_the_data_resolves() -> None:
    data = catalog.catalog_data()
    index = json.loads(catalog._index_path().read_text(encoding="utf-8"))
    keys = {entry["license_key"] for entry in index}
    referenced = [e["scancode_key"] for e in data["licenses"].values() if "scancode_key" in e]
    referenced += list(data["scancode_families"]) + list(data["spdx_scancode_links"].values())
    missing = sorted(set(referenced) - keys)
    assert not missing, f"ScanCode keys no longer in license-expression's index: {missing}"
    for alias, target in data["aliases"].items():
        assert catalog.get(alias) == catalog.get(target) is not None, alias
    ids = catalog.all_ids()
    for rule in data["pattern_rules"]:
        pattern = re.compile(rule["match"], re.IGNORECASE)
        assert any(pattern.fullmatch(i) for i in ids), rule["match"]
    for ident in data["licenses"]:
        assert catalog.get(ident) is not None and catalog.get(ident).id == ident, ident  # type: ignore[union-attr]


def test_every_id_resolves_to_itself() -> None:
    ids = catalog.all_ids()
    assert len(ids) > 2500
    assert len({i.lower() for i in ids}) == len(ids)
    assert ids == sorted(ids, key=lambda i: (i.lower(), i))
    families = set()
    for ident in ids:
        facts = catalog.get(ident)
        assert facts is not None and facts.id == ident
        assert facts.source and set(facts.source.split("+")) <= {
            "scancode-licensedb", "spdx-license-list", "compliance-catalog"}
        if facts.copyleft is not CopyleftScope.NONE:
            assert facts.family not in (Family.PERMISSIVE, Family.PUBLIC_DOMAIN), ident
        if facts.family in (Family.NETWORK_COPYLEFT,):
            assert facts.network_clause, ident
        families.add(facts.family)
    assert families == set(Family)


def test_spdx_ids_use_spdx_names_and_flags() -> None:
    table = catalog.catalog_data()["spdx_license_list"]["table"]
    rows = [line.split(" ", 2) for line in table.splitlines()]
    assert len(rows) > 800
    for ident, flags, name in rows:
        facts = catalog.get(ident)
        assert facts is not None, ident
        assert facts.name == name, ident
        assert facts.osi_approved is (flags[0] == "O"), ident
        if flags[1] == "F":
            assert facts.fsf_libre is True, ident
        assert facts.deprecated is (flags[2] == "D"), ident


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_get_never_raises(text: str) -> None:
    facts = catalog.get(text)
    assert facts is None or isinstance(facts.family, Family)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(catalog.all_ids()), st.integers(min_value=0))
def test_lookup_ignores_case(ident: str, flips: int) -> None:
    mixed = "".join(c.upper() if flips >> i & 1 else c.lower() for i, c in enumerate(ident))
    assert catalog.get(mixed) == catalog.get(ident)


def test_suggestions() -> None:
    assert catalog.suggest("apache2")[0] == "Apache-2.0"
    assert "LicenseRef-llama3" in catalog.suggest("llama-3")
    assert "GPL-2.0+" in catalog.suggest("GPL2+")
    assert catalog.suggest("zzzzzzzzzzzzzz") == []


def test_loading_is_fast() -> None:
    code = textwrap.dedent("""
        import time
        start = time.perf_counter()
        from compliance.licenses import catalog
        catalog.get("MIT")
        print(time.perf_counter() - start)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds = float(out.stdout)
    assert seconds < 1.0, f"first lookup took {seconds * 1000:.0f} ms (budget ~150 ms)"


# ---------------------------------------------------------------- the CLI


@click.group()
def _licenses() -> None:
    """Stands in for the `licenses` group the CLI wires this command under."""


_licenses.add_command(show_command)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_licenses, ["show", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_text() -> None:
    code, out, err = _run("agpl-3.0-only")
    assert code == 0 and not err
    assert out.startswith("AGPL-3.0-only: GNU Affero General Public License v3.0 only\n")
    assert re.search(r"family\s+network-copyleft", out)
    assert re.search(r"network clause\s+yes", out)
    assert re.search(r"copyleft\s+whole-work", out)
    assert "obligations:\n    - " in out
    code, out, _ = _run("GPL-2.0+")
    assert code == 0 and re.search(r"deprecated\s+yes, replaced by GPL-2.0-or-later", out)
    code, out, _ = _run("LicenseRef-llama3.1")
    assert code == 0 and '"Built with Llama"' in out and "700 million" in out


def test_cli_json() -> None:
    code, out, _ = _run("MIT", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc == catalog.get("MIT").to_dict()  # type: ignore[union-attr]
    assert doc["family"] == "permissive" and doc["osi_approved"] is True
    assert isinstance(doc["obligations"], list)
    assert list(doc) == [f for f in LicenseFacts.__dataclass_fields__]


def test_cli_unknown_id_exits_2_with_suggestions() -> None:
    code, out, err = _run("Apache2.0")
    assert code == 2 and out == ""
    assert "unknown license id 'Apache2.0'" in err and "Apache-2.0" in err
    code, _, err = _run("qqqqqqqqqqqq")
    assert code == 2 and "did you mean" not in err
    code, _, err = _run("MIT", "--format", "xml")
    assert code == 2


def test_spdx_decides_what_is_an_exception() -> None:
    from compliance.licenses.catalog import get

    mpl = get("MPL-2.0-no-copyleft-exception")
    assert mpl is not None and not mpl.is_exception  # a license, despite its name
    for exception in ("Classpath-exception-2.0", "LLVM-exception", "GCC-exception-3.1"):
        facts = get(exception)
        assert facts is not None and facts.is_exception


# ----------------------------------------------------------------------------- translations


def _catalog_terms() -> list[str]:
    """Every obligation and use restriction of the catalog, rules and family defaults included."""
    out: list[str] = []
    for ident in catalog.all_ids():
        facts = catalog.get(ident)
        assert facts is not None
        out.extend(facts.obligations)
        out.extend(facts.use_restrictions)
    return list(dict.fromkeys(out))


def test_every_catalog_obligation_and_restriction_has_a_chinese_text() -> None:
    table = catalog.term_translations("zh-CN")
    texts = _catalog_terms()
    assert len(texts) > 100
    for text in texts:
        assert text in table, f"no zh-CN text for: {text}"
        zh = table[text]
        assert zh.strip() and zh != text, text
        assert re.search("[\u4e00-\u9fff]", zh), text
    # and nothing stale ("read its terms" is the engine's text for a license without any)
    assert sorted(set(table) - set(texts) - {"read its terms"}) == []


def test_localized_terms() -> None:
    texts = ("keep the copyright and license notices", "not a catalog text")
    assert catalog.localized_terms(texts, "en") == texts
    assert catalog.localized_terms(list(texts), "zh-CN") == (
        "保留版权声明和许可证声明", "not a catalog text")
    assert catalog.localized_terms((), "zh-CN") == ()
    with pytest.raises(catalog.CatalogError):
        catalog.localized_terms(texts, "xx-XX")
