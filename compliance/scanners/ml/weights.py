"""Weight files as components, read from their headers (never loaded).

``ml-weights`` claims files by suffix (:data:`~compliance.scanners.ml.WEIGHT_SUFFIXES`) and
reads only what describes them; a 20 GB file costs a few KiB of reads:

* **safetensors**: the 8-byte little-endian header length and the JSON header: tensor count,
  dtypes, parameter count (the sum of the shapes' products), ``__metadata__``; a tensor whose
  bytes end past the end of the file means the file is truncated;
* **GGUF** (v1 to v3, either byte order): ``general.name``, ``general.architecture``,
  ``general.license`` (license evidence), the file type (quantisation), the context length and
  the tensor table (parameter count, tensor types); token arrays are skipped, not kept;
* **ONNX**: the ``ModelProto`` read field by field with a small protobuf reader: IR version,
  producer, opsets, graph name, initializers (parameter count, dtypes, external data);
* **PyTorch** ``.pt``/``.pth``/``.bin``/``.ckpt``: a zip checkpoint's ``*.pkl`` members or a
  legacy pickle checkpoint are opcode-scanned (:mod:`.pickle_scan`): the imports loading would
  perform, the dangerous ones flagged; ``.bin`` and ``.pth`` files that are neither (a ``site``
  path file, any other binary) are left alone;
* **pickle** ``.pkl``/``.pickle``/``.joblib`` (gzip, bz2, xz or zlib compressed too): imports;
  the component is a model when it imports an ML library, data otherwise;
* **Keras** ``.keras`` (a zip: ``config.json``, ``metadata.json``; ``Lambda`` layers, which hold
  Python bytecode, are counted) and ``.h5``/``.hdf5`` (the HDF5 signature; a Keras model when its
  first MiB names ``keras_version`` or ``model_config``, data otherwise);
* a **Git LFS pointer** in place of any of these: the pointer's SHA-256 (the real file's) and size.

Each file is one declaration: ecosystem ``generic``, named by its path, a ``PATH`` source,
``Edge(ROOT, ...)``, its SHA-256 (streamed in 1 MiB chunks, skipped over ``hash_limit``), the
license of a model card (``README.md``) in the same folder and of a GGUF ``general.license``.
A header that cannot be read is an error diagnostic, what is odd (a pickle read only in part) a
warning; the declaration is kept either way. What a file *would do* when loaded (dangerous pickle
imports, Keras Lambda layers) is a fact in its properties, judged by the risk checks
(:mod:`compliance.risks.ai`), not a scan diagnostic.

Properties (``ml:``): ``format``, ``file-size``, ``hash-status``, ``lfs-pointer``,
``tensor-count``, ``parameter-count``, ``dtypes``, ``metadata:<key>``, ``architecture``,
``model-name``, ``quantization``, ``size-label``, ``context-length``, ``chat-template``,
``base-model``, ``license-name``, ``license-link``, ``gguf-version``, ``byte-order``,
``onnx-ir-version``, ``producer``, ``producer-version``, ``opset``, ``graph-name``,
``node-count``, ``external-data``, ``pickle-imports``, ``pickle-dangerous-imports``,
``pickle-scan``, ``storage-count``, ``tensor-bytes``, ``torchscript``, ``keras-version``,
``keras-lambda-layers``, ``keras-modules``.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

import orjson

from compliance.errors import UnreadableFile
from compliance.model import (
    ROOT,
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
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.ml import (
    DATA,
    MODEL,
    WEIGHT_SUFFIXES,
    human_size,
    ml_declaration,
    open_binary,
)
from compliance.scanners.ml.cards import card_license_for, hub_license
from compliance.scanners.ml.pickle_scan import (
    PickleScan,
    dangerous_imports,
    scan_pickle,
    scan_torch_zip,
    zip_directory_problem,
)

__all__ = [
    "DEFAULT_HASH_LIMIT",
    "SCANNERS",
    "HeaderError",
    "WeightHeader",
    "WeightsScanner",
    "read_gguf",
    "read_hdf5",
    "read_header",
    "read_keras",
    "read_onnx",
    "read_pickle_file",
    "read_safetensors",
    "read_torch",
]

#: Files larger than this are not hashed by default (``hash_limit``).
DEFAULT_HASH_LIMIT = 2 << 30
#: A safetensors header longer than this is refused (real ones are a few KiB to a few MiB).
MAX_SAFETENSORS_HEADER = 32 << 20
#: GGUF limits: metadata entries, tensors, key and kept string lengths, array elements.
MAX_GGUF_KV = 1 << 16
MAX_GGUF_TENSORS = 1 << 17
MAX_GGUF_KEY = 1 << 16
MAX_GGUF_STRING_ELEMENTS = 1 << 22  # token arrays hold up to a few hundred thousand strings
MAX_KEPT = 1024  # characters of a string value kept as a property
#: ONNX: protobuf fields walked in the graph before giving up.
MAX_ONNX_FIELDS = 1_000_000
#: Decompressed bytes of a compressed pickle read at most.
MAX_DECOMPRESSED = 1 << 30
#: A Keras config.json larger than this is not read.
MAX_KERAS_CONFIG = 16 << 20

_CHUNK = 1 << 20
_WINDOW = 64 << 10
_MAX_METADATA = 32  # safetensors __metadata__ entries kept

_TEXT_BYTES = frozenset(range(32, 127)) | {9, 10, 13}
_LFS = b"version https://git-lfs.github.com/spec/"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_HDF5 = b"\x89HDF\r\n\x1a\n"
_GGML = {b"lmgg": "ggml", b"fmgg": "ggmf", b"tjgg": "ggjt", b"algg": "ggla"}
_LFS_OID = re.compile(rb"^oid sha256:([0-9a-f]{64})$", re.M)
_LFS_SIZE = re.compile(rb"^size (\d+)$", re.M)

_ML_MODULES = frozenset({
    "sklearn", "xgboost", "lightgbm", "catboost", "torch", "tensorflow", "keras", "transformers",
    "statsmodels", "prophet", "gensim", "spacy", "fastai", "skorch", "mlflow", "peft",
    "sentence_transformers", "diffusers", "timm", "onnx", "onnxruntime", "tf_keras",
})

_SAFETENSORS_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "I16": 2, "U16": 2,
    "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8, "C64": 8,
}

# llama.cpp's llama_ftype: general.file_type
_GGUF_FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 4: "Q4_1_SOME_F16", 7: "Q8_0", 8: "Q5_0",
    9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S",
    15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS",
    21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S",
    27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16",
    33: "Q4_0_4_4", 34: "Q4_0_4_8", 35: "Q4_0_8_8", 36: "TQ1_0", 37: "TQ2_0",
}
# ggml_type: a tensor's type in the tensor table
_GGML_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
    10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS",
    17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
    23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M",
    30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
}
# GGUF value types: struct format of the fixed-size ones
_GGUF_FIXED = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q",
               12: "d"}
_GGUF_STRING, _GGUF_ARRAY = 8, 9
# GGUF keys kept as properties
_GGUF_KEYS = {
    "general.architecture": "ml:architecture",
    "general.name": "ml:model-name",
    "general.size_label": "ml:size-label",
    "general.license.name": "ml:license-name",
    "general.license.link": "ml:license-link",
    "general.base_model.0.name": "ml:base-model",
    "general.base_model.0.repo_url": "ml:base-model-url",
    "general.source.huggingface.repository": "ml:source-repository",
}

# ONNX TensorProto.DataType
_ONNX_TYPES = {
    1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
    8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64",
    14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16", 17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ",
    19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4", 23: "FLOAT4E2M1",
}


class HeaderError(Exception):
    """A weight file's header cannot be read: the message says why (it follows the path)."""


@dataclass
class WeightHeader:
    """What a weight file's header says."""

    format: str
    properties: list[tuple[str, str]] = field(default_factory=list)
    component_type: str = MODEL
    license: str | None = None  # a license the file declares (GGUF general.license)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, name: str, value: object) -> None:
        """Add the property ``ml:<name>`` (nothing for None or an empty value)."""
        if value is None or value == "":
            return
        if isinstance(value, bool):
            value = "true" if value else "false"
        self.properties.append((f"ml:{name}", _short(str(value))))


def _short(text: str) -> str:
    text = text.replace("\x00", "")
    return text if len(text) <= MAX_KEPT else text[:MAX_KEPT] + " [...]"


# --------------------------------------------------------------------------------------------
# A bounded, buffered cursor over a file
# --------------------------------------------------------------------------------------------


class _Truncated(Exception):
    pass


class _Budget(HeaderError):
    """A header too large to walk completely: what was read is kept."""


class _Cursor:
    """Reads at absolute positions through a small window; never reads past ``end``."""

    __slots__ = ("buf", "buf_at", "end", "fh", "pos")

    def __init__(self, fh: IO[bytes], end: int, pos: int = 0) -> None:
        self.fh = fh
        self.end = end
        self.pos = pos
        self.buf = b""
        self.buf_at = 0

    def _window(self, n: int) -> int:
        if n < 0 or self.pos + n > self.end:
            raise _Truncated(self.pos)
        off = self.pos - self.buf_at
        if off >= 0 and off + n <= len(self.buf):
            return off
        self.fh.seek(self.pos)
        self.buf = self.fh.read(min(max(n, _WINDOW), self.end - self.pos))
        self.buf_at = self.pos
        if len(self.buf) < n:
            raise _Truncated(self.pos)
        return 0

    def unpack(self, fmt: struct.Struct) -> tuple[Any, ...]:
        off = self._window(fmt.size)
        self.pos += fmt.size
        return fmt.unpack_from(self.buf, off)

    def take(self, n: int) -> bytes:
        off = self._window(n)
        self.pos += n
        return self.buf[off:off + n]

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > self.end:
            raise _Truncated(self.pos)
        self.pos += n

    def skip_strings(self, count: int, length: struct.Struct) -> None:
        """Skip ``count`` length-prefixed strings (the hot loop of GGUF token arrays)."""
        size, unpack_from, end = length.size, length.unpack_from, self.end
        for _ in range(count):
            off = self.pos - self.buf_at
            if off < 0 or off + size > len(self.buf):
                off = self._window(size)
            after = self.pos + size + unpack_from(self.buf, off)[0]
            if after > end:
                raise _Truncated(self.pos)
            self.pos = after

    def varint(self) -> int:
        off = self.pos - self.buf_at
        if 0 <= off < len(self.buf) and self.buf[off] < 0x80:  # one byte: most tags, lengths
            self.pos += 1
            return self.buf[off]
        if off < 0 or off + 10 > len(self.buf):
            off = self._window(min(10, self.end - self.pos))
        buf = self.buf
        result = shift = 0
        for i in range(min(10, len(buf) - off)):
            byte = buf[off + i]
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                self.pos += i + 1
                return result
            shift += 7
        if len(buf) - off < 10 and self.pos + len(buf) - off >= self.end:
            raise _Truncated(self.pos)
        raise HeaderError(f"holds a malformed protobuf varint at byte {self.pos}")


# --------------------------------------------------------------------------------------------
# safetensors
# --------------------------------------------------------------------------------------------


def read_safetensors(fh: IO[bytes], size: int) -> WeightHeader:
    """Read a safetensors header. Raises :class:`HeaderError`."""
    fh.seek(0)
    head = fh.read(8)
    if len(head) < 8:
        raise HeaderError(f"is not a safetensors file: {size} bytes, shorter than the 8-byte "
                          "header length")
    (length,) = struct.unpack("<Q", head)
    if length > MAX_SAFETENSORS_HEADER and all(b in _TEXT_BYTES for b in head):
        raise HeaderError("is not a safetensors file: it holds text (an HTML page or an error "
                          "message saved under the model's name?)")
    if length > MAX_SAFETENSORS_HEADER:
        raise HeaderError(
            f"is not a safetensors file we can read: its header length ({length} bytes) is over "
            f"the {human_size(MAX_SAFETENSORS_HEADER)} limit (a corrupt file, or not "
            "safetensors)")
    if 8 + length > size:
        raise HeaderError(f"is truncated: its header is {length} bytes long but the file holds "
                          f"only {size - 8} bytes after the length")
    raw = fh.read(length)
    if not raw.lstrip(b" \t\r\n").startswith(b"{"):
        raise HeaderError("is not a safetensors file: its header is not a JSON object")
    try:
        header = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise HeaderError(f"is not a safetensors file: its header is not valid JSON ({e})") \
            from e
    if not isinstance(header, dict):
        raise HeaderError("is not a safetensors file: its header is not a JSON object")
    out = WeightHeader("safetensors")
    metadata = header.pop("__metadata__", None)
    data_size = size - 8 - length
    params = 0
    dtypes: set[str] = set()
    bad: list[str] = []
    mismatched: list[str] = []
    furthest = (0, "")
    for name, info in header.items():
        entry = _tensor_entry(info)
        if entry is None:
            bad.append(name)
            continue
        dtype, numel, begin, end = entry
        dtypes.add(dtype)
        params += numel
        if end > furthest[0]:
            furthest = (end, name)
        width = _SAFETENSORS_SIZES.get(dtype)
        if width is not None and numel * width != end - begin:
            mismatched.append(name)
    out.add("format", "safetensors")
    out.add("tensor-count", len(header))
    out.add("parameter-count", params)
    out.add("dtypes", ",".join(sorted(dtypes)))
    if isinstance(metadata, dict):
        for key, value in list(metadata.items())[:_MAX_METADATA]:
            if isinstance(key, str) and isinstance(value, str) and len(key) <= 64:
                out.add(f"metadata:{key}", value)
    elif metadata is not None:
        out.warnings.append("has a __metadata__ entry that is not an object of strings")
    if bad:
        out.errors.append(f"has {len(bad)} tensor entr{'y' if len(bad) == 1 else 'ies'} without "
                          f"a valid dtype, shape and data_offsets (first: {bad[0]!r})")
    if mismatched:
        out.warnings.append(f"has {len(mismatched)} tensor(s) whose byte range does not match "
                            f"dtype x shape (first: {mismatched[0]!r})")
    if furthest[0] > data_size:
        out.errors.append(f"is truncated: tensor {furthest[1]!r} ends at data byte "
                          f"{furthest[0]}, but the file holds {data_size} bytes of tensor data")
    return out


def _tensor_entry(info: object) -> tuple[str, int, int, int] | None:
    if not isinstance(info, dict):
        return None
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str) or not isinstance(shape, list) or not isinstance(offsets, list):
        return None
    if len(shape) > 64 or not all(isinstance(d, int) and d >= 0 for d in shape):
        return None
    if len(offsets) != 2 or not all(isinstance(o, int) and o >= 0 for o in offsets):
        return None
    begin, end = offsets
    if end < begin:
        return None
    return dtype, math.prod(shape), begin, end


# --------------------------------------------------------------------------------------------
# GGUF
# --------------------------------------------------------------------------------------------


def read_gguf(fh: IO[bytes], size: int) -> WeightHeader:
    """Read a GGUF header: metadata and tensor table. Raises :class:`HeaderError`."""
    cur = _Cursor(fh, size)
    try:
        magic = cur.take(4)
        if magic != b"GGUF":
            raise HeaderError(f"is not a GGUF file: it starts with {magic!r}, not b'GGUF'")
        raw_version = cur.take(4)
    except _Truncated as e:
        raise HeaderError(f"is not a GGUF file: {size} bytes, too short for a GGUF header") \
            from e
    order = "<"
    (version,) = struct.unpack("<I", raw_version)
    if version not in (1, 2, 3) and struct.unpack(">I", raw_version)[0] in (1, 2, 3):
        order = ">"
        (version,) = struct.unpack(">I", raw_version)
    if version not in (1, 2, 3):
        raise HeaderError(f"is a GGUF file of version {version}, which this tool cannot read "
                          "(versions 1 to 3)")
    reader = _GGUFReader(cur, order, version)
    out = WeightHeader("gguf")
    out.add("format", "gguf")
    out.add("gguf-version", version)
    if order == ">":
        out.add("byte-order", "big-endian")
    try:
        tensors, kvs = reader.counts()
        if kvs > MAX_GGUF_KV:
            raise HeaderError(f"is not a GGUF file we can read: it claims {kvs} metadata "
                              f"entries (the limit is {MAX_GGUF_KV})")
        if tensors > MAX_GGUF_TENSORS:
            raise HeaderError(f"is not a GGUF file we can read: it claims {tensors} tensors "
                              f"(the limit is {MAX_GGUF_TENSORS})")
        values = reader.metadata(kvs)
    except _Truncated as e:
        raise HeaderError(f"is truncated: its metadata runs past the end of the file (byte "
                          f"{e.args[0]} of {size})") from e
    _gguf_properties(out, values)
    try:
        params, types = reader.tensor_table(tensors)
    except _Truncated as e:
        out.errors.append(f"is truncated: its tensor table runs past the end of the file (byte "
                          f"{e.args[0]} of {size})")
    except HeaderError as e:
        out.errors.append(str(e))
    else:
        out.add("tensor-count", tensors)
        out.add("parameter-count", params)
        out.add("dtypes", ",".join(sorted(types)))
    return out


def _gguf_properties(out: WeightHeader, values: dict[str, Any]) -> None:
    arch = values.get("general.architecture")
    for key, prop in _GGUF_KEYS.items():
        if isinstance(values.get(key), str):
            out.add(prop[3:], values[key])
    file_type = values.get("general.file_type")
    if isinstance(file_type, int):
        out.add("quantization", _GGUF_FILE_TYPES.get(file_type, f"file type {file_type}"))
    if isinstance(arch, str) and isinstance(values.get(f"{arch}.context_length"), int):
        out.add("context-length", values[f"{arch}.context_length"])
    if "tokenizer.chat_template" in values:
        out.add("chat-template", "present")
    lic = values.get("general.license")
    if isinstance(lic, str) and lic.strip():
        name = values.get("general.license.name")
        out.license = hub_license(lic, name if isinstance(name, str) else None)


class _GGUFReader:
    """Reads GGUF metadata and the tensor table through a cursor, keeping only what is used."""

    def __init__(self, cur: _Cursor, order: str, version: int) -> None:
        self.cur = cur
        self.version = version
        self.count = struct.Struct(order + ("I" if version == 1 else "Q"))
        self.u32 = struct.Struct(order + "I")
        self.u64 = struct.Struct(order + "Q")
        self.fixed = {t: struct.Struct(order + f) for t, f in _GGUF_FIXED.items()}
        self.elements = 0

    def counts(self) -> tuple[int, int]:
        return self.cur.unpack(self.count)[0], self.cur.unpack(self.count)[0]

    def string(self, keep: bool, limit: int = MAX_KEPT) -> str | None:
        (n,) = self.cur.unpack(self.count)
        if not keep or n > limit:
            self.cur.skip(n)
            return None
        return self.cur.take(n).decode("utf-8", "replace")

    def metadata(self, kvs: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for _ in range(kvs):
            (n,) = self.cur.unpack(self.count)
            if n > MAX_GGUF_KEY:
                raise HeaderError(f"is not a GGUF file we can read: a metadata key is {n} "
                                  f"bytes long (the limit is {MAX_GGUF_KEY})")
            key = self.cur.take(n).decode("utf-8", "replace")
            (vtype,) = self.cur.unpack(self.u32)
            keep = key in _GGUF_KEYS or key.startswith("general.") or \
                key.endswith(".context_length")
            value = self.value(vtype, keep, 0)
            if key == "tokenizer.chat_template":
                value = True
            if value is not None:
                values[key] = value
        return values

    def value(self, vtype: int, keep: bool, depth: int) -> Any:
        fixed = self.fixed.get(vtype)
        if fixed is not None:
            (v,) = self.cur.unpack(fixed)
            return v if keep else None
        if vtype == _GGUF_STRING:
            return self.string(keep)
        if vtype != _GGUF_ARRAY:
            raise HeaderError(f"is not a GGUF file we can read: unknown value type {vtype} at "
                              f"byte {self.cur.pos}")
        if depth > 2:
            raise HeaderError("is not a GGUF file we can read: arrays nested more than 3 deep")
        (etype,) = self.cur.unpack(self.u32)
        (count,) = self.cur.unpack(self.count)
        efixed = self.fixed.get(etype)
        if efixed is not None:
            self.cur.skip(count * efixed.size)
            return None
        self.elements += count
        if self.elements > MAX_GGUF_STRING_ELEMENTS:
            raise HeaderError(f"is not a GGUF file we can read: over {MAX_GGUF_STRING_ELEMENTS} "
                              "array elements in its metadata")
        if etype == _GGUF_STRING:  # token arrays: hundreds of thousands of strings, skipped
            self.cur.skip_strings(count, self.count)
            return None
        for _ in range(count):
            self.value(etype, False, depth + 1)
        return None

    def tensor_table(self, tensors: int) -> tuple[int, set[str]]:
        params = 0
        types: set[str] = set()
        for _ in range(tensors):
            (n,) = self.cur.unpack(self.count)
            if n > MAX_GGUF_KEY:
                raise HeaderError(f"has a tensor name {n} bytes long (the limit is "
                                  f"{MAX_GGUF_KEY}); tensor table not read")
            self.cur.skip(n)
            (dims,) = self.cur.unpack(self.u32)
            if dims > 8:
                raise HeaderError(f"has a tensor with {dims} dimensions (GGUF allows 4); tensor "
                                  "table not read")
            shape = [self.cur.unpack(self.u64)[0] for _ in range(dims)]
            (ttype,) = self.cur.unpack(self.u32)
            self.cur.skip(8)  # offset
            params += math.prod(shape)
            types.add(_GGML_TYPES.get(ttype, f"type{ttype}"))
        return params, types


# --------------------------------------------------------------------------------------------
# ONNX
# --------------------------------------------------------------------------------------------


def _fields(cur: _Cursor, end: int, budget: list[int]) -> Iterator[tuple[int, int, int]]:
    """Protobuf fields up to ``end``: (field number, wire type, value or length). A
    length-delimited field's payload starts at ``cur.pos``: the caller reads or skips it."""
    while cur.pos < end:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Budget(f"has over {MAX_ONNX_FIELDS:,} protobuf fields; stopped reading its "
                          "graph there (the facts after that point are missing)")
        tag = cur.varint()
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise HeaderError(f"is not an ONNX model: invalid protobuf field 0 at byte {cur.pos}")
        if wire == 0:
            yield number, wire, cur.varint()
        elif wire == 1:
            cur.skip(8)
        elif wire == 5:
            cur.skip(4)
        elif wire == 2:
            length = cur.varint()
            if cur.pos + length > end:
                raise _Truncated(cur.pos)
            start = cur.pos
            yield number, wire, length
            if cur.pos < start + length:
                cur.skip(start + length - cur.pos)
        else:
            raise HeaderError(f"is not an ONNX model: protobuf wire type {wire} at byte "
                              f"{cur.pos}")


def _text(cur: _Cursor, length: int) -> str:
    data = cur.take(min(length, MAX_KEPT))
    return data.decode("utf-8", "replace")


def read_onnx(fh: IO[bytes], size: int) -> WeightHeader:
    """Read an ONNX ModelProto's header fields and its graph's initializers without loading
    tensor data. Raises :class:`HeaderError`."""
    cur = _Cursor(fh, size)
    try:
        first = cur.take(1) if size else b""
    except _Truncated:
        first = b""
    if first != b"\x08":
        raise HeaderError("is not an ONNX model: it does not start with a ModelProto's "
                          "ir_version field")
    cur.pos = 0
    out = WeightHeader("onnx")
    out.add("format", "onnx")
    opsets: list[str] = []
    metadata: list[tuple[str, str]] = []
    budget = [MAX_ONNX_FIELDS]
    ir_version = None
    try:
        for number, wire, value in _fields(cur, size, budget):
            if number == 1 and wire == 0:
                ir_version = value
            elif number == 2 and wire == 2:
                out.add("producer", _text(cur, value))
            elif number == 3 and wire == 2:
                out.add("producer-version", _text(cur, value))
            elif number == 7 and wire == 2:
                _onnx_graph(cur, cur.pos + value, out, budget)
            elif number == 8 and wire == 2:
                opsets.append(_onnx_opset(cur, cur.pos + value, budget))
            elif number == 14 and wire == 2 and len(metadata) < _MAX_METADATA:
                metadata.append(_onnx_entry(cur, cur.pos + value, budget))
    except _Truncated as e:
        out.errors.append(f"is truncated: a protobuf field runs past the end of the file (byte "
                          f"{e.args[0]} of {size})")
    except _Budget as e:
        out.warnings.append(str(e))
    except HeaderError as e:
        if ir_version is None:
            raise
        out.errors.append(str(e))
    if ir_version is None:
        raise HeaderError("is not an ONNX model: no ir_version")
    out.properties.insert(1, ("ml:onnx-ir-version", str(ir_version)))
    out.add("opset", ",".join(opsets))
    for key, text in metadata:
        if key:
            out.add(f"metadata:{key}", text)
    return out


def _onnx_opset(cur: _Cursor, end: int, budget: list[int]) -> str:
    domain, version = "", 0
    for number, wire, value in _fields(cur, end, budget):
        if number == 1 and wire == 2:
            domain = _text(cur, value)
        elif number == 2 and wire == 0:
            version = value
    return f"{domain or 'ai.onnx'}={version}"


def _onnx_entry(cur: _Cursor, end: int, budget: list[int]) -> tuple[str, str]:
    key = value_text = ""
    for number, wire, value in _fields(cur, end, budget):
        if number == 1 and wire == 2:
            key = _text(cur, value)[:64]
        elif number == 2 and wire == 2:
            value_text = _text(cur, value)
    return key, value_text


def _onnx_graph(cur: _Cursor, end: int, out: WeightHeader, budget: list[int]) -> None:
    nodes = initializers = params = 0
    dtypes: set[str] = set()
    external = False
    for number, wire, value in _fields(cur, end, budget):
        if number == 1 and wire == 2:
            nodes += 1
        elif number == 2 and wire == 2:
            out.add("graph-name", _text(cur, value))
        elif number == 5 and wire == 2:
            initializers += 1
            numel, dtype, ext = _onnx_tensor(cur, cur.pos + value, budget)
            params += numel
            external = external or ext
            if dtype:
                dtypes.add(dtype)
    out.add("node-count", nodes)
    out.add("tensor-count", initializers)
    out.add("parameter-count", params)
    out.add("dtypes", ",".join(sorted(dtypes)))
    if external:
        out.add("external-data", True)


def _onnx_tensor(cur: _Cursor, end: int, budget: list[int]) -> tuple[int, str | None, bool]:
    dims: list[int] = []
    dtype: str | None = None
    external = False
    for number, wire, value in _fields(cur, end, budget):
        if number == 1 and wire == 0:
            dims.append(value)
        elif number == 1 and wire == 2:  # packed dims
            stop = cur.pos + value
            while cur.pos < stop and len(dims) < 64:
                dims.append(cur.varint())
        elif number == 2 and wire == 0:
            dtype = _ONNX_TYPES.get(value, f"type{value}")
        elif (number == 14 and wire == 0 and value == 1) or (number == 13 and wire == 2):
            external = True
    if any(d >= 1 << 63 for d in dims):  # negative: not a valid shape
        return 0, dtype, external
    return math.prod(dims), dtype, external


# --------------------------------------------------------------------------------------------
# Pickles, PyTorch, Keras, HDF5
# --------------------------------------------------------------------------------------------


def _pickle_properties(out: WeightHeader, imports: tuple[str, ...], problem: str | None) -> None:
    out.add("pickle-imports", ",".join(imports))
    dangerous = dangerous_imports(imports)
    out.add("pickle-dangerous-imports", ",".join(dangerous))
    out.add("pickle-scan", "complete" if problem is None else "incomplete")


def read_torch(fh: IO[bytes], size: int, head: bytes) -> WeightHeader:
    """Read a PyTorch checkpoint: a zip (``archive/data.pkl``) or a legacy pickle stream."""
    if head.startswith(_ZIP):
        try:
            found = scan_torch_zip(fh, size)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
            raise HeaderError(f"is not a readable PyTorch zip checkpoint: {e}") from e
        out = WeightHeader("pytorch-zip")
        out.add("format", "pytorch-zip")
        out.add("storage-count", found.storages)
        out.add("tensor-bytes", found.storage_bytes)
        if found.torchscript:
            out.add("torchscript", True)
        _pickle_properties(out, found.imports, found.problems[0] if found.problems else None)
        out.warnings.extend(f"cannot be fully read: {p}" for p in found.problems)
        return out
    fh.seek(0)
    # five pickles (magic number, protocol, sys info, the object, storage keys), then raw data
    scan = scan_pickle(fh, size, max_pickles=5)
    problem = None if scan.pickles == 5 else scan.problem
    out = WeightHeader("pytorch-pickle")
    out.add("format", "pytorch-pickle")
    _pickle_properties(out, scan.imports, problem)
    if problem is not None:
        out.warnings.append(f"cannot be fully read as a pickle: {problem}")
    return out


class _ZlibStream(io.RawIOBase):
    """A zlib-compressed file read as its decompressed bytes, a bounded amount at a time."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.z = zlib.decompressobj()
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        while not self.pending:
            if self.z.eof:
                return 0
            data = self.z.unconsumed_tail or self.fh.read(_WINDOW)
            if not data:
                return 0
            self.pending = self.z.decompress(data, len(view))
        n = min(len(view), len(self.pending))
        view[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def _decompressed(fh: IO[bytes], head: bytes) -> tuple[IO[bytes] | None, str | None]:
    """The decompressed stream of a compressed pickle, and the compression's name."""
    fh.seek(0)
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=fh, mode="rb"), "gzip"  # type: ignore[return-value]
    if head.startswith(b"BZh"):
        return bz2.BZ2File(fh, "rb"), "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(fh, "rb"), "xz"
    if head[:1] == b"\x78" and head[1:2] in (b"\x01", b"\x5e", b"\x9c", b"\xda"):
        return io.BufferedReader(_ZlibStream(fh)), "zlib"
    if head.startswith(b"\x04\x22\x4d\x18"):
        return None, "lz4"
    return None, None


def read_pickle_file(fh: IO[bytes], size: int, head: bytes) -> WeightHeader:
    """Read a pickle or joblib file's imports (decompressing gzip, bz2, xz or zlib)."""
    stream, compression = _decompressed(fh, head)
    if compression is not None and stream is None:
        raise HeaderError(f"is {compression}-compressed, which this tool cannot read without "
                          "an extra library; its pickle imports are not listed")
    try:
        if stream is None:
            fh.seek(0)
            scan = scan_pickle(fh, size)
        else:
            with stream:
                scan = scan_pickle(stream, limit=MAX_DECOMPRESSED)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as e:
        raise HeaderError(f"cannot be decompressed ({compression}): {e}") from e
    if not scan.imports and scan.pickles == 0 and scan.problem is not None:
        raise HeaderError(f"is not a pickle: {scan.problem}")
    out = WeightHeader("pickle")
    out.add("format", "joblib" if any(i.startswith("joblib.") for i in scan.imports)
            else "pickle")
    if compression:
        out.add("compression", compression)
    problem = _pickle_problem(scan)
    _pickle_properties(out, scan.imports, problem)
    if problem is not None:
        out.warnings.append(f"cannot be fully read as a pickle: {problem}")
    top = {i.split(".", 1)[0] for i in scan.imports}
    out.component_type = MODEL if top & _ML_MODULES else DATA
    return out


def _pickle_problem(scan: PickleScan) -> str | None:
    problem = scan.problem
    if problem is None:
        return None
    if "joblib.numpy_pickle.NumpyArrayWrapper" in scan.imports and "opcode" in problem:
        return ("joblib writes NumPy arrays as raw bytes inside the pickle stream; imports after "
                "the first array are not listed")
    return problem


def read_hdf5(fh: IO[bytes], size: int) -> WeightHeader:
    """Recognise an HDF5 file by its signature; a Keras model when its first MiB says so."""
    fh.seek(0)
    head = fh.read(_CHUNK)
    at = next((o for o in (0, 512, 1024, 2048, 4096) if head[o:o + 8] == _HDF5), None)
    if at is None:
        raise HeaderError("is not an HDF5 file: no HDF5 signature at its start")
    keras = b"keras_version" in head or b"model_config" in head
    out = WeightHeader("keras-h5" if keras else "hdf5", component_type=MODEL if keras else DATA)
    out.add("format", out.format)
    lambdas = head.count(b'"class_name": "Lambda"')
    if lambdas:
        out.add("keras-lambda-layers", lambdas)
    return out


def read_keras(fh: IO[bytes], size: int) -> WeightHeader:
    """Read a Keras v3 ``.keras`` archive: config.json (model class, Lambda layers, the modules
    of custom objects) and metadata.json (Keras version)."""
    problem = zip_directory_problem(fh, size)
    if problem is not None:
        raise HeaderError(f"is not a Keras archive: {problem}")
    fh.seek(0)
    out = WeightHeader("keras")
    out.add("format", "keras")
    try:
        with zipfile.ZipFile(fh) as zf:
            names = set(zf.namelist())
            if "config.json" not in names:
                raise HeaderError("is not a Keras archive: no config.json in the zip")
            config = _zip_json(zf, "config.json")
            meta = _zip_json(zf, "metadata.json") if "metadata.json" in names else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
        raise HeaderError(f"is not a readable Keras archive: {e}") from e
    if isinstance(meta, dict):
        out.add("keras-version", meta.get("keras_version"))
    lambdas = 0
    modules: set[str] = set()
    for node in _walk_json(config):
        if node.get("class_name") == "Lambda":
            lambdas += 1
        module = node.get("module")
        if isinstance(module, str) and not module.startswith("keras"):
            modules.add(module)
    if isinstance(config, dict):
        out.add("model-name", config.get("class_name"))
    if modules:
        out.add("keras-modules", ",".join(sorted(modules)[:32]))
    if lambdas:
        out.add("keras-lambda-layers", lambdas)
    return out


def _zip_json(zf: zipfile.ZipFile, name: str) -> Any:
    info = zf.getinfo(name)
    if info.file_size > MAX_KERAS_CONFIG:
        raise HeaderError(f"has a {name} of {human_size(info.file_size)}, over the "
                          f"{human_size(MAX_KERAS_CONFIG)} limit; not read")
    with zf.open(info) as member:
        data = member.read(MAX_KERAS_CONFIG + 1)
    try:
        return json.loads(data)
    except ValueError as e:
        raise HeaderError(f"has a {name} that is not valid JSON ({e})") from e


def _walk_json(root: Any, budget: int = 1_000_000) -> Iterator[dict[str, Any]]:
    stack = [root]
    while stack and budget > 0:
        budget -= 1
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


# --------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------


def _lfs_pointer(fh: IO[bytes]) -> WeightHeader:
    fh.seek(0)
    text = fh.read(1024)
    out = WeightHeader("git-lfs-pointer")
    out.add("lfs-pointer", True)
    oid = _LFS_OID.search(text)
    size = _LFS_SIZE.search(text)
    if oid:
        out.add("sha256", oid.group(1).decode())
    if size:
        out.add("file-size", int(size.group(1)))
    if not oid:
        out.warnings.append("is a Git LFS pointer without a sha256 oid")
    return out


def read_header(fh: IO[bytes], size: int, suffix: str) -> WeightHeader | None:
    """Read the header of a weight file whose name ends with ``suffix`` (lower case). None when
    the file is not a model after all (a ``.bin``/``.pth`` that is neither zip nor pickle).
    Raises :class:`HeaderError` when the header cannot be read."""
    fh.seek(0)
    head = fh.read(64)
    if head.startswith(_LFS):
        return _lfs_pointer(fh)
    if suffix == ".safetensors":
        return read_safetensors(fh, size)
    if suffix == ".gguf" or head.startswith(b"GGUF"):
        return read_gguf(fh, size)
    if suffix == ".onnx":
        return read_onnx(fh, size)
    if suffix == ".keras":
        return read_keras(fh, size)
    if suffix in (".h5", ".hdf5"):
        return read_hdf5(fh, size)
    if suffix in (".pkl", ".pickle", ".joblib"):
        return read_pickle_file(fh, size, head)
    if head[:4] in _GGML:
        out = WeightHeader("ggml")
        out.add("format", _GGML[head[:4]])
        return out
    if head.startswith(_ZIP) or head[:1] == b"\x80":
        return read_torch(fh, size, head)
    if suffix in (".bin", ".pth"):
        return None
    raise HeaderError(f"is not a PyTorch checkpoint: it is neither a zip nor a pickle (it "
                      f"starts with {head[:8]!r})")


def _sha256(fh: IO[bytes]) -> str:
    fh.seek(0)
    digest = hashlib.sha256()
    while chunk := fh.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


class WeightsScanner(Scanner):
    """Weight files: one ``generic`` component per file, facts from its header.

    ``hash_files`` turns SHA-256 hashing off; ``hash_limit`` is the largest file hashed."""

    name = "ml-weights"

    def __init__(self, *, hash_files: bool = True,
                 hash_limit: int = DEFAULT_HASH_LIMIT) -> None:
        self.hash_files = hash_files
        self.hash_limit = hash_limit

    def wants(self, path: PurePosixPath) -> bool:
        """Files whose suffix is a weight format's."""
        return path.suffix.lower() in WEIGHT_SUFFIXES

    def scan(self, file: ScanFile) -> ScanResult:
        """Read one weight file's header (and hash it)."""
        result = ScanResult()
        fh, size = open_binary(file)
        with fh:
            header: WeightHeader | None
            try:
                header = read_header(fh, size, PurePosixPath(file.path).suffix.lower())
            except HeaderError as e:
                header = None
                result.diagnostics.append(self._diag(file, str(e)))
            except OSError as e:
                raise UnreadableFile(file.path, f"cannot be read: {e.strerror or e}") from e
            else:
                if header is None:
                    return result
            props: list[tuple[str, str]] = []
            component_type = MODEL
            licenses: list[LicenseEvidence] = []
            hashes: list[Hash] = []
            if header is not None:
                props = header.properties
                component_type = header.component_type
                result.diagnostics.extend(self._diag(file, m) for m in header.errors)
                result.diagnostics.extend(self._diag(file, m, "warning")
                                          for m in header.warnings)
                if header.license:
                    licenses.append(LicenseEvidence(LicenseEvidenceKind.FIELD, header.license,
                                                    Location(file.path)))
                lfs = dict(props).get("ml:sha256")
                if header.format == "git-lfs-pointer" and lfs:
                    hashes.append(Hash("SHA-256", lfs))
                    props = [p for p in props if p[0] != "ml:sha256"]
            if not any(p[0] == "ml:file-size" for p in props):
                props.append(("ml:file-size", str(size)))
            if not hashes:
                try:
                    status = self._hash(fh, size, hashes)
                except OSError as e:
                    raise UnreadableFile(file.path, f"cannot be read to the end: "
                                         f"{e.strerror or e}") from e
                if status:
                    props.append(("ml:hash-status", status))
        licenses[:0] = card_license_for(file)
        decl = ml_declaration(
            file.path, Location(file.path), component_type=component_type, properties=props,
            ecosystem="generic", scope=Scope.REQUIRED, source=Source(SourceKind.PATH, file.path),
            direct=True, hashes=tuple(hashes), licenses=tuple(licenses), key=file.path)
        result.declarations.append(decl)
        result.edges.append(Edge(ROOT, decl.key))
        return result

    def _hash(self, fh: IO[bytes], size: int, hashes: list[Hash]) -> str | None:
        if not self.hash_files:
            return "not hashed: hashing is off"
        if size > self.hash_limit:
            return f"not hashed: over the cap ({human_size(size)} > {human_size(self.hash_limit)})"
        hashes.append(Hash("SHA-256", _sha256(fh)))
        return None

    def _diag(self, file: ScanFile, message: str, severity: str = "error") -> Diagnostic:
        return Diagnostic(file.path, message, severity=severity, scanner=self.name)


SCANNERS: list[Scanner] = [WeightsScanner()]
