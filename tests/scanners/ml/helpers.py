"""Shared helpers for the ML scanner tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

import compliance.scanners.ml as ml
from compliance.model import Declaration

FIXTURES = Path(__file__).parent.parent.parent / "fixtures" / "ml"


@dataclasses.dataclass(slots=True)
class _WithFacts(Declaration):
    """Declaration with the two fields the ML scanners fill, until the model has them."""

    component_type: str = "library"
    properties: tuple[tuple[str, str], ...] = ()


@pytest.fixture
def facts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make the scanners' declarations carry ``component_type`` and ``properties``: the real
    Declaration once it has the fields, a stand-in subclass before."""
    names = {f.name for f in dataclasses.fields(Declaration)}
    if not {"component_type", "properties"} <= names:
        monkeypatch.setattr(ml, "Declaration", _WithFacts)
    yield


def props(decl: Declaration) -> dict[str, str]:
    """The declaration's properties as a dict (the last value of a repeated name wins)."""
    return dict(getattr(decl, "properties", ()))


def all_props(decl: Declaration, name: str) -> list[str]:
    """Every value of one property."""
    return [v for k, v in getattr(decl, "properties", ()) if k == name]


def ctype(decl: Declaration) -> str:
    """The declaration's component type."""
    return str(getattr(decl, "component_type", ""))
