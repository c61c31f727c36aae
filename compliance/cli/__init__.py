"""The command-line interface: the only layer that knows about click, files and exit codes."""
