"""A console built as `chat-console --config CONFIG` builds it (history lock, store, courier or
none), in its own process, headless, driven by lines on stdin:

    python -m tests.faults.history_child CONFIG

Prints `ready owner` or `ready read-only` once online. Then, a line each:
`send TICKET TEXT` types TEXT in the ticket's composer and presses Enter, and prints `sent` or
`refused <the notice>`; `status` prints `status <the status bar>`; `quit` quits as `q` does.
"""

import asyncio
import sys

from textual.pilot import Pilot

from chat_console.config import load_settings
from chat_console.launch import build_console, open_console_history
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig
from chat_console.tui.widgets.bars import StatusBar
from tests.helpers import eventually


def say(*words: str) -> None:
    print(*words, flush=True)


async def send(app: ConsoleApp, pilot: Pilot[int], ticket: str, text: str) -> str:
    before = len(app._notifications)
    app.main.queue.focus()
    assert app.main.queue.select(ticket)
    await pilot.press("enter")  # opens it and focuses the composer
    app.main.composer.text = text
    await pilot.press("enter")
    await pilot.pause()
    refused = [
        str(n.message) for n in list(app._notifications)[before:] if n.title == "Message not sent"
    ]
    return f"refused {refused[-1]}" if refused else "sent"


async def run(config: str) -> None:
    settings = load_settings(config)
    history = open_console_history(settings, ConsoleConfig.from_settings(settings))
    app = build_console(settings, history)
    try:
        async with app.run_test(size=(160, 30), notifications=True) as pilot:
            await eventually(lambda: app.main.connection[0] == "online", 30, pause=pilot.pause)
            say("ready", "owner" if history.owned else "read-only")
            while line := await asyncio.to_thread(sys.stdin.readline):
                command, _, rest = line.strip().partition(" ")
                if command == "send":
                    ticket, _, text = rest.partition(" ")
                    say(await send(app, pilot, ticket, text))
                elif command == "status":
                    await pilot.pause()
                    say("status", str(app.main.query_one(StatusBar).render()))
                elif command == "quit":
                    await pilot.press("q")
                    break
    finally:
        history.close()
    say("quit", str(app.return_code or 0))


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1]))
