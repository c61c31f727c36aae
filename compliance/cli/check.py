"""``compliance check``: may this repository (or SBOM) be used the way its owners intend?"""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli import exit_codes
from compliance.cli.output import write_output
from compliance.cli.progress import stderr_progress
from compliance.inputs import load_inventory
from compliance.model import Finding, Severity
from compliance.policy.compat import Use
from compliance.policy.config import load_config
from compliance.policy.evaluate import evaluate_inventory
from compliance.policy.packs import load_packs
from compliance.report.base import CheckReport, ReportFormat, render
from compliance.report.text import summary_line
from compliance.scan import ScanConfig

FAIL_ON = ("error", "warning", "never")


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
@click.option("--baseline", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              metavar="FILE",
              help="A previous JSON report or SBOM: only findings not in it can fail the check; "
                   "the report still lists the others as known.")
@click.option("--lang", metavar="en|zh-CN",
              help="Language of text, Markdown and HTML reports. [default: from the locale]")
@click.option("--risks", "with_risks", is_flag=True,
              help="Also run the supply-chain risk checks (pinning, hashes, VCS commits, URLs "
                   "and indexes, typosquats, unknown licenses, model files, SBOM quality); their "
                   "findings count for --fail-on like the others.")
@click.option("--risk-checks", "risk_checks", multiple=True, metavar="ID[,ID...]",
              help="Run only these risk checks: an id (risk/typosquat), a name (typosquat), a "
                   "family (pinning, sources, typosquat, licenses, ai, ntia) or a glob "
                   "(risk/*-license). Repeatable. Implies --risks.")
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
    baseline: Path | None,
    lang: str | None,
    with_risks: bool,
    risk_checks: tuple[str, ...],
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
      compliance check . --risks --fail-on warning
      compliance check . --risk-checks pinning,typosquat
    """
    obj = ctx.obj or {}
    scan_config = ScanConfig(excludes=excludes, python_environments=pythons, online=online,
                             debug=bool(obj.get("debug")),
                             identify_cache=obj.get("identify_cache"))
    with stderr_progress(quiet) as progress:
        loaded = load_inventory(target, scan_config, progress=progress)
    inventory, diagnostics = loaded.inventory, loaded.diagnostics
    root, sbom_facts = loaded.policy_root, loaded.sbom_facts
    config = load_config(root, config_path)
    packs = load_packs(list(rules) if rules else config.pack_specs())
    chosen_use = use or config.use or Use.DISTRIBUTED.value
    result = evaluate_inventory(inventory, packs, config, use=chosen_use,
                                project_license=project_license)
    if with_risks or risk_checks:
        from compliance.risks import add_to_result, run_checks

        select = [s.strip() for spec in risk_checks for s in spec.split(",") if s.strip()] or None
        add_to_result(result, run_checks(inventory, select=select, **sbom_facts))
    gate = fail_on or config.fail_on or "error"
    known: list[Finding] = []
    if baseline is not None:
        from compliance.report.baseline import load_baseline, split_known

        result.findings, known = split_known(result.findings, load_baseline(baseline))
        for severity in Severity:
            result.summary[severity.value] = sum(
                1 for f in result.findings if f.severity is severity)
        result.summary["known"] = len(known)
    failed = result.failed(gate)
    notes = list(config.notes)
    if result.project_license is None:
        notes.append("the project declares no license: it is judged as proprietary "
                     "(set one with --project-license or `license:` in .compliance.yaml)")
    from compliance.report.messages import resolve_lang

    report = CheckReport(result, inventory, str(target), gate, failed, diagnostics, notes,
                         known, resolve_lang(lang))
    if fmt == ReportFormat.TEXT.value and output != "-":
        from compliance.report import text as text_report

        # a file gets the plain report even when stdout is a terminal
        rendered = text_report.render(report, color=False, table=False)
    else:
        rendered = render(report, ReportFormat(fmt))
    write_output(output, rendered)
    if not quiet and (output != "-" or fmt != ReportFormat.TEXT.value):
        click.echo(f"compliance: {summary_line(report)}", err=True)
    return exit_codes.POLICY_VIOLATION if failed else exit_codes.OK
