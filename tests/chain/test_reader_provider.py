"""ChainReader refuses a provider that has no node to read from (Ape's in-process chain)."""

import pytest
from ape import chain

from dapp.chain.reader import ChainReader, ChainUnreachable


def test_connected__in_process_chain__refuses_with_what_to_do():
    if chain.provider.name != "test":
        pytest.skip("about Ape's in-process chain")
    # Its provider has a `uri` (a default localhost address it never serves): reading it would
    # silently read whatever node listens there.
    with pytest.raises(ChainUnreachable, match=r"no HTTP JSON-RPC address.*--network ethereum:local:foundry"):
        ChainReader.connected(deployment=None)
