"""Start-up: process start -> first frame, the real `chat-console` against a minimal Textual app.

Both run as fresh processes with `TEXTUAL_DRIVER` set to a driver that prints when the first frame
is written and exits; perf_counter is CLOCK_MONOTONIC, shared by parent and child on Linux. The
console runs its real entry point with a config file (a server that is not there: connecting
happens after the first frame and does not hold it up) and a fresh data directory.
"""

import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.strict import PYTHON

CONFIG = """
[server]
url = "http://127.0.0.1:9"
[auth]
token = "benchmark-token"
[operator]
user_id = "op-1"
full_name = "Olivia Operator"
"""


@dataclass
class StartupResult:
    console_ms: float
    minimal_ms: float
    runs: int

    @property
    def ratio(self) -> float:
        return self.console_ms / self.minimal_ms


def _first_frame_ms(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    for line in done.stderr.splitlines():
        if line.startswith("first-frame "):
            return (float(line.split()[1]) - start) * 1000
    raise RuntimeError(f"no first frame from {command}: {done.stderr[-2000:]}")


def run(runs: int) -> StartupResult:
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        config = Path(folder) / "config.toml"
        config.write_text(CONFIG)
        config.chmod(0o600)
        env = dict(os.environ)
        env |= {
            "TEXTUAL_DRIVER": "benchmarks.frames:FirstFrameDriver",
            "XDG_DATA_HOME": str(Path(folder) / "data"),
            "XDG_STATE_HOME": str(Path(folder) / "state"),
            "XDG_CONFIG_HOME": str(Path(folder) / "config"),
            "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH")])),
        }
        console = [*PYTHON, "-m", "chat_console.cli", "--config", str(config)]
        minimal = [*PYTHON, "-m", "benchmarks.child_minimal"]
        _first_frame_ms(console, env)  # warm the file cache and bytecode for both
        _first_frame_ms(minimal, env)
        pairs = [
            (_first_frame_ms(console, env), _first_frame_ms(minimal, env)) for _ in range(runs)
        ]
    return StartupResult(
        statistics.median(c for c, _ in pairs), statistics.median(m for _, m in pairs), runs
    )


if __name__ == "__main__":
    print(run(5))
