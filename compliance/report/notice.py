"""Third-party notices as text, Markdown or self-contained HTML (``compliance notice``).

Each renderer takes a :class:`~compliance.notice.Notice` and a language; every human string
comes from the message catalog (keys ``notice.*``). License names, ids, package names and the
license texts themselves are never translated. The output holds nothing that changes between
runs or machines (no date, no tool version, no absolute path).
"""

from __future__ import annotations

import enum
import html
import re
import textwrap
import unicodedata
from collections.abc import Callable, Sequence

from compliance.notice import (
    LicenseGroup,
    Notice,
    NoticeComponent,
    NoticeFile,
    NoticeText,
    TextKind,
)
from compliance.report.messages import message

__all__ = ["NoticeFormat", "render", "render_html", "render_markdown", "render_text"]


class NoticeFormat(str, enum.Enum):
    """The formats a notice is written in."""

    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


# ----------------------------------------------------------------------------- shared


def _title(group: LicenseGroup, lang: str) -> str:
    return message(lang, "notice.unknown_group") if group.unknown else group.title


def _names(components: Sequence[NoticeComponent]) -> str:
    return ", ".join(c.label for c in components)


def _intro(notice: Notice, lang: str) -> list[str]:
    """The paragraphs at the top: what this is, what it holds, what was left out."""
    if not notice.groups:
        return [message(lang, "notice.empty", project=notice.project)]
    paras = [message(lang, "notice.intro", project=notice.project),
             message(lang, "notice.summary", components=notice.component_count,
                     licenses=notice.license_count)]
    if notice.unknown_count:
        paras.append(message(lang, "notice.summary_unknown", count=notice.unknown_count))
    if notice.include_dev:
        paras.append(message(lang, "notice.dev_included"))
    elif notice.excluded:
        paras.append(message(lang, "notice.dev_excluded", count=notice.excluded))
    if not notice.files_read:
        paras.append(message(lang, "notice.from_sbom"))
    return paras


def _text_heading(text: NoticeText, lang: str) -> str:
    if text.kind == TextKind.FILE:
        return message(lang, "notice.text_from_files", files=", ".join(text.files))
    if text.kind == TextKind.REFERENCE:
        return message(lang, "notice.text_reference", license=text.license)
    return message(lang, "notice.text_missing", license=text.license)


def _text_note(text: NoticeText, notice: Notice, lang: str) -> str | None:
    if text.kind == TextKind.REFERENCE:
        key = "notice.reference_note" if notice.files_read else "notice.reference_note_sbom"
        return message(lang, key)
    if text.kind == TextKind.MISSING:
        return message(lang, "notice.missing_note", license=text.license)
    return None


def _component_extra(comp: NoticeComponent, lang: str) -> str:
    parts = []
    if comp.declared:
        parts.append(message(lang, "notice.declared_as", text=comp.declared))
    if comp.curated:
        parts.append(message(lang, "notice.curated"))
    return "; ".join(parts)


def _group_notes(group: LicenseGroup, lang: str) -> list[str]:
    notes = []
    if group.unknown:
        notes.append(message(lang, "notice.unknown_note"))
        without = [c for c in group.components if not any(c in t.components for t in group.texts)]
        if without:
            notes.append(message(lang, "notice.unknown_no_file", components=_names(without)))
    elif len(group.licenses) > 1:
        notes.append(message(lang, "notice.licenses_in_expression", licenses="; ".join(
            f"{name} ({ident})" if name != ident else ident for ident, name in group.licenses)))
    return notes


# ----------------------------------------------------------------------------- text

_WIDTH = 78
_RULE = "=" * _WIDTH
_THIN = "-" * _WIDTH


def _display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _wrap(para: str) -> list[str]:
    """A paragraph of the notice's own wording wrapped to the page (never a license text, which
    is printed as written). Chinese text stays on one line: it has no spaces to break at."""
    if _display_width(para) != len(para):
        return [para]
    return textwrap.wrap(para, _WIDTH, break_long_words=False, break_on_hyphens=False) or [""]


def _text_block(text: NoticeText, notice: Notice, lang: str) -> list[str]:
    out = [_THIN, _text_heading(text, lang),
           message(lang, "notice.applies_to", components=_names(text.components))]
    note = _text_note(text, notice, lang)
    if note:
        out.append(note)
    if text.copyrights:
        out.append(message(lang, "notice.copyrights"))
        out.extend(f"  {line}" for line in text.copyrights)
    out.append(_THIN)
    if text.text:
        out.extend(["", text.text])
    out.append("")
    return out


def _text_notice_file(nf: NoticeFile, lang: str) -> list[str]:
    return [_THIN, message(lang, "notice.notice_from", files=", ".join(nf.files)),
            message(lang, "notice.applies_to", components=_names(nf.components)), _THIN, "",
            nf.text, ""]


def render_text(notice: Notice, lang: str = "en") -> str:
    """The notice as plain text (a ``THIRD_PARTY_NOTICES.txt``)."""
    title = message(lang, "notice.title", project=notice.project)
    out = [title, "=" * _display_width(title), ""]
    for para in _intro(notice, lang):
        out.extend([*_wrap(para), ""])
    if notice.groups:
        out.append(message(lang, "notice.contents"))
        for n, group in enumerate(notice.groups, 1):
            out.append(f"  {n}. {_title(group, lang)} ({len(group.components)})")
        out.append("")
    for n, group in enumerate(notice.groups, 1):
        out.extend([_RULE, f"{n}. {_title(group, lang)}", _RULE, ""])
        for note in _group_notes(group, lang):
            out.extend([*_wrap(note), ""])
        out.append(message(lang, "notice.components"))
        for comp in group.components:
            line = f"  - {comp.label}"
            if comp.purl:
                line += f"  {comp.purl}"
            extra = _component_extra(comp, lang)
            if extra:
                line += f"  ({extra})"
            out.append(line)
        out.append("")
        for text in group.texts:
            out.extend(_text_block(text, notice, lang))
        if group.notices:
            out.append(message(lang, "notice.notice_files"))
            if group.mentions_apache:
                out.extend(_wrap(message(lang, "notice.notice_apache")))
            out.append("")
            for nf in group.notices:
                out.extend(_text_notice_file(nf, lang))
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _md(text: str) -> str:
    """Inline Markdown with its special characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_code(text: str) -> str:
    """An inline code span that holds ``text`` whatever backticks it contains."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_fence(text: str) -> list[str]:
    longest = max((len(m) for m in re.findall(r"^ {0,3}(`{3,}|~{3,})", text, re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", text, fence]


def _md_anchor(n: int) -> str:
    return f"license-{n}"


def _md_text_block(text: NoticeText, notice: Notice, lang: str) -> list[str]:
    out = [f"#### {_md(_text_heading(text, lang))}", "",
           _md(message(lang, "notice.applies_to", components=_names(text.components))), ""]
    note = _text_note(text, notice, lang)
    if note:
        out.extend([f"*{_md(note)}*", ""])
    if text.copyrights:
        out.extend([f"**{_md(message(lang, 'notice.copyrights'))}**", ""])
        out.extend(f"- {_md(line)}" for line in text.copyrights)
        out.append("")
    if text.text:
        out.extend([*_md_fence(text.text), ""])
    return out


def render_markdown(notice: Notice, lang: str = "en") -> str:
    """The notice as Markdown (GitHub-flavoured; license texts in fenced blocks)."""
    out = [f"# {_md(message(lang, 'notice.title', project=notice.project))}", ""]
    for para in _intro(notice, lang):
        out.extend([_md(para), ""])
    if notice.groups:
        out.extend([f"## {_md(message(lang, 'notice.contents'))}", ""])
        for n, group in enumerate(notice.groups, 1):
            out.append(f"{n}. [{_md(_title(group, lang))}](#{_md_anchor(n)}) "
                       f"({len(group.components)})")
        out.append("")
    header = (f"| {_md(message(lang, 'notice.col_component'))} "
              f"| {_md(message(lang, 'notice.col_version'))} "
              f"| {_md(message(lang, 'notice.col_purl'))} |")
    for n, group in enumerate(notice.groups, 1):
        out.extend([f'<a id="{_md_anchor(n)}"></a>', "",
                    f"## {n}. {_md(_title(group, lang))}", ""])
        for note in _group_notes(group, lang):
            out.extend([_md(note), ""])
        out.extend([header, "|---|---|---|"])
        for comp in group.components:
            name = _md(comp.name)
            extra = _component_extra(comp, lang)
            if extra:
                name += f" ({_md(extra)})"
            purl = _md_code(comp.purl) if comp.purl else ""
            out.append(f"| {name} | {_md(comp.version or '')} | {purl} |")
        out.append("")
        if group.texts:
            out.extend(["### " + _md(message(lang, "notice.license_texts")), ""])
        for text in group.texts:
            out.extend(_md_text_block(text, notice, lang))
        if group.notices:
            out.extend([f"### {_md(message(lang, 'notice.notice_files'))}", ""])
            if group.mentions_apache:
                out.extend([_md(message(lang, "notice.notice_apache")), ""])
            for nf in group.notices:
                heading = message(lang, "notice.notice_from", files=", ".join(nf.files))
                out.extend([f"#### {_md(heading)}",
                            "", _md(message(lang, "notice.applies_to",
                                            components=_names(nf.components))),
                            "", *_md_fence(nf.text), ""])
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- HTML

_CSS = """\
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC",\
"Microsoft YaHei",sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1f2328;\
line-height:1.5}
h1{font-size:1.8rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
h2{font-size:1.4rem;margin-top:2.5rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
h3{font-size:1.15rem;margin-top:1.5rem}
h4{font-size:1rem;margin:1.2rem 0 .3rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.8rem;\
overflow-x:auto;white-space:pre-wrap;word-wrap:break-word;font-size:.85em}
.note{color:#59636e;font-style:italic}
.unknown{border-left:4px solid #cf222e;padding-left:.8rem}
ul.copyrights{margin:.2rem 0}
@media print{pre{white-space:pre-wrap;border:none}h2{page-break-before:always}}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_text_block(text: NoticeText, notice: Notice, lang: str) -> list[str]:
    out = ['<div class="license-text">', f"<h4>{_e(_text_heading(text, lang))}</h4>",
           f"<p>{_e(message(lang, 'notice.applies_to', components=_names(text.components)))}"
           "</p>"]
    note = _text_note(text, notice, lang)
    if note:
        out.append(f'<p class="note">{_e(note)}</p>')
    if text.copyrights:
        out.append(f"<p><strong>{_e(message(lang, 'notice.copyrights'))}</strong></p>")
        out.append('<ul class="copyrights">')
        out.extend(f"<li>{_e(line)}</li>" for line in text.copyrights)
        out.append("</ul>")
    if text.text:
        out.append(f"<pre>{_e(text.text)}</pre>")
    out.append("</div>")
    return out


def render_html(notice: Notice, lang: str = "en") -> str:
    """The notice as one self-contained HTML page (no scripts, no external resources)."""
    title = message(lang, "notice.title", project=notice.project)
    out = ["<!DOCTYPE html>", f'<html lang="{_e(lang)}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title)}</title>", f"<style>\n{_CSS}</style>", "</head>", "<body>",
           f"<h1>{_e(title)}</h1>"]
    out.extend(f"<p>{_e(para)}</p>" for para in _intro(notice, lang))
    if notice.groups:
        out.extend(["<nav>", f"<h2>{_e(message(lang, 'notice.contents'))}</h2>", "<ol>"])
        for n, group in enumerate(notice.groups, 1):
            out.append(f'<li><a href="#{_md_anchor(n)}">{_e(_title(group, lang))}</a> '
                       f"({len(group.components)})</li>")
        out.extend(["</ol>", "</nav>"])
    for n, group in enumerate(notice.groups, 1):
        cls = ' class="unknown"' if group.unknown else ""
        out.extend([f'<section id="{_md_anchor(n)}"{cls}>',
                    f"<h2>{n}. {_e(_title(group, lang))}</h2>"])
        out.extend(f"<p>{_e(note)}</p>" for note in _group_notes(group, lang))
        out.extend(["<table>", "<thead><tr>"
                    f"<th>{_e(message(lang, 'notice.col_component'))}</th>"
                    f"<th>{_e(message(lang, 'notice.col_version'))}</th>"
                    f"<th>{_e(message(lang, 'notice.col_purl'))}</th></tr></thead>", "<tbody>"])
        for comp in group.components:
            name = _e(comp.name)
            extra = _component_extra(comp, lang)
            if extra:
                name += f' <span class="note">({_e(extra)})</span>'
            purl = f"<code>{_e(comp.purl)}</code>" if comp.purl else ""
            out.append(f"<tr><td>{name}</td><td>{_e(comp.version or '')}</td>"
                       f"<td>{purl}</td></tr>")
        out.extend(["</tbody>", "</table>"])
        if group.texts:
            out.append(f"<h3>{_e(message(lang, 'notice.license_texts'))}</h3>")
        for text in group.texts:
            out.extend(_html_text_block(text, notice, lang))
        if group.notices:
            out.append(f"<h3>{_e(message(lang, 'notice.notice_files'))}</h3>")
            if group.mentions_apache:
                out.append(f"<p>{_e(message(lang, 'notice.notice_apache'))}</p>")
            for nf in group.notices:
                names = _names(nf.components)
                heading = message(lang, "notice.notice_from", files=", ".join(nf.files))
                out.extend(['<div class="notice-file">', f"<h4>{_e(heading)}</h4>",
                            f"<p>{_e(message(lang, 'notice.applies_to', components=names))}"
                            "</p>", f"<pre>{_e(nf.text)}</pre>",
                            "</div>"])
        out.append("</section>")
    out.extend(["</body>", "</html>"])
    return "\n".join(out) + "\n"


_RENDERERS: dict[NoticeFormat, Callable[[Notice, str], str]] = {
    NoticeFormat.TEXT: render_text,
    NoticeFormat.MARKDOWN: render_markdown,
    NoticeFormat.HTML: render_html,
}


def render(notice: Notice, fmt: NoticeFormat | str = NoticeFormat.TEXT, lang: str = "en") -> str:
    """Render ``notice`` in ``fmt`` (text, markdown, html) and ``lang``."""
    return _RENDERERS[NoticeFormat(fmt)](notice, lang)
