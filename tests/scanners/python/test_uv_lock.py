"""uv.lock: packages, sources, hashes, the project's own entry, scopes through the graph."""

from __future__ import annotations

import time
from pathlib import Path, PurePosixPath

import pytest

from compliance.errors import ParseError
from compliance.model import (
    ROOT,
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
from compliance.scanners.python.uv_lock import NAME, UvLockScanner, parse_uv_lock

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "locks"
SCANNER = UvLockScanner()


def scan(rel: str) -> ScanResult:
    return SCANNER.scan(ScanFile(FIX, rel))


def by_key(result: ScanResult) -> dict[str, Declaration]:
    return {d.key: d for d in result.declarations}


@pytest.fixture(scope="module")
def basic() -> ScanResult:
    return scan("uv/uv.lock")


def test_wants_only_uv_lock() -> None:
    assert SCANNER.wants(PurePosixPath("services/api/uv.lock"))
    assert not SCANNER.wants(PurePosixPath("uv.lock.orig"))
    assert not SCANNER.wants(PurePosixPath("poetry.lock"))


def test_every_package_but_the_project_is_a_lock_declaration(basic: ScanResult) -> None:
    names = [d.name for d in basic.declarations]
    assert "llm-serve" not in names
    assert len(names) == 33
    assert all(d.kind is DeclarationKind.LOCK for d in basic.declarations)
    assert all(d.location.path == "uv/uv.lock" for d in basic.declarations)
    assert len({d.key for d in basic.declarations}) == 33
    assert basic.diagnostics == []


def test_the_project_entry_becomes_project_info(basic: ScanResult) -> None:
    assert basic.project is not None
    assert (basic.project.name, basic.project.version) == ("llm-serve", "0.3.0")
    assert basic.project.location is not None and basic.project.location.line == 164


def test_registry_package_version_line_and_hashes(basic: ScanResult) -> None:
    certifi = by_key(basic)["certifi@2024.8.30"]
    assert certifi.version == "2024.8.30"
    assert certifi.location.line == 31
    assert certifi.source == Source()  # PyPI
    assert certifi.hashes == (
        Hash("SHA-256", "9ea561782ce4d90ef3bd9d30719264b6830ad670f5aa340124b24a41bff5fd76"),
        Hash("SHA-256", "71c84435b233c67816a9088e4e3c371e20daf09b29dce7c44436782299107d55"),
    )


def test_sources(basic: ScanResult) -> None:
    d = by_key(basic)
    assert d["flash-attn@2.6.3"].source == Source(
        SourceKind.VCS, "https://github.com/Dao-AILab/flash-attention", vcs="git",
        revision="v2.6.3", commit="bdf733be55f0b323a8cf7cc6745a81c3f43cd7f0",
    )
    assert d["flash-attn@2.6.3"].hashes == ()
    torch = d["torch@2.4.1"]
    assert torch.source.kind is SourceKind.URL
    assert torch.source.url == (
        "https://download.pytorch.org/whl/cu121/torch-2.4.1%2Bcu121-cp311-cp311-linux_x86_64.whl")
    assert torch.hashes == (
        Hash("SHA-256", "45e894a1b2cb91d41b0640ffd1bbcdec66073b0551d1d1387789d7e3d9d85c2e"),)
    assert d["tokenizers@0.20.0"].source == Source(
        SourceKind.PATH, "vendor/tokenizers-0.20.0-cp311-cp311-manylinux_2_17_x86_64.whl")
    assert d["einops@0.8.0"].source == Source(
        SourceKind.REGISTRY, "https://nexus.example.com/repository/pypi-proxy/simple")


def test_root_dependencies_are_direct_edges(basic: ScanResult) -> None:
    root_edges = [e.target for e in basic.edges if e.source == ROOT]
    assert root_edges == [
        "flash-attn@2.6.3", "huggingface-hub@0.25.1", "numpy@1.26.4", "numpy@2.1.1",
        "tokenizers@0.20.0", "fastapi@0.115.0", "uvicorn@0.31.0", "pytest@8.3.3", "ruff@0.6.8",
    ]
    d = by_key(basic)
    assert all(d[k].direct is True for k in root_edges)
    assert d["requests@2.32.3"].direct is False


def test_scopes_follow_the_graph(basic: ScanResult) -> None:
    d = by_key(basic)
    scope = {k: (v.scope, v.groups) for k, v in d.items()}
    # required direct dependency and what it reaches
    assert scope["huggingface-hub@0.25.1"] == (Scope.REQUIRED, ())
    assert scope["requests@2.32.3"] == (Scope.REQUIRED, ())
    # only the 'serve' extra reaches these, uvicorn's own 'standard' extra included
    assert scope["fastapi@0.115.0"] == (Scope.OPTIONAL, ("serve",))
    assert scope["pydantic-core@2.23.4"] == (Scope.OPTIONAL, ("serve",))
    assert scope["httptools@0.6.1"] == (Scope.OPTIONAL, ("serve",))
    assert scope["uvloop@0.20.0"] == (Scope.OPTIONAL, ("serve",))
    # only the dev group reaches these
    assert scope["pytest@8.3.3"] == (Scope.EXCLUDED, ("dev",))
    assert scope["iniconfig@2.0.0"] == (Scope.EXCLUDED, ("dev",))
    assert scope["pluggy@1.5.0"] == (Scope.EXCLUDED, ("dev",))
    # reached by dev (pytest) and by a required path: required wins
    assert scope["packaging@24.1"] == (Scope.REQUIRED, ())
    assert scope["colorama@0.4.6"] == (Scope.REQUIRED, ())  # via tqdm
    # typing-extensions: optional via fastapi, required via torch (a url dependency)
    assert scope["typing-extensions@4.12.2"] == (Scope.REQUIRED, ())


def test_two_versions_of_one_name_resolve_by_version(basic: ScanResult) -> None:
    d = by_key(basic)
    assert d["numpy@1.26.4"].marker == "python_full_version < '3.12'"
    assert d["numpy@2.1.1"].marker == "python_full_version >= '3.12'"
    assert d["numpy@1.26.4"].location.line == 205
    assert d["numpy@2.1.1"].location.line == 218
    assert Edge(ROOT, "numpy@1.26.4") in basic.edges
    assert Edge(ROOT, "numpy@2.1.1") in basic.edges


def test_package_edges(basic: ScanResult) -> None:
    assert [e.target for e in basic.edges if e.source == "requests@2.32.3"] == [
        "certifi@2024.8.30", "charset-normalizer@3.3.2", "idna@3.10", "urllib3@2.2.3"]
    # an optional-dependencies table of a package gives edges too
    assert Edge("uvicorn@0.31.0", "httptools@0.6.1") in basic.edges


def test_virtual_workspace_members_are_the_roots() -> None:
    result = scan("uv/workspace/uv.lock")
    d = by_key(result)
    assert result.project is None
    assert [e.target for e in result.edges if e.source == ROOT] == [
        "inference-api", "model-core@0.2.0"]
    api = d["inference-api"]
    assert api.version is None  # dynamic version of a local member: not an error
    assert api.editable and api.source == Source(SourceKind.PATH, "packages/api")
    assert api.direct is True and api.location.line == 21
    assert d["numpy@2.1.2"].scope is Scope.REQUIRED
    assert (d["onnxruntime@1.19.2"].scope, d["onnxruntime@1.19.2"].groups) == (
        Scope.OPTIONAL, ("onnx",))
    assert (d["pytest@8.3.3"].scope, d["pytest@8.3.3"].groups) == (Scope.EXCLUDED, ("test",))
    assert result.diagnostics == []


def test_truncated_lock_raises_parse_error_with_line() -> None:
    with pytest.raises(ParseError) as err:
        scan("uv/truncated/uv.lock")
    assert err.value.path == "uv/truncated/uv.lock"
    assert err.value.line == 40
    assert "is not valid TOML" in err.value.detail
    assert "`uv lock`" in err.value.detail


def test_registry_package_without_version_is_reported_and_kept() -> None:
    result = scan("uv/no-version/uv.lock")
    assert result.diagnostics == [Diagnostic(
        "uv/no-version/uv.lock",
        "package 'idna' has no version, so the lock does not pin it; "
        "regenerate the lock with `uv lock`",
        26, "error", NAME,
    )]
    assert [d.key for d in result.declarations] == ["requests@2.32.3", "idna", "safetensors@0.4.5"]
    assert Edge("requests@2.32.3", "idna") in result.edges


def test_unknown_lock_version_warns_and_reads() -> None:
    result = scan("uv/unknown-version/uv.lock")
    [diag] = result.diagnostics
    assert (diag.path, diag.line, diag.severity, diag.scanner) == (
        "uv/unknown-version/uv.lock", 1, "warning", NAME)
    assert "top-level version 3 is not a version this tool knows (1)" in diag.message
    assert len(result.declarations) == 3


def test_dependency_missing_from_the_lock_is_a_warning() -> None:
    result = scan("uv/missing-dep/uv.lock")
    assert result.diagnostics == [Diagnostic(
        "uv/missing-dep/uv.lock",
        "'requests' 2.32.3 depends on 'urllib3', which is not in the lock; the lock may be "
        "stale or hand-edited (regenerate it with `uv lock`)",
        14, "warning", NAME,
    )]
    assert len(result.declarations) == 3


def generated_uv_lock(count: int) -> str:
    """A uv.lock of ``count`` registry packages, each depending on the next two."""
    out = ['version = 1\nrequires-python = ">=3.10"\n\n[[package]]\nname = "proj"\n'
           'version = "0.1.0"\nsource = { editable = "." }\ndependencies = [\n'
           '    { name = "pkg-0" },\n]\n']
    for i in range(count):
        digest = f"{i:08x}" * 8
        out.append(
            f'\n[[package]]\nname = "pkg-{i}"\nversion = "1.{i}.0"\n'
            'source = { registry = "https://pypi.org/simple" }\n'
            f'dependencies = [\n    {{ name = "pkg-{(i + 1) % count}" }},\n'
            f'    {{ name = "pkg-{(i + 2) % count}", marker = "sys_platform == \'linux\'" }},\n]\n'
            f'sdist = {{ url = "https://files.pythonhosted.org/packages/ab/cd/pkg_{i}-1.{i}.0'
            f'.tar.gz", hash = "sha256:{digest}", size = {1000 + i} }}\n'
            "wheels = [\n"
            + "".join(
                f'    {{ url = "https://files.pythonhosted.org/packages/ab/cd/pkg_{i}-1.{i}.0-'
                f'cp31{w}-cp31{w}-manylinux_2_17_x86_64.whl", hash = "sha256:{w + 10:x}{digest[1:]}", '
                f"size = {2000 + i} }},\n"
                for w in range(4)
            )
            + "]\n"
        )
    return "".join(out)


def test_a_large_lock_is_read_in_linear_time() -> None:
    text = generated_uv_lock(5000)
    start = time.perf_counter()
    result = parse_uv_lock(text, "uv.lock")
    elapsed = time.perf_counter() - start
    assert len(result.declarations) == 5000
    assert all(d.scope is Scope.REQUIRED for d in result.declarations)
    last = result.declarations[4999]
    assert last.location.line == text.count("\n", 0, text.index('\nname = "pkg-4999"')) + 2
    assert len(result.declarations[1].hashes) == 5
    assert elapsed < 2.0, f"5,000-package uv.lock took {elapsed:.2f}s"


def test_lock_without_format_version_warns() -> None:
    text = (FIX / "uv/missing-dep/uv.lock").read_text().replace("version = 1\n", "", 1)
    result = parse_uv_lock(text, "uv.lock")
    assert result.diagnostics[0] == Diagnostic(
        "uv.lock",
        "the file has no top-level version (1); it was read as the latest known format, so "
        "check the result (or regenerate it with `uv lock`)",
        None, "warning", NAME,
    )


SELF_REFERENCE = '''version = 1
requires-python = ">=3.11"

[[package]]
name = "agent"
version = "1.0.0"
source = { virtual = "." }
dependencies = [
    { name = "tool-kit" },
]

[package.optional-dependencies]
all = [
    { name = "agent", extra = ["serve"] },
]
serve = [
    { name = "fastapi" },
]

[[package]]
name = "fastapi"
version = "0.115.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "mypy"
version = "1.11.2"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tool-kit"
version = "0.1.0"
source = { editable = "libs/tool-kit" }

[package.dev-dependencies]
lint = [
    { name = "mypy" },
]
'''


def test_self_referencing_extra_and_member_dev_groups() -> None:
    result = parse_uv_lock(SELF_REFERENCE, "uv.lock")
    d = by_key(result)
    assert result.project is not None and result.project.name == "agent"
    # reached through the project's own "all" extra, which asks for its "serve" extra
    assert (d["fastapi@0.115.0"].scope, d["fastapi@0.115.0"].groups) == (
        Scope.OPTIONAL, ("all", "serve"))
    # the dev group of a workspace member
    assert (d["mypy@1.11.2"].scope, d["mypy@1.11.2"].groups) == (Scope.EXCLUDED, ("lint",))
    assert d["tool-kit@0.1.0"].editable and d["tool-kit@0.1.0"].direct is True
    assert Edge(ROOT, "agent") not in result.edges
    assert result.diagnostics == []
