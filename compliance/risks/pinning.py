"""Pinning: is what gets installed fixed, and can the installer tell it got the right bytes?

* ``risk/unpinned``: a required Python package declared without an exact version and resolved by
  no lockfile, in a repository that locks or pins its other dependencies;
* ``risk/unlocked-repository``: Python dependencies declared, no lockfile at all (one finding);
* ``risk/no-hashes``: a locked or pinned package without any artifact hash;
* ``risk/vcs-without-commit``: a package installed from version control at a branch, a tag or
  the default branch rather than at a full commit id.

Only PyPI-ecosystem components are judged: vendored code and git submodules are fixed by the
repository itself, and conda environments have their own pinning conventions.
"""

from __future__ import annotations

import re

from compliance.model import (
    Component,
    DeclarationKind,
    Finding,
    Inventory,
    Location,
    Scope,
    Severity,
    SourceKind,
)
from compliance.risks import base
from compliance.risks.base import Check, who

__all__ = ["CHECKS", "has_lockfile", "revision_kind"]

UNPINNED = "risk/unpinned"
UNLOCKED = "risk/unlocked-repository"
NO_HASHES = "risk/no-hashes"
VCS_WITHOUT_COMMIT = "risk/vcs-without-commit"

_LOCK = DeclarationKind.LOCK
_MANIFEST = DeclarationKind.MANIFEST
_CONSTRAINT = DeclarationKind.CONSTRAINT

_TAG = re.compile(
    r"^(?:v|version[-_.]?|release[-_.]?|rel[-_.]?|r)?\d+(?:[._]\d+)*"
    r"(?:[-_.+]?[a-z0-9]+)*$", re.IGNORECASE)
_SHORT_COMMIT = re.compile(r"^[0-9a-f]{7,39}$", re.IGNORECASE)
_SVN_REVISION = re.compile(r"^r?\d+$")


def _python(inv: Inventory) -> list[Component]:
    return [c for c in inv.components.values() if c.ecosystem == "pypi"]


def has_lockfile(components: list[Component]) -> bool:
    """True when something fixes the whole dependency tree: a lockfile entry, or a compiled
    requirements file (``pip-compile`` / ``uv pip compile`` output: pins of packages nobody
    asks for directly, or pins with hashes, which make pip require a hash for everything)."""
    for c in components:
        if _LOCK in c.kinds:
            return True
        if _MANIFEST in c.kinds and c.version is not None and (c.hashes or not c.direct):
            return True
    return False


def _pins_elsewhere(components: list[Component]) -> bool:
    return any(_LOCK in c.kinds or (c.version is not None and _MANIFEST in c.kinds)
               for c in components)


def check_unpinned(inv: Inventory) -> list[Finding]:
    """``risk/unpinned``."""
    python = _python(inv)
    if not _pins_elsewhere(python):
        return []
    out = []
    for comp in python:
        if (comp.version is not None or comp.scope is not Scope.REQUIRED
                or _LOCK in comp.kinds or _MANIFEST not in comp.kinds
                or DeclarationKind.INSTALLED in comp.kinds
                or comp.source.kind is not SourceKind.REGISTRY):
            continue
        def render(lang: str, comp: Component = comp) -> tuple[str, str]:
            wanted = (f"'{comp.constraint}'" if comp.constraint
                      else base.text(lang, "unpinned.no_constraint"))
            return (base.text(lang, "unpinned.message", name=comp.name, wanted=wanted),
                    base.text(lang, "unpinned.fix", name=comp.name))

        out.append(base.finding(UNPINNED, comp, base.localized(render),
                                severity=Severity.WARNING))
    return out


def check_unlocked_repository(inv: Inventory) -> list[Finding]:
    """``risk/unlocked-repository``: one finding for the whole repository."""
    python = _python(inv)
    declared = [c for c in python if _MANIFEST in c.kinds]
    if not declared or has_lockfile(python):
        return []
    where = _manifest_location(inv, declared)
    files = sorted({loc.path for c in declared for loc in c.occurrences})
    count = len(declared)

    def render(lang: str) -> tuple[str, str]:
        more = base.text(lang, "unlocked.more", n=len(files) - 3) if len(files) > 3 else ""
        shown = ", ".join(files[:3]) + more
        number = "one" if count == 1 else "other"
        return (base.text(lang, f"unlocked.message.{number}", count=count, files=shown),
                base.text(lang, "unlocked.fix"))

    return [base.inventory_finding(UNLOCKED, base.localized(render), severity=Severity.WARNING,
                                   location=where)]


def _manifest_location(inv: Inventory, declared: list[Component]) -> Location | None:
    if inv.project is not None and inv.project.location is not None:
        return Location(inv.project.location.path, inv.project.location.line)
    locations = [loc for c in declared for loc in c.occurrences]
    return min(locations, key=lambda loc: (loc.path, loc.line or 0)) if locations else None


def check_no_hashes(inv: Inventory) -> list[Finding]:
    """``risk/no-hashes``."""
    out = []
    for comp in _python(inv):
        if comp.hashes or comp.source.kind not in (SourceKind.REGISTRY, SourceKind.URL):
            continue
        locked = _LOCK in comp.kinds
        pinned = comp.version is not None and bool(comp.kinds & {_MANIFEST, _CONSTRAINT})
        if not (locked or pinned):
            continue
        how = "locked" if locked else "pinned"
        ships = comp.scope is Scope.REQUIRED

        def render(lang: str, comp: Component = comp, how: str = how,
                   ships: bool = ships) -> tuple[str, str]:
            less = "" if ships else base.text(lang, "no_hashes.optional")
            return (base.text(lang, f"no_hashes.message.{how}", who=who(comp)) + less,
                    base.text(lang, "no_hashes.fix"))

        out.append(base.finding(NO_HASHES, comp, base.localized(render),
                                severity=Severity.WARNING if ships else Severity.INFO))
    return out


def revision_kind(revision: str | None, vcs: str | None = None) -> str:
    """What a VCS revision looks like: ``commit`` (a full commit id; a Subversion revision
    number), ``short-commit``, ``tag``, ``branch`` or ``missing``."""
    if not revision:
        return "missing"
    if base.is_commit(revision) or (vcs == "svn" and _SVN_REVISION.match(revision)):
        return "commit"
    if _SHORT_COMMIT.match(revision):
        return "short-commit"
    if _TAG.match(revision):
        return "tag"
    return "branch"


def check_vcs_without_commit(inv: Inventory) -> list[Finding]:
    """``risk/vcs-without-commit``."""
    out = []
    for comp in _python(inv):
        src = comp.source
        if src.kind is not SourceKind.VCS or base.is_commit(src.commit):
            continue
        kind = revision_kind(src.revision, src.vcs)
        if kind == "commit":
            continue
        url = base.show_url(src.url)
        severity = Severity.ERROR if kind in ("missing", "branch") else Severity.WARNING
        why = "branch" if kind in ("missing", "branch") else kind

        def render(lang: str, comp: Component = comp, kind: str = kind, why: str = why,
                   url: str = url) -> tuple[str, str]:
            src = comp.source
            what = base.text(lang, f"vcs.what.{kind}", revision=src.revision)
            return (base.text(lang, "vcs.message", name=comp.name, url=url, what=what,
                              why=base.text(lang, f"vcs.why.{why}")),
                    base.text(lang, "vcs.fix", name=comp.name, vcs=src.vcs or "git", url=url))

        out.append(base.finding(VCS_WITHOUT_COMMIT, comp, base.localized(render),
                                severity=severity))
    return out


CHECKS = (
    Check(UNPINNED, Severity.WARNING,
          "required packages with no exact version that no lockfile resolves, where others are "
          "locked or pinned",
          "An unpinned dependency can change with every install, to a broken or malicious "
          "release.",
          "Lock it, or pin it with '==' and hashes.", check_unpinned),
    Check(UNLOCKED, Severity.WARNING,
          "Python dependencies declared without any lockfile",
          "Without a lockfile no build is reproducible and new releases are installed unseen.",
          "Commit a lockfile with hashes (uv lock, poetry lock, pdm lock, pip-compile "
          "--generate-hashes).", check_unlocked_repository),
    Check(NO_HASHES, Severity.WARNING,
          "locked or pinned packages without an artifact hash (info for optional and dev "
          "packages)",
          "Without a hash a replaced or tampered file installs unnoticed.",
          "Re-lock with hashes, or add --hash to the requirement.", check_no_hashes),
    Check(VCS_WITHOUT_COMMIT, Severity.ERROR,
          "packages from version control at a branch (error), a tag or a short id (warning)",
          "Branches and tags move: what is installed can change without any change here.",
          "Pin a full commit id, or lock it.", check_vcs_without_commit),
)
