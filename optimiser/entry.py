"""The ``optimiser`` console script: a clean exit whenever it is stopped, even while it starts up."""
from __future__ import annotations

import os
import signal
import sys

EXIT_INTERRUPTED = 130


def main() -> None:
    """Run the command line. Ctrl-C exits 130 and a closed pipe (``| head``) exits 0, quietly, at any moment."""
    try:
        from optimiser.cli import main as run  # pandas, typer and the solvers load here

        run()
    except KeyboardInterrupt:
        # straight out: an interpreter shutdown could meet the interrupt again (a solver's own handler) and
        # end by the signal (-2) instead of 130. Outputs are written atomically, so nothing is half-written.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _quiet_pipe()
    finally:  # the work is done: a Ctrl-C while Python shuts down must not print a traceback either
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _quiet_pipe() -> None:
    """The reader went away (``optimiser solve … | head -1``): not an error. Stop writing and exit 0."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
