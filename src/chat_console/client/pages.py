"""Pages of a conversation from the server's HTTP extras, and where they go in the store.

Kept apart from the client (no network import here): the TUI pages with them through its port.
"""

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from chat_console.client.errors import ClientError
from chat_console.protocol import Message
from chat_console.protocol.models import WireModel
from chat_console.store import Store

PAGE = 200  # messages in a page of a conversation's history (as many as the store keeps in memory)
MAX_PAGE = 1000  # what the reference server gives at most in one page

Item = TypeVar("Item", bound=WireModel)


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One answer of the extras: `next` is the cursor to pass as `since=` (None: the server has
    none), `more` says the server left items out (later changes, or older messages), `reset` that
    the cursor passed was not the server's (its database was replaced): the answer starts from
    the beginning."""

    items: list[Item]
    next: str | None
    more: bool
    reset: bool = False


MAX_PAGES = 1_000  # pages of one answer: a server that always says "more" must not loop forever


class Paging:
    """Where an answer's pages have been: each page must lead somewhere new, and only so far."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._seen: set[str] = set()

    def onward(self, cursor: str) -> str:
        if cursor in self._seen or len(self._seen) >= MAX_PAGES:
            raise ClientError(f"the server's {self.what} pages do not come to an end")
        self._seen.add(cursor)
        return cursor


class MessagePages(Protocol):
    """What paging a conversation needs of a client (OperatorClient, the TUI's ClientPort)."""

    async def fetch_message_page(
        self,
        ticket_id: str,
        *,
        since: str | None = ...,
        before: str | None = ...,
        limit: int = ...,
    ) -> Page[Message] | None: ...


async def newest_pages(pages: MessagePages, store: Store, ticket_id: str) -> Page[Message] | None:
    """The conversation's newest page, and the older pages back to a message the store has
    (none when the store has nothing of it yet), oldest first; `more` says older ones remain.
    None from a server without the HTTP extras."""
    known = store.oldest_from_server(ticket_id) is not None
    items: list[Message] = []
    before = None
    paging = Paging("message")
    while True:
        page = await pages.fetch_message_page(ticket_id, before=before)
        if page is None:
            return None
        items[:0] = page.items
        overlap = any(store.message(m.message_id) is not None for m in page.items)
        if not (page.more and known and page.items) or overlap:
            return Page(items, page.next, page.more)
        before = paging.onward(page.items[0].message_id)


async def older_page(pages: MessagePages, store: Store, ticket_id: str) -> Page[Message] | None:
    """The page just older than what the store holds of the conversation, loaded into it;
    None where the server cannot say (no HTTP extras, or nothing the server knows to start at)."""
    oldest = store.oldest_from_server(ticket_id)
    if oldest is None:
        return None
    page = await pages.fetch_message_page(ticket_id, before=oldest, limit=PAGE)
    if page is not None and page.items:
        store.load_earlier(ticket_id, page.items)
    return page
