"""Optional online license lookup in the PyPI JSON API (only with ``--online``).

Nothing here runs unless the caller builds a :class:`PyPIClient`; importing this module opens no
connection. The client asks ``<base_url>/pypi/<name>/<version>/json`` (``/pypi/<name>/json``
when no version is known) and keeps, from ``info``, only the license evidence:
``license_expression`` (PEP 639), ``license`` (free text, sometimes a whole license text) and
the ``License ::`` trove classifiers. Interpreting them is the resolver's job.

Behaviour worth knowing:

* **Standard library only**: ``urllib.request`` with a timeout, a ``User-Agent`` naming
  compliance and its version, ``Accept-Encoding: gzip``, proxies from the environment, TLS
  certificates verified. Redirects are followed only within the same scheme and host; bodies
  over 20 MB (compressed or not) are refused.
* **Cache**: one small JSON file per (registry host, name, version) under
  ``<cache_dir>/pypi/<host>/<name>/``, written atomically; the default ``cache_dir`` is
  ``$COMPLIANCE_CACHE_DIR``, else ``$XDG_CACHE_HOME/compliance``, else ``~/.cache/compliance``.
  A versioned answer is kept 7 days, a "latest" answer and a 404 one day. A corrupt or
  unreadable cache file is ignored and refetched; a cache that cannot be written is only a
  missed optimisation.
* **Failures are values in** :meth:`PyPIClient.lookup_many`: each is a :class:`RegistryError`
  naming the URL, what went wrong and what to do. After 3 consecutive connection failures
  (refused, DNS, timeout, dropped connection) to a host, the client stops contacting it and
  reports the remaining lookups as ``skipped: registry unreachable``, so an offline CI fails in
  about one timeout instead of one timeout per package. Cached answers are still served.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import threading
import time
import urllib.parse
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from compliance import __version__
from compliance.errors import ComplianceError
from compliance.model import canonical_name

if TYPE_CHECKING:  # urllib.request, http.client and friends load on first use (~25 ms)
    import urllib.request
    from http.client import HTTPResponse

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_RESPONSE_BYTES",
    "PyPIClient",
    "RegistryError",
    "RegistryLicense",
    "default_cache_dir",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://pypi.org"
MAX_RESPONSE_BYTES = 20 * 1024 * 1024
USER_AGENT = f"compliance/{__version__} (license lookup; +https://pypi.org/project/compliance/)"

_DAY = 24 * 3600
_UNREACHABLE_AFTER = 3  # consecutive connection failures before a host is skipped
_CACHE_FORMAT = 1
_CHUNK = 64 * 1024
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+!_-]{0,99}$")
_NOT_FOUND = (404, 410)


@dataclass(frozen=True)
class RegistryLicense:
    """The license evidence PyPI holds for one release, exactly as the registry states it."""

    name: str
    """The PEP 503 name that was looked up."""
    version: str | None
    """``info.version``: the release these fields describe (the latest one for a versionless
    lookup)."""
    license_expression: str | None
    """``info.license_expression`` (PEP 639 ``License-Expression``) when present."""
    license: str | None
    """``info.license`` (the ``License`` field): a name, an id or a whole license text."""
    classifiers: tuple[str, ...]
    """Only the ``License ::`` trove classifiers, in registry order."""
    url: str
    """The JSON URL the answer came from (evidence)."""


class RegistryError(ComplianceError):
    """A registry lookup failed: the message names the URL, the problem and what to do."""

    def __init__(self, url: str, problem: str, hint: str = "") -> None:
        self.url = url
        self.problem = problem
        self.hint = hint
        super().__init__(f"{url}: {problem}" + (f"; {hint}" if hint else ""))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.problem, self.hint))


class _ConnectionFailure(RegistryError):
    """A failure to reach the host at all; counts towards skipping it."""


_HINT_NETWORK = "check the network and proxy settings (HTTPS_PROXY), or run without --online"
_HINT_TLS = (
    "the server's certificate could not be verified: behind an intercepting proxy, point "
    "SSL_CERT_FILE at your organisation's CA bundle; or run without --online"
)
_HINT_LATER = "the registry may be having trouble: try again later, or run without --online"


def default_cache_dir() -> Path:
    """Where lookups are cached: ``$COMPLIANCE_CACHE_DIR``, ``$XDG_CACHE_HOME/compliance`` or
    ``~/.cache/compliance``."""
    explicit = os.environ.get("COMPLIANCE_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "compliance"
    return Path.home() / ".cache" / "compliance"


@functools.cache
def _redirect_handler() -> type[urllib.request.HTTPRedirectHandler]:
    """A redirect handler that follows only same-scheme, same-host redirects (PyPI redirects
    non-canonical names); built on first use so that importing this module stays cheap."""
    from urllib.request import HTTPRedirectHandler, Request

    class SameHostRedirects(HTTPRedirectHandler):
        def redirect_request(
            self, req: Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
        ) -> Request | None:
            old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
            if (old.scheme, old.netloc.lower()) != (new.scheme, new.netloc.lower()):
                raise RegistryError(
                    req.full_url,
                    f"HTTP {code} redirect to another host ({newurl}) refused",
                    "only the registry's own host is contacted; check the registry URL",
                )
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return SameHostRedirects


class PyPIClient:
    """Looks up license evidence in the PyPI JSON API, with a file cache.

    Thread-safe; :meth:`lookup_many` runs lookups on a thread pool.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        cache_dir: Path | None = None,
        timeout: float = 10.0,
        max_workers: int = 8,
        ttl_seconds: int = 7 * _DAY,
        *,
        latest_ttl_seconds: int = _DAY,
        not_found_ttl_seconds: int = _DAY,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        """Set up a client; nothing is contacted until the first lookup.

        ``ttl_seconds`` applies to versioned answers, ``latest_ttl_seconds`` to versionless ones
        (the latest release changes), ``not_found_ttl_seconds`` to 404 answers.
        """
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RegistryError(base_url, "not an http(s) URL", "give the registry's base URL")
        self.base_url = base_url.rstrip("/")
        self.host = parts.netloc.lower()
        self.cache_dir = (cache_dir if cache_dir is not None else default_cache_dir()) / "pypi"
        self.timeout = timeout
        self.max_workers = max(1, max_workers)
        self.ttl_seconds = ttl_seconds
        self.latest_ttl_seconds = latest_ttl_seconds
        self.not_found_ttl_seconds = not_found_ttl_seconds
        self.max_response_bytes = max_response_bytes
        from urllib.request import build_opener

        self._opener = build_opener(_redirect_handler())  # proxies from env
        self._lock = threading.Lock()
        self._failures = 0  # consecutive connection failures to self.host
        self._first_failure: RegistryError | None = None

    # ------------------------------------------------------------------------------ public API

    def lookup(self, name: str, version: str | None) -> RegistryLicense | None:
        """The license evidence of ``name`` at ``version`` (the latest release when None).

        Returns None when the registry says the package or version does not exist (HTTP 404).
        Raises :class:`RegistryError` on any other failure (timeout, HTTP error, not JSON,
        unreachable host, an invalid name or version).
        """
        url = self.url_for(name, version)
        cache_file = self._cache_file(canonical_name(name), version)
        cached = self._read_cache(cache_file, version)
        if cached is not None:
            return cached[0]
        found = self._fetch(url, canonical_name(name))
        self._write_cache(cache_file, url, found)
        return found

    def lookup_many(
        self, items: Sequence[tuple[str, str | None]]
    ) -> dict[tuple[str, str | None], RegistryLicense | RegistryError | None]:
        """Look up many (name, version) pairs concurrently.

        Every item given is a key of the result, in the order given, mapped to its
        :class:`RegistryLicense`, None (not on the registry) or the :class:`RegistryError` it
        failed with; nothing is raised for one lookup's failure. Items naming the same release
        (``Foo_Bar`` / ``foo-bar``) are fetched once.
        """
        groups = dict.fromkeys((canonical_name(name), version) for name, version in items)
        results: dict[tuple[str, str | None], RegistryLicense | RegistryError | None] = {}

        def one(key: tuple[str, str | None]) -> RegistryLicense | RegistryError | None:
            try:
                return self.lookup(*key)
            except RegistryError as exc:
                return exc

        if not groups:
            return results
        from concurrent.futures import ThreadPoolExecutor

        workers = min(self.max_workers, len(groups))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pypi") as pool:
            answers = dict(zip(groups, pool.map(one, groups), strict=True))
        for item in items:
            results[item] = answers[canonical_name(item[0]), item[1]]
        return results

    def url_for(self, name: str, version: str | None) -> str:
        """The JSON API URL of a release (raises :class:`RegistryError` for an invalid name)."""
        if not _NAME.match(name):
            raise RegistryError(
                f"{self.base_url}/pypi/",
                f"{name!r} is not a valid Python package name; nothing was looked up",
                "check the name in the manifest",
            )
        path = f"/pypi/{urllib.parse.quote(canonical_name(name))}"
        if version is not None:
            if not _VERSION.match(version):
                raise RegistryError(
                    f"{self.base_url}{path}/",
                    f"{version!r} is not a valid version; nothing was looked up",
                    "check the version in the manifest or lockfile",
                )
            path += f"/{urllib.parse.quote(version, safe='+!')}"
        return f"{self.base_url}{path}/json"

    # ------------------------------------------------------------------------------ network

    def _fetch(self, url: str, name: str) -> RegistryLicense | None:
        """One GET; None for 404/410; RegistryError for everything else that goes wrong."""
        with self._lock:
            if self._failures >= _UNREACHABLE_AFTER:
                first = self._first_failure
                raise RegistryError(
                    url,
                    f"skipped: registry unreachable ({self.host} failed "
                    f"{self._failures} times in a row"
                    + (f", first: {first.problem}" if first else "")
                    + ")",
                    _HINT_NETWORK,
                )
        try:
            body = self._get(url)
        except RegistryError as exc:
            self._note(exc)
            raise
        self._note(None)
        if body is None:
            return None
        return _parse(url, name, body)

    def _note(self, failure: RegistryError | None) -> None:
        """Count consecutive connection failures; any answer from the host resets the count."""
        with self._lock:
            if isinstance(failure, _ConnectionFailure):
                self._failures += 1
                if self._first_failure is None:
                    self._first_failure = failure
            else:
                self._failures = 0
                self._first_failure = None

    def _get(self, url: str) -> bytes | None:
        """The response body of a GET, or None for 404/410."""
        import ssl
        from http.client import HTTPException
        from urllib.error import HTTPError, URLError
        from urllib.request import Request

        request = Request(
            url,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
            },
        )
        deadline = time.monotonic() + self.timeout
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return self._read_body(url, response, deadline)
        except HTTPError as exc:
            exc.close()
            if exc.code in _NOT_FOUND:
                return None
            raise _http_error(url, exc.code, exc.reason) from None
        except URLError as exc:
            reason = exc.reason
            if isinstance(reason, RegistryError):
                raise reason from None
            if isinstance(reason, TimeoutError):
                raise self._timed_out(url) from None
            if isinstance(reason, ssl.SSLError):
                raise _ConnectionFailure(
                    url, f"TLS failed ({reason})", _HINT_TLS if _is_cert(reason) else _HINT_NETWORK
                ) from None
            raise _ConnectionFailure(
                url, f"cannot connect ({_describe(reason)})", _HINT_NETWORK
            ) from None
        except TimeoutError:
            raise self._timed_out(url) from None
        except RegistryError:
            raise
        except (ConnectionError, HTTPException) as exc:
            raise _ConnectionFailure(
                url, f"connection failed ({_describe(exc)})", _HINT_NETWORK
            ) from None
        except OSError as exc:
            raise _ConnectionFailure(
                url, f"network error ({_describe(exc)})", _HINT_NETWORK
            ) from None

    def _timed_out(self, url: str) -> _ConnectionFailure:
        return _ConnectionFailure(url, f"timed out after {self.timeout:g} s", _HINT_NETWORK)

    def _read_body(self, url: str, response: HTTPResponse, deadline: float) -> bytes:
        """Read at most ``max_response_bytes`` (before and after gzip) within the deadline."""
        limit = self.max_response_bytes
        too_big = RegistryError(
            url,
            f"response larger than {_size(limit)}; refused",
            "the registry URL may not point at a PyPI JSON API",
        )
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise too_big
        gzipped = response.headers.get("Content-Encoding", "").strip().lower() in ("gzip", "x-gzip")
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
        received = 0
        out: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise self._timed_out(url)
            chunk = response.read1(_CHUNK)  # what has arrived: a slow drip meets the deadline
            if not chunk:
                break
            received += len(chunk)
            if received > limit:
                raise too_big
            if inflate is not None:
                try:
                    chunk = inflate.decompress(chunk, limit + 1 - size)
                except zlib.error as exc:
                    raise RegistryError(url, f"corrupt gzip body ({exc})", _HINT_LATER) from None
                if inflate.unconsumed_tail:
                    raise too_big
            size += len(chunk)
            if size > limit:
                raise too_big
            out.append(chunk)
        if inflate is not None:
            tail = inflate.flush()
            size += len(tail)
            if size > limit:
                raise too_big
            out.append(tail)
        return b"".join(out)

    # ------------------------------------------------------------------------------ cache

    def _cache_file(self, name: str, version: str | None) -> Path:
        leaf = "_latest" if version is None else version
        return self.cache_dir / _slug(self.host) / _slug(name) / f"{_slug(leaf)}.json"

    def _read_cache(self, path: Path, version: str | None) -> tuple[RegistryLicense | None] | None:
        """``(answer,)`` from a fresh cache file, or None when absent, stale or corrupt."""
        try:
            data = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, orjson.JSONDecodeError) as exc:
            log.debug("ignoring unreadable cache file %s: %s", path, exc)
            return None
        try:
            if data["format"] != _CACHE_FORMAT:
                return None
            fetched = float(data["fetched_at"])
            found = data["found"]
            if found:
                ttl = self.ttl_seconds if version is not None else self.latest_ttl_seconds
            else:
                ttl = self.not_found_ttl_seconds
            age = time.time() - fetched
            if not 0 <= age < ttl:  # expired, or written in the future (clock change)
                return None
            if not found:
                return (None,)
            return (
                RegistryLicense(
                    name=_str(data["name"], required=True) or "",
                    version=_str(data["version"]),
                    license_expression=_str(data["license_expression"]),
                    license=_str(data["license"]),
                    classifiers=tuple(_str(c, required=True) or "" for c in data["classifiers"]),
                    url=_str(data["url"], required=True) or "",
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            log.debug("ignoring corrupt cache file %s: %s", path, exc)
            return None

    def _write_cache(self, path: Path, url: str, found: RegistryLicense | None) -> None:
        """Write atomically (temporary file + rename); a failure only loses the cache entry."""
        record: dict[str, Any] = {"format": _CACHE_FORMAT, "fetched_at": time.time(), "url": url}
        if found is None:
            record["found"] = False
        else:
            record.update(
                found=True,
                name=found.name,
                version=found.version,
                license_expression=found.license_expression,
                license=found.license,
                classifiers=list(found.classifiers),
            )
        import tempfile

        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps(record))
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            log.warning("could not write the license cache %s: %s", path, exc)
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


# ---------------------------------------------------------------------------------- helpers


def _parse(url: str, name: str, body: bytes) -> RegistryLicense:
    """Pick the license evidence out of a JSON API response."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RegistryError(
            url, "not JSON", "check that the registry URL serves the PyPI JSON API"
        ) from None
    info = data.get("info") if isinstance(data, dict) else None
    if not isinstance(info, dict):
        raise RegistryError(
            url,
            "unexpected JSON: no 'info' object",
            "check that the registry URL serves the PyPI JSON API",
        )
    raw = info.get("classifiers")
    classifiers = raw if isinstance(raw, list) else []
    wanted = (c.strip() for c in classifiers if isinstance(c, str))
    license_classifiers = tuple(dict.fromkeys(c for c in wanted if c.startswith("License ::")))
    return RegistryLicense(
        name=name,
        version=_str(info.get("version")),
        license_expression=_str(info.get("license_expression")),
        license=_str(info.get("license")),
        classifiers=license_classifiers,
        url=url,
    )


def _str(value: object, required: bool = False) -> str | None:
    """A non-blank string as given, else None (or TypeError when required)."""
    if isinstance(value, str) and value.strip():
        return value
    if required:
        raise TypeError(f"expected a string, got {value!r}")
    return None


def _http_error(url: str, code: int, reason: object) -> RegistryError:
    text = f"HTTP {code}" + (f" {reason}" if reason else "")
    if code == 429:
        return RegistryError(url, text, "rate limited: try again later, or lower the concurrency")
    if code in (401, 403, 407):
        return RegistryError(url, text, "access refused: check the proxy or mirror credentials")
    if code >= 500:
        return RegistryError(url, text, _HINT_LATER)
    return RegistryError(url, text, "check that the registry URL serves the PyPI JSON API")


def _is_cert(error: OSError) -> bool:
    return "CERTIFICATE" in str(error).upper()


def _describe(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n} bytes"


_UNSAFE = re.compile(r"[^A-Za-z0-9._+!-]")


def _slug(text: str) -> str:
    """A file-name-safe form (``127.0.0.1:8080`` -> ``127.0.0.1_8080``); never ``.``/``..``."""
    slug = _UNSAFE.sub("_", text)
    return f"_{slug}" if slug.startswith(".") else slug
