"""How the console tells the operator that something went wrong, shared by screen and widgets."""

import logging

from textual.app import App
from textual.worker import Worker, WorkerState

from chat_console.store import one_line

log = logging.getLogger(__name__)


def notify_error(app: App[int], text: str, title: str = "Server said") -> None:
    app.notify(one_line(text), title=title, severity="error", markup=False, timeout=8)


def report_failed_worker(app: App[int], event: Worker.StateChanged) -> None:
    """Background work runs with exit_on_error=False, so that one failure cannot end the console;
    what failed is logged with its traceback and said, not lost. Textual posts this message to
    the node that ran the worker only (it does not bubble): each such node hands it here."""
    error = event.worker.error
    if event.state != WorkerState.ERROR or error is None:
        return
    log.error("background work %r failed", event.worker.name, exc_info=error)
    notify_error(app, f"{type(error).__name__}: see the log", title="Something failed")
