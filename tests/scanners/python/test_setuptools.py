"""setup.cfg and setup.py: requirements and metadata read statically, with lines."""

from __future__ import annotations

import builtins
import runpy
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

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
)
from compliance.scanners import all_scanners
from compliance.scanners.base import ScanFile
from compliance.scanners.python.setuptools import SetupCfgScanner, SetupPyScanner

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "setuptools"
CFG = SetupCfgScanner()
PY = SetupPyScanner()
REQUIREMENT_ADVICE = ("declare the requirements in pyproject.toml [project] or setup.cfg "
                      "[options] instead")


def scan_cfg(case: str) -> ScanResult:
    return CFG.scan(ScanFile(FIXTURES, f"{case}/setup.cfg"))


def scan_py(case: str, root: Path = FIXTURES) -> ScanResult:
    return PY.scan(ScanFile(root, f"{case}/setup.py"))


def table(result: ScanResult) -> list[tuple[str, str | None, str | None, Scope, tuple[str, ...],
                                            int | None]]:
    """(name, version, constraint, scope, groups, line) of every declaration, in order."""
    return [(d.name, d.version, d.constraint, d.scope, d.groups, d.location.line)
            for d in result.declarations]


def by_name(result: ScanResult) -> dict[str, Declaration]:
    return {d.canonical: d for d in result.declarations}


def check_edges(result: ScanResult) -> None:
    keys = [d.key for d in result.declarations]
    assert len(keys) == len(set(keys))
    assert result.edges == [Edge(ROOT, k) for k in keys]
    assert all(d.direct is True for d in result.declarations)


def test_plugged_in_and_wants() -> None:
    names = {s.name for s in all_scanners()}
    assert {"python-setup-cfg", "python-setup-py"} <= names
    assert CFG.wants(PurePosixPath("libs/vision/setup.cfg"))
    assert not CFG.wants(PurePosixPath("setup.cfg.in"))
    assert PY.wants(PurePosixPath("setup.py"))
    assert not PY.wants(PurePosixPath("tests/test_setup.py"))


# --- setup.cfg -------------------------------------------------------------------------------


def test_setup_cfg_requirements_scopes_and_lines() -> None:
    result = scan_cfg("cfg")
    req, opt, exc = Scope.REQUIRED, Scope.OPTIONAL, Scope.EXCLUDED
    assert table(result) == [
        ("numpy", None, "<2.0,>=1.24", req, (), 12),
        ("pillow", "10.3.0", None, req, (), 14),  # after a comment line
        ("opencv-python-headless", None, ">=4.10", req, (), 15),
        ("timm", "1.0.9", None, req, (), 17),  # after a blank line inside the value
        ("setuptools-scm", None, ">=8", exc, ("setup_requires",), 19),
        ("pytest", None, ">=8", exc, ("tests_require",), 21),
        ("pytest-benchmark", None, None, exc, ("tests_require",), 22),
        ("onnx", "1.16.2", None, opt, ("onnx",), 26),
        ("onnxruntime-gpu", None, ">=1.19", opt, ("onnx",), 27),
        ("huggingface-hub", None, ">=0.24", opt, ("hub",), 28),
    ]
    assert by_name(result)["opencv-python-headless"].marker == 'platform_system != "Darwin"'
    assert result.diagnostics == []
    check_edges(result)


def test_setup_cfg_metadata() -> None:
    assert scan_cfg("cfg").project == ProjectInfo(
        name="vision-toolkit", version="1.3.0", license="BSD-3-Clause",
        description="Image pre-processing for vision transformers",
        location=Location("cfg/setup.cfg", 2),
    )


def test_setup_cfg_semicolons_attr_version_and_file_directive() -> None:
    result = scan_cfg("cfg-semicolon")
    assert table(result) == [
        ("regex", None, ">=2024.7.24", Scope.REQUIRED, (), 7),
        ("tiktoken", "0.7.0", None, Scope.REQUIRED, (), 7),
    ]
    assert result.project == ProjectInfo(name="sentence-chunker", version=None, license="MIT",
                                         location=Location("cfg-semicolon/setup.cfg", 2))
    assert result.diagnostics == [Diagnostic(
        "cfg-semicolon/setup.cfg",
        "[options.extras_require] all is read from 'file: requirements-all.txt' when setuptools "
        "runs; that is not followed here (a requirements*.txt file is scanned on its own)",
        11, "warning", "python-setup-cfg",
    )]


def test_setup_cfg_bad_line_is_a_parse_error_with_its_line() -> None:
    with pytest.raises(ParseError) as info:
        scan_cfg("cfg-bad-line")
    assert (info.value.path, info.value.line) == ("cfg-bad-line/setup.cfg", 7)
    assert info.value.detail == (
        "is not a valid setup.cfg: line 'timm' is neither a [section] header nor a "
        "'key = value' option (a continuation line must be indented)")


def test_setup_cfg_duplicate_option_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        scan_cfg("cfg-duplicate")
    assert (info.value.path, info.value.line) == ("cfg-duplicate/setup.cfg", 8)
    assert "option 'install_requires' appears twice in [options]" in info.value.detail


def test_setup_cfg_text_before_any_section(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("# packaging\ninstall_requires = torch\n")
    with pytest.raises(ParseError) as info:
        CFG.scan(ScanFile(tmp_path, "setup.cfg"))
    assert info.value.line == 2


def test_setup_cfg_unindented_requirement_is_flagged() -> None:
    result = scan_cfg("cfg-unindented")
    assert [d.name for d in result.declarations] == ["numpy"]
    assert result.diagnostics == [Diagnostic(
        "cfg-unindented/setup.cfg",
        "[options] has an option named 'torch>': this looks like a requirement line that is "
        "not indented, so it is not part of any requirement list; indent it under its key",
        7, "warning", "python-setup-cfg",
    )]


def test_setup_cfg_percent_signs_are_not_interpolated(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = pct\n\n[options]\ninstall_requires =\n"
        "    internal-lib @ https://example.com/internal_lib-1.0-py3-none-any.whl#%(x)s\n")
    result = CFG.scan(ScanFile(tmp_path, "setup.cfg"))
    assert [(d.name, d.location.line) for d in result.declarations] == [("internal-lib", 6)]


# --- setup.py --------------------------------------------------------------------------------


def test_setup_py_literals_names_and_concatenation() -> None:
    result = scan_py("py")
    req, opt, exc = Scope.REQUIRED, Scope.OPTIONAL, Scope.EXCLUDED
    assert table(result) == [
        ("faiss-cpu", "1.8.0.post1", None, req, (), 7),  # BASE, assigned once
        ("sentence-transformers", None, ">=3.0.1", req, (), 8),
        ("fastapi", None, ">=0.112", req, (), 10),  # SERVER
        ("uvicorn", "0.30.6", None, req, (), 10),
        ("pydantic", None, ">=2.8", req, (), 18),  # the literal added in the call
        ("setuptools", None, ">=69", exc, ("setup_requires",), 27),  # a multi-line string
        ("wheel", None, None, exc, ("setup_requires",), 28),
        ("pytest", None, ">=8.3", exc, ("tests_require",), 25),
        ("faiss-gpu", "1.7.2", None, opt, ("gpu",), 20),
        ("pytest", None, ">=8.3", opt, ("test",), 21),
        ("httpx", None, None, opt, ("test",), 21),
        ("tomli", None, ">=2.0", req, (), 22),  # ":marker" key: required with a marker
        ("flagembedding", None, ">=1.2.11", opt, ("rerank",), 23),
    ]
    decls = result.declarations
    assert decls[11].marker == 'python_version < "3.11"'
    assert decls[12].marker == 'platform_system == "Linux"'
    assert result.project == ProjectInfo(
        name="retrieval-server", version="0.8.0", license="Apache-2.0",
        description="Vector search over document embeddings",
        location=Location("py/setup.py", 13))
    assert result.diagnostics == []
    check_edges(result)


def test_setup_py_computed_values_are_warnings_at_their_line() -> None:
    result = scan_py("py-computed")
    path = "py-computed/setup.py"
    assert table(result) == [("numpy", None, ">=1.26", Scope.OPTIONAL, ("bench",), 28)]
    assert result.project == ProjectInfo(name="quantkit", location=Location(path, 24))

    def warn(line: int, message: str) -> Diagnostic:
        return Diagnostic(path, message, line, "warning", "python-setup-py")

    assert result.diagnostics == [
        warn(26, "setup(install_requires=...) is the result of calling read_requirements(), "
             f"computed at run time, so it cannot be read statically; {REQUIREMENT_ADVICE}"),
        warn(31, "setup(tests_require=...) is the name 'TEST_REQUIRES', which is not assigned "
             "exactly once to a literal at module level, computed at run time, so it cannot be "
             f"read statically; {REQUIREMENT_ADVICE}"),
        warn(28, "setup(extras_require={'bench': ...}) is an f-string, computed at run time, so "
             f"it cannot be read statically; {REQUIREMENT_ADVICE}"),
        warn(29, "setup(extras_require={'eval': ...}) is a list comprehension, computed at run "
             f"time, so it cannot be read statically; {REQUIREMENT_ADVICE}"),
        warn(25, "setup(version=...) is the result of calling get_version(), computed at run "
             "time, so it cannot be read statically; declare it in pyproject.toml [project] or "
             "setup.cfg [metadata] instead"),
    ]


def test_setup_py_is_never_executed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "py-hostile", tmp_path / "py-hostile")

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the scanner tried to run code")

    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(runpy, "run_path", forbidden)
    result = scan_py("py-hostile", tmp_path)  # no SystemExit escapes
    monkeypatch.undo()
    assert not (tmp_path / "py-hostile" / "SETUP_PY_WAS_RUN").exists()
    assert not (FIXTURES / "py-hostile" / "SETUP_PY_WAS_RUN").exists()
    assert table(result) == [("triton", "3.0.0", None, Scope.REQUIRED, (), 13)]
    assert result.project is not None and result.project.name == "kernel-fusion"


def test_setup_py_syntax_error_is_a_parse_error_with_its_line() -> None:
    with pytest.raises(ParseError) as info:
        scan_py("py-syntax-error")
    assert (info.value.path, info.value.line) == ("py-syntax-error/setup.py", 9)
    assert info.value.detail == ("is not valid Python: closing parenthesis ')' does not match "
                                 "opening parenthesis '[' on line 5")


def test_setuptools_module_call_and_kwargs_dict() -> None:
    result = scan_py("py-module-call")
    assert table(result) == [
        ("torch", None, ">=2.3", Scope.REQUIRED, (), 10),
        ("accelerate", "0.34.2", None, Scope.REQUIRED, (), 10),
    ]
    assert result.project == ProjectInfo(name="speculative-decoding", version="0.2.1",
                                         location=Location("py-module-call/setup.py", 4))
    assert result.diagnostics == []


def test_setup_py_without_setup_call(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("print('nothing to see')\n")
    result = PY.scan(ScanFile(tmp_path, "setup.py"))
    assert result.declarations == []
    assert result.diagnostics == [Diagnostic(
        "setup.py", "no setuptools setup() call found; no dependencies read", None, "warning",
        "python-setup-py")]


def test_setup_py_partly_literal_list_keeps_the_literal_items(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup as build\n"
        "import os\n"
        "build(\n"
        "    name='mixed',\n"
        "    install_requires=[\n"
        "        'einops>=0.8',\n"
        "        os.environ['EXTRA_REQ'],\n"
        "        3,\n"
        "    ],\n"
        "    extras_require=dict(vision=['torchvision==0.19.1']),\n"
        ")\n")
    result = PY.scan(ScanFile(tmp_path, "setup.py"))
    assert table(result) == [
        ("einops", None, ">=0.8", Scope.REQUIRED, (), 6),
        ("torchvision", "0.19.1", None, Scope.OPTIONAL, ("vision",), 10),
    ]
    assert [(d.line, d.message.split(",")[0]) for d in result.diagnostics] == [
        (7, "setup(install_requires=...) is a subscript"),
        (8, "setup(install_requires=...) is the constant 3"),
    ]
    assert result.diagnostics[1].message == (
        "setup(install_requires=...) is the constant 3, not a requirement string; it is skipped")


def test_setup_cfg_dashed_option_names(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = dashed\n\n[options]\ninstall-requires =\n    xformers==0.0.27.post2\n"
        "\n[options.extras_require]\ncuda-12 = cupy-cuda12x\n")
    result = CFG.scan(ScanFile(tmp_path, "setup.cfg"))
    assert table(result) == [
        ("xformers", "0.0.27.post2", None, Scope.REQUIRED, (), 6),
        ("cupy-cuda12x", None, None, Scope.OPTIONAL, ("cuda-12",), 9),
    ]
