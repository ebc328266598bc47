"""The reference chat server: python-socketio on aiohttp, OAuth2 token endpoint, SQLite storage.

Speaks PROTOCOL.md for both roles (customers and operators). Imports protocol/ only, never client/
or Textual. Tests and the demo start it with `runner.running_server()`.
"""
