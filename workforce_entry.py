"""The `workforce` command's entry point, kept free of heavy imports: a Ctrl-C while numpy, numba and the
model load (the first second or two) is one line and exit code 130, as at any later moment (model.cli.main)."""

import sys


def main() -> None:
    try:
        from model.cli import main as run_command
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        sys.exit(130)
    run_command()
