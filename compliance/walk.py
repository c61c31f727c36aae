"""The one repository walk.

Walks a directory tree once and yields the files some scanner wants, honouring ``.gitignore``
files, the default excludes (VCS folders, virtual environments, caches, build output) and the
user's ``--exclude`` globs. It never follows a link out of the tree and never follows a link
into a directory (the directory is walked at its real place, so nothing is lost or counted
twice); links that point outside, dangle or loop become diagnostics.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pathspec import GitIgnoreSpec

from compliance.model import Diagnostic

#: Directory names never descended into: VCS metadata, caches, installed packages, build output.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", "_darcs",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis",
        ".tox", ".nox", ".eggs", ".ipynb_checkpoints", ".cache",
        "node_modules", "site-packages", "dist-packages",
        "build", "dist",
    }
)
_ENV_MARKERS = ("pyvenv.cfg", "conda-meta")


@dataclass
class WalkStats:
    """What the walk saw."""

    files: int = 0  # every regular file met (wanted or not)
    directories: int = 0
    environments: list[str] = field(default_factory=list)  # virtualenvs found (relative paths)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class _Ignore:
    """The ignore rules in force in one directory: a chain of compiled specs."""

    __slots__ = ("parent", "prefix", "spec")

    def __init__(self, parent: _Ignore | None, prefix: str, spec: GitIgnoreSpec | None) -> None:
        self.parent = parent
        self.prefix = prefix  # the directory the spec lives in, relative, with trailing "/"
        self.spec = spec

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Git semantics: the deepest file with a matching pattern decides."""
        node: _Ignore | None = self
        probe = rel + "/" if is_dir else rel
        while node is not None:
            if node.spec is not None:
                result = node.spec.check_file(probe[len(node.prefix):])
                if result.include is not None:
                    return result.include
            node = node.parent
        return False


def _read_gitignore(dirpath: str, rel_dir: str, stats: WalkStats) -> GitIgnoreSpec | None:
    path = os.path.join(dirpath, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read(1_000_000).splitlines()
    except FileNotFoundError:
        return None
    except OSError as e:
        stats.diagnostics.append(
            Diagnostic(_join(rel_dir, ".gitignore"), f"cannot be read: {e.strerror}",
                       severity="warning", scanner="walk"))
        return None
    try:
        return GitIgnoreSpec.from_lines(lines)
    except Exception as e:  # pathspec raises assorted errors on bad patterns
        stats.diagnostics.append(
            Diagnostic(_join(rel_dir, ".gitignore"), f"has a pattern that cannot be used: {e}",
                       severity="warning", scanner="walk"))
        return None


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name


def walk(
    root: Path,
    wants: Callable[[PurePosixPath], bool],
    *,
    excludes: tuple[str, ...] = (),
    use_gitignore: bool = True,
    stats: WalkStats | None = None,
) -> Iterator[str]:
    """Yield the POSIX paths (relative to ``root``) of the files that ``wants`` accepts.

    Results come in a stable order (sorted by name within each directory). ``stats`` collects
    counts, virtual environments met, and diagnostics about links and unreadable directories.
    """
    stats = stats if stats is not None else WalkStats()
    root = root.resolve()
    root_str = str(root)
    user = GitIgnoreSpec.from_lines(excludes) if excludes else None
    base = _Ignore(None, "", user)
    stack: list[tuple[str, str, _Ignore]] = [(root_str, "", base)]
    while stack:
        dirpath, rel_dir, ignore = stack.pop()
        stats.directories += 1
        if use_gitignore:
            spec = _read_gitignore(dirpath, rel_dir, stats)
            if spec is not None:
                ignore = _Ignore(ignore, rel_dir + "/" if rel_dir else "", spec)
        try:
            with os.scandir(dirpath) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            stats.diagnostics.append(
                Diagnostic(rel_dir or ".", f"directory cannot be read: {e.strerror}",
                           severity="error", scanner="walk"))
            continue
        subdirs: list[tuple[str, str, _Ignore]] = []
        for entry in entries:
            rel = _join(rel_dir, entry.name)
            try:
                if entry.is_symlink():
                    _check_link(root, entry, rel, wants, stats)
                    continue
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as e:
                stats.diagnostics.append(
                    Diagnostic(rel, f"cannot be read: {e.strerror}", scanner="walk"))
                continue
            if stat.S_ISDIR(mode):
                if entry.name in DEFAULT_EXCLUDED_DIRS or entry.name.endswith(".egg-info"):
                    continue
                if _is_environment(entry.path):
                    stats.environments.append(rel)
                    continue
                if ignore.ignored(rel, True):
                    continue
                subdirs.append((entry.path, rel, ignore))
            elif stat.S_ISREG(mode):
                stats.files += 1
                if wants(PurePosixPath(rel)) and not ignore.ignored(rel, False):
                    yield rel
        # depth-first in name order: push in reverse so the first name is walked first
        stack.extend(reversed(subdirs))


def _is_environment(path: str) -> bool:
    return any(os.path.exists(os.path.join(path, m)) for m in _ENV_MARKERS)


def _check_link(
    root: Path,
    entry: os.DirEntry[str],
    rel: str,
    wants: Callable[[PurePosixPath], bool],
    stats: WalkStats,
) -> None:
    """Report links that matter. Links are never followed: a target inside the tree is
    walked at its real place; one outside is out of scope."""
    try:
        target = Path(entry.path).resolve(strict=True)
    except RuntimeError:
        stats.diagnostics.append(Diagnostic(
            rel, "symbolic link loop; not followed", severity="warning", scanner="walk"))
        return
    except OSError as e:
        if e.errno == 40:  # ELOOP
            stats.diagnostics.append(Diagnostic(
                rel, "symbolic link loop; not followed", severity="warning", scanner="walk"))
        elif wants(PurePosixPath(rel)):
            stats.diagnostics.append(Diagnostic(
                rel, "symbolic link to a missing file; not read", severity="warning",
                scanner="walk"))
        return
    inside = target == root or root in target.parents
    if target.is_dir():
        link_parent = Path(entry.path).parent.resolve()
        if target == link_parent or target in link_parent.parents:
            stats.diagnostics.append(Diagnostic(
                rel, "symbolic link loop: points to a directory that contains it; not followed",
                severity="warning", scanner="walk"))
        elif not inside:
            stats.diagnostics.append(Diagnostic(
                rel, "symbolic link to a directory outside the scanned tree; not followed",
                severity="warning", scanner="walk"))
        return
    if not inside and wants(PurePosixPath(rel)):
        stats.diagnostics.append(Diagnostic(
            rel, "symbolic link to a file outside the scanned tree; not read",
            severity="warning", scanner="walk"))
