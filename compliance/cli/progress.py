"""A one-line progress report on stderr for long scans, on a terminal only.

``scanning: 12,345 files, 87 manifests parsed`` is rewritten in place with ``\\r``. Nothing is
written for a scan that ends within :data:`DELAY` seconds, at most one update is written per
:data:`INTERVAL` seconds, and the line is blanked out when the scan is over so the summary
that follows starts on a clean line. Standard library only; no colour.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

import click

#: seconds a scan runs before the line first appears
DELAY = 0.5
#: least seconds between two updates
INTERVAL = 0.1


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or odd streams
        return False


class ProgressLine:
    """A ``progress(phase, done, total)`` callback (see ``scan_repository``) drawing one line.

    It writes only when ``stream`` is a terminal, whatever the caller decided.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        delay: float = DELAY,
        interval: float = INTERVAL,
        width: int | None = None,
    ) -> None:
        self._stream = stream
        self._clock = clock
        self._delay = delay
        self._interval = interval
        self._enabled = _is_tty(stream)
        self._start = clock()
        self._last_write: float | None = None
        self._shown = 0  # length of the text on screen now
        self._width = width if width is not None else shutil.get_terminal_size().columns
        self.files = 0
        self.parsed = 0
        self.phase = "walk"

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == "walk":
            self.files = max(self.files, done)
        elif phase == "parse":
            self.parsed = max(self.parsed, done)
        self.phase = phase
        if not self._enabled:
            return
        now = self._clock()
        if now - self._start < self._delay:
            return
        if self._last_write is not None and now - self._last_write < self._interval:
            return
        self._last_write = now
        self._draw(self.text())

    def text(self) -> str:
        line = f"scanning: {self.files:,} files, {self.parsed:,} manifests parsed"
        if self.phase == "resolve":
            line += ", resolving licenses"
        return line

    def close(self) -> None:
        """Blank out the line, if one was drawn."""
        if self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0

    def _draw(self, line: str) -> None:
        line = line[: max(self._width - 1, 0)]  # a wrapped line cannot be rewritten with \r
        pad = " " * max(self._shown - len(line), 0)
        if self._write("\r" + line + pad):
            self._shown = len(line)

    def _write(self, text: str) -> bool:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # stderr went away: stop drawing, never fail the scan
            self._enabled = False
            self._shown = 0
            return False
        return True


@contextmanager
def stderr_progress(quiet: bool = False) -> Iterator[ProgressLine | None]:
    """A :class:`ProgressLine` on stderr when it is a terminal and not ``quiet``, else None;
    the line is cleared on the way out, also when the scan fails."""
    stream = click.get_text_stream("stderr")
    if quiet or not _is_tty(stream):
        yield None
        return
    line = ProgressLine(stream)
    try:
        yield line
    finally:
        line.close()
