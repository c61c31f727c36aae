"""Vendored code and git submodules: copied third-party code is a component with its license."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from compliance.model import (
    ROOT,
    Declaration,
    DeclarationKind,
    Diagnostic,
    Edge,
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scan import ScanConfig, scan_repository
from compliance.scanners import all_scanners
from compliance.scanners.base import ScanFile
from compliance.scanners.vendored import (
    GitSubmodulesScanner,
    VendoredCodeScanner,
    VendorPinsScanner,
    component_root,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "vendored"
REPO = FIXTURES / "repo"

CODE = VendoredCodeScanner()
PINS = VendorPinsScanner()
SUBMODULES = GitSubmodulesScanner()


def _scan(scanner: VendoredCodeScanner | VendorPinsScanner | GitSubmodulesScanner, root: Path,
          path: str) -> ScanResult:
    assert scanner.wants(PurePosixPath(path)), f"{scanner.name} should claim {path}"
    return scanner.scan(ScanFile(root, path))


def _only(result: ScanResult) -> Declaration:
    assert not result.diagnostics
    assert len(result.declarations) == 1
    decl = result.declarations[0]
    assert result.edges == [Edge(ROOT, decl.key)]
    return decl


def _file_evidence(path: str) -> LicenseEvidence:
    return LicenseEvidence(LicenseEvidenceKind.FILE, path, Location(path))


def _spdx(expression: str, path: str, line: int) -> LicenseEvidence:
    return LicenseEvidence(LicenseEvidenceKind.EXPRESSION, expression, Location(path, line))


def test_scanners_are_registered() -> None:
    names = {s.name for s in all_scanners()}
    assert {"vendored", "vendor-txt", "git-submodules"} <= names


# ----------------------------------------------------------------------------- what is claimed


@pytest.mark.parametrize("path", [
    "third_party/flash-attention/LICENSE",
    "third_party/flash-attention/third_party/cub/LICENSE.TXT",
    "ThirdParty/zlib/LICENSE",
    "vendor/github.com/pkg/errors/LICENSE",
    "src/fastattn/_vendor/packaging/LICENSE.APACHE",
    "src/fastattn/_vendor/typing_extensions.LICENSE",
    "third_party/THIRD_PARTY_NOTICES.md",  # claimed by name; the scan finds no package in it
    "external/cutlass/include/cutlass/cutlass.h",
    "third_party/flash-attention/csrc/flash_attn/src/flash_fwd_hdim128_fp16_sm80.cu",
    "deps/sentencepiece/src/trainer_interface.cc",
    "3rdparty/dmlc-core/include/dmlc/base.h",
])
def test_code_scanner_claims_license_and_source_files_in_vendoring_folders(path: str) -> None:
    assert CODE.wants(PurePosixPath(path))


@pytest.mark.parametrize("path", [
    "LICENSE",  # the project's own license, not a component
    "src/fastattn/LICENSE",
    "src/fastattn/ops.py",  # a tagged first-party source file
    "third_party/flash-attention/README.md",
    "external/cutlass/README.md",
    "third_party/flash-attention/AUTHORS",
    "vendor/modules.txt",
    "third_party/flash-attention/flash_attn/configs.json",
    "docs/third_party.md",
    "THIRD_party/zlib/LICENSE",  # an unusual spelling of the folder
])
def test_code_scanner_leaves_other_files_alone(path: str) -> None:
    assert not CODE.wants(PurePosixPath(path))


@pytest.mark.parametrize(("path", "wanted"), [
    ("src/fastattn/_vendor/vendor.txt", True),
    ("vendor/vendor.txt", True),
    ("third_party/vendor.txt", True),
    ("vendor.txt", False),  # no vendoring folder beside it: whose versions would these be?
    ("tools/vendor.txt", False),
    ("src/fastattn/_vendor/packaging/vendor.txt", False),
])
def test_pins_scanner_claims_vendor_txt_in_vendoring_folders(path: str, wanted: bool) -> None:
    assert PINS.wants(PurePosixPath(path)) is wanted


def test_submodule_scanner_claims_gitmodules() -> None:
    assert SUBMODULES.wants(PurePosixPath(".gitmodules"))
    assert SUBMODULES.wants(PurePosixPath("third_party/flash-attention/.gitmodules"))
    assert not SUBMODULES.wants(PurePosixPath("gitmodules"))
    assert not SUBMODULES.wants(PurePosixPath(".gitattributes"))


@pytest.mark.parametrize(("path", "root"), [
    ("third_party/flash-attention/LICENSE", "third_party/flash-attention"),
    ("third_party/flash-attention/csrc/rotary/NOTICE", "third_party/flash-attention"),
    ("third_party/flash-attention/third_party/cub/LICENSE.TXT",
     "third_party/flash-attention/third_party/cub"),
    ("src/fastattn/_vendor/packaging/LICENSE.BSD", "src/fastattn/_vendor/packaging"),
    ("vendor/github.com/pkg/errors/LICENSE", "vendor/github.com/pkg/errors"),
    ("vendor/github.com/pkg/errors/internal/x/LICENSE", "vendor/github.com/pkg/errors"),
    ("vendor/go.uber.org/atomic/LICENSE.txt", "vendor/go.uber.org/atomic"),
    ("vendor/golang.org/x/sys/LICENSE", "vendor/golang.org/x/sys"),
    ("vendor/serde/LICENSE-MIT", "vendor/serde"),  # cargo vendor: flat
    ("third_party/LICENSE", None),  # the vendoring folder's own file
    ("vendor/github.com/pkg/LICENSE", None),  # an owner folder, not a module
    ("src/LICENSE", None),
    ("LICENSE", None),
])
def test_component_root(path: str, root: str | None) -> None:
    assert component_root(PurePosixPath(path)) == root


# ----------------------------------------------------------------------------- license files


def test_license_file_makes_its_folder_a_component() -> None:
    decl = _only(_scan(CODE, REPO, "third_party/flash-attention/LICENSE"))
    assert decl.name == "third_party/flash-attention"
    assert decl.ecosystem == "generic"
    assert decl.version is None
    assert decl.kind is DeclarationKind.MANIFEST
    assert decl.scope is Scope.REQUIRED
    assert decl.direct is True
    assert decl.source == Source(SourceKind.PATH, "third_party/flash-attention")
    assert decl.location == Location("third_party/flash-attention/LICENSE")
    assert decl.licenses == (_file_evidence("third_party/flash-attention/LICENSE"),)


def test_license_file_deeper_in_a_component_names_the_same_component() -> None:
    decl = _only(_scan(CODE, REPO, "third_party/flash-attention/csrc/rotary/NOTICE"))
    assert decl.name == "third_party/flash-attention"
    assert decl.licenses == (_file_evidence("third_party/flash-attention/csrc/rotary/NOTICE"),)


def test_nested_vendoring_is_a_component_of_its_own() -> None:
    decl = _only(_scan(CODE, REPO, "third_party/flash-attention/third_party/cub/LICENSE.TXT"))
    assert decl.name == "third_party/flash-attention/third_party/cub"


def test_each_of_a_dual_license_layout_is_evidence_of_one_component() -> None:
    decls = [_only(_scan(CODE, REPO, f"src/fastattn/_vendor/packaging/{n}"))
             for n in ("LICENSE", "LICENSE.APACHE", "LICENSE.BSD")]
    assert {d.name for d in decls} == {"src/fastattn/_vendor/packaging"}
    assert [d.licenses[0].value for d in decls] == [
        "src/fastattn/_vendor/packaging/LICENSE", "src/fastattn/_vendor/packaging/LICENSE.APACHE",
        "src/fastattn/_vendor/packaging/LICENSE.BSD"]


def test_go_vendor_tree_components_are_module_folders() -> None:
    assert _only(_scan(CODE, REPO, "vendor/github.com/pkg/errors/LICENSE")).name == \
        "vendor/github.com/pkg/errors"
    assert _only(_scan(CODE, REPO, "vendor/go.uber.org/atomic/LICENSE.txt")).name == \
        "vendor/go.uber.org/atomic"


def test_license_file_directly_in_a_vendoring_folder_is_not_a_component() -> None:
    assert _scan(CODE, REPO, "third_party/THIRD_PARTY_NOTICES.md") == ScanResult()


def test_single_module_license_beside_its_module() -> None:
    decl = _only(_scan(CODE, REPO, "src/fastattn/_vendor/typing_extensions.LICENSE"))
    assert decl.name == "src/fastattn/_vendor/typing_extensions"
    assert decl.licenses == (_file_evidence("src/fastattn/_vendor/typing_extensions.LICENSE"),)


def test_module_style_license_without_a_module_is_not_a_component(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "MIT-LICENSE").write_text("MIT License\n")
    assert _scan(CODE, tmp_path, "vendor/MIT-LICENSE") == ScanResult()


# ----------------------------------------------------------------------------- SPDX tags


def test_spdx_tags_are_expression_evidence_at_their_line() -> None:
    header = _only(_scan(CODE, REPO, "external/cutlass/include/cutlass/cutlass.h"))
    assert header.name == "external/cutlass"
    assert header.location == Location("external/cutlass/include/cutlass/cutlass.h", 3)
    assert header.licenses == (
        _spdx("BSD-3-Clause", "external/cutlass/include/cutlass/cutlass.h", 3),)
    module = _only(_scan(CODE, REPO, "external/cutlass/python/cutlass/__init__.py"))
    assert module.name == "external/cutlass"
    assert module.licenses == (
        _spdx("BSD-3-Clause", "external/cutlass/python/cutlass/__init__.py", 4),)


def test_source_file_without_a_tag_declares_nothing() -> None:
    assert _scan(CODE, REPO, "third_party/flash-attention/csrc/flash_attn/flash_api.cpp") == \
        ScanResult()


def test_tags_after_the_header_are_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "third_party" / "sqlite"
    folder.mkdir(parents=True)
    (folder / "sqlite3.c").write_text("/* amalgamation */\n" + "int x;\n" * 2000
                                      + "// SPDX-License-Identifier: blessing\n")
    assert _scan(CODE, tmp_path, "third_party/sqlite/sqlite3.c") == ScanResult()


def test_tag_in_a_source_file_that_is_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "deps" / "zlib"
    folder.mkdir(parents=True)
    (folder / "adler32.c").write_bytes(
        b"/* adler32.c -- compute the Adler-32 checksum\n * Copyright (C) 1995 Mark Adler\xe9\n"
        b" * SPDX-License-Identifier: Zlib\n */\n")
    decl = _only(_scan(CODE, tmp_path, "deps/zlib/adler32.c"))
    assert decl.name == "deps/zlib"
    assert decl.licenses == (_spdx("Zlib", "deps/zlib/adler32.c", 3),)


def test_tagged_single_file_in_a_vendoring_folder(tmp_path: Path) -> None:
    (tmp_path / "third_party").mkdir()
    (tmp_path / "third_party" / "miniz.c").write_text(
        "/* miniz.c 3.0.2 - public domain deflate/inflate\n * SPDX-License-Identifier: MIT\n */\n")
    (tmp_path / "third_party" / "__init__.py").write_text("# SPDX-License-Identifier: MIT\n")
    decl = _only(_scan(CODE, tmp_path, "third_party/miniz.c"))
    assert decl.name == "third_party/miniz"
    assert decl.location == Location("third_party/miniz.c", 2)
    assert _scan(CODE, tmp_path, "third_party/__init__.py") == ScanResult()


# ----------------------------------------------------------------------------- vendor.txt


def test_vendor_txt_pins_versions_of_the_vendored_packages() -> None:
    result = _scan(PINS, REPO, "src/fastattn/_vendor/vendor.txt")
    assert not result.diagnostics
    got = [(d.name, d.version, d.location.line, d.ecosystem, d.direct)
           for d in result.declarations]
    assert got == [
        ("src/fastattn/_vendor/packaging", "24.1", 1, "generic", True),
        ("src/fastattn/_vendor/tomli", "2.0.1", 2, "generic", True),  # comment dropped
        ("src/fastattn/_vendor/typing_extensions", "4.12.2", 3, "generic", True),  # a module
    ]
    assert all(d.location.path == "src/fastattn/_vendor/vendor.txt" for d in result.declarations)
    assert result.edges == [Edge(ROOT, d.key) for d in result.declarations]


def test_vendor_txt_names_the_folders_pins_are_vendored_as() -> None:
    result = _scan(PINS, FIXTURES / "pins", "_vendor/vendor.txt")
    assert not result.diagnostics
    assert [(d.name, d.version) for d in result.declarations] == [
        ("_vendor/cachecontrol", "0.14.0"),  # CacheControl: the folder is lower case
        ("_vendor/distro", "1.9.0"),
        ("_vendor/pyproject_hooks", "1.0.0"),  # pyproject-hooks: the import name
        ("_vendor/requests", "2.32.3"),
        ("_vendor/certifi", "2024.7.4"),
        ("_vendor/idna", "3.7"),
        ("_vendor/urllib3", "1.26.18"),
        ("_vendor/setuptools", "70.3.0"),  # vendored as pkg_resources: no folder to name
    ]


def test_vendor_txt_indented_pins_are_dependencies_of_the_line_above() -> None:
    result = _scan(PINS, FIXTURES / "pins", "_vendor/vendor.txt")
    key = {d.name.rpartition("/")[2]: d.key for d in result.declarations}
    deps = {(e.source, e.target) for e in result.edges if e.source != ROOT}
    assert deps == {(key["requests"], key[n]) for n in ("certifi", "idna", "urllib3")}
    assert {e.target for e in result.edges if e.source == ROOT} == set(key.values())


def test_broken_vendor_txt_reports_each_bad_line_and_keeps_the_rest() -> None:
    result = _scan(PINS, FIXTURES / "broken", "_vendor/vendor.txt")
    assert [(d.name, d.version, d.location.line) for d in result.declarations] == [
        ("_vendor/packaging", "24.1", 1),
        ("_vendor/idna", "3.7", 4),
        ("_vendor/tomli", "2.0.1", 5),
    ]
    assert [(d.path, d.line, d.severity, d.scanner) for d in result.diagnostics] == [
        ("_vendor/vendor.txt", 2, "error", "vendor-txt"),
        ("_vendor/vendor.txt", 3, "error", "vendor-txt"),
    ]
    assert "'requests>=2.31' is not a 'name==version' pin" in result.diagnostics[0].message
    assert "'urllib3' is not a 'name==version' pin" in result.diagnostics[1].message
    # idna was indented under the skipped urllib3 line: no edge to a missing parent
    assert [e for e in result.edges if e.source != ROOT] == []


# ----------------------------------------------------------------------------- .gitmodules


def test_gitmodules_declares_each_submodule_at_its_path_line() -> None:
    result = _scan(SUBMODULES, REPO, ".gitmodules")
    assert not result.diagnostics
    pybind, eigen = result.declarations
    assert (pybind.name, pybind.ecosystem, pybind.location) == (
        "pybind/pybind11", "github", Location(".gitmodules", 2))
    assert pybind.source == Source(SourceKind.VCS, "https://github.com/pybind/pybind11.git",
                                   vcs="git")
    assert (eigen.name, eigen.ecosystem, eigen.location) == (
        "third_party/eigen", "generic", Location(".gitmodules", 5))
    assert eigen.source == Source(SourceKind.VCS, "https://gitlab.com/libeigen/eigen.git",
                                  vcs="git")
    for decl in (pybind, eigen):
        assert decl.version is None and decl.source.commit is None  # the gitlink is not read
        assert decl.source.revision is None  # `branch` is what --remote follows, not the pin
        assert (decl.kind, decl.scope, decl.direct) == (
            DeclarationKind.MANIFEST, Scope.REQUIRED, True)
        assert decl.licenses == ()  # not checked out
    assert result.edges == [Edge(ROOT, pybind.key), Edge(ROOT, eigen.key)]


def test_gitmodules_url_forms() -> None:
    result = _scan(SUBMODULES, FIXTURES / "urls", ".gitmodules")
    assert not result.diagnostics
    got = [(d.ecosystem, d.name, d.source.url, d.location.line) for d in result.declarations]
    assert got == [
        ("github", "nvidia/cutlass", "git@github.com:NVIDIA/cutlass.git", 3),
        ("github", "nvidia/nccl", "ssh://git@github.com/NVIDIA/nccl", 6),
        ("github", "example-ai/private-kernels",
         "https://ci-bot:****@github.com/example-ai/private-kernels.git", 10),
        ("generic", "third_party/onnx-tensorrt", "../onnx-tensorrt.git", 13),
        ("bitbucket", "example-ai/sentencepiece",
         "https://bitbucket.org/example-ai/sentencepiece.git", 16),
    ]


def test_nested_gitmodules_paths_are_relative_to_their_folder(tmp_path: Path) -> None:
    folder = tmp_path / "third_party" / "flash-attention"
    folder.mkdir(parents=True)
    (folder / ".gitmodules").write_text(
        '[submodule "csrc/composable_kernel"]\n\tpath = csrc/composable_kernel\n'
        "\turl = https://gitlab.example.com/rocm/composable_kernel.git\n")
    decl = _only(_scan(SUBMODULES, tmp_path, "third_party/flash-attention/.gitmodules"))
    assert decl.name == "third_party/flash-attention/csrc/composable_kernel"
    assert decl.location == Location("third_party/flash-attention/.gitmodules", 2)


def test_broken_gitmodules_reports_each_problem_with_its_line() -> None:
    result = _scan(SUBMODULES, FIXTURES / "broken", ".gitmodules")
    assert [(d.name, d.location.line) for d in result.declarations] == [
        ("nvidia/cutlass", 2),
        ("google/googletest", 10),
        ("third_party/local-fork", 17),
    ]
    assert result.declarations[2].source == Source(SourceKind.PATH, "third_party/local-fork")
    diags = [(d.line, d.severity) for d in result.diagnostics]
    assert diags == [(4, "error"), (11, "error"), (14, "error"), (7, "error"), (16, "warning")]
    assert all(d.path == ".gitmodules" and d.scanner == "git-submodules"
               for d in result.diagnostics)
    messages = {d.line: d.message for d in result.diagnostics}
    assert 'not of the form [submodule "name"]' in messages[4]
    assert "'this line is not a key' is neither a [section] header" in messages[11]
    assert "unclosed quote" in messages[14] and '"third_party/kineto" is skipped' in messages[14]
    assert '"third_party/composable_kernel" has no path' in messages[7]
    assert '"third_party/local-fork" has no url' in messages[16]


def test_gitmodules_path_leaving_the_repository(tmp_path: Path) -> None:
    (tmp_path / ".gitmodules").write_text(
        '[submodule "x"]\n\tpath = ../outside\n\turl = https://github.com/example/x.git\n')
    result = _scan(SUBMODULES, tmp_path, ".gitmodules")
    assert result.declarations == []
    assert result.diagnostics == [Diagnostic(
        ".gitmodules", "submodule path '../outside' leaves the repository; it is skipped", 2,
        "error", "git-submodules")]


# ----------------------------------------------------------------------------- checked-out submodules


def _checked_out_submodule(tmp_path: Path) -> Path:
    """A repository whose submodule third_party/cutlass is checked out (a `.git` file inside)."""
    (tmp_path / ".gitmodules").write_text(
        '[submodule "third_party/cutlass"]\n\tpath = third_party/cutlass\n'
        "\turl = https://github.com/NVIDIA/cutlass.git\n")
    sub = tmp_path / "third_party" / "cutlass"
    (sub / "include" / "cutlass").mkdir(parents=True)
    (sub / ".git").write_text("gitdir: ../../.git/modules/third_party/cutlass\n")
    (sub / "LICENSE.txt").write_text((REPO / "third_party/flash-attention/LICENSE").read_text())
    (sub / "include" / "cutlass" / "cutlass.h").write_text(
        (REPO / "external/cutlass/include/cutlass/cutlass.h").read_text())
    return tmp_path


def test_checked_out_submodule_is_one_component_with_its_license(tmp_path: Path) -> None:
    root = _checked_out_submodule(tmp_path)
    # the files of the checkout are the submodule scanner's, not vendored copies
    assert _scan(CODE, root, "third_party/cutlass/LICENSE.txt") == ScanResult()
    assert _scan(CODE, root, "third_party/cutlass/include/cutlass/cutlass.h") == ScanResult()
    decl = _only(_scan(SUBMODULES, root, ".gitmodules"))
    assert decl.licenses == (_file_evidence("third_party/cutlass/LICENSE.txt"),)

    inv = scan_repository(root, ScanConfig()).inventory
    assert list(inv.components) == [
        "pkg:github/nvidia/cutlass?vcs_url=git%2Bhttps://github.com/NVIDIA/cutlass.git"]
    comp = next(iter(inv.components.values()))
    assert comp.concluded is not None and comp.concluded.expression == "BSD-3-Clause"


def test_checkout_deeper_than_the_component_root_is_left_to_the_submodule(tmp_path: Path) -> None:
    sub = tmp_path / "third_party" / "nvidia" / "cutlass"
    sub.mkdir(parents=True)
    (sub / ".git").write_text("gitdir: ../../../.git/modules/cutlass\n")
    (sub / "LICENSE.txt").write_text("BSD 3-Clause License\n")
    (tmp_path / "third_party" / "nvidia" / "NOTICE").write_text("NVIDIA third-party code\n")
    assert _scan(CODE, tmp_path, "third_party/nvidia/cutlass/LICENSE.txt") == ScanResult()
    # the folder above the checkout is still a vendored copy
    assert _only(_scan(CODE, tmp_path, "third_party/nvidia/NOTICE")).name == "third_party/nvidia"


def test_a_git_folder_is_not_a_submodule_checkout(tmp_path: Path) -> None:
    folder = tmp_path / "third_party" / "zlib"
    (folder / ".git").mkdir(parents=True)  # a clone copied in: still vendored code
    (folder / "LICENSE").write_text("zlib License\n")
    assert _only(_scan(CODE, tmp_path, "third_party/zlib/LICENSE")).name == "third_party/zlib"


# ----------------------------------------------------------------------------- the whole repository


def test_repository_scan_lists_each_vendored_component_with_its_license() -> None:
    report = scan_repository(REPO, ScanConfig())
    inv = report.inventory
    assert inv.diagnostics == []
    got = {c.name: (c.version, c.concluded.expression if c.concluded else None,
                    c.license.expression if c.license else None)
           for c in inv.components.values() if c.ecosystem != "pypi"}
    assert got == {
        "third_party/flash-attention": (None, "BSD-3-Clause", None),
        "third_party/flash-attention/third_party/cub": (None, "BSD-3-Clause", None),
        "vendor/github.com/pkg/errors": (None, "BSD-2-Clause", None),
        "vendor/go.uber.org/atomic": (None, "MIT", None),
        "src/fastattn/_vendor/packaging": ("24.1", "Apache-2.0 AND BSD-2-Clause", None),
        "src/fastattn/_vendor/tomli": ("2.0.1", "MIT", "MIT"),
        "src/fastattn/_vendor/typing_extensions": ("4.12.2", "Python-2.0.1", None),
        "external/cutlass": (None, None, "BSD-3-Clause"),
        "pybind/pybind11": (None, None, None),
        "third_party/eigen": (None, None, None),
    }
    vendored = [c for c in inv.components.values() if c.ecosystem != "pypi"]
    assert all(c.direct and c.scope is Scope.REQUIRED for c in vendored)
    assert {c.ref for c in vendored} <= inv.direct
    tomli = inv.components["pkg:generic/src/fastattn/_vendor/tomli@2.0.1"]
    assert tomli.occurrences == [
        Location("src/fastattn/_vendor/tomli/LICENSE"),
        Location("src/fastattn/_vendor/tomli/__init__.py", 1),
        Location("src/fastattn/_vendor/vendor.txt", 2),
    ]
    # the project's own LICENSE and its tagged first-party code are not components
    assert not any(loc.path in ("LICENSE", "src/fastattn/ops.py")
                   for c in inv.components.values() for loc in c.occurrences)
