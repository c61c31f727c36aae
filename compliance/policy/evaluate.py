"""Inventory x rule packs x project policy -> findings.

For each component, the license evaluated is its curated license if the policy file corrects
it, else its declared license (its concluded one when the declared license is unknown). The
expression is expanded into its alternatives (``A OR (B AND C)`` offers ``A`` and ``B AND C``);
every rule that covers the component's scope judges every alternative, and the alternative
with the fewest errors (then warnings, then infos) is the one the component is used under. Its
findings are reported, naming the alternative chosen. Inside an alternative every term must
pass (AND); a ``compat`` rule asks the compatibility engine about the alternative as a whole.
A component without a license meets only the rules on ``no_license``.

Findings a waiver accepts are moved to ``waived`` (severity kept, ``waived_by`` set); an expired
waiver applies to nothing and is itself a finding (``config/expired-waiver``). Curations are
applied to the inventory first, so that notices and SBOMs written afterwards carry them.

Work is cached per (expression, scope) and per (rule, term), so 20,000 components sharing 500
expressions cost 500 evaluations.
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from compliance.licenses import catalog
from compliance.licenses.catalog import Family
from compliance.licenses.expression import (
    EMPTY_EXPRESSION,
    UNKNOWN_PREFIX,
    is_valid_spdx,
    normalize,
)
from compliance.model import Component, Finding, Inventory, Location, ResolvedLicense, Severity
from compliance.policy.config import NO_LICENSE, ProjectConfig, Waiver
from compliance.policy.packs import USES, Condition, Pack, PolicyError, Rule
from compliance.report.messages import DEFAULT_LANG, message

__all__ = [
    "NO_PROJECT_LICENSE",
    "AppliedCuration",
    "EvaluationResult",
    "Term",
    "alternatives",
    "apply_curations",
    "component_license",
    "evaluate_inventory",
    "project_license_for",
]

NO_PROJECT_LICENSE = "none: treated as proprietary"
"""Where the project license came from when there is none."""
EXPIRED_WAIVER = "config/expired-waiver"
FINDING_LANGUAGES = ("zh-CN",)
"""The languages besides English a finding's message and fix are written in too
(``Finding.translations``): the glue comes from the message catalogs (``finding.*``), the
reasons and fixes from compat.yaml's translations and the rules' ``reason_zh-CN``."""
_MAX_ALTERNATIVES = 256


# ----------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Term:
    """One license of an expression, with its exception: ``GPL-2.0-only WITH Classpath-...``."""

    id: str
    exception: str | None = None

    def __str__(self) -> str:
        return self.id if self.exception is None else f"{self.id} WITH {self.exception}"


_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
_Node = Term | tuple[str, list[Any]]


class _Syntax(ValueError):
    pass


class _TooMany(Exception):
    pass


def _parse(expression: str) -> _Node:
    """SPDX expression -> tree. Ids are kept as written (deprecated ids must stay visible)."""
    tokens = _TOKEN.findall(expression)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise _Syntax("unexpected end")
        pos += 1
        return str(tokens[pos - 1])

    def operand() -> _Node:
        token = take()
        if token == "(":
            node = disjunction()
            if take() != ")":
                raise _Syntax("missing )")
            return node
        if token == ")" or token.upper() in ("AND", "OR", "WITH"):
            raise _Syntax(f"unexpected {token}")
        following = peek()
        if following is not None and following.upper() == "WITH":
            take()
            exception = take()
            if exception in ("(", ")"):
                raise _Syntax("missing exception")
            return Term(token, exception)
        return Term(token)

    def chain(op: str, inner: Any) -> _Node:
        args = [inner()]
        while (following := peek()) is not None and following.upper() == op:
            take()
            args.append(inner())
        return args[0] if len(args) == 1 else (op, args)

    def conjunction() -> _Node:
        return chain("AND", operand)

    def disjunction() -> _Node:
        return chain("OR", conjunction)

    node = disjunction()
    if pos != len(tokens):
        raise _Syntax(f"unexpected {tokens[pos]}")
    return node


def _dnf(node: _Node) -> list[tuple[Term, ...]]:
    if isinstance(node, Term):
        return [(node,)]
    op, args = node
    if op == "OR":
        return [choice for arg in args for choice in _dnf(arg)]
    out: list[tuple[Term, ...]] = [()]
    for arg in args:
        out = [a + b for a in out for b in _dnf(arg)]
        if len(out) > _MAX_ALTERNATIVES:
            raise _TooMany
    return out


def _terms(node: _Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    return [t for arg in node[1] for t in _terms(arg)]


def alternatives(expression: str) -> list[tuple[Term, ...]]:
    """The ways a license expression can be complied with: each a tuple of terms that must all
    be met. ``MIT OR (Apache-2.0 AND BSD-3-Clause)`` -> ``[(MIT,), (Apache-2.0, BSD-3-Clause)]``.

    An expression that does not parse is one term (which no catalog knows: an unknown license);
    one with more than 256 alternatives is one alternative holding every term."""
    return list(_alternatives(expression))


@functools.lru_cache(maxsize=8192)
def _alternatives(expression: str) -> tuple[tuple[Term, ...], ...]:
    try:
        tree = _parse(expression)
    except _Syntax:
        return ((Term(" ".join(expression.split())),),)
    try:
        choices = _dnf(tree)
    except _TooMany:
        choices = [tuple(_terms(tree))]
    unique: dict[tuple[Term, ...], None] = {}
    for choice in choices:
        unique.setdefault(tuple(dict.fromkeys(choice)), None)
    return tuple(unique)


def _render(choice: Sequence[Term]) -> str:
    return " AND ".join(str(t) for t in choice)


# ----------------------------------------------------------------------------- term facts


@dataclass(frozen=True)
class _Facts:
    names: tuple[str, ...]  # lower-case ids the globs are matched against
    family: str
    osi_approved: bool
    deprecated: bool
    unknown: bool
    use_restricted: bool
    network_clause: bool


def _term_facts(term: Term) -> _Facts:
    base = catalog.get(term.id)
    exception = catalog.get(term.exception) if term.exception else None
    names = {term.id.lower()}
    if base is not None:
        names.add(base.id.lower())
        if base.replaced_by:
            names.add(base.replaced_by.lower())
    if term.exception:
        names.add(term.exception.lower())
        names.add(str(term).lower())
        if exception is not None:
            names.add(exception.id.lower())
    unknown = (base is None or base.family is Family.UNKNOWN
               or (term.exception is not None and exception is None))
    family = Family.UNKNOWN if base is None else base.family
    if exception is not None and exception.family is not Family.UNKNOWN:
        # an exception's family describes the license combined with it (Classpath: weak)
        family = exception.family
    return _Facts(
        names=tuple(sorted(names)),
        family=family.value,
        osi_approved=bool(base and base.osi_approved),
        deprecated=bool((base and base.deprecated) or (exception and exception.deprecated)),
        unknown=unknown,
        use_restricted=bool((base and base.use_restrictions)
                            or (exception and exception.use_restrictions)),
        network_clause=bool(base and base.network_clause),
    )


def _holds(cond: Condition, facts: _Facts) -> bool:
    if cond.licenses and not any(fnmatch.fnmatchcase(name, pattern)
                                 for pattern in cond.licenses for name in facts.names):
        return False
    if cond.families is not None and facts.family not in cond.families:
        return False
    checks = ((cond.osi_approved, facts.osi_approved), (cond.deprecated, facts.deprecated),
              (cond.unknown, facts.unknown), (cond.use_restricted, facts.use_restricted),
              (cond.network_clause, facts.network_clause))
    return all(wanted is None or wanted == actual for wanted, actual in checks)


# ----------------------------------------------------------------------------- judging


@dataclass(frozen=True)
class _Hit:
    rule: Rule
    severity: Severity
    terms: tuple[Term, ...]  # the terms the rule objects to
    verdict: Any = None  # compat.Verdict for compat rules


@dataclass(frozen=True)
class _Choice:
    text: str
    hits: tuple[_Hit, ...]

    @property
    def score(self) -> tuple[int, int, int]:
        counts = {s: 0 for s in Severity}
        for hit in self.hits:
            counts[hit.severity] += 1
        return counts[Severity.ERROR], counts[Severity.WARNING], counts[Severity.INFO]


@dataclass(frozen=True)
class _Judgement:
    chosen: _Choice | None
    choices: tuple[_Choice, ...]


def _outcome(verdict: Any) -> str:
    """A verdict's outcome as packs name it: denied, unknown, obligations or allowed."""
    value = str(getattr(verdict.outcome, "value", verdict.outcome))
    return "obligations" if value == "allowed-with-obligations" else value


class _Judge:
    """Judges expressions against a fixed set of rules, for one use and project license."""

    def __init__(self, rules: Sequence[Rule], use: str, outbound: str | None) -> None:
        self.rules = rules
        self.use = use
        self.outbound = outbound
        self.facts: dict[Term, _Facts] = {}
        self.term_hits: dict[tuple[str, Term], bool] = {}
        self.verdicts: dict[str, Any] = {}
        self.judged: dict[tuple[str | None, str], _Judgement] = {}
        self.choice_hits: dict[tuple[Term, ...], tuple[_Hit, ...]] = {}
        self.kinds = [(rule, rule.kind) for rule in rules]
        self._compat: Any = None

    def _facts(self, term: Term) -> _Facts:
        found = self.facts.get(term)
        if found is None:
            found = self.facts[term] = _term_facts(term)
        return found

    def _in(self, conds: Sequence[Condition], term: Term) -> bool:
        facts = self._facts(term)
        return any(_holds(c, facts) for c in conds)

    def _hits_term(self, rule: Rule, term: Term) -> bool:
        key = (rule.full_id, term)
        found = self.term_hits.get(key)
        if found is None:
            found = self.term_hits[key] = (self._in(rule.match, term)
                                           and not self._in(rule.unless, term))
        return found

    def verdict(self, inbound: str) -> Any:
        """The compatibility engine's verdict on ``inbound`` (cached)."""
        found = self.verdicts.get(inbound)
        if found is None:
            if self._compat is None:
                try:
                    self._compat = importlib.import_module("compliance.policy.compat")
                except ImportError as e:
                    raise PolicyError("a rule matches on 'compat' but the license compatibility "
                                      "engine (compliance.policy.compat) is not available") from e
            found = self.verdicts[inbound] = self._compat.evaluate(
                self.outbound, inbound, self._compat.Use(self.use))
        return found

    def _hits(self, choice: tuple[Term, ...]) -> tuple[_Hit, ...]:
        """What every rule (whatever its scopes) says of one alternative; cached, since the
        same alternative (``MIT``) turns up in many expressions."""
        found = self.choice_hits.get(choice)
        if found is not None:
            return found
        hits: list[_Hit] = []
        for rule, kind in self.kinds:
            if kind == "terms":
                terms = tuple(t for t in choice if self._hits_term(rule, t))
                severity = rule.severity_for(self.use) if terms else None
                if severity is not None:
                    hits.append(_Hit(rule, severity, terms))
            elif kind == "compat":
                considered = tuple(t for t in choice if not self._in(rule.unless, t))
                if not considered:
                    continue
                verdict = self.verdict(_render(considered))
                outcome = _outcome(verdict)
                severity = (rule.severity_for(self.use, outcome)
                            if outcome in rule.outcomes else None)
                if severity is None:
                    continue
                culprits = tuple(t for t in considered if len(considered) > 1
                                 and _outcome(self.verdict(str(t))) == outcome)
                hits.append(_Hit(rule, severity, culprits or considered, verdict))
        found = self.choice_hits[choice] = tuple(hits)
        return found

    def judge(self, expression: str | None, scope: str) -> _Judgement:
        """The best way to comply with ``expression`` for a component of ``scope``."""
        key = (expression, scope)
        found = self.judged.get(key)
        if found is not None:
            return found
        if expression is None:
            hits = tuple(_Hit(r, s, ()) for r, kind in self.kinds
                         if kind == "no-license" and scope in r.scopes
                         if (s := r.severity_for(self.use)) is not None)
            found = _Judgement(_Choice("", hits), ())
        else:
            choices = tuple(
                _Choice(_render(c), tuple(h for h in self._hits(c) if scope in h.rule.scopes))
                for c in alternatives(expression))
            best = min(choices, key=lambda c: c.score)  # the first of equals: stable
            found = _Judgement(best, choices)
        self.judged[key] = found
        return found


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class AppliedCuration:
    """A curation that changed a component's license."""

    component_ref: str
    component_name: str
    component_version: str | None
    previous: str | None  # the license before (None: none declared)
    license: str
    comment: str
    location: str  # file:line of the curation


def component_license(comp: Component) -> str | None:
    """The expression a component is judged by: its declared license, or its concluded one
    when the declared license is missing or unknown; None when it has no license at all."""
    declared, concluded = comp.license, comp.concluded
    present = [r for r in (declared, concluded) if r is not None and r.expression.strip()
               and r.expression != EMPTY_EXPRESSION]
    for resolved in present:
        if resolved.known:
            return resolved.expression
    return present[0].expression if present else None


def apply_curations(inv: Inventory, config: ProjectConfig) -> list[AppliedCuration]:
    """Replace the license of every component a curation names (the first matching curation
    wins), and say what changed. Applying the same curations again changes nothing more."""
    applied: list[AppliedCuration] = []
    if not config.curations:
        return applied
    for comp in inv.components.values():
        curation = next((c for c in config.curations if c.matches_component(comp)), None)
        if curation is None:
            continue
        current = comp.license
        if current is not None and current.source == "curation" \
                and current.location == curation.location:
            previous = current.original
        else:
            previous = component_license(comp)
            comp.license = ResolvedLicense(
                expression=curation.license, acknowledgement="concluded", source="curation",
                location=curation.location, known=UNKNOWN_PREFIX not in curation.license,
                original=previous)
        applied.append(AppliedCuration(comp.ref, comp.name, comp.version, previous,
                                       curation.license, curation.comment, curation.location))
    return applied


def project_license_for(inv: Inventory, config: ProjectConfig,
                        explicit: str | None = None) -> tuple[str | None, str]:
    """The project's own license and where it came from: ``--project-license``, the policy
    file (``.compliance.yaml`` / ``pyproject.toml``), the project's metadata (the manifest's
    path), ``LICENSE file``, or ``none: treated as proprietary``."""
    if explicit:
        text = " ".join(explicit.split())
        if not is_valid_spdx(text):
            hint = normalize(text)
            if not hint.known:
                raise PolicyError(f"{explicit!r} is not a valid SPDX license expression",
                                  where="--project-license")
            text = hint.expression
        return text, "--project-license"
    if config.license:
        return config.license, config.path or config.kind
    found = inv.project_license
    if found is not None and found.expression and found.expression != EMPTY_EXPRESSION:
        if found.acknowledgement == "concluded" or found.source.startswith("license-file"):
            return found.expression, "LICENSE file"
        return found.expression, found.location or "project metadata"
    return None, NO_PROJECT_LICENSE


# ----------------------------------------------------------------------------- results


@dataclass
class EvaluationResult:
    """What the packs found, what the waivers accepted, and what the evaluation assumed."""

    findings: list[Finding]
    waived: list[Finding]
    summary: dict[str, int]
    project_license: str | None
    project_license_source: str
    use: str
    packs: list[str]
    curations: list[AppliedCuration] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)  # the rules in force, for reports

    def failed(self, fail_on: Severity | str) -> bool:
        """True when a finding (not waived) is at least as severe as ``fail_on``."""
        if fail_on == "never":
            return False
        threshold = Severity(fail_on)
        return any(f.severity.rank >= threshold.rank for f in self.findings)


def _first_location(comp: Component) -> Location | None:
    if not comp.occurrences:
        return None
    return min(comp.occurrences, key=lambda loc: (loc.path, loc.line or 0))


def _quote(text: str) -> str:
    """A double-quoted string, valid in both YAML and TOML."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _waiver_target(comp: Component, toml: bool) -> list[str]:
    """The lines of a waiver that name the component."""
    if comp.purl:
        entries = [("purl", comp.purl)]
    else:
        entries = [("name", comp.name)] + ([("version", comp.version)] if comp.version else [])
    sep = " = " if toml else ": "
    return [f"{key}{sep}{_quote(value)}" for key, value in entries]


def _waiver_rest(license_: str | None, rule_id: str, toml: bool) -> list[str]:
    """The lines of a waiver after the component (the same for every component)."""
    sep = " = " if toml else ": "
    entries = [("license", _quote(license_ or "NONE")), ("rules", f"[{_quote(rule_id)}]"),
               ("reason", _quote("legal-approved")),
               ("comment", _quote("<why this is acceptable>"))]
    return [f"{key}{sep}{value}" for key, value in entries]


@functools.lru_cache(maxsize=64)
def _fix_words(lang: str, path: str) -> tuple[str, str]:
    """The dev-group sentence and the sentence that introduces a waiver, in ``lang``."""
    return message(lang, "finding.fix.dev"), message(lang, "finding.fix.waiver", path=path)


def _waiver_snippet(target: list[str], rest: list[str], config: ProjectConfig,
                    lang: str = DEFAULT_LANG) -> str:
    """A waiver for the policy file, in its format (YAML, or TOML for pyproject.toml), after
    the sentence that introduces it."""
    if config.kind == "pyproject.toml":
        body = "\n".join(target + rest)
        intro = _fix_words(lang, str(config.path))[1]
        return f"{intro}\n[[tool.compliance.waivers]]\n{body}"
    lines = target + rest
    body = "  - " + lines[0] + "".join("\n    " + line for line in lines[1:])
    intro = _fix_words(lang, config.path or ".compliance.yaml")[1]
    return f"{intro}\nwaivers:\n{body}"


@dataclass
class _Context:
    use: str
    outbound: str | None
    config: ProjectConfig

    def project(self, lang: str) -> str:
        return message(lang, "finding.context.project", license=self.outbound) \
            if self.outbound else message(lang, "finding.context.no_project_license")


def _localized(obj: Any, lang: str, english: tuple[str, str]) -> tuple[str, str]:
    """The reason and fix of a verdict (``translations``) or a rule (``localized``) in
    ``lang``, else ``english``."""
    if lang == DEFAULT_LANG or obj is None:
        return english
    for code, reason, fix in getattr(obj, "translations", ()) or ():
        if code == lang:
            return reason, fix
    return english


_FULL_STOPS = ("\u3002", "\uff1b", "\uff1a", "\uff01", "\uff1f", "\uff09")  # Chinese full stops


def _sentences(*parts: str) -> str:
    """Sentences joined by a space, or by nothing after a full-width (Chinese) stop."""
    out = parts[0] if parts else ""
    for part in parts[1:]:
        out += ("" if out.endswith(_FULL_STOPS) else " ") + part
    return out


def _message(hit: _Hit, expression: str | None, judgement: _Judgement, ctx: _Context,
             evidence: bool, lang: str = DEFAULT_LANG) -> str:
    rule = hit.rule
    rule_reason = rule.localized(lang)[0]
    sep = message(lang, "report.sep.list")
    chosen = judgement.chosen.text if judgement.chosen and len(judgement.choices) > 1 else None
    context = sep.join(([message(lang, "finding.context.chosen", chosen=chosen)] if chosen else [])
                       + [message(lang, "finding.context.use", use=ctx.use), ctx.project(lang)])
    if expression is None:
        key = "finding.no_license_declared" if evidence else "finding.no_license_found"
        return message(lang, key, context=context, reason=rule_reason)
    terms = ", ".join(str(t) for t in hit.terms)
    subject = (message(lang, "finding.subject.expression", expression=expression)
               if terms == expression else
               message(lang, "finding.subject.terms", terms=sep.join(str(t) for t in hit.terms),
                       expression=expression))
    if hit.verdict is not None:
        english = (str(getattr(hit.verdict, "reason", "")), "")
        reason = _localized(hit.verdict, lang, english)[0] or rule_reason
        obligations = tuple(getattr(hit.verdict, "obligations", ()) or ())
        if lang != DEFAULT_LANG:
            for code, duties in getattr(hit.verdict, "obligations_translations", ()) or ():
                if code == lang:
                    obligations = duties
        if obligations and _outcome(hit.verdict) != "denied":
            reason = message(lang, "finding.obligations", reason=reason.rstrip(".\u3002"),
                             obligations=message(lang, "report.sep.clause").join(obligations))
        return message(lang, "finding.message", subject=subject, context=context, reason=reason)
    return message(lang, "finding.message", subject=subject, context=context, reason=rule_reason)


def _fix_head(hit: _Hit, judgement: _Judgement, lang: str = DEFAULT_LANG) -> str:
    """The part of a finding's fix that does not depend on the component."""
    rule = hit.rule
    rule_fix = rule.localized(lang)[1]
    if hit.verdict:
        english = ("", str(getattr(hit.verdict, "fix", "")))
        parts = [_localized(hit.verdict, lang, english)[1] or rule_fix]
    else:
        parts = [rule_fix]
    chosen = judgement.chosen
    for other in judgement.choices:
        if other is chosen or any(h.rule.full_id == rule.full_id for h in other.hits):
            continue
        objections = sorted({h.rule.full_id for h in other.hits})
        but = message(lang, "finding.fix.but", objections=", ".join(objections)) \
            if objections else ""
        parts.append(message(lang, "finding.fix.also_offers", other=other.text, but=but))
        break
    return _sentences(*parts)


def _fix(head: str, rest: list[str], rule: Rule, comp: Component, ctx: _Context,
         lang: str = DEFAULT_LANG, target: list[str] | None = None) -> str:
    dev = ""
    if comp.scope.value != "excluded" and "excluded" not in rule.scopes:
        dev = _fix_words(lang, "")[0]
    if target is None:
        target = _waiver_target(comp, ctx.config.kind == "pyproject.toml")
    return f"{head}{dev}\n{_waiver_snippet(target, rest, ctx.config, lang)}"


def _expired_texts(waiver: Waiver, covered: int, lang: str) -> tuple[str, str]:
    """The message and fix of an expired waiver's finding in ``lang``."""
    where = f"{waiver.source}:{waiver.line}" if waiver.line else waiver.source
    label = message(lang, "finding.waiver.label", n=waiver.index + 1, where=where,
                    target=waiver.target, license=waiver.license)
    again = message(lang, "finding.waiver.again", count=covered) if covered else ""
    return (message(lang, "finding.waiver.expired", waiver=label, expires=waiver.expires,
                    again=again),
            message(lang, "finding.waiver.expired_fix"))


def _ids(expression: str) -> set[str]:
    return {name.lower() for choice in alternatives(expression) for t in choice
            for name in (t.id, str(t))}


def _waiver_covers(waiver: Waiver, finding: Finding, terms: tuple[Term, ...],
                   comp: Component) -> bool:
    if not (waiver.matches_rule(finding.rule) and waiver.matches_component(comp)):
        return False
    if waiver.license in NO_LICENSE:
        return finding.license is None
    if finding.license is None:
        return False
    if " ".join(finding.license.split()).lower() == waiver.license.lower():
        return True
    waived = _ids(waiver.license)
    return bool(terms) and all(t.id.lower() in waived or str(t).lower() in waived
                               for t in terms)


def _severity_order(finding: Finding) -> tuple[int, str, str, str, str]:
    return (-finding.severity.rank, finding.rule, finding.component_name or "",
            finding.component_version or "", finding.component_ref or "")


def _rules(packs: Iterable[Pack]) -> list[Rule]:
    rules: dict[str, Rule] = {}
    for pack in packs:
        for rule in pack.rules:
            rules.setdefault(rule.full_id, rule)
    return list(rules.values())


def evaluate_inventory(inv: Inventory, packs: list[Pack], config: ProjectConfig, *,
                       use: str, project_license: str | None = None,
                       today: datetime.date | None = None) -> EvaluationResult:
    """Judge every component of ``inv`` by the rules of ``packs`` for ``use`` (a
    ``compat.Use`` or its value) and the project's license.

    ``project_license`` is the ``--project-license`` option; without it the policy file's
    ``license``, then the project's metadata, then a LICENSE file decide, and a project with no
    license is judged as proprietary. Curations are applied to ``inv`` first (see
    :func:`apply_curations`). ``today`` decides which waivers have expired (default: today).
    """
    use_value = str(getattr(use, "value", use))
    if use_value not in USES:
        raise PolicyError(f"unknown use {use_value!r}: one of {', '.join(USES)}", where="use")
    today = today or datetime.date.today()
    curations = apply_curations(inv, config)
    outbound, source = project_license_for(inv, config, project_license)
    ctx = _Context(use_value, outbound, config)
    rules = _rules(packs)
    judge = _Judge(rules, use_value, outbound)

    raw: list[tuple[Finding, tuple[Term, ...], Component]] = []
    # message and fix per language, and waiver lines, per judgement and rule (most components
    # share them)
    words: dict[tuple[int, str, bool], tuple[dict[str, tuple[str, str]], list[str]]] = {}
    for comp in inv.components.values():
        expression = component_license(comp)
        judgement = judge.judge(expression, comp.scope.value)
        if judgement.chosen is None or not judgement.chosen.hits:
            continue
        location = _first_location(comp)
        chosen = judgement.chosen.text if len(judgement.choices) > 1 else None
        for hit in judgement.chosen.hits:
            evidence = expression is not None or bool(comp.licenses)
            key = (id(judgement), hit.rule.full_id, evidence)
            texts = words.get(key)
            if texts is None:
                texts = words[key] = (
                    {lang: (_message(hit, expression, judgement, ctx, evidence, lang),
                            _fix_head(hit, judgement, lang))
                     for lang in (DEFAULT_LANG, *FINDING_LANGUAGES)},
                    _waiver_rest(expression, hit.rule.full_id, config.kind == "pyproject.toml"))
            english, rest = texts[0][DEFAULT_LANG], texts[1]
            target = _waiver_target(comp, config.kind == "pyproject.toml")
            finding = Finding(
                rule=hit.rule.full_id, severity=hit.severity, message=english[0],
                fix=_fix(english[1], rest, hit.rule, comp, ctx, DEFAULT_LANG, target),
                translations=tuple(
                    (lang, texts[0][lang][0],
                     _fix(texts[0][lang][1], rest, hit.rule, comp, ctx, lang, target))
                    for lang in FINDING_LANGUAGES),
                component_ref=comp.ref, component_name=comp.name,
                component_version=comp.version, purl=comp.purl, license=expression,
                location=location, chosen=chosen, pack=hit.rule.pack)
            raw.append((finding, hit.terms, comp))

    active = [w for w in config.waivers if not w.expired(today)]
    expired = [w for w in config.waivers if w.expired(today)]
    findings: list[Finding] = []
    waived: list[Finding] = []
    for finding, terms, comp in raw:
        waiver = next((w for w in active if _waiver_covers(w, finding, terms, comp)), None)
        if waiver is None:
            findings.append(finding)
        else:
            waived.append(replace(finding, waived_by=waiver.waived_by))
    for waiver in expired:
        covered = sum(1 for f, terms, comp in raw if _waiver_covers(waiver, f, terms, comp))
        message_, fix_ = _expired_texts(waiver, covered, DEFAULT_LANG)
        findings.append(Finding(
            rule=EXPIRED_WAIVER, severity=Severity.WARNING, message=message_, fix=fix_,
            translations=tuple((lang, *_expired_texts(waiver, covered, lang))
                               for lang in FINDING_LANGUAGES),
            component_name=waiver.name, component_version=waiver.version, purl=waiver.purl,
            license=waiver.license, location=Location(waiver.source, waiver.line),
            waived_by=None, pack="config"))
    findings.sort(key=_severity_order)
    waived.sort(key=_severity_order)
    summary = {s.value: sum(1 for f in findings if f.severity is s) for s in Severity}
    summary.update(
        waived=len(waived),
        components=len(inv.components),
        components_with_findings=len({f.component_ref for f in findings if f.component_ref}),
        curated=len(curations),
        expired_waivers=len(expired),
    )
    return EvaluationResult(findings, waived, summary, outbound, source, use_value,
                            [p.id for p in packs], curations, rules)
