"""One exception root for the tool, with one base per area.

Messages start with the file path where there is one. The CLI turns these into exit codes;
nothing below the CLI prints a traceback.
"""

from __future__ import annotations


class ComplianceError(Exception):
    """Root of every error the tool raises on purpose."""


class InputError(ComplianceError):
    """The user asked for something that cannot be done (bad path, bad option value)."""


class ScanError(ComplianceError):
    """A file could not be scanned. Carries the path and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.detail = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class ParseError(ScanError):
    """A file's content does not parse as the format its name claims."""


class UnreadableFile(ScanError):
    """A file cannot be read as text: binary, too large, not UTF-8, a broken link."""


class SbomError(ComplianceError):
    """An SBOM could not be written, or what was built does not validate (a bug, never output)."""
