"""Writing results: to stdout or a file opened only once there is something to write."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path


def write_output(destination: str, text: str) -> None:
    """Write ``text`` to ``destination`` ('-' is stdout). Files are replaced atomically, so a
    failed run never leaves half an SBOM behind."""
    if destination == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(destination)
    parent = path.parent if str(path.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # what open() would have given, not mkstemp's 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
