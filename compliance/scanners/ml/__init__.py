"""AI artifacts as components: weight files, model and dataset cards, model references in code.

Everything here is read statically: no model is loaded, no pickle is unpickled, neither torch
nor transformers is imported, nothing is fetched. Three scanners plug in:

* ``ml-weights`` (:mod:`.weights`): weight files by their headers (safetensors, GGUF, ONNX,
  PyTorch zip and pickle checkpoints, pickle / joblib files, Keras ``.keras`` / HDF5), with a
  streamed SHA-256; the imports a pickle would perform are listed from its opcodes
  (:mod:`.pickle_scan`);
* ``ml-cards`` (:mod:`.cards`): Hugging Face model cards and dataset cards (``README.md`` YAML
  front matter): license, base model, datasets, task;
* ``ml-references`` (:mod:`.references`): models and datasets named in Python code
  (``from_pretrained("org/name")``, ``load_dataset(...)``, ``hf_hub_download(...)`` ...).

Conventions of the declarations they emit:

* a Hugging Face Hub repository is ecosystem ``huggingface``, named ``org/name`` as written
  (purl ``pkg:huggingface/org/name@<commit>``); a Hub *dataset* is named ``datasets/org/name``,
  as its Hub URL is, so that a dataset and a model of the same id stay apart; the version is the
  revision only when it is a full 40-hex commit (a branch or tag can move: unpinned), and the
  revision as written is ``Source.revision``;
* a file or folder of the repository (a weight file, a model folder with a card) is ecosystem
  ``generic`` named by its path relative to the scan root, with a ``PATH`` source;
* facts a later risk check needs (format, parameter count, dtypes, pickle imports, revision
  pinned, ``trust_remote_code`` ...) are ``properties``: ``(name, value)`` pairs whose names
  start with ``ml:`` (listed in each scanner's module documentation). ``component_type`` is the
  CycloneDX type: ``machine-learning-model`` or ``data``.

:func:`ml_declaration` builds the declarations and sets ``component_type`` and ``properties``
only when :class:`~compliance.model.Declaration` has those fields, so this package works before
and after the model grows them.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from compliance.errors import UnreadableFile
from compliance.model import Declaration, Location
from compliance.scanners.base import ScanFile

__all__ = [
    "DATA",
    "MODEL",
    "WEIGHT_SUFFIXES",
    "Properties",
    "human_size",
    "ml_declaration",
    "open_binary",
]

#: CycloneDX component type of a model.
MODEL = "machine-learning-model"
#: CycloneDX component type of a dataset.
DATA = "data"

#: File name suffixes of weight files (lower case). ``.bin`` and ``.pth`` are read only when their
#: first bytes say they hold a model (``.pth`` is also a ``site`` path file, ``.bin`` anything).
WEIGHT_SUFFIXES = frozenset({
    ".safetensors", ".gguf", ".onnx", ".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle",
    ".joblib", ".h5", ".hdf5", ".keras",
})

#: Facts about a component: ``(name, value)`` pairs, names prefixed ``ml:``.
Properties = tuple[tuple[str, str], ...]


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def ml_declaration(name: str, location: Location, *, component_type: str,
                   properties: Iterable[tuple[str, str]] = (), **fields: Any) -> Declaration:
    """A :class:`Declaration` for an AI artifact; ``component_type`` and ``properties`` are set
    when the model has those fields (they are dropped otherwise)."""
    cls = Declaration  # looked up at call time: tests may stand in a class with the new fields
    names = _field_names(cls)
    if "component_type" in names:
        fields["component_type"] = component_type
    if "properties" in names:
        fields["properties"] = tuple(properties)
    return cls(name=name, location=location, **fields)


def open_binary(file: ScanFile) -> tuple[IO[bytes], int]:
    """Open a scanned file for reading in binary, with its size; refuse a file that resolves
    outside the scan root. Raises :class:`UnreadableFile`."""
    try:
        real = Path(os.path.realpath(file.abspath))
        root = Path(os.path.realpath(file.root))
    except (OSError, ValueError) as e:
        raise UnreadableFile(file.path, f"cannot be read: {e}") from e
    if real != root and root not in real.parents:
        raise UnreadableFile(
            file.path, "resolves to a location outside the scanned directory; not read")
    try:
        fh = open(real, "rb")  # noqa: SIM115 - the caller closes it
    except OSError as e:
        raise UnreadableFile(file.path, f"cannot be read: {e.strerror or e}") from e
    try:
        size = os.fstat(fh.fileno()).st_size
    except OSError as e:
        fh.close()
        raise UnreadableFile(file.path, f"cannot be read: {e.strerror or e}") from e
    return fh, size


def human_size(size: int) -> str:
    """A byte count for a message: ``2.0 GiB``, ``512 bytes``."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover
