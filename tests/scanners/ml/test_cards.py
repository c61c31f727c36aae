"""Model cards and dataset cards: the README's YAML front matter."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from compliance.errors import ParseError
from compliance.model import (
    ROOT,
    Declaration,
    Diagnostic,
    Edge,
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners import all_scanners
from compliance.scanners.base import ScanFile
from compliance.scanners.ml.cards import (
    ModelCardScanner,
    front_matter,
    hub_license,
    is_hub_id,
    read_card,
)

from .helpers import FIXTURES, ctype, facts, props

__all__ = ["facts"]

pytestmark = pytest.mark.usefixtures("facts")

CARDS = FIXTURES / "cards"
SCANNER = ModelCardScanner()


def _scan(path: str, root: Path = CARDS) -> ScanResult:
    assert SCANNER.wants(PurePosixPath(path))
    return SCANNER.scan(ScanFile(root, path))


def _by_key(result: ScanResult) -> dict[str, Declaration]:
    return {d.key: d for d in result.declarations}


def test_plugged_in() -> None:
    assert "ml-cards" in {s.name for s in all_scanners()}


def test_model_card() -> None:
    path = "models/bert-imdb/README.md"
    result = _scan(path)
    assert result.diagnostics == []
    decls = _by_key(result)
    card = decls["card"]
    assert (card.name, card.ecosystem, card.version) == ("models/bert-imdb", "generic", None)
    assert card.location == Location(path, 1)
    assert card.source == Source(SourceKind.PATH, "models/bert-imdb")
    assert card.scope is Scope.REQUIRED and card.direct is True
    assert ctype(card) == "machine-learning-model"
    assert card.licenses == (
        LicenseEvidence(LicenseEvidenceKind.EXPRESSION, "Apache-2.0", Location(path, 4)),)
    assert props(card) == {
        "ml:card": "model", "ml:pipeline-tag": "text-classification",
        "ml:library-name": "transformers", "ml:language": "en",
        "ml:tags": "generated_from_trainer,text-classification",
        "ml:base-model": "google-bert/bert-base-uncased", "ml:datasets": "stanfordnlp/imdb",
        # from config.json beside the card
        "ml:model-type": "bert", "ml:torch-dtype": "float32",
        "ml:transformers-version": "4.41.2",
        "ml:architectures": "BertForSequenceClassification",
    }
    base = decls["machine-learning-model:google-bert/bert-base-uncased"]
    assert (base.name, base.ecosystem, base.location) == (
        "google-bert/bert-base-uncased", "huggingface", Location(path, 9))
    assert base.scope is Scope.REQUIRED and ctype(base) == "machine-learning-model"
    assert props(base) == {"ml:relation": "base-model"}
    data = decls["data:datasets/stanfordnlp/imdb"]
    assert (data.name, data.ecosystem, data.location) == (
        "datasets/stanfordnlp/imdb", "huggingface", Location(path, 11))
    assert data.scope is Scope.EXCLUDED and ctype(data) == "data"
    assert props(data) == {"ml:relation": "training-data"}
    assert result.edges == [Edge(ROOT, "card"), Edge("card", base.key), Edge("card", data.key)]


def test_adapter_card_with_other_license() -> None:
    path = "models/llama-adapter/README.md"
    result = _scan(path)
    # a dataset that is a local path is not a Hub id: said, not listed
    assert result.diagnostics == [Diagnostic(
        path, "names './local/data', which is not a Hugging Face Hub id (org/name); not listed",
        11, "warning", "ml-cards")]
    decls = _by_key(result)
    card = decls["card"]
    # license: other + license_name: Llama3.1 -> LicenseRef-llama3.1, a catalog id
    assert card.licenses == (LicenseEvidence(
        LicenseEvidenceKind.EXPRESSION, "LicenseRef-llama3.1", Location(path, 6)),)
    found = props(card)
    assert found["ml:license-name"] == "Llama3.1"
    assert found["ml:license-link"].endswith("/Llama-3.1-8B-Instruct/blob/main/LICENSE")
    assert found["ml:base-model-relation"] == "adapter"
    assert found["ml:language"] == "en,de"
    base = decls["machine-learning-model:meta-llama/Llama-3.1-8B-Instruct"]
    assert base.location == Location(path, 3)
    assert props(base) == {"ml:relation": "adapter"}
    assert "data:datasets/HuggingFaceH4/ultrachat_200k" in decls


def test_dataset_card() -> None:
    path = "datasets/reviews/README.md"
    result = _scan(path)
    assert result.diagnostics == []
    decls = _by_key(result)
    card = decls["card"]
    assert card.name == "datasets/reviews" and ctype(card) == "data"
    assert card.licenses == (
        LicenseEvidence(LicenseEvidenceKind.EXPRESSION, "CC-BY-NC-4.0", Location(path, 7)),)
    assert props(card) == {
        "ml:card": "dataset", "ml:pretty-name": "Product Reviews (English)",
        "ml:language": "en", "ml:task-categories": "text-classification",
        "ml:size-categories": "10K<n<100K", "ml:datasets": "stanfordnlp/imdb",
    }
    source = decls["data:datasets/stanfordnlp/imdb"]
    assert source.location == Location(path, 14)
    assert props(source) == {"ml:relation": "source-data"}


@pytest.mark.parametrize("path", [
    "docs/README.md",  # Jekyll front matter
    "space/README.md",  # a Space's card: an application, not a model
    "plain/README.md",  # no front matter (a '---' rule further down does not count)
])
def test_not_a_card(path: str) -> None:
    assert _scan(path) == ScanResult()


def test_broken_yaml_in_a_model_folder() -> None:
    with pytest.raises(ParseError) as err:
        _scan("broken/README.md")
    assert err.value.path == "broken/README.md" and err.value.line == 4
    assert err.value.detail.startswith("has a card (YAML front matter) that is not valid YAML")


def test_broken_yaml_outside_a_model_folder_is_not_a_card(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("---\ntitle: [oops\n---\n# Hi\n")
    assert _scan("README.md", root=tmp_path) == ScanResult()


def test_unclosed_front_matter() -> None:
    assert _scan("unclosed/README.md").diagnostics == [Diagnostic(
        "unclosed/README.md", "has YAML front matter that is never closed (no second '---' "
        "line); the card is not read", 1, "warning", "ml-cards")]


def test_card_at_the_root_is_named_by_the_root(tmp_path: Path) -> None:
    root = tmp_path / "whisper-small-de"
    root.mkdir()
    (root / "README.md").write_text("---\nlicense: mit\npipeline_tag: automatic-speech-"
                                    "recognition\n---\n")
    decl = _by_key(_scan("README.md", root=root))["card"]
    assert decl.name == "whisper-small-de" and decl.source == Source(SourceKind.PATH, ".")


def test_license_list_and_unknown_license(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "README.md").write_text("---\nlicense:\n- mit\n- cc-by-4.0\n---\n")
    decl = _by_key(_scan("README.md", root=tmp_path))["card"]
    assert decl.licenses == (LicenseEvidence(
        LicenseEvidenceKind.EXPRESSION, "MIT AND CC-BY-4.0", Location("README.md", 3)),)
    # not recognised: kept as written, as a field, for the license engine to report
    (tmp_path / "README.md").write_text("---\nlicense: cc\n---\n")
    decl = _by_key(_scan("README.md", root=tmp_path))["card"]
    assert decl.licenses == (
        LicenseEvidence(LicenseEvidenceKind.FIELD, "cc", Location("README.md", 2)),)


def test_custom_code_from_config(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(
        '{"model_type": "phi", "auto_map": {"AutoModelForCausalLM": "modeling_phi.PhiForCausalLM"}}')
    (tmp_path / "README.md").write_text("---\nlicense: mit\n---\n")
    assert props(_by_key(_scan("README.md", root=tmp_path))["card"])["ml:custom-code"] == "true"


def test_bom_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"\x08\x08")
    (tmp_path / "README.md").write_bytes(b"\xef\xbb\xbf---\r\nlicense: apache-2.0\r\n---\r\n")
    decl = _by_key(_scan("README.md", root=tmp_path))["card"]
    assert [e.value for e in decl.licenses] == ["Apache-2.0"]


@pytest.mark.parametrize(("license_id", "name", "expected"), [
    ("apache-2.0", None, "apache-2.0"),
    ("other", "Llama3.1", "LicenseRef-llama3.1"),
    ("other", "DeepSeek License Agreement", "LicenseRef-deepseek-license-agreement"),
    ("other", None, "other"),
    ("other", "  ", "other"),
])
def test_hub_license(license_id: str, name: str | None, expected: str) -> None:
    assert hub_license(license_id, name) == expected


@pytest.mark.parametrize(("text", "ok"), [
    ("google-bert/bert-base-uncased", True), ("gpt2", True), ("Qwen/Qwen2.5-7B-Instruct", True),
    ("./local/data", False), ("a/b/c", False), ("/abs/path", False), ("org/..", False),
    ("https://huggingface.co/gpt2", False), ("", False),
])
def test_is_hub_id(text: str, ok: bool) -> None:
    assert is_hub_id(text) is ok


def test_front_matter() -> None:
    assert front_matter("---\na: 1\n---\nbody") == ("a: 1\n", True)
    assert front_matter("---\na: 1\n...\nbody") == ("a: 1\n", True)
    assert front_matter("---\na: 1\n") == ("a: 1\n", False)
    assert front_matter("# Title\n---\n") is None


def test_read_card_needs_model_or_dataset_keys() -> None:
    assert read_card("README.md", "---\nlicense: mit\n---\n", model_folder=False) is None
    card = read_card("README.md", "---\nlicense: mit\nbase_model: gpt2\n---\n",
                     model_folder=False)
    assert card is not None and card.kind == "model" and card.base_models == [("gpt2", 3)]


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    lines = ["---", "a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
              for i in range(20)]
    (tmp_path / "README.md").write_text("\n".join([*lines, "---", ""]))
    with pytest.raises(ParseError, match="anchors and aliases"):
        _scan("README.md", root=tmp_path)
