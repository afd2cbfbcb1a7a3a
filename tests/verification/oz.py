"""OpenZeppelin's JavaScript @openzeppelin/merkle-tree, run through node, as the reference."""

import json
import subprocess

from dapp.paths import PROJECT_ROOT


def oz_tree(gtin: int, serials: list[str], proofs: int = 0) -> tuple[bytes, dict[str, list[bytes]]]:
    """The root, and the proofs of the first `proofs` serials, as StandardMerkleTree computes them."""
    result = subprocess.run(
        ["node", str(PROJECT_ROOT / "tools" / "oz-merkle-root.cjs")],
        input=json.dumps({"gtin": str(gtin), "serials": serials, "proofs": proofs}),
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    out = json.loads(result.stdout)
    proofs = {serial: [bytes.fromhex(p[2:]) for p in proof] for serial, proof in out["proofs"].items()}
    return bytes.fromhex(out["root"][2:]), proofs
