"""A store-only console in its own process that types a draft and then waits to be killed.

    python -m tests.faults.draft_child STORE TICKET TEXT

Prints "typed" once the composer holds TEXT, then waits: the test kills it with SIGKILL.
"""

import asyncio
import sys

from chat_console.store import Store
from chat_console.tui.sample_data import ME, fixed_clock, store_app


async def run(path: str, ticket: str, text: str) -> None:
    app = store_app(Store(path, operator_id=ME.user_id, clock=fixed_clock))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.main.queue.select(ticket)
        await pilot.press("enter", *text)
        assert app.main.composer.text == text
        print("typed", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(run(*sys.argv[1:4]))
