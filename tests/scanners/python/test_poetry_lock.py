"""poetry.lock, formats 1.x ([metadata.files], category) and 2.x (files, groups, markers)."""

from __future__ import annotations

import time
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
from compliance.scanners.python.poetry_lock import NAME, PoetryLockScanner, parse_poetry_lock

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "locks"
SCANNER = PoetryLockScanner()


def scan(rel: str) -> ScanResult:
    return SCANNER.scan(ScanFile(FIX, rel))


def by_key(result: ScanResult) -> dict[str, Declaration]:
    return {d.key: d for d in result.declarations}


@pytest.fixture(scope="module")
def v1() -> ScanResult:
    return scan("poetry/v1/poetry.lock")


@pytest.fixture(scope="module")
def v2() -> ScanResult:
    return scan("poetry/v2/poetry.lock")


def test_wants_only_poetry_lock() -> None:
    assert SCANNER.wants(PurePosixPath("poetry.lock"))
    assert not SCANNER.wants(PurePosixPath("pyproject.toml"))


def test_v1_packages_lines_and_category_scopes(v1: ScanResult) -> None:
    assert v1.diagnostics == []
    assert len(v1.declarations) == 17
    assert all(d.kind is DeclarationKind.LOCK and d.direct is None for d in v1.declarations)
    d = by_key(v1)
    assert (d["accelerate@0.20.3"].location.line, d["accelerate@0.20.3"].scope,
            d["accelerate@0.20.3"].groups) == (2, Scope.REQUIRED, ("main",))
    assert (d["pytest@7.4.0"].location.line, d["pytest@7.4.0"].scope,
            d["pytest@7.4.0"].groups) == (124, Scope.EXCLUDED, ("dev",))
    # optional = true: needed only for one of the project's extras
    assert d["wandb@0.15.5"].scope is Scope.OPTIONAL
    assert v1.edges[0] == Edge("accelerate@0.20.3", "numpy@1.24.4")


def test_v1_hashes_come_from_metadata_files(v1: ScanResult) -> None:
    d = by_key(v1)
    assert d["accelerate@0.20.3"].hashes == (
        Hash("SHA-256", "a88b848c978c9be9652d0e28446853d4a7734db95137648c489af5499ae8bfa9"),
        Hash("SHA-256", "631fe06c8482a80cb53d1dfa7daf63341d78db31c45c91e5ba6edb6003caf445"),
    )
    # four entries, one repeated: three distinct hashes
    assert [h.value[:8] for h in d["numpy@1.24.4"].hashes] == ["08b2a2ff", "ef29c857", "46af48f9"]
    # the package is "PyYAML", the [metadata.files] key "pyyaml": matched by canonical name
    assert d["pyyaml@6.0.1"].name == "PyYAML"
    assert len(d["pyyaml@6.0.1"].hashes) == 2
    assert d["peft@0.4.0.dev0"].hashes == ()


def test_v1_sources(v1: ScanResult) -> None:
    d = by_key(v1)
    assert d["peft@0.4.0.dev0"].source == Source(
        SourceKind.VCS, "https://github.com/huggingface/peft.git", vcs="git", revision="main",
        commit="eb9d9878b7d1641be2c7af56ec628d6f41b14d93",
    )
    assert d["torch@2.0.1+cu118"].source == Source(
        SourceKind.REGISTRY, "https://download.pytorch.org/whl/cu118")
    assert d["numpy@1.24.4"].source == Source()


def test_v1_edges_resolve_names_and_optional_dependencies(v1: ScanResult) -> None:
    targets = [e.target for e in v1.edges if e.source == "transformers@4.30.2"]
    assert targets == ["filelock@3.12.2", "numpy@1.24.4", "packaging@23.1", "pyyaml@6.0.1",
                       "torch@2.0.1+cu118", "wandb@0.15.5"]


def test_v2_groups_markers_and_files(v2: ScanResult) -> None:
    assert v2.diagnostics == []
    d = by_key(v2)
    colorama = d["colorama@0.4.6"]
    assert (colorama.scope, colorama.groups, colorama.location.line) == (
        Scope.REQUIRED, ("main", "dev"), 16)
    assert colorama.marker == '(platform_system == "Windows") or (sys_platform == "win32")'
    assert colorama.hashes == (
        Hash("SHA-256", "cad597b9710ab21e4d47d63d8c7fc1dd7dc354c2542e10a72f1a18750db13b46"),
        Hash("SHA-256", "62164d577ec38d5b1b7c537cc04bffc7a987b165d844f6428941796124aaf35f"),
    )
    assert (d["pytest@8.3.4"].scope, d["pytest@8.3.4"].groups) == (Scope.EXCLUDED, ("dev",))
    assert d["wandb@0.19.1"].scope is Scope.OPTIONAL
    assert d["triton@3.1.0"].marker == (
        'platform_system == "Linux" and platform_machine == "x86_64"')


def test_v2_sources(v2: ScanResult) -> None:
    d = by_key(v2)
    assert d["en-core-web-sm@3.7.1"].source == Source(
        SourceKind.URL, "https://github.com/explosion/spacy-models/releases/download/"
        "en_core_web_sm-3.7.1/en_core_web_sm-3.7.1-py3-none-any.whl")
    assert len(d["en-core-web-sm@3.7.1"].hashes) == 1
    utils = d["internal-utils@0.4.0"]
    assert utils.source == Source(SourceKind.PATH, "libs/internal-utils")
    assert utils.editable  # develop = true
    assert d["triton@3.1.0"].source.kind is SourceKind.PATH


def test_v2_two_versions_resolve_by_constraint(v2: ScanResult) -> None:
    d = by_key(v2)
    assert (d["numpy@1.26.4"].location.line, d["numpy@2.2.1"].location.line) == (77, 91)
    assert d["numpy@1.26.4"].marker == 'python_version < "3.12"'
    edges = set(v2.edges)
    # numpy = {version = ">=2", ...}: only 2.2.1 satisfies it
    assert Edge("opencv-python-headless@4.10.0.84", "numpy@2.2.1") in edges
    assert Edge("opencv-python-headless@4.10.0.84", "numpy@1.26.4") not in edges
    # a list of constraints, one per environment: each picks its own versions
    assert Edge("pandas@2.2.3", "numpy@1.26.4") in edges
    assert Edge("pandas@2.2.3", "numpy@2.2.1") in edges
    # a caret constraint (written by Poetry for path dependencies)
    assert Edge("internal-utils@0.4.0", "tqdm@4.67.1") in edges


def test_truncated_lock_raises_parse_error_with_line() -> None:
    with pytest.raises(ParseError) as err:
        scan("poetry/truncated/poetry.lock")
    assert (err.value.path, err.value.line) == ("poetry/truncated/poetry.lock", 17)
    assert "is not valid TOML" in err.value.detail and "`poetry lock`" in err.value.detail


def test_package_without_version_is_reported_and_kept() -> None:
    result = scan("poetry/no-version/poetry.lock")
    assert result.diagnostics == [Diagnostic(
        "poetry/no-version/poetry.lock",
        "package 'tqdm' has no version, so the lock does not pin it; "
        "regenerate the lock with `poetry lock`",
        32, "error", NAME,
    )]
    assert [d.key for d in result.declarations] == [
        "huggingface-hub@0.26.2", "filelock@3.16.1", "tqdm"]


def test_unknown_lock_version_warns_and_reads() -> None:
    result = scan("poetry/unknown-version/poetry.lock")
    [diag] = result.diagnostics
    assert (diag.line, diag.severity) == (44, "warning")
    assert "[metadata] lock-version '3.0' is not a version this tool knows" in diag.message
    assert len(result.declarations) == 3


def test_missing_dependency_warns_unless_optional() -> None:
    result = scan("poetry/missing-dep/poetry.lock")
    # hf-transfer is optional (only an extra of huggingface-hub asks for it): not locked, fine
    assert result.diagnostics == [Diagnostic(
        "poetry/missing-dep/poetry.lock",
        "'huggingface-hub' 0.26.2 depends on 'pyyaml', which is not in the lock; the lock may "
        "be stale or hand-edited (regenerate it with `poetry lock`)",
        4, "warning", NAME,
    )]
    assert [e.target for e in result.edges] == ["filelock@3.16.1", "tqdm@4.67.0"]


def generated_poetry_lock(count: int) -> str:
    """A poetry.lock (2.1) of ``count`` packages, each depending on the next two."""
    out = ["# This file is automatically @generated by Poetry 2.0.1 and should not be changed "
           "by hand.\n"]
    for i in range(count):
        digest = f"{i:08x}" * 8
        out.append(
            f'\n[[package]]\nname = "pkg-{i}"\nversion = "1.{i}.0"\ndescription = "Package {i}"\n'
            'optional = false\npython-versions = ">=3.8"\ngroups = ["main"]\n'
            f'markers = "sys_platform == \\"linux\\""\nfiles = [\n'
            f'    {{file = "pkg_{i}-1.{i}.0-py3-none-any.whl", hash = "sha256:a{digest[1:]}"}},\n'
            f'    {{file = "pkg_{i}-1.{i}.0.tar.gz", hash = "sha256:b{digest[1:]}"}},\n]\n'
            f'\n[package.dependencies]\npkg-{(i + 1) % count} = ">=1.0"\n'
            f'pkg-{(i + 2) % count} = {{version = "*", markers = "python_version < \\"3.12\\""}}\n'
        )
    out.append('\n[metadata]\nlock-version = "2.1"\npython-versions = ">=3.10"\n'
               'content-hash = "0123"\n')
    return "".join(out)


def test_a_large_lock_is_read_in_linear_time() -> None:
    text = generated_poetry_lock(5000)
    start = time.perf_counter()
    result = parse_poetry_lock(text, "poetry.lock")
    elapsed = time.perf_counter() - start
    assert len(result.declarations) == 5000 and len(result.edges) == 10000
    assert result.declarations[-1].marker == 'sys_platform == "linux"'
    assert result.declarations[-1].location.line == text.count(
        "\n", 0, text.index('\nname = "pkg-4999"')) + 2
    assert elapsed < 2.0, f"5,000-package poetry.lock took {elapsed:.2f}s"


def test_format_2_0_takes_scopes_from_the_pyproject_next_to_it() -> None:
    """Poetry 1.5-1.8 write neither category nor groups: the project's requirements decide."""
    result = scan("poetry/v2.0/poetry.lock")
    assert result.diagnostics == []
    got = {d.key: (d.scope, d.groups) for d in result.declarations}
    assert got["transformers@4.41.2"] == (Scope.REQUIRED, ("main",))
    assert got["tqdm@4.66.4"] == (Scope.REQUIRED, ("main",))
    assert got["colorama@0.4.6"] == (Scope.REQUIRED, ("main",))  # via tqdm, and pytest
    assert got["fastapi@0.111.0"] == (Scope.OPTIONAL, ("serve",))
    assert got["starlette@0.37.2"] == (Scope.OPTIONAL, ("serve",))
    assert got["pytest@8.2.2"] == (Scope.EXCLUDED, ("dev",))
    assert got["click@8.1.7"] == (Scope.EXCLUDED, ("dev", "docs"))  # black and mkdocs
    assert got["mkdocs@1.6.0"] == (Scope.EXCLUDED, ("docs",))
    assert by_key(result)["mkdocs@1.6.0"].location.line == 85


def test_format_2_0_without_a_pyproject_is_all_required() -> None:
    text = (FIX / "poetry/v2.0/poetry.lock").read_text()
    got = {d.key: d.scope for d in parse_poetry_lock(text, "poetry.lock").declarations}
    assert got["pytest@8.2.2"] is Scope.REQUIRED
    assert got["fastapi@0.111.0"] is Scope.OPTIONAL  # optional = true still says so


def test_the_pyproject_is_read_only_when_the_lock_has_no_scopes() -> None:
    calls: list[str] = []

    def manifest() -> str:
        calls.append("read")
        return ""

    parse_poetry_lock((FIX / "poetry/v2/poetry.lock").read_text(), "poetry.lock", manifest)
    assert calls == []
