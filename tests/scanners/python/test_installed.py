"""Installed environments: finding site-packages statically and reading its dist-infos."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from compliance.errors import InputError
from compliance.model import (
    Declaration,
    DeclarationKind,
    Edge,
    Hash,
    LicenseEvidenceKind,
    Location,
    ScanResult,
    Source,
    SourceKind,
)
from compliance.scanners.python.installed import find_site_packages, scan_site_packages

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "installed"
SITE = FIX / "site-packages"
LABEL = "site-packages"

EXPR = LicenseEvidenceKind.EXPRESSION
FIELD = LicenseEvidenceKind.FIELD
CLASSIFIER = LicenseEvidenceKind.CLASSIFIER
FILE = LicenseEvidenceKind.FILE


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def dist_info(site: Path, name: str, version: str, *headers: str,
              files: dict[str, str] | None = None) -> Path:
    """A minimal dist-info folder with ``headers`` after Name and Version, plus extra files."""
    d = site / f"{name.replace('-', '_')}-{version}.dist-info"
    lines = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}", *headers]
    write(d / "METADATA", "\n".join(lines) + "\n")
    for rel, content in (files or {}).items():
        write(d / rel, content)
    return d


def by_name(result: ScanResult) -> dict[str, Declaration]:
    return {d.name: d for d in result.declarations}


def evidence(decl: Declaration) -> list[tuple[LicenseEvidenceKind, str, str]]:
    return [(e.kind, e.value, str(e.location)) for e in decl.licenses]


def diags(result: ScanResult) -> list[tuple[str, int | None, str]]:
    return [(d.path, d.line, d.severity) for d in result.diagnostics]


@pytest.fixture(scope="module")
def fixture_scan() -> ScanResult:
    return scan_site_packages(SITE, LABEL)


# ------------------------------------------------------------------------------------------
# find_site_packages: fixture layouts
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("venv/bin/python", "venv/lib/python3.11/site-packages"),
        ("venv", "venv/lib/python3.11/site-packages"),
        ("venv/bin", "venv/lib/python3.11/site-packages"),
        ("venv/lib/python3.11/site-packages", "venv/lib/python3.11/site-packages"),
        ("conda-env", "conda-env/lib/python3.10/site-packages"),
        ("conda-env/bin/python3.10", "conda-env/lib/python3.10/site-packages"),
        ("win-venv/Scripts/python.exe", "win-venv/Lib/site-packages"),
        ("win-venv", "win-venv/Lib/site-packages"),
        ("win-python/python.exe", "win-python/Lib/site-packages"),
        ("win-python", "win-python/Lib/site-packages"),
        ("site-packages", "site-packages"),
    ],
)
def test_find_site_packages_fixture_layouts(target: str, expected: str) -> None:
    assert find_site_packages(FIX / target) == [FIX / expected]


def test_fixture_interpreter_is_a_text_file_never_run() -> None:
    exe = FIX / "venv" / "bin" / "python"
    assert not os.access(exe, os.X_OK)
    assert exe.read_text().startswith("#")


def test_nothing_found_says_what_was_tried_and_what_to_pass() -> None:
    with pytest.raises(InputError) as err:
        find_site_packages(FIX / "not-an-env")
    msg = str(err.value)
    assert "not-an-env: no site-packages or dist-packages directory found" in msg
    assert "interpreter is not run" in msg
    assert str(FIX / "not-an-env" / "lib" / "pythonX.Y" / "site-packages") in msg
    assert str(FIX / "not-an-env" / "Lib" / "site-packages") in msg
    assert "Pass the site-packages directory itself" in msg


def test_nothing_found_for_a_file_that_is_not_in_an_environment() -> None:
    with pytest.raises(InputError, match="no site-packages or dist-packages directory found"):
        find_site_packages(FIX / "not-an-env" / "README.md")


def test_missing_target() -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        find_site_packages(FIX / "does-not-exist" / "python")


# ------------------------------------------------------------------------------------------
# find_site_packages: layouts built on the fly
# ------------------------------------------------------------------------------------------


def test_interpreter_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    exe = write(tmp_path / "env" / "bin" / "python", f"#!/bin/sh\ntouch {marker}\n")
    exe.chmod(0o755)
    write(tmp_path / "env" / "pyvenv.cfg", "home = /usr/bin\nversion = 3.12.4\n")
    site = tmp_path / "env" / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    assert find_site_packages(exe) == [site]
    assert not marker.exists()


def test_venv_with_broken_interpreter_link(tmp_path: Path) -> None:
    env = tmp_path / ".venv"
    write(env / "pyvenv.cfg", "home = /opt/gone/bin\nversion_info = 3.12.4.final.0\n")
    (env / "bin").mkdir()
    (env / "bin" / "python").symlink_to("/opt/gone/bin/python3.12")
    site = env / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    assert find_site_packages(env / "bin" / "python") == [site]


def test_pyvenv_version_picks_the_matching_lib_folder(tmp_path: Path) -> None:
    env = tmp_path / "env"
    write(env / "pyvenv.cfg", "home = /usr/bin\nversion_info = 3.11.9.final.0\n")
    (env / "lib" / "python3.10" / "site-packages").mkdir(parents=True)  # left over
    (env / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    assert find_site_packages(env) == [env / "lib" / "python3.11" / "site-packages"]


def test_conda_meta_version_picks_the_matching_lib_folder(tmp_path: Path) -> None:
    env = tmp_path / "envs" / "train"
    write(env / "conda-meta" / "python-3.12.3-hab00c5b_0_cpython.json", "{}")
    write(env / "conda-meta" / "python-dateutil-2.9.0-pyhd8ed1ab_0.json", "{}")
    (env / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    (env / "lib" / "python3.12" / "site-packages").mkdir(parents=True)
    assert find_site_packages(env) == [env / "lib" / "python3.12" / "site-packages"]


def test_lib64_link_to_lib_is_reported_once(tmp_path: Path) -> None:
    env = tmp_path / "env"
    write(env / "pyvenv.cfg", "version = 3.11.9\n")
    site = env / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (env / "lib64").symlink_to("lib")
    assert find_site_packages(env) == [site]


def test_lib64_with_its_own_site_packages(tmp_path: Path) -> None:
    env = tmp_path / "env"
    write(env / "pyvenv.cfg", "version = 3.11.9\n")
    lib = env / "lib" / "python3.11" / "site-packages"
    lib64 = env / "lib64" / "python3.11" / "site-packages"
    lib.mkdir(parents=True)
    lib64.mkdir(parents=True)
    assert find_site_packages(env) == [lib, lib64]


def test_system_interpreter_debian_layout(tmp_path: Path) -> None:
    usr = tmp_path / "usr"
    write(usr / "bin" / "python3.11", "not a real interpreter")
    (usr / "bin" / "python3").symlink_to("python3.11")
    debian = usr / "lib" / "python3" / "dist-packages"
    local = usr / "local" / "lib" / "python3.11" / "dist-packages"
    other = usr / "local" / "lib" / "python3.12" / "dist-packages"
    for d in (debian, local, other, usr / "lib" / "python3.11"):
        d.mkdir(parents=True)
    assert find_site_packages(usr / "bin" / "python3") == [local, debian]


def test_system_interpreter_version_from_a_hard_linked_sibling(tmp_path: Path) -> None:
    usr = tmp_path / "usr"
    versioned = write(usr / "bin" / "python3.12", "not a real interpreter")
    os.link(versioned, usr / "bin" / "python3")
    site = usr / "local" / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    (usr / "local" / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    assert find_site_packages(usr / "bin" / "python3") == [site]


def test_private_install_prefix(tmp_path: Path) -> None:
    prefix = tmp_path / "opt" / "python"
    write(prefix / "bin" / "python", "not a real interpreter")
    site = prefix / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    assert find_site_packages(prefix / "bin" / "python") == [site]


def test_free_threaded_interpreter_name(tmp_path: Path) -> None:
    prefix = tmp_path / "py313"
    write(prefix / "bin" / "python3.13t", "not a real interpreter")
    site = prefix / "lib" / "python3.13t" / "site-packages"
    site.mkdir(parents=True)
    (prefix / "lib" / "python3.13" / "site-packages").mkdir(parents=True)
    assert find_site_packages(prefix / "bin" / "python3.13t") == [site]


def test_include_system_site_packages_adds_the_base_sites(tmp_path: Path) -> None:
    base = tmp_path / "base"
    write(base / "bin" / "python3.11", "not a real interpreter")
    base_site = base / "lib" / "python3.11" / "site-packages"
    base_site.mkdir(parents=True)
    env = tmp_path / "env"
    write(env / "pyvenv.cfg", f"home = {base / 'bin'}\ninclude-system-site-packages = true\n"
                              "version = 3.11.9\n")
    (env / "bin").mkdir()
    (env / "bin" / "python").symlink_to(base / "bin" / "python3.11")
    site = env / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    assert find_site_packages(env / "bin" / "python") == [site, base_site]


def test_pip_target_folder(tmp_path: Path) -> None:
    target = tmp_path / "vendor"
    dist_info(target, "safetensors", "0.4.3")
    assert find_site_packages(target) == [target]


def test_env_without_site_packages_raises(tmp_path: Path) -> None:
    env = tmp_path / "env"
    write(env / "pyvenv.cfg", "version = 3.11.9\n")
    with pytest.raises(InputError) as err:
        find_site_packages(env)
    assert str(env / "lib" / "python3.11" / "site-packages") in str(err.value)


# ------------------------------------------------------------------------------------------
# scan_site_packages: the fixture site
# ------------------------------------------------------------------------------------------


def test_every_readable_distribution_is_reported(fixture_scan: ScanResult) -> None:
    assert sorted((d.name, d.version) for d in fixture_scan.declarations) == [
        ("Jinja2", "3.1.4"),
        ("MarkupSafe", "2.1.5"),
        ("antlr4-python3-runtime", "4.9.3"),
        ("distro-info", "1.1"),
        ("filelock", "3.15.4"),
        ("flash_attn", "2.5.9.post1"),
        ("inference-server", "0.3.0.dev0"),
        ("numpy", "2.0.0"),
        ("scipy", "1.13.1"),
        ("sentencepiece", "0.2.0"),
        ("torch", "2.3.1"),
        ("tqdm", "4.66.4"),
        ("typing_extensions", "4.12.2"),
        ("xformers", "0.0.27"),
    ]
    for d in fixture_scan.declarations:
        assert d.kind is DeclarationKind.INSTALLED
        assert d.constraint is None
        assert d.ecosystem == "pypi"
    assert len({d.key for d in fixture_scan.declarations}) == len(fixture_scan.declarations)


def test_locations_point_at_the_name_header(fixture_scan: ScanResult) -> None:
    decls = by_name(fixture_scan)
    assert decls["numpy"].location == Location("site-packages/numpy-2.0.0.dist-info/METADATA", 2)
    assert decls["antlr4-python3-runtime"].location == Location(
        "site-packages/antlr4_python3_runtime-4.9.3-py3.11.egg-info/PKG-INFO", 2)
    assert decls["distro-info"].location == Location("site-packages/distro_info-1.1.egg-info", 2)


def test_numpy_license_expression_and_pep639_files(fixture_scan: ScanResult) -> None:
    numpy = by_name(fixture_scan)["numpy"]
    meta = "site-packages/numpy-2.0.0.dist-info/METADATA"
    assert evidence(numpy) == [
        (EXPR, "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", f"{meta}:7"),
        (FILE, "numpy-2.0.0.dist-info/licenses/LICENSE.txt", f"{meta}:8"),
        (FILE, "numpy-2.0.0.dist-info/licenses/numpy/_core/include/numpy/libdivide/LICENSE.txt",
         f"{meta}:9"),
    ]
    assert numpy.direct is True  # REQUESTED
    assert numpy.source == Source()
    assert numpy.hashes == ()


def test_torch_license_field_classifier_and_files(fixture_scan: ScanResult) -> None:
    torch = by_name(fixture_scan)["torch"]
    meta = "site-packages/torch-2.3.1.dist-info/METADATA"
    assert evidence(torch) == [
        (FIELD, "BSD-3-Clause", f"{meta}:8"),
        (CLASSIFIER, "License :: OSI Approved :: BSD License", f"{meta}:13"),
        (FILE, "torch-2.3.1.dist-info/LICENSE", f"{meta}:18"),  # old style: in the folder
        (FILE, "torch-2.3.1.dist-info/NOTICE", "site-packages/torch-2.3.1.dist-info/NOTICE"),
    ]
    assert torch.direct is None  # no REQUESTED: pulled in by something else, or unknown
    assert torch.editable is False


def test_whole_license_text_in_the_license_field(fixture_scan: ScanResult) -> None:
    scipy = by_name(fixture_scan)["scipy"]
    field = [e for e in scipy.licenses if e.kind is FIELD]
    assert len(field) == 1
    assert field[0].location == Location("site-packages/scipy-1.13.1.dist-info/METADATA", 6)
    assert field[0].value == (
        "Copyright (c) 2001-2002 Enthought, Inc. 2003-2024, SciPy Developers.\n"
        "All rights reserved.\n"
        "\n"
        "Redistribution and use in source and binary forms, with or without\n"
        "modification, are permitted provided that the following conditions\n"
        "are met:\n"
        "\n"
        "1. Redistributions of source code must retain the above copyright\n"
        "   notice, this list of conditions and the following disclaimer."
    )
    assert [e.kind for e in scipy.licenses] == [FIELD, CLASSIFIER, FILE]
    assert scipy.licenses[1].location.line == 15


def test_classifiers_only(fixture_scan: ScanResult) -> None:
    tqdm = by_name(fixture_scan)["tqdm"]
    assert evidence(tqdm) == [
        (CLASSIFIER, "License :: OSI Approved :: MIT License",
         "site-packages/tqdm-4.66.4.dist-info/METADATA:6"),
        (CLASSIFIER, "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)",
         "site-packages/tqdm-4.66.4.dist-info/METADATA:7"),
    ]


def test_unnamed_license_file_in_the_folder_is_found(fixture_scan: ScanResult) -> None:
    jinja = by_name(fixture_scan)["Jinja2"]
    assert evidence(jinja)[-1] == (
        FILE, "jinja2-3.1.4.dist-info/LICENSE.txt", "site-packages/jinja2-3.1.4.dist-info/LICENSE.txt")


def test_editable_install(fixture_scan: ScanResult) -> None:
    server = by_name(fixture_scan)["inference-server"]
    assert server.editable is True
    assert server.direct is True
    assert server.source == Source(SourceKind.PATH, "file:///home/dev/src/inference-server")


def test_vcs_install_with_commit(fixture_scan: ScanResult) -> None:
    fa = by_name(fixture_scan)["flash_attn"]
    assert fa.source == Source(
        SourceKind.VCS,
        "https://github.com/Dao-AILab/flash-attention.git",
        vcs="git",
        revision="v2.5.9.post1",
        commit="a8d8b2f6e7a0cb7f6c1c4b9f2c13e7d35b1f9a42",
    )
    assert fa.editable is False


def test_archive_url_install_keeps_the_archive_hash(fixture_scan: ScanResult) -> None:
    xf = by_name(fixture_scan)["xformers"]
    assert xf.source.kind is SourceKind.URL
    assert xf.source.url == ("https://download.pytorch.org/whl/cu121/"
                             "xformers-0.0.27-cp311-cp311-manylinux2014_x86_64.whl")
    assert xf.hashes == (
        Hash("SHA-256", "9e5b1b9b4c5c7d6b0f1e3c2a8d4f6e7b9a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e"),)


def test_egg_info_distributions(fixture_scan: ScanResult) -> None:
    decls = by_name(fixture_scan)
    antlr = decls["antlr4-python3-runtime"]
    assert evidence(antlr) == [(FIELD, "BSD", "site-packages/antlr4_python3_runtime-4.9.3-py3.11"
                                ".egg-info/PKG-INFO:7")]
    assert evidence(decls["distro-info"]) == [
        (FIELD, "ISC", "site-packages/distro_info-1.1.egg-info:6")]


def test_edges_follow_requires_dist_inside_the_site(fixture_scan: ScanResult) -> None:
    key = {d.name: d.key for d in fixture_scan.declarations}
    expected = {
        ("torch", "filelock"),
        ("torch", "typing_extensions"),  # typing-extensions matches typing_extensions
        ("torch", "Jinja2"),
        ("Jinja2", "MarkupSafe"),  # MarkupSafe>=2.0 matches markupsafe
        ("scipy", "numpy"),
        ("inference-server", "torch"),
        ("inference-server", "numpy"),
        ("inference-server", "flash_attn"),  # flash-attn matches flash_attn
        ("flash_attn", "torch"),
        ("xformers", "numpy"),
        ("xformers", "torch"),
    }
    assert set(fixture_scan.edges) == {Edge(key[a], key[b]) for a, b in expected}
    assert len(fixture_scan.edges) == len(expected)
    assert key["torch"] == "torch-2.3.1.dist-info"


def test_broken_distributions_give_diagnostics(fixture_scan: ScanResult) -> None:
    assert diags(fixture_scan) == [
        ("site-packages/legacy_tool.egg-link", None, "error"),
        ("site-packages/onnx-1.16.1.dist-info", None, "error"),
        ("site-packages/sentencepiece-0.2.0.dist-info/direct_url.json", 1, "warning"),
        ("site-packages/sentencepiece-0.2.0.dist-info/METADATA", 6, "warning"),
        ("site-packages/tokenizers-0.19.1.dist-info/METADATA", 2, "error"),
        ("site-packages/triton-2.3.1.dist-info/METADATA", None, "error"),
    ]
    msgs = [d.message for d in fixture_scan.diagnostics]
    assert "legacy editable install" in msgs[0]
    assert "has no METADATA file" in msgs[1] and "reinstall" in msgs[1]
    assert "not valid JSON" in msgs[2] and "unknown" in msgs[2]
    assert "License-File 'LICENSE'" in msgs[3] and "licenses/" in msgs[3]
    assert "has no Version header for tokenizers" in msgs[4]
    assert "binary data" in msgs[5]
    assert {d.scanner for d in fixture_scan.diagnostics} == {"python-installed"}
    assert by_name(fixture_scan)["sentencepiece"].source == Source(SourceKind.UNKNOWN)


def test_nothing_from_the_site_is_imported(fixture_scan: ScanResult) -> None:
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        assert not path.startswith(str(SITE)), module


# ------------------------------------------------------------------------------------------
# scan_site_packages: cases built on the fly
# ------------------------------------------------------------------------------------------


def test_extra_only_requirements_are_not_edges(tmp_path: Path) -> None:
    dist_info(tmp_path, "transformers", "4.41.2",
              "Requires-Dist: tokenizers<0.20,>=0.19",
              'Requires-Dist: accelerate>=0.21.0; extra == "torch"',
              'Requires-Dist: safetensors>=0.4.1; python_version >= "3.8"',
              "Requires-Dist: Transformers[torch]; extra == 'all'")
    dist_info(tmp_path, "tokenizers", "0.19.1")
    dist_info(tmp_path, "accelerate", "0.31.0")
    dist_info(tmp_path, "safetensors", "0.4.3")
    result = scan_site_packages(tmp_path, "env")
    assert set(result.edges) == {
        Edge("transformers-4.41.2.dist-info", "tokenizers-0.19.1.dist-info"),
        Edge("transformers-4.41.2.dist-info", "safetensors-0.4.3.dist-info"),
    }


def test_egg_info_requires_txt_edges(tmp_path: Path) -> None:
    egg = tmp_path / "omegaconf-2.0.6-py3.11.egg-info"
    write(egg / "PKG-INFO", "Metadata-Version: 2.1\nName: omegaconf\nVersion: 2.0.6\n")
    write(egg / "requires.txt", "PyYAML>=5.1.0\ntyping-extensions\n\n[:python_version < \"3.7\"]\n"
                                "dataclasses\n\n[dev]\nblack\n")
    dist_info(tmp_path, "PyYAML", "6.0.1")
    dist_info(tmp_path, "black", "24.4.2")
    dist_info(tmp_path, "dataclasses", "0.6")
    result = scan_site_packages(tmp_path, "env")
    assert set(result.edges) == {
        Edge(egg.name, "PyYAML-6.0.1.dist-info"),
        Edge(egg.name, "dataclasses-0.6.dist-info"),
    }


def test_license_files_folder_of_older_maturin(tmp_path: Path) -> None:
    dist_info(tmp_path, "orjson", "3.10.5", "License-File: LICENSE-APACHE",
              "License-File: LICENSE-MIT", files={"license_files/LICENSE-APACHE": "Apache\n",
                                                  "license_files/LICENSE-MIT": "MIT\n"})
    result = scan_site_packages(tmp_path, "env")
    assert [(e.kind, e.value) for e in result.declarations[0].licenses] == [
        (FILE, "orjson-3.10.5.dist-info/license_files/LICENSE-APACHE"),
        (FILE, "orjson-3.10.5.dist-info/license_files/LICENSE-MIT"),
    ]
    assert result.diagnostics == []


def test_unknown_license_field_is_not_evidence(tmp_path: Path) -> None:
    dist_info(tmp_path, "nvidia-nccl-cu12", "2.20.5", "License: UNKNOWN",
              "Classifier: License :: Other/Proprietary License")
    result = scan_site_packages(tmp_path, "env")
    assert [(e.kind, e.value) for e in result.declarations[0].licenses] == [
        (CLASSIFIER, "License :: Other/Proprietary License")]


def test_links_out_of_the_site_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside / "secret.txt", "token=hunter2\n")
    real_dist = dist_info(outside, "evil", "1.0")
    site = tmp_path / "site"
    site.mkdir()
    (site / "evil-1.0.dist-info").symlink_to(real_dist)
    d = dist_info(site, "accelerate", "0.31.0", "License-File: ../../outside/secret.txt",
                  "License-File: LICENSE")
    (d / "licenses").mkdir()
    (d / "licenses" / "LICENSE").symlink_to(outside / "secret.txt")
    (d / "NOTICE").symlink_to(outside / "secret.txt")
    m = dist_info(site, "peft", "0.11.1")
    (m / "METADATA").unlink()
    (m / "METADATA").symlink_to(real_dist / "METADATA")
    result = scan_site_packages(site, "site")
    assert [d.name for d in result.declarations] == ["accelerate"]
    assert result.declarations[0].licenses == ()
    assert diags(result) == [
        ("site/accelerate-0.31.0.dist-info/METADATA", 4, "warning"),
        ("site/accelerate-0.31.0.dist-info/METADATA", 5, "warning"),
        ("site/evil-1.0.dist-info", None, "error"),
        ("site/peft-0.11.1.dist-info/METADATA", None, "error"),
    ]
    assert "outside the site-packages directory" in result.diagnostics[2].message
    assert "outside the site-packages directory" in result.diagnostics[3].message


def test_links_inside_the_site_are_followed(tmp_path: Path) -> None:
    d = dist_info(tmp_path, "vllm", "0.5.1", "License-File: LICENSE")
    write(tmp_path / "shared" / "APACHE-2.0.txt", "Apache License\n")
    (d / "LICENSE").symlink_to(tmp_path / "shared" / "APACHE-2.0.txt")
    result = scan_site_packages(tmp_path, "env")
    assert [(e.kind, e.value) for e in result.declarations[0].licenses] == [
        (FILE, "vllm-0.5.1.dist-info/LICENSE")]


def test_not_utf8_metadata_is_read_with_a_warning(tmp_path: Path) -> None:
    d = tmp_path / "pyzmq-26.0.3.dist-info"
    d.mkdir()
    (d / "METADATA").write_bytes(
        b"Metadata-Version: 2.1\nName: pyzmq\nVersion: 26.0.3\nAuthor: Min Ragan-Kelley\n"
        b"License: BSD (Copyright \xa9 Brian Granger)\n")
    result = scan_site_packages(tmp_path, "env")
    decl = result.declarations[0]
    assert (decl.name, decl.version) == ("pyzmq", "26.0.3")
    assert decl.licenses[0].value == "BSD (Copyright \ufffd Brian Granger)"
    assert diags(result) == [("env/pyzmq-26.0.3.dist-info/METADATA", 5, "warning")]
    assert "not valid UTF-8" in result.diagnostics[0].message


def test_crlf_metadata_and_missing_name(tmp_path: Path) -> None:
    d = tmp_path / "einops-0.8.0.dist-info"
    d.mkdir()
    (d / "METADATA").write_bytes(
        b"Metadata-Version: 2.3\r\nName: einops\r\nVersion: 0.8.0\r\n"
        b"License-Expression: MIT\r\n\r\nbody\r\n")
    write(tmp_path / "nameless-1.0.dist-info" / "METADATA", "Metadata-Version: 2.1\nVersion: 1\n")
    result = scan_site_packages(tmp_path, "env")
    assert [(e.kind, e.value, e.location.line) for e in result.declarations[0].licenses] == [
        (EXPR, "MIT", 4)]
    assert diags(result) == [("env/nameless-1.0.dist-info/METADATA", None, "error")]
    assert "has no Name header" in result.diagnostics[0].message


def test_the_same_distribution_installed_twice_is_a_warning(tmp_path: Path) -> None:
    dist_info(tmp_path, "numpy", "1.26.4")
    dist_info(tmp_path, "numpy", "2.0.0")
    dist_info(tmp_path, "pandas", "2.2.2", "Requires-Dist: numpy>=1.23.2")
    result = scan_site_packages(tmp_path, "env")
    assert len(result.declarations) == 3
    assert diags(result) == [("env/numpy-2.0.0.dist-info", None, "warning")]
    assert "installed more than once" in result.diagnostics[0].message
    assert set(result.edges) == {
        Edge("pandas-2.2.2.dist-info", "numpy-1.26.4.dist-info"),
        Edge("pandas-2.2.2.dist-info", "numpy-2.0.0.dist-info"),
    }


def test_direct_url_password_is_not_copied(tmp_path: Path) -> None:
    dist_info(tmp_path, "internal-kernels", "0.2.0", files={"direct_url.json": json.dumps({
        "url": "https://ci:ghp_abc123@git.example.com/ml/kernels.git",
        "vcs_info": {"vcs": "git", "commit_id": "0" * 40},
        "subdirectory": "python",
    })})
    decl = scan_site_packages(tmp_path, "env").declarations[0]
    assert decl.source == Source(SourceKind.VCS, "https://ci@git.example.com/ml/kernels.git",
                                 vcs="git", commit="0" * 40, subdirectory="python")


def test_unlistable_site_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot list"):
        scan_site_packages(tmp_path / "missing", "env")


def test_five_hundred_distributions_read_fast(tmp_path: Path) -> None:
    description = ("A long project description that pip stores in the body. " * 8 + "\n") * 200
    for i in range(500):
        d = tmp_path / f"pkg_{i}-1.{i}.0.dist-info"
        headers = [
            "Metadata-Version: 2.4", f"Name: pkg_{i}", f"Version: 1.{i}.0",
            "License-Expression: Apache-2.0", "License-File: LICENSE",
            *(f"Classifier: Programming Language :: Python :: 3.{k}" for k in range(15)),
            *(f"Requires-Dist: pkg-{(i * 7 + k) % 500}>=1.0" for k in range(6)),
            'Requires-Dist: pytest>=8; extra == "test"',
        ]
        write(d / "METADATA", "\n".join(headers) + "\n\n" + description)
        write(d / "licenses" / "LICENSE", "Apache License 2.0\n")
        write(d / "RECORD", f"pkg_{i}/__init__.py,,\n")
        write(d / "INSTALLER", "pip\n")
    start = time.perf_counter()
    result = scan_site_packages(tmp_path, "env")
    elapsed = time.perf_counter() - start
    assert len(result.declarations) == 500
    assert result.diagnostics == []
    assert elapsed < 1.0, f"reading 500 dist-infos took {elapsed:.2f} s"
