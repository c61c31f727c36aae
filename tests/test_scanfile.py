"""Reading files safely: binary, oversized, non-UTF-8 and out-of-root files are refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compliance.errors import UnreadableFile
from compliance.scanners.base import ScanFile, ScanOptions


def test_reads_utf8_and_drops_bom(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_bytes(b"\xef\xbb\xbftorch==2.3.1\n")
    assert ScanFile(tmp_path, "r.txt").read_text() == "torch==2.3.1\n"


def test_binary_file_named_like_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00binary")
    with pytest.raises(UnreadableFile, match=r"requirements\.txt: holds binary data"):
        ScanFile(tmp_path, "requirements.txt").read_text()


def test_oversized_file_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "requirements.txt"
    with open(big, "wb") as fh:  # sparse: 200 MB without writing 200 MB
        fh.truncate(200 * 1024 * 1024)
    with pytest.raises(UnreadableFile, match=r"is 200\.0 MiB, over the 64\.0 MiB limit"):
        ScanFile(tmp_path, "requirements.txt").read_text()
    small = ScanOptions(max_file_size=10)
    (tmp_path / "r2.txt").write_text("x" * 11)
    with pytest.raises(UnreadableFile, match="over the 10 bytes limit"):
        ScanFile(tmp_path, "r2.txt", small).read_text()


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_bytes(b"numpy\ntorch\xff\n")
    with pytest.raises(UnreadableFile) as err:
        ScanFile(tmp_path, "r.txt").read_text()
    assert err.value.line == 2 and "not valid UTF-8" in str(err.value)


def test_link_out_of_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("x")
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(tmp_path / "secret", root / "requirements.txt")
    with pytest.raises(UnreadableFile, match="outside the scanned directory"):
        ScanFile(root, "requirements.txt").read_text()


def test_sibling_stays_inside(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "base.txt").write_text("x")
    (tmp_path / "top.txt").write_text("x")
    f = ScanFile(tmp_path, "a/requirements.txt")
    assert f.sibling("base.txt") is not None and f.sibling("base.txt").path == "a/base.txt"  # type: ignore[union-attr]
    assert f.sibling("../top.txt").path == "top.txt"  # type: ignore[union-attr]
    assert f.sibling("../../etc/passwd") is None
    assert f.sibling("/etc/passwd") is None
    assert f.sibling("missing.txt") is None
