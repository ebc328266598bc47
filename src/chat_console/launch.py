"""`chat-console` (with a config) and `chat-console demo` (with nothing but this package)."""

import argparse
import asyncio
import contextlib
import logging
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import platformdirs

from chat_console.protocol import User, now_utc
from chat_console.redaction import configure_logging
from chat_console.store import Store, View
from chat_console.store.history import History, history_file, open_history
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig, OperatorChoice
from chat_console.tui.ports import ClientPort
from chat_console.tui.screens.image_viewer import prepare_terminal_graphics

if TYPE_CHECKING:
    from chat_console.client.events import Listener
    from chat_console.config import Graphics, Settings

DEMO_OPERATOR = ("op1", "op1pass")
DEMO_COLLEAGUES = (OperatorChoice("op-2", "Oscar Other"),)


_NO_CONFIG = (
    "no config file at {path}. To try the console with nothing to set up: chat-console demo."
    " To connect to a server: chat-console init writes the documented example config"
    " (config.example.toml) there, private; fill in [server], [auth] and [operator]."
    " Or give --config PATH."
)


# Short enough for one notice line at 80 columns; the README says more.
_COLLEAGUE_NOTICE = (
    "Demo: Oscar Other (op2) is simulated",
    "hijacks a ticket a minute (--no-colleague)",
)


def _log_to(path: Path) -> Path:
    """Send log records to a file (anything on stderr would scribble over the console), through
    the redacting filter; `CHAT_CONSOLE_LOG_LEVEL=DEBUG` for more."""
    level = logging.getLevelName(os.environ.get("CHAT_CONSOLE_LOG_LEVEL", "INFO").upper())
    configure_logging(path, level if isinstance(level, int) else logging.INFO)
    return path


def open_console_history(settings: "Settings", config: ConsoleConfig) -> History:
    """The operator's history file: owned and purged, or (another console owns it) a copy."""
    return open_history(
        history_file(config.operator_id, config.server_host),
        operator_id=config.operator_id,
        keep_days=settings.history.keep_days,
        now=now_utc(),
        messages_per_ticket=settings.history.messages_per_ticket,
        bytes_per_ticket=settings.history.bytes_per_ticket,
    )


def build_console(settings: "Settings", history: History) -> ConsoleApp:
    """The console over its history; no courier (no outbox sent) unless it owns the file."""
    config = ConsoleConfig.from_settings(settings)
    app = ConsoleApp(
        config,
        store=history.store,
        client_factory=lambda listener: _client_from(settings, listener),
        history=history,
    )
    app.startup_notices.extend(settings.notices)
    return app


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
        log_path = _log_to(Path(platformdirs.user_log_dir("chat-console")) / "console.log")
        history = open_console_history(settings, config)
    except (sqlite3.Error, OSError) as problem:
        print(f"chat-console: cannot open the local history: {problem}", file=sys.stderr)
        return 2
    app = build_console(settings, history)
    try:
        _ask_terminal(app, settings.ui.graphics)
        app.run()
        return exit_status(app, log_path)
    finally:
        history.close()


def _ask_terminal(app: ConsoleApp, graphics: "Graphics") -> None:
    """Sixel or kitty graphics need the terminal's answers, read before Textual reads keys;
    half blocks (the default) ask it nothing, so no late answer can be read as keys."""
    app.graphics = prepare_terminal_graphics(graphics)
    if app.graphics != graphics:
        app.startup_notices.append(
            f"[ui] graphics = {graphics}: this terminal could not be asked; images are half blocks"
        )


def exit_status(app: ConsoleApp, log_path: Path) -> int:
    """0 after a quit; non-zero after a crash (Textual's return_code: the app's return value is
    None then, which read as 0), said in one line that names the log holding the traceback."""
    status = app.return_code or 0
    if status:
        crash = f" ({app.crash})" if app.crash else ""
        print(
            f"chat-console: stopped on an unexpected error{crash}; its traceback is in {log_path}",
            file=sys.stderr,
        )
    return status


def _keep_files_private() -> None:
    """Conversations, logs and saved images hold customers' words: readable by this user only."""
    os.umask(0o077)


def run_demo(args: argparse.Namespace) -> int:
    pace = float(getattr(args, "pace", 1.0) or 1.0)
    colleague = bool(getattr(args, "colleague", True))
    smoke_test: float | None = getattr(args, "smoke_test", None)
    _keep_files_private()
    # The log outlives the demo's folder: a crash's traceback must still be there to read.
    log_path = _log_to(Path(platformdirs.user_log_dir("chat-console")) / "demo.log")
    with tempfile.TemporaryDirectory(prefix="chat-console-demo-") as folder:
        return asyncio.run(
            _demo(Path(folder), pace, colleague=colleague, log_path=log_path, smoke_test=smoke_test)
        )


async def _demo(
    folder: Path,
    pace: float,
    *,
    colleague: bool = True,
    log_path: Path | None = None,
    smoke_test: float | None = None,
) -> int:
    """The demo in a terminal; with `smoke_test` (seconds), headless until it is online with
    tickets (exit 0) or that time has passed (exit 1): CI's check that an installed wheel works."""
    from chat_console.client import OAuthTokens, OperatorClient
    from chat_console.client.proxy import DIRECT
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
                    proxies=DIRECT,
                ),
                listener=listener,
                proxies=DIRECT,  # the demo's server is on this machine, whatever HTTP_PROXY says
            ),
        )
        if colleague:
            app.greeting = _COLLEAGUE_NOTICE
        app.shutdown_hooks.append(stop_population)
        try:
            if smoke_test is not None:
                return await _smoke_test(app, smoke_test, log_path or folder / "demo.log")
            await app.run_async()
            return exit_status(app, log_path or folder / "demo.log")
        finally:
            await stop_population()
            store.close()


async def _smoke_test(app: ConsoleApp, within: float, log_path: Path) -> int:
    """Run `app` headless (no terminal needed) until it is online with new tickets, then quit it
    as `q` would; say what it saw. Non-zero when it crashed or never got there in time."""

    def what_it_shows() -> tuple[bool, str]:
        state, reason, _ = app.main.connection
        tickets = len(app.store.queue(View.NEW))
        shown = f"{state}{f' ({reason})' if reason else ''} as {app.config.operator_id}"
        return state == "online" and tickets > 0, f"{shown}, {tickets} new tickets"

    async def watch() -> tuple[bool, str]:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while not what_it_shows()[0]:  # noqa: ASYNC110 - the console's state: no event
                    await asyncio.sleep(0.1)
        seen = what_it_shows()
        # As `q` does: through the app's own queue, so the client and the demo stop first.
        app.call_later(app.action_quit)
        return seen

    watcher = asyncio.create_task(watch(), name="demo-smoke-test")
    try:
        await app.run_async(headless=True, size=(80, 24))
    finally:
        if not watcher.done():  # the console ended on its own: a crash, said just below
            watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    if status := exit_status(app, log_path):
        return status
    passed, seen = watcher.result() if not watcher.cancelled() else (False, "quit early")
    if not passed:
        print(
            f"chat-console: demo smoke test failed after {within:g} s: {seen}; see {log_path}",
            file=sys.stderr,
        )
        return 1
    print(f"chat-console: demo smoke test passed: {seen}")
    return 0
