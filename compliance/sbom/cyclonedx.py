"""Inventory -> CycloneDX document (JSON or XML), spec 1.4 to 1.7.

The document is built directly from the inventory rather than through cyclonedx-python-lib's
object model: that model costs O(n^2) in ``register_dependency`` and in serialisation (measured:
over five minutes for 20,000 components, against well under a second here), and it cannot
express evidence occurrences with lines nor every field we emit. The schemas the library ships
remain the authority: every document is validated against them (:mod:`compliance.sbom.validate`)
before it is written.

Everything is sorted, so the same inventory gives the same bytes; ``reproducible`` leaves out
the two fields that change on every run (serial number and timestamp).
"""

from __future__ import annotations

import datetime as _dt
import enum
import uuid
from typing import Any
from xml.etree import ElementTree as ET

import orjson

from compliance import __version__
from compliance.model import Component, Inventory, ResolvedLicense, SourceKind

JsonDict = dict[str, Any]
_PREFIX = "compliance:"


class SpecVersion(str, enum.Enum):
    """CycloneDX specification versions this tool writes."""

    V1_4 = "1.4"
    V1_5 = "1.5"
    V1_6 = "1.6"
    V1_7 = "1.7"

    @property
    def as_tuple(self) -> tuple[int, int]:
        """(major, minor), for comparisons."""
        major, minor = self.value.split(".")
        return int(major), int(minor)


class SbomFormat(str, enum.Enum):
    """Output encodings."""

    JSON = "cyclonedx-json"
    XML = "cyclonedx-xml"


def _choice(lic: ResolvedLicense, spec: SpecVersion) -> JsonDict:
    choice: JsonDict = {"expression": lic.expression}
    if spec.as_tuple >= (1, 6):
        choice["acknowledgement"] = lic.acknowledgement
    return choice


def _license_props(prefix: str, lic: ResolvedLicense | None) -> list[tuple[str, str]]:
    """How the license engine knows: source, where, the text as written, unknown flag."""
    if lic is None:
        return []
    props = [(f"{prefix}-source", lic.source)]
    if lic.location:
        props.append((f"{prefix}-location", lic.location))
    if lic.original and lic.original != lic.expression:
        props.append((f"{prefix}-text", lic.original))
    if lic.score is not None:
        props.append((f"{prefix}-score", f"{lic.score:.2f}"))
    if not lic.known:
        props.append((f"{prefix}-unknown", "true"))
    return props


_TYPES_SINCE_1_5 = frozenset({"machine-learning-model", "data"})


def _props(comp: Component, spec: SpecVersion) -> list[JsonDict]:
    props: list[tuple[str, str]] = [("direct", "true" if comp.direct else "false")]
    if spec.as_tuple < (1, 5) and comp.component_type in _TYPES_SINCE_1_5:
        props.append(("component-type", comp.component_type))
    src = comp.source
    props.append(("source", src.kind.value))
    if src.url and src.kind is SourceKind.REGISTRY and not src.is_default_registry:
        props.append(("index-url", src.url))
    props.extend(("extra-index-url", u) for u in sorted(comp.extra_indexes))
    if src.kind is SourceKind.PATH and src.url:
        props.append(("path", src.url))
    if src.revision:
        props.append(("vcs-revision", src.revision))
    if src.commit:
        props.append(("vcs-commit", src.commit))
    if comp.constraint:
        props.append(("version-constraint", comp.constraint))
    props.extend(("declared-by", k.value) for k in sorted(comp.kinds, key=lambda k: k.value))
    props.extend(("group", g) for g in sorted(comp.groups))
    props.extend(("extra", e) for e in sorted(comp.extras))
    props.extend(("marker", m) for m in sorted(comp.markers))
    if comp.editable:
        props.append(("editable", "true"))
    props.extend(comp.properties)
    props.extend(_license_props("license", comp.license))
    props.extend(_license_props("concluded-license", comp.concluded))
    if spec.as_tuple < (1, 5):
        props.extend(("occurrence", str(loc)) for loc in comp.occurrences)
    return [{"name": _PREFIX + k, "value": v} for k, v in props]


def _short(text: str, limit: int = 1000) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " [...]"


def _component(comp: Component, spec: SpecVersion,
               datasets: dict[str, str] | None = None) -> JsonDict:
    kind = comp.component_type
    if spec.as_tuple < (1, 5) and kind in _TYPES_SINCE_1_5:
        kind = "file"  # 1.4 has no model or data types; compliance:component-type keeps it
    doc: JsonDict = {"type": kind, "bom-ref": comp.ref, "name": comp.name}
    if comp.version:
        doc["version"] = comp.version
    doc["scope"] = comp.scope.value
    if comp.hashes:
        doc["hashes"] = [{"alg": h.alg, "content": h.value} for h in comp.hashes]
    if comp.license is not None:
        doc["licenses"] = [_choice(comp.license, spec)]
    if comp.purl:
        doc["purl"] = comp.purl
    refs = _external_refs(comp)
    if refs:
        doc["externalReferences"] = refs
    doc["properties"] = _props(comp, spec)
    evidence: JsonDict = {}
    if spec.as_tuple >= (1, 5) and comp.occurrences:
        occurrences = []
        for loc in comp.occurrences:
            if spec.as_tuple >= (1, 6):
                occ: JsonDict = {"location": loc.path}
                if loc.line:
                    occ["line"] = loc.line
            else:
                occ = {"location": f"{loc.path}#L{loc.line}" if loc.line else loc.path}
            occurrences.append(occ)
        evidence["occurrences"] = occurrences
    if comp.concluded is not None:
        evidence["licenses"] = [_choice(comp.concluded, spec)]
    if evidence:
        doc["evidence"] = evidence
    if spec.as_tuple >= (1, 5):
        if comp.component_type == "machine-learning-model":
            card = _model_card(comp, datasets or {})
            if card:
                doc["modelCard"] = card
        elif comp.component_type == "data":
            doc["data"] = [{"type": "dataset", "name": comp.name}]
    return doc


def _prop(comp: Component, name: str) -> str | None:
    return next((v for k, v in comp.properties if k == name), None)


def _model_card(comp: Component, datasets: dict[str, str]) -> JsonDict | None:
    """A CycloneDX ``modelCard`` from what the model card, config and weights said: task
    (``pipeline_tag``), architecture family (``model_type`` / GGUF ``general.architecture``),
    architecture (``architectures``), and the training datasets that are components too."""
    params: JsonDict = {}
    task = _prop(comp, "ml:pipeline-tag")
    if task:
        params["task"] = task
    family = _prop(comp, "ml:model-type") or _prop(comp, "ml:architecture")
    if family:
        params["architectureFamily"] = family
    architectures = _prop(comp, "ml:architectures")
    if architectures:
        params["modelArchitecture"] = architectures.split(",")[0]
    refs = []
    for name in (_prop(comp, "ml:datasets") or "").split(","):
        ref = datasets.get(name.strip())
        if ref and ref not in refs:
            refs.append(ref)
    if refs:
        params["datasets"] = [{"ref": r} for r in refs]
    card: JsonDict = {"modelParameters": params} if params else {}
    considerations: JsonDict = {}
    uses = [v for k, v in comp.properties if k == "ml:use-case"]
    limits = [v for k, v in comp.properties if k == "ml:limitation"]
    risks = [v for k, v in comp.properties if k == "ml:ethical-consideration"]
    if uses:
        considerations["useCases"] = uses
    if limits:
        considerations["technicalLimitations"] = limits
    if risks:
        considerations["ethicalConsiderations"] = [{"name": r} for r in risks]
    if considerations:
        card["considerations"] = considerations
    return card or None


def _external_refs(comp: Component) -> list[JsonDict]:
    src = comp.source
    if src.kind is SourceKind.VCS and src.url:
        return [{"type": "vcs", "url": src.url}]
    if src.kind is SourceKind.URL and src.url:
        return [{"type": "distribution", "url": src.url}]
    return []


def _root_ref(inv: Inventory) -> tuple[str, JsonDict]:
    project = inv.project
    name = project.name if project else inv.root_name
    ref = f"project:{name}"
    while ref in inv.components:
        ref = "project:" + ref
    root: JsonDict = {"type": "application", "bom-ref": ref, "name": name}
    if project and project.version:
        root["version"] = project.version
    if project and project.description:
        root["description"] = _short(project.description, 500)
    return ref, root


def build_document(
    inv: Inventory, spec: SpecVersion = SpecVersion.V1_6, *, reproducible: bool = False
) -> JsonDict:
    """Build the CycloneDX document (as JSON-shaped data) for an inventory."""
    root_ref, root = _root_ref(inv)
    if inv.project_license is not None:
        root["licenses"] = [_choice(inv.project_license, spec)]
        props = _license_props("license", inv.project_license)
        if props:
            root["properties"] = [{"name": _PREFIX + k, "value": v} for k, v in props]
    metadata: JsonDict = {}
    if not reproducible:
        metadata["timestamp"] = _dt.datetime.now(_dt.timezone.utc).replace(
            microsecond=0).isoformat().replace("+00:00", "Z")
    tool = {"name": "compliance", "version": __version__}
    if spec.as_tuple >= (1, 5):
        metadata["tools"] = {"components": [{"type": "application", **tool}]}
    else:
        metadata["tools"] = [tool]
    metadata["component"] = root
    diag_props = [{"name": _PREFIX + "diagnostic", "value": str(d)} for d in inv.diagnostics]
    if diag_props:
        metadata["properties"] = diag_props

    doc: JsonDict = {
        "$schema": f"http://cyclonedx.org/schema/bom-{spec.value}.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": spec.value,
    }
    if not reproducible:
        doc["serialNumber"] = f"urn:uuid:{uuid.uuid4()}"
    doc["version"] = 1
    doc["metadata"] = metadata
    refs = sorted(inv.components)
    # Hub datasets are components named "datasets/<id>": a model card names them by <id>
    datasets = {c.name.removeprefix("datasets/"): c.ref for c in inv.components.values()
                if c.component_type == "data"}
    doc["components"] = [_component(inv.components[r], spec, datasets) for r in refs]
    deps = [{"ref": root_ref, "dependsOn": sorted(inv.direct)}]
    for r in refs:
        deps.append({"ref": r, "dependsOn": sorted(inv.dependencies.get(r, ()))})
    doc["dependencies"] = deps
    return doc


def to_json(doc: JsonDict) -> str:
    """Serialise a document as JSON text (stable key order as built, two-space indent).

    orjson writes exactly what ``json.dumps(doc, indent=2, ensure_ascii=False)`` writes, ten
    times faster (0.17 s against 1.8 s for 20,000 components).
    """
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"


# --- XML -----------------------------------------------------------------------------------

_COMPONENT_ORDER = (
    "name", "version", "description", "scope", "hashes", "licenses", "purl",
    "externalReferences", "properties", "evidence", "modelCard", "data",
)


def to_xml(doc: JsonDict) -> str:
    """Serialise a document built by :func:`build_document` as CycloneDX XML."""
    spec = doc["specVersion"]
    ns = f"http://cyclonedx.org/schema/bom/{spec}"
    ET.register_namespace("", ns)
    attrs = {"version": str(doc["version"])}
    if "serialNumber" in doc:
        attrs["serialNumber"] = doc["serialNumber"]
    bom = ET.Element(f"{{{ns}}}bom", attrs)

    def q(tag: str) -> str:
        return f"{{{ns}}}{tag}"

    def text(parent: ET.Element, tag: str, value: object) -> ET.Element:
        el = ET.SubElement(parent, q(tag))
        el.text = str(value)
        return el

    def licenses(parent: ET.Element, choices: list[JsonDict]) -> None:
        el = ET.SubElement(parent, q("licenses"))
        for choice in choices:
            ack = choice.get("acknowledgement")
            extra = {"acknowledgement": ack} if ack else {}
            if "expression" in choice:
                e = ET.SubElement(el, q("expression"), extra)
                e.text = choice["expression"]
            else:
                lic = ET.SubElement(el, q("license"), extra)
                for key in ("id", "name"):
                    if key in choice["license"]:
                        text(lic, key, choice["license"][key])

    def properties(parent: ET.Element, props: list[JsonDict]) -> None:
        el = ET.SubElement(parent, q("properties"))
        for p in props:
            ET.SubElement(el, q("property"), {"name": p["name"]}).text = p["value"]

    def component(parent: ET.Element, comp: JsonDict) -> None:
        attrs = {"type": comp["type"]}
        if "bom-ref" in comp:
            attrs["bom-ref"] = comp["bom-ref"]
        el = ET.SubElement(parent, q("component"), attrs)
        for key in _COMPONENT_ORDER:
            if key not in comp:
                continue
            value = comp[key]
            if key == "hashes":
                hs = ET.SubElement(el, q("hashes"))
                for h in value:
                    ET.SubElement(hs, q("hash"), {"alg": h["alg"]}).text = h["content"]
            elif key == "licenses":
                licenses(el, value)
            elif key == "externalReferences":
                refs = ET.SubElement(el, q("externalReferences"))
                for r in value:
                    ref = ET.SubElement(refs, q("reference"), {"type": r["type"]})
                    text(ref, "url", r["url"])
            elif key == "properties":
                properties(el, value)
            elif key == "evidence":
                ev = ET.SubElement(el, q("evidence"))
                if "occurrences" in value:
                    occs = ET.SubElement(ev, q("occurrences"))
                    for o in value["occurrences"]:
                        occ = ET.SubElement(occs, q("occurrence"))
                        text(occ, "location", o["location"])
                        if "line" in o:
                            text(occ, "line", o["line"])
                if "licenses" in value:
                    licenses(ev, value["licenses"])
            elif key == "modelCard":
                card = ET.SubElement(el, q("modelCard"))
                if "modelParameters" in value:
                    params = ET.SubElement(card, q("modelParameters"))
                    mp = value["modelParameters"]
                    for field_ in ("task", "architectureFamily", "modelArchitecture"):
                        if field_ in mp:
                            text(params, field_, mp[field_])
                    if "datasets" in mp:
                        ds = ET.SubElement(params, q("datasets"))
                        for d in mp["datasets"]:
                            text(ds, "ref", d["ref"])
                if "considerations" in value:
                    cons = ET.SubElement(card, q("considerations"))
                    c = value["considerations"]
                    for plural, singular in (("useCases", "useCase"),
                                             ("technicalLimitations", "technicalLimitation")):
                        if plural in c:
                            group = ET.SubElement(cons, q(plural))
                            for item in c[plural]:
                                text(group, singular, item)
                    if "ethicalConsiderations" in c:
                        group = ET.SubElement(cons, q("ethicalConsiderations"))
                        for risk in c["ethicalConsiderations"]:
                            entry = ET.SubElement(group, q("ethicalConsideration"))
                            text(entry, "name", risk["name"])
            elif key == "data":
                for d in value:
                    item = ET.SubElement(el, q("data"))
                    text(item, "type", d["type"])
                    text(item, "name", d["name"])
            else:
                text(el, key, value)

    meta = doc["metadata"]
    m = ET.SubElement(bom, q("metadata"))
    if "timestamp" in meta:
        text(m, "timestamp", meta["timestamp"])
    tools = ET.SubElement(m, q("tools"))
    if isinstance(meta["tools"], dict):
        comps = ET.SubElement(tools, q("components"))
        for t in meta["tools"]["components"]:
            component(comps, t)
    else:
        for t in meta["tools"]:
            tool = ET.SubElement(tools, q("tool"))
            text(tool, "name", t["name"])
            text(tool, "version", t["version"])
    component(m, meta["component"])
    if "properties" in meta:
        properties(m, meta["properties"])

    comps = ET.SubElement(bom, q("components"))
    for c in doc["components"]:
        component(comps, c)
    deps = ET.SubElement(bom, q("dependencies"))
    for d in doc["dependencies"]:
        dep = ET.SubElement(deps, q("dependency"), {"ref": d["ref"]})
        for target in d["dependsOn"]:
            ET.SubElement(dep, q("dependency"), {"ref": target})
    ET.indent(bom, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(bom, encoding="unicode") + "\n"
