"""How the console tells the operator that something went wrong, shared by screen and widgets."""

from textual.app import App

from chat_console.store import one_line


class ClientErrorLike(Exception):
    """Stand-in so the TUI need not import the client package at import time."""


def client_error() -> type[Exception]:
    try:
        from chat_console.client import ClientError
    except ImportError:  # a console without the client package (store-only tests)
        return ClientErrorLike
    return ClientError


def notify_error(app: App[int], text: str, title: str = "Server said") -> None:
    app.notify(one_line(text), title=title, severity="error", markup=False, timeout=8)
