"""Expresso entry point: hands over to the command line."""

from expresso_desktop.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
