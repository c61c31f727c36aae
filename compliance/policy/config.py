"""The project's policy file: ``.compliance.yaml`` at the repository root, or the
``[tool.compliance]`` table of ``pyproject.toml``.

It says what the project's license is (overriding its metadata), how the project is used, which
rule packs apply, from which severity a check fails, which findings are accepted (waivers) and
which component licenses are corrected (curations). The file is validated against
``compliance/data/policy/config.schema.json``; an error names the file and the place in it
(``.compliance.yaml: waivers[0].reason: 'because' is not one of [...] (line 7)``).

* A **waiver** accepts findings: for one component (``purl``, or ``name`` glob with an optional
  ``version``), one license (the expression or one id of it), optionally some rules, with a
  ``reason`` from a fixed list and a ``comment``. A waiver past its ``expires`` date no longer
  applies and is itself reported (``config/expired-waiver``). Waivers change findings, never
  what notices and SBOMs say.
* A **curation** corrects a component's license (``license``: the SPDX expression it really
  is, ``comment``: how that is known). The correction is applied before any rule runs and is
  what notices and SBOMs say afterwards.
"""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
import functools
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.licenses.expression import is_valid_spdx, normalize
from compliance.model import Component, canonical_name
from compliance.policy.packs import (
    DataDocument,
    PolicyError,
    compile_schema,
    is_pack_path,
    plain_data,
    read_data_file,
    schema_error,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "CONFIG_FILES",
    "DEFAULT_PACKS",
    "NO_LICENSE",
    "WAIVER_REASONS",
    "Curation",
    "ProjectConfig",
    "Waiver",
    "find_config",
    "load_config",
    "parse_config",
]

DEFAULT_PACKS = ("default",)
"""The packs that apply when neither the command line nor the policy file names any."""
CONFIG_FILES = (".compliance.yaml", ".compliance.yml")
"""Project policy files looked for at the repository root, before pyproject.toml."""
WAIVER_REASONS = ("dynamic-linkage", "license-acquired", "not-distributed", "internal-tool",
                  "false-positive", "legal-approved", "dev-only")
NO_LICENSE = frozenset({"NONE", "NOASSERTION"})
"""What a waiver's ``license`` says to accept findings about a component without a license."""

_SCHEMA = Path(__file__).resolve().parent.parent / "data" / "policy" / "config.schema.json"
_MAX_FILE = 4 * 1024 * 1024


def _purl_base(purl: str) -> str:
    """A purl without qualifiers and subpath, lower-cased."""
    return purl.split("#", 1)[0].split("?", 1)[0].lower()


def _component_matches(purl: str | None, name: str | None, version: str | None,
                       comp: Component) -> bool:
    if purl is not None:
        if comp.purl is None:
            return False
        pattern = _purl_base(purl)
        target = _purl_base(comp.purl)
        if "@" not in pattern.rsplit("/", 1)[-1]:  # no version: every version
            target = target.rsplit("@", 1)[0] if "@" in target.rsplit("/", 1)[-1] else target
        return fnmatch.fnmatchcase(target, pattern)
    if name is None or not fnmatch.fnmatchcase(canonical_name(comp.name),
                                               canonical_name(name)):
        return False
    if version is None:
        return True
    return comp.version is not None and fnmatch.fnmatchcase(comp.version, version)


@dataclass(frozen=True)
class Waiver:
    """One accepted finding (or set of findings), as the policy file states it."""

    index: int
    license: str
    reason: str
    comment: str
    purl: str | None = None
    name: str | None = None
    version: str | None = None
    rules: tuple[str, ...] = ()
    expires: datetime.date | None = None
    source: str = CONFIG_FILES[0]
    line: int | None = None

    @property
    def target(self) -> str:
        """The component it names: the purl, or ``name`` (``@version``)."""
        if self.purl:
            return self.purl
        return f"{self.name}@{self.version}" if self.version else str(self.name)

    @property
    def label(self) -> str:
        """How messages name it: ``waiver #2 (.compliance.yaml:14: torch, GPL-3.0-only)``."""
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"waiver #{self.index + 1} ({where}: {self.target}, {self.license})"

    @property
    def waived_by(self) -> str:
        """What a waived finding records: ``reason: comment``."""
        return f"{self.reason}: {self.comment}"

    def expired(self, today: datetime.date) -> bool:
        """True after the ``expires`` day (the waiver applies through that day)."""
        return self.expires is not None and today > self.expires

    def matches_component(self, comp: Component) -> bool:
        """True when the waiver names this component (purl, or name glob and version)."""
        return _component_matches(self.purl, self.name, self.version, comp)

    def matches_rule(self, rule_id: str) -> bool:
        """True when the waiver covers findings of ``rule_id`` (``<pack>/<rule>``)."""
        if not self.rules:
            return True
        bare = rule_id.split("/", 1)[-1]
        return any(fnmatch.fnmatchcase(rule_id, p) if "/" in p else fnmatch.fnmatchcase(bare, p)
                   for p in self.rules)


@dataclass(frozen=True)
class Curation:
    """A corrected license for the components it names."""

    index: int
    license: str
    comment: str
    purl: str | None = None
    name: str | None = None
    version: str | None = None
    source: str = CONFIG_FILES[0]
    line: int | None = None

    @property
    def location(self) -> str:
        """``file:line`` of the curation."""
        return f"{self.source}:{self.line}" if self.line else self.source

    def matches_component(self, comp: Component) -> bool:
        """True when the curation names this component (purl, or name glob and version)."""
        return _component_matches(self.purl, self.name, self.version, comp)


@dataclass(frozen=True)
class ProjectConfig:
    """The project's policy settings; every field is empty when the project has no file."""

    path: str | None = None  # the file it was read from, as shown in messages
    kind: str = "none"  # ".compliance.yaml", "pyproject.toml" or "none"
    license: str | None = None
    use: str | None = None
    packs: tuple[str, ...] = ()
    fail_on: str | None = None
    waivers: tuple[Waiver, ...] = ()
    curations: tuple[Curation, ...] = ()
    notes: tuple[str, ...] = ()  # things worth telling the user (a file that was ignored)
    root: str | None = None  # the folder relative pack paths are read from

    def pack_specs(self, default: Sequence[str] = DEFAULT_PACKS) -> list[str | Path]:
        """The packs to load (``default`` when the file names none), with pack paths made
        relative to the repository root rather than the working directory."""
        specs: list[str | Path] = []
        for spec in self.packs or default:
            if is_pack_path(spec) and self.root is not None and not Path(spec).is_absolute():
                specs.append(Path(self.root) / spec)
            else:
                specs.append(spec)
        return specs


@functools.cache
def _validator() -> Any:
    return compile_schema(_SCHEMA)


def _check_expression(doc: DataDocument, parts: Sequence[str | int], value: str,
                      allow_none: bool = False) -> str:
    text = " ".join(value.split())
    if allow_none and text.upper() in NO_LICENSE:
        return text.upper()
    if is_valid_spdx(text):
        return text
    hint = normalize(text)
    better = f" (did you mean {hint.expression!r}?)" if hint.known else ""
    raise doc.error(f"{value!r} is not a valid SPDX license expression{better}", parts)


def _target(doc: DataDocument, parts: list[str | int], raw: Mapping[str, Any]) -> None:
    if "purl" not in raw and "name" not in raw:
        raise doc.error("needs 'purl' or 'name' to say which component it is about", parts)
    if "purl" in raw and ("name" in raw or "version" in raw):
        raise doc.error("give either 'purl' (with the version in it) or 'name' and "
                        "'version', not both", parts)


def parse_config(doc: DataDocument, kind: str, root: Path | None = None,
                 toml_lines: Sequence[int] = ()) -> ProjectConfig:
    """Validate and read one policy document (already parsed) into a :class:`ProjectConfig`.

    ``toml_lines`` are the lines of the ``[[...waivers]]`` headers of a TOML file, which has
    no other way to give line numbers."""
    data = doc.data
    if data is None:
        data = doc.data = {}
    if not isinstance(data, dict):
        raise doc.error("the policy file must be a mapping (license, use, packs, fail-on, "
                        "waivers, curations)")
    error = schema_error(_validator(), doc)
    if error is not None:
        raise error
    license_ = data.get("license")
    if license_ is not None:
        license_ = _check_expression(doc, ["license"], license_)
    waivers: list[Waiver] = []
    for i, raw in enumerate(data.get("waivers", [])):
        here: list[str | int] = ["waivers", i]
        _target(doc, here, raw)
        line = doc.line(here) or (toml_lines[i] if i < len(toml_lines) else None)
        waivers.append(Waiver(
            index=i,
            license=_check_expression(doc, [*here, "license"], raw["license"], allow_none=True),
            reason=raw["reason"],
            comment=raw["comment"].strip(),
            purl=raw.get("purl"),
            name=raw.get("name"),
            version=raw.get("version"),
            rules=tuple(raw.get("rules", ())),
            expires=datetime.date.fromisoformat(raw["expires"]) if "expires" in raw else None,
            source=doc.display,
            line=line,
        ))
    curations: list[Curation] = []
    for i, raw in enumerate(data.get("curations", [])):
        here = ["curations", i]
        _target(doc, here, raw)
        curations.append(Curation(
            index=i,
            license=_check_expression(doc, [*here, "license"], raw["license"]),
            comment=raw["comment"].strip(),
            purl=raw.get("purl"),
            name=raw.get("name"),
            version=raw.get("version"),
            source=doc.display,
            line=doc.line(here),
        ))
    return ProjectConfig(
        path=doc.display,
        kind=kind,
        license=license_,
        use=data.get("use"),
        packs=tuple(data.get("packs", ())),
        fail_on=data.get("fail-on"),
        waivers=tuple(waivers),
        curations=tuple(curations),
        root=str(root) if root is not None else None,
    )


def _read_pyproject(path: Path, display: str) -> tuple[dict[str, Any] | None, list[int]]:
    try:
        if path.stat().st_size > _MAX_FILE:
            raise PolicyError("file too large", path=display)
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as e:
        raise PolicyError(f"cannot read: {e.strerror or e}", path=display) from e
    except UnicodeDecodeError as e:
        raise PolicyError("not UTF-8 text", path=display) from e
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"not valid TOML: {e}", path=display) from e
    table = data.get("tool", {}).get("compliance") if isinstance(data.get("tool"), dict) \
        else None
    header = re.compile(r"^\s*\[\[\s*tool\s*\.\s*compliance\s*\.\s*waivers\s*\]\]")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if header.match(line)]
    return table, lines


def find_config(root: Path) -> Path | None:
    """The policy file of the repository at ``root``: ``.compliance.yaml`` (or ``.yml``),
    else a ``pyproject.toml`` that has a ``[tool.compliance]`` table; None when neither."""
    for name in CONFIG_FILES:
        if (root / name).is_file():
            return root / name
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table, _ = _read_pyproject(pyproject, "pyproject.toml")
        if table is not None:
            return pyproject
    return None


def load_config(root: Path | str, path: Path | str | None = None) -> ProjectConfig:
    """Read the project's policy: ``path`` when given (a YAML file, or a ``pyproject.toml``
    whose ``[tool.compliance]`` table is read), else what :func:`find_config` finds under
    ``root``. A project without a policy file gets an empty :class:`ProjectConfig`.

    Raises :class:`~compliance.policy.packs.PolicyError` naming the file and the place in it.
    """
    root = Path(root)
    notes: list[str] = []
    if path is None:
        found = find_config(root)
        if found is None:
            return ProjectConfig(root=str(root))
        display = found.name
        if found.name in CONFIG_FILES and (root / "pyproject.toml").is_file():
            table, _ = _read_pyproject(root / "pyproject.toml", "pyproject.toml")
            if table is not None:
                notes.append(f"{found.name} is used; the [tool.compliance] table of "
                             "pyproject.toml is ignored")
    else:
        found = Path(path)
        display = str(path)
        if not found.is_file():
            raise PolicyError("no such policy file", path=display)
    if found.name == "pyproject.toml":
        table, lines = _read_pyproject(found, display)
        doc = DataDocument(plain_data(table if table is not None else {}), display,
                        prefix=("tool", "compliance"))
        config = parse_config(doc, "pyproject.toml", root, lines)
    else:
        config = parse_config(read_data_file(found, display), ".compliance.yaml", root)
    if notes:
        config = dataclasses.replace(config, notes=tuple(notes))
    return config
