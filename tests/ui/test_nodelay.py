"""TCP_NODELAY where Streamlit binds the dApp's socket (dapp.ui.nodelay)."""

import socket

from dapp.ui.nodelay import nodelay_on_bind
from dapp.ui.server import create_app


def test_create_app__streamlits_listening_socket_gets_tcp_nodelay():
    from streamlit.web.server.starlette import starlette_server

    create_app()
    assert getattr(starlette_server._bind_socket, "_medchain_nodelay", False)  # create_app wrapped it
    assert nodelay_on_bind()  # idempotent: wrapped once
    sock = starlette_server._bind_socket("127.0.0.1", 0, 8)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        client = socket.create_connection(sock.getsockname())
        sock.setblocking(True)
        accepted, _ = sock.accept()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)  # Linux passes it on
        accepted.close()
        client.close()
    finally:
        sock.close()
