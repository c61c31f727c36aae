"""A repository with a model card, weights, a malicious pickle and model references in code,
scanned end to end: components, merged occurrences, licenses, edges, a valid SBOM."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.model import Location, Scope, SourceKind
from compliance.scan import scan_repository
from tests.conftest import CliResult, assert_valid_cyclonedx_json

LLAMA = ("pkg:huggingface/meta-llama/Llama-3.1-8B-Instruct"
         "@0e9e39f249a16976918f6564b8830bc894c89659")


@pytest.fixture
def repo(fixture_repo: Callable[[str], Path]) -> Path:
    return fixture_repo("ml/repo")


def test_inventory(repo: Path) -> None:
    inv = scan_repository(repo).inventory
    comps = inv.components
    assert sorted(comps) == [
        "pkg:generic/checkpoints/exploit.pkl",
        "pkg:generic/models/llm/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf",
        "pkg:generic/models/sentiment",
        "pkg:generic/models/sentiment/model.safetensors",
        "pkg:huggingface/datasets/stanfordnlp/sst2",
        "pkg:huggingface/distilbert/distilbert-base-uncased",
        LLAMA,
        "pkg:pypi/datasets@2.19.1",
        "pkg:pypi/transformers@4.41.2",
    ]
    assert inv.diagnostics == []
    # the card's folder and the code that loads it from "./models/sentiment" are one component
    folder = comps["pkg:generic/models/sentiment"]
    assert folder.occurrences == [Location("models/sentiment/README.md", 1),
                                  Location("src/app.py", 8)]
    assert folder.source.kind is SourceKind.PATH
    assert folder.license is not None and folder.license.expression == "Apache-2.0"
    assert inv.dependencies[folder.ref] == {"pkg:huggingface/datasets/stanfordnlp/sst2",
                                            "pkg:huggingface/distilbert/distilbert-base-uncased"}
    # the weights beside the card carry its license; the GGUF file declares its own
    weights = comps["pkg:generic/models/sentiment/model.safetensors"]
    assert weights.license is not None and weights.license.expression == "Apache-2.0"
    assert weights.license.location == "models/sentiment/README.md:2"
    assert len(weights.hashes) == 1 and weights.hashes[0].alg == "SHA-256"
    gguf = comps["pkg:generic/models/llm/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf"]
    assert gguf.license is not None and gguf.license.expression == "Apache-2.0"
    # a dataset the card lists for training (excluded) and the code loads (required): required
    assert comps["pkg:huggingface/datasets/stanfordnlp/sst2"].scope is Scope.REQUIRED
    assert comps[LLAMA].pinned and comps[LLAMA].direct
    assert {"pkg:generic/checkpoints/exploit.pkl", LLAMA, folder.ref} <= inv.direct


def test_sbom_is_valid(repo: Path, run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("scan", repo, "--output-reproducible")
    assert result.exit_code == 0, result.stderr
    doc = assert_valid_cyclonedx_json(result.stdout)
    purls = {c["purl"] for c in doc["components"]}
    assert LLAMA in purls and "pkg:generic/models/sentiment" in purls
