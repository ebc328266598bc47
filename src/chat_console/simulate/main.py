"""`chat-console customers`: simulated customers against a running server until Ctrl-C."""

import argparse
import asyncio
import logging

from chat_console.process import command_error, stop_on_signals
from chat_console.redaction import configure_logging


async def _customers(url: str, count: int, pace: float) -> None:
    from chat_console.simulate.customers import run_customer_swarm

    stop = asyncio.Event()
    stop_on_signals(stop)
    await run_customer_swarm(url, count, pace, stop)


def run_customers(args: argparse.Namespace) -> int:
    configure_logging(None, logging.INFO)  # stderr, through the redacting filter
    if args.count < 1 or args.pace <= 0:
        return command_error("customers", "--count must be at least 1 and --pace above 0")
    import aiohttp
    from socketio.exceptions import SocketIOError

    from chat_console.simulate.http_client import TokenRefused

    try:
        asyncio.run(_customers(args.url, args.count, args.pace))
    except KeyboardInterrupt:
        pass
    except (OSError, aiohttp.ClientError, SocketIOError, TokenRefused, TimeoutError) as error:
        return command_error("customers", f"cannot run customers against {args.url} ({error})")
    return 0
