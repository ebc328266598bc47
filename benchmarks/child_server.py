"""Child: the reference server on a free port until stdin closes; prints {"url": ...} when ready.

`python -m benchmarks.child_server [ACCOUNTS_FILE]`: the demo accounts, or those of an accounts
file (`chat-console serve --accounts`'s format), for benchmarks that need more operators."""

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from benchmarks.strict import strict
from chat_console.server.accounts import load_accounts
from chat_console.server.rate_limit import RateLimit
from chat_console.server.runner import running_server

# The per-account limits (events, bytes a minute, open tickets) would measure themselves, not the
# relay: lift them all.
UNLIMITED = RateLimit.unlimited()


async def main(accounts_file: str | None) -> None:
    accounts = load_accounts(accounts_file) if accounts_file else None
    with tempfile.TemporaryDirectory(prefix="bench-server-") as folder:
        db = str(Path(folder) / "server.sqlite3")
        async with running_server(
            port=0, db_path=db, auth_timeout=5.0, rate_limit=UNLIMITED, accounts=accounts
        ) as server:
            print(json.dumps({"url": server.url}), flush=True)
            while await asyncio.to_thread(sys.stdin.readline):
                pass  # commands are not needed: closing stdin stops the server


if __name__ == "__main__":
    strict()
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
