"""Supply-chain risk checks: small functions ``Inventory -> list[Finding]``.

Each check has an id (``risk/<name>``), a default severity, why its findings matter and how to
fix them; its findings carry ``rule`` (the id), ``pack="risks"``, the component and where it was
first declared. One module per family:

=============  ==========================================================================
``pinning``    ``risk/unpinned``, ``risk/unlocked-repository``, ``risk/no-hashes``,
               ``risk/vcs-without-commit``
``sources``    ``risk/direct-url``, ``risk/extra-index-url``, ``risk/non-default-index``,
               ``risk/local-path``
``typosquat``  ``risk/typosquat``
``licenses``   ``risk/no-license``, ``risk/unknown-license``, ``risk/not-osi-approved``
``ai``         ``risk/trust-remote-code``, ``risk/unpinned-model``,
               ``risk/http-model-download``, ``risk/unsafe-serialization``
``ntia``       ``risk/sbom-quality`` (and :func:`~compliance.risks.ntia.ntia_score`)
=============  ==========================================================================

:func:`run_checks` runs them (all, or a selection) and returns the findings in a stable order:
check by check in :func:`all_checks` order, and within a check by component name, version and
bom-ref.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import TYPE_CHECKING

from compliance.errors import InputError
from compliance.model import Finding, Inventory, Severity
from compliance.risks import ai, licenses, ntia, pinning, sources, typosquat
from compliance.risks.base import PACK, Check
from compliance.risks.ntia import NtiaElement, NtiaScore, ntia_score

if TYPE_CHECKING:
    from compliance.policy.evaluate import EvaluationResult

__all__ = [
    "PACK",
    "Check",
    "NtiaElement",
    "NtiaScore",
    "add_to_result",
    "all_checks",
    "get_check",
    "ntia_score",
    "run_checks",
    "select_checks",
]

_FAMILIES = (pinning, sources, typosquat, licenses, ai, ntia)
_CHECKS: tuple[Check, ...] = tuple(c for module in _FAMILIES for c in module.CHECKS)


def all_checks() -> list[Check]:
    """Every check, in a stable order: by family (pinning, sources, typosquat, licenses, ai,
    ntia), then as each family lists them."""
    return list(_CHECKS)


def get_check(check_id: str) -> Check:
    """The check with this id (``risk/typosquat``, or just ``typosquat``)."""
    wanted = check_id if check_id.startswith("risk/") else f"risk/{check_id}"
    for check in _CHECKS:
        if check.id == wanted:
            return check
    raise InputError(f"unknown risk check {check_id!r}; known: "
                     f"{', '.join(c.id for c in _CHECKS)}")


def select_checks(select: Iterable[str] | None = None) -> list[Check]:
    """The checks ``select`` names, in :func:`all_checks` order; all of them for None.

    Each entry is a check id (``risk/no-hashes``), its name without ``risk/`` (``no-hashes``), a
    family (``pinning``, ``sources``, ``typosquat``, ``licenses``, ``ai``, ``ntia``), a glob over
    ids (``risk/*-license``) or ``all``. An entry that selects nothing is an
    :class:`~compliance.errors.InputError`."""
    if select is None:
        return list(_CHECKS)
    if isinstance(select, str):
        select = [select]
    chosen: set[str] = set()
    for raw in select:
        entry = raw.strip()
        if not entry:
            continue
        if entry == "all":
            chosen.update(c.id for c in _CHECKS)
            continue
        full = entry if entry.startswith("risk/") or "*" in entry else f"risk/{entry}"
        hits = {c.id for c in _CHECKS
                if c.id == full or c.family == entry or fnmatch.fnmatchcase(c.id, full)
                or fnmatch.fnmatchcase(c.id, entry)}
        if not hits:
            families = sorted({c.family for c in _CHECKS})
            raise InputError(f"no risk check matches {raw!r}; checks: "
                             f"{', '.join(c.id for c in _CHECKS)}; families: "
                             f"{', '.join(families)}")
        chosen.update(hits)
    return [c for c in _CHECKS if c.id in chosen]


def _order(f: Finding) -> tuple[str, str, str]:
    return (f.component_name or "", f.component_version or "", f.component_ref or "")


def run_checks(inv: Inventory, *, select: Iterable[str] | None = None,
               has_timestamp: bool = True,
               author: str | None = ntia.TOOL_AUTHOR) -> list[Finding]:
    """Run the selected checks (all by default) on ``inv``; findings in a stable order.

    ``has_timestamp`` and ``author`` describe the SBOM ``risk/sbom-quality`` grades; the
    defaults describe the SBOM this tool writes for ``inv`` (timestamped, authored by the tool).
    For an SBOM read from a file, pass what its metadata holds."""
    out: list[Finding] = []
    for check in select_checks(select):
        if check.id == ntia.SBOM_QUALITY:
            found = ntia.check_sbom_quality(inv, has_timestamp=has_timestamp, author=author)
        else:
            found = check.run(inv)
        found.sort(key=_order)
        out.extend(found)
    return out


def _severity_order(f: Finding) -> tuple[int, str, str, str, str]:
    # the order compliance.policy.evaluate gives its findings
    return (-f.severity.rank, f.rule, f.component_name or "", f.component_version or "",
            f.component_ref or "")


def add_to_result(result: EvaluationResult, findings: Iterable[Finding]) -> int:
    """Add risk findings to a policy evaluation's result, so that reports list them and
    ``--fail-on`` gates on them; returns how many were added.

    A risk finding that repeats a policy finding is left out: same component, and a rule of the
    same name in a rule pack (``risk/no-license`` beside ``default/no-license``). The rest are
    merged in the evaluation's order (severity, rule, component); the summary's counts per
    severity and of components with findings are updated, and ``risks`` counts what was
    added."""
    already = {(f.rule.rsplit("/", 1)[-1], f.component_ref)
               for f in (*result.findings, *result.waived)}
    added = [f for f in findings
             if (f.rule.rsplit("/", 1)[-1], f.component_ref) not in already]
    result.findings = sorted([*result.findings, *added], key=_severity_order)
    for severity in Severity:
        result.summary[severity.value] = sum(1 for f in result.findings
                                             if f.severity is severity)
    result.summary["risks"] = result.summary.get("risks", 0) + len(added)
    result.summary["components_with_findings"] = len(
        {f.component_ref for f in result.findings if f.component_ref})
    return len(added)
