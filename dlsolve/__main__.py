"""``python -m dlsolve`` runs the command line interface."""

from dlsolve.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
