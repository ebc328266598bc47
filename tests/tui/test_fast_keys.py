"""Keys typed faster than the screen moves focus belong to the input the first key opened."""

from collections.abc import Callable
from typing import Any

from textual import events

from tests.tui.conftest import Live


def type_fast(live: Live, keys: list[tuple[str, str]]) -> None:
    """Queue every key at once, as a fast typist over ssh delivers them in one read."""
    driver = live.app._driver
    assert driver is not None
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(live.app)
        driver.send_message(event)


async def test_slash_then_quiz_typed_at_once_filters_and_does_not_quit(live: Live) -> None:
    await live.open_ticket("quiz night")
    type_fast(live, [("slash", "/"), ("q", "q"), ("u", "u"), ("i", "i"), ("z", "z")])
    await live.until(lambda: live.app.main.filter_input.value == "quiz")
    await live.pilot.pause()
    assert live.app.is_running
    assert live.app.main.queue.filter_text == "quiz"


async def test_enter_then_a_reply_typed_at_once_is_text_in_the_composer(live: Live) -> None:
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    type_fast(live, [("enter", "\r"), ("h", "h"), ("a", "a"), ("c", "c")])
    await live.until(lambda: live.app.main.composer.text == "hac")
    await live.pilot.pause()
    assert live.app.screen is live.app.main  # no hijack or close dialog opened
    assert not live.app.main.queue.busy  # and no accept went out


async def test_a_dialogs_answer_typed_with_the_key_that_opens_it_answers_it(live: Live) -> None:
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    type_fast(live, [("c", "c"), ("y", "y")])
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).is_closed)
    await live.pilot.press("o", "y")
    await live.until(lambda: not live.app.store.ticket(ticket.ticket_id).is_closed)
    type_fast(live, [("t", "t"), ("enter", "\r")])  # the first operator in the list: op2
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-2")
    assert live.app.main.open_ticket_id is None  # Enter did not open the ticket behind the dialog


def _typed(text: str) -> list[tuple[str, str]]:
    return [(c if c.isalnum() else "full_stop" if c == "." else "space", c) for c in text]


async def test_a_new_line_typed_at_once_with_its_text_lands_where_it_was_typed(live: Live) -> None:
    """Found working the demo over tmux: `that.<ctrl+j>Which` arrived in one read, and the new
    line came after `Which` (the binding ran when the key had gone round the screen)."""
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter")
    await live.until(lambda: live.app.focused is live.app.main.composer)
    keys = [*_typed("Sorry."), ("ctrl+j", "\n"), *_typed("Which one"), ("ctrl+j", "\n")]
    type_fast(live, [*keys, *_typed("Thanks")])
    await live.until(lambda: live.app.main.composer.text.endswith("Thanks"))
    assert live.app.main.composer.text == "Sorry.\nWhich one\nThanks"


async def accepted_in_the_composer(live: Live) -> str:
    """A new ticket accepted and opened, the composer focused: where a reply is typed."""
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    await live.pilot.press("a", "enter")
    await live.until(lambda: live.app.focused is live.app.main.composer)
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id)
    return ticket.ticket_id


async def test_enter_typed_at_once_after_the_reply_sends_all_of_it(live: Live) -> None:
    ticket_id = await accepted_in_the_composer(live)
    type_fast(live, [*_typed("all of it"), ("enter", "\r")])
    store = live.app.store
    await live.until(lambda: any(r.own for r in store.messages(ticket_id)))
    assert [r.message.content for r in store.messages(ticket_id) if r.own] == ["all of it"]
    assert live.app.main.composer.text == ""


async def test_text_typed_at_once_after_enter_stays_in_the_composer(live: Live) -> None:
    """Review finding: `first<Enter>second` in one read sent "first" and wiped "second"."""
    ticket_id = await accepted_in_the_composer(live)
    type_fast(live, [*_typed("first"), ("enter", "\r"), *_typed("second")])
    store = live.app.store
    await live.until(lambda: any(r.own for r in store.messages(ticket_id)))
    await live.until(lambda: live.app.main.composer.text == "second")
    assert [r.message.content for r in store.messages(ticket_id) if r.own] == ["first"]
    assert store.draft(ticket_id) == "second"


async def test_on_a_ticket_nobody_handles_enter_sends_what_was_typed_before_it(live: Live) -> None:
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter")
    await live.until(lambda: live.app.focused is live.app.main.composer)
    type_fast(live, [*_typed("first"), ("enter", "\r"), *_typed("more")])
    await live.until(
        lambda: any("Not yours" in str(w.render()) for w in live.app.screen.query("#dialog-title"))
    )
    await live.pilot.press("y")
    store, ticket_id = live.app.store, ticket.ticket_id
    await live.until(lambda: any(r.own for r in store.messages(ticket_id)))
    assert [r.message.content for r in store.messages(ticket_id) if r.own] == ["first"]
    assert live.app.main.composer.text == "more"


async def test_escape_then_enter_typed_at_once_leaves_the_reply_and_comes_back(
    live: Live,
) -> None:
    """Found working the demo over tmux: Esc and Enter in one read sent the draft (Enter's
    binding was taken while the composer had the focus, Esc's ran when the key had gone round
    the screen). Esc now acts as it is read: Enter opens the ticket again, the text intact."""
    ticket_id = await accepted_in_the_composer(live)
    type_fast(live, [*_typed("not yet"), ("escape", "\x1b"), ("enter", "\r"), *_typed(" sent")])
    await live.until(lambda: live.app.main.composer.text == "not yet sent")
    await live.until(lambda: live.app.focused is live.app.main.composer)
    store = live.app.store
    assert not any(r.own for r in store.messages(ticket_id))
    await live.pilot.press("enter")
    await live.until(lambda: any(r.own for r in store.messages(ticket_id)))
    assert [r.message.content for r in store.messages(ticket_id) if r.own] == ["not yet sent"]


async def test_a_key_typed_at_once_after_escape_is_the_queues(live: Live) -> None:
    """Esc then / in one read: the filter opens; the / is not text in the reply."""
    await accepted_in_the_composer(live)
    type_fast(live, [*_typed("draft"), ("escape", "\x1b"), ("slash", "/"), ("x", "x")])
    await live.until(lambda: live.app.main.filter_input.value == "x")
    assert live.app.main.composer.text == "draft"


async def test_leave_remapped_acts_as_it_is_read_too(live_factory: Callable[..., Any]) -> None:
    async with live_factory(keymap={"back": "ctrl+b", "leave": "ctrl+b"}) as live:
        ticket_id = await accepted_in_the_composer(live)
        type_fast(live, [*_typed("one"), ("ctrl+b", "\x02"), ("enter", "\r"), *_typed(" two")])
        await live.until(lambda: live.app.main.composer.text == "one two")
        await live.until(lambda: live.app.focused is live.app.main.composer)
        assert not any(r.own for r in live.app.store.messages(ticket_id))


async def test_back_remapped_to_a_letter_is_still_a_letter_in_the_reply(
    live_factory: Callable[..., Any],
) -> None:
    """Review: had `back` itself acted as it was read, b would have left the composer."""
    async with live_factory(keymap={"back": "b"}) as live:
        await accepted_in_the_composer(live)
        type_fast(live, _typed("abc"))
        await live.until(lambda: live.app.main.composer.text == "abc")
        assert live.app.screen is live.app.main


async def test_escape_typed_at_once_after_keys_for_the_queue_comes_after_them(live: Live) -> None:
    """Review: away from the composer Esc keeps its place behind the keys read before it, so
    a filter typed and then Esc is a filter cleared, and c then Esc a dialog cancelled."""
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    type_fast(live, [("slash", "/"), ("a", "a"), ("b", "b"), ("escape", "\x1b")])
    await live.until(lambda: live.app.focused is live.app.main.queue)
    await live.pilot.pause()
    assert live.app.main.queue.filter_text == "" and not live.app.main.filter_input.display
    type_fast(live, [("c", "c"), ("escape", "\x1b")])
    await live.pilot.pause()
    await live.until(lambda: live.app.screen is live.app.main)
    await live.pilot.pause()
    assert live.app.screen is live.app.main
    assert not live.app.store.ticket(ticket.ticket_id).is_closed  # type: ignore[union-attr]
