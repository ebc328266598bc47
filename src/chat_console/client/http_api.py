"""The reference server's read-only HTTP extras (PROTOCOL.md reading 10), where a server has them.

A server without them answers 404 (or is not an HTTP API at all): that reads as `None`, "unknown",
so the console falls back to its local record and to events. Items that do not validate are
skipped one by one, like any other untrusted input.
"""

import logging
import ssl as ssl_module
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import ValidationError

from chat_console.client.errors import ClientError, fit_to_show
from chat_console.client.tokens import TokenProvider
from chat_console.protocol.models import Message, Ticket, User, WireModel

log = logging.getLogger(__name__)

_TIMEOUT = aiohttp.ClientTimeout(total=15.0)
_Model = TypeVar("_Model", bound=WireModel)


async def fetch_tickets(
    base_url: str, tokens: TokenProvider, ssl: ssl_module.SSLContext | bool
) -> list[Ticket] | None:
    return _models(await get_json(base_url, "/api/tickets", tokens, ssl), Ticket)


async def fetch_messages(
    base_url: str, ticket_id: str, tokens: TokenProvider, ssl: ssl_module.SSLContext | bool
) -> list[Message] | None:
    path = f"/api/tickets/{quote(ticket_id, safe='')}/messages"
    return _models(await get_json(base_url, path, tokens, ssl), Message)


async def fetch_operators(
    base_url: str, tokens: TokenProvider, ssl: ssl_module.SSLContext | bool
) -> list[User] | None:
    return _models(await get_json(base_url, "/api/operators", tokens, ssl), User)


async def get_json(
    base_url: str, path: str, tokens: TokenProvider, ssl: ssl_module.SSLContext | bool
) -> Any:
    """GET with the bearer token (one retry with a fresh token on 401); None on 404/405."""
    for attempt in range(2):
        token = await tokens.get()
        try:
            async with (
                aiohttp.ClientSession(timeout=_TIMEOUT) as http,
                http.get(
                    base_url + path, headers={"Authorization": f"Bearer {token}"}, ssl=ssl
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
