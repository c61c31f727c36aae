"""AI artifacts in the SBOM: machine-learning-model and data components with a modelCard."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.sbom.read import read_sbom
from tests.conftest import (
    FIXTURES,
    CliResult,
    assert_valid_cyclonedx_json,
    assert_valid_cyclonedx_xml,
)

RunCli = Callable[..., CliResult]
REPO = FIXTURES / "ml" / "repo"


def test_model_card_and_data_components(run_cli: RunCli) -> None:
    result = run_cli("scan", REPO, "--output-reproducible")
    assert result.exit_code == 0, result.stderr
    doc = assert_valid_cyclonedx_json(result.stdout)
    by_name = {c["name"]: c for c in doc["components"]}
    sentiment = by_name["models/sentiment"]
    assert sentiment["type"] == "machine-learning-model"
    assert sentiment["modelCard"] == {"modelParameters": {
        "task": "text-classification",
        "architectureFamily": "distilbert",
        "modelArchitecture": "DistilBertForSequenceClassification",
        "datasets": [{"ref": "pkg:huggingface/datasets/stanfordnlp/sst2"}],
    }}
    refs = {c["bom-ref"] for c in doc["components"]}
    assert sentiment["modelCard"]["modelParameters"]["datasets"][0]["ref"] in refs
    gguf = next(c for c in doc["components"] if c["name"].endswith(".gguf"))
    assert gguf["modelCard"]["modelParameters"]["architectureFamily"] == "llama"
    sst2 = by_name["datasets/stanfordnlp/sst2"]
    assert sst2["type"] == "data" and sst2["data"] == [{"type": "dataset", "name": sst2["name"]}]


@pytest.mark.parametrize("spec", ["1.4", "1.5", "1.6", "1.7"])
def test_every_spec_version_validates(run_cli: RunCli, spec: str, tmp_path: Path) -> None:
    j = run_cli("scan", REPO, "--spec-version", spec, "-o", tmp_path / "sbom.json")
    assert j.exit_code == 0, j.stderr
    text = (tmp_path / "sbom.json").read_text()
    assert_valid_cyclonedx_json(text)
    x = run_cli("scan", REPO, "--spec-version", spec, "--format", "cyclonedx-xml")
    assert x.exit_code == 0, x.stderr
    assert_valid_cyclonedx_xml(x.stdout, spec)
    # a 1.4 SBOM has no model type: the component type survives as a property and reads back
    inventory = read_sbom(tmp_path / "sbom.json").inventory
    types = {c.name: c.component_type for c in inventory.components.values()}
    assert types["models/sentiment"] == "machine-learning-model"
    assert types["datasets/stanfordnlp/sst2"] == "data"
    if spec == "1.4":
        assert json.loads(text)["components"][0]["type"] in ("file", "library")


def test_card_sections_become_considerations(run_cli: RunCli) -> None:
    from compliance.scanners.ml.cards import considerations

    text = ("---\nlicense: mit\n---\n# m\n\n## Intended uses\n\nRanking support tickets.\n\n"
            "## Limitations\n\nEnglish only.\nShort texts.\n\n## Bias, Risks, and Limitations\n\n"
            "Over-flags security talk.\n\n## Training data\n\n[More Information Needed]\n"
            "## Out-of-Scope Use\n\n[More Information Needed]\n")
    assert considerations(text) == [
        ("ml:use-case", "Ranking support tickets."),
        ("ml:limitation", "English only. Short texts."),
        ("ml:ethical-consideration", "Over-flags security talk."),
    ]
    examples = Path(__file__).resolve().parents[1] / "examples" / "llm-serving"
    result = run_cli("scan", examples, "--output-reproducible")
    doc = assert_valid_cyclonedx_json(result.stdout)
    guard = next(c for c in doc["components"] if c["name"] == "models/prompt-guard")
    cons = guard["modelCard"]["considerations"]
    assert cons["useCases"][0].startswith("Screening user prompts")
    assert cons["technicalLimitations"][0].startswith("Trained on English data only")
    assert cons["ethicalConsiderations"][0]["name"].startswith("Benign prompts")
