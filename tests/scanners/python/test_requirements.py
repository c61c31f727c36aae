"""pip requirements / constraints files and pip-tools inputs."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.markers import Marker

from compliance.model import (
    ROOT,
    Declaration,
    DeclarationKind,
    Diagnostic,
    Edge,
    Hash,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners.base import ScanFile
from compliance.scanners.python import requirements as reqmod
from compliance.scanners.python.pep508 import parse_requirement
from compliance.scanners.python.requirements import (
    SCANNER_NAME,
    RequirementsScanner,
    file_groups,
    redact_url,
    scan_requirements,
)

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "requirements"
SCANNER = RequirementsScanner()
SHA = "SHA-256"


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def scan(root: Path, rel: str = "requirements.txt") -> ScanResult:
    """Scan one file the way the core does, and check what every result must hold."""
    result = SCANNER.scan(ScanFile(root, rel))
    check_invariants(result)
    return result


def check_invariants(result: ScanResult) -> None:
    keys = [d.key for d in result.declarations]
    assert len(keys) == len(set(keys)), f"duplicate keys: {keys}"
    assert all(keys)
    known = set(keys) | {ROOT}
    for e in result.edges:
        assert e.source in known and e.target in known, e
    for diag in result.diagnostics:
        assert diag.scanner == SCANNER_NAME
        assert diag.severity in ("error", "warning")
        assert diag.line is None or diag.line >= 1


def names(result: ScanResult) -> list[str]:
    return [d.name for d in result.declarations]


def one(result: ScanResult, name: str) -> Declaration:
    found = [d for d in result.declarations if d.canonical == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def where(d: Declaration) -> tuple[str, int | None]:
    return d.location.path, d.location.line


def diags(result: ScanResult) -> list[tuple[str, int | None, str]]:
    return [(d.path, d.line, d.severity) for d in result.diagnostics]


def message(result: ScanResult, path: str, line: int) -> str:
    found = [d.message for d in result.diagnostics if d.path == path and d.line == line]
    assert len(found) == 1, f"{path}:{line}: {found}"
    return found[0]


def root_targets(result: ScanResult) -> set[str]:
    return {e.target for e in result.edges if e.source == ROOT}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------
# which files
# ------------------------------------------------------------------------------------------


def test_plugs_in() -> None:
    assert [s.name for s in reqmod.SCANNERS] == ["python-requirements"]


@pytest.mark.parametrize("path", [
    "requirements.txt", "Requirements.txt", "requirements-dev.txt", "requirements_gpu.txt",
    "requirements.dev.txt", "dev-requirements.txt", "test_requirements.txt",
    "requirements/base.txt", "ci/requirements/py311.txt", "requirements/test-gpu.in",
    "requirements.in", "dev-requirements.in", "constraints.txt", "constraints-cu121.txt",
    "services/api/requirements.txt", "docs/requirements.txt",
])
def test_wants_requirements_files(path: str) -> None:
    assert SCANNER.wants(PurePosixPath(path))


@pytest.mark.parametrize("path", [
    "MANIFEST.in", "Makefile.in", "config.h.in", "setup.py.in", "input.in", "setup.py",
    "pyproject.toml", "requirements.lock", "README.txt", "notes.txt", "LICENSE.txt",
    "requirements", "requirements.md", "constraints.py", "requirements.txt.bak",
    "docs/requirements.rst", "requirements/README.txt", "requirements/LICENSE.txt",
])
def test_leaves_other_files(path: str) -> None:
    assert not SCANNER.wants(PurePosixPath(path))


# ------------------------------------------------------------------------------------------
# plain requirements
# ------------------------------------------------------------------------------------------


def test_pins_ranges_extras_markers_and_comments() -> None:
    r = scan(FIX / "basic")
    assert names(r) == ["torch", "transformers", "numpy", "accelerate", "sentencepiece",
                        "triton", "Pillow", "bitsandbytes", "xformers", "scikit_learn"]
    torch = one(r, "torch")
    assert (torch.version, torch.constraint, where(torch)) == ("2.2.1", None,
                                                               ("requirements.txt", 2))
    assert torch.kind is DeclarationKind.MANIFEST and torch.scope is Scope.REQUIRED
    assert torch.direct is True and torch.groups == () and torch.source.is_default_registry
    tf = one(r, "transformers")
    assert tf.version is None and tf.constraint == "<5,>=4.38"
    assert tf.extras == ("sentencepiece", "torch")
    numpy = one(r, "numpy")  # the inline comment is dropped
    assert (numpy.constraint, numpy.location.line) == (">=1.26", 5)
    assert one(r, "accelerate").constraint == "~=0.27.2"
    sp = one(r, "sentencepiece")
    assert (sp.version, sp.marker) == ("0.2.0", 'sys_platform != "win32"')
    triton = one(r, "triton")
    assert triton.marker == 'platform_system == "Linux" and platform_machine == "x86_64"'
    assert triton.version == "2.2.0" and triton.location.line == 8
    pillow = one(r, "pillow")
    assert (pillow.version, pillow.constraint, pillow.location.line) == (None, None, 9)
    assert one(r, "bitsandbytes").version == "0.42.0"  # === is exact too
    assert one(r, "xformers").constraint == "==0.0.*"  # a wildcard is not a pin
    assert one(r, "scikit-learn").version == "1.4.1.post1"
    assert one(r, "scikit-learn").location.line == 13
    assert r.diagnostics == []
    assert root_targets(r) == {d.key for d in r.declarations}


def test_pip_compile_hashes_continuations_and_via_edges() -> None:
    r = scan(FIX / "hashes")
    assert [(d.name, d.version, d.location.line) for d in r.declarations] == [
        ("filelock", "3.13.1", 7), ("jinja2", "3.1.3", 10), ("numpy", "1.26.4", 13),
        ("safetensors", "0.4.2", 19), ("sympy", "1.12", 22), ("torch", "2.2.1", 25),
        ("typing-extensions", "4.10.0", 29),
    ]
    assert one(r, "numpy").hashes == (
        Hash(SHA, "9c2c5360c81990644f28c11b03dbe8307c7947cce13e70fae51f7bd111e80c91"),
        Hash(SHA, "bf1215a86de91c5ba74a30944f7fb98da72f2dbe0d21008cb118eb3501b36a92"),
    )
    # --hash on the requirement's own line, then "--hash value" on a continuation line
    assert one(r, "safetensors").hashes == (
        Hash(SHA, "1e65379db38adbc66ce0ac43d428d1611c81736e2df74b466840e2faee726593"),
        Hash(SHA, "f640484b2195f9651413ba631d2f73b0170c8dc794875a9d6df5b24ef6b0f817"),
    )
    assert all(len(d.hashes) >= 1 for d in r.declarations)
    # "# via -r requirements.in" marks what the project asks for; "# via torch" an edge
    key = {d.name: d.key for d in r.declarations}
    assert {d.name for d in r.declarations if d.direct} == {"numpy", "safetensors", "torch"}
    assert {d.name for d in r.declarations if d.direct is False} == {
        "filelock", "jinja2", "sympy", "typing-extensions"}
    assert root_targets(r) == {key["numpy"], key["safetensors"], key["torch"]}
    assert set(r.edges) - {Edge(ROOT, k) for k in root_targets(r)} == {
        Edge(key["torch"], key["filelock"]), Edge(key["torch"], key["jinja2"]),
        Edge(key["torch"], key["sympy"]), Edge(key["torch"], key["typing-extensions"]),
        Edge(key["safetensors"], key["numpy"]),
    }
    assert r.diagnostics == []


def test_continuations_keep_the_first_line_number() -> None:
    r = scan(FIX / "continuations")
    assert [(d.name, d.version, d.location.line) for d in r.declarations] == [
        ("transformers", "4.38.2", 1), ("accelerate", "0.27.2", 3), ("peft", "0.9.0", 5),
        ("safetensors", "0.4.2", 7), ("tokenizers", "0.15.2", 9),
    ]
    assert one(r, "accelerate").marker == 'python_version >= "3.8"'
    # pip joins line 8 into the comment of line 7 and drops it: say so
    assert diags(r) == [("requirements.txt", 8, "warning")]
    assert "read as part of a comment" in message(r, "requirements.txt", 8)


def test_crlf_line_endings_and_bom(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(
        b"\xef\xbb\xbf# pinned\r\ntorch==2.2.1 \\\r\n    --hash=sha256:"
        + b"c316c674376d10aed5e5e2854ab018d0b90037ca28947c37830b4cc7089f3f4e\r\nnumpy\r\n")
    r = scan(tmp_path)
    assert [(d.name, d.location.line, len(d.hashes)) for d in r.declarations] == [
        ("torch", 2, 1), ("numpy", 4, 0)]
    assert r.diagnostics == []


# ------------------------------------------------------------------------------------------
# includes
# ------------------------------------------------------------------------------------------


def test_includes_are_read_at_their_own_path_and_line() -> None:
    r = scan(FIX / "includes")
    got = [(d.name, d.location.path, d.location.line, d.kind) for d in r.declarations]
    m, c = DeclarationKind.MANIFEST, DeclarationKind.CONSTRAINT
    # base.txt is included twice (directly and through gpu.txt) and read once
    assert got == [
        ("torch", "requirements/base.txt", 1, m), ("numpy", "requirements/base.txt", 2, m),
        ("flash-attn", "requirements/gpu.txt", 2, m),
        ("urllib3", "constraints.txt", 1, c), ("protobuf", "constraints.txt", 2, c),
        ("vllm", "requirements.txt", 5, m),
    ]
    protobuf = one(r, "protobuf")
    assert (protobuf.version, protobuf.direct) == ("4.25.3", None)
    assert one(r, "urllib3").constraint == "<2"
    # constraints add nothing by themselves: no edge from the project
    assert root_targets(r) == {d.key for d in r.declarations if d.kind is m}
    assert all(d.direct for d in r.declarations if d.kind is m)
    assert r.diagnostics == []


def test_included_entries_take_the_scope_of_the_file_scanned() -> None:
    r = scan(FIX / "includes", "requirements/dev.txt")
    assert [(d.name, where(d), d.scope, d.groups) for d in r.declarations] == [
        ("torch", ("requirements/base.txt", 1), Scope.EXCLUDED, ("dev",)),
        ("numpy", ("requirements/base.txt", 2), Scope.EXCLUDED, ("dev",)),
        ("pytest", ("requirements/dev.txt", 2), Scope.EXCLUDED, ("dev",)),
    ]


def test_missing_include_and_option_without_value() -> None:
    r = scan(FIX / "include_missing")
    assert names(r) == ["torch", "numpy"]
    assert diags(r) == [("requirements.txt", 2, "error"), ("requirements.txt", 4, "error")]
    assert message(r, "requirements.txt", 2) == (
        "-r requirements-gpu.txt: included file requirements-gpu.txt does not exist")
    assert message(r, "requirements.txt", 4) == "option --constraint needs a value; ignored"


def test_includes_outside_the_root_and_urls_are_not_followed() -> None:
    r = scan(FIX / "include_outside" / "repo")
    assert names(r) == ["tokenizers"]  # ../shared-requirements.txt exists but is not read
    assert diags(r) == [("requirements.txt", 1, "error"), ("requirements.txt", 2, "error"),
                        ("requirements.txt", 3, "warning")]
    assert message(r, "requirements.txt", 1) == (
        "-r ../shared-requirements.txt: the included file is outside the scanned directory; "
        "not read")
    assert message(r, "requirements.txt", 2).startswith(
        "-c /etc/pip-constraints.txt: the included file is outside the scanned directory")
    assert "never uses the network" in message(r, "requirements.txt", 3)


def test_include_through_a_link_leading_out_of_the_root(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "secret.txt", "leaked-package==1.0\n")
    root = tmp_path / "repo"
    write(root / "requirements.txt", "-r shared.txt\ntorch==2.2.1\n")
    try:
        os.symlink(outside, root / "shared.txt")
    except OSError:
        pytest.skip("no symlinks here")
    r = scan(root)
    assert names(r) == ["torch"]
    assert message(r, "requirements.txt", 1) == (
        "-r shared.txt: shared.txt resolves to a location outside the scanned directory; "
        "not read")


def test_include_of_a_directory_and_of_a_binary_file(tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "blob.txt").write_bytes(b"\x7fELF\x00\x00binary")
    write(tmp_path / "requirements.txt", "-r wheels\n-c blob.txt\nnumpy==1.26.4\n")
    r = scan(tmp_path)
    assert names(r) == ["numpy"]
    assert message(r, "requirements.txt", 1) == (
        "-r wheels: wheels is a directory, not a requirements file")
    assert message(r, "requirements.txt", 2) == (
        "-c blob.txt: included file blob.txt: holds binary data, not text; not parsed")


@pytest.mark.parametrize("start", [
    "requirements.txt", "requirements/base.txt", "requirements/extra.txt"])
def test_include_cycle_names_the_chain_the_same_from_every_file(start: str) -> None:
    r = scan(FIX / "include_cycle", start)
    assert sorted(names(r)) == ["einops", "numpy", "torch"]  # every file read once
    assert r.diagnostics == [Diagnostic(
        "requirements/extra.txt",
        "-r ../requirements.txt: include cycle requirements.txt -> requirements/base.txt -> "
        "requirements/extra.txt -> requirements.txt; each file is read once",
        2, "error", SCANNER_NAME)]


def test_self_include(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "torch==2.2.1\n-r requirements.txt\n")
    r = scan(tmp_path)
    assert names(r) == ["torch"]
    assert message(r, "requirements.txt", 2) == (
        "-r requirements.txt: include cycle requirements.txt -> requirements.txt; each file "
        "is read once")


def test_problems_in_an_included_file_are_reported_at_that_file(tmp_path: Path) -> None:
    write(tmp_path / "requirements" / "base.txt", "torch=2.2.1\nnumpy==${NUMPY_VERSION}\n")
    write(tmp_path / "requirements.txt", "-r requirements/base.txt\n")
    r = scan(tmp_path)
    standalone = scan(tmp_path, "requirements/base.txt")
    assert diags(r) == [("requirements/base.txt", 1, "error"),
                        ("requirements/base.txt", 2, "warning")]
    # the same diagnostics as when the file is scanned on its own: the core can merge them
    assert r.diagnostics == standalone.diagnostics
    assert [where(d) for d in r.declarations] == [("requirements/base.txt", 2)]


# ------------------------------------------------------------------------------------------
# URLs, VCS and local paths
# ------------------------------------------------------------------------------------------


def test_vcs_requirements() -> None:
    r = scan(FIX / "vcs")
    assert names(r) == ["transformers", "peft", "triton", "flash-attn", "legacy-tokenizer"]
    assert one(r, "transformers").source == Source(
        SourceKind.VCS, "https://github.com/huggingface/transformers.git", vcs="git",
        revision="v4.38.2")
    peft = one(r, "peft")
    assert peft.editable and peft.location.line == 2
    assert peft.source.commit == "4a1559582281fc3c9283892caea8ccef1d6f5a4f"
    triton = one(r, "triton")
    assert triton.source.url == "ssh://git@github.com/openai/triton.git"
    assert (triton.source.revision, triton.source.subdirectory) == ("main", "python")
    fa = one(r, "flash-attn")
    assert (fa.source.kind, fa.source.revision, fa.editable) == (SourceKind.VCS, "v2.5.6", False)
    hg = one(r, "legacy-tokenizer")
    assert (hg.source.vcs, hg.source.revision) == ("hg", "1.2")
    assert all(d.version is None and d.direct for d in r.declarations)
    assert diags(r) == [("requirements.txt", 5, "warning")]
    assert message(r, "requirements.txt", 5) == (
        "VCS URL git+https://github.com/facebookresearch/xformers.git@main names no package "
        "the scan can read without fetching it; add '#egg=<name>' or write '<name> @ <url>'")


def test_local_paths_and_editables() -> None:
    r = scan(FIX / "local")
    got = [(d.name, d.version, d.location.line, d.editable, d.source.kind)
           for d in r.declarations]
    p = SourceKind.PATH
    assert got == [
        ("llm-trainer", None, 3, True, p),
        ("flash-attn", "2.5.6+cu122torch2.2", 4, False, p),
        ("sentencepiece", "0.2.0", 5, False, p),
        ("xformers", "0.0.25", 6, False, p),
        ("tokenizer-ext", None, 7, False, p),
    ]
    assert one(r, "llm-trainer").source.url == "./libs/trainer"
    assert one(r, "xformers").source.url == (
        "file:///opt/wheels/xformers-0.0.25-cp311-cp311-manylinux2014_x86_64.whl")
    assert one(r, "tokenizer-ext").extras == ("fast",)
    assert diags(r) == [("requirements.txt", 1, "warning"), ("requirements.txt", 2, "warning")]
    assert message(r, "requirements.txt", 1) == (
        "editable path '.' names no package the scan can read without building it; add "
        "'#egg=<name>' or write '<name> @ file:<path>'")
    assert "'./libs/inference-core'" in message(r, "requirements.txt", 2)


def test_archive_urls() -> None:
    r = scan(FIX / "urls")
    got = [(d.name, d.version, d.location.line, d.source.kind) for d in r.declarations]
    u = SourceKind.URL
    assert got == [
        ("torch", "2.2.1+cu121", 1, u),  # from the wheel file name (%2B is '+')
        ("vllm", None, 2, u),  # from #egg=
        ("einops", "0.7.0", 3, u),  # from the sdist file name
        ("bitsandbytes", "0.43.0", 4, u),  # name @ url: the version from the wheel name
        ("torchvision", "0.17.1+cu121", 6, u),
    ]
    assert one(r, "einops").hashes == (
        Hash(SHA, "b2b04ad6081a3b227080c9bf5e3ace7160357ff03043cd66cc5b2319eb7031d1"),)
    assert one(r, "torchvision").marker == 'sys_platform == "linux"'
    assert one(r, "torch").source.url == (
        "https://download.pytorch.org/whl/cu121/torch-2.2.1%2Bcu121-cp311-cp311-linux_x86_64.whl")
    assert diags(r) == [("requirements.txt", 5, "warning")]
    assert message(r, "requirements.txt", 5).startswith(
        "URL https://example.com/downloads/latest names no package")


def test_name_at_relative_path_and_bad_urls(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt",
          "inference-core @ ./libs/inference-core\n"
          "https://[fe80::1/wheels/einops-0.7.0-py3-none-any.whl\n"
          "einops==0.7.0\n")
    r = scan(tmp_path)
    core = one(r, "inference-core")
    assert core.source == Source(SourceKind.PATH, "./libs/inference-core")
    assert names(r) == ["inference-core", "einops"]
    assert diags(r) == [("requirements.txt", 2, "error")]
    assert message(r, "requirements.txt", 2).startswith(
        "invalid URL in 'https://[fe80::1/wheels/einops-0.7.0-py3-none-any.whl': ")


# ------------------------------------------------------------------------------------------
# indexes and options
# ------------------------------------------------------------------------------------------


def test_index_url_becomes_the_registry_of_the_file() -> None:
    r = scan(FIX / "index")
    internal = Source(SourceKind.REGISTRY, "https://pypi.internal.example.com/simple")
    assert one(r, "torch").source == internal and one(r, "numpy").source == internal
    assert not one(r, "torch").source.is_default_registry
    sdk = one(r, "model-serving-sdk")  # a direct URL keeps its own source
    assert (sdk.source.kind, sdk.version) == (SourceKind.URL, "1.4.0")
    assert r.diagnostics == [Diagnostic(
        "requirements.txt",
        "uses --extra-index-url https://download.pytorch.org/whl/cu121: packages may be "
        "resolved from either index (dependency confusion risk)", 2, "warning", SCANNER_NAME)]


def test_index_url_set_in_an_include_applies_to_the_whole_install(tmp_path: Path) -> None:
    write(tmp_path / "requirements" / "index.txt", "-i https://pypi.internal.example.com/simple\n")
    write(tmp_path / "requirements.txt", "torch==2.2.1\n-r requirements/index.txt\n")
    r = scan(tmp_path)
    assert one(r, "torch").source.url == "https://pypi.internal.example.com/simple"


def test_credentials_in_index_urls_are_not_copied() -> None:
    r = scan(FIX / "index_credentials")
    assert one(r, "inference-sdk").source.url == (
        "https://ml-team:****@pypi.internal.example.com/simple")
    assert "hunter2" not in repr(r)
    # ${VAR} references are no secret and stay as written
    assert message_at(r, 2, "warning", "uses --extra-index-url") == (
        "uses --extra-index-url https://${PIP_USER}:${PIP_TOKEN}@gpu-wheels.example.com/simple: "
        "packages may be resolved from either index (dependency confusion risk)")


@pytest.mark.parametrize(("url", "safe"), [
    ("https://user:tok3n@host/simple", "https://user:****@host/simple"),
    ("https://ghp_abcdef0123456789@github.com/org/repo.git",
     "https://****@github.com/org/repo.git"),
    ("ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo.git"),
    ("https://${USER}:${TOKEN}@host/simple", "https://${USER}:${TOKEN}@host/simple"),
    ("https://pypi.org/simple", "https://pypi.org/simple"),
])
def test_redact_url(url: str, safe: str) -> None:
    assert redact_url(url) == safe


def test_known_options_pass_quietly_and_unknown_ones_warn() -> None:
    r = scan(FIX / "options")
    assert [(d.name, d.location.line) for d in r.declarations] == [
        ("torch", 12), ("numpy", 14), ("scipy", 15), ("einops", 17)]
    assert one(r, "einops").hashes == ()
    # lines 1-10 (--find-links, -f, --pre, --no-binary, --only-binary, --prefer-binary,
    # --require-hashes, --no-index, --use-feature, --trusted-host) and numpy's
    # --global-option say nothing
    assert diags(r) == [("requirements.txt", n, "warning") for n in (11, 13, 15, 16, 17)]
    assert message(r, "requirements.txt", 11) == (
        "unknown option '--upgrade-strategy' ignored (pip would refuse this file); the rest of "
        "the line is not read")
    assert "'--no-deps'" in message(r, "requirements.txt", 13)
    assert message(r, "requirements.txt", 15) == (
        "option --index-url after a requirement is ignored by pip; put it on a line of its own")
    assert "belongs to no requirement" in message(r, "requirements.txt", 16)
    assert message(r, "requirements.txt", 17).startswith(
        "--hash=sha999:abcdef is not an algorithm:hex-digest pair")
    assert one(r, "scipy").source.is_default_registry  # the ignored --index-url is not used


def test_environment_variables_stay_unexpanded() -> None:
    r = scan(FIX / "envvars")
    torch = one(r, "torch")
    assert (torch.version, torch.constraint, torch.location.line) == (
        None, "==${TORCH_VERSION}", 2)
    vllm = one(r, "vllm")
    assert (vllm.constraint, vllm.marker) == ("==${VLLM_VERSION}", 'sys_platform == "linux"')
    models = one(r, "internal-models")
    assert models.source.url == (
        "https://${ARTIFACTORY_TOKEN}@artifactory.example.com/models/"
        "internal_models-2.0.1-py3-none-any.whl")
    assert models.version == "2.0.1"
    assert one(r, "accelerate").constraint == ">=0.27"
    var_warnings = [(d.line, d.message.split(",")[0]) for d in r.diagnostics
                    if d.message.startswith("uses ${")]
    assert var_warnings == [  # each variable once, where it is first used
        (1, "uses ${ARTIFACTORY_USER}"), (1, "uses ${ARTIFACTORY_TOKEN}"),
        (2, "uses ${TORCH_VERSION}"), (5, "uses ${VLLM_VERSION}"), (6, "uses ${CUSTOM_PACKAGE}"),
    ]
    assert [d.line for d in r.diagnostics if d.severity == "error"] == [6]
    assert message_at(r, 6, "error") == (
        "requirement '${CUSTOM_PACKAGE}' cannot be read without the value of ${CUSTOM_PACKAGE}; "
        "not listed")


def message_at(result: ScanResult, line: int, severity: str, start: str = "") -> str:
    found = [d.message for d in result.diagnostics
             if d.line == line and d.severity == severity and d.message.startswith(start)]
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------------------------------
# scopes, constraints, pip-tools
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rel", "package", "groups"), [
    ("requirements-dev.txt", "pre-commit", ("dev",)),
    ("dev-requirements.txt", "ipython", ("dev",)),
    ("requirements/test-gpu.txt", "pytest", ("test",)),
    ("requirements-docs.txt", "sphinx", ("docs",)),
    ("requirements-lint.txt", "ruff", ("lint",)),
    ("docs/requirements.txt", "mkdocs-material", ("docs",)),
    ("requirements.txt", "fastapi", ()),
])
def test_scope_from_the_file_name(rel: str, package: str, groups: tuple[str, ...]) -> None:
    d = one(scan(FIX / "scopes", rel), package)
    assert d.groups == groups
    assert d.scope is (Scope.EXCLUDED if groups else Scope.REQUIRED)
    assert d.direct is True


@pytest.mark.parametrize(("path", "groups"), [
    ("requirements_test.txt", ("test",)), ("requirements-tests.txt", ("test",)),
    ("requirements.dev.txt", ("dev",)), ("requirements-dev-docs.txt", ("dev", "docs")),
    ("requirements/flake8-lint.in", ("lint",)), ("requirements/pylint.txt", ("lint",)),
    ("requirements-gpu.txt", ()), ("requirements/base.txt", ()),
    ("requirements-device.txt", ()), ("tests/requirements.txt", ("test",)),
])
def test_file_groups(path: str, groups: tuple[str, ...]) -> None:
    assert file_groups(path) == groups


def test_dev_file_including_the_runtime_file() -> None:
    r = scan(FIX / "scopes", "requirements-dev.txt")
    fastapi = one(r, "fastapi")
    assert where(fastapi) == ("requirements.txt", 1)
    # installing requirements-dev.txt brings fastapi in as a dev dependency; the scan of
    # requirements.txt itself reports it as required, and the merge keeps the stronger scope
    assert (fastapi.scope, fastapi.groups) == (Scope.EXCLUDED, ("dev",))


def test_constraints_file() -> None:
    r = scan(FIX / "pip_tools", "constraints.txt")
    assert [(d.name, d.version, d.constraint, d.location.line) for d in r.declarations] == [
        ("torch", "2.2.1", None, 2), ("pyarrow", None, "<16", 3)]
    assert all(d.kind is DeclarationKind.CONSTRAINT and d.direct is None
               for d in r.declarations)
    assert r.edges == [] and r.diagnostics == []


def test_pip_tools_input_with_constraints() -> None:
    r = scan(FIX / "pip_tools", "requirements.in")
    got = [(d.name, where(d), d.kind) for d in r.declarations]
    m, c = DeclarationKind.MANIFEST, DeclarationKind.CONSTRAINT
    assert got == [
        ("torch", ("constraints.txt", 2), c), ("pyarrow", ("constraints.txt", 3), c),
        ("torch", ("requirements.in", 3), m), ("transformers", ("requirements.in", 4), m),
        ("datasets", ("requirements.in", 5), m),
    ]
    assert r.diagnostics == []


def test_pip_tools_output_via_edges() -> None:
    r = scan(FIX / "pip_tools", "requirements.txt")
    key = {d.name: d.key for d in r.declarations}
    assert [d.name for d in r.declarations if d.direct] == ["datasets", "torch", "transformers"]
    assert one(r, "pyarrow").direct is False  # via -c constraints.txt and datasets only
    assert Edge(key["datasets"], key["pyarrow"]) in r.edges
    assert Edge(key["transformers"], key["torch"]) in r.edges
    assert Edge(ROOT, key["torch"]) in r.edges


def test_dev_input_constrained_by_the_compiled_file() -> None:
    r = scan(FIX / "pip_tools", "dev-requirements.in")
    pytest_decl = one(r, "pytest")
    assert (pytest_decl.scope, pytest_decl.groups) == (Scope.EXCLUDED, ("dev",))
    torch = one(r, "torch")
    assert (torch.kind, torch.version, where(torch)) == (
        DeclarationKind.CONSTRAINT, "2.2.1", ("requirements.txt", 13))
    assert r.edges == [Edge(ROOT, pytest_decl.key)]


def test_old_pip_compile_via_format(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt",
          "certifi==2024.2.2         # via requests\n"
          "idna==3.6\n"
          "    # via requests, yarl\n"
          "requests==2.31.0\n"
          "    # via -r requirements.in\n"
          "yarl==1.9.4\n"
          "    # via aiohttp\n")
    r = scan(tmp_path)
    key = {d.name: d.key for d in r.declarations}
    # pip-tools 4 / 5 wrote "# via" after the pin; later versions on the lines below it
    assert {d.name for d in r.declarations if d.direct} == {"requests", "yarl"}
    assert Edge(key["requests"], key["certifi"]) in r.edges
    assert Edge(key["requests"], key["idna"]) in r.edges
    assert Edge(key["yarl"], key["idna"]) in r.edges
    assert one(r, "yarl").direct is True  # its parent aiohttp is not in the file


def test_results_do_not_depend_on_what_was_scanned_before(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "fastapi==0.110.0\n")
    write(tmp_path / "requirements-dev.txt", "-r requirements.txt\npytest==8.0.2\n")
    for _ in range(2):
        dev = scan(tmp_path, "requirements-dev.txt")
        assert (one(dev, "fastapi").scope, one(dev, "fastapi").groups) == (
            Scope.EXCLUDED, ("dev",))
        base = scan(tmp_path)
        fastapi = one(base, "fastapi")
        assert (fastapi.scope, fastapi.groups, fastapi.direct) == (Scope.REQUIRED, (), True)
    write(tmp_path / "requirements.txt", "fastapi==0.110.1\n")  # a changed file is re-read
    assert one(scan(tmp_path, "requirements-dev.txt"), "fastapi").version == "0.110.1"


def test_include_with_a_nul_byte(tmp_path: Path) -> None:
    r = scan_requirements(ScanFile(tmp_path, "requirements.txt"), "-r base\x00.txt\ntorch\n")
    assert names(r) == ["torch"]
    assert diags(r) == [("requirements.txt", 1, "error")]


# ------------------------------------------------------------------------------------------
# broken entries
# ------------------------------------------------------------------------------------------


def test_broken_entries_are_reported_and_the_rest_is_read() -> None:
    r = scan(FIX / "broken")
    assert [(d.name, d.location.line) for d in r.declarations] == [
        ("torch", 1), ("transformers", 6), ("quantizer", 9)]
    assert diags(r) == [
        ("requirements.txt", 2, "error"), ("requirements.txt", 3, "error"),
        ("requirements.txt", 4, "error"), ("requirements.txt", 5, "error"),
        ("requirements.txt", 7, "warning"), ("requirements.txt", 8, "error"),
        ("requirements.txt", 9, "warning"),
    ]
    assert message(r, "requirements.txt", 2).startswith("invalid requirement 'torch=2.2.1': ")
    assert message(r, "requirements.txt", 3).startswith("invalid requirement 'numpy>=': ")
    assert message(r, "requirements.txt", 4) == (
        "-e tokenizers: an editable requirement must be a local path or a VCS URL (pip refuses "
        "a plain name); ignored")
    assert message(r, "requirements.txt", 5) == "option -r needs a value; ignored"
    assert message(r, "requirements.txt", 8).startswith(
        "invalid requirement 'accelerate==0.27.2; python_version >> \"3.8\"'")
    assert message(r, "requirements.txt", 9).startswith(
        "invalid environment marker 'python_version >> \"3.8\"' ignored")
    assert one(r, "quantizer").marker is None
    assert all("\n" not in d.message for d in r.diagnostics)


def test_unreadable_file_raises_for_the_core(tmp_path: Path) -> None:
    from compliance.errors import UnreadableFile

    (tmp_path / "requirements.txt").write_bytes(b"\x7fELF\x00\x00\x00")
    with pytest.raises(UnreadableFile):
        SCANNER.scan(ScanFile(tmp_path, "requirements.txt"))


def test_keys_are_unique_when_one_file_is_reached_twice(tmp_path: Path) -> None:
    write(tmp_path / "constraints.txt", "torch==2.2.1\n")
    write(tmp_path / "requirements.txt", "-r constraints.txt\n-c constraints.txt\n")
    r = scan(tmp_path)
    assert [(d.name, d.kind) for d in r.declarations] == [
        ("torch", DeclarationKind.MANIFEST), ("torch", DeclarationKind.CONSTRAINT)]


def test_large_compiled_file_is_fast(tmp_path: Path) -> None:
    lines = ["--index-url https://pypi.internal.example.com/simple"]
    for i in range(5000):
        lines += [f"package-{i}==1.{i}.0 \\",
                  f"    --hash=sha256:{i:064x}",
                  "    # via",
                  f"    #   package-{max(i - 1, 0)}"]
    write(tmp_path / "requirements.txt", "\n".join(lines) + "\n")
    start = time.perf_counter()
    r = SCANNER.scan(ScanFile(tmp_path, "requirements.txt"))
    elapsed = time.perf_counter() - start
    assert len(r.declarations) == 5000 and r.diagnostics == []
    assert r.declarations[-1].location.line == 2 + 4 * 4999
    assert elapsed < 2.0, f"{elapsed:.2f} s for 5000 entries"


# ------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_NAMES = st.one_of(
    st.text(_ALNUM, min_size=1, max_size=1),
    st.tuples(st.text(_ALNUM, min_size=1, max_size=1), st.text(_ALNUM + "._-", max_size=15),
              st.text(_ALNUM, min_size=1, max_size=1)).map("".join),
)
_NUM = st.integers(min_value=0, max_value=2**20).map(str)
_EXTRA = st.tuples(st.text(_LOWER, min_size=1, max_size=1),
                   st.text(_LOWER + "0123456789", max_size=8)).map("".join)
_MARKERS = st.sampled_from([
    'python_version >= "3.9"', 'sys_platform == "linux"',
    'platform_machine == "x86_64" and python_version < "3.13"', 'os_name != "nt"',
])
_HEX = st.binary(min_size=32, max_size=32).map(bytes.hex)


@st.composite
def _versions(draw: st.DrawFn) -> str:
    """PEP 440 versions in the forms people write: epochs, pre/post/dev, local labels."""
    v = ""
    if draw(st.integers(0, 9)) == 0:
        v += draw(_NUM) + "!"
    v += ".".join(draw(st.lists(_NUM, min_size=1, max_size=4)))
    if draw(st.booleans()):
        v += draw(st.sampled_from(["a", "b", "rc"])) + draw(_NUM)
    if draw(st.integers(0, 3)) == 0:
        v += ".post" + draw(_NUM)
    if draw(st.integers(0, 3)) == 0:
        v += ".dev" + draw(_NUM)
    if draw(st.integers(0, 4)) == 0:
        v += "+" + ".".join(draw(st.lists(st.text(_LOWER + "0123456789", min_size=1, max_size=6),
                                          min_size=1, max_size=3)))
    return v


@dataclass(frozen=True)
class _Pin:
    """One generated ``name==version`` requirement and how it is written."""

    name: str
    version: str
    extras: tuple[str, ...]
    marker: str | None
    hashes: tuple[str, ...]
    spaces: bool  # "name == 1.0"
    comment: bool  # an inline comment after it
    continued: bool  # its hashes on continuation lines
    before: str  # lines written before it


_PINS = st.builds(
    _Pin,
    name=_NAMES,
    version=_versions(),
    extras=st.lists(_EXTRA, max_size=3, unique=True).map(tuple),
    marker=st.none() | _MARKERS,
    hashes=st.lists(_HEX, max_size=3, unique=True).map(tuple),
    spaces=st.booleans(),
    comment=st.booleans(),
    continued=st.booleans(),
    before=st.sampled_from(["", "# a comment\n", "\n", "   \n",
                            "    # via -r requirements.in\n"]),
)


def _render(pins: list[_Pin]) -> tuple[str, list[int]]:
    """Write pins as requirement lines; return the text and each pin's first line."""
    out: list[str] = []
    starts: list[int] = []
    for p in pins:
        out.extend(p.before.splitlines() if p.before != "\n" else [""])
        req = p.name + (f"[{','.join(p.extras)}]" if p.extras else "")
        req += (" == " if p.spaces else "==") + p.version
        if p.marker:
            req += f"; {p.marker}"
        hashes = [f"--hash=sha256:{h}" for h in p.hashes]
        comment = "  # pinned for CUDA 12.1" if p.comment else ""
        starts.append(len(out) + 1)
        if p.continued and hashes:
            out.append(req + " \\")
            for i, h in enumerate(hashes):
                out.append(f"    {h}" + (" \\" if i < len(hashes) - 1 else comment))
        else:
            out.append(" ".join([req, *hashes]) + comment)
    return "\n".join(out) + "\n", starts


def test_names_and_exact_versions_round_trip(tmp_path: Path) -> None:
    file = ScanFile(tmp_path, "requirements.txt")

    @settings(max_examples=200, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_PINS, min_size=1, max_size=6))
    def check(pins: list[_Pin]) -> None:
        text, starts = _render(pins)
        r = scan_requirements(file, text)
        check_invariants(r)
        assert [d for d in r.diagnostics if d.severity == "error"] == [], text
        assert len(r.declarations) == len(pins), text
        for d, p, line in zip(r.declarations, pins, starts, strict=True):
            assert (d.name, d.version, d.constraint) == (p.name, p.version, None), text
            assert d.extras == tuple(sorted(p.extras)), text
            assert d.marker == (str(Marker(p.marker)) if p.marker else None)
            assert d.hashes == tuple(Hash(SHA, h) for h in p.hashes)
            assert d.location == Location("requirements.txt", line), text
            assert d.kind is DeclarationKind.MANIFEST and d.direct is True

    check()


def test_plain_pins_read_like_packaging_reads_them(tmp_path: Path) -> None:
    file = ScanFile(tmp_path, "requirements.txt")

    @settings(max_examples=200, deadline=None)
    @given(_NAMES, _versions())
    def check(name: str, version: str) -> None:
        line = f"{name}=={version}"
        ours = scan_requirements(file, line + "\n").declarations
        theirs = parse_requirement(line, Location("requirements.txt", 1))
        assert len(ours) == 1
        got = ours[0]
        assert (got.name, got.version, got.constraint, got.extras, got.marker, got.source) == (
            theirs.name, theirs.version, theirs.constraint, theirs.extras, theirs.marker,
            theirs.source)

    check()


_FRAGMENTS = st.sampled_from([
    "-r ", "-c ", "-e ", "--requirement=", "--hash=sha256:", "--hash", "--index-url ", "-i",
    "--extra-index-url=", "--pre", "--foo", "\\\n", "\\", "\n", " # ", "#", "${", "${VAR}", "}",
    "@", " @ ", ";", "; ", "[", "]", "==", ">=", "~=", "===", "*", "git+https://", "hg+",
    "file://", "https://", "./", "../", "/", ".", "#egg=", "&subdirectory=", ".whl", ".tar.gz",
    "-", "--", "torch", "numpy", "1.0", " ", "\t", "'", '"', "requirements.txt", ":", "=",
    "# via", "    # via ", "-r requirements.txt\n", "..", "\r\n", "\x0c", "\u2028", "\x00",
    "[::1", "git+https://[", "https://h:99999/x.whl", "${A}==${B}", "-e ", "wheels",
])


def test_never_crashes_on_arbitrary_text(tmp_path: Path) -> None:
    write(tmp_path / "requirements" / "base.txt", "-r ../requirements.txt\ntorch==2.2.1\n")
    (tmp_path / "wheels").mkdir()

    @settings(max_examples=200, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(
        st.text(max_size=300),
        st.lists(st.one_of(_FRAGMENTS, st.text(max_size=5)), max_size=40).map("".join),
    ))
    def check(text: str) -> None:
        file = ScanFile(tmp_path, "requirements.txt")
        r = scan_requirements(file, text)  # must not raise
        check_invariants(r)
        n_lines = max(len(text.splitlines()), 1)
        for d in r.declarations:
            assert d.name and (d.location.line or 0) >= 1
            if d.location.path == "requirements.txt":
                assert (d.location.line or 0) <= n_lines
        for diag in r.diagnostics:
            assert diag.message and "\n" not in diag.message
            if diag.path == "requirements.txt" and diag.line is not None:
                assert diag.line <= n_lines

    check()


def test_never_crashes_reading_from_disk() -> None:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)

        @settings(max_examples=50, deadline=None)
        @given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200))
        def check(text: str) -> None:
            (root / "requirements.txt").write_bytes(text.encode("utf-8"))
            check_invariants(SCANNER.scan(ScanFile(root, "requirements.txt")))

        check()


def test_extra_index_urls_are_recorded_on_registry_entries() -> None:
    r = scan(FIX / "index")
    assert one(r, "torch").extra_indexes == ("https://download.pytorch.org/whl/cu121",)
    assert one(r, "model-serving-sdk").extra_indexes == ()  # a direct URL is fetched from there
