"""What the figures were measured on: cores, memory, CPU, Python, package versions, load."""

import os
import platform
from importlib import metadata

PACKAGES = ("textual", "rich", "python-socketio", "python-engineio", "aiohttp", "pydantic")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def describe() -> dict[str, str]:
    return {
        "cores": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": f"{_memory_gb():.1f} GB",
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "packages": ", ".join(f"{p} {_version(p)}" for p in PACKAGES),
    }


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
