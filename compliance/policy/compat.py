"""License compatibility: may a project under one license use a component under another?

``evaluate(outbound, inbound, use)`` answers the *dependency* question: the project is licensed
under ``outbound`` (``None``: no license, which counts as proprietary), it uses a separately
packaged component whose license expression is ``inbound``, and the result is used
``internal``-ly, offered over a ``network``, or ``distributed``. The answer is a
:class:`Verdict`: an :class:`Outcome`, the alternative of an OR that counts, a reason a person
can read, what to do about it, the obligations to meet, and one :class:`TermVerdict` per
license term.

How a single term is judged (the facts are data: the license catalog for what each license is,
``compliance/data/policy/compat.yaml`` for how licenses combine; this module only applies them):

* the term's family and use pick a rule (``families`` in compat.yaml, with per-license
  overrides and a variant for licenses with a network clause): allowed, allowed with
  obligations, denied, unknown, or *copyleft* (the license reaches the whole work for this
  use: the project must be distributable under one of its regimes);
* when the project's own license is a copyleft reaching the whole work (GPL, AGPL, ...) and
  the use triggers it (distribution; network use too for a license with a network clause),
  the term must also be acceptable in that license's regime (``regimes`` in compat.yaml,
  from the FSF license list, the GPL FAQ and the OSADL matrix), possibly through an
  "or any later version" upgrade (``license_regimes``);
* a ``WITH`` exception changes the answer as compat.yaml says (a linking exception makes a
  GPL library behave like a library-level copyleft; the LLVM exception makes Apache-2.0
  GPL-2.0-compatible; an OpenSSL exception on the project's license admits OpenSSL); an
  exception compat.yaml does not describe is ignored, which is safe because exceptions only
  add permissions;
* deprecated ids are read as their replacement and reported; ids the catalog does not know,
  ``LicenseRef-unknown-*`` and proprietary terms give UNKNOWN: the engine never guesses.

Expressions: an inbound ``OR`` takes the best alternative (ALLOWED > OBLIGATIONS > UNKNOWN >
DENIED; then fewer obligations; then the first written) and reports it in ``chosen``; ``AND``
takes the worst term and the union of obligations.

The project's (outbound) expression: an ``OR`` means the project is offered under each
alternative and may pick; a component is judged under the alternative that suits it best, and
when another alternative would fare worse, the verdict is at least OBLIGATIONS with the duty to
distribute the combination under the alternative that fits only. An ``AND`` (parts of the
project under different licenses, all binding) is judged against its terms whose copyleft
reaches the whole work, since the whole work is already under those, or against every term
(the worst counts) when there is none. A ``WITH`` exception on the project's license only
matters when it admits licenses (an OpenSSL exception).

Verdicts are cached per (outbound, inbound, use), and term verdicts per (outbound term, inbound
term, use), so checking a large inventory costs one evaluation per distinct expression.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Generic, ParamSpec, TypeVar

import yaml
from license_expression import ExpressionError, Licensing

from compliance.errors import ComplianceError
from compliance.licenses import catalog
from compliance.licenses.catalog import CopyleftScope, Family, LicenseFacts
from compliance.licenses.expression import UNKNOWN_PREFIX, normalize

try:
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

__all__ = [
    "PROPRIETARY",
    "CompatDataError",
    "Outcome",
    "TermVerdict",
    "Use",
    "Verdict",
    "compat_data",
    "compat_translations",
    "evaluate",
    "translatable_texts",
]

PROPRIETARY = "LicenseRef-proprietary"
"""The outbound license of a project that declares none."""

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "policy" / "compat.yaml"

LANGUAGES = ("zh-CN",)
"""The languages besides English every verdict's reason and fix are also rendered in. The
templates of ``compat.yaml`` are translated in ``compat.<lang>.yaml`` beside it, keyed by the
English text; placeholders (license ids, the project's license, the use) stay as they are."""

_NOT_TEXT = frozenset({"title", "url", "name", "source"})
"""Keys of ``compat.yaml`` whose values are names or references, never translated."""

_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("compat_lang", default="en")
_P = ParamSpec("_P")
_R = TypeVar("_R")


class CompatDataError(ComplianceError):
    """``compat.yaml`` is missing or malformed (a bug in this tool's data)."""


class Use(str, Enum):
    """What the project does with the result."""

    INTERNAL = "internal"  # never leaves the organisation
    NETWORK = "network"  # offered to users over a network
    DISTRIBUTED = "distributed"  # shipped as source or binary


class Outcome(str, Enum):
    """The answer for one term or one expression."""

    ALLOWED = "allowed"
    OBLIGATIONS = "allowed-with-obligations"
    DENIED = "denied"
    UNKNOWN = "unknown"  # an unknown or unmappable license term: cannot tell, never guess

    @property
    def rank(self) -> int:
        """Higher is better: allowed > allowed-with-obligations > unknown > denied."""
        return _RANK[self]


_RANK = {Outcome.ALLOWED: 3, Outcome.OBLIGATIONS: 2, Outcome.UNKNOWN: 1, Outcome.DENIED: 0}


@dataclass(frozen=True)
class TermVerdict:
    """The verdict for one license term (``MIT``, ``GPL-2.0-only WITH Classpath-exception-2.0``)."""

    term: str
    outcome: Outcome
    reason: str
    obligations: tuple[str, ...]
    fix: str = ""


@dataclass(frozen=True)
class Verdict:
    """The verdict for one inbound expression, against the project's license, for one use."""

    inbound: str  # the expression evaluated (canonical)
    outbound: str  # the project's license expression ("LicenseRef-proprietary" when none)
    use: Use
    outcome: Outcome
    chosen: str | None  # for an OR: the alternative that counts; None when no choice was made
    reason: str  # which term, against which license and use, why
    fix: str  # what the user can do ("" when allowed)
    obligations: tuple[str, ...]  # what must be done to comply
    terms: tuple[TermVerdict, ...]
    deprecated_ids: tuple[str, ...]  # deprecated ids met: a finding of their own
    unknown_ids: tuple[str, ...]  # LicenseRef-unknown-* and ids the catalog does not know
    translations: tuple[tuple[str, str, str], ...] = ()  # (lang, reason, fix) per LANGUAGES
    obligations_translations: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (lang, obligations)


def evaluate(outbound: str | None, inbound: str, use: Use = Use.DISTRIBUTED) -> Verdict:
    """Judge a component licensed ``inbound`` used by a project licensed ``outbound``.

    ``outbound`` ``None`` or empty means the project declares no license: it is proprietary
    (``LicenseRef-proprietary``). Both are SPDX expressions; a string that is not one is read
    with :func:`compliance.licenses.expression.normalize`. Never raises for any input string;
    results are cached.
    """
    out = (outbound or "").strip() or PROPRIETARY
    return _localized(out, (inbound or "").strip(), Use(use))


def compat_data() -> Mapping[str, Any]:
    """The parsed ``compat.yaml`` (read once)."""
    return _data_in("en")


def compat_translations(lang: str) -> Mapping[str, str]:
    """The translations of ``compat.yaml``'s texts into ``lang``: English text -> text."""
    path = DATA_FILE.with_name(f"compat.{lang}.yaml")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except (OSError, yaml.YAMLError) as e:
        raise CompatDataError(f"cannot read {path}: {e}") from e
    entries = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("en"), str) and isinstance(e.get(lang), str)
            for e in entries):
        raise CompatDataError(f"{path}: 'translations' must be a list of {{en: ..., {lang}: ...}}")
    return {e["en"]: e[lang] for e in entries}


def translatable_texts(data: Any = None) -> list[str]:
    """Every text of ``compat.yaml`` a person reads (templates included), each once, in order."""
    out: list[str] = []

    def walk(node: Any, key: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k != "sources":
                    walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and " " in node and key not in _NOT_TEXT:
            out.append(node)

    walk(compat_data() if data is None else data, None)
    return list(dict.fromkeys(out))


class _PerLang(Generic[_P, _R]):
    """``functools.lru_cache`` keyed also by the language being rendered."""

    def __init__(self, fn: Callable[_P, _R], maxsize: int) -> None:
        call: Callable[..., _R] = fn
        self._cached: Any = functools.lru_cache(maxsize=maxsize)(lambda _lang, *a: call(*a))
        functools.update_wrapper(self, fn)

    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return self._cached(_LANG.get(), *args)  # type: ignore[no-any-return]

    def cache_clear(self) -> None:
        self._cached.cache_clear()


def _per_lang(maxsize: int) -> Callable[[Callable[_P, _R]], _PerLang[_P, _R]]:
    return lambda fn: _PerLang(fn, maxsize)


@functools.lru_cache(maxsize=65536)
def _localized(outbound: str, inbound: str, use: Use) -> Verdict:
    """The English verdict, with its reason and fix rendered in every language of LANGUAGES."""
    verdict = _evaluate(outbound, inbound, use)
    translations = []
    duties = []
    for lang in LANGUAGES:
        token = _LANG.set(lang)
        try:
            other = _evaluate(outbound, inbound, use)
        finally:
            _LANG.reset(token)
        translations.append((lang, other.reason, other.fix))
        duties.append((lang, other.obligations))
    return dataclasses.replace(verdict, translations=tuple(translations),
                               obligations_translations=tuple(duties))


def _cache_clear() -> None:
    """For benchmarks: forget every verdict (the data files stay loaded)."""
    _localized.cache_clear()
    _evaluate.cache_clear()
    _term_verdict.cache_clear()
    _parse.cache_clear()
    _term.cache_clear()
    _outbound.cache_clear()


# ----------------------------------------------------------------------------- data


def _data() -> Mapping[str, Any]:
    """``compat.yaml`` with its texts in the language being rendered."""
    return _data_in(_LANG.get())


@functools.cache
def _data_in(lang: str) -> Mapping[str, Any]:
    if lang != "en":
        table = compat_translations(lang)

        def tr(node: Any, key: object) -> Any:
            if isinstance(node, dict):
                return {k: tr(v, k) for k, v in node.items()}
            if isinstance(node, list):
                return [tr(v, key) for v in node]
            if isinstance(node, str) and key not in _NOT_TEXT:
                return table.get(node, node)
            return node

        return tr(_data_in("en"), None)  # type: ignore[no-any-return]
    try:
        data = yaml.load(DATA_FILE.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except (OSError, yaml.YAMLError) as e:
        raise CompatDataError(f"cannot read {DATA_FILE}: {e}") from e
    if not isinstance(data, dict) or data.get("version") != 1:
        raise CompatDataError(f"{DATA_FILE} is not a version 1 compatibility file")
    for key in ("families", "licenses", "license_regimes", "regime_defaults", "regimes",
                "exceptions", "messages", "obligations", "fixes"):
        if not isinstance(data.get(key), dict):
            raise CompatDataError(f"{DATA_FILE}: section {key!r} is missing")
    return data


class _Ctx(dict[str, str]):
    """Template values; a placeholder without a value stays as written (never a KeyError)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fmt(template: str, ctx: Mapping[str, str]) -> str:
    return template.format_map(ctx if isinstance(ctx, _Ctx) else _Ctx(ctx))


_FULL_STOPS = ("\u3002", "\uff1b", "\uff1a", "\uff01", "\uff1f", "\uff09")  # Chinese full stops


def _sentences(*parts: str) -> str:
    """Sentences joined by a space, or by nothing after a full-width (Chinese) stop."""
    out = parts[0] if parts else ""
    for part in parts[1:]:
        out += ("" if out.endswith(_FULL_STOPS) else " ") + part
    return out


def _msg(section: str, key: str, ctx: Mapping[str, str]) -> str:
    return _fmt(str(_data()[section][key]), ctx)


# ----------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class _Leaf:
    id: str  # as written, case fixed where the catalog knows the id
    exception: str | None = None

    def __str__(self) -> str:
        return self.id if self.exception is None else f"{self.id} WITH {self.exception}"


@dataclass(frozen=True)
class _Op:
    op: str  # "AND" | "OR"
    args: tuple[_Node, ...]

    def __str__(self) -> str:
        return f" {self.op} ".join(
            f"({arg})" if isinstance(arg, _Op) else str(arg) for arg in self.args)


_Node = _Leaf | _Op

_LICENSING = Licensing()


def _case(key: str) -> str:
    facts = catalog.get(key)
    return facts.id if facts is not None and facts.id.lower() == key.lower() else key


def _convert(tree: Any) -> _Node:
    if hasattr(tree, "license_symbol"):  # LicenseWithExceptionSymbol
        return _Leaf(_case(str(tree.license_symbol.key)), _case(str(tree.exception_symbol.key)))
    if hasattr(tree, "key"):
        key = str(tree.key)
        if not key or any(ch.isspace() for ch in key):
            raise ValueError(key)
        return _Leaf(_case(key))
    op = "AND" if isinstance(tree, _LICENSING.AND) else "OR"
    return _Op(op, tuple(_convert(arg) for arg in tree.args))


@functools.lru_cache(maxsize=8192)
def _parse(text: str) -> _Node:
    """``text`` as a tree; what license-expression cannot read goes through ``normalize``."""
    try:
        tree = _LICENSING.parse(text, simple=False) if text else None
        if tree is not None:
            return _convert(tree)
    except (ExpressionError, ValueError, TypeError):
        pass
    return _convert(_LICENSING.parse(normalize(text).expression, simple=False))


def _leaves(node: _Node) -> Iterator[_Leaf]:
    if isinstance(node, _Leaf):
        yield node
    else:
        for arg in node.args:
            yield from _leaves(arg)


def _alternatives(node: _Node) -> list[tuple[_Leaf, ...]]:
    """The expression in disjunctive normal form: each alternative is a set of AND-ed leaves."""
    if isinstance(node, _Leaf):
        return [(node,)]
    parts = [_alternatives(arg) for arg in node.args]
    if node.op == "OR":
        return [alt for part in parts for alt in part]
    out: list[tuple[_Leaf, ...]] = []
    for combo in itertools.product(*parts):
        alt: tuple[_Leaf, ...] = ()
        for piece in combo:
            alt += tuple(leaf for leaf in piece if leaf not in alt)
        out.append(alt)
    return out


# ----------------------------------------------------------------------------- terms


@dataclass(frozen=True)
class _Term:
    """One inbound term, resolved against the catalog."""

    text: str  # as written
    license: str  # the id it is evaluated as
    facts: LicenseFacts | None
    exception: str | None  # canonical exception id
    exception_rule: str | None  # key of compat.yaml's exceptions entry, when there is one
    deprecated: tuple[str, ...]
    unknown: tuple[str, ...]
    lead: tuple[str, ...]  # sentences before the reason (a deprecated id's replacement)
    notes: tuple[str, ...]  # sentences after it (what an exception does)


def _replacement(facts: LicenseFacts) -> _Leaf | None:
    if not facts.deprecated or not facts.replaced_by:
        return None
    node = _parse(facts.replaced_by)
    return node if isinstance(node, _Leaf) else None


def _is_unknown(ident: str, facts: LicenseFacts | None) -> bool:
    return facts is None or ident.lower().startswith(UNKNOWN_PREFIX.lower())


@_per_lang(maxsize=4096)
def _term(leaf: _Leaf) -> _Term:
    facts = catalog.get(leaf.id)
    deprecated: list[str] = []
    unknown: list[str] = []
    lead: list[str] = []
    notes: list[str] = []
    license_id = facts.id if facts is not None else leaf.id
    exception = leaf.exception
    if _is_unknown(leaf.id, facts):
        unknown.append(leaf.id)
    elif facts is not None:
        repl = _replacement(facts)
        if repl is not None:
            deprecated.append(facts.id)
            exception = exception or repl.exception
            facts = catalog.get(repl.id) or facts
            license_id = facts.id
            lead.append(_msg("messages", "deprecated", _Ctx(
                term=str(leaf), license=str(_Leaf(license_id, exception)))))
    rule: str | None = None
    if exception is not None:
        efacts = catalog.get(exception)
        ctx = _Ctx(term=str(leaf), license=license_id, exception=exception)
        if efacts is None:
            unknown.append(exception)
            notes.append(_msg("messages", "unknown_exception", ctx))
        elif not efacts.is_exception:
            notes.append(_msg("messages", "not_an_exception", ctx))
        else:
            erepl = _replacement(efacts)
            if erepl is not None:
                deprecated.append(efacts.id)
                efacts = catalog.get(erepl.id) or efacts
            exception = efacts.id
            ctx["exception"] = exception
            if exception in _data()["exceptions"]:
                rule = exception
                entry = _data()["exceptions"][exception]
                if entry["effect"] == "restriction":  # judged as the restriction itself
                    facts, license_id = efacts, efacts.id
                if entry["effect"] not in ("permission", "restriction"):
                    notes.append(_msg("messages", "exception_note", _Ctx(
                        ctx, note=_fmt(str(entry["note"]), ctx))))
            else:
                notes.append(_msg("messages", "unknown_exception", ctx))
    return _Term(str(leaf), license_id, facts, exception, rule, tuple(deprecated),
                 tuple(unknown), tuple(lead), tuple(notes))


# ----------------------------------------------------------------------------- outbound


@dataclass(frozen=True)
class _Out:
    """One term of the project's license."""

    text: str
    known: bool
    regimes: tuple[str, ...]  # copyleft regimes the whole project is under (empty: none)
    network_clause: bool
    permits: tuple[str, ...]  # licenses an exception of the project's license admits
    permit_note: str


@_per_lang(maxsize=1024)
def _outbound(leaf: _Leaf) -> _Out:
    term = _term(leaf)
    facts = term.facts
    if facts is None or term.unknown[:1] == (leaf.id,) or facts.family is Family.UNKNOWN:
        return _Out(str(leaf), False, (), False, (), "")
    regimes = tuple(_data()["license_regimes"].get(facts.id, ()))
    if not regimes and facts.copyleft is CopyleftScope.WHOLE_WORK:
        regimes = (facts.id,)
    permits: tuple[str, ...] = ()
    note = ""
    if term.exception_rule is not None:
        entry = _data()["exceptions"][term.exception_rule]
        if entry["effect"] == "permission":
            permits = tuple(entry.get("permits", ()))
            note = str(entry["note"])
    return _Out(str(leaf), True, regimes, facts.network_clause, permits, note)


# ----------------------------------------------------------------------------- one term


def _scope_text(reason: Any, scope: CopyleftScope) -> str:
    if isinstance(reason, dict):
        return str(reason.get(scope.value, reason.get("default", "")))
    return str(reason or "")


def _rule(facts: LicenseFacts, family: Family, use: Use, effect: str | None) -> Mapping[str, Any]:
    """The rule for a term: its license's (marked ``own``), else its exception effect's, else
    its family's."""
    data = _data()
    fam = data["families"][family.value]
    rule = fam[use.value]
    if facts.network_clause and use.value in fam.get("network_clause", {}):
        rule = fam["network_clause"][use.value]
    if effect is not None:
        rule = data.get("exception_effects", {}).get(effect, {}).get(use.value, rule)
    override = data["licenses"].get(facts.id, {})
    if use.value in override:
        return {**override[use.value], "own": True}
    return rule  # type: ignore[no-any-return]


def _obligations(kinds: Iterable[str], facts: LicenseFacts, ctx: _Ctx) -> list[str]:
    out: list[str] = []
    for kind in kinds:
        if kind == "license":
            out.extend(catalog.localized_terms(facts.obligations, _LANG.get()))
        elif kind == "restrictions":
            out.extend(_restrictions(facts))
        else:
            out.append(_fmt(kind, ctx))
    return out


def _restrictions(facts: LicenseFacts) -> list[str]:
    template = str(_data()["obligations"]["restriction"])
    return [_fmt(template, _Ctx(restriction=r))
            for r in catalog.localized_terms(facts.use_restrictions, _LANG.get())]


def _restriction_list(facts: LicenseFacts) -> str:
    """The license's use restrictions as one phrase (the ``{restrictions}`` placeholder)."""
    lang = _LANG.get()
    texts = catalog.localized_terms(facts.use_restrictions, lang)
    if lang == "en":
        return "; ".join(texts) or "read its terms"
    return "\uff1b".join(texts) or catalog.localized_terms(("read its terms",), lang)[0]


@dataclass(frozen=True)
class _Acceptance:
    status: str  # "yes" | "no" | "unknown"
    regime: str
    text: str  # the note (yes) or the reason (no)
    upgraded: bool = False  # the term's own "or later" clause was needed
    narrowed: tuple[str, ...] = ()  # regimes of the project's license that do not admit it


def _accepts_one(regime: str, out: _Out, term: _Term, facts: LicenseFacts,
                 family: Family) -> _Acceptance:
    data = _data()
    defaults = data["regime_defaults"]
    entry = data["regimes"].get(regime, {})
    ctx = _Ctx(license=facts.id, family=family.value)
    if term.exception_rule is not None:
        exc = data["exceptions"][term.exception_rule]
        if exc["effect"] in ("linking", "output") or regime in exc.get("accepted_by", ()):
            return _Acceptance("yes", regime, "")  # the term's notes already explain it
    if facts.id in out.permits:
        return _Acceptance("yes", regime, out.permit_note)
    own = tuple(data["license_regimes"].get(facts.id, ()))
    if not own and facts.copyleft is CopyleftScope.WHOLE_WORK:
        own = (facts.id,)
    if regime in own:
        return _Acceptance("yes", regime, "", regime != own[0])
    accepted = entry.get("accepts", {}).get(facts.id)
    if accepted is not None:
        return _Acceptance("yes", regime, str(accepted.get("note", "")))
    rejected = entry.get("rejects", {}).get(facts.id)
    if rejected is not None:
        return _Acceptance("no", regime, str(rejected["reason"]))
    if own or family in (Family.STRONG_COPYLEFT, Family.NETWORK_COPYLEFT):
        return _Acceptance("no", regime, _fmt(str(defaults["copyleft_reason"]), ctx))
    if family.value in defaults["reject_families"]:
        return _Acceptance("no", regime, _fmt(str(defaults["family_reason"]), ctx))
    if family.value in defaults["aggregate_families"]:
        return _Acceptance("yes", regime, str(defaults["aggregate_note"]))
    if family is Family.UNKNOWN:
        return _Acceptance("unknown", regime, "")
    if facts.use_restrictions:
        return _Acceptance("no", regime, _fmt(str(defaults["restricted_reason"]), ctx))
    if family.value in defaults["accept_families"]:
        return _Acceptance("yes", regime, "")
    return _Acceptance("unknown", regime, "")


def _accepts(out: _Out, term: _Term, facts: LicenseFacts, family: Family) -> _Acceptance:
    """Whether some regime of the project's license admits the term (the first that does), and
    which of its regimes do not (the combined work cannot be distributed under those)."""
    found = [_accepts_one(r, out, term, facts, family) for r in out.regimes]
    for acc in found:
        if acc.status == "yes":
            narrowed = tuple(a.regime for a in found if a.status != "yes")
            return dataclasses.replace(acc, narrowed=narrowed)
    for acc in found:
        if acc.status == "unknown":
            return acc
    return found[0]


_Make = Callable[[Outcome, str, Iterable[str], str], TermVerdict]
_T = TypeVar("_T")


def _worse(a: Outcome, b: Outcome) -> bool:
    return a.rank < b.rank


@_per_lang(maxsize=16384)
def _term_verdict(out: _Out, leaf: _Leaf, use: Use) -> TermVerdict:
    term = _term(leaf)
    facts = term.facts
    ctx = _Ctx(term=term.text, license=term.license, outbound=out.text, use=use.value,
               exception=term.exception or "")

    def verdict(outcome: Outcome, reason: str, obligations: Iterable[str], fix: str) -> TermVerdict:
        text = _sentences(*term.lead, reason, *term.notes)
        fixed = fix if outcome in (Outcome.DENIED, Outcome.UNKNOWN) else (
            _msg("fixes", "obligations", ctx) if outcome is Outcome.OBLIGATIONS else "")
        return TermVerdict(term.text, outcome, text, tuple(dict.fromkeys(obligations)), fixed)

    if facts is None or term.unknown[:1] == (leaf.id,):
        return verdict(Outcome.UNKNOWN, _msg("messages", "unknown_id", ctx), (),
                       _msg("fixes", "unknown", ctx))
    family, scope = facts.family, facts.copyleft
    effect = _data()["exceptions"][term.exception_rule]["effect"] \
        if term.exception_rule is not None else None
    if effect in ("linking", "output") and (scope is CopyleftScope.WHOLE_WORK or family in (
            Family.STRONG_COPYLEFT, Family.NETWORK_COPYLEFT)):
        family, scope = Family.WEAK_COPYLEFT, CopyleftScope.LIBRARY
    else:
        effect = None
    ctx.update(name=facts.name, family=family.value,
               restrictions=_restriction_list(facts))
    rule = _rule(facts, family, use, effect)
    obligations = _obligations(rule.get("obligations", ()), facts, ctx)
    note = _fmt(str(rule.get("note", "")), ctx)

    if rule["outcome"] == "copyleft":
        return _copyleft(out, term, facts, family, use, obligations, note, ctx, verdict)

    outcome = Outcome(rule["outcome"])
    reason = _fmt(_scope_text(rule.get("reason"), scope), ctx)
    fix = _fmt(str(rule.get("fix", "")), ctx)
    if outcome is Outcome.UNKNOWN and not fix:
        fix = _msg("fixes", "proprietary" if family is Family.PROPRIETARY else "unknown", ctx)
    elif outcome is Outcome.DENIED and not fix:
        fix = _msg("fixes", "denied", ctx)
    if outcome is Outcome.ALLOWED and facts.use_restrictions and not rule.get("own"):
        outcome = Outcome.OBLIGATIONS
        obligations += _restrictions(facts)
        reason = _sentences(reason, _msg("messages", "use_restricted", ctx))

    if not out.known:
        if use is Use.DISTRIBUTED and family is not Family.PUBLIC_DOMAIN and \
                _worse(Outcome.UNKNOWN, outcome):
            return verdict(Outcome.UNKNOWN, _msg("messages", "outbound_unknown", ctx),
                           obligations, _msg("fixes", "outbound_unknown", ctx))
        return verdict(outcome, reason, obligations, fix)
    if out.regimes and (use is Use.DISTRIBUTED or (use is Use.NETWORK and out.network_clause)):
        acc = _accepts(out, term, facts, family)
        ctx.update(regime=acc.regime, first=out.regimes[0], why=acc.text, note=acc.text)
        if acc.status == "no":
            if _worse(Outcome.DENIED, outcome):
                ctx["example"] = _example(out, term, facts, family)
                return verdict(Outcome.DENIED, _msg("messages", "regime_rejected", ctx),
                               obligations, _msg("fixes", "regime_rejected", ctx))
        elif acc.status == "unknown":
            if _worse(Outcome.UNKNOWN, outcome):
                return verdict(Outcome.UNKNOWN, _msg("messages", "regime_unknown", ctx),
                               obligations, _msg("fixes", "unknown", ctx))
        else:
            if acc.text and not acc.narrowed and outcome is not Outcome.DENIED:
                reason = _sentences(reason, _msg("messages", "regime_note", ctx))
            if acc.narrowed:
                if outcome.rank > Outcome.OBLIGATIONS.rank:
                    outcome = Outcome.OBLIGATIONS
                reason = _sentences(reason, _narrow(acc, out, ctx, obligations))
    return verdict(outcome, reason, obligations, fix)


def _example(out: _Out, term: _Term, facts: LicenseFacts, family: Family) -> str:
    """A copyleft regime compat.yaml records as accepting the term, to suggest relicensing."""
    for regime, entry in _data()["regimes"].items():
        if regime not in out.regimes and facts.id in entry.get("accepts", {}):
            return _msg("fixes", "example", _Ctx(regime=regime))
    return ""


def _narrow(acc: _Acceptance, out: _Out, ctx: _Ctx, obligations: list[str]) -> str:
    """The combined work fits only some regimes of the project's license: say which."""
    ctx.update(narrowed=", ".join(acc.narrowed), first=out.regimes[0])
    key = "regime_upgrade" if out.regimes[0] in acc.narrowed else "regime_narrow"
    obligations.append(_msg("obligations", key, ctx))
    return _msg("messages", key, ctx)


def _copyleft(out: _Out, term: _Term, facts: LicenseFacts, family: Family, use: Use,
              obligations: list[str], note: str, ctx: _Ctx, verdict: _Make) -> TermVerdict:
    """A term whose copyleft reaches the whole work for this use."""
    own = tuple(_data()["license_regimes"].get(facts.id, ())) or (facts.id,)
    ctx.update(regime=own[0], note=note)
    tail = _msg("messages", "network_note", ctx) if note else ""
    if not out.known:
        return verdict(Outcome.UNKNOWN, _msg("messages", "outbound_unknown", ctx) + tail,
                       obligations, _msg("fixes", "outbound_unknown", ctx))
    if not out.regimes:
        key = "copyleft_network" if use is Use.NETWORK else "copyleft_not_copyleft"
        return verdict(Outcome.DENIED, _msg("messages", "copyleft_not_copyleft", ctx) + tail,
                       obligations, _msg("fixes", key, ctx))
    acc = _accepts(out, term, facts, family)
    ctx.update(regime=acc.regime, first=out.regimes[0], why=acc.text)
    if acc.status == "no":
        return verdict(Outcome.DENIED, _msg("messages", "copyleft_rejected", ctx) + tail,
                       obligations, _msg("fixes", "copyleft_rejected", ctx))
    if acc.status == "unknown":
        return verdict(Outcome.UNKNOWN, _msg("messages", "copyleft_unknown", ctx) + tail,
                       obligations, _msg("fixes", "unknown", ctx))
    if acc.upgraded:
        via = _msg("messages", "via_inbound_upgrade", ctx)
    elif acc.narrowed:
        via = ""  # the narrowing sentence says it
    else:
        via = _msg("messages", "via_note", _Ctx(ctx, note=acc.text)) if acc.text else ""
    ctx["via"] = via
    duties = [*obligations, _msg("obligations", "regime", ctx)]
    if use is Use.NETWORK:
        duties.append(_msg("obligations", "network_source", ctx))
    reason = _msg("messages", "copyleft_ok", ctx) + tail
    if acc.narrowed:
        reason = _sentences(reason, _narrow(acc, out, ctx, duties))
    return verdict(Outcome.OBLIGATIONS, reason, duties, "")


# ----------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class _Result:
    outcome: Outcome
    obligations: tuple[str, ...]
    terms: tuple[TermVerdict, ...]
    decisive: TermVerdict
    chosen: _Node
    chose: bool
    all_denied: bool = False


def _sort_key(item: tuple[int, _Result]) -> tuple[int, int, int]:
    index, res = item
    return (-res.outcome.rank, len(res.obligations), index)


def _union(groups: Iterable[Sequence[_T]]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(x for group in groups for x in group))


def _judge(node: _Node, out: _Out, use: Use) -> _Result:
    if isinstance(node, _Leaf):
        tv = _term_verdict(out, node, use)
        return _Result(tv.outcome, tv.obligations, (tv,), tv, node, False)
    results = [_judge(arg, out, use) for arg in node.args]
    terms = _union(r.terms for r in results)
    if node.op == "AND":
        worst = min(results, key=lambda r: r.outcome.rank)
        return _Result(worst.outcome, _union(r.obligations for r in results),
                       terms, worst.decisive, _Op("AND", tuple(r.chosen for r in results)),
                       any(r.chose for r in results))
    best = sorted(enumerate(results), key=_sort_key)[0][1]
    return _Result(best.outcome, best.obligations, terms, best.decisive, best.chosen, True,
                   best.outcome is Outcome.DENIED)


def _against(alternative: tuple[_Leaf, ...], node: _Node, use: Use) -> tuple[_Out, _Result]:
    """Judge ``node`` against one alternative of the project's license (AND-ed terms)."""
    outs = [_outbound(leaf) for leaf in alternative]
    governing = [o for o in outs if o.regimes] or outs
    judged = [(o, _judge(node, o, use)) for o in governing]
    return min(judged, key=lambda pair: pair[1].outcome.rank)


@_per_lang(maxsize=65536)
def _evaluate(outbound: str, inbound: str, use: Use) -> Verdict:
    in_node = _parse(inbound)
    out_node = _parse(outbound)
    alternatives = _alternatives(out_node)
    judged = [_against(alt, in_node, use) for alt in alternatives]
    order = sorted(range(len(judged)), key=lambda i: _sort_key((i, judged[i][1])))
    out, res = judged[order[0]]
    ctx = _Ctx(inbound=str(in_node), outbound=out.text, outbound_all=str(out_node),
               use=use.value, chosen=str(res.chosen), term=res.decisive.term)
    outcome = res.outcome
    obligations = list(res.obligations)
    parts: list[str] = []
    worse = [judged[i] for i in order[1:] if judged[i][1].outcome.rank < res.outcome.rank]
    if worse and outcome in (Outcome.ALLOWED, Outcome.OBLIGATIONS):
        ctx.update(others=", ".join(dict.fromkeys(o.text for o, _ in worse)),
                   other_outcome=worse[0][1].outcome.value)
        parts.append(_msg("messages", "outbound_or", ctx))
        obligations.append(_msg("obligations", "outbound_or", ctx))
        outcome = Outcome.OBLIGATIONS
    if res.chose:
        parts.append(_msg("messages", "or_all_denied" if res.all_denied else "or_chosen", ctx))
    elif isinstance(in_node, _Op) and outcome in (Outcome.DENIED, Outcome.UNKNOWN):
        parts.append(_msg("messages", "and_decides", ctx))
    parts.append(res.decisive.reason)
    if outcome is Outcome.ALLOWED:
        fix = ""
    elif outcome is Outcome.OBLIGATIONS:
        fix = res.decisive.fix or _msg("fixes", "obligations", ctx)
    else:
        fix = res.decisive.fix
    leaves = [_term(leaf) for leaf in _leaves(in_node)]
    return Verdict(
        inbound=str(in_node),
        outbound=str(out_node),
        use=use,
        outcome=outcome,
        chosen=str(res.chosen) if res.chose else None,
        reason=_sentences(*parts),
        fix=fix,
        obligations=tuple(dict.fromkeys(obligations)),
        terms=res.terms,
        deprecated_ids=tuple(dict.fromkeys(i for t in leaves for i in t.deprecated)),
        unknown_ids=tuple(dict.fromkeys(i for t in leaves for i in t.unknown)),
    )
