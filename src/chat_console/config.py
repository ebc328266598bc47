"""The console's settings: a pydantic model read from TOML, with environment overrides.

Where the file comes from, in order: `--config PATH`, env `CHAT_CONSOLE_CONFIG`, then
`config.toml` in `config_dir()` (the one platformdirs seam; tests patch it). Any value can be
overridden by `CHAT_CONSOLE_<SECTION>__<KEY>` (e.g. `CHAT_CONSOLE_SERVER__URL`).

Every problem becomes a `ConfigError` whose text names the file (or env variable), the key and
what is wrong, because the operator reading it has no use for a traceback.
"""

import logging
import os
import ssl
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from chat_console.alerts import Desktop, QuietHours
from chat_console.store.store import BYTES_PER_TICKET, KEEP_DAYS, MESSAGES_PER_TICKET

log = logging.getLogger(__name__)

APP_NAME = "chat-console"
CONFIG_FILE_NAME = "config.toml"
ENV_CONFIG = "CHAT_CONSOLE_CONFIG"
ENV_PREFIX = "CHAT_CONSOLE_"


class ConfigError(Exception):
    """A configuration problem, worded for the person who edits the file."""


def config_dir() -> Path:
    """The per-user configuration directory. The one seam tests patch."""
    return Path(platformdirs.user_config_dir(APP_NAME))


class _Section(BaseModel):
    # Unknown keys are typos until proven otherwise: refuse them, naming the key.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ServerSettings(_Section):
    url: str = "http://127.0.0.1:8161"
    socketio_path: str = "socket.io"
    verify_tls: bool = True
    ca_file: str = ""
    # Which Socket.IO generation the server speaks: "v4" (3.x/4.x), "v2" (2.x), or "auto" (probe).
    protocol: Literal["auto", "v4", "v2"] = "auto"
    # The HTTP proxy for every connection: absent, the environment's (HTTPS_PROXY, NO_PROXY...);
    # "" for none. May hold credentials, so a problem with it never quotes it.
    proxy: str | None = None
    # Which Engine.IO transports may carry the link: with both, it opens with long-polling and
    # upgrades to a websocket when the server offers one; ["polling"] never upgrades (a balancer
    # that breaks websockets); ["websocket"] skips polling (a balancer without sticky sessions).
    transports: list[Literal["websocket", "polling"]] = ["websocket", "polling"]

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("proxy")
    @classmethod
    def _http_proxy(cls, value: str | None) -> str | None:
        if value and not (value.startswith("http://") and len(value) > len("http://")):
            raise ValueError('must be an http:// proxy URL, or "" for none')
        return value

    @field_validator("transports")
    @classmethod
    def _some_transports(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError('must name "websocket", "polling" or both')
        if len(set(value)) != len(value):
            raise ValueError("names a transport twice")
        return value

    @field_validator("socketio_path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = value.strip("/")
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("ca_file")
    @classmethod
    def _existing_file(cls, value: str) -> str:
        if not value:
            return ""
        path = Path(value).expanduser()
        if not path.is_file():
            raise ValueError(f"no such file: {value}")
        try:  # read it now, so a wrong file is a config error and not a failure at connect
            ssl.create_default_context(cafile=str(path))
        except (ssl.SSLError, OSError, ValueError) as error:
            raise ValueError(f"not a PEM file of CA certificates: {value} ({error})") from None
        return str(path)


class GrantType(StrEnum):
    PASSWORD = "password"
    CLIENT_CREDENTIALS = "client_credentials"


class ClientAuth(StrEnum):
    """Where the client secret goes in a token request (RFC 6749, 2.3.1)."""

    BASIC = "basic"  # an HTTP Basic header (client_secret_basic): many identity providers insist
    POST = "post"  # the form body (client_secret_post)


class AuthMethod(StrEnum):
    TOKEN = "token"
    TOKEN_COMMAND = "token_command"
    OAUTH = "token_url"


class AuthSettings(_Section):
    token: SecretStr = SecretStr("")
    token_command: str = ""
    token_url: str = ""
    grant_type: GrantType = GrantType.PASSWORD
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    client_auth: ClientAuth = ClientAuth.POST
    username: str = ""
    password_command: str = ""
    password: SecretStr = SecretStr("")  # accepted, with a warning: prefer password_command

    @property
    def method(self) -> AuthMethod:
        """The one configured method (validated to be exactly one)."""
        return self._configured()[0]

    def _configured(self) -> list[AuthMethod]:
        found = []
        if self.token.get_secret_value():
            found.append(AuthMethod.TOKEN)
        if self.token_command:
            found.append(AuthMethod.TOKEN_COMMAND)
        if self.token_url:
            found.append(AuthMethod.OAUTH)
        return found

    @model_validator(mode="after")
    def _exactly_one_method(self) -> "AuthSettings":
        found = self._configured()
        if len(found) != 1:
            named = ", ".join(found) if found else "none"
            raise ValueError(
                f"configure exactly one of token, token_command or token_url (found: {named})"
            )
        if found[0] is AuthMethod.OAUTH:
            self._check_oauth()
        return self

    def _check_oauth(self) -> None:
        if not self.token_url.startswith(("http://", "https://")):
            raise ValueError("token_url must start with http:// or https://")
        if self.grant_type is GrantType.PASSWORD:
            if not self.username:
                raise ValueError("grant_type password needs username")
            has_password = bool(self.password.get_secret_value())
            if has_password == bool(self.password_command):
                raise ValueError(
                    "grant_type password needs exactly one of password_command or password"
                )
        elif not (self.client_id and self.client_secret.get_secret_value()):
            raise ValueError("grant_type client_credentials needs client_id and client_secret")


class OperatorSettings(_Section):
    user_id: str  # the operator's userId on the chat server
    full_name: str = ""
    program_id: str = ""

    @field_validator("user_id")
    @classmethod
    def _required(cls, value: str) -> str:
        if not value:
            raise ValueError("must be set (the operator's userId)")
        return value


class OperatorEntry(_Section):
    """An assign target: the protocol cannot list operators, so the config does."""

    id: str
    name: str = ""

    @field_validator("id")
    @classmethod
    def _required(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value


class ClientSettings(_Section):
    ack_timeout: float = Field(default=10.0, gt=0)
    # Outbox messages sent before their answers are in: a long outbox drains at the link's pace
    # instead of one round trip each.
    max_in_flight: int = Field(default=32, ge=1, le=1000)


# How the image viewer (`V`) draws: half blocks ask the terminal nothing; sixel and kitty need its
# cell size, asked before the console starts (a late answer would be read as keys).
Graphics = Literal["halfcell", "sixel", "kitty"]


class UiSettings(_Section):
    wait_warning: float = Field(default=60, gt=0)  # seconds a customer waits before amber
    wait_alert: float = Field(default=300, gt=0)  # ... and before red
    # Canned replies, one file each; "" means `replies/` beside the config file (relative: to it).
    replies_dir: str = ""
    # A new ticket nobody has accepted rings again after this many seconds, then every remind_every.
    remind_after: float = Field(default=60, gt=0)
    remind_every: float = Field(default=60, gt=0)
    graphics: Graphics = "halfcell"

    @model_validator(mode="after")
    def _ordered(self) -> "UiSettings":
        if self.wait_alert <= self.wait_warning:
            raise ValueError("wait_alert must be greater than wait_warning")
        return self


class AlertSettings(_Section):
    """Which alerts ring (the bell, and a desktop notification where asked for), and when not."""

    desktop: Desktop = Desktop.OFF
    quiet_hours: str = ""  # "22:00-07:00": no bell, no desktop notification (the screen still says)
    new_ticket: bool = True
    assigned_to_me: bool = True
    reminder: bool = True

    @field_validator("quiet_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        QuietHours.parse(value)  # a ValueError names the expected form
        return value


class HistorySettings(_Section):
    """What the local history keeps of each ticket, whatever a server sends: past either bound,
    the oldest messages are deleted (never one still to be sent); and for how long a closed
    ticket is kept (removed at start, and by `chat-console purge`)."""

    messages_per_ticket: int = Field(default=MESSAGES_PER_TICKET, ge=10)
    keep_days: float = Field(default=KEEP_DAYS, gt=0)
    megabytes_per_ticket: float = Field(default=BYTES_PER_TICKET / 2**20, ge=1)

    @property
    def bytes_per_ticket(self) -> int:
        return int(self.megabytes_per_ticket * 2**20)


class Settings(_Section):
    server: ServerSettings = ServerSettings()
    auth: AuthSettings
    operator: OperatorSettings
    operators: list[OperatorEntry] = []
    client: ClientSettings = ClientSettings()
    ui: UiSettings = UiSettings()
    history: HistorySettings = HistorySettings()
    alerts: AlertSettings = AlertSettings()
    keymap: dict[str, str] = {}

    # Where the settings came from and what deserves a warning; not settings themselves.
    _source: str = PrivateAttr(default="")
    _notices: list[str] = PrivateAttr(default_factory=list)

    @property
    def source(self) -> str:
        """The file the settings were read from, or "" when they came from env alone."""
        return self._source

    @property
    def notices(self) -> list[str]:
        """Warnings for the operator (e.g. a plain password in the file)."""
        return list(self._notices)


def find_config_file(
    cli_path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[Path, bool]:
    """The config file to read, and whether it was asked for explicitly (then it must exist)."""
    env = os.environ if env is None else env
    if cli_path:
        return Path(cli_path).expanduser(), True
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]).expanduser(), True
    return config_dir() / CONFIG_FILE_NAME, False


def load_settings(
    cli_path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Find, read, override from env and validate the settings; raise ConfigError on any problem."""
    env = os.environ if env is None else env
    path, explicit = find_config_file(cli_path, env)
    data: dict[str, Any] = {}
    found = path.is_file()
    if found:
        data = _read_toml(path)
    elif explicit:
        raise ConfigError(f"{path}: config file not found")
    env_keys = _apply_env(data, env)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        problem = _describe(error, path.name if found else None, env_keys)
        if not found:
            raise ConfigError(
                f"no config found; looked in {path} (and {ENV_CONFIG} is not set),"
                f" and the environment alone is not enough: {problem}"
            ) from None
        raise ConfigError(problem) from None
    settings._source = str(path) if found else ""
    for notice in _notices(settings, path if found else None, env_keys):
        settings._notices.append(notice)
        log.warning(notice)
    return settings


_SECRET_KEYS = ("auth.token", "auth.client_secret", "auth.password")


def _notices(settings: Settings, path: Path | None, env_keys: Mapping[str, str]) -> list[str]:
    """Things that work but deserve a warning."""
    notices = []
    auth = settings.auth
    if auth.password.get_secret_value():
        where = f"{path.name}: " if path and "auth.password" not in env_keys else ""
        notices.append(f"{where}auth.password: a plain password; prefer password_command")
    secrets_in_file = [
        key
        for key in _SECRET_KEYS
        if key not in env_keys and getattr(auth, key.split(".")[1]).get_secret_value()
    ]
    if "server.proxy" not in env_keys and "@" in (settings.server.proxy or ""):
        secrets_in_file.append("server.proxy credentials")
    if path and secrets_in_file and os.name == "posix" and path.stat().st_mode & 0o077:
        notices.append(
            f"{path.name}: holds {', '.join(secrets_in_file)} but others may read it;"
            f" run: chmod 600 {path}"
        )
    return notices


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Apply `CHAT_CONSOLE_<SECTION>__<KEY>` overrides in place; map each dotted key to its var."""
    applied: dict[str, str] = {}
    for name, value in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].partition("__")
        section, key = section.lower(), key.lower()
        if not section or not key or "__" in key:
            raise ConfigError(f"{name}: expected {ENV_PREFIX}<SECTION>__<KEY>")
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{name}: [{section}] is not a table of keys")
        table[key] = value
        applied[f"{section}.{key}"] = name
    return applied


_SECTION_HINTS = {
    "auth": ": configure one of token, token_command or token_url",
    "operator": ": user_id is required",
}


def _describe(error: ValidationError, file_name: str | None, env_keys: Mapping[str, str]) -> str:
    """One line per problem: `<file or env var>: <dotted key>: <what is wrong>`."""
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
        elif problem["type"] == "missing" and len(problem["loc"]) == 1:
            message = f"missing section [{key}]{_SECTION_HINTS.get(key, '')}"
        elif problem["type"] == "missing":
            message = "missing (required)"
        if key in env_keys:
            origin = env_keys[key]
        elif file_name:
            origin = file_name
        else:
            origin = "environment"
        lines.append(f"{origin}: {key}: {message}" if key else f"{origin}: {message}")
    return "\n".join(lines)
