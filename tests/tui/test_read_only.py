"""A console whose history another console owns: it shows live events from its in-memory copy,
says read-only and why in the status bar, refuses to send (saying why), tells nobody it types,
and leaves the file as the owner wrote it; once the owner quits, it takes the history over."""

import os
import uuid
from functools import partial
from pathlib import Path

from chat_console.client import OAuthTokens, OperatorClient
from chat_console.protocol import EmitEvent, Message, Ticket, emits, now_utc
from chat_console.server.runner import RunningServer
from chat_console.store import HistoryLock, Store
from chat_console.store.history import open_history
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig
from chat_console.tui.widgets.bars import StatusBar
from chat_console.tui.widgets.conversation import READ_ONLY_PLACEHOLDER
from tests.helpers import WAIT, Peer, eventually
from tests.tui.conftest import OP1

REASON = "another console (pid 4242, since 08:12) owns this history"


class OwnedElsewhere:
    """A history another console owns for as long as the test runs."""

    def read_only_reason(self) -> str:
        return REASON

    def take_over(self) -> None:
        return None


async def test_a_read_only_console_shows_live_events_and_sends_and_writes_nothing(
    server: RunningServer, tmp_path: Path
) -> None:
    customer = Peer()
    await customer.login(server.url, "cu1", "cu1pass", operator=False)
    ticket = Ticket(ticket_id=str(uuid.uuid4()), ticket_nm="Refund", display_nm="Refund")
    assert not await customer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket))
    path = tmp_path / "console.sqlite3"
    Store(path, operator_id=OP1.user_id).close()
    before = path.read_bytes()
    app = ConsoleApp(
        ConsoleConfig(user=OP1, server_host="here"),
        store=Store(path, operator_id=OP1.user_id, copy_only=True),
        client_factory=lambda listener: OperatorClient(
            url=server.url,
            user=OP1,
            tokens=OAuthTokens(
                f"{server.url}/oauth/token", "password", "chat-console", "", "op1", "op1pass"
            ),
            listener=listener,
        ),
        history=OwnedElsewhere(),
    )
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        await eventually(lambda: app.main.connection[0] == "online", WAIT, pause=pilot.pause)
        assert app.courier is None  # nothing here sends the outbox
        said = Message(ticket_id=ticket.ticket_id, message_id=str(uuid.uuid4()), content="hello?")
        await customer.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(said, "op-1"))
        await eventually(
            lambda: app.store.message(said.message_id) is not None, WAIT, pause=pilot.pause
        )
        assert f"read-only: {REASON}" in str(app.main.query_one(StatusBar).render())

        app.main.queue.focus()
        # The queue redraws from the store on the batch's message, a moment after the store has it.
        await eventually(lambda: app.main.queue.select(ticket.ticket_id), WAIT, pause=pilot.pause)
        await pilot.press("enter", *"on my way")
        assert app.main.composer.placeholder == READ_ONLY_PLACEHOLDER
        await pilot.press("enter")
        await pilot.pause()
        refused = [(n.title, str(n.message)) for n in app._notifications]
        assert ("Message not sent", f"read-only: {REASON}") in refused
        assert app.store.outbox() == [] and app.typing_sent == 0
        assert app.main.composer.text == "on my way"  # kept, not sent
        await pilot.press("q")
    app.store.close()
    await customer.close()
    assert path.read_bytes() == before
    assert Store(path, operator_id=OP1.user_id).queue() == []


async def test_a_read_only_console_takes_the_history_over_once_its_owner_quits(
    server: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "console.sqlite3"
    opened = partial(
        open_history,
        path,
        operator_id=OP1.user_id,
        keep_days=30,
        messages_per_ticket=1000,
        bytes_per_ticket=2**20,
    )
    owner = opened(now=now_utc())
    second = opened(now=now_utc())
    assert owner.owned and not second.owned
    app = ConsoleApp(
        ConsoleConfig(user=OP1, server_host="here"),
        store=second.store,
        client_factory=lambda listener: OperatorClient(
            url=server.url,
            user=OP1,
            tokens=OAuthTokens(
                f"{server.url}/oauth/token", "password", "chat-console", "", "op1", "op1pass"
            ),
            listener=listener,
        ),
        history=second,
    )
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        await eventually(lambda: app.main.connection[0] == "online", WAIT, pause=pilot.pause)
        status = app.main.query_one(StatusBar)
        assert f"read-only: another console (pid {os.getpid()}, since " in str(status.render())
        assert app.courier is None
        owner.close()  # the first console quits
        await eventually(lambda: app.courier is not None, 3 * WAIT, pause=pilot.pause)
        assert "read-only" not in str(status.render())
        assert app.store is second.store and not app.store.copy_only
        assert app.main.queue.store is app.store and app.main.transcript.store is app.store
        assert app.main.composer.placeholder != READ_ONLY_PLACEHOLDER
        await pilot.press("q")
    second.close()
    assert HistoryLock(path).is_free()
