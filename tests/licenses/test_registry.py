"""The optional online license lookup (``--online``): compliance.licenses.registry.

Every test talks to a real HTTP server on 127.0.0.1 serving the recorded responses under
tests/fixtures/pypi/; nothing here touches the internet.
"""

from __future__ import annotations

import gzip
import json
import pickle
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance import __version__
from compliance.errors import ComplianceError
from compliance.licenses import registry as registry_module
from compliance.licenses.registry import (
    PyPIClient,
    RegistryError,
    RegistryLicense,
    default_cache_dir,
)

RECORDED = Path(__file__).parents[1] / "fixtures" / "pypi"
DAY = 24 * 3600


# ------------------------------------------------------------------------------ local registry


@dataclass
class Registry:
    """A local PyPI JSON API: recorded files, plus per-path misbehaviour, counting requests."""

    server: ThreadingHTTPServer
    paths: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    # path -> ("status", code) | ("hang",) | ("drip",) | ("body", bytes, content-type)
    #         | ("redirect", location) | ("slow", seconds) | ("bomb", size)
    special: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    max_in_flight: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def count(self, path: str | None = None) -> int:
        with self.lock:
            return len(self.paths) if path is None else self.paths.count(path)


def _make_handler(reg: Registry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _send(self, code: int, body: bytes, ctype: str = "application/json", **extra: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra.items():
                self.send_header(k.replace("_", "-"), v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            with reg.lock:
                reg.paths.append(self.path)
                reg.headers.append(dict(self.headers.items()))
                reg.in_flight += 1
                reg.max_in_flight = max(reg.max_in_flight, reg.in_flight)
            try:
                self._answer()
            finally:
                with reg.lock:
                    reg.in_flight -= 1

        def _answer(self) -> None:
            special = reg.special.get(self.path, (None,))
            kind = special[0]
            if kind == "hang":
                reg.release.wait(5)
                return
            if kind == "drip":  # a valid start, then one byte every 0.1 s
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(100):
                    if reg.release.wait(0.1):
                        return
                    try:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    except OSError:
                        return
                return
            if kind == "slow":
                time.sleep(float(special[1]))
            if kind == "status":
                code = int(special[1])
                self._send(code, b"<html>Service Unavailable</html>", "text/html")
                return
            if kind == "body":
                self._send(200, special[1], str(special[2]))
                return
            if kind == "redirect":
                self.send_response(301)
                self.send_header("Location", str(special[1]))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if kind == "bomb":
                body = gzip.compress(b'{"info": {"x": "' + b"a" * int(special[1]) + b'"}}')
                self._send(200, body, Content_Encoding="gzip")
                return
            m = re.fullmatch(r"/pypi/([^/]+)(?:/([^/]+))?/json", self.path)
            file = RECORDED / (f"{m[1]}-{m[2]}.json" if m and m[2] else f"{m[1]}.json" if m else "-")
            if not file.is_file():
                self._send(404, b'{"message": "Not Found"}')
                return
            body = file.read_bytes()
            if kind == "gzip" or "gzip" in self.headers.get("Accept-Encoding", ""):
                self._send(200, gzip.compress(body), Content_Encoding="gzip")
            else:
                self._send(200, body)

    return Handler


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy in the environment must not intercept requests to 127.0.0.1."""
    for var in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)


@pytest.fixture
def pypi() -> Iterator[Registry]:
    """A local registry on 127.0.0.1, an ephemeral port, in a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    reg = Registry(server)
    server.RequestHandlerClass = _make_handler(reg)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield reg
    finally:
        reg.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def client(pypi: Registry, tmp_path: Path) -> PyPIClient:
    return PyPIClient(base_url=pypi.url, cache_dir=tmp_path / "cache", timeout=2.0)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _age_cache(cache_dir: Path, seconds: float) -> int:
    """Pretend every cache file was written ``seconds`` ago; returns how many there are."""
    files = list((cache_dir / "pypi").rglob("*.json"))
    for f in files:
        data = json.loads(f.read_text())
        data["fetched_at"] -= seconds
        f.write_text(json.dumps(data))
    return len(files)


# ------------------------------------------------------------------------------ lookups


def test_numpy_1_26_4_gives_the_whole_license_text_as_pypi_holds_it(client: PyPIClient, pypi: Registry) -> None:
    got = client.lookup("numpy", "1.26.4")
    assert got is not None
    assert got.name == "numpy" and got.version == "1.26.4"
    assert got.license_expression is None
    assert got.license is not None and got.license.startswith("Copyright (c) 2005-2023, NumPy Developers.")
    # the bundled-library texts that make naive tools call numpy GPL/LGPL are passed on, unjudged
    assert "GCC RUNTIME LIBRARY EXCEPTION" in got.license and "Lesser General Public" in got.license
    assert got.classifiers == ("License :: OSI Approved :: BSD License",)
    assert got.url == f"{pypi.url}/pypi/numpy/1.26.4/json"


@pytest.mark.parametrize(
    ("name", "version", "expression", "license", "classifiers"),
    [
        ("torch", "2.3.1", None, "BSD-3", ("License :: OSI Approved :: BSD License",)),
        ("transformers", "4.41.2", None, "Apache 2.0 License", ("License :: OSI Approved :: Apache Software License",)),
        ("fastapi", "0.111.0", None, None, ("License :: OSI Approved :: MIT License",)),
        ("numpy", "2.4.1", "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", None, ()),
        ("nvidia-nccl-cu13", "2.30.7", "LicenseRef-NVIDIA-Proprietary", None, ()),
        ("namex", "0.1.0", None, None, ()),
    ],
)
def test_recorded_releases(
    client: PyPIClient,
    name: str,
    version: str,
    expression: str | None,
    license: str | None,
    classifiers: tuple[str, ...],
) -> None:
    assert client.lookup(name, version) == RegistryLicense(
        name=name,
        version=version,
        license_expression=expression,
        license=license,
        classifiers=classifiers,
        url=f"{client.base_url}/pypi/{name}/{version}/json",
    )


def test_versionless_lookup_describes_the_latest_release(client: PyPIClient, pypi: Registry) -> None:
    got = client.lookup("namex", None)
    assert got is not None and got.version == "0.1.0"
    assert got.url == f"{pypi.url}/pypi/namex/json"
    assert pypi.paths == ["/pypi/namex/json"]


def test_names_are_canonicalised_and_the_request_identifies_the_tool(client: PyPIClient, pypi: Registry) -> None:
    got = client.lookup("NVIDIA_NCCL.cu13", "2.30.7")
    assert got is not None and got.name == "nvidia-nccl-cu13"
    assert pypi.paths == ["/pypi/nvidia-nccl-cu13/2.30.7/json"]
    headers = pypi.headers[0]
    assert headers["User-Agent"].startswith(f"compliance/{__version__}")
    assert "gzip" in headers["Accept-Encoding"]  # and the server's gzip answer was decoded


def test_404_is_none_and_cached(client: PyPIClient, pypi: Registry) -> None:
    assert client.lookup("torch", "99.0") is None
    assert client.lookup("no-such-package", None) is None
    assert client.lookup("torch", "99.0") is None
    assert pypi.count() == 2


def test_invalid_names_and_versions_are_refused_without_a_request(client: PyPIClient, pypi: Registry) -> None:
    for name, version in [("../etc/passwd", None), ("torch", "1.0/../../x"), ("", None), ("torch", "")]:
        with pytest.raises(RegistryError, match="not a valid"):
            client.lookup(name, version)
    assert pypi.count() == 0


def test_creating_a_client_contacts_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("network touched")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    PyPIClient(cache_dir=tmp_path)


# ------------------------------------------------------------------------------ cache


def test_cache_hit_makes_no_request_even_from_a_new_client(pypi: Registry, tmp_path: Path) -> None:
    first = PyPIClient(base_url=pypi.url, cache_dir=tmp_path)
    got = first.lookup("transformers", "4.41.2")
    assert pypi.count() == 1
    assert first.lookup("transformers", "4.41.2") == got
    again = PyPIClient(base_url=pypi.url, cache_dir=tmp_path)  # another run
    assert again.lookup("Transformers", "4.41.2") == got
    assert pypi.count() == 1
    files = list((tmp_path / "pypi").rglob("*.json"))
    assert len(files) == 1 and "transformers" in files[0].parts


def test_expired_cache_is_refetched(client: PyPIClient, pypi: Registry) -> None:
    client.lookup("torch", "2.3.1")  # versioned: kept 7 days
    client.lookup("namex", None)  # latest: kept 1 day
    client.lookup("torch", "99.0")  # 404: kept 1 day
    assert _age_cache(client.cache_dir.parent, 2 * DAY) == 3
    client.lookup("torch", "2.3.1")
    client.lookup("namex", None)
    client.lookup("torch", "99.0")
    first = ["/pypi/torch/2.3.1/json", "/pypi/namex/json", "/pypi/torch/99.0/json"]
    assert pypi.paths == [*first, "/pypi/namex/json", "/pypi/torch/99.0/json"]  # torch still fresh
    _age_cache(client.cache_dir.parent, 8 * DAY)
    assert client.lookup("torch", "2.3.1") is not None
    assert pypi.count("/pypi/torch/2.3.1/json") == 2


def test_a_cache_entry_from_the_future_is_not_trusted(client: PyPIClient, pypi: Registry) -> None:
    client.lookup("torch", "2.3.1")
    _age_cache(client.cache_dir.parent, -30 * DAY)
    client.lookup("torch", "2.3.1")
    assert pypi.count() == 2


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\xff garbage", b"[1, 2]", b'{"format": 1}', b'{"format": 1, "fetched_at": 9e99, "found": true}',
     b'{"format": 1, "fetched_at": 0, "found": true, "name": "torch", "version": 1, "license_expression": null, '
     b'"license": null, "classifiers": 5, "url": "x"}'],
)
def test_corrupt_cache_is_ignored_and_replaced(client: PyPIClient, pypi: Registry, content: bytes) -> None:
    good = client.lookup("torch", "2.3.1")
    [cache_file] = list(client.cache_dir.rglob("*.json"))
    cache_file.write_bytes(content)
    assert client.lookup("torch", "2.3.1") == good
    assert pypi.count() == 2
    assert client.lookup("torch", "2.3.1") == good  # the file was rewritten
    assert pypi.count() == 2


def test_an_unwritable_cache_only_costs_requests(pypi: Registry, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    c = PyPIClient(base_url=pypi.url, cache_dir=blocker)
    assert c.lookup("torch", "2.3.1") is not None
    assert c.lookup("torch", "2.3.1") is not None
    assert pypi.count() == 2


def test_cache_writes_leave_no_temporary_files(client: PyPIClient) -> None:
    client.lookup_many([("torch", "2.3.1"), ("numpy", "1.26.4"), ("numpy", "2.4.1"), ("x", "1")])
    names = sorted(p.name for p in client.cache_dir.rglob("*") if p.is_file())
    assert names == ["1.26.4.json", "1.json", "2.3.1.json", "2.4.1.json"]


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("COMPLIANCE_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "xdg" / "compliance"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "compliance"
    assert PyPIClient().cache_dir == tmp_path / "home" / ".cache" / "compliance" / "pypi"


@settings(max_examples=200, deadline=None)
@given(
    name=st.from_regex(r"\A[A-Za-z0-9]([A-Za-z0-9._-]{0,30}[A-Za-z0-9])?\Z"),
    version=st.one_of(st.none(), st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9.+!_-]{0,40}\Z")),
)
def test_cache_files_stay_inside_the_cache(name: str, version: str | None) -> None:
    c = PyPIClient(base_url="http://127.0.0.1:9", cache_dir=Path("/cache"))
    path = c._cache_file(name, version)
    assert path.resolve().is_relative_to(Path("/cache/pypi/127.0.0.1_9").resolve())
    assert c.url_for(name, version).startswith("http://127.0.0.1:9/pypi/")


# ------------------------------------------------------------------------------ failures


def test_http_500_is_a_registry_error_and_is_not_cached(client: PyPIClient, pypi: Registry) -> None:
    path = "/pypi/torch/2.3.1/json"
    pypi.special[path] = ("status", 500)
    with pytest.raises(RegistryError) as err:
        client.lookup("torch", "2.3.1")
    message = str(err.value)
    assert f"{pypi.url}{path}" in message and "HTTP 500" in message and "try again later" in message
    assert isinstance(err.value, ComplianceError)
    assert str(pickle.loads(pickle.dumps(err.value))) == message
    del pypi.special[path]
    assert client.lookup("torch", "2.3.1") is not None  # recovered, nothing stale was cached


@pytest.mark.parametrize(("code", "hint"), [(429, "rate limited"), (403, "credentials"), (400, "PyPI JSON API")])
def test_other_http_errors_say_what_to_do(client: PyPIClient, pypi: Registry, code: int, hint: str) -> None:
    pypi.special["/pypi/torch/2.3.1/json"] = ("status", code)
    with pytest.raises(RegistryError, match=f"HTTP {code}.*{hint}"):
        client.lookup("torch", "2.3.1")


def test_a_hanging_server_times_out_quickly(pypi: Registry, tmp_path: Path) -> None:
    pypi.special["/pypi/torch/2.3.1/json"] = ("hang",)
    c = PyPIClient(base_url=pypi.url, cache_dir=tmp_path, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(RegistryError, match=r"/pypi/torch/2\.3\.1/json: timed out after 0\.5 s; check the network"):
        c.lookup("torch", "2.3.1")
    assert time.monotonic() - start < 2


def test_a_server_that_drips_its_answer_times_out_too(pypi: Registry, tmp_path: Path) -> None:
    pypi.special["/pypi/torch/2.3.1/json"] = ("drip",)
    c = PyPIClient(base_url=pypi.url, cache_dir=tmp_path, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(RegistryError, match=r"timed out after 0\.5 s"):
        c.lookup("torch", "2.3.1")
    assert time.monotonic() - start < 1.5


@pytest.mark.parametrize(
    ("body", "ctype", "problem"),
    [
        (b"<html>captive portal</html>", "text/html", "not JSON"),
        (b'{"message": "ok"}', "application/json", "no 'info' object"),
        (b'["info"]', "application/json", "no 'info' object"),
    ],
)
def test_a_response_that_is_not_the_json_api(
    client: PyPIClient, pypi: Registry, body: bytes, ctype: str, problem: str
) -> None:
    pypi.special["/pypi/torch/2.3.1/json"] = ("body", body, ctype)
    with pytest.raises(RegistryError, match=problem):
        client.lookup("torch", "2.3.1")


def test_odd_field_types_are_treated_as_absent(client: PyPIClient, pypi: Registry) -> None:
    doc = {"info": {"version": "1.0", "license": 3, "license_expression": "  ", "classifiers": [
        "License :: OSI Approved :: MIT License", 7, "License :: OSI Approved :: MIT License", "Topic :: X"]}}
    pypi.special["/pypi/odd/1.0/json"] = ("body", json.dumps(doc).encode(), "application/json")
    got = client.lookup("odd", "1.0")
    assert got is not None
    assert (got.license, got.license_expression, got.classifiers) == (
        None, None, ("License :: OSI Approved :: MIT License",))


def test_oversized_responses_are_refused(pypi: Registry, tmp_path: Path) -> None:
    c = PyPIClient(base_url=pypi.url, cache_dir=tmp_path, max_response_bytes=20_000)
    with pytest.raises(RegistryError, match="larger than 20000 bytes; refused"):
        c.lookup("numpy", "1.26.4")  # 60 kB (gzip-compressed on the wire: the limit is on both)
    pypi.special["/pypi/bomb/1.0/json"] = ("bomb", 5_000_000)  # 5 MB that gzips to 5 kB
    with pytest.raises(RegistryError, match="refused"):
        c.lookup("bomb", "1.0")
    assert c.lookup("torch", "2.3.1") is not None


def test_the_default_limit_is_20_mb() -> None:
    assert registry_module.MAX_RESPONSE_BYTES == 20 * 1024 * 1024
    assert PyPIClient(cache_dir=Path("/nonexistent")).max_response_bytes == 20 * 1024 * 1024


def test_redirects_are_followed_only_on_the_same_host(client: PyPIClient, pypi: Registry) -> None:
    pypi.special["/pypi/torch/2.3/json"] = ("redirect", "/pypi/torch/2.3.1/json")
    got = client.lookup("torch", "2.3")
    assert got is not None and got.license == "BSD-3"
    port = pypi.server.server_address[1]
    elsewhere = f"http://localhost:{port}/pypi/torch/2.3.1/json"
    pypi.special["/pypi/torch/2.3.0/json"] = ("redirect", elsewhere)
    with pytest.raises(RegistryError, match=f"redirect to another host \\({elsewhere}\\) refused"):
        client.lookup("torch", "2.3.0")
    assert pypi.paths == ["/pypi/torch/2.3/json", "/pypi/torch/2.3.1/json", "/pypi/torch/2.3.0/json"]


def test_an_unreachable_host_is_a_registry_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    c = PyPIClient(base_url=url, cache_dir=tmp_path, timeout=0.5)
    with pytest.raises(RegistryError, match=f"{url}/pypi/torch/2.3.1/json: cannot connect .*run without --online"):
        c.lookup("torch", "2.3.1")


def test_three_connection_failures_stop_all_further_contact(tmp_path: Path) -> None:
    """A host that drops every connection is contacted 3 times, then skipped."""
    accepted: list[int] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()

    def drop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=drop, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        c = PyPIClient(base_url=f"http://127.0.0.1:{port}", cache_dir=tmp_path, max_workers=1, timeout=1)
        items = [(f"pkg{i}", "1.0") for i in range(10)]
        results = c.lookup_many(items)
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    assert len(accepted) == 3
    assert set(results) == set(items)
    errors = [results[i] for i in items]
    assert all(isinstance(e, RegistryError) for e in errors)
    skipped = [str(e) for e in errors if "skipped: registry unreachable" in str(e)]
    assert len(skipped) == 7
    assert "failed 3 times in a row, first: connection failed" in skipped[0]


def test_an_offline_ci_does_not_wait_one_timeout_per_package(tmp_path: Path) -> None:
    c = PyPIClient(base_url=f"http://127.0.0.1:{_closed_port()}", cache_dir=tmp_path, timeout=0.5)
    start = time.monotonic()
    results = c.lookup_many([(f"pkg{i}", "1.0") for i in range(200)])
    assert time.monotonic() - start < 2
    assert all(isinstance(r, RegistryError) for r in results.values())
    assert sum("skipped" in str(r) for r in results.values()) >= 200 - 3 - c.max_workers


def test_cached_answers_are_still_served_when_the_registry_goes_away(pypi: Registry, tmp_path: Path) -> None:
    c = PyPIClient(base_url=pypi.url, cache_dir=tmp_path, timeout=0.5)
    assert c.lookup("torch", "2.3.1") is not None
    pypi.server.shutdown()
    pypi.server.server_close()
    results = c.lookup_many([("torch", "2.3.1"), ("numpy", "1.26.4")])
    assert isinstance(results["torch", "2.3.1"], RegistryLicense)
    assert isinstance(results["numpy", "1.26.4"], RegistryError)


def test_a_successful_answer_resets_the_failure_count(client: PyPIClient, pypi: Registry) -> None:
    pypi.special["/pypi/torch/2.3.1/json"] = ("status", 503)  # reachable: not a connection failure
    for _ in range(5):
        with pytest.raises(RegistryError, match="HTTP 503"):
            client.lookup("torch", "2.3.1")
    assert pypi.count() == 5


def test_a_bad_base_url_is_refused() -> None:
    with pytest.raises(RegistryError, match="not an http"):
        PyPIClient(base_url="file:///etc")


# ------------------------------------------------------------------------------ lookup_many


def test_lookup_many_is_concurrent_and_reports_each_failure_as_a_value(pypi: Registry, tmp_path: Path) -> None:
    releases = [("torch", "2.3.1"), ("transformers", "4.41.2"), ("fastapi", "0.111.0"), ("numpy", "1.26.4"),
                ("numpy", "2.4.1"), ("nvidia-nccl-cu13", "2.30.7"), ("namex", "0.1.0"), ("namex", None)]
    for name, version in releases:
        path = f"/pypi/{name}/{version}/json" if version else f"/pypi/{name}/json"
        pypi.special[path] = ("slow", 0.4)
    pypi.special["/pypi/broken/1.0/json"] = ("status", 502)
    items = [*releases, ("broken", "1.0"), ("missing", "1.0"), ("Torch", "2.3.1"), ("bad/name", None)]
    c = PyPIClient(base_url=pypi.url, cache_dir=tmp_path, max_workers=8)
    start = time.monotonic()
    results = c.lookup_many(items)
    elapsed = time.monotonic() - start
    assert pypi.max_in_flight >= 4  # requests overlapped
    assert elapsed < 2.4, elapsed  # 8 x 0.4 s one after the other would be 3.2 s
    assert list(results) == items
    assert all(isinstance(results[i], RegistryLicense) for i in releases)
    assert results["Torch", "2.3.1"] == results["torch", "2.3.1"]
    assert pypi.count("/pypi/torch/2.3.1/json") == 1  # Torch and torch fetched once
    assert isinstance(results["broken", "1.0"], RegistryError) and "HTTP 502" in str(results["broken", "1.0"])
    assert results["missing", "1.0"] is None
    assert isinstance(results["bad/name", None], RegistryError)
    assert c.lookup_many([]) == {}
