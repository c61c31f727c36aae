"""Write the tiny model files under models/ (run from the example's root: python scripts/make_models.py).

Real weights are gigabytes; these files have the real formats' headers (safetensors and GGUF v3)
with a few tiny tensors, so that a scan shows what it finds in a model folder without shipping
a model. The bytes are fixed: running the script again writes identical files.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def safetensors(tensors: list[tuple[str, str, list[int]]], metadata: dict[str, str]) -> bytes:
    """An 8-byte header length, the JSON header, then the (zero) tensor data."""
    sizes = {"F16": 2, "BF16": 2, "F32": 4, "I64": 8}
    header: dict[str, object] = {"__metadata__": metadata}
    offset = 0
    for name, dtype, shape in tensors:
        n = sizes[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    blob += b" " * (-len(blob) % 8)
    return struct.pack("<Q", len(blob)) + blob + bytes(offset)


def _gguf_str(s: str) -> bytes:
    raw = s.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf(strings: dict[str, str], u32s: dict[str, int],
         tensors: list[tuple[str, list[int], int]]) -> bytes:
    """GGUF v3: magic, version, tensor count, metadata count, key/values, tensor infos, data."""
    kvs = b"".join(_gguf_str(k) + struct.pack("<I", 8) + _gguf_str(v) for k, v in strings.items())
    kvs += b"".join(_gguf_str(k) + struct.pack("<I", 4) + struct.pack("<I", v)
                    for k, v in u32s.items())
    infos = b""
    offset = 0
    for name, shape, ggml_type in tensors:
        infos += _gguf_str(name) + struct.pack("<I", len(shape))
        infos += b"".join(struct.pack("<Q", d) for d in shape)
        infos += struct.pack("<IQ", ggml_type, offset)
        n = 2
        for d in shape:
            n *= d
        offset += n + (-n % 32)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(strings) + len(u32s)) + kvs + infos
    head += bytes(-len(head) % 32)
    return head + bytes(offset)


def main() -> None:
    """Write the example's model files."""
    guard = ROOT / "models" / "prompt-guard"
    guard.mkdir(parents=True, exist_ok=True)
    (guard / "model.safetensors").write_bytes(safetensors(
        [("deberta.embeddings.word_embeddings.weight", "F16", [16, 8]),
         ("classifier.weight", "F16", [3, 8]), ("classifier.bias", "F16", [3])],
        {"format": "pt"}))
    (guard / "config.json").write_text(json.dumps({
        "architectures": ["DebertaV2ForSequenceClassification"], "model_type": "deberta-v2",
        "torch_dtype": "float16", "transformers_version": "4.44.2",
        "id2label": {"0": "BENIGN", "1": "INJECTION", "2": "JAILBREAK"}}, indent=2) + "\n")
    drafts = ROOT / "models" / "draft"
    drafts.mkdir(parents=True, exist_ok=True)
    (drafts / "qwen2.5-0.5b-instruct-q4_k_m.gguf").write_bytes(gguf(
        {"general.architecture": "qwen2", "general.name": "Qwen2.5 0.5B Instruct",
         "general.license": "apache-2.0", "general.size_label": "0.5B"},
        {"general.file_type": 15, "qwen2.context_length": 32768},
        [("token_embd.weight", [8, 16], 1), ("output_norm.weight", [8], 1)]))


if __name__ == "__main__":
    main()
