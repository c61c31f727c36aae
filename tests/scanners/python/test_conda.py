"""Conda environment files: match specs, channels, the pip: list, and hostile YAML."""

from __future__ import annotations

import time
from pathlib import Path, PurePosixPath

import pytest
import yaml

from compliance.errors import ParseError
from compliance.model import (
    ROOT,
    Declaration,
    Diagnostic,
    Edge,
    Hash,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners import all_scanners
from compliance.scanners.base import ScanFile
from compliance.scanners.python.conda import (
    CondaEnvironmentScanner,
    MatchSpec,
    parse_match_spec,
)
from compliance.scanners.yaml_tree import MAX_ALIASES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "conda"
SCANNER = CondaEnvironmentScanner()
NAME = "conda-environment"
FORGE = Source(SourceKind.REGISTRY, "https://conda.anaconda.org/conda-forge")


def scan(rel: str, root: Path = FIXTURES) -> ScanResult:
    return SCANNER.scan(ScanFile(root, rel))


def write(tmp_path: Path, text: str) -> ScanResult:
    (tmp_path / "environment.yml").write_text(text)
    return scan("environment.yml", tmp_path)


def by_key(result: ScanResult) -> dict[str, Declaration]:
    return {d.key: d for d in result.declarations}


def diag(path: str, line: int | None, message: str, severity: str = "error") -> Diagnostic:
    return Diagnostic(path, message, line, severity, NAME)


@pytest.mark.parametrize(("name", "wanted"), [
    ("environment.yml", True), ("environment.yaml", True), ("cuda.environment.yml", True),
    ("environment-gpu.yml", True), ("environment_cpu.yaml", True), ("dev-environment.yml", True),
    ("environments.yml", False), ("docker-compose.yml", False), ("environment.json", False),
    ("ci.yml", False),
])
def test_wants(name: str, wanted: bool) -> None:
    assert SCANNER.wants(PurePosixPath(f"envs/{name}")) is wanted


def test_plugged_in() -> None:
    assert NAME in {s.name for s in all_scanners()}


@pytest.mark.parametrize(("spec", "expected"), [
    ("numpy", MatchSpec("numpy")),
    ("numpy=1.26.4", MatchSpec("numpy", constraint="1.26.4*")),  # conda's fuzzy '='
    ("numpy==1.26.4", MatchSpec("numpy", version="1.26.4")),
    ("numpy=1.26.4=py311h64a7726_0", MatchSpec("numpy", version="1.26.4",
                                                build="py311h64a7726_0")),
    ("numpy 1.26.4", MatchSpec("numpy", version="1.26.4")),
    ("numpy 1.26.4 py311_0", MatchSpec("numpy", version="1.26.4", build="py311_0")),
    ("numpy >=1.26, <2", MatchSpec("numpy", constraint=">=1.26,<2")),
    ("numpy=1.26.*", MatchSpec("numpy", constraint="1.26.*")),
    ("cudatoolkit 11.8.* *_cuda", MatchSpec("cudatoolkit", constraint="11.8.*", build="*_cuda")),
    ("openssl 3.0.*|>=3.1", MatchSpec("openssl", constraint="3.0.*|>=3.1")),
    ("conda-forge::pytorch=2.3.1", MatchSpec("pytorch", "conda-forge", constraint="2.3.1*")),
    ("https://conda.anaconda.org/nvidia::cuda-toolkit==12.1.0",
     MatchSpec("cuda-toolkit", "https://conda.anaconda.org/nvidia", version="12.1.0")),
    ("numpy[version='>=1.24', build=py311*]",
     MatchSpec("numpy", constraint=">=1.24", build="py311*")),
    ("libblas=*=*mkl", MatchSpec("libblas", build="*mkl")),
    ("=1.0", None),
    ("pandas=2.2 - pyarrow=17.0", None),
])
def test_parse_match_spec(spec: str, expected: MatchSpec | None) -> None:
    assert parse_match_spec(spec) == expected


def test_conda_packages_versions_channels_and_lines() -> None:
    result = scan("basic/environment.yml")
    conda = [(d.name, d.version, d.constraint, d.source.url, d.location.line)
             for d in result.declarations if d.ecosystem == "conda"]
    assert conda == [
        ("python", None, "3.11*", None, 8),  # python and pip are real conda packages: kept
        ("pip", None, None, None, 9),
        ("pytorch", "2.3.1", None, "https://conda.anaconda.org/pytorch", 10),
        ("pytorch-cuda", None, "12.1*", "https://conda.anaconda.org/pytorch", 11),
        ("cuda-toolkit", "12.1.1", None, "https://conda.anaconda.org/nvidia", 12),
        ("numpy", "1.26.4", None, None, 13),
        ("scipy", None, ">=1.13,<1.15", FORGE.url, 14),
        ("cudnn", None, "8.9.*", None, 15),
        ("libblas", None, None, None, 16),
        ("jupyterlab", None, None, None, 17),
    ]
    for decl in result.declarations:
        assert (decl.scope, decl.direct, decl.groups) == (Scope.REQUIRED, True, ())
    keys = [d.key for d in result.declarations]
    assert len(keys) == len(set(keys))
    assert result.edges == [Edge(ROOT, k) for k in keys]


def test_pip_section() -> None:
    result = scan("basic/environment.yml")
    pip = {d.name: d for d in result.declarations if d.ecosystem == "pypi"}
    assert sorted(pip) == ["bitsandbytes", "peft", "transformers", "trl"]
    mirror = Source(SourceKind.REGISTRY, "https://pypi.internal.example.com/simple")
    assert pip["transformers"].version == "4.44.2"
    assert pip["transformers"].hashes == (Hash(
        "SHA-256", "20eeb797b91dc25be38f52e70b5d4f3cfa623786c7fc711cbbdff191c97f75a8"),)
    assert pip["transformers"].source == mirror  # --index-url applies to every pip entry
    assert (pip["peft"].constraint, pip["peft"].source) == (">=0.12.0", mirror)
    assert pip["bitsandbytes"].marker == 'sys_platform == "linux"'
    assert pip["trl"].source == Source(SourceKind.VCS, "https://github.com/huggingface/trl.git",
                                       vcs="git", revision="v0.10.1")
    assert {n: d.location.line for n, d in pip.items()} == {
        "transformers": 20, "peft": 21, "bitsandbytes": 22, "trl": 24}
    # "-e ." is the project itself: skipped quietly; "-r" is reported
    assert result.diagnostics == [diag(
        "basic/environment.yml", 25,
        "dependencies: pip: '-r requirements-extra.txt' reads another file, which is not "
        "followed here (a requirements*.txt file is scanned on its own)", "warning")]


def test_named_environment_file() -> None:
    result = scan("named/cuda.environment.yml")
    decls = by_key(result)
    assert decls["dependencies[0]"].constraint == ">=3.10,<3.13"
    nccl = decls["dependencies[1]"]
    assert (nccl.name, nccl.version, nccl.source, nccl.location.line) == (
        "nccl", "2.21.5.1", FORGE, 6)
    vllm = decls["dependencies[2].pip[1]"]
    assert (vllm.ecosystem, vllm.version, vllm.location.line) == ("pypi", "0.5.4", 9)
    assert vllm.source.is_default_registry  # --extra-index-url does not say which index
    assert result.diagnostics == []


def test_bad_entries_are_diagnostics_and_the_rest_is_read() -> None:
    result = scan("bad-entries/environment.yml")
    path = "bad-entries/environment.yml"
    assert [(d.name, d.ecosystem, d.location.line) for d in result.declarations] == [
        ("pandas", "conda", 4), ("lm-eval", "pypi", 7)]
    assert result.diagnostics == [
        diag(path, 3, "dependencies: '=1.0' is not a conda package spec: expected name, "
             "name=version or channel::name; skipped"),
        diag(path, 5, "dependencies: an entry is neither a package spec nor a pip: list; "
             "skipped"),
        diag(path, 8, "dependencies: pip: invalid requirement 'scikit-learn >>= 1.5': Expected "
             "semicolon (after name with no version specifier) or end; this entry is skipped"),
        diag(path, 9, "dependencies: pip: '-e ./packages/metrics' installs the local project at "
             "'./packages/metrics' in editable mode; its name is not known without reading "
             "that project, so it is not recorded (it is scanned when its directory is)",
             "warning"),
        diag(path, 10, "dependencies: pip: unknown option line '--no-cache-dir'; ignored",
             "warning"),
    ]


def test_entry_folded_by_bad_indentation() -> None:
    result = scan("folded/environment.yml")
    assert [d.name for d in result.declarations] == ["numpy", "polars"]
    assert result.diagnostics == [diag(
        "folded/environment.yml", 4,
        "dependencies: 'pandas=2.2 - pyarrow=17.0' is not a conda package spec: it looks like "
        "two entries folded into one (check the indentation of the next '- ' line); skipped")]


# --- broken and hostile YAML -----------------------------------------------------------------


def test_malformed_yaml_raises_with_the_line() -> None:
    with pytest.raises(ParseError) as info:
        scan("malformed/environment.yml")
    assert (info.value.path, info.value.line) == ("malformed/environment.yml", 8)
    assert info.value.detail in (  # libyaml's wording, then PyYAML's pure-Python one
        "is not valid YAML: did not find expected key (while parsing a block mapping)",
        "is not valid YAML: expected <block end>, but found '-' (while parsing a block mapping)",
    )


def test_pure_python_loader_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance.scanners import yaml_tree

    monkeypatch.setattr(yaml_tree, "_LOADER", yaml.SafeLoader)
    result = scan("basic/environment.yml")
    assert len(result.declarations) == 14
    with pytest.raises(ParseError, match="anchors and aliases"):
        scan("bomb/environment.yml")


def test_alias_bomb_is_refused_quickly() -> None:
    start = time.perf_counter()
    with pytest.raises(ParseError) as info:
        scan("bomb/environment.yml")
    assert time.perf_counter() - start < 1.0
    assert (info.value.path, info.value.line) == ("bomb/environment.yml", 4)
    assert info.value.detail == (f"uses more than {MAX_ALIASES} YAML anchors and aliases; "
                                 "refused (an alias bomb can expand without bound)")


def test_a_few_anchors_are_fine(tmp_path: Path) -> None:
    result = write(tmp_path, "name: x\nbase: &base numpy=1.26\ndependencies:\n  - *base\n")
    assert [(d.name, d.constraint, d.location.line) for d in result.declarations] == [
        ("numpy", "1.26*", 2)]


def test_deep_nesting_is_refused_without_crashing(tmp_path: Path) -> None:
    start = time.perf_counter()
    # PyYAML 6.0.4 and later stop at their own depth limit first; either way a clear refusal
    with pytest.raises(ParseError,
                       match=r"nests YAML collections more than 64 deep|maximum nesting depth"):
        write(tmp_path, "dependencies: " + "[" * 200_000 + "]" * 200_000 + "\n")
    assert time.perf_counter() - start < 1.0


def test_top_level_not_a_mapping() -> None:
    with pytest.raises(ParseError) as info:
        scan("not-mapping/environment.yml")
    assert (info.value.path, info.value.line) == ("not-mapping/environment.yml", 1)
    assert "top level is not a mapping" in info.value.detail


def test_several_documents_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as info:
        write(tmp_path, "dependencies: [numpy]\n---\ndependencies: [scipy]\n")
    assert info.value.line == 2


def test_undefined_alias_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="alias \\*nope names no anchor"):
        write(tmp_path, "dependencies:\n  - *nope\n")


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    result = write(tmp_path, "dependencies:\n  - !!python/object/apply:os.system ['true']\n"
                             "  - numpy\n")
    assert [d.name for d in result.declarations] == ["numpy"]
    assert [d.line for d in result.diagnostics] == [2]


def test_empty_file_and_no_dependencies(tmp_path: Path) -> None:
    result = write(tmp_path, "")
    assert result.declarations == []
    assert result.diagnostics == [diag("environment.yml", None, "is empty; no dependencies read",
                                       "warning")]
    assert write(tmp_path, "name: x\ndependencies:\n") == ScanResult()
