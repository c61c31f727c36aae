"""``python -m compliance``: the same as the ``compliance`` command."""

from compliance.cli.main import main

if __name__ == "__main__":
    main()
