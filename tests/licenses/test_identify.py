"""License texts to SPDX ids: accuracy on the labelled corpus, line ranges, tags, file names, CLI."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.cli.licenses_identify import identify_command
from compliance.licenses.identify import (
    MAX_FILE_SIZE,
    LicenseMatch,
    identify_file,
    identify_text,
    is_license_file_name,
    spdx_tags,
)

CORPUS = Path(__file__).parent / "corpus"
FILES = CORPUS / "files"


def _corpus() -> list[tuple[str, list[str]]]:
    rows = []
    for line in (CORPUS / "files.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, expected, _origin = line.split("\t")
            rows.append((name, expected.split()))
    return rows


ROWS = _corpus()
MIT_TEXT = (FILES / "mit-no-title-LICENSE").read_text(encoding="utf-8")


def test_corpus_is_large_and_labelled() -> None:
    names = {name for name, _ in ROWS}
    assert len(ROWS) >= 120
    assert names == {p.name for p in FILES.iterdir()}
    assert sum(1 for _, exp in ROWS if not exp) >= 10  # negatives


def test_corpus_accuracy_at_least_98_percent_and_no_negative_matched() -> None:
    exact = 0
    failures = []
    for name, expected in ROWS:
        got = [m.spdx for m in identify_file(FILES / name)]
        if got == expected:
            exact += 1
        else:
            failures.append(f"{name}: expected {expected}, got {got}")
        if not expected:
            assert got == [], f"{name} only mentions licenses but matched {got}"
    accuracy = exact / len(ROWS)
    assert accuracy >= 0.98, f"{accuracy:.1%} exact:\n" + "\n".join(failures)


def test_matches_are_ordered_disjoint_and_within_the_file() -> None:
    for name, _ in ROWS:
        path = FILES / name
        matches = identify_file(path)
        n_lines = len(path.read_bytes().decode("utf-8", "replace").splitlines())
        previous_end = 0
        for m in matches:
            assert 0.0 <= m.score <= 1.0
            assert previous_end < m.start_line <= m.end_line <= n_lines, (name, m)
            previous_end = m.end_line


@pytest.mark.parametrize(("name", "expected"), [
    # MIT with a title and a copyright line: the match covers them.
    ("mit-title-LICENSE", [("MIT", 1, 21)]),
    # Apache-2.0 text, then the appended third-party texts, each with its own lines.
    ("apache-with-third-party-LICENSE", [("Apache-2.0", 2, 202), ("MIT", 210, 228),
                                         ("BSD-3-Clause", 234, 259)]),
    # cryptography: the either/or pointer is not a match, the two texts are.
    ("cryptography-combined-LICENSE", [("Apache-2.0", 7, 207), ("BSD-3-Clause", 210, 236)]),
    # The LGPL-3.0 file that holds the GPL-3.0 text after the LGPL text.
    ("lgpl3-plus-gpl3-LICENSE", [("LGPL-3.0-only", 1, 165), ("GPL-3.0-only", 168, 841)]),
    # numpy's source-tree LICENSE.txt: BSD-3-Clause; the bundled-library notes name licenses only.
    ("bsd3-numpy-repo-LICENSE.txt", [("BSD-3-Clause", 1, 30)]),
])
def test_line_ranges(name: str, expected: list[tuple[str, int, int]]) -> None:
    got = [(m.spdx, m.start_line, m.end_line) for m in identify_file(FILES / name)]
    assert got == expected


def test_verbatim_texts_score_near_one_and_edited_texts_lower() -> None:
    assert identify_text(MIT_TEXT)[0].score >= 0.98
    edited = MIT_TEXT.replace("merge, publish, distribute,", "merge,").replace(
        "FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT", "FITNESS")
    (match,) = identify_text(edited)
    assert match.spdx == "MIT"
    assert 0.7 <= match.score < identify_text(MIT_TEXT)[0].score


def test_two_copies_are_two_matches() -> None:
    text = "vendored/a:\n\n" + MIT_TEXT + "\n----\n" + MIT_TEXT
    matches = identify_text(text)
    assert [m.spdx for m in matches] == ["MIT", "MIT"]
    assert matches[0].end_line < matches[1].start_line


def test_a_bundle_of_many_copies() -> None:
    # A vendored-dependencies file: every copy is its own match, in order.
    text = "".join(f"== package-{i} ==\n\nCopyright (c) {i} Someone\n\n{MIT_TEXT}\n"
                   for i in range(300))
    matches = identify_text(text)
    assert len(matches) == 300 and {m.spdx for m in matches} == {"MIT"}
    assert all(a.end_line < b.start_line for a, b in pairwise(matches))


@pytest.mark.parametrize("text", [
    "",
    "MIT",
    "Licensed under the MIT license.",
    "This project is licensed under the Apache License, Version 2.0.",
    "License: BSD-3-Clause\nSee https://opensource.org/licenses/BSD-3-Clause",
    "SPDX-License-Identifier: GPL-3.0-or-later",
    "Released under the GNU General Public License v3 or later; see COPYING.",
    "Permission is hereby granted, free of charge.",
])
def test_mentions_are_not_matches(text: str) -> None:
    assert identify_text(text) == []


def test_standard_notices_are_matches() -> None:
    apache = (FILES / "apache-notice-only-LICENSE").read_text(encoding="utf-8")
    assert [m.spdx for m in identify_text(apache)] == ["Apache-2.0"]
    gpl = (FILES / "gpl3-or-later-notice-LICENSE").read_text(encoding="utf-8")
    assert [m.spdx for m in identify_text(gpl)] == ["GPL-3.0-or-later"]
    gpl2 = gpl.replace("either version 3 of the License", "either version 2 of the License")
    assert [m.spdx for m in identify_text(gpl2)] != ["GPL-3.0-or-later"]


def test_identify_file_reads_safely(tmp_path: Path) -> None:
    empty = tmp_path / "LICENSE"
    empty.write_bytes(b"")
    assert identify_file(empty) == []

    binary = tmp_path / "LICENSE.bin"
    binary.write_bytes(b"\x00\x01\x02" + MIT_TEXT.encode())
    assert identify_file(binary) == []

    latin1 = tmp_path / "COPYING"
    latin1.write_bytes(("Copyright (c) 2020 J\xf6rg\n\n" + MIT_TEXT).encode("latin-1"))
    assert [m.spdx for m in identify_file(latin1)] == ["MIT"]

    utf16 = tmp_path / "LICENSE.txt"
    utf16.write_bytes(MIT_TEXT.encode("utf-16"))
    assert [m.spdx for m in identify_file(utf16)] == ["MIT"]

    huge = tmp_path / "NOTICE"
    with open(huge, "wb") as fh:
        fh.write(MIT_TEXT.encode())
        fh.truncate(MAX_FILE_SIZE + 1)
    assert identify_file(huge) == []

    with pytest.raises(OSError):
        identify_file(tmp_path / "missing")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_any_text_gives_well_formed_matches(text: str) -> None:
    matches = identify_text(text)
    assert all(isinstance(m, LicenseMatch) and 0 <= m.score <= 1 for m in matches)
    assert all(1 <= m.start_line <= m.end_line for m in matches)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(MIT_TEXT.split()), min_size=0, max_size=120))
def test_shuffled_license_words_are_not_a_license(words: list[str]) -> None:
    # Bags of license words out of order are not a license text.
    assert identify_text(" ".join(sorted(words))) == []


# ----------------------------------------------------------------------------- spdx_tags


@pytest.mark.parametrize(("line", "expected"), [
    ("# SPDX-License-Identifier: Apache-2.0", "Apache-2.0"),
    ("// SPDX-License-Identifier: MIT", "MIT"),
    ("/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */",
     "GPL-2.0-only WITH Linux-syscall-note"),
    ("<!-- SPDX-License-Identifier: Apache-2.0 OR MIT -->", "Apache-2.0 OR MIT"),
    ("{# SPDX-License-Identifier: BSD-3-Clause #}", "BSD-3-Clause"),
    ("-- SPDX-License-Identifier: (MIT OR Apache-2.0) AND LicenseRef-Proprietary",
     "(MIT OR Apache-2.0) AND LicenseRef-Proprietary"),
    ('"""SPDX-License-Identifier: ISC"""', "ISC"),
    (".. SPDX-License-Identifier: CC-BY-4.0", "CC-BY-4.0"),
    ("  * SPDX-License-Identifier:   MPL-2.0   ", "MPL-2.0"),
])
def test_spdx_tags_in_any_comment_syntax(line: str, expected: str) -> None:
    assert spdx_tags(f"first line\n{line}\nimport os\n") == [(expected, 2)]


def test_spdx_tags_several_and_none() -> None:
    text = "# SPDX-License-Identifier: MIT\nx = 1\n// SPDX-License-Identifier: Apache-2.0\n"
    assert spdx_tags(text) == [("MIT", 1), ("Apache-2.0", 3)]
    assert spdx_tags("Licensed under the MIT license.") == []
    assert spdx_tags("Use SPDX-License-Identifier: <expression> in each file.") == []
    assert spdx_tags('TAG = re.compile(r"SPDX-License-Identifier:\\s*(.*)")') == []


_ID = st.from_regex(r"[A-Za-z][A-Za-z0-9.+-]{0,20}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(_ID, min_size=1, max_size=3),
       op=st.sampled_from([" OR ", " AND "]),
       opener=st.sampled_from(["#", "//", "/*", "<!--", "--", ";", "%", "*", ""]),
       closer=st.sampled_from(["", " */", " -->", "*/", " #}"]),
       line=st.integers(min_value=0, max_value=5))
def test_spdx_tags_round_trip(ids: list[str], op: str, opener: str, closer: str,
                              line: int) -> None:
    expression = op.join(ids)
    text = "\n" * line + f"{opener} SPDX-License-Identifier: {expression}{closer}\nbody\n"
    assert spdx_tags(text) == [(expression, line + 1)]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=500))
def test_spdx_tags_never_fail(text: str) -> None:
    for expression, line in spdx_tags(text):
        assert expression and expression == expression.strip()
        assert 1 <= line <= max(1, len(text.splitlines()))


# ----------------------------------------------------------------------------- file names


@pytest.mark.parametrize("name", [
    "LICENSE", "LICENSE.md", "LICENSE.txt", "LICENSE.rst", "LICENCE", "license", "COPYING",
    "COPYING.LESSER", "COPYING.RUNTIME", "NOTICE", "NOTICE.txt", "LICENSE-MIT",
    "LICENSE-APACHE", "LICENSE.APACHE2", "LICENSE_APACHE", "LICENSE.BSD", "UNLICENSE",
    "apache-2.0.LICENSE", "MIT-LICENSE.txt", "LICENSES.txt", "THIRD_PARTY_NOTICES.txt",
    "ThirdPartyNotices.txt", "THIRD-PARTY-LICENSES", "COPYRIGHT",
    "numpy-2.1.dist-info/licenses/LICENSE.txt",
])
def test_license_file_names(name: str) -> None:
    assert is_license_file_name(name)


@pytest.mark.parametrize("name", [
    "README.md", "setup.py", "license.py", "licenses.json", "licensing.yaml", "CHANGELOG.md",
    "AUTHORS", "pyproject.toml", "LICENSE.png", "requirements.txt", "notebook.ipynb",
])
def test_not_license_file_names(name: str) -> None:
    assert not is_license_file_name(name)


# ----------------------------------------------------------------------------- CLI


def test_cli_text_output_on_corpus_files() -> None:
    files = [FILES / "cryptography-combined-LICENSE", FILES / "neg-README.md"]
    result = CliRunner().invoke(identify_command, [str(f) for f in files])
    assert result.exit_code == 0, result.output
    assert "Apache-2.0  score 1.00  lines 7-207" in result.output
    assert "BSD-3-Clause" in result.output
    assert f"{files[1]}: no license text found" in result.output


def test_cli_json_shape() -> None:
    names = ["apache-dual-mit-LICENSE", "mit-title-LICENSE", "neg-empty-LICENSE",
             "neg-binary-logo.png"]
    result = CliRunner().invoke(identify_command,
                                ["--format", "json", *(str(FILES / n) for n in names)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert list(doc) == ["results"]
    assert [r["path"] for r in doc["results"]] == [str(FILES / n) for n in names]
    for entry in doc["results"]:
        assert set(entry) == {"path", "licenses"}
        for lic in entry["licenses"]:
            assert set(lic) == {"spdx", "score", "start_line", "end_line"}
            assert 0.0 <= lic["score"] <= 1.0
            assert isinstance(lic["start_line"], int) and isinstance(lic["end_line"], int)
    assert [lic["spdx"] for lic in doc["results"][0]["licenses"]] == ["Apache-2.0", "MIT"]
    assert doc["results"][1]["licenses"] == [
        {"spdx": "MIT", "score": 1.0, "start_line": 1, "end_line": 21}]
    assert doc["results"][2]["licenses"] == []
    assert doc["results"][3]["licenses"] == []


def test_cli_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(identify_command, [str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_cli_needs_a_file() -> None:
    assert CliRunner().invoke(identify_command, []).exit_code == 2
