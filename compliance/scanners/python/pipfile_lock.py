"""``Pipfile.lock``: pipenv's JSON lockfile.

``default`` holds what the project needs (REQUIRED), ``develop`` its dev packages (EXCLUDED),
any other key a pipenv package category (EXCLUDED for dev/test/docs-like names, else OPTIONAL);
each maps a package name to ``{"version": "==x", "hashes": [...], "index": name, "markers",
"extras", "git", "ref", "file", "path", "editable"}``. ``_meta.sources`` names the indexes.
The lock records no dependency edges and not which packages the project asked for.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from compliance.errors import ParseError
from compliance.model import (
    Declaration,
    DeclarationKind,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.python.lockfile import (
    LockBuilder,
    dig,
    group_scope,
    is_commit,
    registry,
)

NAME = "python-pipfile-lock"
KNOWN_SPECS = (6,)
SECTIONS = {"default": Scope.REQUIRED, "develop": Scope.EXCLUDED}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_KEY = re.compile(r'\s*("(?:[^"\\]|\\.)*")\s*:')


class PipfileLockScanner(Scanner):
    """Reads ``Pipfile.lock``."""

    name = NAME

    def wants(self, path: PurePosixPath) -> bool:
        """Only files named ``Pipfile.lock``."""
        return path.name == "Pipfile.lock"

    def scan(self, file: ScanFile) -> ScanResult:
        """Parse one ``Pipfile.lock``."""
        return parse_pipfile_lock(file.read_text(), file.path)


def parse_pipfile_lock(text: str, path: str) -> ScanResult:
    """Parse the text of a ``Pipfile.lock`` found at ``path``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(path, f"is not valid JSON ({e.msg}); the file may be truncated or "
                         "hand-edited: regenerate it with `pipenv lock`", e.lineno) from e
    if not isinstance(data, dict):
        raise ParseError(path, f"holds a JSON {_json_type(data)}, not the object with "
                         "'_meta', 'default' and 'develop' a Pipfile.lock has", 1)
    out = LockBuilder(path, NAME, "`pipenv lock`")
    lines = locate_entries(text)
    meta = data.get("_meta")
    spec = dig(meta, "pipfile-spec")
    if spec not in KNOWN_SPECS:
        out.unknown_format("_meta.pipfile-spec", spec, "6",
                           lines.get(("_meta", "pipfile-spec")))
    indexes = {s["name"]: s["url"] for s in dig(meta, "sources") or ()
               if isinstance(s, dict) and isinstance(s.get("name"), str)
               and isinstance(s.get("url"), str)}
    primary = next(iter(indexes.values()), None)
    for section in (*SECTIONS, *(k for k in data if k not in SECTIONS and k != "_meta")):
        scope = SECTIONS.get(section) or group_scope(section)  # other keys: pipenv categories
        packages = data.get(section, {})
        if not isinstance(packages, dict):
            out.diagnose(f"'{section}' is a JSON {_json_type(packages)}, not an object of "
                         "packages; it was skipped", lines.get(("", section)), "error")
            continue
        for name, entry in packages.items():
            line = lines.get((section, name))
            if not isinstance(entry, dict):
                out.diagnose(f"package {name!r} in '{section}' is a JSON {_json_type(entry)}, "
                             "not an object; it was skipped", line, "error")
                continue
            _declare(out, section, scope, name, entry, line, indexes, primary)
    return out.finish()


def _json_type(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean",
            type(None): "null"}.get(type(value), "number")


def _declare(
    out: LockBuilder, section: str, scope: Scope, name: str, entry: dict[str, Any],
    line: int | None, indexes: dict[str, str], primary: str | None,
) -> None:
    source = _source(entry, indexes, primary)
    spec = entry.get("version")
    version = None
    if isinstance(spec, str) and spec.startswith("=="):
        version = spec.lstrip("=").strip() or None
    if version is None and source.kind is SourceKind.REGISTRY:
        out.no_version(name, line)
    extras = tuple(sorted(e for e in entry.get("extras") or () if isinstance(e, str)))
    markers = entry.get("markers")
    decl = Declaration(
        name=name,
        location=Location(out.path, line),
        kind=DeclarationKind.LOCK,
        version=version,
        constraint=spec if isinstance(spec, str) and version is None and spec != "*" else None,
        extras=extras,
        marker=markers if isinstance(markers, str) and markers else None,
        scope=scope,
        groups=(section,),
        hashes=out.hashes(entry.get("hashes") or (), name, line),
        source=source,
        editable=entry.get("editable") is True,
        key=out.new_key(name, version, prefix=f"{section}:"),
    )
    out.add(decl)


def _source(entry: dict[str, Any], indexes: dict[str, str], primary: str | None) -> Source:
    for vcs in ("git", "hg", "svn", "bzr"):
        url = entry.get(vcs)
        if isinstance(url, str):
            ref = entry.get("ref") if isinstance(entry.get("ref"), str) else None
            sub = entry.get("subdirectory")
            return Source(SourceKind.VCS, url.removeprefix(f"{vcs}+"), vcs=vcs, revision=ref,
                          commit=ref if is_commit(ref) else None,
                          subdirectory=sub if isinstance(sub, str) else None)
    if isinstance(entry.get("file"), str):
        url = entry["file"]
        kind = SourceKind.PATH if url.startswith("file:") or "://" not in url else SourceKind.URL
        return Source(kind, url)
    if isinstance(entry.get("path"), str):
        return Source(SourceKind.PATH, entry["path"])
    index = entry.get("index")
    return registry(indexes.get(index) if isinstance(index, str) else primary)


def locate_entries(text: str) -> dict[tuple[str, str], int]:
    """Lines of ``"key": ...`` at depth one (``("", key)``) and two (``(section, key)``) of a
    JSON object, in one pass over the lines: brackets are counted outside strings."""
    found: dict[tuple[str, str], int] = {}
    depth = 0
    section = ""
    for number, line in enumerate(text.split("\n"), 1):
        if depth in (1, 2):
            m = _KEY.match(line)
            if m:
                try:
                    key = json.loads(m.group(1))
                except ValueError:
                    key = None
                if isinstance(key, str):
                    if depth == 1:
                        section = key
                        found.setdefault(("", key), number)
                    else:
                        found.setdefault((section, key), number)
        if "{" in line or "}" in line or "[" in line or "]" in line:
            bare = _STRING.sub("", line) if '"' in line else line
            depth += bare.count("{") + bare.count("[") - bare.count("}") - bare.count("]")
    return found


SCANNERS = [PipfileLockScanner()]
