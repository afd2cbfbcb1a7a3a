"""The one ASGI app: the Streamlit pages, the resolver's HTTP routes and the live scanner's
decoder files on one port."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

from dapp.resolver.routes import resolver_routes
from dapp.ui.components.scanner.assets import scanner_routes
from dapp.ui.nodelay import nodelay_on_bind
from dapp.verification.receipts import shared_receipt_service

APP_SCRIPT = Path(__file__).resolve().parent / "app.py"
log = logging.getLogger(__name__)


def create_app() -> st.App:
    nodelay_on_bind()  # answers without the 40 ms Nagle/delayed-ACK wait (see dapp.ui.nodelay)
    return st.App(str(APP_SCRIPT), routes=resolver_routes() + scanner_routes(), lifespan=_lifespan)


@asynccontextmanager
async def _lifespan(_app):
    # The verifier reads the contracts' ABIs and the registry's organizations once: done as the
    # server starts, so the first person scanning a pack does not wait for it.
    threading.Thread(target=_warm_up, name="verifier-warm-up", daemon=True).start()
    yield


def _warm_up() -> None:
    try:
        shared_receipt_service().organizations()
    except Exception as error:  # noqa: BLE001 - the first request says what is wrong, in words
        log.info("the verifier could not start yet (%s); the first request tries again", error)
