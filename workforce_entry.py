"""The `workforce` command's entry point, kept free of heavy imports: a Ctrl-C while numpy, numba and the
model load (the first second or two) is one line and exit code 130, as at any later moment (model.cli.main)."""

import signal
import sys

INTERRUPTED = "error: interrupted; nothing was written"


def main() -> None:
    interrupted = False

    def record(signum: int, frame: object) -> None:
        """A KeyboardInterrupt raised inside an import can be swallowed (Python ignores exceptions in importlib's
        weakref callbacks), and raised while numba loads a kernel it crashes the process: so the interrupt is
        recorded, raised only outside numba's compiler, and looked at once the imports are done."""
        nonlocal interrupted
        interrupted = True
        compiler = sys.modules.get("numba.core.compiler_lock")
        if compiler is None or not compiler.global_compiler_lock.is_locked():
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, record)
    try:
        from model.cli import main as run_command
    except KeyboardInterrupt:
        interrupted = True
    try:
        if interrupted:
            raise KeyboardInterrupt
        run_command()  # installs its own handler first thing
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
