"""A long day's messages are held to each ticket's window in memory; scrolling up reads the older
ones back from the console's SQLite file (issue 15: 20 consoles on one jump host)."""

from datetime import timedelta

from chat_console.protocol import Message
from chat_console.protocol.inbound import MessageUpdated
from chat_console.store.store import HISTORY_WINDOW
from tests.helpers import eventually
from tests.tui.sample import ME, NOW, store_app

COUNT = 3 * HISTORY_WINDOW


def _line(n: int) -> Message:
    return Message(
        ticket_id="t1",
        message_id=f"live-{n}",
        content=f"Where is my parcel? #{n}",
        sender_id="cu-t1",
        recipient_id=ME.user_id,
        created_at=NOW + timedelta(seconds=n),
    )


async def test_messages_of_a_ticket_not_on_screen_are_evicted_and_scrolled_back_to() -> None:
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for start in range(0, COUNT, 50):
            for n in range(start, start + 50):
                app.deliver(MessageUpdated(_line(n)))
            await eventually(
                lambda n=n: f"live-{n}" in app.store.message_ids("t1"), pause=pilot.pause
            )
        app.deliver(MessageUpdated(_line(COUNT)))  # one more batch: the windows are trimmed
        await eventually(lambda: f"live-{COUNT}" in app.store.message_ids("t1"), pause=pilot.pause)
        assert len(app.store.message_ids("t1")) < COUNT // 2
        app.main.queue.select("t1")
        await pilot.press("enter")
        transcript = app.main.conversation.transcript
        transcript.focus()
        for _ in range(COUNT // 50):
            await pilot.press("home")
            await pilot.pause()
        assert transcript.scroll_to_message("live-0")  # the day's first, read back
        await pilot.pause()
        assert "live-0" in transcript.visible_message_ids()
        assert transcript.message_text("live-0")[-1].strip() == "Where is my parcel? #0"
        assert list(app.store.message_ids("t1"))[-COUNT - 1 :] == [
            f"live-{n}" for n in range(COUNT + 1)
        ]
