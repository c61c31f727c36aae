"""What every risk check shares: the :class:`Check` record and helpers that build findings.

A check is a function ``Inventory -> list[Finding]`` with an id (``risk/<name>``), a default
severity, why its findings matter and how to fix them. Findings carry ``rule`` (the check id),
``pack="risks"``, the component's ref, name, version and purl, and the first place (by path,
then line) the component was declared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from compliance.model import Component, Finding, Inventory, Location, Severity
from compliance.report.messages import DEFAULT_LANG, message

__all__ = [
    "PACK",
    "Check",
    "finding",
    "first_location",
    "inventory_finding",
    "is_commit",
    "localized",
    "properties",
    "show_url",
]

PACK = "risks"
LANGUAGES = ("zh-CN",)
"""The languages besides English a risk finding's message and fix are written in too; the
texts are in the message catalogs (``compliance/data/messages/<lang>.yaml``, keys ``risk.*``)."""

Texts = tuple[str, str, tuple[tuple[str, str, str], ...]]
PROPERTY_PREFIXES = ("compliance:", "ml:")

_COMMIT = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")


@dataclass(frozen=True)
class Check:
    """One risk check: ``run(inventory)`` gives its findings.

    ``severity`` is the default; a finding may be milder or stronger where the check says so
    (``risk/no-hashes`` is info for components that do not ship, ``risk/direct-url`` an error
    over plain HTTP). ``why`` and ``fix`` are the general texts; each finding's own message and
    fix name the component and what was found.
    """

    id: str
    severity: Severity
    title: str  # one line: what it finds
    why: str
    fix: str
    run: Callable[[Inventory], list[Finding]]

    @property
    def name(self) -> str:
        """The id without ``risk/``."""
        return self.id.split("/", 1)[-1]

    @property
    def family(self) -> str:
        """The module the check lives in: ``pinning``, ``sources``, ``typosquat`` ..."""
        return self.run.__module__.rsplit(".", 1)[-1]

    def __call__(self, inv: Inventory) -> list[Finding]:
        return self.run(inv)


def first_location(comp: Component) -> Location | None:
    """The component's first occurrence, by path then line."""
    occ = comp.occurrences
    if not occ:
        return None
    if len(occ) == 1:
        return occ[0]
    return min(occ, key=lambda loc: (loc.path, loc.line or 0))


def localized(render: Callable[[str], tuple[str, str]]) -> Texts:
    """A finding's message and fix in English and in every language of LANGUAGES:
    ``render(lang)`` gives them in one language (from the catalogs, see :func:`text`)."""
    msg, fix = render(DEFAULT_LANG)
    return msg, fix, tuple((lang, *render(lang)) for lang in LANGUAGES)


def text(lang: str, key: str, **params: object) -> str:
    """The catalog message ``risk.<key>`` in ``lang``."""
    return message(lang, f"risk.{key}", **params)


def _texts(texts: Texts | str, fix: str | None) -> Texts:
    return (texts, fix or "", ()) if isinstance(texts, str) else texts


def finding(rule: str, comp: Component, texts: Texts | str, fix: str | None = None, *,
            severity: Severity, license: str | None = None) -> Finding:
    """A finding about one component; ``texts`` from :func:`localized` (or the message in
    English, and ``fix``)."""
    msg, fix, translations = _texts(texts, fix)
    return Finding(
        rule=rule, severity=severity, message=msg, fix=fix, component_ref=comp.ref,
        component_name=comp.name, component_version=comp.version, purl=comp.purl,
        license=license, location=first_location(comp), pack=PACK, translations=translations)


def inventory_finding(rule: str, texts: Texts | str, fix: str | None = None, *,
                      severity: Severity, location: Location | None = None) -> Finding:
    """A finding about the repository or SBOM as a whole (no component)."""
    msg, fix, translations = _texts(texts, fix)
    return Finding(rule=rule, severity=severity, message=msg, fix=fix, location=location,
                   pack=PACK, translations=translations)


def who(comp: Component) -> str:
    """``'name 1.2.3'`` or ``'name'``, quoted, for messages."""
    return f"'{comp.name} {comp.version}'" if comp.version else f"'{comp.name}'"


def is_commit(text: str | None) -> bool:
    """True for a full commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories)."""
    return bool(text) and _COMMIT.match(text or "") is not None


_ENV_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_SECRET_FREE_USERS = frozenset({"git", "hg", "svn", "anonymous", "__token__"})


def show_url(url: str | None) -> str:
    """A URL fit for a message: credentials hidden (``https://user:****@host``, a bare token
    user as ``****``; ``${VAR}`` references and ``git@`` kept); "PyPI" for None."""
    if not url:
        return "PyPI"
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    if "@" not in netloc:
        return url
    userinfo, _, host = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if colon:
        if not password or _ENV_VAR.fullmatch(password):
            return url
        safe = f"{user}:****"
    elif _ENV_VAR.fullmatch(user) or user.lower() in _SECRET_FREE_USERS:
        return url
    else:
        safe = "****"
    return f"{scheme}://{safe}@{host}{slash}{path}"


def show_urls(urls: Iterable[str]) -> str:
    """Several URLs, sorted, for a message."""
    return ", ".join(show_url(u) for u in sorted(urls))


def properties(comp: Component) -> dict[str, list[str]]:
    """The component's ``properties`` (a tuple of (name, value) pairs, when the model has the
    field) by name, without a ``compliance:`` or ``ml:`` prefix (the ML scanners write
    ``ml:``); ``{}`` when there are none."""
    raw = getattr(comp, "properties", None)
    if not raw:
        return {}
    out: dict[str, list[str]] = {}
    items = raw.items() if isinstance(raw, dict) else raw
    for pair in items:
        try:
            name, value = pair
        except (TypeError, ValueError):
            continue
        if not isinstance(name, str):
            continue
        for prefix in PROPERTY_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix):]
                break
        out.setdefault(name, []).append(str(value))
    return out
