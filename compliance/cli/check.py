"""``compliance check``: may this repository (or SBOM) be used the way its owners intend?"""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli import exit_codes
from compliance.cli.output import write_output
from compliance.errors import InputError
from compliance.model import Diagnostic, Inventory
from compliance.policy.compat import Use
from compliance.policy.config import load_config
from compliance.policy.evaluate import evaluate_inventory
from compliance.policy.packs import load_packs
from compliance.report.base import CheckReport, ReportFormat, render
from compliance.report.text import summary_line
from compliance.sbom.read import looks_like_sbom, read_sbom
from compliance.scan import ScanConfig, scan_repository

FAIL_ON = ("error", "warning", "never")


def _inventory(target: Path, config: ScanConfig) -> tuple[Inventory, list[Diagnostic], Path]:
    """Scan a repository, or read an SBOM; returns the inventory, the problems met reading it,
    and the folder the policy file is looked for in."""
    if target.is_dir():
        inv = scan_repository(target, config).inventory
        return inv, list(inv.diagnostics), target
    if not target.exists():
        raise InputError(f"{target}: no such file or directory")
    if not looks_like_sbom(target):
        raise InputError(f"{target}: neither a repository folder nor a CycloneDX SBOM "
                         "(JSON or XML)")
    read = read_sbom(target)
    return read.inventory, [*read.diagnostics, *read.inventory.diagnostics], Path.cwd()


@click.command("check")
@click.argument("target", metavar="[PATH | SBOM_FILE]", default=".",
                type=click.Path(path_type=Path))
@click.option("--rules", "rules", multiple=True, metavar="NAME_OR_PATH",
              help="A rule pack to apply: a shipped pack (default, permissive-only, "
                   "no-strong-copyleft, no-network-copyleft, osi-approved, asf, ai-models) or a "
                   "YAML file. Repeatable. [default: the policy file's packs, else default]")
@click.option("--project-license", metavar="EXPR",
              help="The project's own license (SPDX expression). [default: the policy file, "
                   "else the project's metadata, else its LICENSE file; none: proprietary]")
@click.option("--use", type=click.Choice([u.value for u in Use]),
              help="How the result is used: internal (never leaves the organisation), network "
                   "(offered over a network), distributed (shipped). [default: the policy "
                   "file's, else distributed]")
@click.option("--fail-on", type=click.Choice(FAIL_ON),
              help="Exit 1 when a finding reaches this severity. [default: the policy file's, "
                   "else error]")
@click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="FILE",
              help="The policy file (.compliance.yaml or a pyproject.toml with "
                   "[tool.compliance]). [default: found in PATH, or the current folder for an "
                   "SBOM]")
@click.option("--format", "fmt", type=click.Choice([f.value for f in ReportFormat]),
              default=ReportFormat.TEXT.value, show_default=True, help="Report format.")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE|-",
              help="Where to write the report; '-' is stdout.")
@click.option("--python", "pythons", multiple=True, type=click.Path(path_type=Path, exists=True),
              metavar="INTERPRETER_OR_SITE_PACKAGES",
              help="Read licenses from this installed environment too (as for scan).")
@click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
              help="Skip paths matching this glob when scanning PATH. Repeatable.")
@click.option("--online", is_flag=True, help="Ask PyPI for licenses local evidence lacks.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
@click.pass_context
def check_command(
    ctx: click.Context,
    target: Path,
    rules: tuple[str, ...],
    project_license: str | None,
    use: str | None,
    fail_on: str | None,
    config_path: Path | None,
    fmt: str,
    output: str,
    pythons: tuple[Path, ...],
    excludes: tuple[str, ...],
    online: bool,
    quiet: bool,
) -> int:
    """Check licenses against rule packs for the project's use; exit 1 on violations.

    PATH is scanned first (as `compliance scan` does); an SBOM_FILE (CycloneDX JSON or XML from
    this tool, Syft, Trivy, cdxgen, cyclonedx-py ...) is read instead. Every finding names the
    rule, the component, the license term, the project's license and use, why it matters and
    what to do: choose the other license of an OR, move the package to a dev group, replace it,
    or add a waiver (a snippet to paste is shown).

    \b
    Exit codes: 0 nothing reaches --fail-on, 1 something does, 2 usage or input error.

    \b
    Examples:
      compliance check .
      compliance check . --use network --rules default --rules ai-models
      compliance check sbom.cdx.json --project-license Apache-2.0 --format json -o report.json
    """
    scan_config = ScanConfig(excludes=excludes, python_environments=pythons, online=online,
                             debug=bool(ctx.obj and ctx.obj.get("debug")))
    inventory, diagnostics, root = _inventory(target, scan_config)
    config = load_config(root, config_path)
    packs = load_packs(list(rules) if rules else config.pack_specs())
    chosen_use = use or config.use or Use.DISTRIBUTED.value
    result = evaluate_inventory(inventory, packs, config, use=chosen_use,
                                project_license=project_license)
    gate = fail_on or config.fail_on or "error"
    failed = result.failed(gate)
    notes = list(config.notes)
    if result.project_license is None:
        notes.append("the project declares no license: it is judged as proprietary "
                     "(set one with --project-license or `license:` in .compliance.yaml)")
    report = CheckReport(result, inventory, str(target), gate, failed, diagnostics, notes)
    write_output(output, render(report, ReportFormat(fmt)))
    if not quiet and (output != "-" or fmt != ReportFormat.TEXT.value):
        click.echo(f"compliance: {summary_line(report)}", err=True)
    return exit_codes.POLICY_VIOLATION if failed else exit_codes.OK
