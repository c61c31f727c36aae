"""PEP 508 requirement strings -> :class:`~compliance.model.Declaration`.

Shared by every Python scanner that reads requirement strings (pyproject, setup.cfg, setup.py,
conda ``pip:`` sections, ``Requires-Dist``). Parsing uses ``packaging`` (the reference
implementation pip itself uses); this module only maps its result onto the model.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from compliance.errors import ParseError
from compliance.model import (
    DEFAULT_REGISTRY,
    Declaration,
    DeclarationKind,
    Location,
    Scope,
    Source,
    SourceKind,
)

_COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_VCS_SCHEMES = ("git", "hg", "svn", "bzr")


def split_specifier(spec: SpecifierSet | str) -> tuple[str | None, str | None]:
    """Return ``(exact_version, constraint)`` for a specifier set.

    ``==1.2.3`` and ``===1.2.3`` are exact; anything else (ranges, wildcards, several clauses)
    is a constraint. An empty specifier gives ``(None, None)``.
    """
    specs = list(SpecifierSet(spec) if isinstance(spec, str) else spec)
    if not specs:
        return None, None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version, None
    text = ",".join(sorted(str(s) for s in specs))
    return None, text


def source_from_url(url: str) -> Source:
    """Classify a direct reference URL: VCS (with revision / commit), local path, or archive."""
    scheme = url.partition(":")[0]
    scheme = scheme.lower()
    if "+" in scheme and scheme.split("+", 1)[0] in _VCS_SCHEMES:
        vcs = scheme.split("+", 1)[0]
        parts = urlsplit(url.split("+", 1)[1])
        path, revision = parts.path, None
        # the revision is an '@' in the path part (user@host lives in netloc)
        if "@" in path:
            path, _, revision = path.rpartition("@")
        subdirectory = None
        for frag in parts.fragment.split("&"):
            if frag.startswith("subdirectory="):
                subdirectory = frag.split("=", 1)[1]
        repo = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        commit = revision if revision and _COMMIT.match(revision) else None
        return Source(SourceKind.VCS, repo, vcs=vcs, revision=revision, commit=commit,
                      subdirectory=subdirectory)
    if scheme == "file":
        return Source(SourceKind.PATH, url)
    if scheme in ("http", "https", "ftp"):
        return Source(SourceKind.URL, url)
    return Source(SourceKind.UNKNOWN, url)


def parse_requirement(
    text: str,
    location: Location,
    *,
    kind: DeclarationKind = DeclarationKind.MANIFEST,
    scope: Scope = Scope.REQUIRED,
    groups: tuple[str, ...] = (),
    direct: bool | None = True,
) -> Declaration:
    """Parse one PEP 508 requirement string into a declaration.

    Raises :class:`~compliance.errors.ParseError` naming the location when the string is not a
    valid requirement.
    """
    try:
        req = Requirement(text)
    except InvalidRequirement as e:
        reason = str(e).splitlines()[0] if str(e) else "not PEP 508"
        raise ParseError(location.path, f"invalid requirement {text.strip()!r}: {reason}",
                         location.line) from e
    version, constraint = split_specifier(req.specifier)
    try:
        source = source_from_url(req.url) if req.url else DEFAULT_REGISTRY
    except ValueError as e:  # urllib refuses the URL (bad IPv6 host, bad port)
        raise ParseError(location.path, f"invalid URL in {text.strip()!r}: {e}",
                         location.line) from e
    marker = str(req.marker) if req.marker else None
    if marker and "extra ==" in marker and scope is Scope.REQUIRED:
        scope = Scope.OPTIONAL
    return Declaration(
        name=req.name,
        location=location,
        kind=kind,
        version=version,
        constraint=constraint,
        extras=tuple(sorted(req.extras)),
        marker=marker,
        scope=scope,
        groups=groups,
        source=source,
        direct=direct,
    )
