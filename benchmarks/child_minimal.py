"""Child: the smallest Textual app that imports the packages the console imports (start-up base)."""

import aiohttp  # noqa: F401 - imported for its start-up cost, as the console does
import platformdirs  # noqa: F401
import pydantic  # noqa: F401
import socketio  # noqa: F401
from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("chat-console")


if __name__ == "__main__":
    Minimal().run()
