"""Build an OperatorClient from Settings: the token provider, the TLS context, the user object."""

import ssl as ssl_module

from chat_console.client.events import Listener
from chat_console.client.operator import OperatorClient
from chat_console.client.proxy import Proxies
from chat_console.client.tokens import CommandToken, OAuthTokens, StaticToken, TokenProvider
from chat_console.config import AuthMethod, Settings
from chat_console.protocol.models import User


def tls_from_settings(settings: Settings) -> ssl_module.SSLContext | bool:
    """What aiohttp/python-socketio take as `ssl`: a context with the CA file, False, or True."""
    server = settings.server
    if not server.verify_tls:
        return False
    if server.ca_file:
        return ssl_module.create_default_context(cafile=server.ca_file)
    return True


def proxies_from_settings(settings: Settings) -> Proxies:
    """`[server] proxy` when set (`""`: none), else the environment's proxy variables."""
    return Proxies(settings.server.proxy)


def tokens_from_settings(
    settings: Settings,
    ssl: ssl_module.SSLContext | bool = True,
    proxies: Proxies | None = None,
) -> TokenProvider:
    auth = settings.auth
    match auth.method:
        case AuthMethod.TOKEN:
            return StaticToken(auth.token.get_secret_value())
        case AuthMethod.TOKEN_COMMAND:
            return CommandToken(auth.token_command)
        case AuthMethod.OAUTH:
            return OAuthTokens(
                auth.token_url,
                str(auth.grant_type),
                auth.client_id,
                auth.client_secret.get_secret_value(),
                auth.username,
                auth.password.get_secret_value(),
                password_command=auth.password_command,
                ssl=ssl,
                client_auth=str(auth.client_auth),
                proxies=proxies or proxies_from_settings(settings),
            )
    raise AssertionError(f"unhandled auth method {auth.method}")


def user_from_settings(settings: Settings) -> User:
    operator = settings.operator
    return User(
        user_id=operator.user_id,
        full_nm=operator.full_name or None,
        program_id=operator.program_id or None,
    )


def client_from_settings(settings: Settings, listener: Listener) -> OperatorClient:
    ssl = tls_from_settings(settings)
    proxies = proxies_from_settings(settings)
    return OperatorClient(
        url=settings.server.url,
        user=user_from_settings(settings),
        tokens=tokens_from_settings(settings, ssl, proxies),
        listener=listener,
        socketio_path=settings.server.socketio_path,
        ack_timeout=settings.client.ack_timeout,
        max_in_flight=settings.client.max_in_flight,
        ssl=ssl,
        protocol=settings.server.protocol,
        proxies=proxies,
        engineio_transports=list(settings.server.transports),
    )
