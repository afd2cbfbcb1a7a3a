"""The one ASGI app: the Streamlit pages and the resolver's HTTP routes on one port."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dapp.resolver.routes import resolver_routes

APP_SCRIPT = Path(__file__).resolve().parent / "app.py"


def create_app() -> st.App:
    return st.App(str(APP_SCRIPT), routes=resolver_routes())
