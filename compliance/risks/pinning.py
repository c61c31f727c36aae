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
        wanted = f"'{comp.constraint}'" if comp.constraint else "no version constraint"
        out.append(base.finding(
            UNPINNED, comp,
            f"'{comp.name}' is required with {wanted}, and no lockfile resolves it, while this "
            "repository locks or pins its other dependencies: every install may pick a "
            "different release of it, including a broken or malicious one published later.",
            f"Lock it: re-run the locker of the project that declares it (uv lock, poetry lock, "
            f"pdm lock, pip-compile) so that the lockfile records it, or pin it with "
            f"'{comp.name}==<version>' and its hashes where it is declared.",
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
    shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    count = len(declared)
    return [base.inventory_finding(
        UNLOCKED,
        f"This repository declares {count} Python dependenc{'y' if count == 1 else 'ies'} "
        f"({shown}) but has no lockfile: every install resolves them and everything they "
        "depend on afresh, so builds are not reproducible and a newly published broken or "
        "malicious release of any of them is installed without anyone noticing.",
        "Commit a lockfile with hashes: uv lock, poetry lock or pdm lock for a pyproject.toml "
        "project, or pip-compile --generate-hashes (uv pip compile --generate-hashes) from the "
        "requirements you write by hand to a requirements.txt you install with "
        "--require-hashes.",
        severity=Severity.WARNING, location=where)]


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
        out.append(base.finding(
            NO_HASHES, comp,
            f"{who(comp)} is {how} without any artifact hash: the installer cannot tell the file "
            "it downloads from the one that was reviewed, so a file replaced on the index, a "
            "mirror or a proxy installs unnoticed."
            + ("" if ships else " It is not a required dependency, so this matters less."),
            "Record hashes: re-lock with a locker that writes them (uv, poetry and pdm do by "
            "default; pip-compile --generate-hashes), or add --hash=sha256:<digest> to the "
            "requirement and install with --require-hashes.",
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
        if kind == "missing":
            what = "without a revision, so it installs whatever the default branch holds"
        elif kind == "branch":
            what = f"at the branch '{src.revision}'"
        elif kind == "tag":
            what = f"at '{src.revision}', which looks like a tag"
        else:
            what = f"at '{src.revision}', an abbreviated commit id"
        if kind in ("missing", "branch"):
            why = ("a branch moves, so each install may fetch different code, and anyone who "
                   "can push to it decides what you install")
            severity = Severity.ERROR
        elif kind == "tag":
            why = "a tag can be moved or deleted and re-created pointing at other code"
            severity = Severity.WARNING
        else:
            why = ("an abbreviated id can become ambiguous, and installers do not check that it "
                   "still names the same commit")
            severity = Severity.WARNING
        out.append(base.finding(
            VCS_WITHOUT_COMMIT, comp,
            f"'{comp.name}' is installed from {url} {what}, not at a full commit id: {why}.",
            f"Pin the full commit: '{comp.name} @ {src.vcs or 'git'}+{url}@<40-hex commit>', or "
            "lock it (uv, poetry and pdm record the commit a branch or tag resolved to). Better "
            "still, depend on a released version from an index.",
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
