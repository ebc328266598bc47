"""Which transport a session uses: as configured, or probed once ("auto") and remembered."""

import logging
import ssl as ssl_module

from chat_console.client.connection import SocketIO2Connection, SocketIOConnection
from chat_console.client.eio3 import EngineIOProbeError, probe_server
from chat_console.client.errors import NotConnected, fit_to_show
from chat_console.client.proxy import ENVIRONMENT, Proxies, ProxyError
from chat_console.client.transport import EventSink, Generation, Transport

logger = logging.getLogger(__name__)

AUTO = "auto"  # `[server] protocol = "auto"`: probe the server once and remember the answer


class TransportChooser:
    """Makes each round's Transport; with "auto", probes the server once per session.

    The probe's answer is kept for the life of this object (one console session): a server does
    not change generation between reconnects, and the probe costs an HTTP round trip.
    """

    def __init__(
        self,
        protocol: str,
        *,
        url: str,
        socketio_path: str,
        ssl: ssl_module.SSLContext | bool,
        connect_timeout: float = 10.0,
        proxies: Proxies = ENVIRONMENT,
        engineio_transports: list[str] | None = None,
    ) -> None:
        if protocol not in (AUTO, *Generation):
            raise ValueError(f'protocol must be "auto", "v4" or "v2", not {protocol!r}')
        self.generation: Generation | None = None if protocol == AUTO else Generation(protocol)
        self._url = url
        self._path = socketio_path
        self._ssl = ssl
        self._connect_timeout = connect_timeout
        self._proxies = proxies
        self._engineio_transports = engineio_transports  # None: both, upgrading when offered

    async def choose(self) -> Generation:
        """The generation to use; probes the server the first time when configured "auto"."""
        if self.generation is None:
            try:
                probe = await probe_server(
                    self._url,
                    self._path,
                    self._ssl,
                    request_timeout=self._connect_timeout,
                    proxy=self._proxies.for_url(self._url),
                )
            except ProxyError as error:
                raise NotConnected(str(error)) from None
            except EngineIOProbeError as error:
                raise NotConnected(
                    fit_to_show(error.args[0] if error.args else error, 200)
                ) from None
            self.generation = Generation.of_engineio(probe.version)
            logger.info(
                "probed the server: %s, offering %s", self.generation.label, probe.transports
            )
        return self.generation

    async def new(self, on_event: EventSink) -> Transport:
        """An unopened Transport for the chosen generation (probing first if need be)."""
        kind = SocketIO2Connection if await self.choose() is Generation.V2 else SocketIOConnection
        return kind(
            url=self._url,
            socketio_path=self._path,
            ssl=self._ssl,
            on_event=on_event,
            connect_timeout=self._connect_timeout,
            proxies=self._proxies,
            engineio_transports=self._engineio_transports,
        )
