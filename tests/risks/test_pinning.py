"""risk/unpinned, risk/unlocked-repository, risk/no-hashes, risk/vcs-without-commit."""

from __future__ import annotations

import pytest

from compliance.model import Location, ProjectInfo, Scope, Severity, Source, SourceKind
from compliance.risks import pinning
from tests.risks.helpers import (
    COMMIT,
    CONSTRAINT,
    INSTALLED,
    LOCK,
    MANIFEST,
    SHA,
    comp,
    inventory,
    names,
)

# ----------------------------------------------------------------------------- risk/unpinned


def test_unpinned_flags_a_manifest_only_component_where_others_are_locked() -> None:
    loose = comp("httpx", None, kinds=[MANIFEST], constraint=">=0.27",
                 occurrences=[Location("svc/pyproject.toml", 9), Location("a/requirements.in", 2)])
    inv = inventory(comp("torch", "2.3.0", kinds=[LOCK, MANIFEST], hashes=[SHA]), loose)
    found = pinning.check_unpinned(inv)
    assert names(found) == ["httpx"]
    f = found[0]
    assert f.rule == "risk/unpinned" and f.severity is Severity.WARNING and f.pack == "risks"
    assert f.location == Location("a/requirements.in", 2)  # first by path, then line
    assert "'>=0.27'" in f.message and "lock" in f.fix.lower()
    assert f.component_ref == loose.ref and f.purl == loose.purl


def test_unpinned_counts_a_pin_elsewhere_as_pinning() -> None:
    inv = inventory(comp("numpy", "1.26.4", kinds=[MANIFEST]),
                    comp("requests", None, kinds=[MANIFEST]))
    assert names(pinning.check_unpinned(inv)) == ["requests"]


@pytest.mark.parametrize("other", [
    comp("httpx", "0.27.0", kinds=[MANIFEST]),  # pinned with ==
    comp("httpx", None, kinds=[MANIFEST], scope=Scope.OPTIONAL),  # not required
    comp("httpx", None, kinds=[MANIFEST], scope=Scope.EXCLUDED),
    comp("httpx", None, kinds=[MANIFEST, LOCK]),  # a lock knows it
    comp("httpx", None, kinds=[MANIFEST],
         source=Source(SourceKind.VCS, "https://github.com/encode/httpx", vcs="git")),
    comp("third_party/x", None, kinds=[MANIFEST], ecosystem="generic",
         source=Source(SourceKind.PATH, "third_party/x")),
])
def test_unpinned_leaves_pinned_optional_locked_and_non_registry_alone(other) -> None:
    inv = inventory(comp("torch", "2.3.0", kinds=[LOCK]), other)
    assert pinning.check_unpinned(inv) == []


def test_unpinned_is_silent_where_nothing_is_locked_or_pinned() -> None:
    inv = inventory(comp("requests", None, kinds=[MANIFEST]), comp("httpx", None, kinds=[MANIFEST]))
    assert pinning.check_unpinned(inv) == []


# ----------------------------------------------------------------------------- risk/unlocked-repository


def test_unlocked_repository_is_one_finding_without_a_component() -> None:
    project = ProjectInfo("svc", "1.0", location=Location("pyproject.toml", 1))
    inv = inventory(comp("requests", None, kinds=[MANIFEST]),
                    comp("numpy", "1.26.4", kinds=[MANIFEST], direct=True),
                    project=project)
    found = pinning.check_unlocked_repository(inv)
    assert len(found) == 1
    f = found[0]
    assert f.rule == "risk/unlocked-repository" and f.severity is Severity.WARNING
    assert f.component_ref is None and f.component_name is None
    assert f.location == Location("pyproject.toml", 1)
    assert "2 Python dependencies" in f.message and "requirements.txt" in f.message
    assert "uv lock" in f.fix


@pytest.mark.parametrize("extra", [
    comp("idna", "3.7", kinds=[LOCK]),  # a lockfile
    comp("idna", "3.7", kinds=[MANIFEST], hashes=[SHA], direct=True),  # --require-hashes file
    comp("idna", "3.7", kinds=[MANIFEST], direct=False),  # pip-compile output: "# via requests"
])
def test_unlocked_repository_accepts_lockfiles_and_compiled_requirements(extra) -> None:
    inv = inventory(comp("requests", "2.32.3", kinds=[MANIFEST], direct=True), extra)
    assert pinning.check_unlocked_repository(inv) == []


def test_unlocked_repository_needs_declared_python_dependencies() -> None:
    assert pinning.check_unlocked_repository(inventory()) == []
    vendored = comp("third_party/x", None, kinds=[MANIFEST], ecosystem="generic")
    assert pinning.check_unlocked_repository(inventory(vendored)) == []


# ----------------------------------------------------------------------------- risk/no-hashes


def test_no_hashes_is_a_warning_for_required_and_info_for_others() -> None:
    inv = inventory(comp("torch", "2.3.0", kinds=[LOCK]),
                    comp("pytest", "8.2.0", kinds=[MANIFEST], scope=Scope.EXCLUDED),
                    comp("rich", "13.7.1", kinds=[MANIFEST, CONSTRAINT], scope=Scope.OPTIONAL))
    found = {f.component_name: f for f in pinning.check_no_hashes(inv)}
    assert found["torch"].severity is Severity.WARNING and "locked" in found["torch"].message
    assert found["pytest"].severity is Severity.INFO and "pinned" in found["pytest"].message
    assert found["rich"].severity is Severity.INFO
    assert "--generate-hashes" in found["torch"].fix


@pytest.mark.parametrize("c", [
    comp("torch", "2.3.0", kinds=[LOCK], hashes=[SHA]),  # hashed
    comp("torch", None, kinds=[MANIFEST]),  # neither locked nor pinned (risk/unpinned's job)
    comp("torch", "2.3.0", kinds=[INSTALLED]),  # found installed: nothing is downloaded
    comp("x", "1.0", kinds=[LOCK], source=Source(SourceKind.VCS, "https://g/x", vcs="git",
                                                  commit=COMMIT)),
    comp("x", "1.0", kinds=[LOCK], source=Source(SourceKind.PATH, "../x")),
    comp("_vendor/six", "1.16.0", kinds=[MANIFEST], ecosystem="generic"),
])
def test_no_hashes_leaves_hashed_unpinned_installed_vcs_path_and_vendored_alone(c) -> None:
    assert pinning.check_no_hashes(inventory(c)) == []


# ----------------------------------------------------------------------------- risk/vcs-without-commit


def _vcs(revision: str | None, commit: str | None = None, vcs: str = "git"):
    return comp("mylib", None, kinds=[MANIFEST], source=Source(
        SourceKind.VCS, "https://github.com/acme/mylib", vcs=vcs, revision=revision,
        commit=commit))


@pytest.mark.parametrize(("revision", "severity", "words"), [
    ("main", Severity.ERROR, "branch 'main'"),
    ("feature/fast-path", Severity.ERROR, "branch"),
    ("release/1.2", Severity.ERROR, "branch"),
    (None, Severity.ERROR, "default branch"),
    ("v1.2.0", Severity.WARNING, "tag"),
    ("2.0.1", Severity.WARNING, "tag"),
    ("release-1.4", Severity.WARNING, "tag"),
    ("0123abc", Severity.WARNING, "abbreviated"),
])
def test_vcs_without_commit(revision, severity, words) -> None:
    found = pinning.check_vcs_without_commit(inventory(_vcs(revision)))
    assert len(found) == 1
    assert found[0].rule == "risk/vcs-without-commit"
    assert found[0].severity is severity
    assert words in found[0].message
    assert "40-hex" in found[0].fix


@pytest.mark.parametrize("c", [
    _vcs(COMMIT),  # the revision is a full commit
    _vcs(COMMIT.upper()),
    _vcs("main", commit=COMMIT),  # a lock recorded the commit the branch resolved to
    _vcs("a" * 64),  # SHA-256 repository
    _vcs("1234", vcs="svn"),  # a Subversion revision number is immutable
    comp("requests", "2.32.3"),
])
def test_vcs_with_a_commit_is_not_flagged(c) -> None:
    assert pinning.check_vcs_without_commit(inventory(c)) == []


def test_git_submodules_are_not_python_vcs_dependencies() -> None:
    sub = comp("pytorch/pytorch", None, kinds=[MANIFEST], ecosystem="github",
               source=Source(SourceKind.VCS, "https://github.com/pytorch/pytorch", vcs="git"))
    assert pinning.check_vcs_without_commit(inventory(sub)) == []


def test_revision_kind() -> None:
    assert pinning.revision_kind(None) == "missing"
    assert pinning.revision_kind(COMMIT) == "commit"
    assert pinning.revision_kind("v2.1.0rc1") == "tag"
    assert pinning.revision_kind("develop") == "branch"
    assert pinning.revision_kind("r1234", "svn") == "commit"
