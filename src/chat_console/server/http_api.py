"""HTTP routes: the OAuth2 token endpoint (RFC 6749 errors) and read-only extras (reading 10).

The extras answer a plain list (everything) to a caller that passes no paging parameter, as they
always did; `since=`, `before=` or `limit=` asks for a page, an object that carries a cursor (see
the server's README, "HTTP extras").
"""

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from chat_console.protocol import to_wire
from chat_console.server import rules
from chat_console.server.accounts import Account, Accounts, Role
from chat_console.server.login_throttle import LoginThrottle
from chat_console.server.storage import MAX_PAGE, Page, ServerStore, whole_number
from chat_console.server.tokens import TokenStore

log = logging.getLogger("chat_console.server")

_NO_CACHE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
DEFAULT_PAGE = 200  # rows in a page when the caller asks for a page without saying how long
_PAGING = ("since", "before", "limit")


@dataclass
class ExtrasServed:
    """What the HTTP extras answered, counted, so tests and benchmarks can see what a resync
    cost at the server."""

    requests: int = 0
    tickets: int = 0
    messages: int = 0


def _bad_request(words: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": words}), content_type="application/json")


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit")
    if raw is None:
        return DEFAULT_PAGE
    limit = whole_number(raw[:30])
    if limit is None or limit < 1:
        raise _bad_request("limit must be a whole number from 1")
    return min(limit, MAX_PAGE)


def _oauth_error(error: str, status: int = 400, description: str | None = None) -> web.Response:
    body = {"error": error}
    if description:
        body["error_description"] = description
    headers = dict(_NO_CACHE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="chat-console"'
    return web.json_response(body, status=status, headers=headers)


async def _form(request: web.Request) -> dict[str, str]:
    """Token request parameters from a form-encoded or a JSON body."""
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}
    posted = await request.post()
    return {k: v for k, v in posted.items() if isinstance(v, str)}


def _basic_credentials(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def _too_many_attempts(retry_after: int) -> web.Response:
    return web.json_response(
        {
            "error": "too_many_attempts",
            "error_description": f"too many failed attempts: retry after {retry_after} s",
        },
        status=429,
        headers={**_NO_CACHE, "Retry-After": str(retry_after)},
    )


def _named_account(grant_type: str, form: dict[str, str], request: web.Request) -> str | None:
    """The account (or client) a token request names, for counting failures against it."""
    if grant_type == "password":
        return f"user:{form.get('username', '')}"
    if grant_type == "client_credentials":
        basic = _basic_credentials(request)
        return f"client:{basic[0] if basic else form.get('client_id', '')}"
    return None


class HttpApi:
    def __init__(
        self,
        accounts: Accounts,
        tokens: TokenStore,
        store: ServerStore,
        throttle: LoginThrottle | None = None,
        *,
        extras: bool = True,
        cursors: bool = True,
    ) -> None:
        """`extras=False` leaves out the reading-10 extras, /api/tickets… and /api/operators
        (they answer 404, as on a server without them; /api/me stays: the simulated customers
        learn who they are from it); `cursors=False` ignores `since=` and answers without a
        cursor, as a server that pages but cannot say what changed (both stand in for other
        servers in tests)."""
        self.accounts = accounts
        self.tokens = tokens
        self.store = store
        self.throttle = throttle or LoginThrottle()
        self.extras = extras
        self.cursors = cursors
        self.served = ExtrasServed()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/oauth/token", self.token)
        if self.extras:
            app.router.add_get("/api/tickets", self.list_tickets)
            app.router.add_get("/api/tickets/{ticket_id}/messages", self.list_messages)
            app.router.add_get("/api/operators", self.list_operators)
        app.router.add_get("/api/me", self.me)
        app.router.add_get("/healthz", self.health)

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def token(self, request: web.Request) -> web.Response:
        """Throttled: past the failures allowed for the named account or the caller's address,
        every attempt is answered 429 before any credential is checked."""
        form = await _form(request)
        grant_type = form.get("grant_type", "")
        named, address = _named_account(grant_type, form, request), request.remote or "unknown"
        retry_after = self.throttle.retry_after(named, address)
        if retry_after:
            log.info("token refused: too many failed attempts (%s from %s)", named, address)
            return _too_many_attempts(retry_after)
        response = self._grant(request, form, grant_type)
        if response.status in (400, 401) and grant_type:
            self.throttle.failed(named, address)
        return response

    def _grant(self, request: web.Request, form: dict[str, str], grant_type: str) -> web.Response:
        if grant_type == "password":
            username, password = form.get("username"), form.get("password")
            if not username or password is None:
                return _oauth_error("invalid_request", description="username and password needed")
            account = self.accounts.check_password(username, password)
            if account is None:
                log.info("token refused: bad password grant")
                return _oauth_error("invalid_grant", description="bad username or password")
        elif grant_type == "client_credentials":
            basic = _basic_credentials(request)
            client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
            if not client_id or secret is None:
                return _oauth_error("invalid_client", 401, "client credentials needed")
            account = self.accounts.check_client(client_id, secret)
            if account is None:
                log.info("token refused: bad client credentials")
                return _oauth_error("invalid_client", 401, "bad client credentials")
        elif grant_type == "refresh_token":
            refresh_token = form.get("refresh_token")
            if not refresh_token:
                return _oauth_error("invalid_request", description="refresh_token needed")
            grant = self.tokens.refresh(refresh_token)
            if grant is None:
                log.info("token refused: unknown, used or expired refresh token")
                return _oauth_error("invalid_grant", description="refresh token not valid")
            return web.json_response(grant.as_response(), headers=_NO_CACHE)
        elif not grant_type:
            return _oauth_error("invalid_request", description="grant_type needed")
        else:
            return _oauth_error("unsupported_grant_type")
        log.info("token issued to %s (%s grant)", account.user_id, grant_type)
        return web.json_response(
            self.tokens.issue(account.user_id).as_response(), headers=_NO_CACHE
        )

    def _caller(self, request: web.Request) -> Account:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user_id = self.tokens.user_for(token.strip()) if scheme.lower() == "bearer" else None
        account = self.accounts.by_user_id(user_id) if user_id else None
        if account is None:
            raise web.HTTPUnauthorized(
                text=json.dumps({"error": "invalid_token"}),
                content_type="application/json",
                headers={"WWW-Authenticate": 'Bearer realm="chat-console"'},
            )
        return account

    def _wants_page(self, request: web.Request) -> bool:
        return any(name in request.query for name in _PAGING)

    def _since(self, request: web.Request) -> tuple[int | None, bool]:
        """The change after which the caller asks (None: it does not ask by change), and whether
        its cursor named another database, so that the answer starts from the beginning."""
        since = request.query.get("since")
        if since is None or not self.cursors:
            return None, False
        after = self.store.change_after(since) if since else 0
        return (0, True) if after is None else (after, False)

    def _answer(
        self, key: str, items: list[dict[str, Any]], page: Page[Any], reset: bool
    ) -> web.Response:
        self.served.requests += 1
        setattr(self.served, key, getattr(self.served, key) + len(items))
        body: dict[str, Any] = {key: items, "more": page.more}
        if self.cursors:
            body["next"] = self.store.cursor_at(page.last)
        if reset:
            body["reset"] = True
        return web.json_response(body)

    async def list_tickets(self, request: web.Request) -> web.Response:
        caller = self._caller(request)
        owner = None if caller.role is Role.OPERATOR else caller.user_id
        if not self.cursors or not self._wants_page(request):
            tickets = [rules.ticket_wire(t) for t in self.store.tickets(owner)]
            self.served.requests += 1
            self.served.tickets += len(tickets)
            return web.json_response(tickets)
        since, reset = self._since(request)
        page = self.store.tickets_changed(since or 0, _limit(request), owner)
        return self._answer("tickets", [rules.ticket_wire(t) for t in page.rows], page, reset)

    async def list_messages(self, request: web.Request) -> web.Response:
        caller = self._caller(request)
        ticket = self.store.get_ticket(request.match_info["ticket_id"])
        if ticket is None:
            raise web.HTTPNotFound(
                text='{"error": "unknown ticket"}', content_type="application/json"
            )
        if not rules.may_see(caller, ticket):
            raise web.HTTPForbidden(text='{"error": "not yours"}', content_type="application/json")
        if not self._wants_page(request):
            body: list[dict[str, Any]] = [to_wire(m) for m in self.store.messages(ticket.ticket_id)]
            self.served.requests += 1
            self.served.messages += len(body)
            return web.json_response(body)
        (since, reset), limit = self._since(request), _limit(request)
        if since is not None:
            page = self.store.messages_changed(ticket.ticket_id, since, limit)
        else:
            page = self.store.messages_before(ticket.ticket_id, request.query.get("before"), limit)
        return self._answer("messages", [to_wire(m) for m in page.rows], page, reset)

    async def list_operators(self, request: web.Request) -> web.Response:
        self._caller(request)
        return web.json_response(
            [{"userId": a.user_id, "fullNm": a.full_name} for a in self.accounts.operators()]
        )

    async def me(self, request: web.Request) -> web.Response:
        caller = self._caller(request)
        return web.json_response(
            {"userId": caller.user_id, "fullNm": caller.full_name, "role": str(caller.role)}
        )
