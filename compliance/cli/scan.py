"""``compliance scan``: a repository in, a CycloneDX SBOM out."""

from __future__ import annotations

import re
from pathlib import Path

import click

from compliance.cli import exit_codes
from compliance.cli.output import write_output
from compliance.cli.progress import stderr_progress
from compliance.errors import InputError, SbomError
from compliance.sbom.cyclonedx import SbomFormat, SpecVersion, build_document, to_json, to_xml
from compliance.sbom.validate import json_errors, xml_errors
from compliance.scan import ScanConfig, scan_repository
from compliance.scanners.base import DEFAULT_MAX_FILE_SIZE

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)


def _parse_size(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int:
    if value is None:
        return DEFAULT_MAX_FILE_SIZE
    m = _SIZE.match(value)
    if not m:
        raise click.BadParameter(f"{value!r} is not a size (examples: 64MiB, 500k, 1G)")
    unit = (m.group(2) or "b").lower()[0]
    return int(float(m.group(1)) * {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit])


@click.command("scan")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE|-",
              help="Where to write the SBOM; '-' is stdout.")
@click.option("--format", "fmt", type=click.Choice([f.value for f in SbomFormat]),
              default=SbomFormat.JSON.value, show_default=True, help="SBOM encoding.")
@click.option("--spec-version", type=click.Choice([v.value for v in SpecVersion]),
              default=SpecVersion.V1_6.value, show_default=True,
              help="CycloneDX specification version to write.")
@click.option("--python", "pythons", multiple=True, type=click.Path(path_type=Path, exists=True),
              metavar="INTERPRETER_OR_SITE_PACKAGES",
              help="Also inventory an installed environment: an interpreter, a virtualenv or a "
                   "site-packages folder. Read statically; the interpreter is never run. "
                   "Repeatable.")
@click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
              help="Skip paths matching this gitignore-style glob (relative to PATH). "
                   "Repeatable.")
@click.option("--no-gitignore", is_flag=True, help="Do not honour .gitignore files.")
@click.option("--max-file-size", callback=_parse_size, metavar="SIZE",
              help="Skip manifests larger than this, with a diagnostic. [default: 64MiB]")
@click.option("--online", is_flag=True,
              help="Ask the package registry (PyPI's JSON API) for the licenses that local "
                   "evidence does not give. Off by default: without it the scan uses no network. "
                   "Answers are cached on disk ($COMPLIANCE_CACHE_DIR).")
@click.option("--registry-url", default="https://pypi.org", show_default=True, metavar="URL",
              help="The PyPI-compatible JSON API to ask with --online (a mirror).")
@click.option("--output-reproducible", is_flag=True,
              help="Leave out the serial number and timestamp: same input, same bytes.")
@click.option("--strict", is_flag=True,
              help="Exit 2 when any diagnostic was raised (the SBOM is still written).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on stderr but errors.")
@click.pass_context
def scan_command(
    ctx: click.Context,
    path: Path,
    output: str,
    fmt: str,
    spec_version: str,
    pythons: tuple[Path, ...],
    excludes: tuple[str, ...],
    no_gitignore: bool,
    max_file_size: int,
    online: bool,
    registry_url: str,
    output_reproducible: bool,
    strict: bool,
    quiet: bool,
) -> int:
    """Scan PATH (default: the current folder) and write a CycloneDX SBOM.

    Finds every dependency declaration PATH holds: requirements files, pyproject.toml
    (PEP 621, PEP 735, Poetry, PDM, uv), setup.cfg, literal setup.py, conda environment
    files, and the poetry.lock, uv.lock, pdm.lock, Pipfile.lock and pylock.toml lockfiles.
    Nothing in PATH is executed. Files that cannot be read are reported on stderr and in the
    SBOM (metadata properties named compliance:diagnostic); the scan goes on.

    \b
    Examples:
      compliance scan . -o sbom.cdx.json
      compliance scan services/api --format cyclonedx-xml -o - | less
      compliance scan . --python .venv/bin/python --output-reproducible -o sbom.json
    """
    if not path.exists():
        raise InputError(f"{path}: no such directory")
    config = ScanConfig(
        excludes=excludes,
        use_gitignore=not no_gitignore,
        python_environments=pythons,
        max_file_size=max_file_size,
        online=online,
        registry_url=registry_url,
        debug=bool(ctx.obj and ctx.obj.get("debug")),
    )
    with stderr_progress(quiet) as progress:
        report = scan_repository(path, config, progress=progress)
    inv = report.inventory
    spec = SpecVersion(spec_version)
    doc = build_document(inv, spec, reproducible=output_reproducible)
    if fmt == SbomFormat.JSON.value:
        errors = json_errors(doc)
        text = to_json(doc)
    else:
        text = to_xml(doc)
        errors = xml_errors(text, spec.value)
    if errors:
        raise SbomError("the SBOM built for this repository does not validate against the "
                        f"CycloneDX {spec.value} schema (a bug in compliance, please report it): "
                        + "; ".join(errors))
    write_output(output, text)

    for diag in inv.diagnostics:
        if not quiet or diag.severity == "error":
            click.echo(f"compliance: {diag}", err=True)
    if not quiet:
        edges = sum(len(v) for v in inv.dependencies.values()) + len(inv.direct)
        where = "stdout" if output == "-" else output
        licensed = sum(1 for c in inv.components.values()
                       if (c.license and c.license.known) or c.concluded)
        click.echo(
            f"compliance: scanned {report.stats.files} files ({report.files_parsed} read by a "
            f"scanner): {len(inv.components)} components ({licensed} with a known license), "
            f"{edges} dependency edges, {len(inv.diagnostics)} diagnostics; CycloneDX "
            f"{spec.value} {'JSON' if fmt == SbomFormat.JSON.value else 'XML'} written to {where}",
            err=True,
        )
        if inv.components and licensed < len(inv.components):
            click.echo(
                f"compliance: {len(inv.components) - licensed} components have no known license. "
                "Lockfiles and requirements carry none: package licenses are read from an "
                "environment where the packages are installed (a .venv/ inside the repository "
                "is used automatically, or name one with --python)"
                + ("." if online else "; --online asks PyPI."),
                err=True,
            )
    if strict and inv.diagnostics:
        if not quiet:
            click.echo(f"compliance: --strict: {len(inv.diagnostics)} diagnostics; exit 2",
                       err=True)
        return exit_codes.USAGE_OR_INPUT
    return exit_codes.OK
