"""`y` copies the customer's message to the operator's clipboard with OSC 52, through the terminal:
the bytes that reach it are built from the message's plain text, never from the customer's own
escape sequences."""

import base64
import re
from pathlib import Path

from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from tests.tui.conftest import Live
from tests.tui.sample import CONFIG, ME, fixed_clock
from tests.tui.test_live_conversation import accept_and_open

OSC52 = re.compile("\x1b\\]52;c;([A-Za-z0-9+/=]*)\x07")
HOSTILE = "pay here \x1b]52;c;cm0gLXJmIH4=\x07 now\x1b[2J\x9b31m\ud800\nsecond\tline"


def capture_terminal(app: ConsoleApp) -> list[str]:
    """Everything the app writes to its terminal from now on (the headless driver drops it)."""
    driver = app._driver
    assert driver is not None
    written: list[str] = []
    original = driver.write

    def write(data: str) -> None:
        written.append(data)
        original(data)

    driver.write = write  # type: ignore[method-assign]
    return written


def copied(written: list[str]) -> list[str]:
    sequences = OSC52.findall("".join(written))
    return [base64.b64decode(payload).decode("utf-8") for payload in sequences]


async def test_y_copies_the_customers_last_message_as_plain_text(live: Live) -> None:
    tid = await accept_and_open(live)
    await live.customer_says(tid, "first question")
    await live.customer_says(tid, HOSTILE)
    await live.pilot.press(*"my draft")
    live.app.main.transcript.focus()  # in the composer `y` is text
    written = capture_terminal(live.app)
    await live.pilot.press("y")
    (text,) = copied(written)
    assert text == "pay here ␛]52;c;cm0gLXJmIH4=␇ now␛[2J\\x9b31m\\ud800\nsecond  line"
    terminal = "".join(written)
    assert terminal.count("\x1b]52;") == 1  # the customer's own OSC 52 never reaches it
    assert "\x9b" not in terminal and "\x1b[2J" not in terminal
    assert live.app.main.composer.text == "my draft"
    assert any(title == "Copied" for title, _, _ in live.notifications())


async def test_own_messages_are_not_what_y_copies(live: Live) -> None:
    tid = await accept_and_open(live)
    await live.customer_says(tid, "where is my parcel?")
    await live.pilot.press(*"On its way", "enter")
    await live.until(lambda: len(live.app.store.message_ids(tid)) == 2)
    live.app.main.transcript.focus()
    written = capture_terminal(live.app)
    await live.pilot.press("y")
    assert copied(written) == ["where is my parcel?"]


async def test_nothing_to_copy_says_so_and_writes_nothing(live: Live) -> None:
    await accept_and_open(live)
    live.app.main.transcript.focus()
    written = capture_terminal(live.app)
    await live.pilot.press("y")
    assert copied(written) == []
    assert any("No customer message" in text for _, text, _ in live.notifications())


async def test_a_stored_hostile_message_copies_the_same_after_a_restart(tmp_path: Path) -> None:
    from chat_console.protocol import Message, Ticket, TicketStatus
    from chat_console.protocol.inbound import MessageUpdated, TicketCreated

    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id=ME.user_id, clock=fixed_clock)
    ticket = Ticket(ticket_id="t-1", owner_id="cu-1", status_id=TicketStatus.OPEN)
    message = Message(ticket_id="t-1", message_id="m-1", content=HOSTILE, sender_id="cu-1")
    store.apply_batch([TicketCreated(ticket), MessageUpdated(message)])
    store.close()
    app = ConsoleApp(
        CONFIG,
        store=Store(path, operator_id=ME.user_id, clock=fixed_clock),
        clock=fixed_clock,
        live_clock=False,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        app.main.queue.select("t-1")
        await pilot.press("enter", "escape")  # opened; the queue has the focus again
        written = capture_terminal(app)
        await pilot.press("y")
    app.store.close()
    assert copied(written) == ["pay here ␛]52;c;cm0gLXJmIH4=␇ now␛[2J\\x9b31m\\ud800\nsecond  line"]
