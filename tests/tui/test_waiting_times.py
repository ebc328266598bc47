"""Waiting times tick in seconds only in a ticket's first minute, then once a minute: an idle
console over ssh redraws a queue row only when its text changes (issue 15)."""

from datetime import timedelta

from textual.strip import Strip

from tests.tui.conftest import Live


async def test_a_waiting_time_changes_once_a_minute_past_the_first(live: Live) -> None:
    ticket = await live.open_ticket()
    main, queue = live.app.main, live.app.main.queue
    await live.pilot.pause()
    draw = queue.render_line
    drawn: list[int] = []

    def counted(y: int) -> Strip:
        drawn.append(y)
        return draw(y)

    queue.render_line = counted  # type: ignore[method-assign]

    def wait_shown() -> str:
        row = draw(queue.ticket_ids.index(ticket.ticket_id) * 2).text.rstrip()
        return row.rsplit(" ", 1)[-1]

    async def at(seconds: int) -> str:
        live.clock.offset = timedelta(seconds=seconds)
        drawn.clear()
        main.tick()
        await live.pilot.pause()
        return wait_shown()

    assert wait_shown().endswith("s")  # the first minute counts seconds
    assert await at(90) == "1m"
    assert drawn  # the row moved on, so it was drawn again
    assert await at(100) == "1m"
    assert drawn == []  # ten seconds later nothing shown changed: no queue line drawn
    assert await at(150) == "2m"
    assert drawn
