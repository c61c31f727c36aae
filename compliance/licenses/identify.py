"""Which licenses a text holds: license texts to SPDX ids, and ``SPDX-License-Identifier`` tags.

How it works (``benchmarks/license_identify_benchmark.py`` measures it on the labelled corpus in
``tests/licenses/corpus``):

* Every reference text (``compliance/data/licenses/identify_references.json``: 91 license and
  exception texts from the ScanCode LicenseDB plus 9 standard short notices, such as the
  Apache-2.0 header or the GNU "or any later version" notices) is cut into word 3-grams after
  normalisation: case, punctuation, Markdown and comment markers, list letters and years are
  dropped, British "licence" is read as "license".
* The 3-grams of the input are looked up in an inverted index. For each reference that could
  reach the threshold, the positions that hit it are grouped into regions: split where the text
  goes back in the reference (a second copy, or another license sharing its phrases), then cut
  to the dense runs of hits (Kadane's maximum subarray), so phrases that many licenses share
  do not glue two texts together.
* A region's **score** is the Dice coefficient between the region's 3-grams and the reference's
  (for texts with an optional "how to apply" appendix, the better of the text with and without
  it): 1.0 for a verbatim copy, lower as words differ. Nothing below a per-kind threshold is
  reported, so a README sentence that only names a license matches nothing; a notice must also
  hold its version words ("version 2.1", "any later version").
* Overlapping candidates are resolved by how much text each explains times its score squared,
  which prefers the full CPython license over its PSF-2.0 part, BSD-3-Clause over BSD-2-Clause
  or BSD-4-Clause on a BSD-3 text and MIT over its longer X11 cousin on an MIT text.

A bare GPL/LGPL/AGPL text is reported with the ``-only`` id, as the ScanCode LicenseDB does (the
text alone grants no "or later" option; the standard notices that do are matched as
``-or-later``). A region that holds a license exception (LLVM-exception, GCC-exception-3.1,
Classpath-exception-2.0) is reported with the exception id, as a match of its own.

Why not a package: the pure-Python ``licenseclassifier`` (a port of google/licensecheck) was
measured first on the same corpus: 92% of files exact (EPL-2.0, the CPython license, model
licenses and exceptions missing from its data; duplicates and URL mentions reported) and
slower on this machine (187 files/s on a first pass, ~420 once its lazily built automaton is
warm), against 100% (on the corpus it was developed against) and ~400 files/s here, with
no new dependency.
"""

from __future__ import annotations

import functools
import json
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import chain, compress
from operator import sub
from pathlib import Path

__all__ = [
    "MAX_FILE_SIZE",
    "LicenseMatch",
    "identify_file",
    "identify_text",
    "is_license_file_name",
    "spdx_tags",
]

MAX_FILE_SIZE = 5 * 1024 * 1024
"""Files larger than this are not read by :func:`identify_file` (no license file is this big)."""

_K = 3  # words per gram
_MIN_SCORE = {"license": 0.70, "exception": 0.70, "notice": 0.55}
_BINARY_SNIFF = 8192
_GAP_COST = 1.5  # per gram between two hits, against +1 per hit: runs must be 60% hits


@dataclass(frozen=True)
class LicenseMatch:
    """One license text found in a larger text."""

    spdx: str
    """SPDX license id (or exception id, or ``LicenseRef-scancode-...`` for non-SPDX licenses)."""
    score: float
    """0.0-1.0: Dice coefficient of word 3-grams between the matched region and the reference."""
    start_line: int
    """First line of the match, 1-based, inclusive."""
    end_line: int
    """Last line of the match, inclusive."""


# ----------------------------------------------------------------------------- normalisation

_WORD = re.compile(r"[a-z0-9]+")
_YEAR = re.compile(r"(19|20)\d\d")
_SPELLING = {
    "licence": "license",
    "licences": "licenses",
    "licenced": "licensed",
    "licencing": "licensing",
    "sublicence": "sublicense",
    "sublicences": "sublicenses",
    "https": "http",
}


def _line_words(text: str) -> tuple[list[str], list[int]]:
    """Normalised words of ``text`` and, for each, its 1-based line number."""
    words: list[str] = []
    lines: list[int] = []
    spelling = _SPELLING
    findall = _WORD.findall
    for lineno, line in enumerate(text.lower().splitlines(), 1):
        found = findall(line)
        if not found:
            continue
        # Single letters are list markers ("(a)", "c.") or the "c" of "(c)", and years vary from
        # copy to copy: neither is a license word.
        kept = [spelling.get(w, w) for w in found
                if (len(w) > 1 or w.isdigit()) and not (len(w) == 4 and _YEAR.match(w))]
        words.extend(kept)
        lines.extend([lineno] * len(kept))
    return words, lines


def _grams(words: Sequence[str]) -> list[tuple[str, ...]]:
    return list(zip(*(words[i:] for i in range(_K)), strict=False))


# ----------------------------------------------------------------------------- reference index


@dataclass(frozen=True)
class _Reference:
    spdx: str
    kind: str
    grams: frozenset[tuple[str, ...]]
    core: frozenset[tuple[str, ...]] | None  # the grams without the optional appendix
    order: dict[tuple[str, ...], int]  # position of grams that occur once in the reference
    length: int  # number of grams in the text (positions)
    size: int  # number of distinct grams (what the Dice coefficient counts)
    require: tuple[tuple[str, ...], ...]  # word sequences a match must hold ("version 2 1")


@dataclass(frozen=True)
class _Index:
    refs: tuple[_Reference, ...]
    postings: dict[tuple[str, ...], tuple[int, ...]]


def _reference_file() -> Path:
    data = resources.files("compliance") / "data" / "licenses" / "identify_references.json"
    return Path(str(data))


@functools.cache
def _index() -> _Index:
    """Load the reference texts and build the 3-gram index (once per process)."""
    data = json.loads(_reference_file().read_text(encoding="utf-8"))
    refs: list[_Reference] = []
    postings: dict[tuple[str, ...], list[int]] = {}
    for entry in data["references"]:
        text: str = entry["text"]
        words, _ = _line_words(text)
        grams = _grams(words)
        core = None
        if "core_chars" in entry:
            core_words, _ = _line_words(text[: entry["core_chars"]])
            core = frozenset(_grams(core_words))
        first: dict[tuple[str, ...], int] = {}
        seen_twice: set[tuple[str, ...]] = set()
        for pos, g in enumerate(grams):
            if g in first:
                seen_twice.add(g)
            else:
                first[g] = pos
        order = {g: p for g, p in first.items() if g not in seen_twice}
        ref_no = len(refs)
        require = tuple(tuple(_line_words(r)[0]) for r in entry.get("require", ()))
        distinct = frozenset(grams)
        refs.append(_Reference(entry["spdx"], entry["kind"], distinct, core, order,
                               len(grams), len(distinct), require))
        for g in first:
            postings.setdefault(g, []).append(ref_no)
    return _Index(tuple(refs), {g: tuple(v) for g, v in postings.items()})


# ----------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Candidate:
    ref: int
    first: int  # first gram index of the region
    last: int  # last gram index of the region (inclusive)
    score: float
    weight: float


def _dense(hits: list[int], lo: int, hi: int, need: float, out: list[tuple[int, int]]) -> None:
    """Append the dense runs of ``hits[lo:hi]`` with at least ``need`` hits to ``out``.

    Each hit is worth +1 and each gram between two hits -``_GAP_COST`` (Kadane's maximum
    subarray), so a run is where most grams hit; sparse hits from phrases that many licenses
    share are cut off. What is left on either side of the best run is searched the same way.
    """
    need = max(need, 1.0)
    found: list[tuple[int, int]] = []
    todo = [(lo, hi)]
    while todo:
        lo, hi = todo.pop()
        if hi - lo < need:
            continue
        best = cur = 0.0
        best_lo = best_hi = cur_lo = lo
        for i in range(lo, hi):
            gain = 1.0 if i == cur_lo else 1.0 - _GAP_COST * (hits[i] - hits[i - 1] - 1)
            if i != cur_lo and cur + gain < 1.0:
                cur, cur_lo = 1.0, i
            else:
                cur += gain
            if cur > best:
                best, best_lo, best_hi = cur, cur_lo, i
        if best_hi - best_lo + 1 < need:
            continue
        found.append((hits[best_lo], hits[best_hi]))
        todo.append((lo, best_lo))
        todo.append((best_hi + 1, hi))
    out.extend(sorted(found))


def _regions(hits: list[int], grams: list[tuple[str, ...]], ref: _Reference,
             need: float) -> list[tuple[int, int]]:
    """Group the gram positions that hit ``ref`` into regions, one per copy of the text."""
    if len(hits) <= 1.2 * ref.length and max(map(sub, hits[1:], hits), default=0) <= 8:
        return [(hits[0], hits[-1])]  # one tight block: room for one copy only (the usual case)
    restart = max(20, ref.length // 4)
    order = ref.order
    # (index into hits, position in the reference) of the hits on grams the reference has once
    placed = [(i, order.get(grams[pos], -1)) for i, pos in enumerate(hits)]
    placed = [(i, rp) for i, rp in placed if rp >= 0]
    runs: list[tuple[int, int]] = []  # index ranges into hits
    start = back = 0
    furthest = -1
    low_run = 0
    for j, (i, ref_pos) in enumerate(placed):
        # Only a hit that the next one follows in the reference counts: a stray phrase that the
        # reference has elsewhere does not move the position.
        if j + 1 >= len(placed) or not 0 < placed[j + 1][1] - ref_pos <= 8:
            continue
        # The text goes back in the reference: another copy of it, or another license that
        # shares its phrases, follows (BSD-3-Clause after NCSA).
        if ref_pos < furthest - restart:
            low_run += 1
            if low_run == 1:
                back = i
            elif low_run >= 2:
                runs.append((start, back))
                start, furthest, low_run = back, -1, 0
        else:
            low_run = 0
        furthest = max(furthest, ref_pos)
    runs.append((start, len(hits)))
    regions: list[tuple[int, int]] = []
    for lo, hi in runs:
        _dense(hits, lo, hi, need, regions)
    return regions


def _score(region: frozenset[tuple[str, ...]] | set[tuple[str, ...]], ref: _Reference) -> float:
    inter = len(region & ref.grams)
    best = 2.0 * inter / (len(region) + ref.size) if ref.size else 0.0
    if ref.core is not None:
        inter_core = len(region & ref.core)
        best = max(best, 2.0 * inter_core / (len(region) + len(ref.core)))
    return best


class _Spans:
    """Candidates kept sorted by first gram, to find those that overlap a range quickly."""

    def __init__(self) -> None:
        self.firsts: list[int] = []
        self.items: list[_Candidate] = []
        self.longest = 0

    def add(self, c: _Candidate) -> None:
        at = bisect_right(self.firsts, c.first)
        self.firsts.insert(at, c.first)
        self.items.insert(at, c)
        self.longest = max(self.longest, c.last - c.first + 1)

    def overlapping(self, first: int, last: int) -> list[_Candidate]:
        found = []
        i = bisect_right(self.firsts, last) - 1
        while i >= 0 and self.firsts[i] + self.longest > first:
            if self.items[i].last >= first:
                found.append(self.items[i])
            i -= 1
        return found


def _candidates(words: list[str], grams: list[tuple[str, ...]]) -> list[_Candidate]:
    index = _index()
    # Distinct grams shared with each reference bound the score of any region: Dice reaches
    # the threshold only if 2*shared/(shared + |reference|) does. Counted in C, per distinct gram.
    shared = Counter(chain.from_iterable(filter(None, map(index.postings.get, set(grams)))))
    # Best possible weight first, so that a reference whose every hit lies inside a region
    # that a stronger reference already explains (BSD-4-Clause on a BSD-3-Clause text) is
    # skipped: it could only lose to that region.
    bounded = []
    for r, count in shared.items():
        ref = index.refs[r]
        threshold = _MIN_SCORE[ref.kind]
        best = 2.0 * count / (count + ref.size)
        if best >= threshold:
            bounded.append((count * best * best, r, threshold))
    bounded.sort(reverse=True)
    out = _Spans()
    unclear: set[int] = set()  # id() of candidates that a stronger one clashes with
    every = range(len(grams))
    for bound, r, threshold in bounded:
        ref = index.refs[r]
        positions = list(compress(every, map(ref.grams.__contains__, grams)))
        lo, hi = positions[0], positions[-1]
        if any(c.weight >= bound and c.first <= lo and hi <= c.last and id(c) not in unclear
               for c in out.overlapping(lo, hi)):
            continue
        need = threshold * ref.size / 2.0
        for first, last in _regions(positions, grams, ref, need):
            region = set(grams[first : last + 1])
            score = _score(region, ref)
            if score < threshold:
                continue
            if ref.require:
                span = " ".join(words[first : last + _K])
                if not all(" ".join(req) in span for req in ref.require):
                    continue
            matched = len(region & ref.grams)
            cand = _Candidate(r, first, last, score, matched * score * score)
            near = [k for k in out.overlapping(first, last) if _clashes(cand, k)]
            if any(k.weight > cand.weight for k in near):
                unclear.add(id(cand))
            else:
                unclear.update(id(k) for k in near if k.weight < cand.weight)
            out.add(cand)
    return out.items


def _clashes(c: _Candidate, k: _Candidate) -> bool:
    """Whether two regions overlap by more than a fifth of the smaller one."""
    overlap = min(c.last, k.last) - max(c.first, k.first) + 1
    return overlap > 0.2 * min(c.last - c.first + 1, k.last - k.first + 1)


def _select(cands: Iterable[_Candidate]) -> list[_Candidate]:
    """Keep the best non-overlapping candidates, in order of appearance."""
    chosen: list[_Candidate] = []  # sorted by first gram; regions overlap by at most a fifth
    firsts: list[int] = []
    longest = 0
    for c in sorted(cands, key=lambda c: (-c.weight, c.first, c.ref)):
        at = bisect_left(firsts, c.first)
        # Chosen regions that could overlap c start before c ends and end after c starts; as
        # they barely overlap each other, only a few around the insertion point qualify.
        clash = False
        i = at - 1
        while i >= 0 and chosen[i].first + longest >= c.first:
            if _clashes(c, chosen[i]):
                clash = True
                break
            i -= 1
        i = at
        while not clash and i < len(chosen) and chosen[i].first <= c.last:
            clash = _clashes(c, chosen[i])
            i += 1
        if not clash:
            chosen.insert(at, c)
            firsts.insert(at, c.first)
            longest = max(longest, c.last - c.first + 1)
    return chosen


_HEADER_LINE = re.compile(
    r"^\W*(copyright\b|\(c\)|©|all rights reserved|portions copyright)", re.IGNORECASE)
_TITLE_LINE = re.compile(r"\b(licen[cs]e|copying|agreement)\b", re.IGNORECASE)


def _extend_start(lines: list[str], start: int, floor: int) -> int:
    """Widen a match upwards over its copyright and title lines (1-based line numbers)."""
    best = start
    line = start - 1
    while line > floor:
        raw = lines[line - 1].strip().strip("#*>=-_ \t`")
        if raw:
            if _HEADER_LINE.match(raw) or (_TITLE_LINE.search(raw) and len(raw.split()) <= 8):
                best = line
            else:
                break
        elif start - line > 6:
            break
        line -= 1
    return best


def identify_text(text: str) -> list[LicenseMatch]:
    """Find every license text that ``text`` holds, in order of appearance.

    Returns ``[]`` when the text holds none. A sentence that only names a license ("Licensed
    under the MIT license", a URL, an SPDX tag) is not a license text and gives no match;
    the standard license notices (the Apache-2.0 header, the GNU "or any later version"
    notices, the MPL-2.0 Exhibit A notice, the CC0 dedication) are matched.
    """
    words, word_lines = _line_words(text)
    if len(words) < _K:
        return []
    grams = _grams(words)
    chosen = _select(_candidates(words, grams))
    if not chosen:
        return []
    refs = _index().refs
    text_lines = text.splitlines()
    matches: list[LicenseMatch] = []
    floor = 0
    for c in chosen:
        start = word_lines[c.first]
        end = word_lines[c.last + _K - 1]
        start = _extend_start(text_lines, start, floor)
        matches.append(LicenseMatch(refs[c.ref].spdx, round(min(c.score, 1.0), 3), start, end))
        floor = end
    return matches


def _decode(data: bytes) -> str | None:
    """Text of a file's bytes, or ``None`` for binary data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:_BINARY_SNIFF]:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


def identify_file(path: Path) -> list[LicenseMatch]:
    """Find the license texts in the file at ``path`` (see :func:`identify_text`).

    Never raises for the content: a binary file, a file larger than :data:`MAX_FILE_SIZE` or
    an empty file gives ``[]``; bytes that are not UTF-8 are replaced. ``OSError`` from
    opening the file (missing, unreadable) propagates.
    """
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_SIZE + 1)
    if len(data) > MAX_FILE_SIZE:
        return []
    text = _decode(data)
    if text is None:
        return []
    return identify_text(text)


# ----------------------------------------------------------------------------- SPDX tags

_TAG = re.compile(r"SPDX-License-Identifier\s*:\s*(.*)", re.IGNORECASE)
_CLOSERS = ("*/", "-->", "--%>", "%>", "#}", "%}", "*)", "-}", "'''", '"""', "]]")
_EXPRESSION = re.compile(r"[A-Za-z0-9.+\-:() ]*")  # what an SPDX license expression is made of


def _strip_closers(expr: str) -> str:
    expr = expr.strip()
    changed = True
    while changed and expr:
        changed = False
        for closer in _CLOSERS:
            if expr.endswith(closer):
                expr = expr[: -len(closer)].rstrip()
                changed = True
    return expr


def spdx_tags(text: str) -> list[tuple[str, int]]:
    """``SPDX-License-Identifier: <expression>`` tags in ``text``, with their 1-based line.

    Any comment syntax: the expression is taken as written up to the end of the line, with
    comment closers such as ``*/`` or ``-->`` and surrounding blanks removed; it ends where a
    character that no SPDX expression holds begins (a quote closing a string literal). Tags
    with no expression (``SPDX-License-Identifier: <expression>`` in documentation) are left
    out.
    """
    tags: list[tuple[str, int]] = []
    if "spdx-license-identifier" not in text.lower():
        return tags
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _TAG.search(line)
        if m:
            expr = _strip_closers(m.group(1))
            expr = _strip_closers(_EXPRESSION.match(expr).group(0))  # type: ignore[union-attr]
            if any(ch.isalnum() for ch in expr):
                tags.append((expr, lineno))
    return tags


# ----------------------------------------------------------------------------- file names

_LICENSE_NAME = re.compile(
    r"""^(
        (un)?licen[cs]es?([-_.][\w.+-]+)?     # LICENSE, LICENCE, UNLICENSE, LICENSE-MIT,
                                            # LICENSE.APACHE2, LICENSE_APACHE, LICENSES.txt
      | [\w.+-]*[-_.]licen[cs]es?([-_.]\w+)? # MIT-LICENSE, apache-2.0.LICENSE, BSD_LICENSE.txt
      | copying([-_.][\w.+-]+)?              # COPYING, COPYING.LESSER, COPYING.RUNTIME
      | copyright([-_.]\w+)?
      | notices?([-_.][\w.+-]+)?
      | third[-_. ]?party[-_. ]?(notices?|licen[cs]es?)([-_.][\w.+-]+)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_NOT_LICENSE_SUFFIXES = frozenset({
    ".py", ".pyc", ".pyi", ".js", ".ts", ".go", ".rs", ".c", ".h", ".cc", ".cpp", ".java", ".rb",
    ".sh", ".json", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".xml", ".lock", ".png", ".jpg",
    ".gif", ".svg", ".pdf", ".zip", ".gz", ".whl", ".so", ".dll", ".exe"})


def is_license_file_name(name: str) -> bool:
    """Whether a file name (not a path) is one a license text is usually shipped under.

    ``LICENSE``, ``LICENSE.md``, ``LICENCE``, ``COPYING``, ``COPYING.LESSER``, ``NOTICE``,
    ``LICENSE-MIT``, ``LICENSE.APACHE2``, ``UNLICENSE``, ``*.LICENSE``, ``THIRD_PARTY_NOTICES``
    and the like; not source or data files that happen to be named so (``license.py``).
    """
    base = name.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    if dot > 0 and base[dot:].lower() in _NOT_LICENSE_SUFFIXES:
        return False
    return bool(_LICENSE_NAME.match(base))
