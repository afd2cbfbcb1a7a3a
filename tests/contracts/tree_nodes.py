"""The inner nodes of a serial tree with their paths to the root: what an attacker would pass to
`Custody.decommission` as a "unit" to write off stock with no real pack behind it."""

from dapp.verification.merkle import SerialTree


def inner_nodes(tree: SerialTree) -> list[tuple[bytes, list[bytes]]]:
    """(node, sibling path up to the root) for every inner node of `tree`, the root first (its
    path is empty). The node array is OpenZeppelin's StandardMerkleTree layout: node i's children
    are 2i + 1 and 2i + 2."""
    blob = tree.to_bytes()
    nodes = [blob[i : i + 32] for i in range(0, len(blob), 32)]
    result = []
    for index in range(len(nodes) - len(tree)):
        path, at = [], index
        while at > 0:
            path.append(nodes[at + 1 if at % 2 == 1 else at - 1])
            at = (at - 1) // 2
        result.append((nodes[index], path))
    return result
