"""``compliance licenses identify``: which licenses do these files hold?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from compliance.licenses.identify import LicenseMatch, identify_file


def _as_json(results: list[tuple[Path, list[LicenseMatch]]]) -> str:
    doc: dict[str, Any] = {
        "results": [
            {
                "path": str(path),
                "licenses": [
                    {"spdx": m.spdx, "score": m.score, "start_line": m.start_line,
                     "end_line": m.end_line}
                    for m in matches
                ],
            }
            for path, matches in results
        ]
    }
    return json.dumps(doc, indent=2)


def _as_text(results: list[tuple[Path, list[LicenseMatch]]]) -> str:
    out: list[str] = []
    for path, matches in results:
        if not matches:
            out.append(f"{path}: no license text found")
            continue
        out.append(f"{path}:")
        for m in matches:
            lines = (f"line {m.start_line}" if m.start_line == m.end_line
                     else f"lines {m.start_line}-{m.end_line}")
            out.append(f"  {m.spdx}  score {m.score:.2f}  {lines}")
    return "\n".join(out)


@click.command("identify")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def identify_command(files: tuple[Path, ...], fmt: str) -> int:
    """Identify the license texts in FILE... (LICENSE, COPYING, NOTICE, source headers).

    For each file, prints every license text it holds, in order, with its SPDX id, a score
    (0-1: how closely the text matches the reference, 1 = verbatim) and its line range. A file
    that only mentions a license ("Licensed under the MIT license") holds no license text.
    Binary files and files over 5 MiB give no match. Nothing is executed or fetched.

    \b
    Examples:
      compliance licenses identify LICENSE
      compliance licenses identify LICENSE* COPYING --format json
    """
    results: list[tuple[Path, list[LicenseMatch]]] = []
    for path in files:
        try:
            matches = identify_file(path)
        except OSError as e:
            raise click.BadParameter(f"cannot read {path}: {e.strerror or e}",
                                     param_hint="FILE...") from e
        results.append((path, matches))
    click.echo(_as_json(results) if fmt == "json" else _as_text(results))
    return 0
