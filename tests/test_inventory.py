"""Merging declarations into components: one package, many occurrences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.inventory import build_inventory, purl_for
from compliance.model import (
    ROOT,
    Declaration,
    DeclarationKind,
    Edge,
    Hash,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)

H1 = Hash("SHA-256", "1" * 64)
H2 = Hash("SHA-256", "2" * 64)


def _lock(path: str, *entries: tuple[str, str, int], edges: tuple[tuple[str, str], ...] = ()) -> ScanResult:
    decls = [Declaration(name=n, version=v, location=Location(path, line), kind=DeclarationKind.LOCK,
                         direct=None, key=n, hashes=(H1,)) for n, v, line in entries]
    return ScanResult(declarations=decls, edges=[Edge(a, b) for a, b in edges])


def _manifest(path: str, *entries: tuple[str, str | None, str | None, int],
              scope: Scope = Scope.REQUIRED) -> ScanResult:
    decls = [Declaration(name=n, version=v, constraint=c, location=Location(path, line),
                         scope=scope, direct=True, key=f"{n}:{line}")
             for n, v, c, line in entries]
    return ScanResult(declarations=decls, edges=[Edge(ROOT, d.key) for d in decls])


def test_same_package_in_several_files_is_one_component() -> None:
    inv = build_inventory("repo", [
        _manifest("pyproject.toml", ("Torch", None, ">=2.1", 7)),
        _lock("uv.lock", ("torch", "2.3.1", 40), ("numpy", "1.26.4", 12), edges=(("torch", "numpy"),)),
        _manifest("requirements.txt", ("torch", "2.3.1", None, 3)),
    ])
    assert sorted(inv.components) == ["pkg:pypi/numpy@1.26.4", "pkg:pypi/torch@2.3.1"]
    torch = inv.components["pkg:pypi/torch@2.3.1"]
    assert [str(o) for o in torch.occurrences] == ["pyproject.toml:7", "requirements.txt:3", "uv.lock:40"]
    assert torch.direct and torch.scope is Scope.REQUIRED and torch.pinned and torch.locked
    assert inv.direct == {"pkg:pypi/torch@2.3.1"}
    assert inv.dependencies["pkg:pypi/torch@2.3.1"] == {"pkg:pypi/numpy@1.26.4"}
    numpy = inv.components["pkg:pypi/numpy@1.26.4"]
    assert not numpy.direct and numpy.hashes == [H1]


def test_manifest_joins_the_lock_beside_it() -> None:
    inv = build_inventory("repo", [
        _manifest("svc-a/pyproject.toml", ("numpy", None, ">=1.20", 5)),
        _lock("svc-a/poetry.lock", ("numpy", "1.26.4", 10)),
        _lock("svc-b/poetry.lock", ("numpy", "2.0.0", 10)),
    ])
    a = inv.components["pkg:pypi/numpy@1.26.4"]
    b = inv.components["pkg:pypi/numpy@2.0.0"]
    assert a.direct and not b.direct
    assert Location("svc-a/pyproject.toml", 5) in a.occurrences
    assert Location("svc-a/pyproject.toml", 5) not in b.occurrences


def test_unlocked_constraint_stays_a_versionless_component() -> None:
    inv = build_inventory("repo", [_manifest("requirements.in", ("fastapi", None, ">=0.110", 1))])
    (comp,) = inv.components.values()
    assert comp.ref == "pkg:pypi/fastapi" and comp.version is None and comp.constraint == ">=0.110"
    assert not comp.pinned


def test_constraint_files_pin_but_add_nothing() -> None:
    constraints = ScanResult(declarations=[
        Declaration(name="torch", version="2.3.1", location=Location("constraints.txt", 1),
                    kind=DeclarationKind.CONSTRAINT, key="c1"),
        Declaration(name="unused", version="1.0", location=Location("constraints.txt", 2),
                    kind=DeclarationKind.CONSTRAINT, key="c2"),
    ])
    inv = build_inventory("repo", [constraints, _manifest("requirements.txt", ("torch", None, None, 1))])
    (comp,) = inv.components.values()
    assert comp.name == "torch" and comp.version == "2.3.1"
    assert [str(o) for o in comp.occurrences] == ["constraints.txt:1", "requirements.txt:1"]


def test_scope_is_the_strongest_use() -> None:
    inv = build_inventory("repo", [
        _manifest("pyproject.toml", ("pytest", None, ">=8", 20), scope=Scope.EXCLUDED),
        _manifest("requirements.txt", ("pytest", None, None, 2), scope=Scope.OPTIONAL),
    ])
    (comp,) = inv.components.values()
    assert comp.scope is Scope.OPTIONAL


def test_sources_make_distinct_purls() -> None:
    vcs = Source(SourceKind.VCS, "https://github.com/vllm-project/vllm", vcs="git",
                 revision="v0.5.0", commit="a" * 40)
    assert purl_for("pypi", "vllm", "0.5.0", vcs) == (
        "pkg:pypi/vllm@0.5.0?vcs_url=git%2Bhttps://github.com/vllm-project/vllm%40" + "a" * 40)
    idx = Source(SourceKind.REGISTRY, "https://download.pytorch.org/whl/cu121")
    assert purl_for("pypi", "torch", "2.3.1+cu121", idx) == (
        "pkg:pypi/torch@2.3.1%2Bcu121?repository_url=https://download.pytorch.org/whl/cu121")
    assert purl_for("pypi", "torch", "2.3.1", Source(SourceKind.REGISTRY, "https://pypi.org/simple")) == \
        "pkg:pypi/torch@2.3.1"


def test_hashes_are_merged_and_sorted() -> None:
    a = _lock("a/uv.lock", ("torch", "2.3.1", 1))
    b = ScanResult(declarations=[Declaration(name="torch", version="2.3.1", location=Location("b/uv.lock", 1),
                                             kind=DeclarationKind.LOCK, hashes=(H2, H1), key="t")])
    inv = build_inventory("repo", [b, a])
    (comp,) = inv.components.values()
    assert comp.hashes == [H1, H2]


@settings(max_examples=150, deadline=None)
@given(
    name=st.from_regex(r"[a-z0-9][a-z0-9._~-]{0,20}", fullmatch=True),
    version=st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.+!_~-]{0,12}", fullmatch=True)),
    ecosystem=st.sampled_from(["pypi", "conda", "npm", "cargo"]),
)
def test_purl_fast_path_matches_packageurl(name: str, version: str | None, ecosystem: str) -> None:
    from packageurl import PackageURL

    expected = PackageURL(type=ecosystem, name=name, version=version).to_string()
    assert purl_for(ecosystem, name, version, Source()) == expected
