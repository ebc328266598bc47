"""`chat-console serve`: run the reference server until Ctrl-C."""

import argparse
import asyncio
import ipaddress
import logging
import os
import sys

from chat_console.process import command_error, stop_on_signals
from chat_console.redaction import configure_logging
from chat_console.server import memory
from chat_console.server.accounts import Accounts, AccountsError, demo_accounts, load_accounts
from chat_console.server.rate_limit import DEFAULT_RATE_LIMIT, RateLimit

log = logging.getLogger("chat_console.server")


def _configure_logging() -> None:
    configure_logging(None, logging.INFO)  # stderr, through the redacting filter
    # aiohttp's access log would add nothing but noise; the server logs what matters itself.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


async def _serve(
    host: str,
    port: int,
    db_path: str,
    accounts: Accounts | None,
    admin_token: str | None,
    rate_limit: RateLimit,
    http_extras: bool = True,
) -> None:
    from chat_console.server.runner import running_server

    stop = asyncio.Event()
    stop_on_signals(stop)
    async with running_server(
        host=host,
        port=port,
        db_path=db_path,
        accounts=accounts,
        admin_token=admin_token,
        rate_limit=rate_limit,
        http_extras=http_extras,
    ) as server:
        log.info("serving on %s (database %s)", server.url, db_path)
        await stop.wait()
        log.info("stopping")


ADMIN_TOKEN_VARIABLE = "CHAT_CONSOLE_ADMIN_TOKEN"


class ServeError(Exception):
    """An option `serve` cannot start with; the text says which and what to do."""


def _rate_limit(per_second: float | None) -> RateLimit:
    """`--rate-limit N`: N events a second per account (bursts of 4 s worth), the other limits at
    their defaults; 0 lifts every per-account limit."""
    if per_second is None:
        return DEFAULT_RATE_LIMIT
    if per_second <= 0:
        return RateLimit.unlimited()
    return RateLimit(per_second=per_second, burst=per_second * 4)


def _admin_token(args: argparse.Namespace) -> str | None:
    """From --admin-token-file, else $CHAT_CONSOLE_ADMIN_TOKEN, else the deprecated --admin-token
    (a command line is visible to every local user in `ps`)."""
    path = getattr(args, "admin_token_file", None)
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                token = handle.read().strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ServeError(f"cannot read --admin-token-file {path} ({error})") from None
        if not token:
            raise ServeError(f"--admin-token-file {path} is empty")
        return token
    if os.environ.get(ADMIN_TOKEN_VARIABLE):
        return os.environ[ADMIN_TOKEN_VARIABLE].strip()
    given: str | None = getattr(args, "admin_token", None)
    if given:
        log.warning(
            "--admin-token shows in ps to every local user: use --admin-token-file PATH or %s",
            ADMIN_TOKEN_VARIABLE,
        )
    return given


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def _accounts(args: argparse.Namespace) -> Accounts:
    """The accounts file's accounts, or the demo accounts where they are safe or asked for."""
    if args.accounts:
        try:
            accounts = load_accounts(args.accounts)
        except AccountsError as error:
            raise ServeError(str(error)) from None
        _announce(f"accounts from {args.accounts}", accounts, show_passwords=False)
        return accounts
    if not is_loopback(args.host) and not getattr(args, "demo_accounts", False):
        raise ServeError(
            f"the demo accounts have public passwords; refusing them on --host {args.host}, "
            "which is not loopback: give --accounts FILE, or --demo-accounts to allow them"
        )
    accounts = demo_accounts()
    _announce("demo accounts enabled (public passwords)", accounts, show_passwords=True)
    return accounts


def _announce(title: str, accounts: Accounts, *, show_passwords: bool) -> None:
    """Say at start who may log in. Only the demo accounts' passwords are shown: they are public;
    an accounts file's never are."""

    def entry(name: str, secret: str) -> str:
        return f"{name}/{secret}" if show_passwords else name

    lines = [
        f"operators: {', '.join(entry(a.username, a.password) for a in accounts.operators())}",
        f"customers: {', '.join(entry(a.username, a.password) for a in accounts.customers())}",
    ]
    clients = accounts.clients()
    if clients:
        names = ", ".join(entry(c.client_id, c.client_secret) for c in clients)
        lines.append(f"OAuth clients: {names}")
    print(
        f"chat-console serve: {title}", *(f"  {line}" for line in lines), sep="\n", file=sys.stderr
    )


def serve(args: argparse.Namespace) -> int:
    _configure_logging()
    memory.map_large_blocks()  # a whole process of its own: large packets' memory goes back
    try:
        accounts = _accounts(args)
        admin_token = _admin_token(args)
    except ServeError as error:
        return command_error("serve", str(error))
    try:
        rate_limit = _rate_limit(getattr(args, "rate_limit", None))
        db = args.db or ":memory:"
        extras = not getattr(args, "no_http_extras", False)
        asyncio.run(_serve(args.host, args.port, db, accounts, admin_token, rate_limit, extras))
    except OSError as error:
        return command_error(
            "serve", f"cannot listen on {args.host}:{args.port} ({error.strerror})"
        )
    except KeyboardInterrupt:
        pass
    return 0
