"""``compliance notice``: the third-party notices a distributor ships with the product."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli import exit_codes
from compliance.cli.output import write_output
from compliance.inputs import load_inventory
from compliance.notice import build_notice
from compliance.policy.config import load_config
from compliance.policy.evaluate import apply_curations
from compliance.report.messages import message, resolve_lang
from compliance.report.notice import NoticeFormat, render
from compliance.scan import ScanConfig


@click.command("notice")
@click.argument("target", metavar="[PATH | SBOM_FILE]", default=".",
                type=click.Path(path_type=Path))
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE|-",
              help="Where to write the notice; '-' is stdout.")
@click.option("--format", "fmt", type=click.Choice([f.value for f in NoticeFormat]),
              default=NoticeFormat.TEXT.value, show_default=True, help="Notice format.")
@click.option("--lang", metavar="en|zh-CN",
              help="Language of the notice's own wording (license texts stay as written). "
                   "[default: from the locale]")
@click.option("--python", "pythons", multiple=True, type=click.Path(path_type=Path, exists=True),
              metavar="INTERPRETER_OR_SITE_PACKAGES",
              help="Read licenses and license files from this installed environment too "
                   "(as for scan). Repeatable.")
@click.option("--include-dev", is_flag=True,
              help="Also list development-only components (dev, test and docs groups).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="FILE",
              help="The policy file whose curations correct licenses. [default: found in PATH, "
                   "or the current folder for an SBOM]")
@click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
              help="Skip paths matching this glob when scanning PATH. Repeatable.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
@click.pass_context
def notice_command(
    ctx: click.Context,
    target: Path,
    output: str,
    fmt: str,
    lang: str | None,
    pythons: tuple[Path, ...],
    include_dev: bool,
    config_path: Path | None,
    excludes: tuple[str, ...],
    quiet: bool,
) -> int:
    """Write the third-party notices to ship with the product: every component under its
    license, with the license text, the copyright lines and the NOTICE files it ships.

    PATH is scanned first (as `compliance scan` does; a .venv/ inside it, or --python, gives
    the packages' license files); an SBOM_FILE is read instead, and then the standard license
    texts are shown, since an SBOM does not carry the packages' own files. Curations in the
    policy file apply. Components with no known license are listed last, in a group of their
    own: find out their license before distributing them.

    \b
    Examples:
      compliance notice . -o THIRD_PARTY_NOTICES.txt
      compliance notice . --format html --lang zh-CN -o notices.html
      compliance notice sbom.cdx.json --format markdown
    """
    chosen_lang = resolve_lang(lang)
    scan_config = ScanConfig(excludes=excludes, python_environments=pythons,
                             debug=bool(ctx.obj and ctx.obj.get("debug")))
    loaded = load_inventory(target, scan_config)
    inventory, diagnostics = loaded.inventory, loaded.diagnostics
    root, scan_root = loaded.policy_root, loaded.scan_root
    if scan_root is None and pythons and not quiet:
        click.echo("compliance: --python applies to a scanned PATH; it is ignored for an SBOM",
                   err=True)
    config = load_config(root, config_path)
    apply_curations(inventory, config)
    notice = build_notice(inventory, include_dev=include_dev, scan_root=scan_root)
    write_output(output, render(notice, NoticeFormat(fmt), chosen_lang))
    for diag in [*diagnostics, *notice.diagnostics]:
        if not quiet or diag.severity == "error":
            click.echo(f"compliance: {diag}", err=True)
    if not quiet:
        where = "stdout" if output == "-" else output
        click.echo("compliance: " + message(
            chosen_lang, "notice.stderr_summary", components=notice.component_count,
            licenses=notice.license_count, unknown=notice.unknown_count,
            excluded=0 if include_dev else notice.excluded, where=where), err=True)
    return exit_codes.OK
