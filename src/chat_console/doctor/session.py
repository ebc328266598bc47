"""The checks that speak to the chat server: Engine.IO version, token, authenticate, subscribe,
and an acknowledged round trip, over the same transport the console would use."""

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from chat_console.client.eio3 import EngineIOProbeError, probe_server
from chat_console.client.errors import ClientError, fit_to_show
from chat_console.client.factory import tokens_from_settings, user_from_settings
from chat_console.client.transport import Generation
from chat_console.client.transport_choice import TransportChooser
from chat_console.config import AuthMethod
from chat_console.doctor.outcome import Findings, Outcome, failed, passed
from chat_console.protocol import EmitEvent, emits
from chat_console.protocol.inbound import Authenticated, ProtocolError, Unauthenticated, decode

TOKEN_TIMEOUT = 30.0  # a token command may ask the operator's keyring for a passphrase
ANSWER_TIMEOUT = 10.0
_DOCTOR = "chat-console-doctor"  # a sender nobody is: reading "all" its messages changes nothing

_WIRE_NAMES = {"websocket": "websocket", "polling": "HTTP long-polling"}

_TOKEN_FIXES = {
    AuthMethod.TOKEN: "replace [auth] token with a valid access token",
    AuthMethod.TOKEN_COMMAND: "run [auth] token_command by hand and check what it prints",
    AuthMethod.OAUTH: "check [auth] token_url, username and password_command "
    '(or client_id and client_secret, and client_auth = "basic" or "post")',
}


async def check_engineio(found: Findings) -> Outcome:
    settings = found.need_settings()
    server = settings.server
    try:
        probe = await probe_server(server.url, server.socketio_path, found.ssl, proxy=found.proxy)
    except EngineIOProbeError as error:
        return failed(
            "engine.io",
            str(error),
            "check [server] url and socketio_path: is a Socket.IO server mounted there?",
        )
    generation = Generation.of_engineio(probe.version)
    if server.protocol not in ("auto", generation):
        return failed(
            "engine.io",
            f'the server speaks {generation.label} but [server] protocol = "{server.protocol}"',
            f'set [server] protocol = "auto" or "{generation}"',
        )
    if "polling" not in server.transports and "websocket" not in probe.upgrades:
        return failed(
            "engine.io",
            f"the server offers {probe.transports} but [server] transports = "
            f"{_toml_list(server.transports)}",
            'set [server] transports = ["websocket", "polling"]',
        )
    found.generation = generation
    how = "probed" if server.protocol == "auto" else "as configured"
    return passed(
        "engine.io",
        f"the server speaks {generation.label} and offers {probe.transports}: the console uses "
        f'its {generation} transport ([server] protocol = "{server.protocol}": {how}){found.via()}',
    )


def _toml_list(names: Sequence[str]) -> str:
    return "[" + ", ".join(f'"{name}"' for name in names) + "]"


async def check_token(found: Findings) -> Outcome:
    settings = found.need_settings()
    method = settings.auth.method
    found.tokens = tokens_from_settings(settings, found.ssl, found.proxies)
    try:
        found.token = await asyncio.wait_for(found.tokens.get(), TOKEN_TIMEOUT)
    except TimeoutError:
        return failed("token", f"no token within {TOKEN_TIMEOUT:g} s", _TOKEN_FIXES[method])
    except ClientError as error:  # its words never hold the secret
        return failed("token", str(error), _TOKEN_FIXES[method])
    via = found.via(settings.auth.token_url) if method is AuthMethod.OAUTH else ""
    return passed("token", f"got an access token ({method}; not shown){via}")


async def check_authenticate(found: Findings) -> Outcome:
    settings = found.need_settings()
    assert found.generation is not None and found.token is not None
    chooser = TransportChooser(
        found.generation,
        url=settings.server.url,
        socketio_path=settings.server.socketio_path,
        ssl=found.ssl,
        proxies=found.proxies,
        engineio_transports=list(settings.server.transports),
    )
    transport = await chooser.new(lambda event, args: found.inbox.put_nowait((event, args)))
    found.transport = transport
    try:
        await transport.open()
        await transport.emit(EmitEvent.AUTHENTICATE, emits.authenticate(found.token))
    except ClientError as error:
        return failed(
            "authenticate",
            f"no Socket.IO connection: {error}",
            "check [server] url and socketio_path",
        )
    wire = _WIRE_NAMES.get(transport.engineio_transport or "", "an unknown transport")
    answer = await _auth_answer(found)
    if isinstance(answer, Authenticated):
        return passed(
            "authenticate", f"the server answered authenticated (over {wire}){found.via()}"
        )
    if isinstance(answer, Unauthenticated):
        words = _message(answer.payload)
        return failed(
            "authenticate",
            f"the server answered unauthenticated{': ' + words if words else ''}",
            f"{_TOKEN_FIXES[settings.auth.method]}; the token must be for an operator account",
        )
    return failed(
        "authenticate",
        answer,
        "check that the server uses the `authenticate` event of the live-chat protocol",
    )


async def check_subscribe(found: Findings) -> Outcome:
    settings = found.need_settings()
    transport = found.transport
    assert transport is not None
    user = user_from_settings(settings)
    try:
        await transport.emit(EmitEvent.SUBSCRIBE, emits.subscribe(user))
        await transport.emit(EmitEvent.SUBSCRIBE_OPERATOR, emits.subscribe_operator())
        # A socket's events are handled in order: an answer to this proves both were handled.
        await _round_trip(found)
    except ClientError as error:
        return failed("subscribe", str(error), "see the server's log for why it dropped us")
    refused = _drain_unauthenticated(found)
    if refused:
        return failed(
            "subscribe", "the server answered unauthenticated", _TOKEN_FIXES[settings.auth.method]
        )
    return passed(
        "subscribe", f"subscribed as {user.user_id} and to the operators' channel; still connected"
    )


async def check_round_trip(found: Findings) -> Outcome:
    started = time.monotonic()
    try:
        err = await _round_trip(found)
    except ClientError as error:
        return failed(
            "round trip",
            str(error),
            "the server takes events but does not answer them: see its log",
        )
    elapsed = (time.monotonic() - started) * 1000
    said = f" (it said: {fit_to_show(err, 80)})" if err not in (None, "", False) else ""
    return passed("round trip", f"an acknowledged emit took {elapsed:.0f} ms{said}")


async def _round_trip(found: Findings) -> Any:
    """An acked emit that changes nothing; returns the ack's error argument."""
    settings = found.need_settings()
    assert found.transport is not None
    args = emits.confirm_all_read(settings.operator.user_id, _DOCTOR)
    ack = await found.transport.call(
        EmitEvent.UPDATE_MESSAGE_STATUS, args, within=settings.client.ack_timeout
    )
    return ack[0] if ack else None


async def _auth_answer(found: Findings) -> Authenticated | Unauthenticated | str:
    """The server's answer to `authenticate`, or why there was none."""
    assert found.transport is not None
    lost = found.transport.lost
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT):
            while True:
                getting = asyncio.ensure_future(found.inbox.get())
                either: set[asyncio.Future[Any]] = {getting, lost}
                await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
                if not getting.done():
                    getting.cancel()
                    return f"the server closed the connection without answering ({lost.result()})"
                answer = _decoded(*getting.result())
                if isinstance(answer, Authenticated | Unauthenticated):
                    return answer
    except TimeoutError:
        return f"no answer to authenticate within {ANSWER_TIMEOUT:g} s"


def _drain_unauthenticated(found: Findings) -> bool:
    refused = False
    while not found.inbox.empty():
        refused |= isinstance(_decoded(*found.inbox.get_nowait()), Unauthenticated)
    return refused


def _decoded(event: str, args: tuple[Any, ...]) -> object:
    try:
        return decode(event, args)
    except ProtocolError:
        return None


def _message(payload: Any) -> str:
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        return fit_to_show(payload["message"], 160)
    return ""
