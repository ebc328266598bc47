"""Child: the smallest Textual app that imports what the console imports (the start-up base).

It imports the same packages' public entry points the console uses (`import pydantic` alone is
lazy and loads almost nothing; the console, like any pydantic user, needs `BaseModel`), then
shows one line of text.
"""

from aiohttp import ClientSession  # noqa: F401 - imported for its start-up cost, as the console does
from platformdirs import user_data_dir  # noqa: F401
from pydantic import BaseModel  # noqa: F401
from socketio import AsyncClient  # noqa: F401
from textual.app import App, ComposeResult
from textual.widgets import Static

from benchmarks.strict import strict


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("chat-console")


if __name__ == "__main__":
    strict()
    Minimal().run()
