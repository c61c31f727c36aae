"""Licenses as a supply-chain risk: packages whose terms nobody can check.

* ``risk/no-license``: no license found at all;
* ``risk/unknown-license``: a license given as text that cannot be identified
  (``LicenseRef-unknown-*``, or the license engine's ``known=False``);
* ``risk/not-osi-approved``: every way to comply with a known license includes a license the
  OSI has not approved (source-available, non-commercial, AI use-restricted, CC0 ...).

The license judged is the one policy evaluation judges
(:func:`compliance.policy.evaluate.component_license`): the declared license, or the concluded
one when the declared license is missing or unknown. Components that do not ship (dev and test
groups) get info instead of warnings. Whether a license is *allowed* is the rule packs' question
(``compliance check --rules``), not these checks'.
"""

from __future__ import annotations

import functools

from compliance.licenses import catalog
from compliance.licenses.expression import EMPTY_EXPRESSION, UNKNOWN_PREFIX
from compliance.model import Component, Finding, Inventory, Scope, Severity
from compliance.risks import base
from compliance.risks.base import Check, who

__all__ = ["CHECKS", "not_osi_terms"]

NO_LICENSE = "risk/no-license"
UNKNOWN_LICENSE = "risk/unknown-license"
NOT_OSI = "risk/not-osi-approved"


def _license(comp: Component) -> str | None:
    """:func:`compliance.policy.evaluate.component_license`, with a fast path for the common
    cases (no license at all; a known declared license)."""
    declared = comp.license
    if declared is None:
        if comp.concluded is None:
            return None
    elif declared.known and declared.expression != EMPTY_EXPRESSION \
            and declared.expression.strip():
        return declared.expression
    from compliance.policy.evaluate import component_license

    return component_license(comp)


@functools.lru_cache(maxsize=4096)
def _unknown_expression(expression: str) -> bool:
    return UNKNOWN_PREFIX.lower() in expression.lower()


def _milder(comp: Component, severity: Severity) -> Severity:
    return Severity.INFO if comp.scope is Scope.EXCLUDED else severity


def _is_unknown(comp: Component, expression: str) -> bool:
    if _unknown_expression(expression):
        return True
    for resolved in (comp.license, comp.concluded):
        if resolved is not None and resolved.expression == expression and not resolved.known:
            return True
    return False


def check_no_license(inv: Inventory) -> list[Finding]:
    """``risk/no-license``."""
    out = []
    for comp in inv.components.values():
        if _license(comp) is not None:
            continue
        why = "evidence" if comp.licenses else "nothing"

        def render(lang: str, comp: Component = comp, why: str = why) -> tuple[str, str]:
            return (base.text(lang, "no_license.message", who=who(comp),
                              why=base.text(lang, f"no_license.why_{why}")),
                    base.text(lang, "no_license.fix"))

        out.append(base.finding(NO_LICENSE, comp, base.localized(render),
                                severity=_milder(comp, Severity.WARNING)))
    return out


def check_unknown_license(inv: Inventory) -> list[Finding]:
    """``risk/unknown-license``."""
    out = []
    for comp in inv.components.values():
        expression = _license(comp)
        if expression is None or not _is_unknown(comp, expression):
            continue
        resolved = next((r for r in (comp.license, comp.concluded)
                         if r is not None and r.expression == expression), None)
        written = resolved.original if resolved is not None and resolved.original else None
        shown = f"'{written}'" if written else f"'{expression}'"
        origin = resolved.location if resolved and resolved.location else ""

        def render(lang: str, comp: Component = comp, shown: str = shown,
                   origin: str = origin) -> tuple[str, str]:
            where = base.text(lang, "unknown_license.where", location=origin) if origin else ""
            return (base.text(lang, "unknown_license.message", who=who(comp), license=shown,
                              where=where),
                    base.text(lang, "unknown_license.fix"))

        out.append(base.finding(UNKNOWN_LICENSE, comp, base.localized(render),
                                severity=_milder(comp, Severity.WARNING), license=expression))
    return out


@functools.lru_cache(maxsize=4096)
def not_osi_terms(expression: str) -> tuple[str, ...]:
    """The licenses that keep ``expression`` from being OSI-approved: empty when one of its
    alternatives is made only of OSI-approved licenses, or when a term is unknown (that is
    ``risk/unknown-license``'s question); else the terms the catalog marks not approved in the
    alternative with the fewest of them."""
    from compliance.policy.evaluate import alternatives

    best: tuple[str, ...] | None = None
    for choice in alternatives(expression):
        bad: list[str] = []
        for term in choice:
            facts = catalog.get(term.id)
            if facts is None or facts.family is catalog.Family.UNKNOWN:
                return ()
            if facts.osi_approved is False:
                bad.append(term.id)
            elif facts.osi_approved is None:
                return ()  # the catalog does not say: nothing to report
        if not bad:
            return ()
        if best is None or len(bad) < len(best):
            best = tuple(dict.fromkeys(bad))
    return best or ()


def check_not_osi_approved(inv: Inventory) -> list[Finding]:
    """``risk/not-osi-approved``."""
    out = []
    for comp in inv.components.values():
        expression = _license(comp)
        if expression is None or _is_unknown(comp, expression):
            continue
        terms = not_osi_terms(expression)
        if not terms:
            continue
        names = ", ".join(terms)
        number = "one" if len(terms) == 1 else "other"

        def render(lang: str, comp: Component = comp, expression: str = expression,
                   names: str = names, first: str = terms[0], number: str = number
                   ) -> tuple[str, str]:
            return (base.text(lang, f"not_osi.message.{number}", who=who(comp),
                              license=expression, names=names),
                    base.text(lang, f"not_osi.fix.{number}", names=names, first=first))

        out.append(base.finding(NOT_OSI, comp, base.localized(render), severity=Severity.INFO,
                                license=expression))
    return out


CHECKS = (
    Check(NO_LICENSE, Severity.WARNING,
          "components with no license found (info for dev-only ones)",
          "Without a license nobody may use or ship the code, and no obligation can be checked.",
          "Find the license (--python, --online) or record a curation.", check_no_license),
    Check(UNKNOWN_LICENSE, Severity.WARNING,
          "components whose license text cannot be identified (info for dev-only ones)",
          "An unidentified license cannot be checked against any policy.",
          "Record the real license as a curation.", check_unknown_license),
    Check(NOT_OSI, Severity.INFO,
          "components under licenses the OSI has not approved",
          "Non-OSI terms may restrict use, commerce or redistribution.",
          "Check the license's terms and apply a rule pack that decides them.",
          check_not_osi_approved),
)
