"""The repository walk: ignore rules, default excludes, links that must not be followed."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from compliance.walk import WalkStats, walk


def _everything(_: PurePosixPath) -> bool:
    return True


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_walk_is_sorted_and_skips_default_excludes(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "b.txt": "", "a/requirements.txt": "", "a/z.txt": "",
        ".git/config": "", "node_modules/x/package.json": "", "src/__pycache__/m.pyc": "",
        "pkg.egg-info/PKG-INFO": "", "build/lib/x.py": "",
        "env/pyvenv.cfg": "", "env/lib/python3.11/site-packages/requirements.txt": "",
    })
    stats = WalkStats()
    assert list(walk(tmp_path, _everything, stats=stats)) == ["b.txt", "a/requirements.txt", "a/z.txt"]
    assert stats.environments == ["env"]


def test_gitignore_nested_and_negated(tmp_path: Path) -> None:
    _tree(tmp_path, {
        ".gitignore": "generated/\n*.log\n",
        "generated/requirements.txt": "", "keep.log": "", "x.log": "",
        "sub/.gitignore": "!x.log\nlocal.txt\n", "sub/x.log": "", "sub/local.txt": "",
        "sub/requirements.txt": "",
    })
    found = list(walk(tmp_path, _everything))
    assert "generated/requirements.txt" not in found
    assert "x.log" not in found and "keep.log" not in found
    assert "sub/x.log" in found  # re-included by the deeper .gitignore
    assert "sub/local.txt" not in found
    assert "sub/requirements.txt" in found
    assert list(walk(tmp_path, _everything, use_gitignore=False)).count("x.log") == 1


def test_user_excludes(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/requirements.txt": "", "tests/fixtures/requirements.txt": "",
                     "docs/requirements.txt": ""})
    found = list(walk(tmp_path, _everything, excludes=("tests/", "docs/*.txt")))
    assert found == ["a/requirements.txt"]


def test_links_out_of_tree_loops_and_dangling(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _tree(outside, {"requirements.txt": "torch\n"})
    root = tmp_path / "repo"
    _tree(root, {"real/requirements.txt": "numpy\n"})
    os.symlink(outside / "requirements.txt", root / "requirements.txt")
    os.symlink(outside, root / "linked-dir")
    os.symlink(root, root / "real" / "loop")
    os.symlink(root / "nope", root / "dangling-requirements.txt")
    os.symlink(root / "l2", root / "l1")
    os.symlink(root / "l1", root / "l2")
    os.symlink(root / "real" / "requirements.txt", root / "inside-requirements.txt")
    stats = WalkStats()
    found = list(walk(root, _everything, stats=stats))
    assert found == ["real/requirements.txt"]  # nothing read twice, nothing from outside
    messages = {d.path: d.message for d in stats.diagnostics}
    assert messages["requirements.txt"] == "symbolic link to a file outside the scanned tree; not read"
    assert messages["linked-dir"] == "symbolic link to a directory outside the scanned tree; not followed"
    assert messages["real/loop"].startswith("symbolic link loop")
    assert messages["l1"] == "symbolic link loop; not followed"
    assert messages["dangling-requirements.txt"] == "symbolic link to a missing file; not read"
    assert "inside-requirements.txt" not in messages


def test_counts_every_file(tmp_path: Path) -> None:
    _tree(tmp_path, {f"d{i}/f{j}.py": "" for i in range(5) for j in range(4)})
    stats = WalkStats()
    assert list(walk(tmp_path, lambda p: False, stats=stats)) == []
    assert stats.files == 20
