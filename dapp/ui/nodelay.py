"""TCP_NODELAY on the dApp server's listening socket, so a keep-alive client gets each answer
at once instead of 40 ms later.

Streamlit binds its socket itself (`socket.socket(family=...)`, protocol 0), and asyncio only
turns Nagle's algorithm off on sockets whose protocol reads IPPROTO_TCP. uvicorn writes an
answer's headers and its body in two sends: with Nagle on, the body waits for the client's
ACK of the headers, which Linux delays by up to 40 ms on a kept-alive connection. Every JSON
verdict paid those 40 ms (p50 51 ms over loopback, against 5 ms for a bodiless redirect).
Linux passes TCP_NODELAY from the listening socket to the sockets it accepts, so setting it
once where Streamlit binds serves every connection: the pages' as much as the resolver's.

`dapp.ui.server.create_app` applies it before the server binds; it does nothing if Streamlit's
binding function moves.
"""

from __future__ import annotations

import functools
import socket

_MARK = "_medchain_nodelay"


def nodelay_on_bind() -> bool:
    """Wraps Streamlit's socket binding to set TCP_NODELAY; whether it could (idempotent)."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:  # pragma: no cover - another Streamlit layout
        return False
    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is None:
        return False
    if getattr(bind, _MARK, False):
        return True

    @functools.wraps(bind)
    def bind_without_nagle(*arguments, **keywords) -> socket.socket:
        sock = bind(*arguments, **keywords)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # pragma: no cover - not a TCP socket
            pass
        return sock

    setattr(bind_without_nagle, _MARK, True)
    starlette_server._bind_socket = bind_without_nagle
    return True
