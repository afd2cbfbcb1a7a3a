"""Where a supplier keeps the secrets of its sealed bids (price and salt) until it reveals them.

A bid goes on-chain as keccak256(tenderId, bidder, price, salt). Without its salt and price the
bid cannot be opened and its bid security is forfeited, so the salt is written here *before* the
commitment is sent or signed for a relayer: whatever happens after that (a crash, a lost
connection, a transaction that lands later than expected), the bid can still be revealed.

One file per commitment, under the data folder:

    sealed-bids/<chain id>-<genesis hash>/<tenders contract>/<tender id>/<bidder>/<commitment>.json

A new attempt never overwrites an earlier one (that one may still be on its way to the chain);
the reveal takes the file whose commitment is the one on-chain. Files are readable by their owner
only (0600, folders 0700) and written atomically (a temporary file, fsync, rename, fsync of the
folder): a crash mid-write leaves the old state or the whole new file, never half a file. Salts
are never logged: `SealedBid`'s repr leaves them out.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from eth_utils import to_checksum_address

from dapp.errors import PlatformError
from dapp.paths import data_dir
from dapp.tenders.typed_data import bid_commitment, new_salt, salt_of_signature, salt_typed_data
from dapp.i18n import _

FILE_MODE = 0o600
FOLDER_MODE = 0o700
# `Tenders.bid` reports a sealed commitment's high 224 bits only (the rest of its slot is the
# bid's sequence): compare that much.
SEALED_BYTES = 28


class SealedBidError(PlatformError):
    """A sealed bid's record is missing, unreadable or does not match the chain."""


class MissingSaltError(SealedBidError):
    """No kept salt opens the bid on-chain."""


@dataclass(frozen=True)
class BidKey:
    """Which bid: chain (id and genesis block hash, since every local chain has id 31337), the
    tender contract, the tender and the bidder."""

    chain_id: int
    genesis_hash: str
    tenders: str
    tender_id: int
    bidder: str

    def __post_init__(self):
        object.__setattr__(self, "genesis_hash", self.genesis_hash.lower())
        object.__setattr__(self, "tenders", to_checksum_address(self.tenders))
        object.__setattr__(self, "bidder", to_checksum_address(self.bidder))

    def parts(self) -> tuple[str, ...]:
        return (f"{self.chain_id}-{self.genesis_hash.removeprefix('0x')}", self.tenders, str(self.tender_id),
                self.bidder)


@dataclass(frozen=True)
class SealedBid:
    """A bid's secrets: what reveals it. The salt stays out of the repr (and so out of logs)."""

    key: BidKey
    price: int
    salt: bytes = field(repr=False)
    commitment: bytes

    def opens(self, sealed: bytes) -> bool:
        """Whether this bid opens the commitment the chain holds (`Tenders.bid().commitment`:
        the high 224 bits)."""
        return bytes(sealed)[:SEALED_BYTES] == self.commitment[:SEALED_BYTES]

    def to_json(self) -> str:
        key = self.key
        return json.dumps({
            "chain_id": key.chain_id, "genesis_hash": key.genesis_hash, "tenders": key.tenders,
            "tender_id": key.tender_id, "bidder": key.bidder, "price": self.price,
            "salt": "0x" + self.salt.hex(), "commitment": "0x" + self.commitment.hex(),
        }, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SealedBid:
        raw = json.loads(text)
        key = BidKey(int(raw["chain_id"]), raw["genesis_hash"], raw["tenders"], int(raw["tender_id"]), raw["bidder"])
        bid = cls(key, int(raw["price"]), bytes.fromhex(raw["salt"].removeprefix("0x")),
                  bytes.fromhex(raw["commitment"].removeprefix("0x")))
        if bid_commitment(key.chain_id, key.tenders, key.tender_id, key.bidder, bid.price, bid.salt) != bid.commitment:
            raise ValueError("its price and salt do not give its commitment")
        return bid


class SealedBidStore:
    """The supplier's kept bids, in `root` (the data folder's `sealed-bids/` by default)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else data_dir() / "sealed-bids"

    def folder(self, key: BidKey) -> Path:
        return self.root.joinpath(*key.parts())

    def seal(self, key: BidKey, price: int) -> SealedBid:
        """A new salt for a bid of `price`, kept on disk before anything is sent."""
        salt = new_salt()
        bid = SealedBid(key, int(price), salt, bid_commitment(key.chain_id, key.tenders, key.tender_id, key.bidder, price, salt))
        self.save(bid)
        return bid

    def save(self, bid: SealedBid) -> Path:
        folder = self.folder(bid.key)
        self._make_private_folders(folder)
        path = folder / f"0x{bid.commitment.hex()}.json"
        _write_atomically(path, bid.to_json().encode())
        return path

    def bids(self, key: BidKey) -> list[SealedBid]:
        """Every kept bid for this key (earlier attempts included), unreadable files refused."""
        folder = self.folder(key)
        if not folder.is_dir():
            return []
        kept = []
        for path in sorted(folder.glob("0x*.json")):
            try:
                bid = SealedBid.from_json(path.read_text())
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise SealedBidError(_("the sealed bid file {path} is unreadable ({error}); restore it from your backup of the "
                                       "data folder").format(path=path, error=error)) from None
            if bid.key != key:
                raise SealedBidError(_("the sealed bid file {path} belongs to another bid ({key}); put it back where it came "
                                       "from").format(path=path, key=bid.key))
            kept.append(bid)
        return kept

    def find(self, key: BidKey, sealed: bytes) -> SealedBid:
        """The kept bid that opens the commitment `sealed` found on-chain."""
        for bid in self.bids(key):
            if bid.opens(sealed):
                return bid
        raise MissingSaltError(
            _("no kept salt opens the bid of {bidder} on tender {tender_id}: it is not in {key}. The "
              "bid was sealed from another computer or data folder: copy that folder's sealed-bids/ "
              "files for this bid into {key} (MEDCHAIN_DATA chooses the data folder) and reveal again "
              "before the reveal deadline; without them the bid cannot be opened and its bid security "
              "is forfeited").format(bidder=key.bidder, tender_id=key.tender_id, key=self.folder(key))
        )

    def _make_private_folders(self, folder: Path) -> None:
        """Create `folder` and the store's folders above it, owner-only."""
        missing = []
        current = folder
        while not current.exists():
            missing.append(current)
            if current == self.root:
                break
            current = current.parent
        for path in reversed(missing):
            path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            os.chmod(path, FOLDER_MODE)
        if stat.S_IMODE(self.root.stat().st_mode) & 0o077:
            os.chmod(self.root, FOLDER_MODE)


def wallet_salt(signer, key: BidKey) -> bytes | None:
    """The salt of the bid `key` derived from the bidder's own signature, so that a reveal needs
    only the wallet (and the price): the hash of its EIP-712 signature of `salt_typed_data`.

    Not every wallet signs deterministically (RFC 6979): the document is signed twice, and when
    the two signatures differ the salt could not be found again; None then, and the caller falls
    back to a random salt kept in the file store."""
    typed = salt_typed_data(key.chain_id, key.tenders, key.tender_id, key.bidder)
    first = bytes(signer.sign_typed_data(typed))
    second = bytes(signer.sign_typed_data(typed))
    if first != second:
        return None
    return salt_of_signature(first)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either no file or the whole file, readable by
    its owner only."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)  # whatever the umask
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)
