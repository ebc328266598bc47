"""`chat-console` (with a config) and `chat-console demo` (with nothing but this package)."""

import argparse
import asyncio
import logging
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import platformdirs

from chat_console.protocol import User
from chat_console.redaction import configure_logging
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig, OperatorChoice
from chat_console.tui.ports import ClientPort

if TYPE_CHECKING:
    from chat_console.client.events import Listener
    from chat_console.config import Settings

DEMO_OPERATOR = ("op1", "op1pass")
DEMO_COLLEAGUES = (OperatorChoice("op-2", "Oscar Other"),)


_NO_CONFIG = (
    "no config file at {path}. To try the console with nothing to set up: chat-console demo."
    " To connect to a server: copy config.example.toml (from the project's source) there,"
    " fill in [server], [auth] and [operator], chmod 600 it; or give --config PATH."
)


# Short enough for one notice line at 80 columns; the README says more.
_COLLEAGUE_NOTICE = (
    "Demo: Oscar Other (op2) is simulated",
    "hijacks a ticket a minute (--no-colleague)",
)


def _log_to(path: Path) -> None:
    """Send log records to a file (anything on stderr would scribble over the console), through
    the redacting filter; `CHAT_CONSOLE_LOG_LEVEL=DEBUG` for more."""
    level = logging.getLevelName(os.environ.get("CHAT_CONSOLE_LOG_LEVEL", "INFO").upper())
    configure_logging(path, level if isinstance(level, int) else logging.INFO)


def _store_path(user_id: str, host: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{user_id}@{host}")
    return Path(platformdirs.user_data_dir("chat-console")) / f"{name}.sqlite3"


def _client_from(settings: "Settings", listener: "Listener") -> ClientPort:
    from chat_console.client import client_from_settings  # after the first frame (app.py)

    return client_from_settings(settings, listener)


def run_console(args: argparse.Namespace) -> int:
    from chat_console.config import ConfigError, find_config_file, load_settings

    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as problem:
        path, explicit = find_config_file(getattr(args, "config", None))
        missing = not explicit and not path.is_file()
        words = _NO_CONFIG.format(path=path) if missing else str(problem)
        print(f"chat-console: {words}", file=sys.stderr)
        return 2
    _keep_files_private()
    config = ConsoleConfig.from_settings(settings)
    try:
        _log_to(Path(platformdirs.user_log_dir("chat-console")) / "console.log")
        store = Store(
            _store_path(config.operator_id, config.server_host),
            operator_id=config.operator_id,
            messages_per_ticket=settings.history.messages_per_ticket,
            bytes_per_ticket=settings.history.bytes_per_ticket,
        )
    except (sqlite3.Error, OSError) as problem:
        print(f"chat-console: cannot open the local history: {problem}", file=sys.stderr)
        return 2
    app = ConsoleApp(
        config,
        store=store,
        client_factory=lambda listener: _client_from(settings, listener),
    )
    app.startup_notices.extend(settings.notices)
    try:
        app.run()
        return exit_status(app)
    finally:
        store.close()


def exit_status(app: ConsoleApp) -> int:
    """0 after a quit; non-zero after a crash (Textual's return_code: the app's return value is
    None then, which read as 0)."""
    return app.return_code or 0


def _keep_files_private() -> None:
    """Conversations, logs and saved images hold customers' words: readable by this user only."""
    os.umask(0o077)


def run_demo(args: argparse.Namespace) -> int:
    pace = float(getattr(args, "pace", 1.0) or 1.0)
    colleague = bool(getattr(args, "colleague", True))
    _keep_files_private()
    with tempfile.TemporaryDirectory(prefix="chat-console-demo-") as folder:
        _log_to(Path(folder) / "demo.log")
        return asyncio.run(_demo(Path(folder), pace, colleague=colleague))


async def _demo(folder: Path, pace: float, *, colleague: bool = True) -> int:
    from chat_console.client import OAuthTokens, OperatorClient
    from chat_console.server.runner import running_server
    from chat_console.simulate.customers import run_demo_population
    from chat_console.simulate.http_client import password_grant, who_am_i

    async with running_server(port=0, db_path=str(folder / "server.sqlite3")) as server:
        username, password = DEMO_OPERATOR
        me = await who_am_i(server.url, await password_grant(server.url, username, password))
        user = User(user_id=str(me["userId"]), full_nm=str(me.get("fullNm") or "") or None)
        stop = asyncio.Event()
        population = asyncio.create_task(
            run_demo_population(server.url, pace=pace, stop=stop, colleague=colleague),
            name="demo-population",
        )

        async def stop_population() -> None:
            stop.set()
            await asyncio.gather(population, return_exceptions=True)

        store = Store(folder / "console.sqlite3", operator_id=user.user_id)
        config = ConsoleConfig(
            user=user,
            server_host=urlsplit(server.url).netloc,
            wait_warning=30,
            wait_alert=120,
            operators=DEMO_COLLEAGUES,
        )
        app = ConsoleApp(
            config,
            store=store,
            client_factory=lambda listener: OperatorClient(
                url=server.url,
                user=user,
                tokens=OAuthTokens(
                    f"{server.url}/oauth/token",
                    "password",
                    "chat-console",
                    username=username,
                    password=password,
                ),
                listener=listener,
            ),
        )
        if colleague:
            app.greeting = _COLLEAGUE_NOTICE
        app.shutdown_hooks.append(stop_population)
        try:
            await app.run_async()
            return exit_status(app)
        finally:
            await stop_population()
            store.close()
