"""Documents of the sizes that matter to a CID, and the CIDs a real js-ipfs node gave them.

Every sample is a prefix of one 50 MB pseudo-random buffer (SHAKE-256, the same on every
machine), generated once per test session. The CIDs were printed by js-ipfs 0.66.1
(`tools/ipfs.sh start`) for `add` with cid-version=1 and raw leaves, which is what
`ipfs add --cid-version=1` does; they are hard-coded so that the folder store is checked
against the node even where no node runs.
"""

import hashlib
from functools import cache

CHUNK = 256 * 1024

# size in bytes -> CID the node gave
NODE_CIDS = {
    0: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    1: "bafkreigl4xh567bbdcu4hv4o6hlij45pucesae2srbsetidkmui4733uu4",
    CHUNK - 1: "bafkreie7f7vor2s24mfp3j5afoqwynxuq4zz2jmzzfrwwy5hhyeibwboqq",
    CHUNK: "bafkreicgqu2idfttpudpcyagudmtyhmhtgepzmnnhjupz3b7ljenecx2ri",
    CHUNK + 1: "bafybeig5fx7hlpagl4nfs7nq46acdz6i544jqauqjyiodu6czsssywuhyu",
    1_000_000: "bafybeigkw6qo3jvsiixlqokmvdsjlzkc5y5tffhz4ytwv25hzhiqcjqlse",
    # 174 chunks fill one node; one byte more needs a second level of the tree
    174 * CHUNK: "bafybeiafye5qcid6rl6wtspxcdgpinkuw5eeryain2ct4lfqcgb3nyauqy",
    174 * CHUNK + 1: "bafybeifwljcnzwwxorc4zgbbxnmt7awrng22ag3w5j726oafuf7l66r764",
    50_000_000: "bafybeihledlm6bidsxbamc2ommy4vnqstywgtngdgfy2eck2qgmuevsita",
}

# the sizes the issue names: 0 B, 1 B, 256 KiB - 1, 256 KiB, 256 KiB + 1, 1 MB, 50 MB
ISSUE_SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 1_000_000, 50_000_000]


@cache
def _buffer() -> bytes:
    return hashlib.shake_256(b"medchain document store sample").digest(max(NODE_CIDS))


def sample(size: int) -> bytes:
    """The first `size` bytes of the session's pseudo-random buffer."""
    return _buffer()[:size]


def size_id(size: int) -> str:
    """A readable test id for a size."""
    return f"{size}B"
