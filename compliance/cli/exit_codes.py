"""Exit codes: a contract with CI systems, documented in the README."""

OK = 0
POLICY_VIOLATION = 1  # findings at or above --fail-on (compliance check)
USAGE_OR_INPUT = 2  # bad arguments, unreadable input, diagnostics under --strict
INTERNAL = 3  # a bug in this tool
