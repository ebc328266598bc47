"""What every long-running sub-command does alike: stop on a signal, report an error in one line."""

import asyncio
import contextlib
import signal
import sys


def stop_on_signals(stop: asyncio.Event) -> None:
    """Ctrl-C and SIGTERM set `stop`, so the command can leave through its own clean-up."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


def command_error(command: str, text: str) -> int:
    """One line on stderr and the usage-error status, instead of a traceback."""
    print(f"chat-console {command}: error: {text}", file=sys.stderr)
    return 2
