"""Typosquatting: a package whose name imitates a popular one.

Attackers publish packages one typo away from popular ones (``reqeusts``, ``numpyy``,
``torchh``) or dressed up with a prefix or suffix (``dateutil`` for ``python-dateutil``,
``python3-dateutil``), and wait for someone to install them by mistake. A component matches
when its canonical (PEP 503) name is not itself popular and

* is one edit from a popular name: one character added, missing or changed, or two adjacent
  characters swapped (Damerau-Levenshtein distance 1, optimal string alignment);
* is a popular name with its separators moved, added or removed (``scikitlearn``,
  ``torch-vision``); only ``-`` counts, since PEP 503 already makes ``_``, ``.`` and ``-`` the
  same (``scikit_learn`` *is* ``scikit-learn``);
* differs from a popular name by a ``python-`` / ``python3-`` / ``py-`` / ``py3-`` prefix or a
  ``-python`` / ``-python3`` / ``-py`` / ``-py3`` suffix, added, removed or exchanged.

Edits only count against popular names of at least :data:`MIN_EDIT_LENGTH` characters, and a
changed character only against names of at least :data:`MIN_SUBSTITUTION_LENGTH`: short names
have too many legitimate neighbours (``six`` / ``sip``, ``idna`` / ``idma``). The same lengths
apply to the hyphen-separated part the edit falls in (``pytest-csv`` is not ``pytest-cov``), a
leading ``py`` not counted (``pyamg`` is not ``pyaml``). Not counted either: an edit of the first
character (``rtoml``, ``aenum``: a prefix letter names a related project; a mistyped first
letter is rare) and a digit added, removed or changed (``cbor2``, ``elasticsearch8``,
``cupy-cuda11x``: version families), except a digit that looks like a letter (``pil1ow``).
Where several popular names match, the most downloaded one is named.

Measured on the 10,985 projects ranked 4,001-15,000 by downloads (real, legitimate packages
that are not in the list), 150 (1.4 %) match: names like ``python-whois`` / ``whois`` or
``edit-distance`` / ``editdistance`` that confuse people as much as installers. Of 1,415 random
single edits of the 300 most downloaded names, 93 % match (the rest are the exemptions above).

The popular names are ``compliance/data/risks/popular-pypi.txt``, most downloaded first. Lookups
never compare a name with every popular name: the index holds each popular name's single
character deletions (symmetric delete), and a candidate looks up itself and its own deletions,
only those at the positions an edit can be at (bounded by the longest popular prefix it starts
with and the longest popular suffix it ends with), then checks the few names found.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from compliance.model import Component, Finding, Inventory, Severity, SourceKind, canonical_name
from compliance.risks import base
from compliance.risks.base import Check

__all__ = [
    "CHECKS",
    "MIN_EDIT_LENGTH",
    "MIN_SUBSTITUTION_LENGTH",
    "PopularIndex",
    "SquatMatch",
    "check_typosquat",
    "load_popular",
    "popular_index",
]

MIN_EDIT_LENGTH = 4
"""Popular names shorter than this are never the target of an edit."""
MIN_SUBSTITUTION_LENGTH = 5
"""Popular names shorter than this are not the target of a changed character (insertions,
deletions and swaps still count from :data:`MIN_EDIT_LENGTH`)."""

PREFIXES = ("python3-", "python-", "py3-", "py-")
SUFFIXES = ("-python3", "-python", "-py3", "-py")
_MIN_CORE = 4  # an affix match needs at least this much name left (``py-io`` is not ``io``)

TYPOSQUAT = "risk/typosquat"
_DATA = "data/risks/popular-pypi.txt"


@dataclass(frozen=True)
class SquatMatch:
    """A name that imitates a popular one, and how."""

    name: str
    popular: str
    how: str  # a phrase: "'e' missing", "'python-' removed" ... (English)
    phrase: tuple[str, str, str] = ("", "", "")  # the phrase's catalog key and its two values

    def how_in(self, lang: str) -> str:
        """The phrase in ``lang`` (message catalog ``risk.typosquat.how.*``)."""
        key, a, b = self.phrase
        return base.text(lang, f"typosquat.how.{key}", a=a, b=b) if key else self.how


_Phrase = tuple[str, str, str]


def _squat(name: str, popular: str, phrase: _Phrase) -> SquatMatch:
    key, a, b = phrase
    return SquatMatch(name, popular, base.text("en", f"typosquat.how.{key}", a=a, b=b), phrase)


_LOOKALIKE_DIGITS = {("0", "o"), ("o", "0"), ("1", "l"), ("l", "1"), ("1", "i"), ("i", "1")}


def _segment_length(name: str, i: int) -> int:
    """The length of the ``-``-separated part of ``name`` around index ``i`` (the whole name
    when ``i`` is a hyphen), not counting a leading ``py``."""
    i = min(max(i, 0), len(name) - 1)
    if name[i] == "-":
        return len(name)
    start = name.rfind("-", 0, i) + 1
    end = name.find("-", i)
    length = (len(name) if end < 0 else end) - start
    if start == 0 and name.startswith("py") and not name.startswith("python") and i >= 2:
        length -= 2  # "py" is not what tells pyaml from pyamg
    return length


def _one_edit(candidate: str, popular: str) -> _Phrase | None:
    """How ``candidate`` is one edit away from ``popular``, or None when it is not one edit
    away, or is one only in a way legitimate names often are.

    Not counted: an edit of the first character (``rtoml``, ``aenum``, ``slack``: a prefix
    letter is a common way to name a related project, and typing the first letter wrong is
    rare); a digit added, removed or changed (``cbor`` / ``cbor2``, ``elasticsearch8``,
    ``cupy-cuda11x``: version families), except a digit that looks like a letter (``0``/``o``,
    ``1``/``l``/``i``); and an edit inside a short part of a hyphenated name (``pytest-cov`` /
    ``pytest-csv``): the part of the popular name the edit falls in must be at least
    :data:`MIN_EDIT_LENGTH` long, :data:`MIN_SUBSTITUTION_LENGTH` for a changed character.
    """
    lc, lp = len(candidate), len(popular)
    if lc == lp:
        first = -1
        for i in range(lc):
            if candidate[i] != popular[i]:
                first = i
                break
        if first < 0:
            return None
        was, now = popular[first], candidate[first]
        if candidate[first + 1:] == popular[first + 1:]:
            if first == 0:
                return None
            if _segment_length(popular, first) < MIN_SUBSTITUTION_LENGTH:
                return None
            if (was.isdigit() or now.isdigit()) and (was, now) not in _LOOKALIKE_DIGITS:
                return None
            return ("changed", was, now)
        if (first + 1 < lc and now == popular[first + 1] and candidate[first + 1] == was
                and candidate[first + 2:] == popular[first + 2:]):
            if _segment_length(popular, first) < MIN_EDIT_LENGTH:
                return None
            return ("swapped", popular[first:first + 2], candidate[first:first + 2])
        return None
    if lc == lp + 1:
        longer, shorter = candidate, popular
    elif lp == lc + 1:
        longer, shorter = popular, candidate
    else:
        return None
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    if shorter[i:] != longer[i + 1:]:
        return None
    char = longer[i]
    if char.isdigit() or i == 0:
        return None
    if longer is candidate:
        around = max(_segment_length(popular, i - 1), _segment_length(popular, i))
        if around < MIN_EDIT_LENGTH:
            return None
        return ("extra", char, "")
    if _segment_length(popular, i) < MIN_EDIT_LENGTH:
        return None
    return ("missing", char, "")


def _deletions(name: str) -> set[str]:
    return {name[:i] + name[i + 1:] for i in range(len(name))}


def _cores(name: str) -> list[tuple[str, str]]:
    """``name`` without one known prefix or suffix: (core, the affix as written)."""
    out: list[tuple[str, str]] = []
    for prefix in PREFIXES:
        if name.startswith(prefix) and len(name) - len(prefix) >= _MIN_CORE:
            out.append((name[len(prefix):], prefix))
            break
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= _MIN_CORE:
            out.append((name[: -len(suffix)], suffix))
            break
    return out


def _affix_phrase(candidate_affix: str | None, popular_affix: str | None) -> _Phrase:
    if candidate_affix and popular_affix:
        return ("exchanged", popular_affix, candidate_affix)
    if candidate_affix:
        return ("added", candidate_affix, "")
    return ("removed", popular_affix or "", "")


class PopularIndex:
    """Popular package names, indexed for one-edit, separator and affix lookups."""

    def __init__(self, names: Iterable[str]) -> None:
        ranked = list(dict.fromkeys(canonical_name(n) for n in names if n.strip()))
        self.rank: dict[str, int] = {name: i for i, name in enumerate(ranked)}
        self.names: frozenset[str] = frozenset(ranked)
        deletes: dict[str, list[str]] = {}
        squashed: dict[str, list[str]] = {}
        cores: dict[str, list[tuple[str, str]]] = {}
        for name in ranked:
            if len(name) >= MIN_EDIT_LENGTH:
                for key in _deletions(name) | {name}:
                    deletes.setdefault(key, []).append(name)
            squashed.setdefault(name.replace("-", ""), []).append(name)
            for core, affix in _cores(name):
                cores.setdefault(core, []).append((name, affix))
        self._deletes = deletes
        edited = [n for n in ranked if len(n) >= MIN_EDIT_LENGTH]
        self._prefixes = frozenset(n[:i] for n in edited for i in range(1, len(n) + 1))
        self._suffixes = frozenset(n[i:] for n in edited for i in range(len(n)))
        self._squashed = squashed
        self._cores = cores

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and canonical_name(name) in self.names

    def __len__(self) -> int:
        return len(self.names)

    def match(self, name: str) -> SquatMatch | None:
        """The popular name ``name`` imitates, or None (also None for a popular name)."""
        return self.match_canonical(canonical_name(name))

    def match_canonical(self, cand: str) -> SquatMatch | None:
        """:meth:`match` for a name already in PEP 503 form."""
        if cand in self.names or not cand:
            return None
        # separators: scikitlearn, torch-vision, sci-kit-learn
        for popular in self._squashed.get(cand.replace("-", ""), ()):
            if popular != cand:
                return _squat(cand, popular, ("hyphens", "", ""))
        # prefixes and suffixes: dateutil, python3-dateutil, requests-py
        own: list[tuple[str, str | None]] = [(cand, None)]
        if cand.startswith(PREFIXES) or cand.endswith(SUFFIXES):
            own.extend(_cores(cand))
        for core, affix in own:
            if affix is not None and core in self.names:
                return _squat(cand, core, _affix_phrase(affix, None))
            for popular, popular_affix in self._cores.get(core, ()):
                if popular != cand:
                    return _squat(cand, popular, _affix_phrase(affix, popular_affix))
        # one edit, through the deletion neighbourhoods. Only some deletions can lead anywhere:
        # an edit at index i leaves cand[:i] a prefix of the popular name and what follows the
        # edit a suffix of it, so i is at most the longest popular prefix cand starts with (L)
        # and at least len(cand) - 2 - the longest popular suffix it ends with (S).
        n = len(cand)
        prefixes, suffixes = self._prefixes, self._suffixes
        longest_prefix = 0
        while longest_prefix < n and cand[:longest_prefix + 1] in prefixes:
            longest_prefix += 1
        longest_suffix = 0
        while longest_suffix < n and cand[n - longest_suffix - 1:] in suffixes:
            longest_suffix += 1
        low = max(0, n - 2 - longest_suffix)
        high = min(longest_prefix, n - 1)
        if low > high:
            return None
        best: SquatMatch | None = None
        rank = self.rank
        deletes = self._deletes
        for key in (cand, *[cand[:i] + cand[i + 1:] for i in range(low, high + 1)]):
            found = deletes.get(key)
            if found is None:
                continue
            for popular in found:
                if best is not None and rank[popular] >= rank[best.popular]:
                    continue
                how = _one_edit(cand, popular)
                if how is not None:
                    best = _squat(cand, popular, how)
        return best


def load_popular() -> list[str]:
    """The shipped popular names (comments and blank lines skipped), in file order."""
    text = resources.files("compliance").joinpath(_DATA).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


@functools.lru_cache(maxsize=1)
def popular_index() -> PopularIndex:
    """The index of the shipped popular names (built once, ~40 ms)."""
    return PopularIndex(load_popular())


def check_typosquat(inv: Inventory) -> list[Finding]:
    """``risk/typosquat``: PyPI components from an index whose name imitates a popular one."""
    index = popular_index()
    seen: dict[str, SquatMatch | None] = {}
    out: list[Finding] = []
    for comp in inv.components.values():
        if comp.ecosystem != "pypi" or comp.source.kind is not SourceKind.REGISTRY:
            continue
        name = comp.name
        if name in seen:
            found = seen[name]
        else:
            found = seen[name] = index.match(name)
        if found is not None:
            out.append(_finding(comp, found))
    return out


def _finding(comp: Component, found: SquatMatch) -> Finding:
    index = None if comp.source.is_default_registry else base.show_url(comp.source.url)

    def render(lang: str) -> tuple[str, str]:
        where = base.text(lang, "typosquat.index", url=index) if index else ""
        return (base.text(lang, "typosquat.message", name=found.name, popular=found.popular,
                          how=found.how_in(lang)) + where,
                base.text(lang, "typosquat.fix", name=found.name, popular=found.popular))

    return base.finding(TYPOSQUAT, comp, base.localized(render), severity=Severity.WARNING)


CHECKS = (
    Check(TYPOSQUAT, Severity.WARNING,
          "PyPI packages named one typo, separator or python-/-py affix away from a popular one",
          "Typosquatting packages wait for a typo to install them and run their code.",
          "Correct the name, or verify the package's publisher and history, then waive.",
          check_typosquat),
)
