"""Canned replies in the composer, against the real server: `::name` + Tab, the picker, the
placeholders (filled from what the server says, never read as templates), the content limit."""

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from chat_console.protocol import ListenEvent, Message, Ticket, TicketStatus
from chat_console.protocol.inbound import TicketCreated
from chat_console.protocol.limits import MAX_CONTENT_BYTES
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.screens.reply_picker import ReplyPicker
from tests.tui.sample import CONFIG, ME, fixed_clock
from tests.tui.test_live_conversation import accept_and_open


def replies(folder: Path, **files: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


async def test_tab_expands_a_reply_with_the_customer_operator_and_ticket_filled_in(
    live_factory: Callable[..., Any], tmp_path: Path
) -> None:
    folder = replies(
        tmp_path,
        **{"greeting.md": "Hello {customer}, I am {operator}, about {ticket}.\n"},
        **{"refund.txt": "Refunded."},
    )
    async with live_factory(replies_dir=folder) as live:
        await accept_and_open(live, "Missing order")
        await live.pilot.press(*"Hi! ::gre", "tab")
        composer = live.app.main.composer
        expected = "Hi! Hello Carl Customer, I am Olivia Operator, about Missing order."
        assert composer.text == expected
        assert composer.cursor_location == (0, len(expected))
        assert composer.has_focus  # Tab expanded; it did not switch pane
        await live.pilot.press("enter")
        sent = Message.model_validate((await live.customer.next(ListenEvent.MESSAGE_UPDATED))[0])
        assert sent.content == expected


async def test_tab_without_a_reply_name_still_switches_pane(
    live_factory: Callable[..., Any], tmp_path: Path
) -> None:
    async with live_factory(replies_dir=replies(tmp_path, **{"a.md": "x"})) as live:
        await accept_and_open(live)
        await live.pilot.press(*"a::b", "tab")  # `::` inside a word is not a reply name
        assert live.app.main.composer.text == "a::b"
        assert not live.app.main.composer.has_focus


async def test_an_unknown_placeholder_is_left_and_the_cursor_goes_to_it(
    live_factory: Callable[..., Any], tmp_path: Path
) -> None:
    folder = replies(tmp_path, **{"order.md": "Order {order_id} ships {date}, {customer}."})
    async with live_factory(replies_dir=folder) as live:
        await accept_and_open(live)
        await live.pilot.press(*"::ord", "tab")
        composer = live.app.main.composer
        assert composer.text == "Order {order_id} ships {date}, Carl Customer."
        assert composer.cursor_location == (0, len("Order "))


async def test_several_matches_open_the_picker_and_ctrl_t_searches_fuzzily(
    live_factory: Callable[..., Any], tmp_path: Path
) -> None:
    folder = replies(
        tmp_path,
        **{"refund_full.md": "Full refund."},
        **{"refund_partial.md": "Partial refund."},
        **{"shipping.md": "Shipped."},
    )
    async with live_factory(replies_dir=folder) as live:
        await accept_and_open(live)
        await live.pilot.press(*"::ref", "tab")
        assert isinstance(live.app.screen, ReplyPicker)
        assert [r.name for r in live.app.screen.shown] == ["refund_full", "refund_partial"]
        await live.pilot.press("down", "enter")
        composer = live.app.main.composer
        assert composer.text == "Partial refund."
        await live.pilot.press(*" And ", "ctrl+t")
        assert isinstance(live.app.screen, ReplyPicker)
        await live.pilot.press(*"shpg")  # fuzzy: s…h…p…g
        assert [r.name for r in live.app.screen.shown] == ["shipping"]
        await live.pilot.press("enter")
        assert composer.text == "Partial refund. And Shipped."
        assert composer.has_focus
        await live.pilot.press("ctrl+t", "escape")
        assert composer.text == "Partial refund. And Shipped."


async def test_a_reply_over_the_content_limit_says_so_instead_of_expanding(
    live_factory: Callable[..., Any], tmp_path: Path
) -> None:
    big = "x" * (MAX_CONTENT_BYTES - 60) + " {operator}" * 4  # fits alone, not filled in
    folder = replies(tmp_path, **{"big.md": big})
    async with live_factory(replies_dir=folder) as live:
        await accept_and_open(live)
        await live.pilot.press(*"::big", "tab")
        assert live.app.main.composer.text == "::big"
        assert any(
            title == "Reply not inserted" and "too large" in text
            for title, text, _ in live.notifications()
        )


async def test_unusable_reply_files_are_reported_and_the_others_still_work(
    live_factory: Callable[..., Any], tmp_path: Path
) -> None:
    folder = replies(tmp_path, **{"thanks.md": "Thanks!"})
    (folder / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (folder / "latin.txt").write_bytes(b"caf\xe9")
    (folder / "huge.md").write_bytes(b"y" * (MAX_CONTENT_BYTES + 1))
    (folder / "folder.md").mkdir()
    async with live_factory(replies_dir=folder) as live:
        await accept_and_open(live)
        await live.pilot.press(*"::", "tab")
        assert live.app.main.composer.text == "Thanks!"
        (warning,) = [text for title, text, _ in live.notifications() if title == "Replies skipped"]
        for name in ("binary.md", "latin.txt", "huge.md", "folder.md"):
            assert name in warning


async def test_a_customer_named_like_a_placeholder_goes_in_literally(tmp_path: Path) -> None:
    """The name is the server's (ownerNm): it is filled in as plain text, never read again for
    placeholders or markup; across a restart, what the store kept fills the same."""
    hostile = "{operator} [b]Eve[/b]\x1b]52;c;AAAA\x07"
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id=ME.user_id, clock=fixed_clock)
    ticket = Ticket(
        ticket_id="t-1",
        ticket_nm="{customer}",
        owner_id="cu-9",
        owner_nm=hostile,
        status_id=TicketStatus.OPEN,
        handle_by_id=ME.user_id,
    )
    store.apply_batch([TicketCreated(ticket)])
    store.close()
    folder = replies(tmp_path / "replies", **{"hi.md": "Hi {customer} re {ticket}"})
    config = replace(CONFIG, replies_dir=folder)
    app = ConsoleApp(
        config,
        store=Store(path, operator_id=ME.user_id, clock=fixed_clock),
        clock=fixed_clock,
        live_clock=False,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        app.main.queue.select("t-1")
        await pilot.press("enter", *"::hi", "tab")
        value = app.main.composer.text
    app.store.close()
    assert value == "Hi {operator} [b]Eve[/b]␛]52;c;AAAA␇ re {customer}"


async def test_a_console_without_a_replies_folder_says_so_whole_at_80_columns(
    live_factory: Callable[..., Any],
) -> None:
    from textual.widgets._toast import Toast

    async with live_factory(size=(80, 24), toasts=True) as live:
        await accept_and_open(live)
        await live.pilot.press(*"::thanks", "tab")
        await live.pilot.pause()
        said = [(sev, msg) for _, msg, sev in live.notifications()]
        assert (
            "warning",
            "No reply named thanks…: without a config file there is no replies/ folder"
            " ([ui] replies_dir names one)",
        ) in said
        toast = next(t for t in live.app.screen.query(Toast) if "replies_dir" in str(t.render()))
        assert toast.size.height >= 2  # wrapped, not cut at the pane's edge
