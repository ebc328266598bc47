"""Long messages are folded with a key to show all; content over the cap is cut, with its size."""

from textual.pilot import Pilot

from chat_console.protocol.limits import MAX_CONTENT_BYTES
from chat_console.tui.app import ConsoleApp
from chat_console.tui.sample_data import NOW, customer, mixed_store, store_app
from chat_console.tui.widgets.transcript import FOLD_LINES
from tests.helpers import console


def transcript_text(app: ConsoleApp) -> list[str]:
    transcript = app.main.transcript
    lines = []
    for message_id in transcript.store.message_ids(transcript.ticket_id or ""):
        lines += [line.strip() for line in transcript.message_text(message_id)]
    return lines


async def open_t1(pilot: Pilot[int]) -> None:
    await pilot.pause()
    console(pilot).main.queue.select("t1")
    await pilot.press("enter", "escape")  # open it, leave the composer so keys are commands
    await pilot.pause()


async def test_a_long_message_is_folded_until_the_key_shows_all_and_folds_it_again() -> None:
    store = mixed_store()
    words = " ".join(f"word{n}" for n in range(2000))
    store.apply(customer("t1", "long", words, NOW, "Carl Customer"))
    app = store_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_t1(pilot)
        folded = transcript_text(app)
        assert "… folded (16.5 KB) — press e to show all" in folded
        assert "word1999" not in " ".join(folded)
        body = folded.index("… folded (16.5 KB) — press e to show all")
        assert folded[body - FOLD_LINES - 1].startswith("Carl Customer")
        await pilot.press("e")
        unfolded = " ".join(transcript_text(app))
        assert "word1999" in unfolded and "folded" not in unfolded
        await pilot.press("e")
        assert "… folded (16.5 KB) — press e to show all" in transcript_text(app)


async def test_content_over_the_cap_is_shown_cut_with_its_size() -> None:
    store = mixed_store()
    huge = "x" * (3 * MAX_CONTENT_BYTES)
    store.apply(customer("t1", "huge", huge, NOW, "Carl Customer"))
    app = store_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_t1(pilot)
        assert "… folded (3.0 MB) — press e to show all" in transcript_text(app)
        await pilot.press("e")
        lines = transcript_text(app)
        assert lines[-1] == "✂ truncated: 1.0 MB shown of 3.0 MB received"
        assert sum(len(line) for line in lines if set(line) == {"x"}) == MAX_CONTENT_BYTES
