"""pdm.lock: groups, extras entries, VCS/url/path packages, PEP 508 dependency strings."""

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
from compliance.scanners.python.pdm_lock import (
    NAME,
    PdmLockScanner,
    parse_pdm_lock,
    pdm_group_scope,
)

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "locks"
SCANNER = PdmLockScanner()


def scan(rel: str) -> ScanResult:
    return SCANNER.scan(ScanFile(FIX, rel))


def by_key(result: ScanResult) -> dict[str, Declaration]:
    return {d.key: d for d in result.declarations}


@pytest.fixture(scope="module")
def lock() -> ScanResult:
    return scan("pdm/pdm.lock")


def test_wants_only_pdm_lock() -> None:
    assert SCANNER.wants(PurePosixPath("pdm.lock"))
    assert not SCANNER.wants(PurePosixPath("pdm.toml"))


def test_packages_versions_lines_hashes(lock: ScanResult) -> None:
    assert lock.diagnostics == []
    assert len(lock.declarations) == 23
    assert all(d.kind is DeclarationKind.LOCK and d.direct is None for d in lock.declarations)
    accelerate = by_key(lock)["accelerate@1.0.1"]
    assert (accelerate.version, accelerate.location.line) == ("1.0.1", 14)
    assert accelerate.hashes == (
        Hash("SHA-256", "8c442faed0f0349e2a5daba4675137a22b9c508582152dc41e165f5d08db7ed4"),
        Hash("SHA-256", "be4ff8b0038e98afa802add91c78f85ae5c94b48654d34274e991b5cde8d0a31"),
    )


@pytest.mark.parametrize(("group", "scope"), [
    ("default", Scope.REQUIRED), ("dev", Scope.EXCLUDED), ("lint", Scope.EXCLUDED),
    ("Docs", Scope.EXCLUDED), ("gpu", Scope.OPTIONAL), ("serve", Scope.OPTIONAL),
])
def test_group_scope(group: str, scope: Scope) -> None:
    assert pdm_group_scope(group) is scope


def test_scopes_from_groups(lock: ScanResult) -> None:
    d = by_key(lock)
    got = {k: (v.scope, v.groups) for k, v in d.items()}
    assert got["bitsandbytes@0.44.1"] == (Scope.OPTIONAL, ("gpu",))
    assert got["numpy@2.1.2"] == (Scope.REQUIRED, ("default", "gpu"))
    assert got["pytest@8.3.3"] == (Scope.EXCLUDED, ("dev",))
    assert got["ruff@0.7.0"] == (Scope.EXCLUDED, ("lint",))
    assert got["packaging@24.1"] == (Scope.REQUIRED, ("default", "dev"))
    assert d["colorama@0.4.6"].marker == (
        'sys_platform == "win32" or platform_system == "Windows"')


def test_sources(lock: ScanResult) -> None:
    d = by_key(lock)
    assert d["peft@0.13.3.dev0"].source == Source(
        SourceKind.VCS, "https://github.com/huggingface/peft.git", vcs="git", revision="main",
        commit="cc7f77129945b3fb483f7b8d91b51b1bc0c659c9")
    assert d["peft@0.13.3.dev0"].location.line == 147
    assert d["tokenizers@0.20.1"].source.kind is SourceKind.URL
    assert len(d["tokenizers@0.20.1"].hashes) == 1
    utils = d["my-utils@0.2.0"]
    assert utils.source == Source(SourceKind.PATH, "./libs/my-utils") and utils.editable


def test_extras_entry_is_its_own_declaration(lock: ScanResult) -> None:
    d = by_key(lock)
    plain, with_torch = d["transformers@4.45.2"], d["transformers[torch]@4.45.2"]
    assert (plain.extras, plain.location.line) == ((), 285)
    assert (with_torch.extras, with_torch.location.line) == (("torch",), 306)
    assert with_torch.hashes == plain.hashes
    edges = set(lock.edges)
    assert Edge("transformers[torch]@4.45.2", "transformers@4.45.2") in edges
    assert Edge("transformers[torch]@4.45.2", "torch@2.5.0") in edges
    # "transformers[torch]>=4.40" resolves to the extras entry, "transformers" to the plain one
    assert Edge("my-utils@0.2.0", "transformers[torch]@4.45.2") in edges
    assert Edge("peft@0.13.3.dev0", "transformers@4.45.2") in edges
    assert Edge("peft@0.13.3.dev0", "transformers[torch]@4.45.2") not in edges


def test_edges_from_requirement_strings(lock: ScanResult) -> None:
    assert [e.target for e in lock.edges if e.source == "pytest@8.3.3"] == [
        "colorama@0.4.6", "iniconfig@2.0.0", "packaging@24.1", "pluggy@1.5.0"]


def test_legacy_metadata_files_layout() -> None:
    result = scan("pdm/legacy/pdm.lock")
    assert result.diagnostics == []
    d = by_key(result)
    assert [k for k in d] == ["einops@0.6.1", "sentencepiece@0.1.99", "tiktoken@0.4.0",
                              "regex@2023.6.3"]
    assert len(d["einops@0.6.1"].hashes) == 2 and len(d["regex@2023.6.3"].hashes) == 1
    assert result.edges == [Edge("tiktoken@0.4.0", "regex@2023.6.3")]
    # no groups in the lock: the pyproject next to it says what is what
    assert {k: (v.scope, v.groups) for k, v in d.items()} == {
        "einops@0.6.1": (Scope.EXCLUDED, ("dev",)),
        "sentencepiece@0.1.99": (Scope.REQUIRED, ("default",)),
        "tiktoken@0.4.0": (Scope.REQUIRED, ("default",)),
        "regex@2023.6.3": (Scope.REQUIRED, ("default",)),  # through tiktoken
    }
    text = (FIX / "pdm/legacy/pdm.lock").read_text()
    alone = parse_pdm_lock(text, "pdm.lock")  # without it: all required
    assert all(x.scope is Scope.REQUIRED and x.groups == () for x in alone.declarations)


def test_truncated_lock_raises_parse_error_with_line() -> None:
    with pytest.raises(ParseError) as err:
        scan("pdm/truncated/pdm.lock")
    assert (err.value.path, err.value.line) == ("pdm/truncated/pdm.lock", 46)
    assert "is not valid TOML" in err.value.detail and "`pdm lock`" in err.value.detail


def test_package_without_version_is_reported_and_kept() -> None:
    result = scan("pdm/no-version/pdm.lock")
    assert result.diagnostics == [Diagnostic(
        "pdm/no-version/pdm.lock",
        "package 'pyarrow' has no version, so the lock does not pin it; "
        "regenerate the lock with `pdm lock`",
        40, "error", NAME,
    )]
    assert [d.key for d in result.declarations] == ["datasets@3.0.1", "filelock@3.16.1", "pyarrow"]
    assert Edge("datasets@3.0.1", "pyarrow") in result.edges


def test_unknown_lock_version_warns_and_reads() -> None:
    result = scan("pdm/unknown-version/pdm.lock")
    [diag] = result.diagnostics
    assert (diag.line, diag.severity) == (7, "warning")
    assert "[metadata] lock_version '5.0.0' is not a version this tool knows" in diag.message
    assert len(result.declarations) == 3


def test_missing_dependencies_are_warnings() -> None:
    result = scan("pdm/missing-dep/pdm.lock")
    assert [(d.line, d.severity, d.message) for d in result.diagnostics] == [
        (14, "warning", "'datasets' 3.0.1 depends on 'xxhash', which is not in the lock; the "
         "lock may be stale or hand-edited (regenerate it with `pdm lock`)"),
        (14, "warning", "'datasets' 3.0.1 depends on 'multiprocess', which is not in the lock "
         "(its marker 'python_version < \"3.12\"' may leave it out); the lock may be stale or "
         "hand-edited (regenerate it with `pdm lock`)"),
    ]
    assert len(result.edges) == 2
