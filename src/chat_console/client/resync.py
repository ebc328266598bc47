"""The resync after every (re)connect: what the server stored while we were away, at the cost of
what changed, never of how long the conversations are.

Where the server's HTTP extras give a cursor (the reference server's `since=`), the store keeps
it per server (so it survives a restart) and a resync asks for the tickets changed since then and
for the changed messages of those tickets only. The first resync, and every resync against a
server without cursors, fetches the newest page of each open conversation instead, reaching back
page by page only as far as the store's own record (so what was said while away arrives whole);
anything older waits until the operator scrolls to it (`pages.older_page`).
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from chat_console.client.errors import ClientError
from chat_console.client.pages import MAX_PAGE, MessagePages, Paging, newest_pages
from chat_console.protocol import Message, MessageStatus, Ticket
from chat_console.store import Change, ChangeKind, Store

if TYPE_CHECKING:  # the TUI imports the pages without the network stack; this module too
    from chat_console.client.operator import OperatorClient

log = logging.getLogger(__name__)

PARALLEL = 4  # HTTP requests at once while resyncing conversations
Fetch = Callable[[str], Awaitable[list[Message] | None]]  # a conversation's messages to load


async def resync(client: "OperatorClient", store: Store) -> list[Change]:
    """Bring the store up to date with the server; the changes, for the console to redraw."""
    server = client.server_url
    since = store.cursor(server)
    changed = await _ticket_changes(client, since or "")
    if changed is None:
        return []  # a server without the HTTP extras: events are all we get
    tickets, cursor, reset = changed
    changes = store.load_tickets(tickets)
    wanted = conversations_to_resync(store, client.user.user_id)
    fetch: Fetch
    if since is None or cursor is None or reset:  # first time, no cursors, a new database
        fetch = _newest(client, store)
    else:
        moved = {t.ticket_id for t in tickets}
        wanted = [t for t in wanted if t in moved]
        fetch = _changed_since(client, store, since)
    found, complete = await _each(wanted, fetch)
    for ticket_id, messages in found:
        added = store.load_messages(ticket_id, messages)
        changes += added
        await _confirm_new_deliveries(client, store, added)
    if complete:  # else the old cursor stays: the next resync asks for the same changes again
        store.save_cursor(server, cursor)
    return changes


def conversations_to_resync(store: Store, me: str) -> list[str]:
    """Open tickets this user hears about: handled by them or by nobody yet (an operator),
    or opened by them (a customer speaking the same protocol, as in the fault tests)."""
    wanted = []
    for ticket_id in store.queue():
        record = store.ticket(ticket_id)
        if record is None or record.is_closed:
            continue
        ticket = record.ticket
        if not ticket.handle_by_id or ticket.handle_by_id == me or ticket.owner_id == me:
            wanted.append(ticket_id)
    return wanted


def _newest(pages: MessagePages, store: Store) -> Fetch:
    async def fetch(ticket_id: str) -> list[Message] | None:
        page = await newest_pages(pages, store, ticket_id)
        return None if page is None else page.items

    return fetch


def _changed_since(pages: MessagePages, store: Store, since: str) -> Fetch:
    async def fetch(ticket_id: str) -> list[Message] | None:
        messages = await _changed_messages(pages, ticket_id, since)
        return None if messages is None else _within_what_is_kept(store, ticket_id, messages)

    return fetch


def _within_what_is_kept(store: Store, ticket_id: str, messages: list[Message]) -> list[Message]:
    """Leave out a change to a message older than any the store holds of the conversation (a
    late receipt deep in its history): added, it would stand where scrolling up asks the server
    for the page before, and the pages between would never come."""
    oldest_id = store.oldest_from_server(ticket_id)
    oldest = store.message(oldest_id) if oldest_id else None
    since = oldest.message.created_at if oldest else None
    if since is None:
        return messages
    return [
        m
        for m in messages
        if store.message(m.message_id) is not None or (m.created_at and m.created_at >= since)
    ]


async def _ticket_changes(
    client: "OperatorClient", since: str
) -> tuple[list[Ticket], str | None, bool] | None:
    """Every ticket changed after `since`, page after page, the cursor past them, and whether the
    server read `since` as from the start (not its cursor)."""
    page = await client.fetch_ticket_changes(since)
    if page is None:
        return None
    reset = page.reset
    tickets = list(page.items)
    paging = Paging("ticket")
    while page.more and page.next:
        following = await client.fetch_ticket_changes(paging.onward(page.next))
        if following is None:
            raise ClientError("the server stopped answering the ticket pages")
        page = following
        tickets += page.items
    return tickets, page.next, reset


async def _changed_messages(
    pages: MessagePages, ticket_id: str, since: str
) -> list[Message] | None:
    messages: list[Message] = []
    cursor: str | None = since
    paging = Paging("message")
    while cursor is not None:
        page = await pages.fetch_message_page(ticket_id, since=cursor, limit=MAX_PAGE)
        if page is None:
            return None
        messages += page.items
        cursor = paging.onward(page.next) if page.more and page.next else None
    return messages


async def _each(
    ticket_ids: Iterable[str], fetch: Fetch
) -> tuple[list[tuple[str, list[Message]]], bool]:
    """`fetch` for every ticket, PARALLEL at a time; a failed one is logged and left out (and
    the answer says not all of them came)."""
    limit = asyncio.Semaphore(PARALLEL)

    async def one(ticket_id: str) -> tuple[str, list[Message] | None]:
        async with limit:
            return ticket_id, await fetch(ticket_id)

    found = []
    complete = True
    results = await asyncio.gather(*(one(t) for t in ticket_ids), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result
            log.info("resync of a conversation failed: %s", result)
            complete = False
        elif result[1]:
            found.append((result[0], result[1]))
    return found, complete


async def _confirm_new_deliveries(
    client: "OperatorClient", store: Store, changes: list[Change]
) -> None:
    """A customer message learned by resync never had its delivery receipt: send it now."""
    for change in changes:
        record = store.message(change.message_id or "")
        if change.kind != ChangeKind.MESSAGE_ADDED or record is None or record.own:
            continue
        if record.message.status_id < MessageStatus.DELIVERED:
            with contextlib.suppress(ClientError):
                await client.confirm_delivered(record.message)
