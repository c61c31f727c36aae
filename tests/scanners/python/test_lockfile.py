"""The lock scanners' shared TOML reader: same values as tomllib, same lines, errors with lines."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.errors import ParseError
from compliance.model import Hash, ScanResult
from compliance.scanners.python import lockfile
from compliance.scanners.python.lockfile import LockBuilder, TomlLines, load_toml
from compliance.scanners.python.pdm_lock import parse_pdm_lock
from compliance.scanners.python.poetry_lock import parse_poetry_lock
from compliance.scanners.python.pylock import parse_pylock
from compliance.scanners.python.uv_lock import parse_uv_lock

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "python" / "locks"
PARSERS: dict[str, tuple[Callable[[str, str], ScanResult], str]] = {
    "uv.lock": (parse_uv_lock, "package"),
    "poetry.lock": (parse_poetry_lock, "package"),
    "pdm.lock": (parse_pdm_lock, "package"),
    "pylock.toml": (parse_pylock, "packages"),
    "pylock.spec.toml": (parse_pylock, "packages"),
}
GOOD = sorted(
    p.relative_to(FIX).as_posix() for p in FIX.rglob("*")
    if p.name in PARSERS and "truncated" not in p.parts
)


def plain(value: Any) -> Any:
    """Dates compare as their TOML text would (the fast reader keeps them as strings)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return "<datetime>"
    if isinstance(value, str) and lockfile._DATE.fullmatch(value) and value[:1].isdigit():
        return "<datetime>"
    return value


def test_there_are_fixtures() -> None:
    assert len(GOOD) >= 15


@pytest.mark.parametrize("rel", GOOD)
def test_reader_gives_what_tomllib_gives(rel: str) -> None:
    text = (FIX / rel).read_text()
    data, _ = load_toml(text, rel, PARSERS[Path(rel).name][1])
    assert plain(data) == plain(tomllib.loads(text))


@pytest.mark.parametrize("rel", [r for r in GOOD if not r.endswith("spec.toml")])
def test_lock_writer_output_takes_the_fast_path(rel: str) -> None:
    text = (FIX / rel).read_text()
    lockfile._fast_parse(text, PARSERS[Path(rel).name][1], TomlLines())  # no _Unsupported


@pytest.mark.parametrize("rel", GOOD)
def test_fallback_gives_the_same_scan(rel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values and lines agree whichever reader ran."""
    parse = PARSERS[Path(rel).name][0]
    text = (FIX / rel).read_text()
    fast = parse(text, rel)

    def refuse(*_: object) -> dict[str, Any]:
        raise lockfile._Unsupported

    monkeypatch.setattr(lockfile, "_fast_parse", refuse)
    slow = parse(text, rel)
    assert plain(slow) == plain(fast)
    assert [d.location.line for d in slow.declarations] == [
        d.location.line for d in fast.declarations]


def test_crlf_line_ends_read_the_same() -> None:
    text = (FIX / "uv/uv.lock").read_text()
    assert plain(parse_uv_lock(text.replace("\n", "\r\n"), "uv.lock")) == plain(
        parse_uv_lock(text, "uv.lock"))


@pytest.mark.parametrize(("text", "line"), [
    ('a = 1\na = 2\n', 2),  # a key twice
    ('[t]\nx = 1\n[t]\ny = 2\n', 3),  # a table twice
    ('x = [\n  "a"\n  "b"\n]\n', 3),  # elements without a comma
    ('x = [\n  "a",\n', 2),  # an array never closed: the last line
    ('x = {a = 1,}\n', 1),  # a trailing comma in an inline table
    ('[[p]]\nname = "x"\n[p]\n', 3),  # an array of tables made a table
    ('x = 0123\n', 1),  # a leading zero
    ('x = "a\\qb"\n', 1),  # an unknown escape
    ('name = "x\n', 1),  # an unterminated string
])
def test_invalid_toml_raises_parse_error_at_the_line(text: str, line: int) -> None:
    with pytest.raises(ParseError) as err:
        load_toml(text, "x.lock", "package", "`x lock`")
    assert err.value.line == line
    assert err.value.detail.startswith("is not valid TOML (")
    assert err.value.detail.endswith("regenerate it with `x lock`")


@pytest.mark.parametrize("text", [
    'a = "quote \\" backslash \\\\ tab \\t unicode \\u00e9 \\U0001F600"\n',
    "a = 'literal \\ string'\nb = \"x\"\n",
    'a = """multi\nline"""\n',
    '"quoted key" = { "k q" = [1, 2.5, -3, true, "s"], n = { m = {} } }\n',
    '[[package]]\nname = "x" # a comment with "quotes"\nsize = 1_000\n[package.sub]\nk = 1\n',
    'x = [\n    # a comment\n    { a = 1 },\n\n    { a = 2 }\n]\ny = []\n',
    'a.b = 1\n',
    'when = 1979-05-27T07:32:00Z\nday = 1979-05-27\nf = inf\n',
    'x = "a"\r\ny = "b"\r\n',
])
def test_unusual_but_valid_toml_reads_like_tomllib(text: str) -> None:
    data, _ = load_toml(text, "x.lock", "package")
    assert plain(data) == plain(tomllib.loads(text))


def toml_string(text: str) -> str:
    escaped = []
    for ch in text:
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


_keys = st.from_regex(r"[a-z][a-z0-9_-]{0,6}", fullmatch=True)
_texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_scalars = st.one_of(_texts.map(toml_string), st.integers(-10**6, 10**6).map(str),
                     st.booleans().map(lambda b: "true" if b else "false"))
_inline = st.dictionaries(_keys, _scalars, max_size=3).map(
    lambda d: "{ " + ", ".join(f"{k} = {v}" for k, v in d.items()) + " }" if d else "{}")


@st.composite
def lock_documents(draw: st.DrawFn) -> str:
    """Lock-shaped TOML with arbitrary strings in it."""
    out = [f"{k} = {v}" for k, v in draw(st.dictionaries(_keys, _scalars, max_size=3)).items()]
    for _ in range(draw(st.integers(0, 4))):
        out.append("\n[[package]]")
        fields = draw(st.dictionaries(_keys, st.one_of(_scalars, _inline), max_size=4))
        fields.pop("files", None)
        out += [f"{k} = {v}" for k, v in fields.items()]
        items = draw(st.lists(st.one_of(_inline, _scalars), max_size=4))
        out.append("files = [")
        out += [f"    {item}," for item in items]
        out.append("]")
        deps = draw(st.dictionaries(_keys, st.one_of(_scalars, _inline), max_size=3))
        if deps:
            out.append("\n[package.dependencies]")
            out += [f"{k} = {v}" for k, v in deps.items()]
    return "\n".join(out) + "\n"


@settings(max_examples=60, deadline=None)
@given(lock_documents())
def test_any_lock_shaped_document_reads_like_tomllib(text: str) -> None:
    data, lines = load_toml(text, "x.lock", "package")
    assert data == tomllib.loads(text)
    assert len(lines.entries) == len(data.get("package", []))


def test_hashes_are_deduplicated_and_unknown_ones_reported() -> None:
    out = LockBuilder("uv.lock", "python-uv-lock", "`uv lock`")
    digest = "9ea561782ce4d90ef3bd9d30719264b6830ad670f5aa340124b24a41bff5fd76"
    got = out.hashes([f"sha256:{digest}", f"SHA256:{digest.upper()}", "md4:abcd",
                      f"sha512:{'ab' * 64}"], "certifi", 31)
    assert got == (Hash("SHA-256", digest), Hash("SHA-512", "ab" * 64))
    [diag] = out.result.diagnostics
    assert (diag.line, diag.severity) == (31, "warning")
    assert "'md4:abcd'" in diag.message and "certifi" in diag.message


def test_keys_are_unique() -> None:
    out = LockBuilder("x.lock", "x", "`x lock`")
    assert [out.new_key("Torch", "2.4.1"), out.new_key("torch", "2.4.1"),
            out.new_key("transformers", "4.45.2", ("torch",)), out.new_key("my_utils", None)] == [
        "torch@2.4.1", "torch@2.4.1#2", "transformers[torch]@4.45.2", "my-utils"]


def test_manifest_requirements_cover_every_pyproject_style() -> None:
    data = tomllib.loads('''
[project]
dependencies = ["transformers[torch]>=4.40", "numpy"]
[project.optional-dependencies]
serve = ["vllm>=0.5; sys_platform == 'linux'"]
[dependency-groups]
test = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff"]
[tool.poetry.dependencies]
python = "^3.10"
torch = {version = "^2.3", extras = ["cuda"]}
wandb = {version = "*", optional = true}
[tool.poetry.extras]
tracking = ["wandb"]
[tool.poetry.group.docs.dependencies]
mkdocs = "^1.6"
[tool.pdm.dev-dependencies]
bench = ["pytest-benchmark"]
''')
    assert sorted(lockfile.manifest_requirements(data), key=str) == sorted([
        ("torch", ("cuda",), "^2.3", None),
        ("wandb", (), "*", ("extra", "tracking")),
        ("mkdocs", (), "^1.6", ("group", "docs")),
        ("transformers", ("torch",), ">=4.40", None),
        ("numpy", (), None, None),
        ("vllm", (), ">=0.5", ("extra", "serve")),
        ("pytest", (), ">=8", ("group", "test")),
        ("ruff", (), None, ("group", "lint")),
        ("pytest-benchmark", (), None, ("group", "bench")),
    ], key=str)
