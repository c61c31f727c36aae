"""NTIA minimum elements: ntia_score and risk/sbom-quality."""

from __future__ import annotations

import pytest

from compliance.model import Severity
from compliance.risks import ntia
from compliance.risks.ntia import grade_for, ntia_score
from tests.risks.helpers import MANIFEST, comp, inventory


def _small():
    a = comp("requests", "2.32.3", direct=True)
    b = comp("idna", "3.7")
    c = comp("loose", None, kinds=[MANIFEST])  # no version, no place in the graph
    d = comp("meta-llama/Llama-3.1-8B", None, ecosystem="huggingface")  # supplier: meta-llama
    return inventory(a, b, c, d, dependencies={a.ref: {b.ref}})


def test_ntia_score_on_a_small_inventory() -> None:
    score = ntia_score(_small(), has_timestamp=True, author="compliance")
    shares = {e.key: (e.met, e.total) for e in score.elements}
    assert shares == {
        "supplier": (1, 4), "name": (4, 4), "version": (2, 4), "unique-id": (4, 4),
        "dependencies": (2, 4), "author": (1, 1), "timestamp": (1, 1),
    }
    # (0.25 + 1 + 0.5 + 1 + 0.5 + 1 + 1) / 7 = 0.75
    assert score.score == 75 and score.grade == "C" and score.components == 4
    assert score.element("version").percent == 50
    assert score.to_dict()["elements"]["supplier"]["share"] == 0.25


def test_author_and_timestamp_count() -> None:
    score = ntia_score(_small(), has_timestamp=False, author=None)
    assert score.element("author").met == 0 and score.element("timestamp").met == 0
    # (0.25 + 1 + 0.5 + 1 + 0.5) / 7 = 0.464
    assert score.score == 46 and score.grade == "F"


def test_empty_inventory_meets_the_component_elements() -> None:
    score = ntia_score(inventory(), has_timestamp=True, author="x")
    assert score.score == 100 and score.grade == "A"


@pytest.mark.parametrize(("score", "grade"), [(100, "A"), (90, "A"), (89, "B"), (80, "B"),
                                              (79, "C"), (70, "C"), (60, "D"), (59, "F"), (0, "F")])
def test_grades(score, grade) -> None:
    assert grade_for(score) == grade


def test_sbom_quality_is_info_at_or_above_60() -> None:
    found = ntia.check_sbom_quality(_small())
    assert len(found) == 1
    f = found[0]
    assert f.rule == "risk/sbom-quality" and f.severity is Severity.INFO and f.pack == "risks"
    assert f.component_ref is None
    assert "75/100" in f.message and "grade C" in f.message and "supplier name 25%" in f.message
    assert "supplier" in f.fix and "lock" in f.fix


def test_sbom_quality_warns_below_60() -> None:
    found = ntia.check_sbom_quality(_small(), has_timestamp=False, author=None)
    assert found[0].severity is Severity.WARNING and "46/100" in found[0].message
    assert "timestamp" in found[0].fix and "author" in found[0].fix
