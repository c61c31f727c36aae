"""Pipfile.lock: default / develop sections, indexes, VCS / file / path entries, JSON lines."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest

from compliance.errors import ParseError
from compliance.model import (
    Declaration,
    DeclarationKind,
    Diagnostic,
    Hash,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners.base import ScanFile
from compliance.scanners.python.pipfile_lock import (
    NAME,
    PipfileLockScanner,
    locate_entries,
    parse_pipfile_lock,
)

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "locks"
SCANNER = PipfileLockScanner()


def scan(rel: str) -> ScanResult:
    return SCANNER.scan(ScanFile(FIX, rel))


def by_key(result: ScanResult) -> dict[str, Declaration]:
    return {d.key: d for d in result.declarations}


@pytest.fixture(scope="module")
def lock() -> ScanResult:
    return scan("pipfile/Pipfile.lock")


def test_wants_only_pipfile_lock() -> None:
    assert SCANNER.wants(PurePosixPath("app/Pipfile.lock"))
    assert not SCANNER.wants(PurePosixPath("Pipfile"))


def test_sections_give_scopes_and_lines(lock: ScanResult) -> None:
    assert lock.diagnostics == [] and lock.edges == []
    assert len(lock.declarations) == 16
    assert all(d.kind is DeclarationKind.LOCK and d.direct is None for d in lock.declarations)
    d = by_key(lock)
    certifi = d["default:certifi@2024.8.30"]
    assert (certifi.version, certifi.scope, certifi.groups, certifi.location.line) == (
        "2024.8.30", Scope.REQUIRED, ("default",), 24)
    assert certifi.marker == "python_version >= '3.6'"
    pytest_ = d["develop:pytest@8.3.3"]
    assert (pytest_.scope, pytest_.groups, pytest_.location.line) == (
        Scope.EXCLUDED, ("develop",), 154)
    # in both sections: two declarations, the inventory keeps the stronger scope
    assert d["default:packaging@24.1"].location.line == 75
    assert d["develop:packaging@24.1"].location.line == 136


def test_index_sources_and_hashes(lock: ScanResult) -> None:
    d = by_key(lock)
    torch = d["default:torch@2.4.1+cu121"]
    assert torch.source == Source(SourceKind.REGISTRY, "https://download.pytorch.org/whl/cu121")
    assert len(torch.hashes) == 3  # four listed, one repeated
    assert d["default:certifi@2024.8.30"].source == Source()
    assert d["default:certifi@2024.8.30"].hashes[0] == Hash(
        "SHA-256", json.loads((FIX / "pipfile/Pipfile.lock").read_text())["default"]["certifi"][
            "hashes"][0].split(":")[1])
    assert d["default:transformers@4.44.2"].extras == ("torch",)


def test_vcs_file_and_path_entries(lock: ScanResult) -> None:
    d = by_key(lock)
    assert d["default:flash-attn"].source == Source(
        SourceKind.VCS, "https://github.com/Dao-AILab/flash-attention.git", vcs="git",
        revision="bdf733be55f0b323a8cf7cc6745a81c3f43cd7f0",
        commit="bdf733be55f0b323a8cf7cc6745a81c3f43cd7f0")
    assert d["default:flash-attn"].location.line == 58
    spacy_model = d["default:en-core-web-sm"]
    assert spacy_model.source.kind is SourceKind.URL and len(spacy_model.hashes) == 1
    utils = d["default:my-utils"]
    assert utils.source == Source(SourceKind.PATH, "./libs/my-utils") and utils.editable


def test_lines_of_a_compact_file() -> None:
    text = '{"_meta": {"pipfile-spec": 6},\n "default": {\n  "torch": {"version": "==2.4.1"},\n' \
           '  "tqdm": {"version": "==4.66.5", "markers": "x {not a brace} [nor this]"},\n' \
           '  "typer": {"version": "==0.12.5"}\n }, "develop": {}}\n'
    assert locate_entries(text)[("default", "typer")] == 5
    result = parse_pipfile_lock(text, "Pipfile.lock")
    assert [(d.name, d.location.line) for d in result.declarations] == [
        ("torch", 3), ("tqdm", 4), ("typer", 5)]


def test_custom_pipenv_category() -> None:
    text = json.dumps({"_meta": {"pipfile-spec": 6}, "default": {},
                       "docs": {"sphinx": {"version": "==8.0.2"}},
                       "serve": {"uvicorn": {"version": "==0.31.0"}}}, indent=4)
    d = by_key(parse_pipfile_lock(text, "Pipfile.lock"))
    assert (d["docs:sphinx@8.0.2"].scope, d["docs:sphinx@8.0.2"].location.line) == (
        Scope.EXCLUDED, 7)
    assert d["serve:uvicorn@0.31.0"].scope is Scope.OPTIONAL


def test_not_json_raises_parse_error_with_line() -> None:
    with pytest.raises(ParseError) as err:
        scan("pipfile/not-json/Pipfile.lock")
    assert (err.value.path, err.value.line) == ("pipfile/not-json/Pipfile.lock", 29)
    assert "is not valid JSON" in err.value.detail and "`pipenv lock`" in err.value.detail


def test_wrong_top_level_type_raises_parse_error() -> None:
    with pytest.raises(ParseError) as err:
        scan("pipfile/wrong-type/Pipfile.lock")
    assert (err.value.path, err.value.line) == ("pipfile/wrong-type/Pipfile.lock", 1)
    assert "holds a JSON array" in err.value.detail


def test_bad_entries_are_reported_and_the_rest_kept() -> None:
    result = scan("pipfile/bad-section/Pipfile.lock")
    path = "pipfile/bad-section/Pipfile.lock"
    assert result.diagnostics == [
        Diagnostic(path, "package 'tiktoken' in 'default' is a JSON string, not an object; it "
                   "was skipped", 27, "error", NAME),
        Diagnostic(path, "'develop' is a JSON array, not an object of packages; it was skipped",
                   29, "error", NAME),
    ]
    assert [d.key for d in result.declarations] == ["default:sentencepiece@0.2.0"]


def test_registry_entry_without_version_is_reported_and_kept() -> None:
    result = scan("pipfile/no-version/Pipfile.lock")
    assert result.diagnostics == [Diagnostic(
        "pipfile/no-version/Pipfile.lock",
        "package 'tiktoken' has no version, so the lock does not pin it; "
        "regenerate the lock with `pipenv lock`",
        27, "error", NAME,
    )]
    assert len(result.declarations) == 3


def test_unknown_spec_warns_and_reads() -> None:
    result = scan("pipfile/unknown-spec/Pipfile.lock")
    [diag] = result.diagnostics
    assert (diag.line, diag.severity) == (6, "warning")
    assert "_meta.pipfile-spec 7 is not a version this tool knows (6)" in diag.message
    assert len(result.declarations) == 3
