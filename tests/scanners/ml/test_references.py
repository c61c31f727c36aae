"""Models and datasets named in Python code, found with ast (the code is never imported)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from compliance.model import (
    ROOT,
    Declaration,
    Diagnostic,
    Edge,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scanners import all_scanners
from compliance.scanners.base import ScanFile
from compliance.scanners.ml.references import ModelReferencesScanner

from .helpers import FIXTURES, all_props, ctype, facts, props

__all__ = ["facts"]

pytestmark = pytest.mark.usefixtures("facts")

ROOT_DIR = FIXTURES / "references"
SCANNER = ModelReferencesScanner()
LLAMA_COMMIT = "0e9e39f249a16976918f6564b8830bc894c89659"
TRAIN = "src/train.py"


def _scan(path: str, root: Path = ROOT_DIR) -> ScanResult:
    assert SCANNER.wants(PurePosixPath(path))
    return SCANNER.scan(ScanFile(root, path))


def _code(tmp_path: Path, text: str) -> ScanResult:
    (tmp_path / "app.py").write_text(text)
    return _scan("app.py", root=tmp_path)


@pytest.fixture
def train(facts: None) -> ScanResult:
    return _scan(TRAIN)


def _find(result: ScanResult, name: str, line: int | None = None) -> Declaration:
    found = [d for d in result.declarations
             if d.name == name and (line is None or d.location.line == line)]
    assert len(found) == 1, f"{name} at {line}: {[d.location for d in found]}"
    return found[0]


def test_plugged_in() -> None:
    assert "ml-references" in {s.name for s in all_scanners()}


def test_every_declaration_is_direct_and_required(train: ScanResult) -> None:
    assert train.diagnostics == []
    assert train.edges == [Edge(ROOT, d.key) for d in train.declarations]
    assert len({d.key for d in train.declarations}) == len(train.declarations)
    for decl in train.declarations:
        assert decl.scope is Scope.REQUIRED and decl.direct is True
        assert decl.location.path == TRAIN


def test_names_in_order_with_lines(train: ScanResult) -> None:
    assert [(d.location.line, d.ecosystem, d.name) for d in train.declarations] == [
        (20, "huggingface", "meta-llama/Llama-3.1-8B-Instruct"),
        (22, "huggingface", "meta-llama/Llama-3.1-8B-Instruct"),
        (26, "huggingface", "acme/support-desk-lora"),
        (28, "huggingface", "microsoft/phi-2"),
        (29, "huggingface", "datasets/stanfordnlp/imdb"),
        (30, "generic", "http://data.example.com/reviews.jsonl"),
        (31, "huggingface", "sentence-transformers/all-MiniLM-L6-v2"),
        (32, "huggingface", "TheBloke/Llama-2-7B-Chat-GGUF"),
        (34, "huggingface", "datasets/rajpurkar/squad"),
        (36, "huggingface", "distilbert/distilbert-base-uncased-finetuned-sst-2-english"),
        (37, "generic", "models/local-bert"),
        (42, "generic", "http://download.example.com/resnet50-0676ba61.pth"),
        (43, "github", "pytorch/vision"),
        (44, "huggingface", "Qwen/Qwen2-7B-Instruct"),
    ]


def test_pinned_revision_from_module_constants(train: ScanResult) -> None:
    decl = _find(train, "meta-llama/Llama-3.1-8B-Instruct", 22)
    assert decl.version == LLAMA_COMMIT
    assert decl.source == Source(revision=LLAMA_COMMIT, commit=LLAMA_COMMIT)
    assert ctype(decl) == "machine-learning-model"
    assert props(decl) == {"ml:loader": "AutoModelForCausalLM.from_pretrained",
                           "ml:revision": LLAMA_COMMIT, "ml:revision-pinned": "true"}


def test_branch_revision_and_trust_remote_code(train: ScanResult) -> None:
    decl = _find(train, "microsoft/phi-2")
    assert decl.version is None and decl.source == Source(revision="main")
    assert props(decl) == {
        "ml:loader": "AutoModelForSequenceClassification.from_pretrained",
        "ml:trust-remote-code": "true", "ml:revision": "main", "ml:revision-pinned": "false"}


def test_peft_adapter_is_the_second_argument(train: ScanResult) -> None:
    decl = _find(train, "acme/support-desk-lora")
    assert props(decl)["ml:loader"] == "PeftModel.from_pretrained"
    assert props(decl)["ml:revision-pinned"] == "false"


def test_datasets(train: ScanResult) -> None:
    imdb = _find(train, "datasets/stanfordnlp/imdb")
    assert ctype(imdb) == "data" and props(imdb)["ml:loader"] == "load_dataset"
    squad = _find(train, "datasets/rajpurkar/squad")
    assert ctype(squad) == "data" and props(squad)["ml:repo-type"] == "dataset"
    # load_dataset("json", data_files=...) names no Hub dataset: the URL is the component
    files = _find(train, "http://data.example.com/reviews.jsonl")
    assert ctype(files) == "data"
    assert files.source == Source(SourceKind.URL, "http://data.example.com/reviews.jsonl")
    assert all_props(files, "ml:insecure-url") == ["http://data.example.com/reviews.jsonl"]


def test_hub_downloads(train: ScanResult) -> None:
    gguf = _find(train, "TheBloke/Llama-2-7B-Chat-GGUF")
    assert props(gguf)["ml:filename"] == "llama-2-7b-chat.Q4_K_M.gguf"
    assert gguf.location == Location(TRAIN, 32)
    mirror = _find(train, "Qwen/Qwen2-7B-Instruct")
    assert props(mirror)["ml:filename"] == "config.json"
    assert all_props(mirror, "ml:insecure-url") == ["http://hf-mirror.internal"]


def test_spaces_and_unresolvable_names_are_skipped(train: ScanResult) -> None:
    names = {d.name for d in train.declarations}
    assert "gradio/hello_world" not in names  # repo_type="space"
    assert not any("second" in n or "first" in n for n in names)  # bound twice: not a constant
    assert "/mnt/models/llama" not in names  # an absolute path is no component


def test_local_path_is_a_generic_component(train: ScanResult) -> None:
    decl = _find(train, "models/local-bert")
    assert decl.ecosystem == "generic"
    assert decl.source == Source(SourceKind.PATH, "models/local-bert")
    assert "ml:revision-pinned" not in props(decl)


def test_url_download_and_torch_hub(train: ScanResult) -> None:
    url = "http://download.example.com/resnet50-0676ba61.pth"
    weights = _find(train, url)
    assert weights.source == Source(SourceKind.URL, url)
    assert props(weights)["ml:loader"] == "torch.hub.load_state_dict_from_url"
    assert all_props(weights, "ml:insecure-url") == [url]
    vision = _find(train, "pytorch/vision")
    assert vision.source == Source(SourceKind.VCS, "https://github.com/pytorch/vision", "git",
                                   "v0.10.0")
    assert vision.version is None
    assert props(vision)["ml:revision-pinned"] == "false"


def test_vllm() -> None:
    result = _scan("src/serve.py")
    decl = _find(result, "Qwen/Qwen2.5-7B-Instruct")
    assert decl.version == "a09a35458c702b33eeacc393d103063234e8bc28"
    assert props(decl) == {
        "ml:loader": "LLM", "ml:trust-remote-code": "true",
        "ml:revision": "a09a35458c702b33eeacc393d103063234e8bc28", "ml:revision-pinned": "true"}


def test_file_without_loaders() -> None:
    assert _scan("src/utils.py") == ScanResult()


def test_python_2_file_is_a_warning() -> None:
    assert _scan("src/legacy.py").diagnostics == [Diagnostic(
        "src/legacy.py", "is not valid Python 3 (Missing parentheses in call to 'print'. Did you "
        "mean print(...)?); not searched for model references", 3, "warning", "ml-references")]


def test_non_utf8_file_is_a_warning() -> None:
    # only a file that may name a model is decoded: one that names none is skipped quietly
    result = _scan("src/latin1.py")
    assert result.diagnostics == [Diagnostic(
        "src/latin1.py", "is not valid UTF-8 text (byte 22); not parsed", 1, "warning",
        "ml-references")]


def test_large_file_is_skipped(tmp_path: Path) -> None:
    text = 'M = "gpt2"\n' + "x = 1\n" * 200_000
    result = _code(tmp_path, text)
    assert result.diagnostics == [Diagnostic(
        "app.py", f"is {len(text)} bytes, over the 1 MiB limit for Python sources; not searched "
        "for model references", None, "warning", "ml-references")]


def test_computed_values(tmp_path: Path) -> None:
    result = _code(tmp_path, (
        "import os\nfrom transformers import AutoModel\n"
        "REV = os.environ['REV']\n"
        "m = AutoModel.from_pretrained('bigscience/bloom-560m', revision=REV,\n"
        "                              trust_remote_code=os.environ.get('TRC') == '1')\n"
        "n = AutoModel.from_pretrained(name_from_cli)\n"))
    decl = _find(result, "bigscience/bloom-560m")
    assert decl.version is None and decl.source == Source()
    assert props(decl) == {"ml:loader": "AutoModel.from_pretrained",
                           "ml:trust-remote-code": "computed", "ml:revision-pinned": "unknown"}
    assert len(result.declarations) == 1


def test_keyword_names_and_hf_hub_prefix(tmp_path: Path) -> None:
    result = _code(tmp_path, (
        "import timm, open_clip\n"
        "from llama_cpp import Llama\n"
        "a = timm.create_model('hf-hub:timm/vit_base_patch16_224.augreg_in21k', pretrained=True)\n"
        "b = timm.create_model('resnet50', pretrained=True)\n"
        "c = Llama.from_pretrained(repo_id='Qwen/Qwen2-0.5B-Instruct-GGUF', filename='*q8_0.gguf')\n"
        "d = pipeline(task='text-generation', model='openai-community/gpt2')\n"
        "e = AutoModel.from_pretrained(pretrained_model_name_or_path='google/gemma-2-2b')\n"))
    assert [(d.location.line, d.name) for d in result.declarations] == [
        (3, "timm/vit_base_patch16_224.augreg_in21k"),
        (5, "Qwen/Qwen2-0.5B-Instruct-GGUF"),
        (6, "openai-community/gpt2"),
        (7, "google/gemma-2-2b"),
    ]


def test_same_model_twice_on_a_line_is_one_declaration(tmp_path: Path) -> None:
    result = _code(tmp_path, "t, m = A.from_pretrained('gpt2'), B.from_pretrained('gpt2')\n")
    assert [d.name for d in result.declarations] == ["gpt2"]


def test_the_root_folder_is_named_like_a_card_at_the_root(tmp_path: Path) -> None:
    root = tmp_path / "whisper-small-de"
    root.mkdir()
    (root / "README.md").write_text("---\nlicense: mit\n---\n")
    (root / "infer.py").write_text("from transformers import pipeline\n"
                                   "asr = pipeline('automatic-speech-recognition', model='.')\n")
    decl = _scan("infer.py", root=root).declarations[0]
    assert decl.name == "whisper-small-de" and decl.source == Source(SourceKind.PATH, ".")


def test_wants_only_python() -> None:
    assert SCANNER.wants(PurePosixPath("a/b.py"))
    assert not SCANNER.wants(PurePosixPath("a/b.pyi"))
    assert not SCANNER.wants(PurePosixPath("notebook.ipynb"))
