"""Read a CycloneDX SBOM made by any tool (this one, Syft, Trivy, cdxgen, cyclonedx-py...) into
an :class:`~compliance.model.Inventory`, so that ``compliance check SBOM_FILE`` needs no scan.

Reading
    JSON or XML is told from the content (the first character that is not white space), never
    from the file name. JSON is parsed with orjson; XML with ``defusedxml``, which refuses DTDs
    and entity declarations (billion laughs, external entities): a CycloneDX document needs
    neither. Files over :data:`MAX_SBOM_BYTES` are refused before they are read. A file that is
    not a CycloneDX SBOM at all (another JSON document, an SPDX document, truncated JSON,
    XML in another namespace) raises :class:`SbomReadError` naming the file and the problem.

Validation
    The document is checked against the bundled schema of its ``specVersion`` (XML: of its
    namespace). An invalid SBOM is still read wherever it can be: each violation (the first
    five, with the JSON path where the schema validator gives one) becomes a warning in
    :attr:`ReadResult.diagnostics`, and so do duplicate bom-refs, dependencies that name no
    component and licenses that cannot be mapped to SPDX.

Components
    Every component, nested ``components`` included, becomes a :class:`Component`, except the
    ones that describe the environment rather than a package the project uses: type
    ``operating-system``, ``container``, ``platform`` or ``device``, and ``application`` or
    ``file`` entries with no purl, no version and no license (Trivy's per-lockfile
    "application" groups, Syft's file entries). Dependency edges through such a node are
    contracted (image -> OS -> package becomes image -> package); their nested components are
    read. ``ref`` is the bom-ref (else the purl, else ``name@version``), made unique with a
    ``#2`` suffix when the SBOM repeats one, with a diagnostic; dependencies naming a repeated
    bom-ref go to its first holder. ``ecosystem`` is the purl type (``generic`` without a purl);
    PyPI names are PEP 503 names; a CycloneDX ``group`` is kept in the name (``group/name``,
    ``group:name`` for Maven). A missing ``scope`` is ``required``, as the specification says.
    ``compliance:*`` properties written by this tool are mapped back (direct, source, index and
    extra index URLs, VCS revision and commit, constraint, declaring file kinds, groups, extras,
    markers, editable, license source/location/text/score/unknown). Occurrences come from
    ``evidence.occurrences`` (``path#L12`` locations of CycloneDX 1.5 are split), from
    ``compliance:occurrence`` properties (1.4), else from the manifest named by
    ``evidence.identity`` (cdxgen) or by tool properties (``syft:location:N:path``,
    ``aquasecurity:trivy:FilePath``, ``SrcFile``). Without ``compliance:direct`` properties a
    component is direct when the root component's ``dependsOn`` names it; an SBOM with no root
    edges says nothing about directness and every component reads as indirect.

Licenses
    ``licenses`` becomes :attr:`Component.license`; ``evidence.licenses`` becomes
    :attr:`Component.concluded`. Every license is passed through
    :func:`compliance.licenses.expression.normalize`: an ``expression`` is kept as written once
    canonicalised, a ``license.id`` is canonicalised (deprecated ids replaced), a
    ``license.name`` is mapped (Trivy writes ids there, others write "Apache License 2.0"),
    else a ``license.text`` is identified, else its ``url`` mapped. What cannot be mapped stays
    a ``LicenseRef-unknown-*`` with ``known`` False, and is reported once per distinct text.

    **Several entries in one ``licenses`` array are combined with AND.** The specification
    only says they are "licenses that apply"; Trivy lists every license a Debian copyright
    file names, cyclonedx-py lists a license field next to classifiers, Syft lists what it
    could not combine. Reading them as alternatives (OR) could let a policy pick the most
    permissive one of licenses that all bind; AND is the cautious reading, and an author who
    meant a choice can say so with an ``expression``. One refinement: trove classifiers
    (``License :: ...``) restate the declared license, so they are dropped when the array also
    holds an id, name or expression, and combined with OR (PyPI's reading, as
    :func:`~compliance.licenses.expression.from_classifiers` does) when they are all there is.
    ``acknowledgement`` is kept; without one, ``licenses`` are ``declared`` and
    ``evidence.licenses`` are ``concluded`` (what this tool writes there is identified from
    license files). ``source`` is the ``compliance:license-source`` property when this tool
    wrote it, else ``sbom-expression``, ``sbom-license-id``, ``sbom-license-name``,
    ``sbom-license-text``, ``sbom-license-url``, ``sbom-classifier`` or ``sbom-licenses``
    (several kinds).

Project
    ``metadata.component`` gives :attr:`Inventory.project` (name, version, the license as
    written, description) and :attr:`Inventory.project_license`; its ``dependsOn`` gives
    :attr:`Inventory.direct`. The diagnostics of the scan that made the SBOM (this tool's
    ``compliance:diagnostic`` metadata properties) go back into :attr:`Inventory.diagnostics`;
    problems met while *reading* are in :attr:`ReadResult.diagnostics`.

Not recoverable from an SBOM: the license evidence itself (only the settled licenses are
written), a VCS subdirectory, the project manifest's location, and the URL of the default index.
"""

from __future__ import annotations

import base64
import binascii
import gc
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import defusedxml
import defusedxml.ElementTree as SafeET
import orjson

from compliance.errors import InputError
from compliance.licenses.expression import (
    NormalizedLicense,
    from_classifiers,
    normalize,
)
from compliance.model import (
    Component,
    DeclarationKind,
    Diagnostic,
    Hash,
    Inventory,
    Location,
    ProjectInfo,
    ResolvedLicense,
    Scope,
    Source,
    SourceKind,
    canonical_name,
)
from compliance.sbom.validate import json_errors, xml_errors

__all__ = ["MAX_SBOM_BYTES", "ReadResult", "SbomReadError", "looks_like_sbom", "read_sbom"]

JsonDict = dict[str, Any]

MAX_SBOM_BYTES = 500 * 1024 * 1024
"""SBOMs larger than this are refused before they are read."""

_SNIFF_BYTES = 1024
_MAX_SCHEMA_DIAGNOSTICS = 5  # what compliance.sbom.validate reports at most
_MAX_LISTED = 20  # distinct unmappable licenses reported one by one
_MAX_LICENSE_TEXT = 256 * 1024
_SPEC_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
_PREFIX = "compliance:"
_ENVIRONMENT_TYPES = frozenset({"operating-system", "container", "platform", "device"})
_GROUP_TYPES = frozenset({"application", "file"})
_XML_NS = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}bom$")
_PURL = re.compile(r"^pkg:/*([A-Za-z][A-Za-z0-9.+-]*)/")
_LINE_SUFFIX = re.compile(r"^(.+?)#L?(\d+)$")
_PATH_LINE = re.compile(r"^(.+):(\d+)$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_DIAGNOSTIC = re.compile(r"^(?P<path>.*?)(?::(?P<line>\d+))?: (?P<sev>error|warning): (?P<msg>.*)$",
                         re.DOTALL)
# tool properties that name the file a package was found in
_LOCATION_PROPERTY = re.compile(r"^(?:syft:location:\d+:path|aquasecurity:trivy:FilePath|SrcFile)$")
_SCOPES = {s.value: s for s in Scope}
_KINDS = {k.value: k for k in DeclarationKind}
_SOURCE_KINDS = {k.value: k for k in SourceKind}


class SbomReadError(InputError):
    """The file is not a CycloneDX SBOM at all, or cannot be read: the message names the file
    and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass
class ReadResult:
    """What reading an SBOM gave: the inventory and what was odd about the document."""

    inventory: Inventory
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Problems met while reading: schema violations, duplicate bom-refs, dangling
    dependencies, unmappable licenses. (The producing scan's own diagnostics, when the SBOM
    carries them, are in ``inventory.diagnostics``.)"""
    spec_version: str | None = None
    tool: str | None = None
    """The first tool of ``metadata.tools``, as ``"name version"`` (``"syft 1.4.1"``)."""
    timestamp: str | None = None
    """``metadata.timestamp`` as written (None when absent)."""
    authors: list[str] = field(default_factory=list)
    """The names (else e-mail addresses) of ``metadata.authors``."""


# ----------------------------------------------------------------------------- entry points


def looks_like_sbom(path: Path) -> bool:
    """True when ``path`` is a file (not a folder) whose first KB looks like a CycloneDX JSON or
    XML document. Cheap: reads at most 1 KB and never raises."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError:
        return False
    text = _sniff_text(head).lstrip()
    if text.startswith("{"):
        # cyclonedx-py sorts keys, so "bomFormat" may come last: any CycloneDX-only key will do
        return any(marker in text for marker in (
            '"bomFormat"', '"specVersion"', '"bom-ref"', "cyclonedx.org/schema/bom"))
    if text.startswith("<"):
        return "cyclonedx.org/schema/bom" in text
    return False


def read_sbom(path: Path, *, max_bytes: int = MAX_SBOM_BYTES) -> ReadResult:
    """Read the CycloneDX SBOM at ``path`` (JSON or XML, told from the content).

    Raises :class:`SbomReadError` when the file cannot be read or is not a CycloneDX SBOM;
    anything short of that (schema violations, odd entries) is a diagnostic.
    """
    data = _read_bytes(path, max_bytes)
    first = _sniff_text(data[:_SNIFF_BYTES]).lstrip()[:1]
    diagnostics: list[Diagnostic] = []
    # reading allocates millions of objects and creates no cycles: the cyclic collector would
    # only rescan them (half the time of a 20,000-component read)
    collecting = gc.isenabled()
    gc.disable()
    try:
        if first in ("{", "["):
            doc = _load_json(data, path)
            spec = _spec(doc.get("specVersion"))
            diagnostics.extend(_validate_json(doc, doc.get("specVersion"), path))
        elif first == "<":
            doc, spec = _load_xml(data, path)
            diagnostics.extend(_validate_xml(data, spec, path))
        else:
            shown = repr(first) if first else "nothing"
            raise SbomReadError(path, f"is neither JSON nor XML (it starts with {shown}); "
                                "a CycloneDX SBOM starts with '{' or '<'")
        reader = _Reader(str(path), diagnostics)
        inventory = reader.read(doc, _root_name(path))
    except RecursionError:
        raise SbomReadError(path, "nests components too deeply to read") from None
    finally:
        if collecting:
            gc.enable()
    metadata = doc.get("metadata")
    return ReadResult(inventory, diagnostics, spec, _tool(metadata), *_stamp(metadata))


def _stamp(metadata: object) -> tuple[str | None, list[str]]:
    """``metadata.timestamp`` and the names of ``metadata.authors``."""
    if not isinstance(metadata, dict):
        return None, []
    stamp = metadata.get("timestamp")
    authors = [a.get("name") or a.get("email") for a in metadata.get("authors") or ()
               if isinstance(a, dict)]
    return (stamp if isinstance(stamp, str) and stamp.strip() else None,
            [a for a in authors if isinstance(a, str) and a.strip()])


# ----------------------------------------------------------------------------- loading


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        if path.is_dir():
            raise SbomReadError(path, "is a folder, not an SBOM file")
        size = path.stat().st_size
        if size > max_bytes:
            raise SbomReadError(path, f"is {_size(size)}; SBOMs larger than {_size(max_bytes)} "
                                "are not read")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SbomReadError(path, "no such file") from None
    except OSError as e:
        raise SbomReadError(path, f"cannot be read: {e.strerror or e}") from None
    if len(data) > max_bytes:  # grew while we looked
        raise SbomReadError(path, f"is larger than {_size(max_bytes)}; not read")
    if not data.strip():
        raise SbomReadError(path, "is empty")
    return data


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _sniff_text(head: bytes) -> str:
    """The start of a file as text, for sniffing: UTF-8 (BOM dropped) or UTF-16 by its BOM."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.decode("utf-8", errors="ignore")


def _load_json(data: bytes, path: Path) -> JsonDict:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            doc = orjson.loads(data.decode("utf-16"))
        else:
            doc = orjson.loads(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    except UnicodeDecodeError:
        raise SbomReadError(path, "is not UTF-8 text; not read") from None
    except orjson.JSONDecodeError as e:
        end = len(data.rstrip())
        if e.pos >= end or "end of data" in str(e):
            raise SbomReadError(path, f"is not valid JSON: it ends before the document is "
                                f"complete (line {e.lineno}); the file is truncated") from None
        raise SbomReadError(path, f"is not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise SbomReadError(path, f"is JSON but not a CycloneDX SBOM (the top level is a "
                            f"{_json_type(doc)}, not an object)")
    if doc.get("bomFormat") != "CycloneDX":
        if "spdxVersion" in doc:
            raise SbomReadError(path, "is an SPDX document; only CycloneDX SBOMs are read")
        if "bomFormat" in doc:
            raise SbomReadError(path, f"is not a CycloneDX SBOM (bomFormat is "
                                f"{doc['bomFormat']!r}, not 'CycloneDX')")
        raise SbomReadError(path, 'is JSON but not a CycloneDX SBOM (it has no "bomFormat": '
                            '"CycloneDX")')
    return doc


def _json_type(value: object) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), "null")


def _load_xml(data: bytes, path: Path) -> tuple[JsonDict, str]:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as e:
        raise SbomReadError(path, f"declares a DTD or entities ({type(e).__name__}); refused: "
                            "a CycloneDX SBOM needs neither, and they are how XML bombs and "
                            "external-entity attacks work") from None
    except ET.ParseError as e:
        raise SbomReadError(path, f"is not well-formed XML ({e}); the file may be "
                            "truncated") from None
    match = _XML_NS.match(root.tag) if isinstance(root.tag, str) else None
    if match is None:
        raise SbomReadError(path, f"is XML but not a CycloneDX SBOM (its root element is "
                            f"{root.tag!r}, not a bom in a http://cyclonedx.org/schema/bom/ "
                            "namespace)")
    spec = match.group(1)
    return _XmlDoc(f"{{http://cyclonedx.org/schema/bom/{spec}}}").bom(root, spec), spec


def _spec(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _validate_json(doc: JsonDict, spec: object, path: Path) -> list[Diagnostic]:
    if not isinstance(spec, str) or spec not in _SPEC_VERSIONS[2:]:
        what = "is missing" if spec is None else f"{json.dumps(spec)} is not a CycloneDX " \
            "version this tool knows (1.2 to 1.7)"
        return [_diag(path, f"specVersion {what}; not validated, read as far as it can be")]
    try:
        errors = json_errors(doc)
    except Exception as e:  # a validator crash must not cost the user the SBOM
        return [_diag(path, f"could not be validated ({type(e).__name__}: {e}); read anyway")]
    return _schema_diagnostics(errors, spec, path)


def _validate_xml(data: bytes, spec: str, path: Path) -> list[Diagnostic]:
    if spec not in _SPEC_VERSIONS:
        return [_diag(path, f"namespace version {spec} is not a CycloneDX version this tool "
                      "knows (1.0 to 1.7); not validated, read as far as it can be")]
    try:
        text = data.decode("utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) \
            else data.decode("utf-8-sig")
        errors = xml_errors(text, spec)
    except Exception as e:  # not UTF-8, a validator crash: the SBOM is still read
        return [_diag(path, f"could not be validated ({type(e).__name__}: {e}); read anyway")]
    return _schema_diagnostics(errors, spec, path)


def _schema_diagnostics(errors: list[str], spec: str, path: Path) -> list[Diagnostic]:
    out = [_diag(path, f"does not validate against the CycloneDX {spec} schema at {err}; "
                 "read anyway") for err in errors]
    if len(errors) >= _MAX_SCHEMA_DIAGNOSTICS:
        out.append(_diag(path, f"only the first {_MAX_SCHEMA_DIAGNOSTICS} schema violations "
                         "are reported"))
    return out


def _diag(path: Path | str, message: str, severity: str = "warning") -> Diagnostic:
    return Diagnostic(str(path), message, severity=severity, scanner="sbom")


def _root_name(path: Path) -> str:
    name = path.name
    for suffix in (".json", ".xml", ".cdx", ".bom", ".sbom"):
        name = name.removesuffix(suffix)
    return name or path.name


def _tool(metadata: object) -> str | None:
    """"name version" of the first tool: the 1.4 array and the 1.5+ object shapes."""
    if not isinstance(metadata, dict):
        return None
    tools = metadata.get("tools")
    entries: list[Any] = []
    if isinstance(tools, list):
        entries = tools
    elif isinstance(tools, dict):
        for key in ("components", "services"):
            if isinstance(tools.get(key), list):
                entries.extend(tools[key])
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"]:
            version = entry.get("version")
            return f"{entry['name']} {version}" if isinstance(version, str) and version \
                else entry["name"]
    return None


# ----------------------------------------------------------------------------- XML -> JSON shape


class _XmlDoc:
    """Turn a CycloneDX XML tree into the JSON shape, for the parts this reader uses."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def q(self, tag: str) -> str:
        return self.ns + tag

    def text(self, el: ET.Element, tag: str) -> str | None:
        child = el.find(self.q(tag))
        return None if child is None or child.text is None else child.text.strip()

    def bom(self, root: ET.Element, spec: str) -> JsonDict:
        doc: JsonDict = {"bomFormat": "CycloneDX", "specVersion": spec}
        meta = root.find(self.q("metadata"))
        if meta is not None:
            doc["metadata"] = self.metadata(meta)
        comps = root.find(self.q("components"))
        if comps is not None:
            doc["components"] = [self.component(c) for c in comps.findall(self.q("component"))]
        deps = root.find(self.q("dependencies"))
        if deps is not None:
            doc["dependencies"] = [
                {"ref": d.get("ref"),
                 "dependsOn": [x.get("ref") for x in d.findall(self.q("dependency"))]}
                for d in deps.findall(self.q("dependency"))]
        return doc

    def metadata(self, meta: ET.Element) -> JsonDict:
        out: JsonDict = {}
        tools = meta.find(self.q("tools"))
        if tools is not None:
            legacy = [{k: self.text(t, k) for k in ("vendor", "name", "version")}
                      for t in tools.findall(self.q("tool"))]
            comps = tools.find(self.q("components"))
            services = tools.find(self.q("services"))
            if comps is not None or services is not None:
                shaped: JsonDict = {"components": [], "services": []}
                for key, holder, tag in (("components", comps, "component"),
                                         ("services", services, "service")):
                    if holder is not None:
                        shaped[key] = [{"name": self.text(t, "name"),
                                        "version": self.text(t, "version")}
                                       for t in holder.findall(self.q(tag))]
                out["tools"] = shaped
            else:
                out["tools"] = legacy
        component = meta.find(self.q("component"))
        if component is not None:
            out["component"] = self.component(component)
        props = self.properties(meta)
        if props is not None:
            out["properties"] = props
        return out

    def properties(self, el: ET.Element) -> list[JsonDict] | None:
        holder = el.find(self.q("properties"))
        if holder is None:
            return None
        return [{"name": p.get("name"), "value": (p.text or "")}
                for p in holder.findall(self.q("property"))]

    def licenses(self, holder: ET.Element) -> list[JsonDict]:
        out: list[JsonDict] = []
        for child in holder:
            ack = child.get("acknowledgement")
            if child.tag == self.q("expression"):
                entry: JsonDict = {"expression": (child.text or "").strip()}
            elif child.tag == self.q("license"):
                lic: JsonDict = {}
                for key in ("id", "name", "url"):
                    value = self.text(child, key)
                    if value is not None:
                        lic[key] = value
                text_el = child.find(self.q("text"))
                if text_el is not None and text_el.text:
                    lic["text"] = {"content": text_el.text,
                                   "encoding": text_el.get("encoding")}
                entry = {"license": lic}
                if ack:
                    lic["acknowledgement"] = ack
                    ack = None
            else:
                continue
            if ack:
                entry["acknowledgement"] = ack
            out.append(entry)
        return out

    def component(self, el: ET.Element) -> JsonDict:
        c: JsonDict = {"type": el.get("type")}
        if el.get("bom-ref") is not None:
            c["bom-ref"] = el.get("bom-ref")
        for key in ("group", "name", "version", "description", "scope", "purl"):
            value = self.text(el, key)
            if value is not None:
                c[key] = value
        hashes = el.find(self.q("hashes"))
        if hashes is not None:
            c["hashes"] = [{"alg": h.get("alg"), "content": (h.text or "").strip()}
                           for h in hashes.findall(self.q("hash"))]
        lics = el.find(self.q("licenses"))
        if lics is not None:
            c["licenses"] = self.licenses(lics)
        refs = el.find(self.q("externalReferences"))
        if refs is not None:
            c["externalReferences"] = [{"type": r.get("type"), "url": self.text(r, "url")}
                                       for r in refs.findall(self.q("reference"))]
        props = self.properties(el)
        if props is not None:
            c["properties"] = props
        evidence = el.find(self.q("evidence"))
        if evidence is not None:
            c["evidence"] = self.evidence(evidence)
        nested = el.find(self.q("components"))
        if nested is not None:
            c["components"] = [self.component(n) for n in nested.findall(self.q("component"))]
        return c

    def evidence(self, el: ET.Element) -> JsonDict:
        ev: JsonDict = {}
        lics = el.find(self.q("licenses"))
        if lics is not None:
            ev["licenses"] = self.licenses(lics)
        occs = el.find(self.q("occurrences"))
        if occs is not None:
            found: list[JsonDict] = []
            for o in occs.findall(self.q("occurrence")):
                occ: JsonDict = {"location": self.text(o, "location")}
                line = self.text(o, "line")
                if line and line.isdigit():
                    occ["line"] = int(line)
                found.append(occ)
            ev["occurrences"] = found
        identities = []
        for ident in el.findall(self.q("identity")):
            methods = ident.find(self.q("methods"))
            identities.append({"methods": [
                {"technique": self.text(m, "technique"), "value": self.text(m, "value")}
                for m in (methods.findall(self.q("method")) if methods is not None else [])]})
        if identities:
            ev["identity"] = identities
        return ev


# ----------------------------------------------------------------------------- mapping


@dataclass
class _Props:
    """The ``compliance:*`` properties of one component (name without the prefix -> values),
    and the locations tool properties name."""

    values: dict[str, list[str]] = field(default_factory=dict)
    locations: list[str] = field(default_factory=list)

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])


def _props(raw: object) -> _Props:
    props = _Props()
    if not isinstance(raw, list):
        return props
    for p in raw:
        if not isinstance(p, dict):
            continue
        name, value = p.get("name"), p.get("value")
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        if name.startswith(_PREFIX):
            props.values.setdefault(name[len(_PREFIX):], []).append(value)
        elif _LOCATION_PROPERTY.match(name) and value:
            props.locations.append(value)
    return props


def _purl_parts(purl: str) -> tuple[str | None, dict[str, str]]:
    """The type and qualifiers of a package URL (fast: no full parse)."""
    match = _PURL.match(purl)
    if match is None:
        return None, {}
    qualifiers: dict[str, str] = {}
    rest = purl.split("#", 1)[0]
    if "?" in rest:
        for pair in rest.split("?", 1)[1].split("&"):
            key, sep, value = pair.partition("=")
            if sep and key:
                qualifiers[key.lower()] = unquote(value)
    return match.group(1).lower(), qualifiers


def _str(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _is_classifier(text: str) -> bool:
    return text.lstrip().lower().startswith("license ::")


@dataclass
class _Choice:
    """One license entry, read."""

    kind: str  # expression, license-id, license-name, license-text, license-url, classifier
    text: str
    normalized: NormalizedLicense
    acknowledgement: str | None


class _Reader:
    """One SBOM document -> Inventory; collects reading diagnostics."""

    def __init__(self, path: str, diagnostics: list[Diagnostic]) -> None:
        self.path = path
        self.diagnostics = diagnostics
        self.refs: dict[str, str] = {}  # bom-ref -> ref of its first holder
        self.aliases: dict[str, str] = {}  # purl -> ref, for components without a bom-ref
        self.groups: set[str] = set()  # bom-refs of environment / grouping nodes
        self.used: set[str] = set()  # refs given out
        self.taken: set[str] = set()  # every bom-ref of the document: renames avoid them
        self.repeated: dict[str, list[tuple[str, str]]] = {}  # base -> (label, ref) of holders
        self.explicit_direct: dict[str, bool] = {}  # ref -> compliance:direct
        self.unmappable: dict[str, tuple[str, int, str]] = {}  # text -> (first, count, expr)
        self.bad_components = 0

    # --- document ---------------------------------------------------------------------------

    def read(self, doc: JsonDict, fallback_name: str) -> Inventory:
        metadata: JsonDict = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
        root: JsonDict | None = metadata["component"] if isinstance(
            metadata.get("component"), dict) else None
        project, project_license, root_ref = self._project(root)
        inv = Inventory(root_name=project.name if project else fallback_name, project=project,
                        project_license=project_license)
        components = doc.get("components")
        top: list[Any] = list(components) if isinstance(components, list) else []
        if root is not None and isinstance(root.get("components"), list):
            top.extend(root["components"])
        self.taken = {str(c["bom-ref"]) for c in _walk(top)
                      if isinstance(c, dict) and c.get("bom-ref") is not None}
        for raw in _walk(top):
            if not isinstance(raw, dict):
                self.bad_components += 1
                continue
            comp = self._component(raw)
            if comp is not None:
                inv.components[comp.ref] = comp
        self._dependencies(doc.get("dependencies"), root_ref, inv)
        for comp in inv.components.values():
            comp.direct = self.explicit_direct.get(comp.ref, comp.ref in inv.direct)
        inv.direct = {comp.ref for comp in inv.components.values() if comp.direct}
        inv.diagnostics = _scan_diagnostics(metadata.get("properties"), self.path)
        self._report()
        return inv

    def _project(self, root: JsonDict | None,
                 ) -> tuple[ProjectInfo | None, ResolvedLicense | None, str | None]:
        if root is None:
            return None, None, None
        name = _str(root.get("name"))
        group = _str(root.get("group"))
        props = _props(root.get("properties"))
        lic = self._license(root.get("licenses"), "declared", props, "license",
                            name or "the root component")
        project = None
        if name:
            written = props.first("license-text") or _written(root.get("licenses"))
            project = ProjectInfo(f"{group}/{name}" if group else name,
                                  _str(root.get("version")), written,
                                  _str(root.get("description")))
        return project, lic, _str(root.get("bom-ref"))

    # --- components -------------------------------------------------------------------------

    def _component(self, c: JsonDict) -> Component | None:
        raw_ref = c.get("bom-ref")
        bom_ref = str(raw_ref) if raw_ref is not None and raw_ref != "" else None
        purl = _str(c.get("purl"))
        version = _str(c.get("version"))
        kind = c.get("type")
        if kind in _ENVIRONMENT_TYPES or (
                kind in _GROUP_TYPES and not purl and not version and not c.get("licenses")):
            if bom_ref is not None:
                self.groups.add(bom_ref)
            return None
        name = _str(c.get("name"))
        if name is None:
            self.bad_components += 1
            return None
        ecosystem, qualifiers = _purl_parts(purl) if purl else (None, {})
        ecosystem = ecosystem or "generic"
        group = _str(c.get("group"))
        if ecosystem == "pypi":
            name = canonical_name(name)
        elif group:
            name = f"{group}:{name}" if ecosystem == "maven" else f"{group}/{name}"
        label = f"{name} {version}" if version else name
        ref = self._ref(bom_ref, purl, name, version, label)
        props = _props(c.get("properties"))
        scope_text = c.get("scope")
        comp = Component(ref=ref, ecosystem=ecosystem, name=name, version=version, purl=purl,
                         scope=_SCOPES.get(scope_text, Scope.REQUIRED)
                         if isinstance(scope_text, str) else Scope.REQUIRED)
        if isinstance(kind, str) and kind:
            comp.component_type = kind
        comp.hashes = _hashes(c.get("hashes"))
        evidence: JsonDict = c["evidence"] if isinstance(c.get("evidence"), dict) else {}
        comp.occurrences = _occurrences(evidence, props)
        comp.license = self._license(c.get("licenses"), "declared", props, "license", label)
        comp.concluded = self._license(evidence.get("licenses"), "concluded", props,
                                       "concluded-license", label)
        if props.values:
            _apply_props(comp, props)
            direct = props.first("direct")
            if direct is not None:
                self.explicit_direct[ref] = direct == "true"
        comp.source = _source(props, qualifiers, c.get("externalReferences"))
        return comp

    def _ref(self, bom_ref: str | None, purl: str | None, name: str, version: str | None,
             label: str) -> str:
        base = bom_ref or purl or (f"{name}@{version}" if version else name)
        holders = self.repeated.setdefault(base, [])
        ref = base
        if base in self.used:
            n = len(holders) + 1
            while f"{base}#{n}" in self.used or f"{base}#{n}" in self.taken:
                n += 1
            ref = f"{base}#{n}"
        holders.append((label, ref))
        self.used.add(ref)
        if bom_ref is not None:
            self.refs.setdefault(bom_ref, ref)
        elif purl is not None:
            self.aliases.setdefault(purl, ref)
        return ref

    # --- licenses ---------------------------------------------------------------------------

    def _license(self, entries: object, default_ack: str, props: _Props, prefix: str,
                 label: str) -> ResolvedLicense | None:
        choices = _choices(entries)
        if not choices:
            return None
        used = [ch for ch in choices if ch.kind != "classifier"]
        if not used:
            combined = from_classifiers([ch.text for ch in choices])
            used = choices if combined is None else [
                _Choice("classifier", combined.original, combined, choices[0].acknowledgement)]
        for ch in used:
            self._note_unmapped(ch, label)
        if len(used) == 1:
            expression = used[0].normalized.expression
        else:
            expression = normalize(" AND ".join(f"({ch.normalized.expression})"
                                                for ch in used)).expression
        known = all(ch.normalized.known for ch in used) and props.first(
            f"{prefix}-unknown") != "true"
        kinds = {ch.kind for ch in used}
        source = props.first(f"{prefix}-source") or (
            f"sbom-{kinds.pop()}" if len(kinds) == 1 else "sbom-licenses")
        ack = next((ch.acknowledgement for ch in used if ch.acknowledgement), default_ack)
        written = "; ".join(ch.text for ch in used)
        original = props.first(f"{prefix}-text") or _shorten(written)
        score_text = props.first(f"{prefix}-score")
        try:
            score = float(score_text) if score_text is not None else None
        except ValueError:
            score = None
        return ResolvedLicense(expression, ack, source, props.first(f"{prefix}-location"),
                               known, original, score)

    def _note_unmapped(self, choice: _Choice, label: str) -> None:
        for part in choice.normalized.unknown_parts:
            if part.startswith("LicenseRef-"):  # already an unknown reference, as written
                continue
            key = _shorten(" ".join(part.split()), 80)
            first, count, expr = self.unmappable.get(key, (label, 0, ""))
            self.unmappable[key] = (first, count + 1, expr or normalize(part).expression)

    # --- dependencies -----------------------------------------------------------------------

    def _dependencies(self, deps: object, root_ref: str | None, inv: Inventory) -> None:
        edges: dict[str, list[str]] = {}
        for d in deps if isinstance(deps, list) else ():
            if not isinstance(d, dict) or d.get("ref") is None:
                continue
            targets = edges.setdefault(str(d["ref"]), [])
            if isinstance(d.get("dependsOn"), list):
                targets.extend(str(t) for t in d["dependsOn"] if t is not None)
        dangling: set[str] = set()

        def resolve(ref: str, seen: set[str]) -> set[str]:
            ours = self.refs.get(ref) or self.aliases.get(ref)
            if ours is not None:
                return {ours}
            if ref in self.groups:  # contract the edge through an environment node
                found: set[str] = set()
                if ref not in seen:
                    seen.add(ref)
                    for target in edges.get(ref, ()):
                        found |= resolve(target, seen)
                return found
            if ref != root_ref:
                dangling.add(ref)
            return set()

        for source, targets in edges.items():
            if source in self.groups:
                continue
            if source == root_ref and source not in self.refs:
                for target in targets:
                    inv.direct |= resolve(target, set())
                continue
            ours = self.refs.get(source) or self.aliases.get(source)
            if ours is None:
                dangling.add(source)
                continue
            found: set[str] = set()
            for target in targets:
                found |= resolve(target, set())
            found.discard(ours)
            if found:
                inv.dependencies.setdefault(ours, set()).update(found)
        if dangling:
            shown = ", ".join(repr(r) for r in sorted(dangling)[:5])
            more = f" and {len(dangling) - 5} more" if len(dangling) > 5 else ""
            self.diagnostics.append(_diag(self.path, (
                f"dependencies name {len(dangling)} bom-ref(s) that no component has "
                f"({shown}{more}); those edges are ignored")))

    # --- reporting --------------------------------------------------------------------------

    def _report(self) -> None:
        for base, holders in self.repeated.items():
            if len(holders) < 2:
                continue
            what = f"bom-ref {base!r}" if base in self.refs else f"{base!r} (no bom-ref)"
            labels = ", ".join(label for label, _ in holders[:5])
            renamed = ", ".join(repr(ref) for _, ref in holders[1:6])
            self.diagnostics.append(_diag(self.path, (
                f"{what} is used by {len(holders)} components ({labels}); the repeats are "
                f"read as {renamed}, and dependencies naming {base!r} go to the first")))
        if self.bad_components:
            self.diagnostics.append(_diag(self.path, (
                f"{self.bad_components} component(s) have no name or are not objects; "
                "skipped"), severity="error"))
        for i, (text, (first, count, expr)) in enumerate(self.unmappable.items()):
            if i == _MAX_LISTED:
                rest = len(self.unmappable) - _MAX_LISTED
                self.diagnostics.append(_diag(self.path, (
                    f"{rest} more license(s) could not be mapped to SPDX")))
                break
            where = first if count == 1 else f"{first} and {count - 1} more"
            self.diagnostics.append(_diag(self.path, (
                f"license {text!r} ({where}) could not be mapped to an SPDX license; "
                f"kept as {expr}")))


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + " [...]"


def _choices(entries: object) -> list[_Choice]:
    """The entries of a ``licenses`` array, read; empty ones (NOASSERTION) left out."""
    if not isinstance(entries, list):
        return []
    out: list[_Choice] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        choice: _Choice | None = None
        if "expression" in entry:
            text = _str(entry.get("expression"))
            if text:
                choice = _Choice("expression", text, normalize(text),
                                 _str(entry.get("acknowledgement")))
        elif isinstance(entry.get("license"), dict):
            choice = _license_object(entry["license"])
        if choice is not None and choice.normalized.method != "empty":
            out.append(choice)
    return out


def _walk(components: list[Any]) -> Iterator[Any]:
    """Components depth first, in document order, nested ``components`` included."""
    stack = list(reversed(components))
    while stack:
        c = stack.pop()
        yield c
        if isinstance(c, dict) and isinstance(c.get("components"), list):
            stack.extend(reversed(c["components"]))


def _license_object(lic: JsonDict) -> _Choice | None:
    """One ``license`` object: its id, else a name that maps, else its text identified, else
    its URL, else the name as an unknown license."""
    ack = _str(lic.get("acknowledgement"))
    spdx_id = _str(lic.get("id"))
    if spdx_id:
        return _Choice("license-id", spdx_id, normalize(spdx_id), ack)
    name = _str(lic.get("name"))
    named = None
    if name:
        named = _Choice("classifier" if _is_classifier(name) else "license-name", name,
                        normalize(name), ack)
        if named.normalized.known or named.kind == "classifier":
            return named
    text = lic.get("text")
    if named is not None and named.normalized.method == "text":  # a whole license text as name
        text = {"content": name}
    identified = _identify(text)
    if identified is not None:
        return _Choice("license-text", name or identified, NormalizedLicense(
            identified, name or identified, True, "text"), ack)
    url = _str(lic.get("url"))
    if url:
        by_url = normalize(url)
        if by_url.known:
            return _Choice("license-url", url, by_url, ack)
    return named


def _identify(text: object) -> str | None:
    """The licenses a ``license.text`` attachment holds, or None."""
    if not isinstance(text, dict):
        return None
    content = text.get("content")
    if not isinstance(content, str) or not content.strip() or len(content) > _MAX_LICENSE_TEXT:
        return None
    if text.get("encoding") == "base64":
        try:
            content = base64.b64decode(content, validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    from compliance.licenses.identify import identify_text
    from compliance.licenses.resolve import expression_from_matches

    return expression_from_matches(identify_text(content))


def _written(entries: object) -> str | None:
    """A ``licenses`` array as written, for :attr:`ProjectInfo.license`."""
    if not isinstance(entries, list):
        return None
    texts: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if _str(entry.get("expression")):
            texts.append(entry["expression"].strip())
        elif isinstance(entry.get("license"), dict):
            lic = entry["license"]
            text = _str(lic.get("id")) or _str(lic.get("name")) or _str(lic.get("url"))
            if text:
                texts.append(text)
    if not texts:
        return None
    return texts[0] if len(texts) == 1 else " AND ".join(f"({t})" for t in texts)


def _hashes(raw: object) -> list[Hash]:
    if not isinstance(raw, list):
        return []
    out: list[Hash] = []
    for h in raw:
        if isinstance(h, dict):
            alg, content = _str(h.get("alg")), _str(h.get("content"))
            if alg and content:
                found = Hash(alg, content.lower())
                if found not in out:
                    out.append(found)
    return out


def _occurrences(evidence: JsonDict, props: _Props) -> list[Location]:
    found: list[Location] = []
    occurrences = evidence.get("occurrences")
    if isinstance(occurrences, list):
        for occ in occurrences:
            if not isinstance(occ, dict):
                continue
            where = _str(occ.get("location"))
            if where is None:
                continue
            line = occ.get("line")
            if isinstance(line, int) and not isinstance(line, bool) and line > 0:
                found.append(Location(where, line))
                continue
            match = _LINE_SUFFIX.match(where)
            found.append(Location(match.group(1), int(match.group(2))) if match
                         else Location(where))
    for text in props.all("occurrence"):  # CycloneDX 1.4 from this tool
        match = _PATH_LINE.match(text)
        found.append(Location(match.group(1), int(match.group(2))) if match
                     else Location(text))
    if not found:
        found.extend(Location(p) for p in _identity_paths(evidence.get("identity")))
        found.extend(Location(p) for p in props.locations)
    return list(dict.fromkeys(found))


def _identity_paths(identity: object) -> list[str]:
    """Manifests named by ``evidence.identity`` (an object in 1.5, an array from 1.6)."""
    items = identity if isinstance(identity, list) else [identity]
    paths: list[str] = []
    for item in items:
        methods = item.get("methods") if isinstance(item, dict) else None
        for m in methods if isinstance(methods, list) else ():
            if isinstance(m, dict) and m.get("technique") == "manifest-analysis":
                value = _str(m.get("value"))
                if value:
                    paths.append(value)
    return paths


def _apply_props(comp: Component, props: _Props) -> None:
    """This tool's facts, from its ``compliance:*`` properties."""
    comp.constraint = props.first("version-constraint")
    comp.kinds = {_KINDS[k] for k in props.all("declared-by") if k in _KINDS}
    comp.groups = set(props.all("group"))
    comp.extras = set(props.all("extra"))
    comp.markers = set(props.all("marker"))
    comp.editable = props.first("editable") == "true"
    comp.extra_indexes = set(props.all("extra-index-url"))
    component_type = props.first("component-type")  # a 1.4 SBOM has no model or data type
    if component_type:
        comp.component_type = component_type
    # facts without a field of their own (ml:format, ml:pickle-imports ...) round-trip as pairs
    comp.properties = tuple((name, value) for name, values in props.values.items()
                            if ":" in name and not name.startswith(("license-evidence:",))
                            for value in values)


def _vcs(vcs_url: str) -> tuple[str, str, str | None]:
    """``git+https://host/repo@rev`` -> (vcs, repository URL, revision)."""
    vcs, sep, rest = vcs_url.partition("+")
    if not sep or "://" in vcs:
        vcs, rest = "git", vcs_url
    scheme, sep, tail = rest.partition("://")
    repo, at, rev = tail.rpartition("@")
    if at and rev and "/" not in rev:  # not the user of ssh://git@host/repo
        return vcs, f"{scheme}{sep}{repo}", rev
    return vcs, rest, None


def _source(props: _Props, qualifiers: dict[str, str], refs: object) -> Source:
    """Where the package comes from: this tool's properties, else the purl's qualifiers."""
    vcs_url = qualifiers.get("vcs_url")
    vcs, vcs_repo, vcs_rev = _vcs(vcs_url) if vcs_url else (None, None, None)
    kind_text = props.first("source")
    if kind_text is not None:
        kind = _SOURCE_KINDS.get(kind_text, SourceKind.UNKNOWN)
        url = None
        if kind is SourceKind.REGISTRY:
            url = props.first("index-url")
        elif kind is SourceKind.PATH:
            url = props.first("path")
        elif kind is SourceKind.VCS:
            url = _reference(refs, "vcs") or vcs_repo
        elif kind is SourceKind.URL:
            url = _reference(refs, "distribution") or qualifiers.get("download_url")
        return Source(kind, url, vcs if kind is SourceKind.VCS else None,
                      props.first("vcs-revision"), props.first("vcs-commit"))
    if vcs_url:
        commit = vcs_rev if vcs_rev and _COMMIT.match(vcs_rev) else None
        return Source(SourceKind.VCS, vcs_repo, vcs, vcs_rev, commit)
    if "download_url" in qualifiers:
        return Source(SourceKind.URL, qualifiers["download_url"])
    index = qualifiers.get("repository_url")
    if index is None and "channel" in qualifiers:
        channel = qualifiers["channel"].strip("/")
        index = channel if "://" in channel else f"https://conda.anaconda.org/{channel}"
    if index:
        return Source(SourceKind.REGISTRY, index)
    local = _reference(refs, "distribution")
    if local and local.startswith("file:"):
        return Source(SourceKind.PATH, local)
    return Source()


def _reference(refs: object, kind: str) -> str | None:
    if not isinstance(refs, list):
        return None
    for r in refs:
        if isinstance(r, dict) and r.get("type") == kind:
            url = _str(r.get("url"))
            if url:
                return url
    return None


def _scan_diagnostics(props: object, path: str) -> list[Diagnostic]:
    """The producing scan's diagnostics, from this tool's ``compliance:diagnostic`` metadata
    properties (written as ``path:line: severity: message``)."""
    out: list[Diagnostic] = []
    if not isinstance(props, list):
        return out
    for p in props:
        if not isinstance(p, dict) or p.get("name") != _PREFIX + "diagnostic":
            continue
        value = p.get("value")
        if not isinstance(value, str):
            continue
        match = _DIAGNOSTIC.match(value)
        if match is None:
            out.append(Diagnostic(path, value, scanner="sbom"))
            continue
        line = match.group("line")
        out.append(Diagnostic(match.group("path"), match.group("msg"),
                              int(line) if line else None, match.group("sev")))
    return out
