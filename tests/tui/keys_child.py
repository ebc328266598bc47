"""A Textual app on the console's Linux driver that writes each key it gets to a file, one a
line (a paste as `paste:TEXT`, escaped), suspends itself on `s` (as for $EDITOR) and quits on
`q`: the input thread under test, on a real pty. It binds alt+x, as the console does.

    python -m tests.tui.keys_child KEYS_FILE
"""

import sys
from pathlib import Path

from textual import events
from textual.app import App
from textual.driver import Driver

from chat_console.tui.driver import QuietLinuxDriver


class KeysApp(App[None]):
    alt_characters = frozenset("x")

    def __init__(self, keys: Path) -> None:
        super().__init__()
        self.keys = keys

    def get_driver_class(self) -> type[Driver]:
        return QuietLinuxDriver

    def _note(self, line: str) -> None:
        with self.keys.open("a") as file:
            file.write(line + "\n")

    def on_ready(self) -> None:
        self._note("ready")

    def on_paste(self, event: events.Paste) -> None:
        self._note("paste:" + event.text.encode("unicode_escape").decode())

    def on_key(self, event: events.Key) -> None:
        self._note(event.key)
        if event.key == "s":  # as for $EDITOR or $PAGER: input stops, then starts again
            with self.suspend():
                self._note("suspended")
        if event.key == "q":
            self.exit()


if __name__ == "__main__":
    KeysApp(Path(sys.argv[1])).run()
