"""risk/typosquat and the popular-name index."""

from __future__ import annotations

import re
import time
from importlib import resources

import pytest

from compliance.model import Severity, Source, SourceKind
from compliance.risks import typosquat
from compliance.risks.typosquat import PopularIndex, popular_index
from tests.risks.helpers import comp, inventory, names


@pytest.fixture(scope="module")
def index() -> PopularIndex:
    return popular_index()


@pytest.mark.parametrize(("name", "popular"), [
    ("reqeusts", "requests"),  # two adjacent letters swapped
    ("numpyy", "numpy"),  # one letter added
    ("torchh", "torch"),
    ("tensorfow", "tensorflow"),  # one missing
    ("djanga", "django"),  # one changed
    ("jeIlyfish", "jellyfish"),  # capital I for l: canonical names are lower-case
    ("urlib3", "urllib3"),
    ("colourama", "colorama"),
    ("dateutil", "python-dateutil"),  # prefix removed
    ("python3-dateutil", "python-dateutil"),  # prefix exchanged
    ("requests-py", "requests"),  # suffix added
    ("python-numpy", "numpy"),  # prefix added
    ("scikitlearn", "scikit-learn"),  # separator removed
    ("setup-tools", "setuptools"),  # separator added
    ("huggingfacehub", "huggingface-hub"),
    ("transformerss", "transformers"),
    ("opencv-pyhton", "opencv-python"),
    ("pil1ow", "pillow"),  # a digit that looks like a letter
])
def test_squats_are_found(index: PopularIndex, name: str, popular: str) -> None:
    found = index.match(name)
    assert found is not None, name
    assert found.popular == popular
    assert found.name == re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.parametrize("name", [
    "requests", "numpy", "torch", "python-dateutil", "transformers", "vllm", "safetensors",
    "scikit_learn",  # PEP 503: the same project as scikit-learn
    "Scikit.Learn", "PyYAML", "typing_extensions",
    "my-internal-service",  # nowhere near anything popular
    "cbor",  # digit-only difference from cbor2: version families are legitimate
    "idma", "sip",  # a changed letter in a short name (idna, six): too many neighbours
    "rtoml",  # a prefix letter (toml): a related project, not a typo
    "pytest-csv",  # an edit inside a short part of a hyphenated name (pytest-cov)
    "",
])
def test_popular_and_legitimate_names_are_not_squats(index: PopularIndex, name: str) -> None:
    assert index.match(name) is None


def test_popular_list_file() -> None:
    text = resources.files("compliance").joinpath("data/risks/popular-pypi.txt").read_text("utf-8")
    header = [line for line in text.splitlines()[:12] if line.startswith("#")]
    assert any("Source:" in line for line in header)
    assert any("list of names (facts)" in line for line in header)
    assert any(re.search(r"20\d\d", line) for line in header)
    loaded = typosquat.load_popular()
    assert len(loaded) >= 1000
    assert len(loaded) == len(set(loaded)), "duplicates"
    assert all(n == re.sub(r"[-_.]+", "-", n).lower() for n in loaded), "not canonical"
    for ai in ("torch", "transformers", "vllm", "safetensors", "huggingface-hub", "accelerate",
               "tokenizers", "sentencepiece", "tensorflow", "jax", "onnxruntime", "langchain",
               "openai", "anthropic", "xformers", "triton", "bitsandbytes", "peft", "flash-attn",
               "deepspeed", "llama-cpp-python"):
        assert ai in loaded, ai
    assert "requests" in loaded[:20]  # most downloaded first


def test_index_is_built_from_deletion_neighbourhoods_not_pairwise() -> None:
    idx = PopularIndex(["requests", "numpy", "torch"])
    assert idx._deletes["rquests"] == ["requests"]  # a deletion key
    assert "numpy" in idx._deletes["numpy"]
    assert len(idx) == 3 and "Requests" in idx


def test_prefers_the_most_popular_target() -> None:
    idx = PopularIndex(["pandas", "pandoc"])  # "pandos" is one edit from both
    assert idx.match("pandos").popular == "pandas"


def test_lookup_is_fast(index: PopularIndex) -> None:
    candidates = [f"pkg{i}x-{i % 97}" for i in range(20_000)] + ["reqeusts"] * 100
    t = time.perf_counter()
    hits = sum(index.match(c) is not None for c in candidates)
    assert hits >= 100
    assert time.perf_counter() - t < 2.0  # ~0.2 s here; generous for a loaded machine


def test_check_typosquat_findings() -> None:
    inv = inventory(comp("reqeusts", "2.0"), comp("requests", "2.32.3"),
                    comp("scikit-learn", "1.5.0"), comp("numpyy", "1.0"),
                    comp("torchh", "2.0", source=Source(SourceKind.REGISTRY,
                                                        "https://pkgs.acme.dev/simple")))
    found = {f.component_name: f for f in typosquat.check_typosquat(inv)}
    assert sorted(found) == ["numpyy", "reqeusts", "torchh"]
    f = found["reqeusts"]
    assert f.rule == "risk/typosquat" and f.severity is Severity.WARNING and f.pack == "risks"
    assert "'requests'" in f.message and "'requests'" in f.fix
    assert "pkgs.acme.dev" in found["torchh"].message  # says it is not from PyPI
    assert found["torchh"].severity is Severity.WARNING


def test_check_typosquat_skips_non_index_sources_and_other_ecosystems() -> None:
    inv = inventory(
        comp("reqeusts", None, source=Source(SourceKind.PATH, "./reqeusts")),
        comp("numpyy", None, source=Source(SourceKind.VCS, "https://github.com/a/numpyy",
                                           vcs="git")),
        comp("torchh", "1.0", ecosystem="conda"))
    assert names(typosquat.check_typosquat(inv)) == []
