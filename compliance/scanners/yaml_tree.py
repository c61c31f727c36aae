"""YAML read as events into a small tree that keeps line numbers, safely.

``yaml.safe_load`` expands aliases without bound (a "billion laughs" document) and the C loader
crashes the interpreter on very deep nesting; :func:`load_yaml_tree` reads the event stream and
refuses both before anything grows: more than :data:`MAX_ALIASES` anchors and aliases, nesting
deeper than :data:`MAX_DEPTH`, more than one document. Used by every scanner that reads YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from compliance.errors import ParseError

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: More anchors or aliases than this and the document is refused (environment files use none).
MAX_ALIASES = 16
#: Deeper nesting than this is refused (an environment file needs three levels).
MAX_DEPTH = 64

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})



# ---------------------------------------------------------------------------------------------
# YAML -> a small tree with lines
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class YamlScalar:
    """A scalar as written, with its line and whether it was plain (unquoted)."""

    value: str
    line: int
    plain: bool

    @property
    def is_null(self) -> bool:
        """True for a plain ``null`` / ``~`` / empty value."""
        return self.plain and self.value in _NULLS


@dataclass(slots=True)
class YamlSeq:
    """A sequence and its line."""

    line: int
    items: list[YamlNode] = field(default_factory=list)


@dataclass(slots=True)
class YamlMap:
    """A mapping (pairs in document order) and its line."""

    line: int
    pairs: list[tuple[YamlNode, YamlNode]] = field(default_factory=list)
    key: YamlNode | None = None  # a key waiting for its value while building

    def get(self, name: str) -> YamlNode | None:
        """The value of the key ``name``, if any."""
        for key, value in self.pairs:
            if isinstance(key, YamlScalar) and key.value == name:
                return value
        return None


YamlNode = YamlScalar | YamlSeq | YamlMap


def _yaml_error(path: str, e: yaml.YAMLError) -> ParseError:
    if isinstance(e, yaml.MarkedYAMLError):
        problem = e.problem or "invalid YAML"
        context = f" ({e.context})" if e.context else ""
        line = e.problem_mark.line + 1 if e.problem_mark is not None else None
        return ParseError(path, f"is not valid YAML: {problem}{context}", line)
    return ParseError(path, f"is not valid YAML: {e}")


def load_yaml_tree(path: str, text: str) -> YamlNode | None:
    """Parse one YAML document into scalars / sequences / mappings that keep their lines.

    Raises :class:`ParseError` for invalid YAML (with the line), for more than
    :data:`MAX_ALIASES` anchors or aliases, for nesting deeper than :data:`MAX_DEPTH` and for
    more than one document. The checks run on the event stream, before anything grows.
    """
    root: YamlNode | None = None
    stack: list[YamlSeq | YamlMap] = []
    anchors: dict[str, YamlNode] = {}
    aliases = documents = 0

    def add(node: YamlNode) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        top = stack[-1]
        if isinstance(top, YamlSeq):
            top.items.append(node)
        elif top.key is None:
            top.key = node
        else:
            top.pairs.append((top.key, node))
            top.key = None

    try:
        for event in yaml.parse(text, Loader=_LOADER):
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases + len(anchors) > MAX_ALIASES:
                    raise ParseError(path, f"uses more than {MAX_ALIASES} YAML anchors and "
                                     "aliases; refused (an alias bomb can expand without bound)",
                                     line)
                target = anchors.get(event.anchor or "")
                if target is None:
                    raise ParseError(path, f"is not valid YAML: alias *{event.anchor} names no "
                                     "anchor defined before it", line)
                add(target)
                continue
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise ParseError(path, "holds more than one YAML document; one is expected",
                                     line)
                continue
            node: YamlNode
            if isinstance(event, yaml.ScalarEvent):
                node = YamlScalar(event.value, line or 0, not event.style)
            elif isinstance(event, yaml.SequenceStartEvent):
                node = YamlSeq(line or 0)
            elif isinstance(event, yaml.MappingStartEvent):
                node = YamlMap(line or 0)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                stack.pop()
                continue
            else:
                continue
            if event.anchor:
                anchors[event.anchor] = node
                if aliases + len(anchors) > MAX_ALIASES:
                    raise ParseError(path, f"uses more than {MAX_ALIASES} YAML anchors and "
                                     "aliases; refused (an alias bomb can expand without bound)",
                                     line)
            add(node)
            if isinstance(node, (YamlSeq, YamlMap)):
                if len(stack) >= MAX_DEPTH:
                    raise ParseError(path, f"nests YAML collections more than {MAX_DEPTH} deep; "
                                     "refused", line)
                stack.append(node)
    except yaml.YAMLError as e:
        raise _yaml_error(path, e) from e
    return root


