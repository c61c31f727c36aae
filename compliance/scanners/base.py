"""The scanner interface: how a format family plugs into the one repository walk.

A scanner never walks the file system and never runs code. The core walks the tree once and
asks each scanner, by file name alone, whether it wants a file (:meth:`Scanner.wants`); it then
hands each wanted file over as a :class:`ScanFile` (:meth:`Scanner.scan`). A file that cannot be
parsed raises :class:`~compliance.errors.ScanError` (or is reported through
``ScanResult.diagnostics`` when the scanner can keep going past the problem).
"""

from __future__ import annotations

import abc
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from compliance.errors import UnreadableFile
from compliance.model import ScanResult

#: Files larger than this are not read; the scan reports them instead. ``--max-file-size``.
DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024
_SNIFF = 8192


@dataclass(frozen=True)
class ScanOptions:
    """Settings every scanner may consult."""

    max_file_size: int = DEFAULT_MAX_FILE_SIZE


@dataclass
class ScanFile:
    """A file handed to a scanner: its path relative to the scan root and safe ways to read it.

    ``path`` is a POSIX path relative to ``root``; use it in every location and diagnostic.
    :meth:`sibling` opens another file (an include) only while it stays inside the root.
    """

    root: Path
    path: str
    options: ScanOptions = field(default_factory=ScanOptions)
    #: Handed over by the walk: a regular file inside the root, reached without a link. It is
    #: opened without resolving its path again (the final component still may not be a link).
    walked: bool = False

    @property
    def abspath(self) -> Path:
        """The file on disk."""
        return self.root / self.path

    @property
    def name(self) -> str:
        """The file's base name."""
        return PurePosixPath(self.path).name

    @property
    def directory(self) -> str:
        """The POSIX directory of the file relative to the root ('' for the root itself)."""
        parent = str(PurePosixPath(self.path).parent)
        return "" if parent == "." else parent

    def read_bytes(self) -> bytes:
        """Read the whole file, refusing links out of the root and files over the size limit."""
        if self.walked:
            return self._read_walked()
        real = _contained(self.root, self.abspath)
        if real is None:
            raise UnreadableFile(
                self.path, "resolves to a location outside the scanned directory; not read")
        try:
            size = os.stat(real).st_size
        except OSError as e:
            raise UnreadableFile(self.path, f"cannot be read: {e.strerror or e}") from e
        if size > self.options.max_file_size:
            raise UnreadableFile(
                self.path,
                f"is {_human(size)}, over the {_human(self.options.max_file_size)} limit for "
                "manifests; not read (raise it with --max-file-size)",
            )
        try:
            with open(real, "rb") as fh:
                return fh.read()
        except OSError as e:
            raise UnreadableFile(self.path, f"cannot be read: {e.strerror or e}") from e

    def _read_walked(self) -> bytes:
        try:
            fd = os.open(self.abspath, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as e:
            raise UnreadableFile(self.path, f"cannot be read: {e.strerror or e}") from e
        with os.fdopen(fd, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > self.options.max_file_size:
                raise UnreadableFile(
                    self.path,
                    f"is {_human(size)}, over the {_human(self.options.max_file_size)} limit "
                    "for manifests; not read (raise it with --max-file-size)",
                )
            try:
                return fh.read()
            except OSError as e:
                raise UnreadableFile(self.path, f"cannot be read: {e.strerror or e}") from e

    def read_text(self) -> str:
        """Read the file as UTF-8 text (a BOM is dropped); binary data is refused."""
        data = self.read_bytes()
        if b"\x00" in data[:_SNIFF]:
            raise UnreadableFile(self.path, "holds binary data, not text; not parsed")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise UnreadableFile(
                self.path, f"is not valid UTF-8 text (byte {e.start}); not parsed", line
            ) from e

    def sibling(self, relative: str) -> ScanFile | None:
        """Return the file at ``relative`` (resolved from this file's directory), or None if that
        would leave the scan root or the file does not exist."""
        here = PurePosixPath(self.directory) if self.directory else PurePosixPath()
        target = here / relative
        norm = os.path.normpath(str(target)).replace(os.sep, "/")
        if norm.startswith("../") or norm == ".." or os.path.isabs(norm):
            return None
        candidate = self.root / norm
        if _contained(self.root, candidate) is None or not candidate.is_file():
            return None
        return ScanFile(self.root, norm, self.options)


@functools.lru_cache(maxsize=64)
def _real_root(root: Path) -> Path:
    return root.resolve()


def _contained(root: Path, path: Path) -> Path | None:
    """Resolve ``path`` (following links) and return it when it stays under ``root``."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL byte in the path
        return None
    root_real = _real_root(root)
    if real == root_real or root_real in real.parents:
        return real
    return None


def _human(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


class Scanner(abc.ABC):
    """A plug-in for one format family."""

    #: A short stable name, used in diagnostics and in the SBOM's evidence.
    name: str = ""

    @abc.abstractmethod
    def wants(self, path: PurePosixPath) -> bool:
        """Say from the file name alone whether this scanner reads the file. Must be cheap."""

    @abc.abstractmethod
    def scan(self, file: ScanFile) -> ScanResult:
        """Parse one file. Raise :class:`~compliance.errors.ScanError` when it cannot be parsed."""
