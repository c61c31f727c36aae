"""pyproject.toml: PEP 621, PEP 735, Poetry, PDM and uv tables, with lines and diagnostics."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from compliance.errors import ParseError
from compliance.model import (
    ROOT,
    Declaration,
    Diagnostic,
    Edge,
    Location,
    ProjectInfo,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners import all_scanners
from compliance.scanners.base import ScanFile
from compliance.scanners.python.pyproject import PyprojectScanner, TomlLines, group_scope

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "pyproject"
SCANNER = PyprojectScanner()
NAME = "python-pyproject"


def scan(case: str) -> ScanResult:
    """Scan ``<case>/pyproject.toml`` of the fixture folder."""
    return SCANNER.scan(ScanFile(FIXTURES, f"{case}/pyproject.toml"))


def by_key(result: ScanResult) -> dict[str, Declaration]:
    return {d.key: d for d in result.declarations}


def by_name(result: ScanResult) -> dict[str, Declaration]:
    """Declarations by canonical name; fails when a name is declared twice."""
    found: dict[str, Declaration] = {}
    for decl in result.declarations:
        assert decl.canonical not in found, f"{decl.canonical} declared twice"
        found[decl.canonical] = decl
    return found


def lines(result: ScanResult) -> dict[str, int | None]:
    return {d.key: d.location.line for d in result.declarations}


def warning(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(path, message, line, "warning", NAME)


def error(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(path, message, line, "error", NAME)


ALL_CASES = ["pep621", "license-text", "license-file", "dependency-groups",
             "dependency-groups-broken", "poetry", "poetry-broken", "pdm", "uv",
             "bad-requirement", "no-project"]


def test_plugged_in_and_wants_only_pyproject() -> None:
    assert NAME in {s.name for s in all_scanners()}
    assert SCANNER.wants(PurePosixPath("services/api/pyproject.toml"))
    assert not SCANNER.wants(PurePosixPath("pyproject.toml.bak"))
    assert not SCANNER.wants(PurePosixPath("poetry.lock"))


@pytest.mark.parametrize("case", ALL_CASES)
def test_every_declaration_is_direct_keyed_and_hangs_off_the_root(case: str) -> None:
    result = scan(case)
    keys = [d.key for d in result.declarations]
    assert len(keys) == len(set(keys))
    assert result.edges == [Edge(ROOT, k) for k in keys]
    for decl in result.declarations:
        assert decl.direct is True
        assert decl.location.path == f"{case}/pyproject.toml"
        assert decl.location.line is not None


# --- PEP 621 ---------------------------------------------------------------------------------


def test_pep621_project_info() -> None:
    assert scan("pep621").project == ProjectInfo(
        name="llm-serve", version="0.4.2", license="Apache-2.0",
        description="An OpenAI-compatible inference server for open-weight models",
        location=Location("pep621/pyproject.toml", 6),
    )


def test_pep621_dependencies_lines_versions_and_sources() -> None:
    deps = by_name(scan("pep621"))
    assert deps["torch"].constraint == "<2.5,>=2.3" and deps["torch"].version is None
    assert deps["transformers"].version == "4.44.2"
    assert deps["transformers"].extras == ("torch",)
    assert deps["vllm"].marker == 'sys_platform == "linux"'
    assert deps["fastapi"].version is None and deps["fastapi"].constraint is None
    assert deps["pydantic"].constraint == ">=2.8"  # a """multi-line""" string entry
    assert deps["flash-attn"].source == Source(
        SourceKind.VCS, "https://github.com/Dao-AILab/flash-attention.git", vcs="git",
        revision="418d677192b483ff5ee4db80cb7e7c6d2a3a5c12",
        commit="418d677192b483ff5ee4db80cb7e7c6d2a3a5c12",
    )
    assert {n: d.location.line for n, d in deps.items() if d.scope is Scope.REQUIRED} == {
        "torch": 12, "transformers": 13, "vllm": 14, "fastapi": 15, "flash-attn": 16,
        "pydantic": 17,
    }
    assert all(deps[n].groups == () for n in ("torch", "vllm", "pydantic"))


def test_optional_dependencies_and_self_reference() -> None:
    result = scan("pep621")
    deps = by_name(result)
    assert "llm-serve" not in deps  # all = ["llm-serve[gpu,quant]"] adds no component
    assert (deps["triton"].scope, deps["triton"].version, deps["triton"].location.line) == (
        Scope.OPTIONAL, "3.0.0", 21)
    assert deps["triton"].groups == ("gpu", "all")
    assert deps["bitsandbytes"].groups == ("gpu", "all")
    assert (deps["auto-gptq"].groups, deps["auto-gptq"].location.line) == (("quant", "all"), 23)
    assert result.diagnostics == []


def test_build_system_requires_are_excluded() -> None:
    deps = by_name(scan("pep621"))
    for name in ("hatchling", "hatch-vcs"):
        assert deps[name].scope is Scope.EXCLUDED
        assert deps[name].groups == ("build-system",)
        assert deps[name].location.line == 2


def test_license_table_text_dynamic_version_and_license_file() -> None:
    info = scan("license-text").project
    assert info is not None
    assert (info.name, info.version, info.license) == ("tokenizers-lite", None, "BSD-3-Clause")
    info = scan("license-file").project
    assert info is not None
    assert (info.name, info.version, info.license) == ("embedding-cache", "1.0.0", None)


def test_pyproject_without_dependencies_gives_nothing() -> None:
    result = scan("no-project")
    assert result == ScanResult()


def test_invalid_requirement_is_a_diagnostic_and_the_rest_is_read() -> None:
    result = scan("bad-requirement")
    path = "bad-requirement/pyproject.toml"
    assert sorted(by_name(result)) == ["datasets", "matplotlib", "scikit-learn"]
    assert lines(result) == {
        "project.dependencies[0]": 5,
        "project.dependencies[2]": 7,
        "project.optional-dependencies.plots[0]": 11,
    }
    assert result.diagnostics == [
        error(path, 6, "[project] dependencies: invalid requirement 'evaluate >>= 0.4': "
              "Expected semicolon (after name with no version specifier) or end; this entry "
              "is skipped"),
        error(path, 11, "[project.optional-dependencies] plots: invalid requirement "
              "'seaborn[': Expected matching RIGHT_BRACKET for LEFT_BRACKET, after extras; "
              "this entry is skipped"),
    ]


def test_invalid_toml_raises_with_the_line() -> None:
    with pytest.raises(ParseError) as info:
        scan("invalid-toml")
    assert info.value.path == "invalid-toml/pyproject.toml"
    assert info.value.line == 7
    assert info.value.detail == "is not valid TOML: Unclosed array"


def test_deeply_nested_toml_is_a_parse_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(ParseError, match="not valid TOML"):
        SCANNER.scan(ScanFile(tmp_path, "pyproject.toml"))


# --- PEP 735 ---------------------------------------------------------------------------------


def test_dependency_groups_scopes_groups_and_includes() -> None:
    result = scan("dependency-groups")
    deps = by_name(result)
    assert deps["langchain-core"].scope is Scope.REQUIRED
    # "test" includes "typing"; "serve" (not a dev name) includes "test"
    assert (deps["pytest"].groups, deps["pytest"].scope) == (("test", "serve"), Scope.OPTIONAL)
    assert deps["mypy"].groups == ("typing", "serve", "test")
    assert deps["mypy"].version == "1.11.2"
    assert (deps["mkdocs-material"].groups, deps["mkdocs-material"].scope) == (
        ("docs",), Scope.EXCLUDED)
    assert (deps["uvicorn"].groups, deps["uvicorn"].extras) == (("serve",), ("standard",))
    assert {n: d.location.line for n, d in deps.items()} == {
        "langchain-core": 4, "faiss-cpu": 4, "pytest": 8, "pytest-asyncio": 9, "mypy": 12,
        "types-requests": 12, "mkdocs-material": 13, "uvicorn": 16, "ragas": 21,
    }
    assert result.diagnostics == []


def test_self_reference_chain_from_a_group_through_extras() -> None:
    # bench = ["rag-pipeline[all]"], all = ["rag-pipeline[eval]"], eval = ["ragas==0.1.16"]
    deps = by_name(scan("dependency-groups"))
    assert "rag-pipeline" not in deps
    assert (deps["ragas"].groups, deps["ragas"].scope) == (("eval", "all", "bench"),
                                                          Scope.OPTIONAL)


def test_dependency_groups_cycle_unknown_include_and_bad_entry() -> None:
    result = scan("dependency-groups-broken")
    path = "dependency-groups-broken/pyproject.toml"
    deps = by_name(result)
    assert sorted(deps) == ["ipython", "pre-commit", "ruff"]
    assert all(d.scope is Scope.EXCLUDED for d in deps.values())
    assert deps["pre-commit"].groups == ("check", "lint")
    assert sorted(result.diagnostics, key=lambda d: d.line or 0) == [
        error(path, 9, "[dependency-groups] check includes 'lint', which leads back to it "
              "(an include-group cycle); this include is ignored"),
        error(path, 12, "[dependency-groups] dev includes group 'tests', which is not defined "
              "in [dependency-groups]; the include is ignored"),
        error(path, 13, "[dependency-groups] dev: entry 42 is neither a requirement string nor "
              '{include-group = "name"}; skipped'),
    ]


def test_group_including_itself(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[dependency-groups]\nloop = [\n  "ruff",\n  {include-group = "loop"},\n]\n')
    result = SCANNER.scan(ScanFile(tmp_path, "pyproject.toml"))
    assert [d.name for d in result.declarations] == ["ruff"]
    assert result.diagnostics == [error("pyproject.toml", 4, "[dependency-groups] loop includes "
                                        "itself (an include-group cycle); this include is "
                                        "ignored")]


@pytest.mark.parametrize(("group", "scope"), [
    ("dev", Scope.EXCLUDED), ("test", Scope.EXCLUDED), ("Lint", Scope.EXCLUDED),
    ("docs", Scope.EXCLUDED), ("typing", Scope.EXCLUDED), ("test-gpu", Scope.EXCLUDED),
    ("pre-commit", Scope.EXCLUDED), ("gpu", Scope.OPTIONAL), ("serve", Scope.OPTIONAL),
    ("contest", Scope.OPTIONAL),
])
def test_group_scope(group: str, scope: Scope) -> None:
    assert group_scope(group) is scope


# --- Poetry ----------------------------------------------------------------------------------


def test_poetry_project_info() -> None:
    info = scan("poetry").project
    assert info is not None and info.location is not None
    assert (info.name, info.version, info.license, info.location.line) == (
        "diffusion-studio", "0.9.1", "MIT", 2)
    assert info.description == "Batch image generation on top of diffusers"


def test_poetry_main_dependencies() -> None:
    result = scan("poetry")
    decls = by_key(result)
    main = {k.rsplit(".", 1)[-1]: d for k, d in decls.items()
            if k.startswith("tool.poetry.dependencies.") and not k.endswith("]")}
    assert "python" not in main
    assert (main["diffusers"].constraint, main["diffusers"].version) == ("^0.30.2", None)
    assert main["accelerate"].constraint == "~0.34"
    assert main["pillow"].constraint == "*"
    assert (main["safetensors"].version, main["safetensors"].constraint) == ("0.4.5", None)
    assert main["torch"].version == "2.4.1"
    assert main["torch"].source == Source(SourceKind.REGISTRY,
                                          "https://download.pytorch.org/whl/cu121")
    assert main["transformers"].constraint == ">=4.44,<5"
    assert main["transformers"].extras == ("sentencepiece",)
    assert main["transformers"].marker == "platform_machine == 'x86_64'"
    assert (main["xformers"].scope, main["xformers"].groups) == (
        Scope.OPTIONAL, ("memory-efficient",))
    assert main["controlnet-aux"].source == Source(
        SourceKind.VCS, "https://github.com/huggingface/controlnet_aux.git", vcs="git",
        revision="a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        commit="a1b2c3d4e5f60718293a4b5c6d7e8f9012345678")
    assert main["peft"].source == Source(SourceKind.VCS, "https://github.com/huggingface/peft.git",
                                         vcs="git", revision="v0.12.0")
    assert main["studio-core"].source == Source(SourceKind.PATH, "../studio-core")
    assert main["studio-core"].editable is True
    assert main["compel"].source == Source(
        SourceKind.URL, "https://files.pythonhosted.org/packages/compel-2.0.3-py3-none-any.whl")
    assert (main["jax"].version, main["jax"].extras) == ("0.4.31", ("cuda12",))
    assert {n: d.location.line for n, d in main.items()} == {
        "diffusers": 10, "accelerate": 11, "pillow": 12, "safetensors": 13, "torch": 14,
        "transformers": 15, "xformers": 16, "controlnet-aux": 17, "peft": 18,
        "studio-core": 19, "compel": 20, "jax": 49,
    }
    assert all(d.scope is Scope.REQUIRED for n, d in main.items() if n != "xformers")
    assert result.diagnostics == []


def test_poetry_multiple_constraints_give_one_declaration_each() -> None:
    decls = by_key(scan("poetry"))
    first, second = decls["tool.poetry.dependencies.numpy[0]"], decls[
        "tool.poetry.dependencies.numpy[1]"]
    assert (first.name, first.constraint, first.location.line) == ("numpy", "<2", 22)
    assert (second.name, second.constraint, second.location.line) == ("numpy", "^2.1", 23)


def test_poetry_groups() -> None:
    decls = by_key(scan("poetry"))
    tqdm = decls["tool.poetry.group.main.dependencies.tqdm"]
    assert (tqdm.scope, tqdm.groups, tqdm.location.line) == (Scope.REQUIRED, (), 30)
    black = decls["tool.poetry.dev-dependencies.black"]
    assert (black.scope, black.groups, black.location.line) == (Scope.EXCLUDED, ("dev",), 33)
    pytest_ = decls["tool.poetry.group.test.dependencies.pytest"]
    assert (pytest_.scope, pytest_.groups, pytest_.location.line) == (
        Scope.EXCLUDED, ("test",), 36)
    sphinx = decls["tool.poetry.group.docs.dependencies.sphinx"]  # optional group: still dev
    assert (sphinx.scope, sphinx.groups, sphinx.location.line) == (Scope.EXCLUDED, ("docs",), 42)


def test_poetry_unknown_shapes_are_diagnosed_and_still_recorded() -> None:
    result = scan("poetry-broken")
    path = "poetry-broken/pyproject.toml"
    deps = by_name(result)
    assert sorted(deps) == ["diffusers", "einops", "onnxruntime", "torch"]
    assert deps["diffusers"].version is None and deps["diffusers"].constraint is None
    assert deps["torch"].constraint == "^2.4" and deps["torch"].source.is_default_registry
    assert result.diagnostics == [
        warning(path, 7, "poetry dependency 'diffusers' is a table with verison but none of "
                "version, git, path or url (the shapes Poetry understands); recorded without "
                "a version"),
        warning(path, 8, "poetry dependency 'onnxruntime' is 1.19, neither a version string "
                'nor a table (quote it: "1.19"); recorded without a version'),
        warning(path, 9, "poetry dependency 'torch' names source 'internal-mirror', which no "
                "[[tool.poetry.source]] defines; the default index is assumed"),
    ]


# --- PDM and uv ------------------------------------------------------------------------------


def test_pdm_dev_dependencies() -> None:
    result = scan("pdm")
    deps = by_name(result)
    assert deps["openai-whisper"].version == "20231117"
    assert deps["openai-whisper"].scope is Scope.REQUIRED
    assert (deps["ruff"].scope, deps["ruff"].groups, deps["ruff"].location.line) == (
        Scope.EXCLUDED, ("lint",), 7)
    audio = deps["audio-utils"]
    assert (audio.scope, audio.groups, audio.location.line) == (Scope.EXCLUDED, ("test",), 10)
    assert audio.editable is True
    assert audio.source == Source(SourceKind.PATH, "packages/audio-utils")
    assert result.diagnostics == []


def test_uv_sources_and_dev_dependencies() -> None:
    result = scan("uv")
    path = "uv/pyproject.toml"
    deps = by_name(result)
    # several marker-selected sources: the first is recorded
    assert deps["torch"].source == Source(SourceKind.REGISTRY,
                                          "https://download.pytorch.org/whl/cu124")
    assert deps["torch"].version == "2.4.1"
    assert deps["lm-eval"].source == Source(
        SourceKind.VCS, "https://github.com/EleutherAI/lm-evaluation-harness", vcs="git",
        revision="v0.4.3")
    assert deps["triton-kernels"].source == Source(
        SourceKind.URL, "https://example.com/wheels/triton_kernels-0.1.0-py3-none-any.whl")
    assert deps["local-tools"].source == Source(SourceKind.PATH, "packages/local-tools")
    assert deps["local-tools"].editable is True
    assert deps["shared-schemas"].source == Source(SourceKind.PATH, None)
    assert deps["bge-reranker"].source.is_default_registry
    assert (deps["pytest"].scope, deps["pytest"].groups, deps["pytest"].location.line) == (
        Scope.EXCLUDED, ("dev",), 15)
    assert deps["pytest-cov"].source.commit == "0f0ab3ea5e8a3b2f9bd6ad5ae22c6e5e4ebd5c1a"
    assert deps["pytest-cov"].location.line == 16
    assert deps["torch"].location.line == 5  # the declaration's line, not the source's
    assert result.diagnostics == [
        warning(path, 28, "[tool.uv.sources] bge-reranker names index 'internal', which no "
                "[[tool.uv.index]] defines; the default index is assumed"),
        warning(path, 30, "[tool.uv.sources] names 'ghost', which no dependency of this "
                "project declares; ignored"),
    ]


# --- the line index --------------------------------------------------------------------------


def test_toml_lines_follows_strings_comments_tables_and_arrays() -> None:
    text = "\n".join([
        '# [project] in a comment',                      # 1
        'title = """',                                   # 2
        'dependencies = ["not", "real"]',                # 3
        '"quoted ] ""',                                  # 4
        '"""',                                           # 5
        "literal = '''[x]'''",                           # 6
        '[project]  # trailing ]',                       # 7
        'name = "demo"',                                 # 8
        'urls.homepage = "https://example.com"',         # 9
        'dependencies = [ # a comment with "quotes" [',  # 10
        '  "a>=1", \'b\',',                              # 11
        '',                                              # 12
        '  "c", ]',                                      # 13
        'inline = { x = 1, y = [',                       # 14
        '  2, 3] }',                                     # 15
        '[[tool.poetry.source]]',                        # 16
        'name = "one"',                                  # 17
        '[[tool.poetry.source]]',                        # 18
        'name = "two"',                                  # 19
        '[tool."odd.key".sub]',                          # 20
        'k = 1979-05-27T07:32:00Z',                      # 21
        'after = [1, 2]',                                # 22
    ])
    index = TomlLines(text)
    assert index.line("title") == 2
    assert index.line("literal") == 6
    assert index.line("project") == 7
    assert index.line("project", "name") == 8
    assert index.line("project", "urls", "homepage") == 9
    assert [index.line("project", "dependencies", i) for i in range(3)] == [11, 11, 13]
    assert index.line("project", "dependencies") == 10
    assert index.line("project", "inline", "y", 1) == 15
    assert index.line("tool", "poetry", "source", 0, "name") == 17
    assert index.line("tool", "poetry", "source", 1, "name") == 19
    assert index.line("tool", "odd.key", "sub", "k") == 21
    assert index.line("tool", "odd.key", "sub", "after", 1) == 22
    assert index.line("project", "missing") == 7  # falls back to the nearest parent
    assert index.line("nowhere") is None


def test_wrong_types_are_diagnosed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = "torch>=2"\n\n'
        '[project.optional-dependencies]\ngpu = ["triton", 7]\n')
    result = SCANNER.scan(ScanFile(tmp_path, "pyproject.toml"))
    assert [d.name for d in result.declarations] == ["triton"]
    assert result.diagnostics == [
        error("pyproject.toml", 3, "[project] dependencies must be an array of requirement "
              "strings; it is not read"),
        error("pyproject.toml", 6, "[project.optional-dependencies] gpu: entry 7 is not a "
              "requirement string; skipped"),
    ]


def test_large_pyproject_is_fast(tmp_path: Path) -> None:
    body = "".join(f'    "package-{i}>=1.{i}",\n' for i in range(5000))
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "big"\ndependencies = [\n{body}]\n')
    result = SCANNER.scan(ScanFile(tmp_path, "pyproject.toml"))
    assert len(result.declarations) == 5000
    assert result.declarations[-1].location.line == 5003
