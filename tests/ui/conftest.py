"""Page tests: Streamlit's AppTest runs the dApp's script in-process against the demo chain."""

import io

import pytest
import streamlit as st
from eth_utils import to_checksum_address
from PIL import Image
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dapp.chain.deployment import read_record
from dapp.chain.reader import ChainReader
from dapp.demo import world as demo
from dapp.demo.local_data import seed_local_demo
from dapp.paths import PROJECT_ROOT
from dapp.records.engine import open_database
from dapp.records.indexer import Indexer
from dapp.ui.account import IDENTITY, Identity
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


def account_of(demo_chain, key: str) -> str:
    """The account of demo organization `key` (dapp/demo/world.py) on the demo chain."""
    return to_checksum_address(demo_chain.accounts[demo.organization(key).account_index])


def catch_up(demo_chain) -> None:
    """Index the demo chain into `<data>/platform.db` up to its head (what the pages list)."""
    engine = open_database(f"sqlite:///{demo_chain.data / 'platform.db'}")
    deployment = read_record(int(demo_chain.rpc("eth_chainId"), 16),
                             demo_chain.rpc("eth_getBlockByNumber", "0x0", False)["hash"],
                             demo_chain.data / "deployments")
    assert deployment is not None
    try:
        Indexer(engine, ChainReader(deployment, demo_chain.url)).catch_up()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def indexed_demo(demo_chain):
    """The demo chain indexed into its data folder's database, with the demo's local norms and quotes."""
    catch_up(demo_chain)
    engine = open_database(f"sqlite:///{demo_chain.data / 'platform.db'}")
    try:
        seed_local_demo(engine)
    finally:
        engine.dispose()
    return demo_chain


@pytest.fixture
def create_workspace(indexed_demo, create_app, monkeypatch):
    """create_workspace(page, key=None, language="en") → the AppTest of `page` signed in, in dev mode,
    as demo organization `key` (None: nobody signed in)."""
    monkeypatch.setenv("MEDCHAIN_DEV_MODE", "1")

    def create_workspace(page: str, key: str | None = None, language: str = "en") -> AppTest:
        app = create_app(page=page, language=language)
        if key is not None:
            app.session_state[IDENTITY] = Identity(account=account_of(indexed_demo, key), via="dev")
            app.run()
        assert not app.exception, [e.message for e in app.exception]
        return app

    return create_workspace


@pytest.fixture
def downloads(monkeypatch):
    """Every file the pages offer for download in this test: {file name: (bytes, MIME type)}, the
    last offered under each name."""
    offered: dict[str, tuple[bytes, str]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            offered[filename] = (path_or_data, mimetype)
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)
    return offered
