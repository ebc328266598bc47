"""The reference server's read-only HTTP extras (PROTOCOL.md reading 10), where a server has them.

A server without them answers 404 (or is not an HTTP API at all): that reads as `None`, "unknown",
so the console falls back to its local record and to events. Items that do not validate are
skipped one by one, like any other untrusted input.

Pages (`fetch_ticket_changes`, `fetch_message_page`): the reference server answers an object with
the items, `more` and a `next` cursor; a server that answers a plain list, or no `next`, reads as
one page without a cursor, and the resync falls back to the newest page per conversation.
"""

import logging
import ssl as ssl_module
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import ValidationError

from chat_console.client.errors import ClientError, fit_to_show
from chat_console.client.pages import MAX_PAGE, PAGE, Page
from chat_console.client.proxy import ENVIRONMENT, Proxies, ProxyError
from chat_console.client.tokens import TokenProvider
from chat_console.protocol.models import Message, Ticket, User, WireModel

log = logging.getLogger(__name__)

_TIMEOUT = aiohttp.ClientTimeout(total=15.0)
_Model = TypeVar("_Model", bound=WireModel)
MAX_CURSOR = 256  # characters of a server's cursor; the reference server's are about 20


async def fetch_ticket_changes(
    base_url: str,
    tokens: TokenProvider,
    ssl: ssl_module.SSLContext | bool,
    since: str,
    limit: int = MAX_PAGE,
    *,
    proxies: Proxies = ENVIRONMENT,
) -> Page[Ticket] | None:
    """Tickets changed after cursor `since` ("" for all), the server's own included."""
    params = {"since": since, "limit": str(limit)}
    body = await get_json(base_url, "/api/tickets", tokens, ssl, params, proxies=proxies)
    return _page(body, "tickets", Ticket)


async def fetch_message_page(
    base_url: str,
    ticket_id: str,
    tokens: TokenProvider,
    ssl: ssl_module.SSLContext | bool,
    *,
    since: str | None = None,
    before: str | None = None,
    limit: int = PAGE,
    proxies: Proxies = ENVIRONMENT,
) -> Page[Message] | None:
    """Messages changed after `since`, or else the newest page older than message `before` (or
    the newest page of all), oldest first."""
    params = {"limit": str(limit)}
    if since is not None:
        params["since"] = since
    if before is not None:
        params["before"] = before
    path = f"/api/tickets/{quote(ticket_id, safe='')}/messages"
    body = await get_json(base_url, path, tokens, ssl, params, proxies=proxies)
    return _page(body, "messages", Message)


async def fetch_tickets(
    base_url: str,
    tokens: TokenProvider,
    ssl: ssl_module.SSLContext | bool,
    *,
    proxies: Proxies = ENVIRONMENT,
) -> list[Ticket] | None:
    return _models(await get_json(base_url, "/api/tickets", tokens, ssl, proxies=proxies), Ticket)


async def fetch_messages(
    base_url: str,
    ticket_id: str,
    tokens: TokenProvider,
    ssl: ssl_module.SSLContext | bool,
    *,
    proxies: Proxies = ENVIRONMENT,
) -> list[Message] | None:
    path = f"/api/tickets/{quote(ticket_id, safe='')}/messages"
    return _models(await get_json(base_url, path, tokens, ssl, proxies=proxies), Message)


async def fetch_operators(
    base_url: str,
    tokens: TokenProvider,
    ssl: ssl_module.SSLContext | bool,
    *,
    proxies: Proxies = ENVIRONMENT,
) -> list[User] | None:
    return _models(await get_json(base_url, "/api/operators", tokens, ssl, proxies=proxies), User)


async def get_json(
    base_url: str,
    path: str,
    tokens: TokenProvider,
    ssl: ssl_module.SSLContext | bool,
    params: dict[str, str] | None = None,
    *,
    proxies: Proxies = ENVIRONMENT,
) -> Any:
    """GET with the bearer token (one retry with a fresh token on 401); None on 404/405."""
    try:
        proxy = proxies.for_url(base_url)
    except ProxyError as error:
        raise ClientError(f"{path}: {error}") from None
    for attempt in range(2):
        token = await tokens.get()
        try:
            async with (
                aiohttp.ClientSession(timeout=_TIMEOUT) as http,
                http.get(
                    base_url + path,
                    headers={"Authorization": f"Bearer {token}"},
                    params=params,
                    ssl=ssl,
                    proxy=proxy,
                ) as response,
            ):
                status = response.status
                body = await response.json(content_type=None) if status == 200 else None
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise ClientError(f"{path}: {fit_to_show(type(error).__name__)}") from None
        if status == 200:
            return body
        if status in (404, 405):
            return None
        if status == 401 and attempt == 0:
            tokens.invalidate()
            continue
        raise ClientError(f"{path}: the server answered HTTP {status}")
    return None  # unreachable: the loop returns or raises


def _models(body: Any, model: type[_Model]) -> list[_Model] | None:
    if body is None:
        return None
    if not isinstance(body, list):
        raise ClientError(f"expected a list of {model.__name__} objects")
    items = []
    for raw in body:
        try:
            items.append(model.model_validate(raw))
        except ValidationError:
            log.warning("skipped an unreadable %s from the HTTP extras", model.__name__)
    return items


def _page(body: Any, key: str, model: type[_Model]) -> Page[_Model] | None:
    if body is None:
        return None
    if isinstance(body, list):  # a server that does not page: everything, and no cursor
        return Page(_models(body, model) or [], None, False)
    if not isinstance(body, dict):
        raise ClientError(f"expected a page of {model.__name__} objects")
    items = _models(body.get(key, []), model) or []
    return Page(
        items, _cursor(body.get("next")), body.get("more") is True, body.get("reset") is True
    )


def _cursor(value: object) -> str | None:
    """A cursor the store can keep and a URL can carry back, else none (the fallback)."""
    if isinstance(value, str) and 0 < len(value) <= MAX_CURSOR and value.isascii():
        return value if value.isprintable() else None
    return None
