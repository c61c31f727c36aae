"""risk/direct-url, risk/extra-index-url, risk/non-default-index, risk/local-path."""

from __future__ import annotations

import pytest

from compliance.model import Location, ProjectInfo, Scope, Severity, Source, SourceKind
from compliance.risks import sources
from tests.risks.helpers import MANIFEST, SHA, comp, inventory, names

# ----------------------------------------------------------------------------- risk/direct-url


def test_direct_url_over_https_is_a_warning() -> None:
    c = comp("mywheel", "1.0", kinds=[MANIFEST], source=Source(
        SourceKind.URL, "https://example.com/dist/mywheel-1.0-py3-none-any.whl"))
    found = sources.check_direct_url(inventory(c))
    assert names(found) == ["mywheel"]
    assert found[0].severity is Severity.WARNING and found[0].rule == "risk/direct-url"
    assert "https://example.com/dist/mywheel-1.0-py3-none-any.whl" in found[0].message
    assert "Nothing records its hash" in found[0].message


def test_direct_url_with_a_hash_says_so() -> None:
    c = comp("mywheel", "1.0", kinds=[MANIFEST], hashes=[SHA], source=Source(
        SourceKind.URL, "https://example.com/mywheel-1.0.tar.gz"))
    assert "Its hash is recorded" in sources.check_direct_url(inventory(c))[0].message


def test_direct_url_over_plain_http_is_an_error_and_hides_credentials() -> None:
    c = comp("mywheel", "1.0", kinds=[MANIFEST], source=Source(
        SourceKind.URL, "http://bob:s3cret@mirror.internal/mywheel-1.0.tar.gz"))
    found = sources.check_direct_url(inventory(c))
    assert found[0].severity is Severity.ERROR and "plain HTTP" in found[0].message
    assert "s3cret" not in found[0].message and "https" in found[0].fix


@pytest.mark.parametrize("source", [
    Source(), Source(SourceKind.REGISTRY, "https://pypi.org/simple"),
    Source(SourceKind.PATH, "../lib"),
    Source(SourceKind.VCS, "https://github.com/a/b", vcs="git"),
])
def test_direct_url_ignores_other_sources(source) -> None:
    assert sources.check_direct_url(inventory(comp("x", source=source))) == []


# ----------------------------------------------------------------------------- risk/extra-index-url


def test_extra_index_url_names_the_indexes() -> None:
    c = comp("torch", "2.3.0", extra_indexes=["https://download.pytorch.org/whl/cu121",
                                              "https://tok:en@private.example/simple"])
    found = sources.check_extra_index_url(inventory(c))
    assert names(found) == ["torch"] and found[0].severity is Severity.WARNING
    msg = found[0].message
    assert "https://download.pytorch.org/whl/cu121" in msg and "private.example" in msg
    assert "tok:en" not in msg and "dependency confusion" in msg
    assert "--index-url" in found[0].fix


def test_no_extra_index_no_finding() -> None:
    assert sources.check_extra_index_url(inventory(comp("torch", "2.3.0"))) == []


# ----------------------------------------------------------------------------- risk/non-default-index


def test_non_default_index_is_info() -> None:
    c = comp("acme-core", "3.1", source=Source(SourceKind.REGISTRY, "https://pkgs.acme.dev/simple"))
    found = sources.check_non_default_index(inventory(c))
    assert names(found) == ["acme-core"] and found[0].severity is Severity.INFO
    assert "https://pkgs.acme.dev/simple" in found[0].message


def test_non_default_index_over_http_is_a_warning() -> None:
    c = comp("acme-core", "3.1", source=Source(SourceKind.REGISTRY, "http://pkgs.acme.dev/simple"))
    assert sources.check_non_default_index(inventory(c))[0].severity is Severity.WARNING


@pytest.mark.parametrize("c", [
    comp("requests", "2.32.3"),
    comp("requests", "2.32.3", source=Source(SourceKind.REGISTRY, "https://pypi.org/simple/")),
    comp("numpy", "1.26.4", ecosystem="conda",
         source=Source(SourceKind.REGISTRY, "https://conda.anaconda.org/conda-forge")),
])
def test_default_index_and_conda_channels_are_not_flagged(c) -> None:
    assert sources.check_non_default_index(inventory(c)) == []


# ----------------------------------------------------------------------------- risk/local-path

PUBLISHED = ProjectInfo("svc", "1.2.0", location=Location("pyproject.toml", 1))


def _path_dep(**kw):
    return comp("shared-utils", None, kinds=[MANIFEST],
                source=Source(SourceKind.PATH, "../shared-utils"), **kw)


def test_local_path_in_a_published_project() -> None:
    found = sources.check_local_path(inventory(_path_dep(), project=PUBLISHED))
    assert names(found) == ["shared-utils"] and found[0].severity is Severity.WARNING
    assert "../shared-utils" in found[0].message and "svc 1.2.0" in found[0].message


def test_editable_dependency_counts_as_local() -> None:
    c = comp("mylib", None, kinds=[MANIFEST], editable=True,
             source=Source(SourceKind.VCS, "https://github.com/a/mylib", vcs="git"))
    assert names(sources.check_local_path(inventory(c, project=PUBLISHED))) == ["mylib"]


class _PrivateProject(ProjectInfo):
    pass


@pytest.mark.parametrize("project", [
    None,  # no project metadata
    ProjectInfo("svc", None),  # no version: not a published package
])
def test_local_path_needs_a_published_project(project) -> None:
    assert sources.check_local_path(inventory(_path_dep(), project=project)) == []


def test_local_path_respects_private_projects() -> None:
    private = _PrivateProject("svc", "1.0")
    object.__setattr__(private, "classifiers", (sources.PRIVATE_CLASSIFIER,))
    assert sources.check_local_path(inventory(_path_dep(), project=private)) == []


def test_local_path_ignores_dev_dependencies_and_the_project_itself() -> None:
    dev = _path_dep(scope=Scope.EXCLUDED)
    own = comp("svc", None, kinds=[MANIFEST], editable=True,
               source=Source(SourceKind.PATH, "."))
    assert sources.check_local_path(inventory(dev, own, project=PUBLISHED)) == []
