"""risk/no-license, risk/unknown-license, risk/not-osi-approved."""

from __future__ import annotations

import pytest

from compliance.model import (
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ResolvedLicense,
    Scope,
    Severity,
)
from compliance.risks import licenses
from tests.risks.helpers import comp, inventory, names


def test_no_license() -> None:
    bare = comp("mystery", "1.0")
    dev = comp("devtool", "1.0", scope=Scope.EXCLUDED)
    licensed = comp("requests", "2.32.3", license="Apache-2.0")
    found = {f.component_name: f for f in licenses.check_no_license(
        inventory(bare, dev, licensed))}
    assert sorted(found) == ["devtool", "mystery"]
    assert found["mystery"].severity is Severity.WARNING
    assert found["mystery"].rule == "risk/no-license"
    assert "lockfiles" in found["mystery"].message and "--online" in found["mystery"].fix
    assert found["devtool"].severity is Severity.INFO


def test_no_license_uses_the_concluded_license_too() -> None:
    c = comp("x", "1.0")
    c.concluded = ResolvedLicense("MIT", "concluded", "license-file", "LICENSE")
    assert licenses.check_no_license(inventory(c)) == []


def test_no_license_says_when_evidence_was_there() -> None:
    c = comp("x", "1.0")
    c.licenses = [LicenseEvidence(LicenseEvidenceKind.FIELD, "", Location("x.dist-info/METADATA"))]
    assert "evidence states none" in licenses.check_no_license(inventory(c))[0].message


@pytest.mark.parametrize("c", [
    comp("a", "1", license="LicenseRef-unknown-acme-terms", known=False,
         original="Acme Public Terms v2"),
    comp("b", "1", license="MIT AND LicenseRef-unknown-foo", known=False),
    comp("c", "1", license="LicenseRef-unknown-license-text", known=True),
])
def test_unknown_license(c) -> None:
    found = licenses.check_unknown_license(inventory(c))
    assert len(found) == 1
    f = found[0]
    assert f.rule == "risk/unknown-license" and f.severity is Severity.WARNING
    assert f.license == c.license.expression and "curation" in f.fix


def test_unknown_license_shows_the_text_as_written() -> None:
    c = comp("a", "1", license="LicenseRef-unknown-acme-terms", known=False,
             original="Acme Public Terms v2")
    assert "'Acme Public Terms v2'" in licenses.check_unknown_license(inventory(c))[0].message


def test_known_licenses_are_not_unknown() -> None:
    inv = inventory(comp("a", "1", license="MIT"), comp("b", "1", license="Apache-2.0 OR MIT"),
                    comp("c", "1"))
    assert licenses.check_unknown_license(inv) == []


@pytest.mark.parametrize(("expression", "terms"), [
    ("CC-BY-NC-4.0", ("CC-BY-NC-4.0",)),
    ("LicenseRef-llama3.1", ("LicenseRef-llama3.1",)),
    ("MIT AND BUSL-1.1", ("BUSL-1.1",)),
    ("SSPL-1.0 OR Elastic-2.0", ("SSPL-1.0",)),
])
def test_not_osi_approved(expression, terms) -> None:
    found = licenses.check_not_osi_approved(inventory(comp("x", "1", license=expression)))
    assert len(found) == 1
    assert found[0].severity is Severity.INFO and found[0].rule == "risk/not-osi-approved"
    assert licenses.not_osi_terms(expression) == terms
    for t in terms:
        assert t in found[0].message


@pytest.mark.parametrize("expression", [
    "MIT", "Apache-2.0", "MIT OR CC-BY-NC-4.0",  # one alternative is OSI-approved
    "GPL-2.0-only WITH Classpath-exception-2.0",  # the exception is not a license
    "LicenseRef-unknown-foo",  # unknown: risk/unknown-license's business
    "LicenseRef-acme-eula",  # the catalog does not know it
])
def test_osi_approved_or_unknowable_is_not_flagged(expression) -> None:
    assert licenses.check_not_osi_approved(inventory(comp("x", "1", license=expression))) == []


def test_license_checks_ignore_components_without_license_for_osi() -> None:
    assert licenses.check_not_osi_approved(inventory(comp("x", "1"))) == []
    assert names(licenses.check_no_license(inventory(comp("x", "1")))) == ["x"]
