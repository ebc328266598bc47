"""`chat-console doctor`: check, in order, everything the console needs to work with its server.

config (and its permissions) -> the proxy (which one, for what) -> DNS -> TCP -> TLS (through
a proxy: its name, a CONNECT tunnel, TLS inside it) -> the server's Engine.IO version -> a token
-> `authenticate` -> subscribe -> an acknowledged round trip. Each check prints one line, ✓ or ✗,
and on ✗ the fix. A failure that later checks depend on stops them. Secrets are never printed:
tokens are never shown, and every line is built from our words or cleaned server words.
"""

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from chat_console.doctor.outcome import Findings, Outcome
from chat_console.doctor.reach import (
    check_config,
    check_dns,
    check_permissions,
    check_proxy,
    check_tcp,
    check_tls,
)
from chat_console.doctor.session import (
    check_authenticate,
    check_engineio,
    check_round_trip,
    check_subscribe,
    check_token,
)

Check = Callable[[Findings], Awaitable[Outcome]]
CHECKS: tuple[Check, ...] = (
    check_config,
    check_permissions,
    check_proxy,
    check_dns,
    check_tcp,
    check_tls,
    check_engineio,
    check_token,
    check_authenticate,
    check_subscribe,
    check_round_trip,
)


async def diagnose(
    config_path: str | None,
    env: Mapping[str, str] | None = None,
    *,
    say: Callable[[str], None] = print,
) -> bool:
    """Run every check in order, saying one line each; True when all passed."""
    found = Findings(config_path, env)
    all_passed = True
    try:
        for index, check in enumerate(CHECKS):
            outcome = await check(found)
            say(outcome.line())
            all_passed &= outcome.ok
            if not outcome.ok and outcome.blocking:
                left = len(CHECKS) - index - 1
                if left:
                    say(f"  ({left} later checks skipped: they need this one)")
                break
    finally:
        if found.transport is not None:
            with contextlib.suppress(Exception):
                await found.transport.close("doctor done")
    return all_passed


def run_doctor(args: argparse.Namespace) -> int:
    """The CLI: exit 0 only when every check passed."""
    # The checks say what matters; library warnings would repeat it less clearly.
    logging.disable(logging.WARNING)
    return 0 if asyncio.run(diagnose(args.config)) else 1
