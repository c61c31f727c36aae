"""Declared license strings -> SPDX license expressions, saying how each was recognised.

``normalize(text)`` takes what a package declares — a PEP 639 ``License-Expression``, a free-text
``License`` field, a trove classifier, a ``package.json`` / ``Cargo.toml`` / ``pom.xml`` /
gemspec license, a Hugging Face card id, a URL of a license text — and returns ONE SPDX
expression in canonical form, with ``method`` telling how it was recognised:

``spdx``        already a valid SPDX expression (ids' case fixed: ``mit`` -> ``MIT``)
``deprecated``  a deprecated SPDX id was replaced (``GPL-2.0+`` -> ``GPL-2.0-or-later``)
``name``        an SPDX full name (``GNU General Public License v3.0 only``)
``alias``       the alias table (``Apache 2.0``, ``new BSD``, ``GPLv3+``, ``llama3.1``)
``url``         the URL of a license text (``opensource.org/licenses/MIT``)
``classifier``  a trove classifier (``License :: OSI Approved :: MIT License``)
``text``        the field holds a whole license text (``LicenseRef-unknown-license-text``):
                the caller identifies it
``empty``       nothing was declared (``""``, ``UNKNOWN``, ``None``, ``N/A``):
                ``LicenseRef-unknown-noassertion`` (NOASSERTION is not an SPDX expression)
``unknown``     nothing in the declaration could be mapped

A compound reports its most interpretive method (spdx < deprecated < name < alias < url <
classifier); a string that is not an SPDX expression as written is never reported as "spdx".

A part that cannot be mapped is never dropped and never guessed: it becomes
``LicenseRef-unknown-<slug>``, ``known`` is False and the fragment is in ``unknown_parts``.
Deliberately ambiguous families (plain "BSD") become a named LicenseRef with ``known`` False as
well. Every decision of that kind is data, documented in ``compliance/data/licenses/aliases.yaml``,
``classifiers.yaml`` and ``aliases-huggingface.yaml``; this module only holds the grammar and a
small normaliser. Tables are built lazily on first use and cached; results are memoised.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

__all__ = [
    "EMPTY_EXPRESSION",
    "TEXT_EXPRESSION",
    "UNKNOWN_PREFIX",
    "NormalizedLicense",
    "from_classifiers",
    "is_valid_spdx",
    "looks_like_license_text",
    "normalize",
]

UNKNOWN_PREFIX = "LicenseRef-unknown-"
EMPTY_EXPRESSION = "LicenseRef-unknown-noassertion"
TEXT_EXPRESSION = "LicenseRef-unknown-license-text"

# How strongly each method "interprets" the declaration; a compound reports its strongest.
_METHOD_RANK = {"spdx": 0, "deprecated": 1, "name": 2, "alias": 3, "url": 4, "classifier": 5}


@dataclass(frozen=True)
class NormalizedLicense:
    """One declared license string as an SPDX expression, and how it was recognised."""

    expression: str
    """An SPDX expression; unmappable parts are ``LicenseRef-unknown-<slug>``."""
    original: str
    """The text as given."""
    known: bool
    """False when any part is unknown (``LicenseRef-unknown-*``) or deliberately ambiguous."""
    method: str
    """spdx, deprecated, name, alias, url, classifier, text, empty or unknown (module doc)."""
    unknown_parts: tuple[str, ...] = ()
    """The declared fragments that could not be mapped (or only to an ambiguous family)."""


# ----------------------------------------------------------------------------- expression tree


@dataclass(frozen=True)
class _Leaf:
    id: str
    exception: str | None = None
    method: str = "spdx"
    unknown: str | None = None  # the declared fragment, for an unknown or ambiguous leaf


@dataclass(frozen=True)
class _Op:
    op: str  # "AND" | "OR"
    args: tuple[_Node, ...]


_Node = _Leaf | _Op


def _render(node: _Node, nested: bool = False) -> str:
    if isinstance(node, _Leaf):
        return node.id if node.exception is None else f"{node.id} WITH {node.exception}"
    text = f" {node.op} ".join(_render(arg, True) for arg in node.args)
    return f"({text})" if nested else text


def _combine(op: str, nodes: Sequence[_Node]) -> _Node:
    """``op`` over ``nodes``: same-operator children flattened, duplicates dropped, order kept."""
    flat: list[_Node] = []
    seen: set[str] = set()
    for node in nodes:
        for arg in node.args if isinstance(node, _Op) and node.op == op else (node,):
            key = _render(arg)
            if key not in seen:
                seen.add(key)
                flat.append(arg)
    return flat[0] if len(flat) == 1 else _Op(op, tuple(flat))


def _leaves(node: _Node) -> Iterator[_Leaf]:
    if isinstance(node, _Leaf):
        yield node
    else:
        for arg in node.args:
            yield from _leaves(arg)


# ----------------------------------------------------------------------------- normalisers

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                       "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u00a0": " "})
_KEY_SUBS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"\blicen[cs](?:e[sd]?|ing)\b", " license "),
        (r"\bw/\s*", " with "),
        (r">=\s*v?(\d[\d.]*)", r" \1 + "),
        (r"[^a-z0-9.+]+", " "),  # punctuation (hyphens, commas, slashes, brackets) -> space
        (r"\b(?:or|and)\s+(?:any\s+)?(?:later|newer|greater|higher|above)(?:\s+versions?)?\b",
         " + "),
        (r"\bcreative\s+commons\b", " cc "),
        (r"\battribution\b", " by "),
        (r"\bnon\s?commercial\b", " nc "),
        (r"\bshare\s?alike\b", " sa "),
        (r"\bno\s?deriv(?:ative)?s?\b", " nd "),
        (r"(?<=[a-z])v(?=\d)", " "),  # gplv3 -> gpl 3
        (r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " "),  # cc0 -> cc 0, 3clause -> 3 clause
        (r"\+", " + "),
        (r"(?<!\d)\.|\.(?!\d)", " "),  # dots that are not inside a version number
    )
)
_STOP_WORDS = frozenset({"the", "license", "version", "ver", "v", "gnu", "only",
                         "international", "unported", "generic"})
_WORD_NUMBERS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4"}
_VERSION_TAIL = re.compile(r"(?:\.0+)+$")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


@functools.lru_cache(maxsize=65536)
def _key(text: str) -> str:
    """The explainable normaliser: case, punctuation, filler words, version spelling, "+"."""
    s = _fold(text).lower()
    for pattern, repl in _KEY_SUBS:
        s = pattern.sub(repl, s)
    out = []
    for tok in s.split():
        tok = _WORD_NUMBERS.get(tok, tok)
        if tok in _STOP_WORDS:
            continue
        if tok[0].isdigit():
            tok = _VERSION_TAIL.sub("", tok)
        out.append(tok)
    return " ".join(out)


def _plain(text: str) -> str:
    return " ".join(_fold(text).lower().split()).strip(" .,;:'\"`()[]{}<>*")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9.]+", "-", ascii_text).strip("-.")
    if len(slug) > 96:
        slug = slug[:96].rsplit("-", 1)[0].strip("-.") or slug[:96].strip("-.")
    return slug or "h" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:12]


def _unknown(fragment: str) -> _Leaf:
    return _Leaf(UNKNOWN_PREFIX + _slug(fragment), method="unknown", unknown=fragment.strip())


def _url_key(text: str) -> str:
    s = text.strip().lower()
    s = re.sub(r"^[a-z][a-z0-9+.-]*://", "", s)
    s = re.sub(r"^www\.", "", re.split(r"[?#]", s, maxsplit=1)[0]).rstrip("/")
    while True:
        stripped = re.sub(r"\.(?:html?|shtml|txt|php|md|en|json|xml)$", "", s).rstrip("/")
        if stripped == s:
            return s
        s = stripped


def _classifier_key(text: str) -> str:
    return " :: ".join(" ".join(part.split()) for part in text.split("::")).lower()


# ----------------------------------------------------------------------------- data


@dataclass
class _Tables:
    ids: dict[str, str] = field(default_factory=dict)  # lower-case id -> SPDX id
    exceptions: dict[str, str] = field(default_factory=dict)  # lower-case id -> exception id
    deprecated: dict[str, _Node] = field(default_factory=dict)
    names: dict[str, tuple[_Node, str]] = field(default_factory=dict)  # plain full name
    keys: dict[str, tuple[_Node, str]] = field(default_factory=dict)  # _key -> node, method
    exception_keys: dict[str, str] = field(default_factory=dict)
    ambiguous: frozenset[str] = frozenset()
    empty: frozenset[str] = frozenset()
    noise: tuple[tuple[re.Pattern[str], bool], ...] = ()
    noise_any: re.Pattern[str] = re.compile(r"(?!)")
    text_markers: tuple[str, ...] = ()
    patterns: tuple[tuple[re.Pattern[str], _Node], ...] = ()
    urls: dict[str, _Node] = field(default_factory=dict)
    url_patterns: tuple[tuple[re.Pattern[str], str], ...] = ()
    classifiers: dict[str, _Node] = field(default_factory=dict)
    classifier_ignore: frozenset[str] = frozenset()
    classifier_generic: dict[str, str] = field(default_factory=dict)
    conflicts: list[tuple[str, str, str, str]] = field(default_factory=list)


def _read(name: str) -> Any:
    import yaml  # only when the tables are built: keeps `import` of this module cheap

    text = resources.files("compliance").joinpath(f"data/licenses/{name}").read_text("utf-8")
    if name.endswith(".json"):
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _index_ids() -> list[tuple[str, bool]]:
    """SPDX ids of the ScanCode LicenseDB index that ``license-expression`` ships."""
    try:
        path = resources.files("license_expression").joinpath(
            "data/scancode-licensedb-index.json")
        index = json.loads(path.read_text("utf-8"))
    except (ModuleNotFoundError, OSError, ValueError):  # pragma: no cover - a broken install
        return []
    return [(e["spdx_license_key"], bool(e.get("is_exception")))
            for e in index if e.get("spdx_license_key")
            and not e["spdx_license_key"].startswith("LicenseRef-")]


@functools.cache
def _tables() -> _Tables:
    t = _Tables()
    spdx = _read("aliases-spdx-names.json")
    aliases = _read("aliases.yaml")
    hf = _read("aliases-huggingface.yaml")
    trove = _read("classifiers.yaml")

    for spdx_id, is_exception in _index_ids():
        (t.exceptions if is_exception else t.ids)[spdx_id.lower()] = spdx_id
    for spdx_id in spdx["licenses"]:  # the SPDX list's spelling wins
        t.ids[spdx_id.lower()] = spdx_id
    for spdx_id in spdx["exceptions"]:
        t.exceptions[spdx_id.lower()] = spdx_id
    for old, new in aliases["deprecated_exceptions"].items():
        t.exceptions[old.lower()] = new
    t.ambiguous = frozenset(aliases["ambiguous"])
    for old, new in aliases["deprecated"].items():
        t.deprecated[old] = _parse(new, t, strict=True)

    def add(key: str, node: _Node, method: str, source: str) -> None:
        if not key:
            return
        have = t.keys.get(key)
        if have is None:
            t.keys[key] = (node, method)
        elif _render(have[0]) != _render(node):
            t.conflicts.append((source, key, _render(have[0]), _render(node)))

    for text, target in aliases["aliases"].items():
        add(_key(text), _parse(target, t, strict=True), "alias", "aliases.yaml")
    for section in ("licenses", "license_names", "names"):
        for text, target in hf[section].items():
            add(_key(text), _parse(target, t, strict=True), "alias", "aliases-huggingface.yaml")
    for classifier, target in trove["classifiers"].items():
        node = _parse(target, t, strict=True)
        t.classifiers[_classifier_key(classifier)] = node
        if not target.startswith(UNKNOWN_PREFIX):
            add(_key(classifier.split("::")[-1]), node, "alias", "classifiers.yaml")
    t.classifier_ignore = frozenset(_classifier_key(c) for c in trove["ignore"])
    t.classifier_generic = {_classifier_key(k): _classifier_key(v)
                            for k, v in trove["generic"].items()}
    for section in ("licenses", "exceptions"):
        for spdx_id, entry in spdx[section].items():
            if section == "exceptions":
                target_id = t.exceptions[spdx_id.lower()]
                for text in (spdx_id, entry["name"]):
                    t.exception_keys.setdefault(_key(text), target_id)
                continue
            node = t.deprecated.get(spdx_id, _Leaf(spdx_id))
            add(_key(spdx_id), node, "alias", "spdx ids")
            t.names.setdefault(_plain(entry["name"]), (node, "name"))
    for spdx_id, entry in spdx["licenses"].items():
        add(_key(entry["name"]), t.deprecated.get(spdx_id, _Leaf(spdx_id)), "name", "spdx names")
    for text, exception in aliases["exceptions"].items():
        t.exception_keys[_key(text)] = t.exceptions[exception.lower()]

    t.empty = frozenset(_plain(e) for e in aliases["empty"])
    t.noise = tuple((re.compile(n["pattern"], re.I), bool(n.get("dual"))) for n in aliases["noise"])
    t.noise_any = re.compile("|".join(f"(?:{n['pattern']})" for n in aliases["noise"]), re.I)
    t.text_markers = tuple(m.lower() for m in aliases["text_markers"])
    t.patterns = tuple((re.compile(p), _parse(e, t, strict=True))
                       for p, e in aliases["patterns"].items())
    t.urls = {_url_key(u): _parse(e, t, strict=True) for u, e in aliases["urls"].items()}
    t.url_patterns = tuple((re.compile(p), e) for p, e in aliases["url_patterns"].items())
    return t


# ----------------------------------------------------------------------------- SPDX grammar


class _ParseError(ValueError):
    pass


_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+")
_ADDITION_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?AdditionRef-[A-Za-z0-9.\-]+")
_MAX_DEPTH = 50


def _plus(leaf: _Leaf, t: _Tables) -> _Leaf:
    """``X+``: "or later" on a license id, in its current spelling."""
    base = leaf.id
    if base.endswith("-or-later"):
        return leaf
    stem = base[: -len("-only")] if base.endswith("-only") else base
    later = t.ids.get(f"{stem}-or-later".lower())
    return replace(leaf, id=later if later else base + "+")


def _id_leaf(token: str, t: _Tables) -> _Node | None:
    """A license id token (any case, maybe with ``+``) as a node, or None."""
    low = token.lower()
    canonical = t.ids.get(low)
    if canonical is not None:
        if canonical in t.deprecated:
            return _restamp(t.deprecated[canonical], "deprecated", token, t)
        return _Leaf(canonical)
    if low.endswith("+") and low[:-1] in t.ids:
        base = _id_leaf(token[:-1], t)
        if isinstance(base, _Leaf) and base.exception is None:
            return _plus(base, t)
        return None
    if _REF.fullmatch(token):
        if token.startswith(UNKNOWN_PREFIX):
            return _Leaf(token, method="unknown", unknown=token)
        return _Leaf(token, unknown=token if token in t.ambiguous else None)
    return None


def _parse(text: str, t: _Tables, *, strict: bool) -> _Node:
    """Parse an SPDX expression; ``strict`` wants upper-case operators. Raises _ParseError."""
    tokens = _TOKEN.findall(text)
    pos = 0

    def operator() -> str | None:
        if pos >= len(tokens):
            return None
        tok = tokens[pos] if strict else tokens[pos].upper()
        return tok if tok in ("AND", "OR", "WITH") else None

    def expr(depth: int, op: str) -> _Node:
        nonlocal pos
        parts = [expr(depth, "AND") if op == "OR" else atom(depth)]
        while operator() == op:
            pos += 1
            parts.append(expr(depth, "AND") if op == "OR" else atom(depth))
        return _combine(op, parts) if len(parts) > 1 else parts[0]

    def atom(depth: int) -> _Node:
        nonlocal pos
        if depth > _MAX_DEPTH or pos >= len(tokens):
            raise _ParseError(text)
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            node = expr(depth + 1, "OR")
            if pos >= len(tokens) or tokens[pos] != ")":
                raise _ParseError(text)
            pos += 1
            return node
        if tok == ")" or operator_word(tok):
            raise _ParseError(text)
        found = _id_leaf(tok, t)
        if found is None:
            raise _ParseError(text)
        node = found
        if operator() == "WITH":
            pos += 1
            if pos >= len(tokens) or not isinstance(node, _Leaf) or node.exception:
                raise _ParseError(text)
            exc_tok = tokens[pos]
            pos += 1
            exception = t.exceptions.get(exc_tok.lower())
            if exception is None and _ADDITION_REF.fullmatch(exc_tok):
                exception = exc_tok
            if exception is None or node.id.startswith("LicenseRef-") or "DocumentRef-" in node.id:
                raise _ParseError(text)
            node = replace(node, exception=exception)
        return node

    def operator_word(tok: str) -> bool:
        return (tok if strict else tok.upper()) in ("AND", "OR", "WITH")

    if not tokens:
        raise _ParseError(text)
    node = expr(0, "OR")
    if pos != len(tokens):
        raise _ParseError(text)
    return node


def _restamp(node: _Node, method: str, fragment: str, t: _Tables) -> _Node:
    """A table's node as recognised by ``method`` from the declared ``fragment``."""
    if isinstance(node, _Op):
        return _Op(node.op, tuple(_restamp(arg, method, fragment, t) for arg in node.args))
    if node.id.startswith(UNKNOWN_PREFIX):
        return replace(node, method="unknown", unknown=fragment.strip())
    if node.id in t.ambiguous:
        return replace(node, method=method, unknown=fragment.strip())
    return replace(node, method=method, unknown=None)


# ----------------------------------------------------------------------------- free text

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)\S+$|^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*$", re.I)
_OR_SPLIT = re.compile(
    r"\s+(?:or|and/or)\s+(?!(?:any\s+)?(?:later|newer|greater|higher|above)\b)|\s*[|;]\s*", re.I)
_AND_SPLIT = re.compile(
    r"\s+and\s+(?!(?:any\s+)?(?:later|newer|greater|higher|above)\b)|\s*&\s*", re.I)
_SLASH_SPLIT = re.compile(r"\s*/\s*")
_COMMA_SPLIT = re.compile(r"\s*,\s*")
_WITH = re.compile(r"^(?P<license>.+?)\s*,?\s+(?:with|w/)\s+(?:the\s+|an?\s+)?(?P<exception>.+)$",
                   re.I)
_PAREN = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]\s*")
_WRAP = " \t\"'`*.,;:"
_VERSION_ONLY = re.compile(r"^(?:version|ver\.?|v)?\s*\d+(?:\.\d+)*\.?$", re.I)


def _split_top(text: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """``text`` split at matches of ``pattern`` outside brackets: (separator before, part)."""
    depth_at = []
    depth = 0
    for ch in text:
        depth_at.append(depth)
        depth += (ch in "([") - (ch in ")]")
    parts: list[tuple[str, str]] = []
    sep, start = "", 0
    for m in pattern.finditer(text):
        if m.end() > m.start() and depth_at[m.start()] == 0:
            parts.append((sep, text[start:m.start()]))
            sep, start = m.group(), m.end()
    parts.append((sep, text[start:]))
    return [(sep, part.strip()) for sep, part in parts if part.strip(_WRAP + "()[]")]


def _split_names(text: str, pattern: re.Pattern[str], t: _Tables) -> list[str]:
    """Split ``text``, then glue back pieces that only make sense together.

    "Common Development and Distribution License", "Apache License, Version 2.0": a piece is
    joined to the one before when either is not a license by itself and the two together are
    (or when the piece is only a version number).
    """
    merged: list[str] = []
    for sep, part in _split_top(text, pattern):
        if merged:
            joined = f"{merged[-1]}{sep}{part}"
            if _VERSION_ONLY.match(part) or (
                    (_lookup(merged[-1], t) is None or _lookup(part, t) is None)
                    and _lookup(joined, t) is not None):
                merged[-1] = joined
                continue
        merged.append(part)
    return merged


def _unwrap(text: str) -> str:
    """Strip quotes, trailing punctuation and brackets around the whole string."""
    while True:
        s = text.strip().strip(_WRAP).strip()
        if len(s) > 1 and s[0] in "([" and s[-1] in ")]" and _balanced(s[1:-1]):
            s = s[1:-1]
        if s == text:
            return s
        text = s


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch in "([") - (ch in ")]")
        if depth < 0:
            return False
    return depth == 0


def _clean(text: str, t: _Tables) -> tuple[str, bool]:
    """Drop noise ("Licensed under the", "see LICENSE", "dual licensed") around a declaration."""
    dual = False
    s = re.sub(r"\bw/\s*", "with ", _unwrap(" ".join(_fold(text).split())), flags=re.I)
    changed = t.noise_any.search(s) is not None
    while changed and s:
        changed = False
        for pattern, is_dual in t.noise:
            stripped = _unwrap(pattern.sub("", s, count=1))
            if stripped != s:
                s, dual, changed = stripped, dual or is_dual, True
    return s, dual


def _lookup(text: str, t: _Tables, parens: bool = True) -> _Node | None:
    """One license (or one table entry) named by ``text``, or None.

    With ``parens``, "Name (abbreviation)" is also tried as "Name" and as "abbreviation".
    """
    if " " not in text:
        node = _id_leaf(text, t)
        if node is not None:
            return node
    low = text.lower()
    if "::" in low:  # a trove classifier, maybe without its "License ::" head
        key = _classifier_key(text if low.startswith("license ::") else f"License :: {text}")
        hit = t.classifiers.get(key)
        if hit is not None or low.startswith("license ::"):
            return None if hit is None else _restamp(hit, "classifier", text, t)
    if _URL.match(text):
        return _lookup_url(text, t)
    named = t.names.get(_plain(text))
    if named is not None:
        return _restamp(named[0], named[1], text, t)
    key = _key(text)
    keyed = t.keys.get(key)
    if keyed is not None:
        return _restamp(keyed[0], keyed[1], text, t)
    if key.endswith(" +"):
        base = t.keys.get(key[:-2])
        if base is not None and isinstance(base[0], _Leaf) and base[0].exception is None \
                and not base[0].id.startswith("LicenseRef-"):
            return _plus(replace(base[0], method=base[1], unknown=None), t)
    folded = " ".join(low.split())
    for pattern, node in t.patterns:
        if pattern.search(folded):
            return _restamp(node, "alias", text, t)
    matches = list(_PAREN.finditer(text)) if parens else []
    if matches:
        m = matches[-1]  # "Mozilla Public License 2.0 (MPL 2.0)", "ISC License (ISCL)"
        outer = (text[: m.start()] + " " + text[m.end():]).strip()
        inner = m.group(1).strip()
        found = [n for n in (_lookup(outer, t) if outer else None,
                             _lookup(inner, t) if inner else None) if n is not None]
        found.sort(key=lambda n: not _is_known(n))
        if found:
            return found[0]
    return None


def _lookup_url(text: str, t: _Tables) -> _Node | None:
    key = _url_key(text)
    node = t.urls.get(key)
    if node is not None:
        return _restamp(node, "url", text, t)
    for pattern, template in t.url_patterns:
        m = pattern.match(key)
        if m:
            node = _lookup(template.format(**m.groupdict()), t)
            if node is not None:
                return _restamp(node, "url", text, t)
    return None


def _lookup_exception(text: str, t: _Tables) -> str | None:
    s = _unwrap(text)
    return t.exceptions.get(s.lower()) or t.exception_keys.get(_key(s))


def _is_known(node: _Node) -> bool:
    return all(leaf.unknown is None for leaf in _leaves(node))


def _recognised(node: _Node) -> bool:
    return any(leaf.method != "unknown" for leaf in _leaves(node))


def _resolve(text: str, t: _Tables, dual: bool, depth: int = 0, *, clean: bool = True) -> _Node:
    """Free text (a whole declaration or one part of it) as an expression tree.

    In order: a table entry; an SPDX expression; operators (OR words, AND words, "/"),
    "X with <exception>", "Name (abbreviation)", comma lists. An operator is only taken as
    one when at least one side is recognised ("Common Development and Distribution License"
    stays one unknown name).
    """
    s, more_dual = _clean(text, t) if clean else (text, False)
    dual = dual or more_dual
    if not s or depth > _MAX_DEPTH or not _key(s).strip(" +"):
        return _unknown(text)
    node = _lookup(s, t, parens=False)
    if node is not None:
        return node
    try:
        return _parse(s, t, strict=False)
    except _ParseError:
        pass
    splitters: tuple[tuple[re.Pattern[str], str], ...] = (
        (_OR_SPLIT, "OR"), (_AND_SPLIT, "OR" if dual else "AND"), (_SLASH_SPLIT, "OR"))
    for pattern, op in splitters:
        if pattern is _SLASH_SPLIT and re.search(r"://|www\.|\.(?:org|com|net|io)/", s, re.I):
            continue
        parts = _split_names(s, pattern, t)
        if len(parts) > 1:
            nodes = [_resolve(p, t, dual, depth + 1) for p in parts]
            if any(_recognised(n) for n in nodes):
                return _combine(op, nodes)
    m = _WITH.match(s)
    if m:
        exception = _lookup_exception(m["exception"], t)
        base = _resolve(m["license"], t, dual, depth + 1)
        if exception and isinstance(base, _Leaf) and base.exception is None \
                and base.unknown is None and not base.id.startswith("LicenseRef-"):
            return replace(base, exception=exception)
    node = _lookup(s, t)
    if node is not None:
        return node
    parts = _split_names(s, _COMMA_SPLIT, t)
    if len(parts) > 1:  # a bare list: AND (comply with all), OR when declared "dual"
        nodes = [_resolve(p, t, dual, depth + 1) for p in parts]
        if any(_recognised(n) for n in nodes):
            return _combine("OR" if dual else "AND", nodes)
    return _unknown(s)


# ----------------------------------------------------------------------------- public API


def _result(node: _Node, original: str, method: str | None = None) -> NormalizedLicense:
    leaves = list(_leaves(node))
    unknown = tuple(dict.fromkeys(leaf.unknown for leaf in leaves if leaf.unknown is not None))
    if method is None:
        methods = [leaf.method for leaf in leaves if leaf.method in _METHOD_RANK]
        method = max(methods, key=_METHOD_RANK.__getitem__) if methods else "unknown"
    return NormalizedLicense(_render(node), original, not unknown, method, unknown)


def looks_like_license_text(text: str) -> bool:
    """True when ``text`` is a whole license text (or a license notice), not a license name.

    Such a field ("Permission is hereby granted ...", "Redistribution and use ...", the Apache
    header, a long multi-line text) cannot be named by a lookup: ``normalize`` returns
    method ``"text"`` and the caller identifies the text.
    """
    if not isinstance(text, str):
        return False
    s = text.strip()
    if len(s) < 100:
        return False
    if len(s) >= 1000:
        return True
    lines = sum(1 for line in s.splitlines() if line.strip())
    if lines >= 4 and len(s) >= 200:
        return True
    folded = " ".join(s.lower().split())
    return any(marker in folded for marker in _tables().text_markers)


def normalize(text: str) -> NormalizedLicense:
    """The declared license string ``text`` as one canonical SPDX expression (see module doc).

    Never raises; the returned expression is always a syntactically valid SPDX expression.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return _normalize(text)


@functools.lru_cache(maxsize=16384)
def _normalize(text: str) -> NormalizedLicense:
    t = _tables()
    stripped = text.strip()
    if looks_like_license_text(stripped):
        return NormalizedLicense(TEXT_EXPRESSION, text, False, "text", (stripped,))
    s = " ".join(_fold(stripped).split())
    try:
        return _result(_parse(s, t, strict=False), text)
    except _ParseError:
        pass
    cleaned, dual = _clean(s, t)
    if _plain(s) in t.empty or (cleaned and _plain(cleaned) in t.empty):
        return NormalizedLicense(EMPTY_EXPRESSION, text, False, "empty")
    node = _resolve(cleaned, t, dual, clean=False) if cleaned else _unknown(s)
    result = _result(node, text)
    if result.method in ("spdx", "deprecated"):
        # not an SPDX expression as written ("MIT/Apache-2.0", "License: MIT", "MIT*"): the
        # ids are SPDX ids, but reading the rest was an interpretation
        result = replace(result, method="alias")
    return result


def from_classifiers(classifiers: Sequence[str]) -> NormalizedLicense | None:
    """The license named by a package's trove classifiers, or None when none maps.

    Only ``License ::`` classifiers count; ``License :: OSI Approved`` alone names nothing.
    Several license classifiers are combined with OR (PyPI semantics: the user may pick);
    an unversioned GNU classifier next to a versioned one of the same family is dropped.
    ``method`` is ``"classifier"``.
    """
    t = _tables()
    present: dict[str, str] = {}
    for classifier in classifiers:
        if not isinstance(classifier, str):
            continue
        key = _classifier_key(classifier.strip())
        if key.startswith("license ::") and key not in t.classifier_ignore:
            present.setdefault(key, " :: ".join(p.strip() for p in classifier.split("::")))
    for key, prefix in t.classifier_generic.items():
        if key in present and any(k != key and k.startswith(prefix) for k in present):
            del present[key]
    nodes: list[_Node] = []
    mapped = False
    for key, classifier in present.items():
        node = t.classifiers.get(key)
        if node is None:
            tail = classifier.split("::")[-1]
            nodes.append(_Leaf(UNKNOWN_PREFIX + _slug(tail), method="unknown", unknown=classifier))
        else:
            mapped = True
            nodes.append(_restamp(node, "classifier", classifier, t))
    if not mapped:
        return None
    return _result(_combine("OR", nodes), "\n".join(present.values()), "classifier")


def is_valid_spdx(expression: str) -> bool:
    """True when ``expression`` is a valid SPDX license expression.

    Operators must be upper case (AND, OR, WITH); ids are matched case-insensitively against
    the SPDX License List (deprecated ids are still valid); ``LicenseRef-``/``DocumentRef-``
    references and ``AdditionRef-`` exceptions are allowed.
    """
    if not isinstance(expression, str):
        return False
    try:
        _parse(expression, _tables(), strict=True)
    except _ParseError:
        return False
    return True


def _cache_clear() -> None:
    """For benchmarks: forget normalised strings (the tables stay loaded)."""
    _normalize.cache_clear()
    _key.cache_clear()

