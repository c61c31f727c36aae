"""PEP 751 pylock.toml: sources, hashes tables, marker-gated extras and groups."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from compliance.errors import ParseError
from compliance.model import (
    Declaration,
    DeclarationKind,
    Diagnostic,
    Edge,
    Hash,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners.base import ScanFile
from compliance.scanners.python.pylock import NAME, PylockScanner, marker_scope

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "locks"
SCANNER = PylockScanner()


def scan(rel: str) -> ScanResult:
    return SCANNER.scan(ScanFile(FIX, rel))


def by_key(result: ScanResult) -> dict[str, Declaration]:
    return {d.key: d for d in result.declarations}


@pytest.fixture(scope="module")
def lock() -> ScanResult:
    return scan("pylock/pylock.toml")


@pytest.mark.parametrize(("name", "wanted"), [
    ("pylock.toml", True), ("pylock.dev.toml", True), ("pylock.a.b.toml", False),
    ("pylock.toml.bak", False), ("mylock.toml", False),
])
def test_wants_pylock_names(name: str, wanted: bool) -> None:
    assert SCANNER.wants(PurePosixPath(name)) is wanted


@pytest.mark.parametrize(("marker", "scope", "groups"), [
    (None, Scope.REQUIRED, ()),
    ("python_full_version >= '3.13'", Scope.REQUIRED, ()),
    ("'serve' in extras", Scope.OPTIONAL, ("serve",)),
    ('"dev" in dependency_groups', Scope.EXCLUDED, ("dev",)),
    ("'dev' in dependency_groups or 'test' in dependency_groups", Scope.EXCLUDED,
     ("dev", "test")),
    ("'gpu' in extras or 'dev' in dependency_groups", Scope.OPTIONAL, ("gpu", "dev")),
    ("extra == 'serve'", Scope.OPTIONAL, ("serve",)),
    ("'cpu' not in extras", Scope.REQUIRED, ()),
])
def test_marker_scope(marker: str | None, scope: Scope, groups: tuple[str, ...]) -> None:
    assert marker_scope(marker) == (scope, groups)


def test_packages_lines_hashes(lock: ScanResult) -> None:
    assert lock.diagnostics == []
    assert len(lock.declarations) == 20
    assert all(d.kind is DeclarationKind.LOCK and d.direct is None for d in lock.declarations)
    fastapi = by_key(lock)["fastapi@0.115.12"]
    assert fastapi.location.line == 37
    assert fastapi.hashes == (  # the sdist's, then the wheel's
        Hash("SHA-256", "e6b98b7b7894b4593e4b87f0c15c536406323be1997fafea3690c4501a00c7e4"),
        Hash("SHA-256", "303c17ab4e9117001860a295cc853aa148150094c83fb2310107ea7d66d9436e"),
    )


def test_scopes_from_markers(lock: ScanResult) -> None:
    d = by_key(lock)
    assert (d["fastapi@0.115.12"].scope, d["fastapi@0.115.12"].groups) == (
        Scope.OPTIONAL, ("serve",))
    assert (d["pytest@8.3.5"].scope, d["pytest@8.3.5"].groups) == (Scope.EXCLUDED, ("dev",))
    assert d["pytest@8.3.5"].marker == "'dev' in dependency_groups"
    assert (d["torch@2.6.0+cu124"].scope, d["torch@2.6.0+cu124"].groups) == (Scope.REQUIRED, ())


def test_sources(lock: ScanResult) -> None:
    d = by_key(lock)
    assert d["flash-attn"].version is None  # a source tree: no version, no error
    assert d["flash-attn"].source == Source(
        SourceKind.VCS, "https://github.com/Dao-AILab/flash-attention.git", vcs="git",
        revision="v2.7.4.post1", commit="84c7184a4851a2497b0cfced17d89a346c2b9a35")
    assert d["flash-attn"].location.line == 57
    assert d["my-utils"].source == Source(SourceKind.PATH, "libs/my-utils")
    assert d["my-utils"].editable
    assert d["en-core-web-sm@3.8.0"].source.kind is SourceKind.URL
    assert len(d["en-core-web-sm@3.8.0"].hashes) == 1
    assert d["torch@2.6.0+cu124"].source == Source(
        SourceKind.REGISTRY, "https://download.pytorch.org/whl/cu124")
    assert d["numpy@1.26.4"].source == Source()


def test_edges_and_two_versions(lock: ScanResult) -> None:
    edges = set(lock.edges)
    assert Edge("my-utils", "numpy@2.2.4") in edges
    assert Edge("my-utils", "numpy@1.26.4") not in edges
    assert [e.target for e in lock.edges if e.source == "pytest@8.3.5"] == [
        "iniconfig@2.1.0", "packaging@24.2", "pluggy@1.5.0"]
    assert Edge("flash-attn", "torch@2.6.0+cu124") in edges


def test_spec_example_style_is_read_through_the_fallback_parser() -> None:
    """Literal strings and [[packages.wheels]] tables, as in the PEP's own example."""
    result = scan("pylock/pylock.spec.toml")
    assert result.diagnostics == []
    assert [(d.key, d.location.line, len(d.hashes)) for d in result.declarations] == [
        ("attrs@25.1.0", 7, 1), ("cattrs@24.1.2", 25, 1), ("numpy@2.2.3", 40, 2)]
    assert result.edges == [Edge("cattrs@24.1.2", "attrs@25.1.0")]


def test_truncated_lock_raises_parse_error_with_line() -> None:
    with pytest.raises(ParseError) as err:
        scan("pylock/truncated/pylock.toml")
    assert (err.value.path, err.value.line) == ("pylock/truncated/pylock.toml", 27)
    assert "is not valid TOML" in err.value.detail


def test_index_package_without_version_is_reported_and_kept() -> None:
    result = scan("pylock/no-version/pylock.toml")
    assert result.diagnostics == [Diagnostic(
        "pylock/no-version/pylock.toml",
        "package 'tqdm' has no version, so the lock does not pin it; "
        "regenerate the lock with the tool that wrote it",
        23, "error", NAME,
    )]
    assert [d.key for d in result.declarations] == [
        "safetensors@0.4.5", "sentence-transformers@3.2.0", "tqdm"]


def test_unknown_lock_version_warns_and_reads() -> None:
    result = scan("pylock/unknown-version/pylock.toml")
    [diag] = result.diagnostics
    assert (diag.line, diag.severity) == (1, "warning")
    assert "lock-version '2.0' is not a version this tool knows (1.0)" in diag.message
    assert len(result.declarations) == 3


def test_dependency_missing_from_the_lock_is_a_warning() -> None:
    result = scan("pylock/missing-dep/pylock.toml")
    assert result.diagnostics == [Diagnostic(
        "pylock/missing-dep/pylock.toml",
        "'sentence-transformers' 3.2.0 depends on 'scikit-learn', which is not in the lock; the "
        "lock may be stale or hand-edited (regenerate it with the tool that wrote it)",
        14, "warning", NAME,
    )]
    assert len(result.edges) == 2
