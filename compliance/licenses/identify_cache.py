"""A cache of identified license texts: the same text gives the same matches, so a text seen
before is not matched again.

Entries are keyed by the text's SHA-256 and by a fingerprint of the matcher (its code, its
reference texts, the tool's version): a new matcher starts a new cache. The cache lives in
``$COMPLIANCE_CACHE_DIR/identify/`` (else ``$XDG_CACHE_HOME/compliance/identify/``, else
``~/.cache/compliance/identify/``). One that cannot be read is ignored; one that cannot be
written only makes the next run slower. ``compliance hook`` uses it on every commit, where the
license texts of the repository's ``.venv`` do not change from one run to the next.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from compliance import __version__
from compliance.licenses import identify as _identify
from compliance.licenses.identify import MAX_FILE_SIZE, LicenseMatch

log = logging.getLogger(__name__)

IdentifyFile = Callable[[Path], list[LicenseMatch]]
IdentifyText = Callable[[str], list[LicenseMatch]]

#: Cached texts kept at most; past this, only the texts the last run used are kept.
MAX_ENTRIES = 20_000
_CACHE_FORMAT = 1

def matcher_fingerprint() -> str:
    """What the matcher's answers depend on: its code, its reference texts, the tool's
    version. A change to any of them gives another fingerprint, hence a fresh cache."""
    digest = hashlib.sha256(f"{__version__}\0{_CACHE_FORMAT}\0".encode())
    digest.update(Path(_identify.__file__).read_bytes())
    digest.update(b"\0")
    digest.update(_identify._reference_file().read_bytes())
    return digest.hexdigest()[:16]


def default_cache_file() -> Path:
    """``<cache dir>/identify/<fingerprint>.json``; the cache dir is that of ``--online``."""
    from compliance.licenses.registry import default_cache_dir

    return default_cache_dir() / "identify" / f"{matcher_fingerprint()}.json"


def _valid_entry(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(m, list) and len(m) == 4 and isinstance(m[0], str)
        and isinstance(m[1], (int, float)) and not isinstance(m[1], bool)
        and isinstance(m[2], int) and isinstance(m[3], int)
        for m in value)


class IdentifyCache:
    """License matches per text (SHA-256 of the file's bytes or of the text), on disk.

    :meth:`identify_file` and :meth:`identify_text` behave exactly as the functions of
    :mod:`compliance.licenses.identify` they stand in for (they call them for anything not
    cached), so using the cache never changes a result.
    """

    def __init__(self, path: Path | None,
                 identify_file: IdentifyFile = _identify.identify_file,
                 identify_text: IdentifyText = _identify.identify_text) -> None:
        self.path = path
        self._file = identify_file
        self._text = identify_text
        self.entries: dict[str, list[list[Any]]] = self._load() if path is not None else {}
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def _load(self) -> dict[str, list[list[Any]]]:
        assert self.path is not None
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            if not isinstance(e, FileNotFoundError):
                log.debug("license cache %s not read: %s", self.path, e)
            return {}
        entries = doc.get("entries") if isinstance(doc, dict) else None
        if not isinstance(entries, dict) or not all(_valid_entry(v) for v in entries.values()):
            log.debug("license cache %s has an unexpected shape; ignored", self.path)
            return {}
        return cast(dict[str, list[list[Any]]], entries)

    def _lookup(self, key: str) -> list[LicenseMatch] | None:
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self.used.add(key)
        return [LicenseMatch(str(s), float(score), int(a), int(b)) for s, score, a, b in found]

    def _store(self, key: str, matches: list[LicenseMatch]) -> None:
        self.entries[key] = [[m.spdx, m.score, m.start_line, m.end_line] for m in matches]
        self.used.add(key)

    def identify_file(self, path: Path) -> list[LicenseMatch]:
        """:func:`compliance.licenses.identify.identify_file`, cached by the file's bytes."""
        with open(path, "rb") as fh:  # an OSError propagates, as from the real function
            data = fh.read(MAX_FILE_SIZE + 1)
        if len(data) > MAX_FILE_SIZE:
            return self._file(path)
        key = "f:" + hashlib.sha256(data).hexdigest()
        found = self._lookup(key)
        if found is None:
            found = self._file(path)
            self._store(key, found)
        return found

    def identify_text(self, text: str) -> list[LicenseMatch]:
        """:func:`compliance.licenses.identify.identify_text`, cached by the text."""
        key = "t:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        found = self._lookup(key)
        if found is None:
            found = self._text(text)
            self._store(key, found)
        return found

    def save(self) -> None:
        """Write the cache when this run added to it (atomically; failures only logged), and
        remove caches of other matcher versions beside it."""
        if self.path is None or self.misses == 0:
            return
        entries = self.entries
        if len(entries) > MAX_ENTRIES:
            entries = {k: v for k, v in entries.items() if k in self.used}
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump({"format": _CACHE_FORMAT, "entries": entries}, fh,
                              separators=(",", ":"))
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            for old in folder.glob("*.json"):
                if old.name != self.path.name:
                    with contextlib.suppress(OSError):
                        old.unlink()
        except OSError as e:
            log.debug("license cache %s not written: %s", self.path, e)


