"""While the console runs, what was loaded at mount is out of the collector's full scans, and the
full collections themselves run as often as the interpreter has them: made rarer, a long day's
cyclic garbage piled up in the oldest generation and its memory stayed with the console (issue
15, RSS growth over the jump host's day). After the app, the collector is as it was (tests and
the demo make several apps in one process)."""

import gc

from tests.tui.sample import store_app


async def test_full_collections_keep_their_pace_and_the_mount_heap_is_frozen_until_unmount() -> (
    None
):
    before = gc.get_threshold()
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() > 0  # what was loaded at mount is out of the scans
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
