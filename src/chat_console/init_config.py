"""`chat-console init`: the documented example config, written where the console will look for it.

A wheel has no source tree to copy `config.example.toml` from, so the example travels inside the
package. The file is created private (0600) from the start, because the operator is about to put a
secret in it, and an existing file is never replaced: it may hold the only copy of one.
"""

import argparse
import os
import sys
from importlib.resources import files

from chat_console.config import find_config_file

EXAMPLE = "config.example.toml"


def example_config() -> str:
    return files("chat_console").joinpath(EXAMPLE).read_text(encoding="utf-8")


def run_init(args: argparse.Namespace) -> int:
    path, _ = find_config_file(getattr(args, "config", None))
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError as problem:
        print(
            f"chat-console init: cannot create {path}: {problem.filename} is a file, not a folder",
            file=sys.stderr,
        )
        return 1
    except OSError as problem:
        print(f"chat-console init: cannot create {path}: {problem.strerror}", file=sys.stderr)
        return 1
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(
            f"chat-console init: {path} exists already; left as it is (edit it, or move it away"
            " and run init again)",
            file=sys.stderr,
        )
        return 1
    except OSError as problem:
        print(f"chat-console init: cannot create {path}: {problem.strerror}", file=sys.stderr)
        return 1
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(example_config())
    print(
        f"wrote {path} (private: mode 0600). Fill in [server], [auth] and [operator],"
        " then check it with: chat-console doctor"
    )
    return 0
