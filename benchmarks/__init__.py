"""Benchmarks: `python -m benchmarks` (see run.py)."""

# First, before anything imports Textual: the console sets its frame rate there, as it does when
# run as `chat-console`.
import chat_console.tui  # noqa: F401
