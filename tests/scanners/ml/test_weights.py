"""Weight files as components: headers read, never loaded; hashed in chunks; hostile headers
give diagnostics, never a hang or a huge allocation."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import struct
import time
import tracemalloc
from pathlib import Path, PurePosixPath

import pytest

from compliance.model import (
    ROOT,
    Declaration,
    Diagnostic,
    Edge,
    Hash,
    LicenseEvidence,
    LicenseEvidenceKind,
    Location,
    ScanResult,
    Scope,
    Source,
    SourceKind,
)
from compliance.scan import ScanConfig, scan_repository
from compliance.scanners import all_scanners
from compliance.scanners.base import ScanFile
from compliance.scanners.ml.weights import WeightsScanner

from .helpers import FIXTURES, ctype, facts, props

__all__ = ["facts"]

pytestmark = pytest.mark.usefixtures("facts")

SCANNER = WeightsScanner()


@pytest.fixture(autouse=True)
def _never_unpickle(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the weights scanner must never unpickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)


def _scan(path: str, scanner: WeightsScanner = SCANNER, root: Path = FIXTURES) -> ScanResult:
    assert scanner.wants(PurePosixPath(path)), f"ml-weights should claim {path}"
    return scanner.scan(ScanFile(root, path))


def _one(result: ScanResult) -> Declaration:
    assert len(result.declarations) == 1
    decl = result.declarations[0]
    assert result.edges == [Edge(ROOT, decl.key)]
    return decl


def _sha256(path: str) -> Hash:
    return Hash("SHA-256", hashlib.sha256((FIXTURES / path).read_bytes()).hexdigest())


def _error(path: str, message: str, severity: str = "error") -> Diagnostic:
    return Diagnostic(path, message, None, severity, "ml-weights")


def test_plugged_in() -> None:
    assert "ml-weights" in {s.name for s in all_scanners()}


@pytest.mark.parametrize(("name", "wanted"), [
    ("model.safetensors", True), ("x/model-00001-of-00004.safetensors", True),
    ("llama.Q4_K_M.gguf", True), ("model.onnx", True), ("pytorch_model.bin", True),
    ("model.PT", True), ("last.ckpt", True), ("clf.joblib", True), ("x.pkl", True),
    ("m.keras", True), ("m.h5", True), ("model.safetensors.index.json", False),
    ("config.json", False), ("model.py", False), ("README.md", False),
])
def test_wants(name: str, wanted: bool) -> None:
    assert SCANNER.wants(PurePosixPath(name)) is wanted


# ----------------------------------------------------------------------------- safetensors


def test_safetensors() -> None:
    path = "weights/safetensors/model.safetensors"
    result = _scan(path)
    assert result.diagnostics == []
    decl = _one(result)
    assert (decl.name, decl.ecosystem, decl.version) == (path, "generic", None)
    assert decl.location == Location(path)
    assert decl.source == Source(SourceKind.PATH, path)
    assert decl.scope is Scope.REQUIRED and decl.direct is True
    assert decl.hashes == (_sha256(path),)
    assert ctype(decl) == "machine-learning-model"
    assert props(decl) == {
        "ml:format": "safetensors", "ml:tensor-count": "5",
        # 16*8 + 8 + 8*8 + 2*8 + 2
        "ml:parameter-count": "218", "ml:dtypes": "BF16,F16,F32", "ml:metadata:format": "pt",
        "ml:file-size": "1188",
    }


@pytest.mark.parametrize(("path", "message"), [
    ("weights/safetensors/truncated.safetensors",
     "is truncated: tensor 'classifier.bias' ends at data byte 708, but the file holds 668 bytes "
     "of tensor data"),
    ("weights/safetensors/header-too-long.safetensors",
     "is not a safetensors file we can read: its header length (1099511627776 bytes) is over "
     "the 32.0 MiB limit (a corrupt file, or not safetensors)"),
    ("weights/safetensors/short-header.safetensors",
     "is truncated: its header is 4096 bytes long but the file holds only 19 bytes after the "
     "length"),
    ("weights/safetensors/not-safetensors.safetensors",
     "is not a safetensors file: it holds text (an HTML page or an error message saved under "
     "the model's name?)"),
])
def test_safetensors_broken(path: str, message: str) -> None:
    result = _scan(path)
    assert result.diagnostics == [_error(path, message)]
    decl = _one(result)  # still a component: the file is in the repository
    assert decl.hashes == (_sha256(path),)


def test_safetensors_header_not_json(tmp_path: Path) -> None:
    raw = b"{not json}"
    (tmp_path / "m.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw)
    result = _scan("m.safetensors", root=tmp_path)
    assert len(result.diagnostics) == 1
    assert result.diagnostics[0].message.startswith(
        "is not a safetensors file: its header is not valid JSON")


def test_git_lfs_pointer() -> None:
    result = _scan("weights/lfs/model.safetensors")
    decl = _one(result)
    assert result.diagnostics == []
    # the pointer's oid is the digest of the real file
    assert decl.hashes == (Hash(
        "SHA-256", "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"),)
    assert props(decl) == {"ml:lfs-pointer": "true", "ml:file-size": "438064459"}


# ------------------------------------------------------------------------------------ GGUF


def test_gguf() -> None:
    path = "weights/gguf/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf"
    result = _scan(path)
    assert result.diagnostics == []
    decl = _one(result)
    assert decl.licenses == (LicenseEvidence(LicenseEvidenceKind.FIELD, "apache-2.0",
                                             Location(path)),)
    assert props(decl) == {
        "ml:format": "gguf", "ml:gguf-version": "3", "ml:architecture": "llama",
        "ml:model-name": "TinyLlama 1.1B Chat v1.0", "ml:size-label": "1.1B",
        "ml:quantization": "Q4_K_M", "ml:context-length": "2048", "ml:chat-template": "present",
        "ml:tensor-count": "3", "ml:parameter-count": str(64 * 32 + 64 * 64 + 64),
        "ml:dtypes": "F32,Q4_K", "ml:file-size": "1280",
    }


@pytest.mark.parametrize(("path", "message"), [
    ("weights/gguf/truncated.gguf",
     "is truncated: its metadata runs past the end of the file (byte 194 of 200)"),
    ("weights/gguf/hostile-kv-count.gguf",
     "is not a GGUF file we can read: it claims 1152921504606846976 metadata entries (the limit "
     "is 65536)"),
    ("weights/gguf/hostile-string.gguf",
     "is truncated: its metadata runs past the end of the file (byte 56 of 72)"),
    ("weights/gguf/hostile-array.gguf",
     "is not a GGUF file we can read: over 4194304 array elements in its metadata"),
    ("weights/gguf/not-gguf.gguf", "is not a GGUF file: it starts with b'GGML', not b'GGUF'"),
    ("weights/gguf/version-9.gguf",
     "is a GGUF file of version 9, which this tool cannot read (versions 1 to 3)"),
])
def test_gguf_broken(path: str, message: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    result = _scan(path)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.diagnostics == [_error(path, message)]
    assert "ml:format" not in props(_one(result))
    assert elapsed < 1 and peak < 8 << 20


def test_gguf_truncated_tensor_table_keeps_the_metadata() -> None:
    path = "weights/gguf/truncated-tensors.gguf"
    result = _scan(path)
    assert result.diagnostics == [_error(
        path, "is truncated: its tensor table runs past the end of the file (byte 930 of 930)")]
    found = props(_one(result))
    assert found["ml:architecture"] == "llama" and "ml:parameter-count" not in found


def test_gguf_big_endian(tmp_path: Path) -> None:
    def s(text: str) -> bytes:
        return struct.pack(">Q", len(text)) + text.encode()

    data = (b"GGUF" + struct.pack(">IQQ", 3, 0, 1) + s("general.architecture")
            + struct.pack(">I", 8) + s("falcon"))
    (tmp_path / "be.gguf").write_bytes(data)
    result = _scan("be.gguf", root=tmp_path)
    assert result.diagnostics == []
    found = props(_one(result))
    assert found["ml:byte-order"] == "big-endian" and found["ml:architecture"] == "falcon"


# ------------------------------------------------------------------------------------ ONNX


def test_onnx() -> None:
    path = "weights/onnx/model.onnx"
    result = _scan(path)
    assert result.diagnostics == []
    assert props(_one(result)) == {
        "ml:format": "onnx", "ml:onnx-ir-version": "8", "ml:producer": "pytorch",
        "ml:producer-version": "2.1.0", "ml:graph-name": "main_graph", "ml:node-count": "1",
        "ml:tensor-count": "2", "ml:parameter-count": str(8 * 16 + 16),
        "ml:dtypes": "FLOAT,FLOAT16", "ml:opset": "ai.onnx=17,com.microsoft=1",
        "ml:metadata:converted_from": "distilbert-base-uncased", "ml:file-size": "766",
    }


def test_onnx_truncated() -> None:
    path = "weights/onnx/truncated.onnx"
    result = _scan(path)
    assert result.diagnostics == [_error(
        path, "is truncated: a protobuf field runs past the end of the file (byte 21 of 120)")]
    found = props(_one(result))
    assert found["ml:producer"] == "pytorch" and "ml:graph-name" not in found


def test_onnx_wrong_magic() -> None:
    path = "weights/onnx/not-onnx.onnx"
    assert _scan(path).diagnostics == [_error(
        path, "is not an ONNX model: it does not start with a ModelProto's ir_version field")]


def test_onnx_hostile_length(tmp_path: Path) -> None:
    # ir_version, then a graph claiming 2**62 bytes
    (tmp_path / "m.onnx").write_bytes(b"\x08\x08\x3a" + bytes([0x80] * 8) + b"\x40")
    result = _scan("m.onnx", root=tmp_path)
    assert result.diagnostics == [_error(
        "m.onnx", "is truncated: a protobuf field runs past the end of the file (byte 12 of 12)")]


# --------------------------------------------------------------------------- torch, pickle


def test_pytorch_zip() -> None:
    path = "weights/torch/pytorch_model.bin"
    result = _scan(path)
    assert result.diagnostics == []
    assert props(_one(result)) == {
        "ml:format": "pytorch-zip", "ml:storage-count": "2", "ml:tensor-bytes": "256",
        "ml:pickle-imports":
            "collections.OrderedDict,torch._utils._rebuild_tensor_v2,torch.FloatStorage",
        "ml:pickle-scan": "complete", "ml:file-size": "1244",
    }


def test_pytorch_zip_malicious() -> None:
    result = _scan("weights/torch/malicious.pt")
    assert result.diagnostics == []  # what loading would do is a fact for the risk checks
    found = props(_one(result))
    assert found["ml:pickle-imports"] == "posix.system"
    assert found["ml:pickle-dangerous-imports"] == "posix.system"


def test_pytorch_legacy_pickle() -> None:
    result = _scan("weights/torch/legacy.pt")
    assert result.diagnostics == []
    found = props(_one(result))
    assert found["ml:format"] == "pytorch-pickle" and found["ml:pickle-scan"] == "complete"
    assert found["ml:pickle-imports"] == (
        "collections.OrderedDict,torch._utils._rebuild_tensor_v2,torch.FloatStorage")


@pytest.mark.parametrize(("path", "message"), [
    ("weights/torch/truncated.ckpt",
     "is not a readable PyTorch zip checkpoint: no end of central directory record (not a zip, "
     "or truncated)"),
    ("weights/torch/not-torch.pt",
     "is not a PyTorch checkpoint: it is neither a zip nor a pickle (it starts with "
     "b'This che')"),
])
def test_pytorch_broken(path: str, message: str) -> None:
    assert _scan(path).diagnostics == [_error(path, message)]


def test_bin_that_is_no_model_is_left_alone() -> None:
    assert _scan("weights/torch/notes.bin") == ScanResult()


def test_pth_path_file_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "distutils-precedence.pth").write_text(
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'\n")
    assert _scan("distutils-precedence.pth", root=tmp_path) == ScanResult()


def test_sklearn_joblib_is_a_model() -> None:
    decl = _one(_scan("weights/pickle/classifier.joblib"))
    assert ctype(decl) == "machine-learning-model"
    assert props(decl)["ml:pickle-imports"] == (
        "sklearn.linear_model._logistic.LogisticRegression,numpy.core.multiarray._reconstruct,"
        "numpy.ndarray,numpy.dtype")
    assert "ml:pickle-dangerous-imports" not in props(decl)


@pytest.mark.parametrize(("path", "compression"), [
    ("weights/pickle/compressed.joblib", "zlib"), ("weights/pickle/gzipped.pkl", "gzip")])
def test_compressed_pickles(path: str, compression: str) -> None:
    result = _scan(path)
    assert result.diagnostics == []
    found = props(_one(result))
    assert found["ml:compression"] == compression
    assert found["ml:pickle-imports"].startswith("sklearn.linear_model._logistic")


@pytest.mark.parametrize(("path", "dangerous"), [
    ("weights/pickle/exploit.pkl", "os.system"),
    ("weights/pickle/eval-memo.pkl", "builtins.eval"),
    ("weights/pickle/two-pickles.pkl", "os.system"),
])
def test_malicious_pickles(path: str, dangerous: str) -> None:
    result = _scan(path)
    assert result.diagnostics == []
    found = props(_one(result))
    assert found["ml:pickle-dangerous-imports"] == dangerous
    assert found["ml:pickle-scan"] == "complete"


def test_joblib_with_raw_arrays_is_read_in_part() -> None:
    path = "weights/pickle/scaler.joblib"
    result = _scan(path)
    assert result.diagnostics == [_error(
        path, "cannot be fully read as a pickle: joblib writes NumPy arrays as raw bytes inside "
        "the pickle stream; imports after the first array are not listed", "warning")]
    found = props(_one(result))
    assert found["ml:format"] == "joblib" and found["ml:pickle-scan"] == "incomplete"


@pytest.mark.parametrize(("path", "message"), [
    ("weights/pickle/truncated.pkl",
     "is not a pickle: truncated: SHORT_BINUNICODE needs 18 bytes, 14 remain"),
    ("weights/pickle/not-a-pickle.pkl",
     "is not a pickle: opcode 0xff is not a pickle opcode (not a pickle, or data the pickle "
     "does not describe)"),
])
def test_pickle_broken(path: str, message: str) -> None:
    assert _scan(path).diagnostics == [_error(path, message)]


# ------------------------------------------------------------------------------------ Keras


def test_keras() -> None:
    result = _scan("weights/keras/model.keras")
    assert result.diagnostics == []
    assert props(_one(result)) == {"ml:format": "keras", "ml:keras-version": "3.3.3",
                                   "ml:model-name": "Sequential", "ml:file-size": "988"}


def test_keras_lambda_and_custom_modules() -> None:
    found = props(_one(_scan("weights/keras/lambda.keras")))
    assert found["ml:keras-lambda-layers"] == "1"
    assert found["ml:keras-modules"] == "acme_layers.attention"


def test_hdf5() -> None:
    keras = _one(_scan("weights/keras/model.h5"))
    assert props(keras)["ml:format"] == "keras-h5" and ctype(keras) == "machine-learning-model"
    data = _one(_scan("weights/keras/features.h5"))
    assert props(data)["ml:format"] == "hdf5" and ctype(data) == "data"


@pytest.mark.parametrize(("path", "message"), [
    ("weights/keras/not-keras.keras",
     "is not a Keras archive: no end of central directory record (not a zip, or truncated)"),
    ("weights/keras/not-hdf5.h5", "is not an HDF5 file: no HDF5 signature at its start"),
])
def test_keras_broken(path: str, message: str) -> None:
    assert _scan(path).diagnostics == [_error(path, message)]


# ---------------------------------------------------------------------------------- hashing


def test_hash_cap() -> None:
    path = "weights/safetensors/model.safetensors"
    decl = _one(_scan(path, WeightsScanner(hash_limit=1000)))
    assert decl.hashes == ()
    assert props(decl)["ml:hash-status"] == "not hashed: over the cap (1.2 KiB > 1000 bytes)"


def test_hashing_off() -> None:
    decl = _one(_scan("weights/onnx/model.onnx", WeightsScanner(hash_files=False)))
    assert decl.hashes == ()
    assert props(decl)["ml:hash-status"] == "not hashed: hashing is off"


def test_hash_is_streamed_in_chunks(tmp_path: Path) -> None:
    size = 5 << 20
    path = tmp_path / "big.safetensors"
    header = json.dumps({"w": {"dtype": "U8", "shape": [size], "data_offsets": [0, size]}})
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(header)) + header.encode())
        fh.write(b"\x01" * size)
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    tracemalloc.start()
    decl = _one(_scan("big.safetensors", root=tmp_path))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert decl.hashes == (Hash("SHA-256", expected),)
    assert peak < 3 << 20  # one 1 MiB chunk at a time, not the whole file


# ------------------------------------------------------------------------- cards, symlinks


def test_card_beside_weights_gives_their_license() -> None:
    root = FIXTURES / "cards"
    decl = _one(_scan("models/bert-imdb/model.safetensors", root=root))
    assert decl.licenses == (LicenseEvidence(
        LicenseEvidenceKind.EXPRESSION, "Apache-2.0", Location("models/bert-imdb/README.md", 4)),)
    adapter = _one(_scan("models/llama-adapter/adapter_model.safetensors", root=root))
    assert [e.value for e in adapter.licenses] == ["LicenseRef-llama3.1"]


def test_link_out_of_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.safetensors"
    shutil.copy(FIXTURES / "weights/safetensors/model.safetensors", outside)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "model.safetensors").symlink_to(outside)
    from compliance.errors import UnreadableFile

    with pytest.raises(UnreadableFile, match="outside the scanned directory"):
        _scan("model.safetensors", root=root)


# ------------------------------------------------------------------------------------ speed


def _sparse_safetensors(path: Path, size: int) -> None:
    n = (size - 4096) // 2
    header = json.dumps({
        "__metadata__": {"format": "pt"},
        "model.embed_tokens.weight": {"dtype": "BF16", "shape": [n // 4096, 4096],
                                      "data_offsets": [0, n // 4096 * 4096 * 2]},
    }).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(header)) + header)
        fh.truncate(size)


def _sparse_gguf(path: Path, size: int) -> None:
    src = (FIXTURES / "weights/gguf/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf").read_bytes()
    with open(path, "wb") as fh:
        fh.write(src)
        fh.truncate(size)


def test_fifty_sparse_files_of_twenty_gigabytes_in_under_a_second(tmp_path: Path) -> None:
    size = 20_000_000_000 // 50
    for i in range(50):
        folder = tmp_path / "models" / f"shard-{i // 10}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 2:
            _sparse_gguf(folder / f"model-{i:05d}.gguf", size)
        else:
            _sparse_safetensors(folder / f"model-{i:05d}-of-00050.safetensors", size)
    scanner = WeightsScanner(hash_files=False)
    started = time.perf_counter()
    report = scan_repository(tmp_path, ScanConfig(resolve_licenses=False), scanners=[scanner])
    elapsed = time.perf_counter() - started
    inv = report.inventory
    assert len(inv.components) == 50 and inv.diagnostics == []
    assert sum(int(p.stat().st_size) for p in tmp_path.rglob("model-*")) == 20_000_000_000
    assert elapsed < 1.0, f"50 weight headers took {elapsed:.2f} s"


def test_onnx_graph_of_millions_of_nodes_stops_in_time(tmp_path: Path) -> None:
    nodes = b"\x0a\x00" * 1_500_000  # 1.5 million empty NodeProto fields
    n, length = len(nodes), b""
    while True:
        byte, n = n & 0x7F, n >> 7
        length += bytes([byte | 0x80]) if n else bytes([byte])
        if not n:
            break
    (tmp_path / "m.onnx").write_bytes(b"\x08\x08\x3a" + length + nodes)
    started = time.perf_counter()
    result = _scan("m.onnx", WeightsScanner(hash_files=False), root=tmp_path)
    assert time.perf_counter() - started < 3
    assert result.diagnostics == [_error(
        "m.onnx", "has over 1,000,000 protobuf fields; stopped reading its graph there (the facts "
        "after that point are missing)", "warning")]
