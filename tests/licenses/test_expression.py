"""Declared license strings -> SPDX expressions (compliance.licenses.expression)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from license_expression import get_spdx_licensing

from compliance.licenses.expression import (
    EMPTY_EXPRESSION,
    TEXT_EXPRESSION,
    NormalizedLicense,
    from_classifiers,
    is_valid_spdx,
    looks_like_license_text,
    normalize,
)

CORPUS = Path(__file__).parent / "corpus" / "declared.tsv"
DATA = Path(__file__).parents[2] / "compliance" / "data" / "licenses"
METHODS = {"spdx", "deprecated", "name", "alias", "url", "classifier", "text", "empty", "unknown"}


def _corpus() -> list[tuple[str, str, str]]:
    rows = []
    for line in CORPUS.read_text("utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("source\t"):
            continue
        source, declared, expected = line.split("\t")
        rows.append((source, declared.replace("\\n", "\n").replace("\\s", " "), expected))
    return rows


_SPDX = get_spdx_licensing()
_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+")


def _license_expression_accepts(expression: str) -> bool:
    """Syntax check with the license-expression library (its SPDX licensing).

    license-expression reports LicenseRef-* and "<id>+" symbols as unknown keys (it only knows
    its own index), so those errors are accepted when the symbol is well formed.
    """
    result = _SPDX.validate(expression, strict=True)
    if result.errors and not all(e.startswith("Unknown license key") for e in result.errors):
        return False
    return all(_REF.fullmatch(sym) or (sym.endswith("+") and is_valid_spdx(sym))
               or is_valid_spdx(sym) for sym in result.invalid_symbols)


# ----------------------------------------------------------------------------- the corpus


def test_corpus_is_large_and_varied() -> None:
    rows = _corpus()
    declared = [d for _, d, _ in rows]
    assert len(set(declared)) == len(declared), "one row per distinct declared string"
    assert len(declared) >= 400
    sources = Counter(s.split(":")[0] for src, _, _ in rows for s in src.split(","))
    for ecosystem in ("pypi", "npm", "cargo", "maven", "gem", "hf"):
        assert sources[ecosystem] >= 20, (ecosystem, sources)


def test_every_corpus_row_normalises_exactly() -> None:
    rows = _corpus()
    failures = []
    for source, declared, expected in rows:
        got = normalize(declared)
        if got.expression != expected:
            failures.append(f"{source}: {declared!r} -> {got.expression!r}, expected {expected!r}")
    accuracy = 100.0 * (len(rows) - len(failures)) / len(rows)
    print(f"\ndeclared-license corpus: {len(rows) - len(failures)}/{len(rows)} exact "
          f"({accuracy:.2f}%)")
    assert not failures, "\n".join(failures)


def test_every_corpus_result_is_a_valid_spdx_expression() -> None:
    for _, declared, _ in _corpus():
        got = normalize(declared)
        again = normalize(got.expression)
        assert (again.expression, again.known) == (got.expression, got.known), (declared, again)
        assert again.method in ("spdx", "unknown"), (declared, again)
        assert is_valid_spdx(got.expression), (declared, got)
        assert _license_expression_accepts(got.expression), (declared, got)
        assert got.method in METHODS
        assert got.original == declared
        assert got.known == (not got.unknown_parts) or got.method == "empty"
        if "LicenseRef-unknown-" in got.expression or "LicenseRef-bsd-unspecified" in got.expression:
            assert not got.known


# ----------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize(("declared", "expression", "method"), [
    ("mit", "MIT", "spdx"),
    ("apache-2.0", "Apache-2.0", "spdx"),
    ("mit or (apache-2.0 and bsd-3-clause)", "MIT OR (Apache-2.0 AND BSD-3-Clause)", "spdx"),
    ("GPL-2.0+", "GPL-2.0-or-later", "deprecated"),
    ("GPL-3.0", "GPL-3.0-only", "deprecated"),
    ("LGPL-2.1+", "LGPL-2.1-or-later", "deprecated"),
    ("GPL-2.0-with-classpath-exception", "GPL-2.0-only WITH Classpath-exception-2.0", "deprecated"),
    ("AGPL-3.0", "AGPL-3.0-only", "deprecated"),
    ("eCos-2.0", "GPL-2.0-or-later WITH eCos-exception-2.0", "deprecated"),
    ("wxWindows", "LGPL-2.0-or-later WITH WxWindows-exception-3.1", "deprecated"),
    ("Apache 2.0", "Apache-2.0", "alias"),
    ("Apache License, Version 2.0", "Apache-2.0", "alias"),
    ("ASL 2", "Apache-2.0", "alias"),
    ("new BSD", "BSD-3-Clause", "alias"),
    ("Simplified BSD", "BSD-2-Clause", "alias"),
    ("GPLv3+", "GPL-3.0-or-later", "alias"),
    ("GPL v2 or later", "GPL-2.0-or-later", "alias"),
    ("GNU LGPL v2.1 or later", "LGPL-2.1-or-later", "alias"),
    ("MIT/X11", "MIT", "alias"),
    ("Expat", "MIT", "alias"),
    ("Dual MIT/Apache-2.0", "MIT OR Apache-2.0", "alias"),
    ("MIT or Apache 2.0", "MIT OR Apache-2.0", "alias"),
    ("Apache-2.0 / MIT", "Apache-2.0 OR MIT", "alias"),
    ("BSD 3-Clause or Apache License, Version 2.0", "BSD-3-Clause OR Apache-2.0", "alias"),
    ("PSFL", "PSF-2.0", "alias"),
    ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0", "alias"),
    ("ISC License (ISCL)", "ISC", "alias"),
    ("CC BY 4.0", "CC-BY-4.0", "alias"),
    ("Boost", "BSL-1.0", "alias"),
    ("GNU General Public License v3.0 only", "GPL-3.0-only", "name"),
    ("https://opensource.org/licenses/MIT", "MIT", "url"),
    ("http://www.apache.org/licenses/LICENSE-2.0.txt", "Apache-2.0", "url"),
    ("https://www.gnu.org/licenses/gpl-3.0.html", "GPL-3.0-only", "url"),
    ("https://spdx.org/licenses/BSD-2-Clause.html", "BSD-2-Clause", "url"),
    ("https://choosealicense.com/licenses/mit/", "MIT", "url"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0", "url"),
    ("License :: OSI Approved :: MIT License", "MIT", "classifier"),
    ("llama3.1", "LicenseRef-llama3.1", "alias"),
    ("openrail++", "LicenseRef-openrail-plus-plus", "alias"),
    ("bigscience-bloom-rail-1.0", "LicenseRef-bigscience-bloom-rail-1.0", "alias"),
])
def test_declared_strings(declared: str, expression: str, method: str) -> None:
    got = normalize(declared)
    assert (got.expression, got.method, got.known) == (expression, method, True)
    assert got.unknown_parts == ()


def test_one_expression_with_or_not_two_licenses() -> None:
    got = normalize("BSD 3-Clause or Apache License, Version 2.0")
    assert got.expression == "BSD-3-Clause OR Apache-2.0"


@pytest.mark.parametrize("declared", ["BSD", "BSD License", "bsd"])
def test_plain_bsd_is_flagged_not_guessed(declared: str) -> None:
    got = normalize(declared)
    assert got.expression == "LicenseRef-bsd-unspecified"
    assert not got.known
    assert got.unknown_parts == (declared,)


@pytest.mark.parametrize(("declared", "expression"), [
    ("GPL", "GPL-1.0-or-later"),
    ("LGPL", "LGPL-2.0-or-later"),
    ("AGPL", "AGPL-3.0-or-later"),
    ("Apache Software License", "Apache-2.0"),
    ("Public Domain", "LicenseRef-public-domain"),
    ("Proprietary", "LicenseRef-proprietary"),
    ("Commercial", "LicenseRef-proprietary"),
    ("All rights reserved", "LicenseRef-proprietary"),
    ("UNLICENSED", "LicenseRef-proprietary"),
    ("gemma", "LicenseRef-gemma"),
])
def test_documented_choices_are_known(declared: str, expression: str) -> None:
    got = normalize(declared)
    assert (got.expression, got.known) == (expression, True)


@pytest.mark.parametrize("declared", ["UNKNOWN", "", "None", "N/A", "  ", "unknown", "License: UNKNOWN"])
def test_empty_declarations(declared: str) -> None:
    assert normalize(declared) == NormalizedLicense(EMPTY_EXPRESSION, declared, False, "empty")


def test_unmappable_parts_are_kept_not_dropped() -> None:
    got = normalize("MIT or Foo Public License")
    assert got.expression == "MIT OR LicenseRef-unknown-foo-public-license"
    assert not got.known
    assert got.unknown_parts == ("Foo Public License",)
    assert normalize("MPL").expression == "LicenseRef-unknown-mpl"  # version not guessed


def test_whole_license_text_is_handed_to_the_caller() -> None:
    text = ("Copyright (c) 2024, Example\nAll rights reserved.\n\nRedistribution and use in "
            "source and binary forms, with or without modification, are permitted provided "
            "that the following conditions are met:")
    assert looks_like_license_text(text)
    got = normalize(text)
    assert (got.expression, got.method, got.known) == (TEXT_EXPRESSION, "text", False)
    assert not looks_like_license_text("Apache License, Version 2.0")
    assert not looks_like_license_text("Copyright (c) 2020 Acme. All rights reserved.")


def test_is_valid_spdx() -> None:
    for good in ("MIT", "mit", "MIT OR Apache-2.0", "(MIT OR Apache-2.0) AND BSD-3-Clause",
                 "GPL-2.0-only WITH Classpath-exception-2.0", "LicenseRef-llama3.1", "GPL-2.0+",
                 "Apache-2.0+", "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"):
        assert is_valid_spdx(good), good
    for bad in ("", "MIT or Apache-2.0", "Apache 2.0", "MIT OR", "(MIT", "MIT)", "BSD",
                "MIT WITH GPL-2.0-only", "LicenseRef-openrail++", "NOASSERTION", "MIT AND AND ISC"):
        assert not is_valid_spdx(bad), bad


# ----------------------------------------------------------------------------- classifiers


def test_classifiers_combine_with_or() -> None:
    got = from_classifiers([
        "Development Status :: 5 - Production/Stable",
        "License :: OSI Approved",
        "License :: OSI Approved :: MIT License",
        "License :: OSI Approved :: Apache Software License",
    ])
    assert got is not None
    assert (got.expression, got.method, got.known) == ("MIT OR Apache-2.0", "classifier", True)


def test_classifiers_that_name_no_license() -> None:
    assert from_classifiers(["License :: OSI Approved"]) is None
    assert from_classifiers(["Programming Language :: Python :: 3"]) is None
    assert from_classifiers([]) is None
    assert from_classifiers(["License :: Something New"]) is None


def test_generic_gpl_classifier_gives_way_to_the_versioned_one() -> None:
    got = from_classifiers(["License :: OSI Approved :: GNU General Public License (GPL)",
                            "License :: OSI Approved :: GNU General Public License v3 (GPLv3)"])
    assert got is not None and got.expression == "GPL-3.0-only"
    alone = from_classifiers(["License :: OSI Approved :: GNU General Public License (GPL)"])
    assert alone is not None and alone.expression == "GPL-1.0-or-later"


def test_bsd_classifier_is_ambiguous_and_unknown_classifiers_are_kept() -> None:
    got = from_classifiers(["License :: OSI Approved :: BSD License",
                            "License :: OSI Approved :: Brand New License"])
    assert got is not None
    assert got.expression == ("LicenseRef-bsd-unspecified OR "
                              "LicenseRef-unknown-brand-new-license")
    assert not got.known
    assert len(got.unknown_parts) == 2


def test_classifier_table_covers_the_official_list() -> None:
    table = yaml.safe_load((DATA / "classifiers.yaml").read_text("utf-8"))
    assert len(table["classifiers"]) + len(table["ignore"]) == 89
    for classifier, expression in table["classifiers"].items():
        assert classifier.startswith("License :: ")
        assert is_valid_spdx(expression), classifier
        got = from_classifiers([classifier])
        assert got is not None and got.expression == expression


# ----------------------------------------------------------------------------- data files


def test_alias_tables_are_consistent() -> None:
    from compliance.licenses.expression import _tables

    tables = _tables()
    curated = [c for c in tables.conflicts if c[0] != "spdx names"]
    assert curated == [], "two aliases normalise alike but map differently"
    aliases = yaml.safe_load((DATA / "aliases.yaml").read_text("utf-8"))
    hub = yaml.safe_load((DATA / "aliases-huggingface.yaml").read_text("utf-8"))
    targets = [*aliases["aliases"].values(), *aliases["deprecated"].values(),
               *aliases["urls"].values(), *aliases["patterns"].values()]
    for section in hub.values():
        targets.extend(section.values())
    for target in targets:
        assert is_valid_spdx(target), target
        assert normalize(target).expression == target, target


def test_hugging_face_ai_licenses_use_the_hub_id() -> None:
    hub = yaml.safe_load((DATA / "aliases-huggingface.yaml").read_text("utf-8"))
    for hub_id, target in hub["licenses"].items():
        got = normalize(hub_id)
        assert got.expression == target, hub_id
        if target.startswith("LicenseRef-") and hub_id != "bsd":
            expected = "LicenseRef-openrail-plus-plus" if hub_id == "openrail++" else f"LicenseRef-{hub_id}"
            assert target == expected
            assert got.known


def test_every_spdx_full_name_and_deprecated_id_maps() -> None:
    spdx = json.loads((DATA / "aliases-spdx-names.json").read_text("utf-8"))
    deprecated = {k for k, v in spdx["licenses"].items() if v["deprecated"]}
    for spdx_id, entry in spdx["licenses"].items():
        got = normalize(entry["name"])
        if not entry["deprecated"]:
            assert got.expression == spdx_id, entry["name"]
        assert normalize(spdx_id.upper()).known
    for spdx_id in deprecated - {"Net-SNMP"}:
        got = normalize(spdx_id)
        assert got.method == "deprecated", spdx_id
        assert not set(re.split(r"[ ()]+", got.expression)) & deprecated, (spdx_id, got)


# ----------------------------------------------------------------------------- properties

_WORDS = ["MIT", "mit", "Apache", "2.0", "Apache-2.0", "GPL", "GPLv2", "+", "or", "OR", "and",
          "AND", "with", "WITH", "Classpath-exception-2.0", "(", ")", "/", ",", ";", "|", "BSD",
          "License", "licence", "version", "v3", "later", "LicenseRef-x", "LicenseRef-", "::",
          "License ::", "https://", "opensource.org/licenses/", "dual", "the", "CC", "BY",
          "-", "Public Domain", "UNKNOWN", "é", "\n", "\t", "'", '"', "llama3.1", "openrail++"]


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join),
    st.lists(st.sampled_from(_WORDS), max_size=12).map("".join),
))
def test_normalize_never_raises_and_always_returns_valid_spdx(text: str) -> None:
    got = normalize(text)
    assert is_valid_spdx(got.expression), (text, got)
    assert _license_expression_accepts(got.expression), (text, got)
    assert got.known == (not got.unknown_parts) or got.method == "empty"
    assert got.method in METHODS
    again = normalize(got.expression)  # idempotent: our output reads back as itself
    assert (again.expression, again.known) == (got.expression, got.known)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=60), st.sampled_from(
    ["License :: OSI Approved :: MIT License", "License :: OSI Approved",
     "License :: OSI Approved :: BSD License", "License :: Public Domain"])), max_size=6))
def test_from_classifiers_never_raises(classifiers: list[str]) -> None:
    got = from_classifiers(classifiers)
    if got is not None:
        assert is_valid_spdx(got.expression)
        assert got.method == "classifier"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_is_valid_spdx_never_raises(text: str) -> None:
    assert is_valid_spdx(text) in (True, False)
