"""Where access tokens come from: a fixed string, a command's output, or an OAuth2 endpoint.

A provider caches what it has and hands it out from `get()`; the client calls `invalidate()` when
the server says `unauthenticated`, and the next `get()` fetches afresh. Secrets never appear in a
repr, an error message or a log line.
"""

import asyncio
import base64
import contextlib
import os
import signal
import ssl as ssl_module
import time
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote_plus

import aiohttp

from chat_console.client.errors import AuthenticationFailed, TokenUnavailable, fit_to_show
from chat_console.client.proxy import ENVIRONMENT, Proxies, ProxyError
from chat_console.redaction import remember_secret

_HIDDEN = "***"
# Refresh this long before the server's stated expiry, so a token does not lapse mid-handshake.
EXPIRY_MARGIN = 30.0
_COMMAND_TIMEOUT = 30.0
_HTTP_TIMEOUT = 15.0
# How the client secret reaches the token endpoint (RFC 6749, 2.3.1): an HTTP Basic header
# (`client_secret_basic`, which many identity providers require) or the form (`client_secret_post`).
CLIENT_AUTH_BASIC = "basic"
CLIENT_AUTH_POST = "post"


@runtime_checkable
class TokenProvider(Protocol):
    async def get(self) -> str: ...

    def invalidate(self) -> None: ...


class StaticToken:
    """A fixed access token from the config. Invalidating it changes nothing: it is all we have."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("empty token")
        remember_secret(token)
        self._token = token

    async def get(self) -> str:
        return self._token

    def invalidate(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"StaticToken({_HIDDEN})"


async def run_secret_command(command: str, what: str, limit: float = _COMMAND_TIMEOUT) -> str:
    """Run `command` in a shell and return its stripped stdout; errors never include the stdout."""
    try:
        process = await asyncio.create_subprocess_shell(
            command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            # Its own process group, so that killing it also ends what the shell started
            # (pass, gpg, a browser helper) instead of leaving them behind.
            start_new_session=True,
        )
    except OSError as error:
        raise AuthenticationFailed(f"{what} could not start: {error.strerror or error}") from None
    try:
        out, err = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        await _kill_group(process)
        # Slow is not wrong (an agent waiting for a PIN): try again later, not give up.
        raise TokenUnavailable(f"{what} did not finish within {limit:g} s") from None
    except BaseException:  # cancelled (quit while authenticating): leave nothing running
        await _kill_group(process)
        raise
    value = out.decode("utf-8", "replace").strip()
    if process.returncode != 0:
        raise AuthenticationFailed(
            f"{what} failed (exit {process.returncode}){_stderr_hint(err, value)}"
        )
    if not value:
        raise AuthenticationFailed(f"{what} printed nothing")
    remember_secret(value)
    return value


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()


def _stderr_hint(err: bytes, secret: str) -> str:
    """The last line of stderr, for a clue; dropped if it could contain what stdout held."""
    lines = err.decode("utf-8", "replace").strip().splitlines()
    if not lines:
        return ""
    last = lines[-1].strip()
    if not last or (secret and secret in last):
        return ""
    return f": {fit_to_show(last, 160)}"


class CommandToken:
    """A token printed by a command (e.g. `pass show chat/token`), run again after invalidate()."""

    def __init__(self, command: str, *, timeout: float = _COMMAND_TIMEOUT) -> None:
        if not command.strip():
            raise ValueError("empty token command")
        self._command = command
        self._timeout = timeout
        self._token: str | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        async with self._lock:
            if self._token is None:
                self._token = await run_secret_command(
                    self._command, "token command", self._timeout
                )
            return self._token

    def invalidate(self) -> None:
        self._token = None

    def __repr__(self) -> str:
        # The command itself may embed a secret (`--password=...`): show only its program.
        program = self._command.split(maxsplit=1)[0]
        return f"CommandToken({program!r} ...)"


class OAuthTokens:
    """OAuth2 access tokens (grant `password` or `client_credentials`) from a token endpoint.

    The token is cached until `EXPIRY_MARGIN` seconds before it expires. A refresh uses the refresh
    token first and falls back to a new grant if the endpoint refuses it.
    """

    def __init__(
        self,
        token_url: str,
        grant_type: str,
        client_id: str,
        client_secret: str = "",
        username: str = "",
        password: str = "",
        *,
        password_command: str = "",
        ssl: ssl_module.SSLContext | bool = True,
        client_auth: str = CLIENT_AUTH_POST,
        proxies: Proxies = ENVIRONMENT,
    ) -> None:
        if grant_type not in ("password", "client_credentials"):
            raise ValueError(f"unsupported grant_type {grant_type!r}")
        if client_auth not in (CLIENT_AUTH_BASIC, CLIENT_AUTH_POST):
            raise ValueError(f'client_auth must be "basic" or "post", not {client_auth!r}')
        self._token_url = token_url
        self._grant_type = grant_type
        remember_secret(client_secret)
        remember_secret(password)
        self._client_id = client_id
        self._client_secret = client_secret
        self._basic = _basic_header(client_id, client_secret) if client_auth == "basic" else None
        self._username = username
        self._password = password
        self._password_command = password_command
        self._ssl = ssl
        self._proxies = proxies
        self._access: str | None = None
        self._expires_at = 0.0  # time.monotonic()
        self._refresh: str | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return (
            f"OAuthTokens({self._token_url!r}, grant_type={self._grant_type!r},"
            f" client_id={self._client_id!r}, username={self._username!r}, secrets={_HIDDEN})"
        )

    def invalidate(self) -> None:
        # Keep the refresh token: it is what makes the next get() cheap.
        self._access = None

    async def get(self) -> str:
        async with self._lock:
            if self._access is not None and time.monotonic() < self._expires_at:
                return self._access
            self._access = None
            if self._refresh:
                try:
                    return await self._request(
                        {"grant_type": "refresh_token", "refresh_token": self._refresh}
                    )
                except AuthenticationFailed:
                    self._refresh = None  # refused or expired: fall back to a new grant
            return await self._request(await self._grant_form())

    async def _grant_form(self) -> dict[str, str]:
        if self._grant_type == "client_credentials":
            return {"grant_type": "client_credentials"}
        password = self._password
        if self._password_command:
            password = await run_secret_command(self._password_command, "password command")
        return {"grant_type": "password", "username": self._username, "password": password}

    def _client_credentials(self, form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """The form and headers with the client's credentials where `client_auth` puts them."""
        if self._basic is not None:
            return form, {"Authorization": self._basic}
        # A public client (password grant) may have no client_id at all.
        if self._client_id:
            form = {**form, "client_id": self._client_id}
        if self._client_secret:
            form["client_secret"] = self._client_secret
        return form, {}

    async def _request(self, form: dict[str, str]) -> str:
        form, headers = self._client_credentials(form)
        timeout = aiohttp.ClientTimeout(total=_HTTP_TIMEOUT)
        try:
            proxy = self._proxies.for_url(self._token_url)
        except ProxyError as error:
            raise TokenUnavailable(f"token endpoint: {error}") from None
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(
                    self._token_url, data=form, headers=headers, ssl=self._ssl, proxy=proxy
                ) as response,
            ):
                body = await _json_or_none(response)
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TokenUnavailable(
                f"token endpoint unreachable: {fit_to_show(type(error).__name__)}"
            ) from None
        if status != 200:
            raise self._failure(status, body)
        return self._accept(body)

    def _failure(self, status: int, body: Any) -> Exception:
        code = body.get("error") if isinstance(body, dict) else None
        detail = body.get("error_description") if isinstance(body, dict) else None
        words = ": ".join(fit_to_show(part, 160) for part in (code, detail) if part)
        text = f"token endpoint refused (HTTP {status})" + (f": {words}" if words else "")
        # 4xx: refused credentials or a config mistake (unsupported_grant_type): retrying is futile.
        if 400 <= status < 500:
            return AuthenticationFailed(text)
        return TokenUnavailable(text)

    def _accept(self, body: Any) -> str:
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenUnavailable("token endpoint answered without an access_token")
        remember_secret(token)
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
        # A very short-lived token is still used once rather than refreshed forever.
        self._expires_at = time.monotonic() + max(lifetime - EXPIRY_MARGIN, lifetime / 2)
        refresh = body.get("refresh_token")
        if isinstance(refresh, str) and refresh:
            remember_secret(refresh)
            self._refresh = refresh
        self._access = token
        return token


def _basic_header(client_id: str, client_secret: str) -> str | None:
    """`Authorization: Basic` for a confidential client; None for a public one (no secret), which
    names itself in the form instead. RFC 6749 form-encodes both parts before base64."""
    if not client_secret:
        return None
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    encoded = base64.b64encode(pair.encode()).decode("ascii")
    remember_secret(encoded)  # the header holds the secret as surely as the form would
    return f"Basic {encoded}"


async def _json_or_none(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return None
