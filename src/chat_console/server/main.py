"""`chat-console serve`: run the reference server until Ctrl-C."""

import argparse
import asyncio
import logging

from chat_console.process import command_error, stop_on_signals
from chat_console.redaction import configure_logging
from chat_console.server.accounts import Accounts, AccountsError, load_accounts
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
    ) as server:
        log.info("serving on %s (database %s)", server.url, db_path)
        await stop.wait()
        log.info("stopping")


def _rate_limit(per_second: float | None) -> RateLimit:
    """`--rate-limit N`: N events a second per connection (bursts of 4 s worth); 0 lifts it."""
    if per_second is None:
        return DEFAULT_RATE_LIMIT
    if per_second <= 0:
        return RateLimit(per_second=1e9, burst=1e9)
    return RateLimit(per_second=per_second, burst=per_second * 4)


def serve(args: argparse.Namespace) -> int:
    _configure_logging()
    try:
        accounts = load_accounts(args.accounts) if args.accounts else None
    except AccountsError as error:
        return command_error("serve", str(error))
    try:
        admin_token = getattr(args, "admin_token", None)
        rate_limit = _rate_limit(getattr(args, "rate_limit", None))
        db = args.db or ":memory:"
        asyncio.run(_serve(args.host, args.port, db, accounts, admin_token, rate_limit))
    except OSError as error:
        return command_error(
            "serve", f"cannot listen on {args.host}:{args.port} ({error.strerror})"
        )
    except KeyboardInterrupt:
        pass
    return 0
