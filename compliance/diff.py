"""What changed between two SBOMs: components added, removed, re-versioned, re-scoped or
re-licensed. ``compliance diff OLD NEW`` prints it; :mod:`compliance.report.baseline` shares
the identities defined here.

Identity
    A component is the same in both SBOMs when it has the same **ecosystem and name**: the purl
    type and the purl's namespace/name (PyPI names PEP 503-normalised, others compared
    case-insensitively); without a purl, ``generic`` and the component's name. Version,
    qualifiers (``repository_url``, ``vcs_url`` ...), bom-refs and the tool that wrote the SBOM
    play no part, so an SBOM from Syft can be compared with one from this tool.

Matching
    Components of one identity are matched by equal versions first; the rest are paired from
    the highest version down (old ``[1.0, 2.0]`` and new ``[2.1]`` give ``2.0 -> 2.1`` and
    ``1.0`` removed); what is left over is added or removed. A pair with different versions is
    ``upgraded`` or ``downgraded`` when both versions parse with :mod:`packaging.version`, and
    ``changed`` otherwise (``1.0.0-debian`` -> ``1.1``, a version appearing or disappearing).
    Versions that are equal once parsed (``1.0`` and ``1.0.0``) are the same version.

Licenses
    For every matched pair the declared license (CycloneDX ``licenses``) and the concluded one
    (``evidence.licenses``) are compared separately. Two expressions are the same license when
    they offer the same alternatives made of the same terms, whatever their order and case
    (``MIT OR Apache-2.0`` is ``apache-2.0 or mit``): see :func:`license_key`.

Scope
    CycloneDX ``scope`` (``required``, ``optional``, ``excluded``); a component without one is
    ``required``, as the specification says.

JSON shape (``--format json``; ``version`` 1; lists sorted by ecosystem, name, version)::

    {
      "version": 1,
      "old": {"file": "old.cdx.json", "components": 12},
      "new": {"file": "new.cdx.json", "components": 13},
      "added":   [COMPONENT, ...],
      "removed": [COMPONENT, ...],
      "changed": [{"ecosystem": "pypi", "name": "torch",
                   "old": {"version": "2.2.0", "purl": "pkg:pypi/torch@2.2.0", "scope": "required"},
                   "new": {"version": "2.3.1", "purl": "pkg:pypi/torch@2.3.1", "scope": "required"},
                   "version_change": "upgraded",     # upgraded | downgraded | changed | null
                   "scope_change": false}, ...],
      "license_changes": [{"ecosystem": "pypi", "name": "foo", "old_version": "1.0",
                           "version": "2.0", "which": "declared",   # declared | concluded
                           "old": "MIT", "new": "Apache-2.0"}, ...],   # null: no license
      "summary": {"added": 1, "removed": 1, "upgraded": 1, "downgraded": 0,
                  "version_changed": 0, "scope_changed": 0, "license_changed": 1,
                  "unchanged": 10}
    }

where ``COMPONENT`` is ``{"ecosystem", "name", "version", "purl", "scope", "direct",
"license", "concluded"}``. ``changed`` holds every matched pair whose version or scope differs
(a pair can be both); ``unchanged`` counts the pairs with no version, scope or license change.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import orjson
from packaging.version import InvalidVersion, Version

from compliance.licenses.expression import EMPTY_EXPRESSION
from compliance.model import Component, Inventory, ResolvedLicense, canonical_name
from compliance.report.messages import message

__all__ = [
    "FORMATS",
    "SCHEMA_VERSION",
    "ComponentChange",
    "ComponentInfo",
    "LicenseChange",
    "SbomDiff",
    "compare_versions",
    "component_identity",
    "diff_inventories",
    "diff_sboms",
    "license_key",
    "render",
    "to_json",
]

SCHEMA_VERSION = 1
FORMATS = ("text", "json", "markdown")
_COLLAPSE_ROWS = 25  # Markdown tables longer than this are folded into <details>

Identity = tuple[str, str]


# ----------------------------------------------------------------------------- identities


def component_identity(purl: str | None, name: str | None) -> Identity:
    """(ecosystem, name) of a package, the part of its identity that survives a version bump:
    the purl's type and namespace/name (PyPI names PEP 503-normalised, others lower-cased);
    without a purl, ``("generic", name)``."""
    if purl:
        parsed = _purl_identity(purl)
        if parsed is not None:
            return parsed
    return "generic", (name or "").strip().lower()


@functools.lru_cache(maxsize=65536)
def _purl_identity(purl: str) -> Identity | None:
    text = purl.strip()
    if not text.lower().startswith("pkg:"):
        return None
    text = text[4:].lstrip("/")
    text = text.split("#", 1)[0].split("?", 1)[0]
    kind, sep, rest = text.partition("/")
    if not sep or not kind or not rest:
        return None
    # the version follows the last '@' of the last segment (an npm scope is '%40' encoded)
    head, slash, last = rest.rstrip("/").rpartition("/")
    last = last.split("@", 1)[0]
    path = f"{head}{slash}{last}" if head else last
    name = "/".join(unquote(part) for part in path.split("/") if part)
    if not name:
        return None
    kind = kind.lower()
    return kind, canonical_name(name) if kind == "pypi" else name.lower()


@functools.lru_cache(maxsize=8192)
def license_key(expression: str | None) -> str:
    """A canonical form of a license expression for comparing two of them: its alternatives,
    each the sorted set of its terms, sorted, lower-cased (``Apache-2.0 OR MIT`` and
    ``mit OR apache-2.0`` give the same key). No license (None, empty, NOASSERTION) is ``""``."""
    if expression is None or not expression.strip() or expression == EMPTY_EXPRESSION:
        return ""
    from compliance.policy.evaluate import alternatives

    choices = {" and ".join(sorted({str(t).lower() for t in choice}))
               for choice in alternatives(expression)}
    return " or ".join(f"({c})" if " and " in c and len(choices) > 1 else c
                       for c in sorted(choices))


def compare_versions(old: str | None, new: str | None) -> str | None:
    """``upgraded``, ``downgraded``, ``changed`` (versions that do not both parse), or None
    when the versions are the same (as strings, or once parsed: ``1.0`` is ``1.0.0``)."""
    if old == new:
        return None
    if old is None or new is None:
        return "changed"
    try:
        a, b = Version(old), Version(new)
    except InvalidVersion:
        return "changed"
    if a < b:
        return "upgraded"
    if a > b:
        return "downgraded"
    return None


def _version_order(version: str | None) -> tuple[int, Version, str]:
    """Sorts versions: parseable ones by PEP 440, then the others as text, then no version."""
    if version is None:
        return 2, Version("0"), ""
    try:
        return 0, Version(version), version
    except InvalidVersion:
        return 1, Version("0"), version


# ----------------------------------------------------------------------------- the diff


@dataclass(frozen=True)
class ComponentInfo:
    """What the diff shows of one component."""

    ecosystem: str
    name: str
    version: str | None
    purl: str | None
    scope: str
    direct: bool
    license: str | None  # declared
    concluded: str | None

    @property
    def label(self) -> str:
        """``pypi/requests``."""
        return f"{self.ecosystem}/{self.name}"

    def order(self) -> tuple[str, str, tuple[int, Version, str], str]:
        """Sort key: ecosystem, name, version, purl."""
        return self.ecosystem, self.name, _version_order(self.version), self.purl or ""

    def to_json(self) -> dict[str, Any]:
        """The documented ``COMPONENT`` object."""
        return {"ecosystem": self.ecosystem, "name": self.name, "version": self.version,
                "purl": self.purl, "scope": self.scope, "direct": self.direct,
                "license": self.license, "concluded": self.concluded}


@dataclass(frozen=True)
class ComponentChange:
    """One component in both SBOMs whose version or scope differs."""

    old: ComponentInfo
    new: ComponentInfo
    version_change: str | None  # upgraded | downgraded | changed | None

    @property
    def scope_change(self) -> bool:
        """True when the scope differs."""
        return self.old.scope != self.new.scope

    def to_json(self) -> dict[str, Any]:
        """The documented ``changed`` entry."""
        return {
            "ecosystem": self.new.ecosystem, "name": self.new.name,
            "old": {"version": self.old.version, "purl": self.old.purl, "scope": self.old.scope},
            "new": {"version": self.new.version, "purl": self.new.purl, "scope": self.new.scope},
            "version_change": self.version_change,
            "scope_change": self.scope_change,
        }


@dataclass(frozen=True)
class LicenseChange:
    """The declared or concluded license of one component, before and after."""

    old_component: ComponentInfo
    component: ComponentInfo
    which: str  # declared | concluded
    old: str | None
    new: str | None

    def to_json(self) -> dict[str, Any]:
        """The documented ``license_changes`` entry."""
        return {"ecosystem": self.component.ecosystem, "name": self.component.name,
                "old_version": self.old_component.version, "version": self.component.version,
                "which": self.which, "old": self.old, "new": self.new}


@dataclass
class SbomDiff:
    """Everything that differs between two SBOMs, sorted."""

    old_file: str
    new_file: str
    old_components: int
    new_components: int
    added: list[ComponentInfo] = field(default_factory=list)
    removed: list[ComponentInfo] = field(default_factory=list)
    changed: list[ComponentChange] = field(default_factory=list)
    license_changes: list[LicenseChange] = field(default_factory=list)
    unchanged: int = 0

    def versions(self, kind: str) -> list[ComponentChange]:
        """The changes whose ``version_change`` is ``kind``."""
        return [c for c in self.changed if c.version_change == kind]

    @property
    def scope_changes(self) -> list[ComponentChange]:
        """The changes of scope."""
        return [c for c in self.changed if c.scope_change]

    @property
    def summary(self) -> dict[str, int]:
        """Counts of every kind of change."""
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "upgraded": len(self.versions("upgraded")),
            "downgraded": len(self.versions("downgraded")),
            "version_changed": len(self.versions("changed")),
            "scope_changed": len(self.scope_changes),
            "license_changed": len(self.license_changes),
            "unchanged": self.unchanged,
        }

    @property
    def empty(self) -> bool:
        """True when nothing differs."""
        return not (self.added or self.removed or self.changed or self.license_changes)


def _expression(resolved: ResolvedLicense | None) -> str | None:
    if resolved is None or not resolved.expression.strip() \
            or resolved.expression == EMPTY_EXPRESSION:
        return None
    return resolved.expression


def _info(comp: Component) -> ComponentInfo:
    ecosystem, name = component_identity(comp.purl, comp.name)
    return ComponentInfo(ecosystem, name, comp.version, comp.purl, comp.scope.value,
                         comp.direct, _expression(comp.license), _expression(comp.concluded))


def _by_identity(inv: Inventory) -> dict[Identity, list[ComponentInfo]]:
    groups: dict[Identity, list[ComponentInfo]] = defaultdict(list)
    for comp in inv.components.values():
        info = _info(comp)
        groups[(info.ecosystem, info.name)].append(info)
    for infos in groups.values():
        infos.sort(key=ComponentInfo.order)
    return groups


def _pairs(old: list[ComponentInfo], new: list[ComponentInfo]
           ) -> tuple[list[tuple[ComponentInfo, ComponentInfo]], list[ComponentInfo],
                      list[ComponentInfo]]:
    """Match one identity's components: equal versions first, then from the highest down."""
    pairs: list[tuple[ComponentInfo, ComponentInfo]] = []
    rest_new = list(new)
    rest_old: list[ComponentInfo] = []
    for o in old:
        same = next((n for n in rest_new if n.version == o.version), None)
        if same is None:
            rest_old.append(o)
        else:
            rest_new.remove(same)
            pairs.append((o, same))
    rest_old.sort(key=ComponentInfo.order, reverse=True)
    rest_new.sort(key=ComponentInfo.order, reverse=True)
    count = min(len(rest_old), len(rest_new))
    pairs.extend(zip(rest_old[:count], rest_new[:count], strict=True))
    return pairs, rest_old[count:], rest_new[count:]


def diff_inventories(old: Inventory, new: Inventory, old_file: str = "old",
                     new_file: str = "new") -> SbomDiff:
    """Compare two inventories (see the module docstring for the rules)."""
    result = SbomDiff(old_file, new_file, len(old.components), len(new.components))
    before, after = _by_identity(old), _by_identity(new)
    for identity in sorted(set(before) | set(after)):
        pairs, removed, added = _pairs(before.get(identity, []), after.get(identity, []))
        result.removed.extend(removed)
        result.added.extend(added)
        for o, n in pairs:
            version_change = compare_versions(o.version, n.version)
            changed = version_change is not None or o.scope != n.scope
            if changed:
                result.changed.append(ComponentChange(o, n, version_change))
            licensed = False
            for which, a, b in (("declared", o.license, n.license),
                                ("concluded", o.concluded, n.concluded)):
                if license_key(a) != license_key(b):
                    result.license_changes.append(LicenseChange(o, n, which, a, b))
                    licensed = True
            if not changed and not licensed:
                result.unchanged += 1
    result.added.sort(key=ComponentInfo.order)
    result.removed.sort(key=ComponentInfo.order)
    result.changed.sort(key=lambda c: (c.new.order(), c.old.order()))
    result.license_changes.sort(key=lambda c: (c.component.order(), c.which != "declared"))
    return result


def diff_sboms(old: Path, new: Path, old_name: str | None = None,
               new_name: str | None = None) -> tuple[SbomDiff, list[str]]:
    """Read two CycloneDX SBOMs (JSON or XML, any tool) and compare them. Returns the diff and
    the problems met reading them (``path: severity: message``). Raises
    :class:`~compliance.sbom.read.SbomReadError` (an ``InputError``) on unreadable input."""
    from compliance.sbom.read import read_sbom

    problems: list[str] = []
    inventories: list[Inventory] = []
    for path in (old, new):
        read = read_sbom(path)
        inventories.append(read.inventory)
        problems.extend(str(d) for d in read.diagnostics)
    return diff_inventories(inventories[0], inventories[1], old_name or str(old),
                            new_name or str(new)), problems


# ----------------------------------------------------------------------------- output


def to_json(diff: SbomDiff) -> dict[str, Any]:
    """The documented JSON document."""
    return {
        "version": SCHEMA_VERSION,
        "old": {"file": diff.old_file, "components": diff.old_components},
        "new": {"file": diff.new_file, "components": diff.new_components},
        "added": [c.to_json() for c in diff.added],
        "removed": [c.to_json() for c in diff.removed],
        "changed": [c.to_json() for c in diff.changed],
        "license_changes": [c.to_json() for c in diff.license_changes],
        "summary": diff.summary,
    }


def _plural(lang: str, key: str, n: int) -> str:
    return message(lang, f"{key}.{'one' if n == 1 else 'other'}", n=n)


def summary_line(diff: SbomDiff, lang: str = "en") -> str:
    """One line: the component counts and every kind of change that happened."""
    s = diff.summary
    parts = [message(lang, f"diff.count.{key}", n=s[key])
             for key in ("added", "removed", "upgraded", "downgraded") if s[key]]
    parts += [_plural(lang, f"diff.count.{key}", s[key])
              for key in ("version_changed", "license_changed", "scope_changed") if s[key]]
    changes = message(lang, "diff.list_separator").join(parts) if parts \
        else message(lang, "diff.no_changes")
    return message(lang, "diff.summary", old=diff.old_components, new=diff.new_components,
                   changes=changes)


def _version(lang: str, version: str | None) -> str:
    return version if version is not None else message(lang, "diff.no_version")


def _license(lang: str, expression: str | None) -> str:
    return expression if expression is not None else message(lang, "diff.no_license")


def _scope(lang: str, scope: str) -> str:
    return message(lang, f"diff.scope.{scope}") if scope in ("required", "optional",
                                                             "excluded") else scope


def _text_component(lang: str, sign: str, c: ComponentInfo) -> str:
    facts = [_scope(lang, c.scope)] + ([message(lang, "diff.direct")] if c.direct else [])
    licenses = _license(lang, c.license)
    if c.concluded is not None and license_key(c.concluded) != license_key(c.license):
        licenses += "; " + message(lang, "diff.concluded_as", license=c.concluded)
    return (f"  {sign} {c.label} {_version(lang, c.version)}  [{licenses}]  "
            f"{message(lang, 'diff.list_separator').join(facts)}")


def render_text(diff: SbomDiff, lang: str = "en") -> str:
    """The report for a terminal."""
    out = [message(lang, "diff.title", old=diff.old_file, new=diff.new_file),
           summary_line(diff, lang)]

    def section(key: str, lines: list[str]) -> None:
        if lines:
            out.extend(["", message(lang, key, n=len(lines)), *lines])

    section("diff.section.added", [_text_component(lang, "+", c) for c in diff.added])
    section("diff.section.removed", [_text_component(lang, "-", c) for c in diff.removed])
    for kind, sign in (("upgraded", "^"), ("downgraded", "v"), ("changed", "~")):
        section(f"diff.section.{kind}", [
            f"  {sign} {c.new.label} {_version(lang, c.old.version)} -> "
            f"{_version(lang, c.new.version)}" for c in diff.versions(kind)])
    section("diff.section.license", ["  * " + message(
        lang, "diff.license_line", component=c.component.label,
        version=_version(lang, c.component.version), which=message(lang, f"diff.which.{c.which}"),
        old=_license(lang, c.old), new=_license(lang, c.new)) for c in diff.license_changes])
    section("diff.section.scope", ["  * " + message(
        lang, "diff.scope_line", component=c.new.label, version=_version(lang, c.new.version),
        old=_scope(lang, c.old.scope), new=_scope(lang, c.new.scope))
        for c in diff.scope_changes])
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{text.replace('`', '')}`"


def _table(lang: str, heading: str, columns: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    head = [message(lang, f"diff.md.col.{c}") for c in columns]
    body = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    body += ["| " + " | ".join(row) + " |" for row in rows]
    title = message(lang, heading, n=len(rows))
    if len(rows) > _COLLAPSE_ROWS:
        return ["", f"<details><summary><strong>{title}</strong></summary>", "", *body, "",
                "</details>"]
    return ["", f"#### {title}", "", *body]


def render_markdown(diff: SbomDiff, lang: str = "en") -> str:
    """The report for a pull-request comment: a summary line, then one table per change."""
    title = message(lang, "diff.md.title", old=_code(diff.old_file), new=_code(diff.new_file))
    out = [f"### {title}", "", f"**{_cell(summary_line(diff, lang))}**"]

    def component_rows(items: list[ComponentInfo]) -> list[list[str]]:
        return [[_code(c.label), _cell(_version(lang, c.version)),
                 _cell(_license(lang, c.license)), _scope(lang, c.scope)] for c in items]

    out += _table(lang, "diff.section.added", ["component", "version", "license", "scope"],
                  component_rows(diff.added))
    out += _table(lang, "diff.section.removed", ["component", "version", "license", "scope"],
                  component_rows(diff.removed))
    versions = [c for c in diff.changed if c.version_change is not None]
    out += _table(lang, "diff.section.versions", ["component", "old", "new", "change"], [
        [_code(c.new.label), _cell(_version(lang, c.old.version)),
         _cell(_version(lang, c.new.version)),
         message(lang, f"diff.change.{c.version_change}")] for c in versions])
    out += _table(lang, "diff.section.license", ["component", "version", "which", "old", "new"], [
        [_code(c.component.label), _cell(_version(lang, c.component.version)),
         message(lang, f"diff.which.{c.which}"), _cell(_license(lang, c.old)),
         _cell(_license(lang, c.new))] for c in diff.license_changes])
    out += _table(lang, "diff.section.scope", ["component", "version", "old", "new"], [
        [_code(c.new.label), _cell(_version(lang, c.new.version)), _scope(lang, c.old.scope),
         _scope(lang, c.new.scope)] for c in diff.scope_changes])
    return "\n".join(out) + "\n"


def render(diff: SbomDiff, fmt: str, lang: str = "en") -> str:
    """``diff`` in ``fmt`` (text, json or markdown); ``lang`` for text and Markdown."""
    if fmt == "json":
        return orjson.dumps(to_json(diff), option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"
    if fmt == "markdown":
        return render_markdown(diff, lang)
    if fmt == "text":
        return render_text(diff, lang)
    raise ValueError(f"unknown diff format {fmt!r}: one of {', '.join(FORMATS)}")
