"""``compliance licenses show ID``: what one license means, and where the facts come from."""

from __future__ import annotations

import json

import click

from compliance.cli import exit_codes
from compliance.licenses import catalog
from compliance.licenses.catalog import LicenseFacts

_FORMATS = ("text", "json")


def _yes_no(value: bool | None, yes: str = "yes", no: str = "no") -> str:
    if value is None:
        return "unknown"
    return yes if value else no


def format_text(facts: LicenseFacts) -> str:
    """A readable block of ``facts``, ending with a newline."""
    rows = [
        ("family", facts.family.value),
        ("OSI approved", _yes_no(facts.osi_approved)),
        ("FSF free/libre", "not listed" if facts.fsf_libre is None else _yes_no(facts.fsf_libre)),
        ("copyleft", facts.copyleft.value),
        ("network clause", _yes_no(facts.network_clause)),
        ("patent grant", _yes_no(facts.patent_grant)),
        ("patent retaliation", _yes_no(facts.patent_retaliation)),
        ("attribution", _yes_no(facts.attribution, "required", "not required")),
    ]
    if facts.is_exception:
        rows.append(("exception", "yes: added to a license with WITH; these facts describe the "
                                  "combination"))
    if facts.deprecated:
        replaced = f", replaced by {facts.replaced_by}" if facts.replaced_by else ""
        rows.append(("deprecated", f"yes{replaced}"))
    rows += [("url", facts.url or "none"), ("source", facts.source)]
    width = max(len(label) for label, _ in rows)
    lines = [f"{facts.id}: {facts.name}"]
    lines += [f"  {label.ljust(width)}  {value}" for label, value in rows]
    for title, items in (("use restrictions", facts.use_restrictions),
                         ("obligations", facts.obligations)):
        lines.append(f"  {title}:" + ("" if items else " none"))
        lines += [f"    - {item}" for item in items]
    return "\n".join(lines) + "\n"


@click.command("show")
@click.argument("license_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="text", show_default=True,
              help="text: a readable block; json: every fact as a JSON object.")
@click.pass_context
def show_command(ctx: click.Context, license_id: str, fmt: str) -> None:
    """Show what the license ID means: family, OSI/FSF status, copyleft scope, network clause,
    patent terms, duties and use restrictions, and where each fact comes from.

    ID is an SPDX id (MIT, GPL-2.0-or-later, deprecated ones too), a LicenseRef- id
    (LicenseRef-llama3.1, LicenseRef-scancode-...) or a known alias; case does not matter.
    An unknown ID exits with code 2 and suggests close ids.
    """
    facts = catalog.get(license_id)
    if facts is None:
        message = f"compliance: unknown license id {license_id!r}"
        close = catalog.suggest(license_id)
        if close:
            message += f"; did you mean {', '.join(close)}?"
        click.echo(message, err=True)
        ctx.exit(exit_codes.USAGE_OR_INPUT)
    if fmt == "json":
        click.echo(json.dumps(facts.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_text(facts), nl=False)
