"""The `chat-console` entry point: the console by default, and its sub-commands.

Each sub-command's work lives in its own package; this file only reads arguments and imports
lazily, so `chat-console serve` does not pay for Textual and `--help` is instant.
"""

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chat-console",
        description="A keyboard-first terminal console for live-chat support operators.",
    )
    parser.add_argument("--config", metavar="PATH", help="config file (TOML)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_installed_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="run the console against a built-in server with simulated customers"
    )
    demo.add_argument(
        "--pace", type=float, default=1.0, help="speed factor for the customers: 2 is twice as fast"
    )
    demo.add_argument(
        "--no-colleague",
        dest="colleague",
        action="store_false",
        help="without op2, the simulated colleague who hijacks or hands back a ticket every minute",
    )
    # For CI, not operators (so not in --help): run headless, exit 0 once online with tickets.
    demo.add_argument(
        "--smoke-test", type=float, metavar="SECONDS", default=None, help=argparse.SUPPRESS
    )

    serve = commands.add_parser("serve", help="run the reference chat server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8161, help="port to listen on (8161)")
    serve.add_argument("--db", metavar="PATH", default=None, help="SQLite file (default: memory)")
    serve.add_argument("--accounts", metavar="FILE", default=None, help="accounts file (TOML)")
    serve.add_argument(
        "--demo-accounts",
        action="store_true",
        help="allow the built-in demo accounts (public passwords) on a --host other than loopback",
    )
    serve.add_argument(
        "--admin-token-file",
        metavar="PATH",
        default=None,
        help="turn on POST /admin/revoke and /admin/drop for the bearer token in this file "
        "(fault tests; or set CHAT_CONSOLE_ADMIN_TOKEN)",
    )
    serve.add_argument(
        "--admin-token",
        metavar="SECRET",
        default=None,
        help="deprecated: shows in ps; use --admin-token-file or CHAT_CONSOLE_ADMIN_TOKEN",
    )
    serve.add_argument(
        "--rate-limit",
        type=float,
        metavar="N",
        default=None,
        help="events a second per account (default 500, bursts of 2,000); "
        "0 lifts every per-account limit (events, bytes, open tickets)",
    )
    serve.add_argument(
        "--no-http-extras",
        action="store_true",
        help="answer 404 on /api/tickets… and /api/operators, as a server without the HTTP "
        "extras: to try a console against one",
    )

    customers = commands.add_parser("customers", help="run simulated customers against a server")
    customers.add_argument("--url", default="http://127.0.0.1:8161", help="server URL")
    customers.add_argument("--count", type=int, default=1, help="how many customers (1)")
    customers.add_argument(
        "--pace", type=float, default=1.0, help="speed factor: 2 is twice as chatty (1)"
    )
    commands.add_parser(
        "doctor",
        help="check the config, the network, TLS, the server's Socket.IO version, the token, "
        "authenticate, subscribe and a round trip; exit 0 only if all pass",
    )
    commands.add_parser(
        "init",
        help="write the documented example config where the console reads it (or --config PATH),"
        " private, never over an existing file",
    )
    purge = commands.add_parser(
        "purge",
        help="remove closed tickets older than [history] keep_days from the local history now, "
        "and shrink the file; says what it removed",
    )
    purge.add_argument(
        "--older-than",
        type=_days,
        metavar="DAYS",
        default=None,
        help="instead of [history] keep_days (30); 0 removes every closed ticket",
    )
    search = commands.add_parser(
        "search",
        help="full-text search of the local history: one line per match (ticket, customer, "
        "time, sender, the matching line), newest first; exit 1 when nothing matches",
    )
    search.add_argument("query", metavar="QUERY", help="words that must all occur")
    search.add_argument("--ticket", metavar="ID", default=None, help="only in this ticket")
    search.add_argument(
        "--json", action="store_true", help="JSON lines with the raw text (JSON-escaped)"
    )
    export = commands.add_parser(
        "export",
        help="write a conversation from the local history, oldest first, with senders, times "
        "and delivery state; images as files beside it",
    )
    export.add_argument("ticket_id", metavar="TICKET_ID", help="the ticket's id")
    export.add_argument(
        "--format",
        choices=("markdown", "text", "json"),
        default="markdown",
        help="markdown (default), text or json",
    )
    export.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        default=None,
        help="write here (images in FILE's stem + '-images' beside it); default: stdout",
    )
    for command in commands.choices.values():
        # `chat-console doctor --config X` as well as `chat-console --config X doctor`; SUPPRESS
        # keeps a value given before the sub-command when none is given after it.
        command.add_argument(
            "--config", metavar="PATH", default=argparse.SUPPRESS, help="config file (TOML)"
        )
    return parser


def _installed_version() -> str:
    """The installed distribution's version, so a wheel, an sdist and `pip install -e .` all say
    what pyproject.toml said when they were built."""
    try:
        return version("chat-console")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not days >= 0:  # NaN too
        raise argparse.ArgumentTypeError(f"must be 0 days or more: {text!r}")
    return days


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    match args.command:
        case "serve":
            from chat_console.server.main import serve

            return serve(args)
        case "customers":
            from chat_console.simulate.main import run_customers

            return run_customers(args)
        case "doctor":
            from chat_console.doctor import run_doctor

            return run_doctor(args)
        case "init":
            from chat_console.init_config import run_init

            return run_init(args)
        case "purge":
            from chat_console.purge import run_purge

            return run_purge(args)
        case "search":
            from chat_console.history_commands import run_search

            return run_search(args)
        case "export":
            from chat_console.history_commands import run_export

            return run_export(args)
        case "demo":
            from chat_console.launch import run_demo

            return run_demo(args)
        case _:
            from chat_console.launch import run_console

            return run_console(args)


if __name__ == "__main__":
    sys.exit(main())
