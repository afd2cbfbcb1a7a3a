"""The dApp server on the demo chain, as an attacker meets it: in production (dev mode off) and
in dev mode, the database indexed so the workspaces have data to leak."""

from __future__ import annotations

import pytest

from tests.fixtures.demo_chain import start_dapp, stop_dapp
from tests.ui.conftest import catch_up


@pytest.fixture(scope="module")
def indexed_chain(demo_chain):
    """The demo chain with its events indexed into the data folder's database (what the pages read)."""
    catch_up(demo_chain)
    return demo_chain


def _serve(chain, dev_mode: str):
    env = dict(chain.env, MEDCHAIN_DEV_MODE=dev_mode)
    env.pop("MEDCHAIN_DATABASE_URL", None)  # the data folder's own database, the one indexed above
    process, base = start_dapp(env)
    return process, base


@pytest.fixture(scope="module")
def production(indexed_chain):
    """The dApp served with dev mode off (MEDCHAIN_DEV_MODE=0): its base URL."""
    process, base = _serve(indexed_chain, "0")
    yield base
    stop_dapp(process)


@pytest.fixture(scope="module")
def dev_server(indexed_chain):
    """The dApp served in dev mode (MEDCHAIN_DEV_MODE=1, the local chain): its base URL."""
    process, base = _serve(indexed_chain, "1")
    yield base
    stop_dapp(process)
