"""The doctor's tests use the reference server (`server`) and the socket.io 2.x one."""

from tests.eio3.conftest import node_server, node_server_polling_only, node_v2_dir

__all__ = ["node_server", "node_server_polling_only", "node_v2_dir"]
