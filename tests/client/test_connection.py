"""The supervisor: reconnects, re-authentication, rejected credentials, retry_now and stop."""

import asyncio
import logging

import pytest

from chat_console.client import (
    Backoff,
    ConnectionState,
    ConnectionStateChanged,
    NotConnected,
    OAuthTokens,
    OperatorClient,
    StaticToken,
    TokenUnavailable,
)
from chat_console.client.supervisor import MAX_AUTH_REJECTIONS
from chat_console.protocol import EmitEvent, Ticket, emits
from chat_console.protocol.inbound import TicketCreated, Unauthenticated
from chat_console.server.runner import RunningServer, running_server
from tests.client.conftest import (
    OP1,
    ClientFactory,
    Recorder,
    customer,
    open_ticket,
    settle,
)
from tests.helpers import WAIT, Peer, eventually, fetch_token

State = ConnectionState


def op1_oauth(url: str, password: str = "op1pass") -> OAuthTokens:
    return OAuthTokens(
        f"{url}/oauth/token", "password", "console", username="op1", password=password
    )


def changed_to(state: State):  # type: ignore[no-untyped-def]
    return lambda event: event.state is state


async def test_reconnects_after_the_server_restarts_on_the_same_port(
    make_client: ClientFactory,
) -> None:
    async with running_server() as first:
        port = first.port
        client, recorder = await make_client(first.url, tokens=op1_oauth(first.url))
        assert client.state is State.ONLINE
        mark = recorder.mark()

    lost = await recorder.after(mark, ConnectionStateChanged, changed_to(State.RECONNECTING))
    assert lost.reason
    assert lost.retry_in is not None and 0 < lost.retry_in <= 0.2
    with pytest.raises(NotConnected):
        await client.accept(Ticket(ticket_id="t-1"))

    async with running_server(port=port) as second:
        mark = recorder.mark()
        await recorder.after(mark, ConnectionStateChanged, changed_to(State.ONLINE))
        # The new server never saw the old token: the client got a new one and subscribed again.
        assert "op-1" in second.connected_users()
        await settle(client)
        peer = await customer(second.url)
        try:
            ticket = await open_ticket(peer, recorder, "after the restart")
            await client.accept(ticket)
        finally:
            await peer.close()


async def test_revoked_token_is_replaced_and_subscriptions_renewed(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    tokens = op1_oauth(server.url)
    client, recorder = await make_client(server.url, tokens=tokens)
    before = await tokens.get()
    mark = recorder.mark()

    server.revoke_tokens("op-1")

    await recorder.after(mark, Unauthenticated)
    await recorder.after(mark, ConnectionStateChanged, changed_to(State.ONLINE))
    states = [e.state for e in recorder.events[mark:] if isinstance(e, ConnectionStateChanged)]
    assert states == [State.AUTHENTICATING, State.ONLINE]  # same socket: no reconnect
    assert await tokens.get() != before
    await settle(client)
    ticket = await open_ticket(cu1, recorder, "after the revocation")
    await client.accept(ticket)


async def test_expired_token_is_replaced(make_client: ClientFactory) -> None:
    async with running_server(token_ttl=1.0) as server:
        tokens = op1_oauth(server.url)
        _, recorder = await make_client(server.url, tokens=tokens)
        first_token = await tokens.get()
        expired = await recorder.next(Unauthenticated)
        assert expired.payload == {"message": "token expired or revoked"}
        at = recorder.events.index(expired)
        await recorder.after(at, ConnectionStateChanged, changed_to(State.ONLINE))
        assert await tokens.get() != first_token
        assert recorder.states().count(State.CONNECTING) == 1  # renewed on the same socket


async def test_rejected_static_token_ends_offline_without_looping(
    server: RunningServer, make_client: ClientFactory
) -> None:
    client, recorder = await make_client(server.url, tokens=StaticToken("not-a-token"))
    offline = await recorder.next(ConnectionStateChanged, changed_to(State.OFFLINE))
    assert offline.reason == "the server rejected the access token: invalid or expired token"
    assert client.state is State.OFFLINE
    assert recorder.states().count(State.CONNECTING) == 1
    assert len(recorder.of(Unauthenticated)) == MAX_AUTH_REJECTIONS

    # It stays down until told otherwise; retry_now makes exactly one more round.
    mark = recorder.mark()
    client.retry_now()
    await recorder.after(mark, ConnectionStateChanged, changed_to(State.OFFLINE))
    assert recorder.states().count(State.CONNECTING) == 2


async def test_rejected_oauth_password_ends_offline_with_the_servers_words(
    server: RunningServer, make_client: ClientFactory
) -> None:
    tokens = op1_oauth(server.url, password="wrong-horse")
    client, recorder = await make_client(server.url, tokens=tokens)
    assert client.state is State.OFFLINE
    offline = recorder.of(ConnectionStateChanged)[-1]
    assert offline.reason is not None
    assert "invalid_grant" in offline.reason
    assert "bad username or password" in offline.reason
    assert "wrong-horse" not in offline.reason
    # The token is fetched before the socket opens: a refused grant never opens one.
    assert recorder.states() == [State.CONNECTING, State.OFFLINE]
    assert server.connected_users() == []


async def test_unreachable_server_backs_off_and_retry_now_skips_the_wait(
    make_client: ClientFactory,
) -> None:
    async with running_server() as gone:
        url = gone.url
    # A long first delay: a second attempt within WAIT can only come from retry_now.
    client, recorder = await make_client(
        url, tokens=StaticToken("t"), backoff=Backoff(first=60, ceiling=60, jitter=0)
    )
    waiting = recorder.of(ConnectionStateChanged)[-1]
    assert waiting.state is State.RECONNECTING
    assert waiting.reason is not None and waiting.reason.startswith("cannot connect")
    assert waiting.retry_in == 60
    client.retry_now()
    mark = recorder.mark()
    await recorder.after(mark, ConnectionStateChanged, changed_to(State.CONNECTING))
    await recorder.after(mark, ConnectionStateChanged, changed_to(State.RECONNECTING))


async def test_stop_unsubscribes_disconnects_and_goes_quiet(
    server: RunningServer, op1: tuple[OperatorClient, Recorder], cu1: Peer
) -> None:
    client, recorder = op1
    await client.stop()
    assert client.state is State.OFFLINE
    await eventually(lambda: "op-1" not in server.connected_users())
    count = recorder.mark()
    # A ticket opened now reaches no listener, and stop() again is harmless.
    draft = Ticket(ticket_id="t-after-stop", display_nm="unheard")
    assert await cu1.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(draft)) is None
    await client.stop()
    assert recorder.mark() == count


async def test_token_failure_that_is_not_a_rejection_is_retried(
    server: RunningServer, make_client: ClientFactory
) -> None:
    class Flaky:
        calls = 0

        async def get(self) -> str:
            self.calls += 1
            if self.calls == 1:
                raise TokenUnavailable("token endpoint unreachable: ClientConnectorError")
            return await op1_oauth(server.url).get()

        def invalidate(self) -> None:
            pass

    client, recorder = await make_client(server.url, tokens=Flaky())
    first = recorder.of(ConnectionStateChanged)[-1]
    assert first.state is State.RECONNECTING
    assert first.reason == "token endpoint unreachable: ClientConnectorError"
    await client.wait_for_state(State.ONLINE, WAIT)


async def test_a_stopped_client_can_start_again(
    server: RunningServer, op1: tuple[OperatorClient, Recorder], cu1: Peer
) -> None:
    client, recorder = op1
    await client.stop()
    await client.start()
    assert client.state is State.ONLINE
    assert recorder.states()[-3:] == [State.CONNECTING, State.AUTHENTICATING, State.ONLINE]
    await settle(client)
    ticket = await open_ticket(cu1, recorder, "after a restart of the client")
    await client.accept(ticket)


async def test_online_hooks_run_on_every_online(
    server: RunningServer, make_client: ClientFactory
) -> None:
    """The seam for an outbox: work that must happen each time the client is ONLINE again."""
    tokens = op1_oauth(server.url)
    client, _ = await make_client(server.url, tokens=tokens, start=False)
    ran: list[State] = []
    ran_twice = asyncio.Event()

    async def flush() -> None:
        ran.append(client.state)
        if len(ran) == 2:
            ran_twice.set()

    client.add_online_hook(flush)
    await client.start()
    await eventually(lambda: len(ran) == 1)
    server.revoke_tokens("op-1")
    await asyncio.wait_for(ran_twice.wait(), WAIT)
    assert ran == [State.ONLINE, State.ONLINE]


async def test_secrets_never_reach_the_log(
    server: RunningServer, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = op1_oauth(server.url)
    client, recorder = await make_client(server.url, tokens=tokens)
    first = await tokens.get()
    server.revoke_tokens("op-1")
    await recorder.next(Unauthenticated)
    await client.wait_for_state(State.ONLINE, WAIT)
    second = await tokens.get()
    await make_client(server.url, tokens=op1_oauth(server.url, password="hunter2-wrong"))
    assert caplog.records  # something was logged, so the check below means something
    for secret in (first, second, "op1pass", "hunter2-wrong"):
        assert secret not in caplog.text


async def test_a_listener_that_raises_does_not_take_the_client_down(
    server: RunningServer, cu1: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[object] = []

    def clumsy(event: object) -> None:
        seen.append(event)
        raise RuntimeError("listener bug")

    token = await fetch_token(server.url, "op1", "op1pass")
    client = OperatorClient(url=server.url, user=OP1, tokens=StaticToken(token), listener=clumsy)
    try:
        await client.start()
        assert client.state is State.ONLINE
        await settle(client)
        draft = Ticket(ticket_id="t-clumsy", display_nm="still delivered")
        assert await cu1.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(draft)) is None
        await eventually(lambda: any(isinstance(e, TicketCreated) for e in seen))
        assert "listener failed on TicketCreated" in caplog.text
    finally:
        await client.stop()


async def test_a_slow_token_command_does_not_miss_the_servers_authenticate_window(
    make_client: ClientFactory,
) -> None:
    from chat_console.client import CommandToken

    # The server drops a socket that has not authenticated within 0.5 s; the command takes 1 s.
    async with running_server(auth_timeout=0.5) as strict:
        token = await fetch_token(strict.url, "op1", "op1pass")
        slow = CommandToken(f"sleep 1; echo {token}")
        client, recorder = await make_client(strict.url, tokens=slow)
        assert client.state is State.ONLINE
        assert State.RECONNECTING not in recorder.states()
