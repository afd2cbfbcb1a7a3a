"""The resolver's Starlette routes, mounted beside the Streamlit pages (dapp.ui.server)."""

from __future__ import annotations

from starlette.routing import BaseRoute


def resolver_routes() -> list[BaseRoute]:
    return []
