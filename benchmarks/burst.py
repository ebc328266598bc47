"""Burst (issue 10): what one hostile server costs the console: 10,000 new tickets at once, and
100 MiB of content from one customer. Measured in a child process (benchmarks/child_burst.py),
so that its RSS is the console's alone."""

import asyncio
import json
import tempfile
from typing import Any

from benchmarks.strict import PYTHON


async def run(tickets: int, mib: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as folder:
        process = await asyncio.create_subprocess_exec(
            *PYTHON,
            "-m",
            "benchmarks.child_burst",
            folder,
            str(tickets),
            str(mib),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        if process.returncode:
            raise RuntimeError(f"burst child failed ({process.returncode})")
        figures: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        return figures


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(10_000, 100)), indent=1))
