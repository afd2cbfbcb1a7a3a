"""TCP_NODELAY where Streamlit binds the dApp's socket (dapp.resolver.nodelay)."""

import socket

from dapp.resolver.nodelay import nodelay_on_bind
from dapp.resolver.routes import resolver_routes


def test_resolver_routes__streamlits_listening_socket_gets_tcp_nodelay():
    from streamlit.web.server.starlette import starlette_server

    resolver_routes()
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
