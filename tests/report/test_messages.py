"""The message catalogs: the same keys and placeholders in every language, and every key the
report code asks for exists."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import compliance.report
from compliance.report.messages import available, catalog, message

REPORT_DIR = Path(compliance.report.__file__).parent
# the formats whose keys are referenced as literals (message calls and key tables)
_KEYED_MODULES = ("text.py", "markdown.py", "html.py")
_OWN_KEY = re.compile(r"^(report|markdown|html)\.[A-Za-z0-9_.-]+$")


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _message_calls(source: str) -> list[tuple[int, str]]:
    """(line, key) of every ``message(lang, "key", ...)`` call with a literal key."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "message" and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)):
            calls.append((node.lineno, node.args[1].value))
    return calls


def _own_literals() -> set[str]:
    found: set[str] = set()
    for name in _KEYED_MODULES:
        for node in ast.walk(ast.parse((REPORT_DIR / name).read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and _OWN_KEY.match(node.value)):
                found.add(node.value)
    return found


def test_both_languages_exist() -> None:
    assert {"en", "zh-CN"} <= set(available())


@pytest.mark.parametrize("lang", ["zh-CN"])
def test_same_keys_in_every_language(lang: str) -> None:
    en, other = set(catalog("en")), set(catalog(lang))
    assert sorted(en - other) == [], f"missing in {lang}.yaml"
    assert sorted(other - en) == [], f"missing in en.yaml (only in {lang}.yaml)"


@pytest.mark.parametrize("lang", ["zh-CN"])
def test_same_placeholders(lang: str) -> None:
    en = catalog("en")
    wrong = {key: (sorted(_placeholders(en[key])), sorted(_placeholders(value)))
             for key, value in catalog(lang).items()
             if key in en and _placeholders(en[key]) != _placeholders(value)}
    assert wrong == {}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_template_formats(lang: str) -> None:
    for key, template in catalog(lang).items():
        params = {name: "x" for name in _placeholders(template)}
        assert isinstance(template.format(**params), str), key
        assert template.strip(), f"{key} is empty"


def test_every_message_call_names_a_key() -> None:
    keys = set(catalog("en"))
    missing = []
    for path in sorted(REPORT_DIR.glob("*.py")):
        for line, key in _message_calls(path.read_text(encoding="utf-8")):
            if key not in keys:
                missing.append(f"{path.name}:{line}: {key}")
    assert missing == []


def test_every_key_literal_of_the_human_reports_exists() -> None:
    """Keys looked up through tables (severity, family, scope) and plural bases."""
    keys = set(catalog("en"))
    missing = sorted(k for k in _own_literals()
                     if k not in keys and not {f"{k}.one", f"{k}.other"} <= keys)
    assert missing == []


def test_no_unused_keys_in_the_human_reports() -> None:
    used = _own_literals()
    unused = sorted(k for k in catalog("en") if _OWN_KEY.match(k) and k not in used
                    and k.rsplit(".", 1)[0] not in used)
    assert unused == []


def test_message_falls_back_and_fails_loudly() -> None:
    assert message("zh-CN", "report.verdict.fail") == "未通过"
    assert message("en", "report.count.error.other", n=3) == "3 errors"
    with pytest.raises(KeyError):
        message("en", "report.no-such-key")


def test_chinese_is_chinese() -> None:
    """Every zh-CN message of the human reports with words in it has Chinese in it."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    untranslated = []
    for key, value in catalog("zh-CN").items():
        if not _OWN_KEY.match(key):
            continue
        # placeholders, and names kept in English on purpose
        words = re.sub(r"\{[^}]*\}|Copyleft|AI|HTML|compliance", "", value)
        if re.search(r"[A-Za-z]{2,}", words) or (re.search(r"[A-Za-z]", words)
                                                 and not cjk.search(value)):
            untranslated.append(f"{key}: {value}")
    assert untranslated == []
