"""Hugging Face model cards and dataset cards: the YAML front matter of a ``README.md``.

``ml-cards`` claims every ``README.md`` and reads only those that start with a ``---`` line.
The front matter is a card when:

* **model card**: the folder holds a ``config.json``, an ``adapter_config.json`` or a weight file
  (:data:`~compliance.scanners.ml.WEIGHT_SUFFIXES`), or the front matter has a model-only key
  (``base_model``, ``model-index``, ``pipeline_tag``, ``library_name``);
* **dataset card**: otherwise, when it has a dataset-only key (``dataset_info``, ``configs``,
  ``task_categories``, ``size_categories``, ``source_datasets`` ...).

Other front matter (a Jekyll page, a Space's ``sdk:``) is left alone, silently; broken YAML is a
:class:`ParseError` only in a model folder (elsewhere it may be anything).

The card's folder is the component: ecosystem ``generic``, named by the folder's path (the scan
root's own name for a card at the root), type ``machine-learning-model`` or ``data``, a ``PATH``
source, ``Edge(ROOT, ...)``. Its license is ``license`` normalised with
:func:`~compliance.licenses.expression.normalize` (Hub ids map to SPDX or ``LicenseRef-<id>``):
EXPRESSION evidence when recognised, FIELD evidence as written otherwise; ``license: other`` with
``license_name: X`` is ``LicenseRef-x``; a list of licenses is all of them (AND). The evidence's
line is the ``license:`` line. Weight files beside the card carry the same evidence
(:func:`card_license_for`, used by ``ml-weights``).

``base_model`` (and a PEFT ``adapter_config.json``'s ``base_model_name_or_path``) entries are
``huggingface`` model declarations the model depends on (scope required: a derivative carries its
base's license); ``datasets`` entries are ``huggingface`` datasets named ``datasets/<id>``
(scope excluded: training data is not shipped), ``source_datasets: extended|<id>`` of a dataset
card likewise. ``config.json`` adds the model type, architectures and whether the model needs
custom code (``auto_map``: loading it takes ``trust_remote_code=True``).

Properties (``ml:``): ``card`` (model / dataset), ``pipeline-tag``, ``library-name``,
``language``, ``tags``, ``base-model``, ``base-model-relation``, ``datasets``, ``license-name``,
``license-link``, ``task-categories``, ``size-categories``, ``pretty-name``, ``model-type``,
``architectures``, ``custom-code``, ``torch-dtype``, ``transformers-version``, and on the
declarations of base models and datasets ``relation`` (``base-model``, ``adapter``,
``finetune``, ``quantized``, ``merge``, ``training-data``, ``source-data``).
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from compliance.errors import ParseError, UnreadableFile
from compliance.licenses.expression import normalize
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
from compliance.scanners.base import ScanFile, Scanner
from compliance.scanners.ml import DATA, MODEL, WEIGHT_SUFFIXES, ml_declaration, open_binary
from compliance.scanners.yaml_tree import YamlMap, YamlNode, YamlScalar, YamlSeq, load_yaml_tree

__all__ = [
    "MAX_FRONT_MATTER",
    "SCANNERS",
    "Card",
    "ModelCardScanner",
    "card_license_for",
    "front_matter",
    "hub_license",
    "is_hub_id",
    "read_card",
]

#: Front matter longer than this is not read (a real card's is a few KiB).
MAX_FRONT_MATTER = 1 << 20
#: A config.json larger than this is not read.
MAX_CONFIG = 1 << 20
_MAX_LIST = 64  # entries kept of a list (tags, languages ...)

_MODEL_KEYS = frozenset({"base_model", "model-index", "pipeline_tag", "library_name"})
_DATASET_KEYS = frozenset({
    "dataset_info", "configs", "task_categories", "task_ids", "size_categories",
    "annotations_creators", "language_creators", "source_datasets", "multilinguality",
    "paperswithcode_id", "train-eval-index",
})
_MODEL_FILES = frozenset({"config.json", "adapter_config.json"})
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)
_HUB_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
_IDSTRING = re.compile(r"[^A-Za-z0-9.-]+")


def is_hub_id(text: str) -> bool:
    """True when ``text`` can be a Hugging Face Hub repository id (``org/name`` or ``name``)."""
    return bool(_HUB_ID.match(text)) and ".." not in text and not text.endswith(".")


def hub_license(license_id: str, license_name: str | None = None) -> str:
    """The license a Hub ``license:`` value names: ``other`` with a ``license_name`` becomes
    ``LicenseRef-<license_name>`` (lower case, characters SPDX does not allow as ``-``); any
    other value is returned as written (``normalize`` maps Hub ids)."""
    text = license_id.strip()
    if text.lower() == "other" and license_name and license_name.strip():
        slug = _IDSTRING.sub("-", license_name.strip().lower()).strip("-.")
        if slug:
            return f"LicenseRef-{slug}"
    return text


def _evidence(values: list[str], name: str | None, location: Location) -> LicenseEvidence | None:
    """One piece of evidence for a card's license value(s)."""
    texts = [hub_license(v, name) for v in values if v.strip()]
    if not texts:
        return None
    results = [normalize(t) for t in texts]
    if all(r.known and r.method not in ("unknown", "empty", "text") for r in results):
        parts = list(dict.fromkeys(r.expression for r in results))
        expression = " AND ".join(f"({p})" if " " in p and len(parts) > 1 else p for p in parts)
        return LicenseEvidence(LicenseEvidenceKind.EXPRESSION, expression, location)
    return LicenseEvidence(LicenseEvidenceKind.FIELD, ", ".join(texts), location)


def front_matter(text: str) -> tuple[str, bool] | None:
    """The YAML front matter of a Markdown text (it starts on line 2) and whether it is closed;
    None when the text does not start with a ``---`` line."""
    first, _, _rest = text.partition("\n")
    if first.rstrip() != "---":
        return None
    start = len(first) + 1
    match = _CLOSE.search(text, start, start + MAX_FRONT_MATTER)
    if match is None:
        return text[start:start + MAX_FRONT_MATTER], False
    return text[start:match.start()], True


#: Model card section headings -> the CycloneDX considerations they fill (Hugging Face's card
#: template names them "Uses", "Direct Use", "Bias, Risks, and Limitations", "Limitations" ...).
_SECTIONS = (
    (re.compile(r"\b(intended|direct)\s+uses?\b|^uses$|\buse cases?\b", re.I), "ml:use-case"),
    (re.compile(r"\b(bias|risks?|ethic)", re.I), "ml:ethical-consideration"),
    (re.compile(r"\blimitations?\b", re.I), "ml:limitation"),
)
_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$", re.M)
_MAX_CONSIDERATION = 1000


def considerations(text: str) -> list[tuple[str, str]]:
    """What the card's body says about uses, limitations and risks: the first paragraph under
    each matching heading, as ``ml:use-case`` / ``ml:limitation`` / ``ml:ethical-consideration``
    properties (plain text, shortened). A section the template left unfilled is skipped."""
    out: list[tuple[str, str]] = []
    headings = list(_HEADING.finditer(text))
    for i, h in enumerate(headings):
        title = h.group(2)
        prop = next((p for pattern, p in _SECTIONS if pattern.search(title)), None)
        if prop is None:
            continue
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        body = text[h.end():end].strip()
        paragraph = " ".join(body.split("\n\n", 1)[0].split())
        if not paragraph or paragraph.startswith(("[More Information Needed]", "<!--")):
            continue
        if len(paragraph) > _MAX_CONSIDERATION:
            paragraph = paragraph[:_MAX_CONSIDERATION] + " [...]"
        if (prop, paragraph) not in out:
            out.append((prop, paragraph))
    return out


def _scalar(node: YamlNode | None) -> str | None:
    if isinstance(node, YamlScalar) and not node.is_null and node.value.strip():
        return node.value.strip()
    return None


def _items(node: YamlNode | None) -> list[YamlScalar]:
    """A scalar or a list of scalars, as scalars (nulls and nested collections dropped)."""
    if isinstance(node, YamlScalar):
        return [node] if _scalar(node) else []
    if isinstance(node, YamlSeq):
        return [n for n in node.items if isinstance(n, YamlScalar) and _scalar(n)][:_MAX_LIST * 4]
    return []


@dataclass
class Card:
    """What a card's front matter says, with lines (1-based, in the README)."""

    kind: str  # "model" or "dataset"
    line: int  # the first line of the front matter
    licenses: list[str] = field(default_factory=list)
    license_line: int | None = None
    license_name: str | None = None
    license_link: str | None = None
    base_models: list[tuple[str, int]] = field(default_factory=list)
    base_model_relation: str | None = None
    datasets: list[tuple[str, int]] = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)

    def license_evidence(self, path: str) -> LicenseEvidence | None:
        """The card's license as evidence located at its ``license:`` line."""
        return _evidence(self.licenses, self.license_name,
                         Location(path, self.license_line or self.line))


def _load(path: str, text: str) -> YamlMap | None:
    """Parse front matter YAML (it starts on line 2); lines are the README's."""
    try:
        root = load_yaml_tree(path, text)
    except ParseError as e:
        raise ParseError(e.path, f"has a card (YAML front matter) that {e.detail}",
                         e.line + 1 if e.line else None) from e
    return root if isinstance(root, YamlMap) else None


def read_card(path: str, text: str, *, model_folder: bool) -> Card | None:
    """Read a README's front matter as a card; None when it is not one (see module doc).

    ``model_folder``: the folder holds a config.json or weight files. Raises ParseError for
    broken YAML in a model folder."""
    found = front_matter(text)
    if found is None:
        return None
    yaml_text, _closed = found
    try:
        root = _load(path, yaml_text)
    except ParseError:
        if model_folder:
            raise
        return None
    if root is None:
        return None
    keys = {k.value for k, _ in root.pairs if isinstance(k, YamlScalar)}
    if model_folder or keys & _MODEL_KEYS:
        kind = "model"
    elif keys & _DATASET_KEYS:
        kind = "dataset"
    else:
        return None
    card = Card(kind, 2)
    props = card.properties
    props.append(("ml:card", kind))
    lic = root.get("license")
    card.licenses = [s.value.strip() for s in _items(lic)]
    if card.licenses:
        card.license_line = _items(lic)[0].line + 1
    card.license_name = _scalar(root.get("license_name"))
    card.license_link = _scalar(root.get("license_link"))
    for key, prop in (("pipeline_tag", "pipeline-tag"), ("library_name", "library-name"),
                      ("pretty_name", "pretty-name")):
        value = _scalar(root.get(key))
        if value:
            props.append((f"ml:{prop}", value[:1024]))
    for key, prop in (("language", "language"), ("tags", "tags"),
                      ("task_categories", "task-categories"),
                      ("size_categories", "size-categories")):
        values = [s.value.strip() for s in _items(root.get(key))][:_MAX_LIST]
        if values:
            props.append((f"ml:{prop}", ",".join(values)))
    if card.license_name:
        props.append(("ml:license-name", card.license_name[:1024]))
    if card.license_link:
        props.append(("ml:license-link", card.license_link[:1024]))
    card.base_models = [(s.value.strip(), s.line + 1) for s in _items(root.get("base_model"))]
    card.base_model_relation = _scalar(root.get("base_model_relation"))
    card.datasets = [(s.value.strip(), s.line + 1) for s in _items(root.get("datasets"))]
    if kind == "dataset":
        for s in _items(root.get("source_datasets")):
            origin, bar, source = s.value.partition("|")
            if bar and origin.strip() == "extended" and source.strip():
                card.datasets.append((source.strip(), s.line + 1))
    if card.base_models:
        props.append(("ml:base-model", ",".join(b for b, _ in card.base_models[:_MAX_LIST])))
    if card.base_model_relation:
        props.append(("ml:base-model-relation", card.base_model_relation))
    if card.datasets:
        props.append(("ml:datasets", ",".join(d for d, _ in card.datasets[:_MAX_LIST])))
    return card


def _folder_files(file: ScanFile) -> tuple[bool, bool, bool]:
    """(holds model files, holds config.json, holds adapter_config.json) for a card's folder."""
    folder = file.abspath.parent
    model = config = adapter = False
    try:
        with os.scandir(folder) as it:
            for entry in it:
                name = entry.name
                if name == "config.json":
                    config = model = True
                elif name == "adapter_config.json":
                    adapter = model = True
                elif PurePosixPath(name).suffix.lower() in WEIGHT_SUFFIXES:
                    model = True
    except OSError:
        pass
    return model, config, adapter


def _json_sibling(file: ScanFile, name: str) -> dict[str, object] | None:
    sibling = file.sibling(name)
    if sibling is None:
        return None
    try:
        if sibling.abspath.stat().st_size > MAX_CONFIG:
            return None
        data = json.loads(sibling.read_text())
    except (OSError, UnreadableFile, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _config_properties(config: dict[str, object]) -> list[tuple[str, str]]:
    props: list[tuple[str, str]] = []
    for key, prop in (("model_type", "model-type"), ("torch_dtype", "torch-dtype"),
                      ("transformers_version", "transformers-version")):
        value = config.get(key)
        if isinstance(value, str) and value:
            props.append((f"ml:{prop}", value[:256]))
    archs = config.get("architectures")
    if isinstance(archs, list):
        names = [a for a in archs if isinstance(a, str)][:_MAX_LIST]
        if names:
            props.append(("ml:architectures", ",".join(names)))
    if isinstance(config.get("auto_map"), dict) and config["auto_map"]:
        props.append(("ml:custom-code", "true"))
    return props


def _hub(name: str, location: Location, key: str, *, component_type: str, scope: Scope,
         relation: str) -> Declaration:
    return ml_declaration(
        name, location, component_type=component_type, properties=(("ml:relation", relation),),
        ecosystem="huggingface", scope=scope, direct=None, key=key)


class ModelCardScanner(Scanner):
    """Model cards and dataset cards: the folder as a component, its license and lineage."""

    name = "ml-cards"

    def wants(self, path: PurePosixPath) -> bool:
        """Every ``README.md`` (a card is a README with YAML front matter)."""
        return path.name.lower() == "readme.md"

    def scan(self, file: ScanFile) -> ScanResult:
        """Read one README's front matter as a card."""
        result = ScanResult()
        fh, _size = open_binary(file)
        with fh:
            if not fh.read(7).removeprefix(b"\xef\xbb\xbf").startswith(b"---"):
                return result  # no front matter: the common case, decided on a few bytes
        model_folder, has_config, has_adapter = _folder_files(file)
        text = file.read_text()
        found = front_matter(text)
        if found is None:
            return result
        if not found[1]:
            if model_folder:
                result.diagnostics.append(Diagnostic(
                    file.path, "has YAML front matter that is never closed (no second '---' "
                    "line); the card is not read", 1, "warning", self.name))
            return result
        card = read_card(file.path, text, model_folder=model_folder)
        if card is None:
            return result
        props = list(card.properties)
        if card.kind == "model":
            props.extend(considerations(text))
        config = _json_sibling(file, "config.json") if has_config else None
        if config is not None:
            props.extend(_config_properties(config))
        base_models = list(card.base_models)
        adapter = _json_sibling(file, "adapter_config.json") if has_adapter else None
        if adapter is not None and not base_models:
            base = adapter.get("base_model_name_or_path")
            if isinstance(base, str) and base:
                base_models.append((base, 1))
                relation = card.base_model_relation or "adapter"
                props.append(("ml:base-model", base))
                if not card.base_model_relation:
                    props.append(("ml:base-model-relation", relation))
        folder = file.directory or file.root.resolve().name
        evidence = card.license_evidence(file.path)
        main = ml_declaration(
            folder, Location(file.path, 1), component_type=MODEL if card.kind == "model" else DATA,
            properties=props, ecosystem="generic", scope=Scope.REQUIRED,
            source=Source(SourceKind.PATH, file.directory or "."), direct=True,
            licenses=(evidence,) if evidence else (), key="card")
        result.declarations.append(main)
        result.edges.append(Edge(ROOT, main.key))
        relation = card.base_model_relation or "base-model"
        for name, line in base_models:
            self._link(result, file, name, line, main.key, component_type=MODEL,
                       scope=Scope.REQUIRED, relation=relation)
        dataset_relation = "source-data" if card.kind == "dataset" else "training-data"
        for name, line in card.datasets:
            self._link(result, file, name, line, main.key, component_type=DATA,
                       scope=Scope.EXCLUDED, relation=dataset_relation)
        return result

    def _link(self, result: ScanResult, file: ScanFile, name: str, line: int, parent: str, *,
              component_type: str, scope: Scope, relation: str) -> None:
        if not is_hub_id(name):
            result.diagnostics.append(Diagnostic(
                file.path, f"names {name!r}, which is not a Hugging Face Hub id (org/name); "
                "not listed", line, "warning", self.name))
            return
        hub_name = f"datasets/{name}" if component_type == DATA else name
        key = f"{component_type}:{hub_name}"
        if any(d.key == key for d in result.declarations):
            return
        result.declarations.append(_hub(hub_name, Location(file.path, line), key,
                                        component_type=component_type, scope=scope,
                                        relation=relation))
        result.edges.append(Edge(parent, key))


@functools.lru_cache(maxsize=256)
def _card_license(root: str, path: str, _stamp: tuple[int, int]) -> LicenseEvidence | None:
    readme = ScanFile(Path(root), path)
    try:
        card = read_card(path, readme.read_text(), model_folder=True)
    except (ParseError, UnreadableFile):
        return None
    return card.license_evidence(path) if card is not None else None


def card_license_for(file: ScanFile) -> tuple[LicenseEvidence, ...]:
    """The license evidence of the card (``README.md``) in the same folder as ``file``; empty
    when there is none. Cached per README (weight shards share one card)."""
    readme = file.sibling("README.md")
    if readme is None:
        return ()
    try:
        st = readme.abspath.stat()
    except OSError:
        return ()
    evidence = _card_license(str(file.root), readme.path, (st.st_mtime_ns, st.st_size))
    return (evidence,) if evidence is not None else ()


SCANNERS: list[Scanner] = [ModelCardScanner()]
