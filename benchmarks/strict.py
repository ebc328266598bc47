"""RuntimeWarning is an error in every benchmark process (issue 13.3): a coroutine that was never
awaited fails the run instead of scrolling past in a log.

Children are started with `PYTHON` (the interpreter with `-W error::RuntimeWarning`); a benchmark
entry point calls `strict()` first. A warning raised where no caller can see it (the collector
finding a coroutine never awaited) becomes an "unraisable" exception: Python prints it and goes
on, so `strict()` also makes the process exit with status 1 at the end.
"""

import atexit
import os
import sys
import warnings

PYTHON = (sys.executable, "-W", "error::RuntimeWarning")
FAILED_STATUS = 1


def strict() -> None:
    warnings.simplefilter("error", RuntimeWarning)
    shown = sys.unraisablehook

    def hook(unraisable: "sys.UnraisableHookArgs") -> None:
        shown(unraisable)
        if isinstance(unraisable.exc_value, RuntimeWarning):
            atexit.register(_fail)

    sys.unraisablehook = hook


def _fail() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(FAILED_STATUS)  # atexit cannot change the exit status otherwise
