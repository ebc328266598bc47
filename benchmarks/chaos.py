"""Never lose a message: N kill -9 restarts of the reference server during M messages each way.

    python -m benchmarks.chaos --restarts 20 --messages 2000

Prints, for both directions, how many messages were sent, received, still pending in the sender's
outbox (not delivered yet, but not lost: they go out when the link allows), lost (written, acked
or not, and never to arrive) and duplicated (at the receiver, in the sender's own record, or on the
server). Exits 1 unless every message arrived once: none pending, lost or duplicated.
A script, not a test: `tests/faults/` asserts the same with fewer restarts.
"""

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/chaos.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.chaos_harness import run_chaos
from benchmarks.strict import strict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--messages", type=int, default=2000, help="per direction")
    parser.add_argument("--interval", type=float, default=0.003, help="seconds between writes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", metavar="DIR", help="keep the databases and the server log here")
    args = parser.parse_args(argv)

    async def run(folder: Path) -> int:
        report = await run_chaos(
            folder,
            restarts=args.restarts,
            messages=args.messages,
            interval=args.interval,
            seed=args.seed,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
        print("\n".join(report.lines()))
        return 0 if report.clean else 1

    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        return asyncio.run(run(Path(args.keep)))
    with tempfile.TemporaryDirectory(prefix="chat-console-chaos-") as folder:
        return asyncio.run(run(Path(folder)))


if __name__ == "__main__":
    strict()
    sys.exit(main())
