"""The message catalog of human-readable reports: one data file per language.

Every user-facing string of the text, Markdown and HTML reports and of notices lives in
``compliance/data/messages/<lang>.yaml`` under a key; code asks for ``message(lang, key,
**params)``. A third language is a new file. License names and rule ids are never translated.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from typing import Any

import yaml

from compliance.errors import InputError

DEFAULT_LANG = "en"


@cache
def available() -> tuple[str, ...]:
    """The languages that have a catalog, sorted."""
    folder = resources.files("compliance") / "data" / "messages"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


@cache
def catalog(lang: str) -> dict[str, str]:
    """The messages of one language (keys -> format strings)."""
    path = resources.files("compliance") / "data" / "messages" / f"{lang}.yaml"
    data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader) or {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: a message catalog must be a mapping of keys to messages")
    return {str(k): str(v) for k, v in data.items()}


def resolve_lang(lang: str | None) -> str:
    """The report language: ``lang`` when given, else from the locale (LANGUAGE, LC_ALL,
    LC_MESSAGES, LANG: a Chinese locale gives zh-CN), else English."""
    if lang:
        for known in available():
            if known.lower() == lang.replace("_", "-").lower():
                return known
        raise InputError(f"--lang {lang}: no such language; available: "
                         f"{', '.join(available())}")
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if not value:
            continue
        code = value.split(":")[0].split(".")[0].replace("_", "-").lower()
        if code.startswith("zh") and "zh-CN" in available():
            return "zh-CN"
        return DEFAULT_LANG
    return DEFAULT_LANG


def message(lang: str, key: str, **params: object) -> str:
    """The message ``key`` in ``lang`` (falling back to English), formatted with ``params``."""
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key)
    if text is None:
        raise KeyError(f"message {key!r} is in no catalog")
    return text.format(**params) if params else text
