"""``compliance hook``: ``compliance check`` for a pre-commit hook, fast on every commit.

The verdict depends on the whole project together (every manifest and lockfile, the policy
file, the project's license, and the license evidence of the repository's own ``.venv``), not
on the files a commit changes, so the hook checks the repository, exactly as ``compliance
check`` does, and gives the same answer. What it adds is speed where the time goes.

Where the time goes (measured in ``docs/ci.md``): starting Python and importing (~0.35 s),
identifying the license texts the ``.venv``'s distributions ship (about half of a check on a
service with a hundred-odd installed distributions), and reading the repository's files (the
Python sources for the models they name: ~0.1 ms a file). Scanning fewer folders would change
the answer (a lockfile in a parent folder, the root's policy file and ``.venv``, a model named
in unchanged code would be missed); the license texts, though, do not change from one commit to
the next. So the hook keeps what the matcher found per text, keyed by the text's SHA-256 and by
a fingerprint of the matcher (its code, its reference texts, the tool's version): a text seen
before gives the same matches without being matched again, and a new matcher starts a new
cache. The cache lives in ``$COMPLIANCE_CACHE_DIR/identify/`` (else
``$XDG_CACHE_HOME/compliance/identify/``, else ``~/.cache/compliance/identify/``);
``--no-cache`` turns it off. A cache that cannot be read is ignored, one that cannot be written
only makes the next run slower.

The files pre-commit passes (only when a configuration sets ``pass_filenames: true``; the
shipped hook does not) are accepted and ignored: they only say that something relevant changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from compliance.cli.check import check_command
from compliance.licenses.identify_cache import IdentifyCache, default_cache_file

#: ``compliance check`` options the hook does not take over (it always checks a folder).
_NOT_SHARED = frozenset({"target"})


@click.command("hook")
@click.argument("files", nargs=-1, metavar="[FILE]...", type=click.Path(path_type=Path))
@click.option("--root", default=".", show_default=True, metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="The repository (or project folder) to check; pre-commit runs hooks at the "
                   "repository's root.")
@click.option("--no-cache", is_flag=True,
              help="Do not read or write the cache of identified license texts.")
@click.pass_context
def hook_command(ctx: click.Context, /, files: tuple[Path, ...], root: Path, no_cache: bool,
                 **options: Any) -> int:
    """`compliance check` for a pre-commit hook: same verdict, same exit codes, faster.

    Checks the repository at --root (every manifest and lockfile, the policy file, the licenses
    of the repository's own .venv) with every `compliance check` option below. License texts
    identified in earlier runs are taken from a cache (in $COMPLIANCE_CACHE_DIR/identify, else
    ~/.cache/compliance/identify), which makes a commit's check faster and never changes its
    result.

    FILE arguments (what pre-commit passes when a configuration sets pass_filenames: true)
    are accepted and ignored: the verdict is always the whole project's.

    \b
    Exit codes: 0 nothing reaches --fail-on, 1 something does, 2 usage or input error.

    \b
    Examples (the hook `compliance-check` in .pre-commit-hooks.yaml runs the first):
      compliance hook
      compliance hook --use network --rules default --rules ai-models
    """
    del files  # only a trigger: see the docstring
    path = None if no_cache else default_cache_file()
    cache = IdentifyCache(path)
    ctx.ensure_object(dict)["identify_cache"] = cache  # check's scan routes the matcher through it
    try:
        code: int = ctx.invoke(check_command, target=root, **options)
    finally:
        cache.save()
    return code


hook_command.params.extend(p for p in check_command.params if p.name not in _NOT_SHARED)
