"""``compliance licenses``: what licenses mean and how a text is identified."""

from __future__ import annotations

import click

from compliance.cli.licenses_identify import identify_command
from compliance.cli.licenses_show import show_command


@click.group("licenses")
def licenses_group() -> None:
    """What licenses mean, and which licenses a text holds."""


licenses_group.add_command(identify_command)
licenses_group.add_command(show_command)
