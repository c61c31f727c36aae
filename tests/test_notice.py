"""`compliance notice`: third-party notices from a repository's installed license files, or from
an SBOM; grouping, shared texts, copyrights, NOTICE files, dev components, goldens."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from compliance.model import Inventory
from compliance.notice import (
    Notice,
    TextKind,
    build_notice,
    copyright_lines,
    license_ids,
    reference_text,
)
from compliance.report.notice import render
from compliance.scan import scan_repository
from tests.conftest import CliResult, assert_golden

RunCli = Callable[..., CliResult]

MIT_BODY = """\
Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

BSD3_BODY = """\
Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

DELTA_NOTICE = """\
Delta
Copyright 2021 The Delta Authors

This product includes software developed at
Example Corp (https://example.com/).
"""


def _apache_text() -> str:
    text = reference_text("Apache-2.0")
    assert text is not None
    return text + "\n"


def _dist(site: Path, name: str, version: str, headers: str = "",
          files: dict[str, str] | None = None) -> None:
    d = site / f"{name}-{version}.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(
        f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{headers}\n", encoding="utf-8")
    for rel, text in (files or {}).items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_text(text, encoding="utf-8")


def _repo(tmp_path: Path) -> Path:
    """A project whose .venv holds: two MIT packages sharing one text (alpha, gamma), an MIT
    package with other copyright holders (beta), an Apache-2.0 package with a NOTICE file
    (delta), a BSD-3-Clause package (epsilon), one with no license at all (zeta), and a
    dev-only MIT package that ships no license file (theta)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0"\nlicense = "Apache-2.0"\n'
        'dependencies = ["alpha==1.0", "beta==2.0", "gamma==1.5", "delta==3.0",\n'
        '                "epsilon==0.9", "zeta==0.1"]\n\n'
        '[dependency-groups]\ndev = ["theta==1.0"]\n')
    (repo / ".venv").mkdir()
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    site = repo / ".venv" / "lib" / "python3.11" / "site-packages"
    alice = f"MIT License\n\nCopyright (c) 2020 Alice Example\n\n{MIT_BODY}"
    _dist(site, "alpha", "1.0", "License-Expression: MIT\nLicense-File: LICENSE",
          {"licenses/LICENSE": alice})
    _dist(site, "gamma", "1.5", "License-Expression: MIT", {"LICENSE": alice.replace("\n", "\r\n")})
    _dist(site, "beta", "2.0", "License-Expression: MIT",
          {"LICENSE.txt": "The MIT License (MIT)\n\nCopyright (c) 2019 Bob Example <bob@example.com>\n"
                          f"Copyright (c) 2021 Beta Contributors\n\n{MIT_BODY}"})
    _dist(site, "delta", "3.0", "License-Expression: Apache-2.0",
          {"licenses/LICENSE": _apache_text(), "licenses/NOTICE": DELTA_NOTICE})
    _dist(site, "epsilon", "0.9", "License: BSD-3-Clause",
          {"LICENSE.txt": f"BSD 3-Clause License\n\nCopyright (c) 2018, Epsilon Developers\n"
                          f"All rights reserved.\n\n{BSD3_BODY}"})
    _dist(site, "zeta", "0.1", "Summary: no license anywhere")
    _dist(site, "theta", "1.0", "License-Expression: MIT")
    return repo


@pytest.fixture
def notice_cli(run_cli: RunCli) -> Iterator[RunCli]:
    """The CLI with the `notice` command, whether or not the group has it wired in yet."""
    from compliance.cli.main import cli
    from compliance.cli.notice import notice_command

    added = "notice" not in cli.commands
    if added:
        cli.add_command(notice_command)
    yield run_cli
    if added:
        cli.commands.pop("notice", None)


def _notice(repo: Path, include_dev: bool = False) -> Notice:
    inv = scan_repository(repo).inventory
    return build_notice(inv, include_dev=include_dev, scan_root=repo.resolve())


# ----------------------------------------------------------------------------- the model


def test_components_are_grouped_by_license_with_their_own_texts(tmp_path: Path) -> None:
    notice = _notice(_repo(tmp_path))
    titles = [g.expression for g in notice.groups]
    assert titles == ["Apache-2.0", "BSD-3-Clause", "MIT", None]  # unknown last
    by = {g.expression: g for g in notice.groups}

    mit = by["MIT"]
    assert [c.label for c in mit.components] == ["alpha 1.0", "beta 2.0", "gamma 1.5"]
    # one text shared word for word by alpha and gamma (CRLF or not), another for beta
    assert [t.kind for t in mit.texts] == [TextKind.FILE, TextKind.FILE]
    shared, own = mit.texts
    assert [c.name for c in shared.components] == ["alpha", "gamma"]
    assert shared.files == ("alpha-1.0.dist-info/licenses/LICENSE", "gamma-1.5.dist-info/LICENSE")
    assert shared.copyrights == ("Copyright (c) 2020 Alice Example",)
    assert [c.name for c in own.components] == ["beta"]
    assert own.copyrights == ("Copyright (c) 2019 Bob Example <bob@example.com>",
                              "Copyright (c) 2021 Beta Contributors")

    apache = by["Apache-2.0"]
    (text,) = apache.texts
    assert text.kind == TextKind.FILE and text.copyrights == ()  # the template line is skipped
    (nf,) = apache.notices
    assert nf.files == ("delta-3.0.dist-info/licenses/NOTICE",)
    assert "Example Corp" in nf.text and apache.mentions_apache

    bsd = by["BSD-3-Clause"]
    assert bsd.licenses == (("BSD-3-Clause", 'BSD 3-Clause "New" or "Revised" License'),)
    assert bsd.texts[0].copyrights == ("Copyright (c) 2018, Epsilon Developers",)

    unknown = by[None]
    assert unknown.unknown and [c.name for c in unknown.components] == ["zeta"]
    assert unknown.texts == ()
    assert notice.excluded == 1 and notice.unknown_count == 1 and notice.component_count == 6


def test_dev_components_only_with_include_dev(tmp_path: Path) -> None:
    notice = _notice(_repo(tmp_path), include_dev=True)
    assert notice.excluded == 0
    mit = next(g for g in notice.groups if g.expression == "MIT")
    assert "theta" in [c.name for c in mit.components]
    # theta ships no license file: it gets the standard MIT text
    ref = [t for t in mit.texts if t.kind == TextKind.REFERENCE]
    assert [(t.license, [c.name for c in t.components]) for t in ref] == [("MIT", ["theta"])]
    assert ref[0].text.startswith("Permission is hereby granted")


def test_reference_texts_and_missing_ones() -> None:
    gpl = reference_text("GPL-3.0-or-later")
    assert gpl is not None and "GNU GENERAL PUBLIC LICENSE" in gpl
    assert reference_text("GPL-2.0+") == reference_text("GPL-2.0-only")
    assert reference_text("LicenseRef-llama2") is not None  # an alias of a ScanCode key
    assert reference_text("LicenseRef-acme-proprietary") is None
    assert license_ids("(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0") == [
        "MIT", "Apache-2.0", "GPL-2.0-only", "Classpath-exception-2.0"]


def test_copyright_lines() -> None:
    text = """\
# Copyright (c) 2020 Alice
 * Copyright 2021   The Bob Authors
(c) 2019 Carol
© 2018 Dave
Copyright (C) 2020 Alice
# Copyright (c) 2020 Alice
Copyright [yyyy] [name of copyright owner]
      copyright notice that is included in or attached to the work
COPYRIGHT AND PERMISSION NOTICE
Copyright notice: keep it
Copyright
Copyright: This document has been placed in the public domain.
(c) You must retain, in the Source form of any Derivative Works
Copyright (c) 1991 - 1995, Stichting Mathematisch Centrum Amsterdam,
The Netherlands.  All rights reserved.
Copyright (c) 2006-2013 The University of Colorado Denver. All rights
reserved.
"""
    assert copyright_lines(text) == [
        "Copyright (c) 2020 Alice", "Copyright 2021 The Bob Authors", "(c) 2019 Carol",
        "© 2018 Dave", "Copyright (C) 2020 Alice",
        "Copyright (c) 1991 - 1995, Stichting Mathematisch Centrum Amsterdam, The Netherlands. "
        "All rights reserved.",
        "Copyright (c) 2006-2013 The University of Colorado Denver. All rights reserved."]


def test_curations_move_a_component(tmp_path: Path, notice_cli: RunCli) -> None:
    repo = _repo(tmp_path)
    (repo / ".compliance.yaml").write_text(
        "curations:\n  - name: zeta\n    version: '0.1'\n    license: MIT\n"
        "    comment: the README says MIT\n")
    result = notice_cli("notice", repo, "-q")
    assert result.exit_code == 0, result.stderr
    mit = result.stdout.split("3. MIT License (MIT)")[2].split("4. ")[0]
    assert "zeta 0.1  pkg:pypi/zeta@0.1  (license corrected by a curation" in mit
    assert "Standard text of MIT" in mit and "Applies to: zeta 0.1" in mit
    assert "License unknown" not in result.stdout


def test_license_roots_recorded_by_the_scan_are_used(tmp_path: Path) -> None:
    """Once the scan records where each evidence label lives, those folders are used."""
    repo = _repo(tmp_path)
    inv = scan_repository(repo).inventory
    site = repo / ".venv" / "lib" / "python3.11" / "site-packages"
    roots = {".": str(repo), ".venv/lib/python3.11/site-packages": str(site)}
    with_roots = build_notice(inv, scan_root=repo.resolve(), roots=roots)
    assert render(with_roots) == render(build_notice(inv, scan_root=repo.resolve()))
    # a label pointing elsewhere finds nothing: every text is a reference text then
    elsewhere = build_notice(inv, scan_root=repo.resolve(), roots={".": str(tmp_path / "no")})
    kinds = {t.kind for g in elsewhere.groups for t in g.texts}
    assert kinds == {TextKind.REFERENCE}


def test_an_evidence_path_cannot_leave_its_folder(tmp_path: Path) -> None:
    from compliance.model import (
        Component,
        LicenseEvidence,
        LicenseEvidenceKind,
        Location,
        ResolvedLicense,
        Scope,
    )

    (tmp_path / "secret.txt").write_text("Copyright (c) secret\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    comp = Component("pkg:pypi/x@1", "pypi", "x", "1", "pkg:pypi/x@1", scope=Scope.REQUIRED,
                     license=ResolvedLicense("MIT", "declared", "license-expression", None),
                     licenses=[LicenseEvidence(LicenseEvidenceKind.FILE, "../secret.txt",
                                               Location("../secret.txt"))])
    inv = Inventory("repo", components={comp.ref: comp})
    notice = build_notice(inv, scan_root=repo)
    assert "secret" not in render(notice)


def test_licenses_without_a_standard_text() -> None:
    from compliance.model import Component, ResolvedLicense, Scope

    def comp(name: str, expression: str, known: bool = True, original: str | None = None
             ) -> Component:
        return Component(f"pkg:pypi/{name}@1", "pypi", name, "1", f"pkg:pypi/{name}@1",
                         scope=Scope.REQUIRED, license=ResolvedLicense(
                             expression, "declared", "license-field", None, known, original))

    comps = [comp("acme", "LicenseRef-acme-eula"), comp("pd", "LicenseRef-public-domain"),
             comp("odd", "LicenseRef-unknown-acme-source-license", False, "ACME Source License"),
             comp("mixed", "MIT AND LicenseRef-unknown-x", False)]
    notice = build_notice(Inventory("r", components={c.ref: c for c in comps}))
    by = {g.expression: g for g in notice.groups}
    assert list(by) == ["LicenseRef-acme-eula", "LicenseRef-public-domain",
                        "MIT AND LicenseRef-unknown-x", None]
    (missing,) = by["LicenseRef-acme-eula"].texts
    assert missing.kind == TextKind.MISSING and missing.text == ""
    assert by["LicenseRef-public-domain"].texts == ()  # public domain needs no text
    assert [t.license for t in by["MIT AND LicenseRef-unknown-x"].texts] == ["MIT"]
    (odd,) = by[None].components
    assert odd.declared == "ACME Source License"
    text = render(notice)
    assert "odd 1  pkg:pypi/odd@1  (declared as: ACME Source License)" in text
    assert "No text of LicenseRef-acme-eula is available here" in text
    assert not notice.files_read


# ----------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("markdown", "md"), ("html", "html")])
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_golden(tmp_path: Path, notice_cli: RunCli, fmt: str, ext: str, lang: str) -> None:
    repo = _repo(tmp_path)
    out = tmp_path / f"notice.{ext}"
    result = notice_cli("notice", repo, "--format", fmt, "--lang", lang, "-o", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert str(tmp_path) not in text
    assert_golden(f"notice.{lang}.{ext}", text)
    assert "theta" not in text  # dev-only
    if fmt == "html":
        assert "<bob@example.com>" not in text and "&lt;bob@example.com&gt;" in text
        assert "<script" not in text and "http" not in _html_resources(text)
        _check_html(text)
    # the same input gives the same bytes
    again = notice_cli("notice", repo, "--format", fmt, "--lang", lang, "-q")
    assert again.stdout == text


def test_summary_line_and_include_dev(tmp_path: Path, notice_cli: RunCli) -> None:
    repo = _repo(tmp_path)
    result = notice_cli("notice", repo)
    assert result.exit_code == 0
    assert ("compliance: notice: 6 components under 3 licenses, 1 without a known license, "
            "1 development-only left out; written to stdout") in result.stderr
    assert "--include-dev lists them." in result.stdout
    dev = notice_cli("notice", repo, "--include-dev", "-q")
    assert "theta 1.0  pkg:pypi/theta@1.0" in dev.stdout
    assert "Applies to: theta 1.0" in dev.stdout and "Standard text of MIT" in dev.stdout
    assert dev.stderr == ""


def test_sbom_input_uses_reference_texts(tmp_path: Path, notice_cli: RunCli) -> None:
    repo = _repo(tmp_path)
    sbom = tmp_path / "sbom.cdx.json"
    assert notice_cli("scan", repo, "-o", sbom, "-q").exit_code == 0
    result = notice_cli("notice", sbom, "--format", "markdown", "-q")
    assert result.exit_code == 0, result.stderr
    md = result.stdout
    assert "made from an SBOM" in md
    for name in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta"):
        assert f"| {name} |" in md
    assert "theta" not in md
    assert "#### Standard text of MIT" in md and "Applies to: alpha 1.0, beta 2.0, gamma 1.5" in md
    assert "Alice Example" not in md  # the packages' own files are not in an SBOM
    assert "## 4. License unknown" in md
    doc = json.loads(sbom.read_text())
    assert any(c["name"] == "theta" for c in doc["components"])
    assert "theta" in notice_cli("notice", sbom, "--include-dev", "-q").stdout


def test_bad_input(tmp_path: Path, notice_cli: RunCli) -> None:
    (tmp_path / "x.json").write_text('{"not": "an sbom"}')
    result = notice_cli("notice", tmp_path / "x.json")
    assert result.exit_code == 2 and "neither a repository folder nor a CycloneDX SBOM" in result.stderr
    assert notice_cli("notice", tmp_path / "missing").exit_code == 2
    assert notice_cli("notice", tmp_path, "--lang", "fr").exit_code == 2


def test_empty_repository(tmp_path: Path, notice_cli: RunCli) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "solo"\nversion = "1"\n')
    for fmt in ("text", "markdown", "html"):
        result = notice_cli("notice", tmp_path, "--format", fmt, "-q")
        assert result.exit_code == 0
        assert "solo includes no third-party components" in result.stdout


# ----------------------------------------------------------------------------- helpers


def _html_resources(text: str) -> str:
    """Everything an HTML page would fetch: src= and href= values that are not anchors."""
    return " ".join(v for v in re.findall(r'(?:src|href)="([^"]*)"', text) if not v.startswith("#"))


class _Balance(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def _check_html(text: str) -> None:
    parser = _Balance()
    parser.feed(text)
    parser.close()
    assert parser.stack == []
