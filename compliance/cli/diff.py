"""``compliance diff OLD NEW``: what changed between two SBOMs."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli import exit_codes
from compliance.cli.output import write_output

_MAX_PROBLEMS = 10  # reading problems shown on stderr per run


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True,
              help="text for a terminal, json for machines, markdown for a pull-request comment.")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE|-",
              help="Where to write the diff; '-' is stdout.")
@click.option("--lang", metavar="en|zh-CN",
              help="Language of the text and Markdown output. [default: from the locale]")
@click.option("-q", "--quiet", is_flag=True,
              help="No summary line and no reading problems on stderr.")
def diff_command(old: Path, new: Path, fmt: str, output: str, lang: str | None,
                 quiet: bool) -> int:
    """Compare two CycloneDX SBOMs: components added, removed, upgraded or downgraded, and
    changes of license (declared or concluded) and of scope.

    OLD and NEW are CycloneDX JSON or XML from any tool (this one, Syft, Trivy, cdxgen,
    cyclonedx-py). A component is the same in both when its ecosystem and name are; the
    version, purl qualifiers and bom-ref may differ.

    \b
    Exit codes: 0 the diff was written (whatever it holds: a diff is information),
    2 usage error or an unreadable SBOM.

    \b
    Examples:
      compliance diff main.cdx.json pr.cdx.json
      compliance diff main.cdx.json pr.cdx.json --format markdown -o comment.md
      compliance diff old.cdx.xml new.cdx.json --format json
    """
    from compliance.diff import diff_sboms, render, summary_line
    from compliance.report.messages import resolve_lang

    language = resolve_lang(lang)
    diff, problems = diff_sboms(old, new)
    if not quiet:
        for problem in problems[:_MAX_PROBLEMS]:
            click.echo(f"compliance: warning: {problem}", err=True)
        if len(problems) > _MAX_PROBLEMS:
            click.echo(f"compliance: warning: {len(problems) - _MAX_PROBLEMS} more problem(s) "
                       "reading the SBOMs", err=True)
    write_output(output, render(diff, fmt, language))
    if not quiet and (output != "-" or fmt != "text"):
        click.echo(f"compliance: {summary_line(diff, 'en')}", err=True)
    return exit_codes.OK
