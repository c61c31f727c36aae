"""Rule packs: YAML files of license rules, validated by ``rules/schema.json`` when they load.

A pack has an ``id``, a ``description``, optional ``extends`` (other packs whose rules it
includes) and ``rules``. A rule says which license terms it matches (ids or globs, catalog
families, OSI approval, deprecated or unknown ids, use restrictions, network clauses, the
compatibility engine's outcome, or no license at all), how severe a match is for each use
(``distributed``, ``network``, ``internal``), which component scopes it covers, why, and what
to do. ``rules/README.md`` documents the format and each shipped pack; this module only reads
and checks files. Matching happens in :mod:`compliance.policy.evaluate`.

A pack is named either by a path to a YAML file (``--rules ./policy/my.yaml``) or by the name
of a shipped pack (``--rules asf`` reads ``rules/asf.yaml`` from :func:`packs_dir`).
"""

from __future__ import annotations

import datetime
import functools
import importlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from compliance.errors import ComplianceError
from compliance.model import Severity

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _YamlLoader(_SafeLoader):
    """Safe loading, with dates kept as the text written (JSON Schema checks their format)."""


def _as_text(loader: Any, node: yaml.Node) -> Any:
    return node.value


_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)

__all__ = [
    "DEFAULT_SCOPES",
    "OUTCOMES",
    "USES",
    "Condition",
    "DataDocument",
    "Pack",
    "PolicyError",
    "Rule",
    "compile_schema",
    "is_pack_path",
    "load_pack",
    "load_packs",
    "packs_dir",
    "plain_data",
    "read_data_file",
    "schema_error",
    "shipped_packs",
]

USES = ("distributed", "network", "internal")
"""How the project's result is used, weakest duty last."""
OUTCOMES = ("denied", "unknown", "obligations")
"""Outcomes of the compatibility engine a rule can match (``allowed`` never makes a finding)."""
DEFAULT_SCOPES = frozenset({"required", "optional"})

RULE_LANGUAGES = ("zh-CN",)
"""The languages a rule may give its reason and fix in too (``reason_zh-CN``, ``fix_zh-CN``)."""
"""Scopes a rule covers unless it says otherwise: dev (``excluded``) components are left out."""

_MAX_FILE = 4 * 1024 * 1024
_ANY = "*"  # severity key for "whatever the compatibility outcome"


class PolicyError(ComplianceError):
    """A rule pack or project policy file is wrong: names the file and the place inside it."""

    def __init__(self, message: str, *, path: str | None = None, where: str | None = None,
                 line: int | None = None) -> None:
        self.path = path
        self.where = where
        self.line = line
        self.detail = message
        text = message
        if where:
            text = f"{where}: {text}"
        if path:
            text = f"{path}: {text}"
        if line:
            text = f"{text} (line {line})"
        super().__init__(text)


@dataclass(frozen=True)
class Condition:
    """Conditions on one license term; every condition that is set must hold.

    ``licenses`` holds lower-case globs; ``None`` means "not asked". ``compat`` (outcomes of
    the compatibility engine) and ``no_license`` are not about one term and stand alone.
    """

    licenses: tuple[str, ...] = ()
    families: frozenset[str] | None = None
    osi_approved: bool | None = None
    deprecated: bool | None = None
    unknown: bool | None = None
    use_restricted: bool | None = None
    network_clause: bool | None = None
    no_license: bool = False
    compat: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One rule of a pack. Findings it makes are named ``<pack>/<id>`` (:attr:`full_id`)."""

    id: str
    pack: str  # the pack that defines it (an inherited rule keeps its pack)
    match: tuple[Condition, ...]  # any of them
    unless: tuple[Condition, ...]  # a term matching any of these is outside the rule
    severity: Mapping[str, Mapping[str, Severity | None]]  # outcome or "*" -> use -> level
    scopes: frozenset[str]
    reason: str
    fix: str
    source: str  # the file it was read from
    title: str | None = None
    translations: tuple[tuple[str, str, str], ...] = ()  # (lang, reason, fix): reason_<lang>...

    def localized(self, lang: str) -> tuple[str, str]:
        """The reason and fix in ``lang`` (``reason_zh-CN``, ``fix_zh-CN``), else in English."""
        for code, reason, fix in self.translations:
            if code == lang:
                return reason, fix
        return self.reason, self.fix

    @property
    def full_id(self) -> str:
        """The stable finding id: ``<pack>/<rule>``."""
        return f"{self.pack}/{self.id}"

    @property
    def kind(self) -> str:
        """``compat`` (asks the compatibility engine), ``no-license`` or ``terms``."""
        if any(c.compat for c in self.match):
            return "compat"
        if any(c.no_license for c in self.match):
            return "no-license"
        return "terms"

    @property
    def outcomes(self) -> frozenset[str]:
        """For a ``compat`` rule, the engine outcomes it reports."""
        return frozenset(o for c in self.match for o in c.compat)

    def severity_for(self, use: str, outcome: str | None = None) -> Severity | None:
        """The severity of a match for this use (and compat outcome); None when allowed."""
        by_use = self.severity.get(_ANY)
        if by_use is None and outcome is not None:
            by_use = self.severity.get(outcome)
        return None if by_use is None else by_use.get(use)


@dataclass(frozen=True)
class Pack:
    """A loaded pack: its own rules and the rules it inherits through ``extends``."""

    id: str
    description: str
    source: str  # the file, as shown in messages
    extends: tuple[str, ...]
    rules: tuple[Rule, ...]


# ----------------------------------------------------------------------------- locations


def packs_dir() -> Path:
    """The folder of the shipped packs: ``rules/`` beside the package in a source checkout,
    ``compliance/data/rules`` in an installed wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "rules", package / "data" / "rules"):
        if (candidate / "schema.json").is_file() and (candidate / "default.yaml").is_file():
            return candidate
    raise PolicyError("the shipped rule packs are missing (looked for rules/ beside the "
                      "package and compliance/data/rules): reinstall compliance")


def shipped_packs() -> list[str]:
    """Names of the packs that ship with the tool, sorted."""
    return sorted(p.stem for p in packs_dir().glob("*.yaml"))


@dataclass
class SchemaValidator:
    """A schema, checked fast with jsonschema-rs; explained with jsonschema when it fails.

    Importing ``jsonschema`` costs about a second where its format extras are installed (they
    build parsers at import), so the common case, a valid file, never imports it: only a file
    that breaks the schema does, to name the most useful violation.
    """

    schema: dict[str, Any]
    fast: Any

    def is_valid(self, data: Any) -> bool:
        """True when ``data`` satisfies the schema (formats checked)."""
        return bool(self.fast.is_valid(data))

    @functools.cached_property
    def explaining(self) -> Any:
        """The pure-Python validator, for messages (``jsonschema`` has no stubs: ``Any``)."""
        jsonschema = importlib.import_module("jsonschema")
        cls = jsonschema.validators.validator_for(self.schema)
        cls.check_schema(self.schema)
        return cls(self.schema, format_checker=cls.FORMAT_CHECKER)


def compile_schema(path: Path) -> SchemaValidator:
    """A validator (the draft the schema names, formats checked) for a schema file."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    return SchemaValidator(schema, jsonschema_rs.validator_for(schema, validate_formats=True))


@functools.cache
def _validator() -> Any:
    return compile_schema(packs_dir() / "schema.json")


# ----------------------------------------------------------------------------- shared helpers


def _pointer(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_of(node: yaml.Node | None, parts: Sequence[str | int]) -> int | None:
    """The 1-based line of the value at ``parts`` in a composed YAML document."""
    line = None if node is None else node.start_mark.line + 1
    for part in parts:
        if isinstance(node, yaml.MappingNode):
            found = None
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    found = value
                    break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


@dataclass
class DataDocument:
    """A parsed data file: its content and a way to find the line of a place in it."""

    data: Any
    display: str
    node: yaml.Node | None = None
    prefix: tuple[str | int, ...] = ()  # where ``data`` sits in the file (TOML table path)

    def line(self, parts: Sequence[str | int]) -> int | None:
        """The 1-based line of the value at ``parts``, when the file format tells it."""
        return _line_of(self.node, parts) if self.node is not None else None

    def error(self, message: str, parts: Sequence[str | int] = ()) -> PolicyError:
        """A :class:`PolicyError` about the value at ``parts`` of this document."""
        return PolicyError(message, path=self.display,
                           where=_pointer([*self.prefix, *parts]) or None,
                           line=self.line(parts))


def plain_data(value: Any) -> Any:
    """YAML and TOML dates as ISO strings, so that JSON Schema sees JSON types."""
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_data(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def read_data_file(path: Path, display: str) -> DataDocument:
    """Read a YAML file for validation (size-limited, safe loader, line numbers kept)."""
    try:
        size = path.stat().st_size
        if size > _MAX_FILE:
            raise PolicyError(f"file too large ({size} bytes)", path=display)
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(f"cannot read: {e.strerror or e}", path=display) from e
    except UnicodeDecodeError as e:
        raise PolicyError("not UTF-8 text", path=display) from e
    try:
        node = yaml.compose(text, Loader=_YamlLoader)
        data = yaml.load(text, Loader=_YamlLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise PolicyError(f"not valid YAML: {problem}", path=display,
                          line=mark.line + 1 if mark is not None else None) from e
    return DataDocument(plain_data(data), display, node)


def _fits(error: Any) -> bool:
    """False for an error that only says the value is of another kind than a branch wants."""
    if error.validator == "type":
        return False
    if error.validator in ("enum", "const"):
        values = error.validator_value if error.validator == "enum" else [error.validator_value]
        return any(type(v) is type(error.instance) for v in values)
    return True


def _deepest(error: Any, best_match: Any) -> Any:
    """Inside anyOf/oneOf, the error of the branch meant for this kind of value: the branch
    with the fewest errors among those whose type fits (the first such branch on a tie)."""
    while error.context:
        branches: dict[int, list[Any]] = {}
        for e in error.context:
            branch = e.relative_schema_path[0] if e.relative_schema_path else 0
            branches.setdefault(branch, []).append(e)
        fitting = [(len(errs), b, errs) for b, errs in branches.items()
                   if all(_fits(e) for e in errs)]
        if not fitting:
            break
        _, _, errors = min(fitting, key=lambda t: (t[0], t[1]))
        error = best_match(errors)
    return error


def schema_error(validator: SchemaValidator, doc: DataDocument) -> PolicyError | None:
    """The most useful schema violation in ``doc``, as a :class:`PolicyError`, or None."""
    if validator.is_valid(doc.data):
        return None
    best_match = importlib.import_module("jsonschema.exceptions").best_match
    error = best_match(validator.explaining.iter_errors(doc.data))
    if error is None:
        return None
    error = _deepest(error, best_match)
    return doc.error(error.message, list(error.absolute_path))


# ----------------------------------------------------------------------------- parsing


def _flatten(items: Iterable[Any]) -> tuple[str, ...]:
    out: list[str] = []
    for item in items:
        if isinstance(item, list):
            out.extend(str(i).strip().lower() for i in item)
        else:
            out.append(str(item).strip().lower())
    return tuple(dict.fromkeys(out))


def _condition(raw: Mapping[str, Any]) -> Condition:
    compat = raw.get("compat", ())
    return Condition(
        licenses=_flatten(raw.get("licenses", ())),
        families=frozenset(raw["families"]) if "families" in raw else None,
        osi_approved=raw.get("osi_approved"),
        deprecated=raw.get("deprecated"),
        unknown=raw.get("unknown"),
        use_restricted=raw.get("use_restricted"),
        network_clause=raw.get("network_clause"),
        no_license=bool(raw.get("no_license", False)),
        compat=(compat,) if isinstance(compat, str) else tuple(compat),
    )


def _conditions(raw: Any) -> list[Mapping[str, Any]]:
    return list(raw) if isinstance(raw, list) else [raw]


def _by_use(raw: Any) -> dict[str, Severity | None]:
    if isinstance(raw, str):
        level = None if raw == "allow" else Severity(raw)
        return {use: level for use in USES}
    return {use: None if raw.get(use, "allow") == "allow" else Severity(raw[use]) for use in USES}


def _severity(raw: Any) -> dict[str, dict[str, Severity | None]]:
    if isinstance(raw, dict) and set(raw) & set(OUTCOMES):
        return {outcome: _by_use(value) for outcome, value in raw.items()}
    return {_ANY: _by_use(raw)}


def _rule(doc: DataDocument, index: int, raw: Mapping[str, Any], pack_id: str) -> Rule:
    here: list[str | int] = ["rules", index]
    match = _conditions(raw["match"])
    unless = _conditions(raw.get("unless", []))
    for key, conds in (("match", match), ("unless", unless)):
        standalone = [k for c in conds for k in ("compat", "no_license") if k in c]
        if key == "unless" and standalone:
            raise doc.error(f"'{standalone[0]}' cannot be used in 'unless'", [*here, key])
        if standalone and (len(conds) > 1 or len(conds[0]) > 1):
            raise doc.error(f"'{standalone[0]}' must stand alone: a rule on it has one "
                            "condition and nothing else in it", [*here, key])
    severity = _severity(raw["severity"])
    rule = Rule(
        id=raw["id"],
        pack=pack_id,
        match=tuple(_condition(c) for c in match),
        unless=tuple(_condition(c) for c in unless),
        severity=severity,
        scopes=frozenset(raw.get("scopes", DEFAULT_SCOPES)),
        reason=" ".join(raw["reason"].split()),
        fix=" ".join(raw["fix"].split()),
        source=doc.display,
        title=raw.get("title"),
        translations=tuple(
            (lang, " ".join(raw[f"reason_{lang}"].split()),
             " ".join(raw.get(f"fix_{lang}", raw["fix"]).split()))
            for lang in RULE_LANGUAGES if f"reason_{lang}" in raw),
    )
    if _ANY not in severity and rule.kind != "compat":
        raise doc.error("a severity per outcome (denied, unknown, obligations) is only for "
                        "rules that match on 'compat'", [*here, "severity"])
    return rule


# ----------------------------------------------------------------------------- loading


def is_pack_path(spec: str | Path) -> bool:
    """True when ``spec`` names a pack by path (a ``/``, or a ``.yaml``/``.yml`` ending)
    rather than by the name of a shipped pack."""
    if isinstance(spec, Path):
        return True
    return "/" in spec or "\\" in spec or spec.endswith((".yaml", ".yml"))


class _Loader:
    """Loads packs, resolving ``extends``; one instance per call of :func:`load_packs`."""

    def __init__(self) -> None:
        self.loaded: dict[Path, Pack] = {}
        self.stack: list[tuple[Path, str]] = []

    def locate(self, spec: str | Path, near: Path | None) -> tuple[Path, str, str | None]:
        """The file of ``spec``, its display name, and the name it was asked by (if any)."""
        if is_pack_path(spec):
            path = Path(spec)
            if not path.is_file():
                raise PolicyError("no such rule pack file", path=str(spec))
            return path, str(spec), None
        name = str(spec)
        if near is not None and (near / f"{name}.yaml").is_file():
            return near / f"{name}.yaml", str(near / f"{name}.yaml"), name
        shipped = packs_dir() / f"{name}.yaml"
        if shipped.is_file():
            return shipped, f"rules/{name}.yaml", name
        raise PolicyError(f"unknown rule pack {name!r}: shipped packs are "
                          f"{', '.join(shipped_packs())}; or give the path of a YAML file")

    def load(self, spec: str | Path, near: Path | None = None) -> Pack:
        path, display, name = self.locate(spec, near)
        key = path.resolve()
        if key in self.loaded:
            return self.loaded[key]
        if any(k == key for k, _ in self.stack):
            chain = " -> ".join([d for _, d in self.stack] + [display])
            raise PolicyError(f"packs extend each other in a cycle: {chain}",
                              path=self.stack[-1][1], where="extends")
        self.stack.append((key, display))
        try:
            pack = self._parse(path, display, name)
        finally:
            self.stack.pop()
        self.loaded[key] = pack
        return pack

    def _parse(self, path: Path, display: str, name: str | None) -> Pack:
        doc = read_data_file(path, display)
        if not isinstance(doc.data, dict):
            raise doc.error("a rule pack is a mapping with id, description and rules")
        error = schema_error(_validator(), doc)
        if error is not None:
            raise error
        data = doc.data
        pack_id: str = data["id"]
        if name is not None and pack_id != name:
            raise doc.error(f"{pack_id!r} differs from the file name {name!r}: a pack found "
                            "by name must carry that name", ["id"])
        own: list[Rule] = []
        seen: set[str] = set()
        for index, raw in enumerate(data["rules"]):
            if raw["id"] in seen:
                raise doc.error(f"duplicate rule id {raw['id']!r}", ["rules", index, "id"])
            seen.add(raw["id"])
            own.append(_rule(doc, index, raw, pack_id))
        extends = tuple(data.get("extends", ()))
        if pack_id in extends:
            raise doc.error("a pack cannot extend itself", ["extends"])
        rules: list[Rule] = []
        for parent_name in extends:
            try:
                parent = self.load(parent_name, near=path.parent)
            except PolicyError as e:
                if e.path is None:  # an unknown name: say which file asked for it
                    raise doc.error(e.detail, ["extends"]) from e
                raise
            for rule in parent.rules:
                if all(r.full_id != rule.full_id for r in rules):
                    rules.append(rule)
        for rule in own:  # a rule with an inherited rule's id replaces it, in its place
            at = next((i for i, r in enumerate(rules) if r.id == rule.id), None)
            if at is None:
                rules.append(rule)
            else:
                rules[at] = rule
        return Pack(pack_id, " ".join(data["description"].split()), display, extends,
                    tuple(rules))


def load_pack(spec: str | Path) -> Pack:
    """Load one pack: a shipped pack's name (``asf``) or the path of a YAML file.

    Raises :class:`PolicyError` naming the file and the place inside it when the file is not
    valid YAML, breaks the schema (``rules/my.yaml: rules[2].severity: 'fatal' is not one of
    [...]``), or extends an unknown pack or itself."""
    return _Loader().load(spec)


def load_packs(specs: Iterable[str | Path]) -> list[Pack]:
    """Load several packs at once (each as :func:`load_pack`); a pack named twice is loaded
    once. Two different files with the same pack id are an error: findings would clash."""
    loader = _Loader()
    packs: list[Pack] = []
    for spec in specs:
        pack = loader.load(spec)
        same = next((p for p in packs if p.id == pack.id), None)
        if same is None:
            packs.append(pack)
        elif same.source != pack.source:
            raise PolicyError(f"two packs have the id {pack.id!r} ({same.source} and "
                              f"{pack.source}): rename one", path=pack.source, where="id")
    return packs
