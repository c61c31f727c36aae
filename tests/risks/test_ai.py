"""risk/trust-remote-code, risk/unpinned-model, risk/http-model-download,
risk/unsafe-serialization: against component properties from the ML scanners."""

from __future__ import annotations

import pytest

from compliance.model import Severity, Source, SourceKind
from compliance.risks import ai
from tests.risks.helpers import COMMIT, MANIFEST, comp, inventory, names


def model(name: str = "meta-llama/Llama-3.1-8B", *, ecosystem: str = "huggingface",
          source: Source | None = None, **props: str):
    """A model component whose properties are ``props`` (underscores become hyphens)."""
    pairs = [(f"compliance:{k.replace('_', '-')}", v) for k, v in props.items()]
    return comp(name, None, kinds=[MANIFEST], ecosystem=ecosystem, source=source,
                component_type="machine-learning-model", properties=pairs)


# ----------------------------------------------------------------------------- trust-remote-code


def test_trust_remote_code_unpinned_is_an_error() -> None:
    c = model("microsoft/phi-2", trust_remote_code="true", revision="main",
              revision_pinned="false")
    found = ai.check_trust_remote_code(inventory(c))
    assert names(found) == ["microsoft/phi-2"]
    f = found[0]
    assert f.rule == "risk/trust-remote-code" and f.severity is Severity.ERROR
    assert f.pack == "risks" and "not pinned" in f.message and "revision" in f.fix


def test_trust_remote_code_pinned_is_a_warning() -> None:
    c = model(trust_remote_code="true", revision=COMMIT, revision_pinned="true")
    found = ai.check_trust_remote_code(inventory(c))
    assert found[0].severity is Severity.WARNING and COMMIT in found[0].message


@pytest.mark.parametrize("c", [
    model(trust_remote_code="false"),
    model(revision=COMMIT),
    comp("requests", "2.32.3"),  # no properties at all (the model field does not exist yet)
])
def test_no_trust_remote_code(c) -> None:
    assert ai.check_trust_remote_code(inventory(c)) == []


def test_properties_without_the_prefix_are_read_too() -> None:
    c = comp("m", None, component_type="machine-learning-model",
             properties=[("trust-remote-code", "true")])
    assert len(ai.check_trust_remote_code(inventory(c))) == 1


# ----------------------------------------------------------------------------- unpinned-model


@pytest.mark.parametrize("c", [
    model(revision="main"),
    model(revision_pinned="false"),
    model(),  # a hub model with no revision at all: the default branch
    model("bert-base-uncased", ecosystem="generic", revision="v1.0"),
])
def test_unpinned_model(c) -> None:
    found = ai.check_unpinned_model(inventory(c))
    assert len(found) == 1
    assert found[0].rule == "risk/unpinned-model" and found[0].severity is Severity.WARNING
    assert "40-hex" in found[0].fix


@pytest.mark.parametrize("c", [
    model(revision=COMMIT),
    model(revision="main", revision_pinned="true"),
    model("models/local.safetensors", ecosystem="generic",
          source=Source(SourceKind.PATH, "models/local.safetensors"), format="safetensors"),
    comp("torch", "2.3.0"),  # a library is not a model
])
def test_pinned_or_local_models_are_not_flagged(c) -> None:
    assert ai.check_unpinned_model(inventory(c)) == []


# ----------------------------------------------------------------------------- http-model-download


def test_http_model_download() -> None:
    c = model("weights", ecosystem="generic", url="http://models.example.com/w.bin")
    found = ai.check_http_model_download(inventory(c))
    assert found[0].rule == "risk/http-model-download" and found[0].severity is Severity.ERROR
    assert "http://models.example.com/w.bin" in found[0].message and "https" in found[0].fix


@pytest.mark.parametrize("c", [
    model("weights", ecosystem="generic", url="https://models.example.com/w.bin"),
    model(),
    # a plain library from an http URL is risk/direct-url's business, not this check's
    comp("lib", "1.0", source=Source(SourceKind.URL, "http://example.com/lib-1.0.tar.gz")),
])
def test_https_or_non_model_downloads_are_not_flagged(c) -> None:
    assert ai.check_http_model_download(inventory(c)) == []


# ----------------------------------------------------------------------------- unsafe-serialization


@pytest.mark.parametrize("imports", [
    "collections.OrderedDict,torch._utils._rebuild_tensor_v2,os.system",
    "posix.system",
    "builtins.eval",
    "__builtin__.exec",
    "subprocess.Popen",
    "socket.create_connection",
    "shutil.rmtree",
    "nt.system",
    "pty.spawn",
    "runpy._run_code",
    "importlib.import_module",
    "webbrowser.open",
])
def test_pickle_reaching_code_execution_is_an_error(imports) -> None:
    c = model("evil/model", format="pytorch", pickle_imports=imports)
    found = ai.check_unsafe_serialization(inventory(c))
    assert len(found) == 1
    f = found[0]
    assert f.rule == "risk/unsafe-serialization" and f.severity is Severity.ERROR
    assert imports.split(",")[-1] in f.message and "safetensors" in f.fix


def test_plain_pickle_is_a_warning() -> None:
    c = model("org/model", format="pytorch",
              pickle_imports="collections.OrderedDict,torch._utils._rebuild_tensor_v2,"
                             "torch.FloatStorage")
    found = ai.check_unsafe_serialization(inventory(c))
    assert found[0].severity is Severity.WARNING
    assert "collections.OrderedDict" in found[0].message and "weights_only=True" in found[0].fix


@pytest.mark.parametrize("fmt", ["pickle", "pkl", "ckpt", "joblib", "pt", "pth"])
def test_pickle_formats_without_imports_are_warnings(fmt) -> None:
    found = ai.check_unsafe_serialization(inventory(model("m", format=fmt)))
    assert found[0].severity is Severity.WARNING


@pytest.mark.parametrize("c", [
    model("org/model", format="safetensors"),
    model("org/model", format="gguf"),
    model("org/model", format="onnx"),
    comp("torch", "2.3.0"),
])
def test_safe_formats_are_not_flagged(c) -> None:
    assert ai.check_unsafe_serialization(inventory(c)) == []


def test_dangerous_imports() -> None:
    assert ai.dangerous_imports(["os.system", "numpy.core.multiarray._reconstruct",
                                 "builtins.set", "builtins.getattr", "subprocess"]) == [
        "os.system", "builtins.getattr", "subprocess"]
    assert ai.dangerous_imports(["torch._utils._rebuild_tensor_v2", "_codecs.encode"]) == []


# ----------------------------------------------------------------------------- the ML scanners' shapes


def _weights(path: str, component_type: str = "machine-learning-model", **props: str):
    """A weight file as compliance.scanners.ml.weights declares it: generic, a PATH source,
    properties named ml:..."""
    pairs = [(f"ml:{k.replace('_', '-')}", v) for k, v in props.items()]
    return comp(path, None, kinds=[MANIFEST], ecosystem="generic",
                source=Source(SourceKind.PATH, path), component_type=component_type,
                properties=pairs)


def test_ml_prefixed_properties_and_the_scanners_own_verdict() -> None:
    c = _weights("models/evil.pt", format="pytorch-zip",
                 pickle_imports="torch._utils._rebuild_tensor_v2,mymod.run",
                 pickle_dangerous_imports="mymod.run", pickle_scan="complete")
    found = ai.check_unsafe_serialization(inventory(c))
    assert found[0].severity is Severity.ERROR and "mymod.run" in found[0].message
    # a weight file in the repository is pinned by the repository: not an unpinned model
    assert ai.check_unpinned_model(inventory(c)) == []


def test_incomplete_pickle_scan_is_said() -> None:
    c = _weights("data/table.pkl", component_type="data", format="pickle",
                 pickle_imports="pandas.core.frame.DataFrame", pickle_scan="incomplete")
    f = ai.check_unsafe_serialization(inventory(c))[0]
    assert f.severity is Severity.WARNING and "could not read all" in f.message
    assert "pickle-based data file" in f.message


def test_keras_lambda_layers() -> None:
    c = _weights("models/net.keras", format="keras", keras_lambda_layers="2")
    f = ai.check_unsafe_serialization(inventory(c))[0]
    assert f.severity is Severity.WARNING and "2 Lambda layers" in f.message
    assert ai.check_unsafe_serialization(inventory(
        _weights("models/net.keras", format="keras", keras_lambda_layers="0"))) == []


def test_hub_reference_revision_from_the_source() -> None:
    def hub(revision, version=None):
        return comp("org/model", version, kinds=[MANIFEST], ecosystem="huggingface",
                    component_type="machine-learning-model",
                    source=Source(SourceKind.REGISTRY, revision=revision))
    assert names(ai.check_unpinned_model(inventory(hub("main")))) == ["org/model"]
    assert "'main'" in ai.check_unpinned_model(inventory(hub("main")))[0].message
    assert ai.check_unpinned_model(inventory(hub(COMMIT, COMMIT))) == []


def test_references_scanner_shapes() -> None:
    """compliance.scanners.ml.references: revision-pinned true/false/unknown, trust-remote-code
    true/computed, insecure-url."""
    computed = model("org/a", trust_remote_code="computed", revision_pinned="unknown")
    f = ai.check_trust_remote_code(inventory(computed))[0]
    assert f.severity is Severity.WARNING and "computed at run time" in f.message
    assert ai.check_unpinned_model(inventory(computed)) == []  # unknown: not guessed
    insecure = model("org/b", insecure_url="http://mirror.example/org/b/model.bin")
    f = ai.check_http_model_download(inventory(insecure))[0]
    assert f.severity is Severity.ERROR and "http://mirror.example" in f.message
    download = comp("http://x.example/w.pth", None, kinds=[MANIFEST], ecosystem="generic",
                    component_type="machine-learning-model",
                    source=Source(SourceKind.URL, "http://x.example/w.pth"))
    assert len(ai.check_http_model_download(inventory(download))) == 1
