"""While the console runs, full garbage collections (which hold the screen) are rare; after it,
the interpreter's collector is as it was (tests and the demo make several apps in one process)."""

import gc

from chat_console.tui.app import FULL_COLLECTION_EVERY
from tests.tui.sample import store_app


async def test_full_collections_are_rare_while_the_console_runs_and_restored_after() -> None:
    before = gc.get_threshold()
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == (*before[:2], FULL_COLLECTION_EVERY)
        assert gc.get_freeze_count() > 0  # what was loaded at mount is out of the scans
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
