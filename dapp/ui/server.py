"""The one ASGI app: the Streamlit pages and the resolver's HTTP routes on one port."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dapp.resolver.routes import resolver_routes
from dapp.ui.nodelay import nodelay_on_bind

APP_SCRIPT = Path(__file__).resolve().parent / "app.py"


def create_app() -> st.App:
    nodelay_on_bind()  # answers without the 40 ms Nagle/delayed-ACK wait (see dapp.ui.nodelay)
    return st.App(str(APP_SCRIPT), routes=resolver_routes())
