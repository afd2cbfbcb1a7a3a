"""Page tests: Streamlit's AppTest runs the dApp's script in-process against the demo chain."""

import io

import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from dapp.paths import PROJECT_ROOT
from dapp.verification.service import shared_service

APP = str(PROJECT_ROOT / "dapp" / "ui" / "app.py")
TIMEOUT = 60  # seconds a run may take: the first verdict reads the organizations too


@pytest.fixture
def on_demo_chain(demo_chain, monkeypatch):
    """The process reads the demo chain and its data folder; the shared clients start clean."""
    monkeypatch.setenv("MEDCHAIN_RPC_URL", demo_chain.url)
    monkeypatch.setenv("MEDCHAIN_DATA", str(demo_chain.data))
    shared_service.cache_clear()
    st.cache_resource.clear()
    yield demo_chain
    shared_service.cache_clear()
    st.cache_resource.clear()


@pytest.fixture
def create_app(on_demo_chain):
    """create_app(page="verify", language="en", code=None) → an AppTest that has run once."""

    def create_app(page: str = "verify", language: str = "en", code: str | None = None) -> AppTest:
        app = AppTest.from_file(APP, default_timeout=TIMEOUT)
        app.session_state["language"] = language
        if code is not None:
            app.query_params["code"] = code
        app.run()
        if page != "home":
            app.switch_page(f"app_pages/{page}.py")
            app.run()
        assert not app.exception, [e.message for e in app.exception]
        return app

    return create_app


def as_jpeg(png_path) -> bytes:
    """A label image as the JPEG a camera sends."""
    buffer = io.BytesIO()
    Image.open(png_path).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
