"""chat-console: a terminal console for live-chat support operators."""

__version__ = "0.1.0"
