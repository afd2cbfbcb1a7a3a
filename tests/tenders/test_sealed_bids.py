"""dapp.tenders.sealed_bids: a supplier's salts are kept before anything is sent, owner-only, atomically,
one file per attempt, never shown; a bid whose salt is lost gives an error that says what to do."""

import logging
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from dapp.errors import PlatformError
from dapp.paths import PROJECT_ROOT
from dapp.tenders.sealed_bids import BidKey, MissingSaltError, SealedBid, SealedBidError, SealedBidStore
from dapp.tenders.typed_data import bid_commitment

GENESIS = "0x" + "ab" * 32
TENDERS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
BIDDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER_BIDDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
PRICE = 1_740_000


def key(tender_id=3, bidder=BIDDER, chain_id=31337, genesis=GENESIS, tenders=TENDERS):
    return BidKey(chain_id, genesis, tenders, tender_id, bidder)


def sealed_on_chain(bid: SealedBid) -> bytes:
    """The commitment as `Tenders.bid` reports it: its high 224 bits, the rest zero."""
    return bid.commitment[:28] + b"\x00" * 4


@pytest.fixture
def store(tmp_path):
    return SealedBidStore(tmp_path / "data" / "sealed-bids")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_seal__commitment_of_price_and_fresh_salt(store):
    first, second = store.seal(key(), PRICE), store.seal(key(), PRICE)

    assert first.commitment == bid_commitment(key().chain_id, key().tenders, 3, BIDDER, PRICE, first.salt)
    assert len(first.salt) == 32 and first.salt != second.salt


def test_seal__owner_only_file_and_folders_whatever_the_umask(store):
    previous = os.umask(0)
    try:
        bid = store.seal(key(), PRICE)
    finally:
        os.umask(previous)

    [path] = store.folder(key()).iterdir()
    assert path.name == f"0x{bid.commitment.hex()}.json"
    assert mode(path) == 0o600
    folder = store.folder(key())
    while folder != store.root.parent:
        assert mode(folder) == 0o700, folder
        folder = folder.parent


def test_seal__loose_store_folder__made_owner_only(store):
    store.root.mkdir(parents=True, mode=0o755)
    os.chmod(store.root, 0o755)

    store.seal(key(), PRICE)

    assert mode(store.root) == 0o700


def test_seal__read_back_whole(store):
    bid = store.seal(key(), PRICE)

    assert store.bids(key()) == [bid]
    assert store.find(key(), sealed_on_chain(bid)) == bid


def test_seal__a_second_attempt__never_overwrites_the_first(store):
    first = store.seal(key(), PRICE)
    second = store.seal(key(), PRICE - 100)

    assert sorted(store.bids(key()), key=lambda b: b.price) == [second, first]
    assert store.find(key(), sealed_on_chain(first)) == first
    assert store.find(key(), sealed_on_chain(second)) == second


def test_keys__each_chain_contract_tender_and_bidder_has_its_own_record(store):
    bid = store.seal(key(), PRICE)
    others = [key(tender_id=4), key(bidder=OTHER_BIDDER), key(chain_id=1), key(genesis="0x" + "cd" * 32),
              key(tenders=OTHER_BIDDER)]

    for other in others:
        assert store.bids(other) == []
        with pytest.raises(MissingSaltError):
            store.find(other, sealed_on_chain(bid))
    assert len({store.folder(k) for k in [key(), *others]}) == 6


def test_key__addresses_in_any_case__same_record(store):
    bid = store.seal(key(bidder=BIDDER.lower(), tenders=TENDERS.lower()), PRICE)

    assert store.bids(key()) == [bid]


def test_save__crash_while_writing__no_file_and_earlier_attempt_intact(store, monkeypatch):
    earlier = store.seal(key(), PRICE)

    def power_cut(descriptor):
        raise OSError("power cut")

    monkeypatch.setattr(os, "fsync", power_cut)
    with pytest.raises(OSError, match="power cut"):
        store.seal(key(), PRICE - 100)
    monkeypatch.undo()

    assert [p.name for p in store.folder(key()).iterdir()] == [f"0x{earlier.commitment.hex()}.json"]
    assert store.bids(key()) == [earlier]


def test_save__left_over_temporary_file__ignored(store):
    bid = store.seal(key(), PRICE)
    (store.folder(key()) / f".0x{'00' * 32}.json.dead.tmp").write_text('{"half": ')

    assert store.bids(key()) == [bid]


def test_save__written_by_rename_of_a_complete_file(store, monkeypatch):
    """The final name appears only by `os.replace` of a temporary file already complete."""
    renamed = []
    real_replace = os.replace

    def watching_replace(source, target):
        with open(source) as written:
            renamed.append((os.path.basename(source), os.path.basename(target), written.read()))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", watching_replace)
    bid = store.seal(key(), PRICE)

    [(source, target, content)] = renamed
    assert source.startswith(".") and source.endswith(".tmp")
    assert target == f"0x{bid.commitment.hex()}.json"
    assert SealedBid.from_json(content) == bid


def test_crash_between_saving_and_sending__salt_survives_the_process(store):
    """A process seals a bid and dies at once (no cleanup, no flush at exit): the bid is there."""
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(PROJECT_ROOT)!r})
        from dapp.tenders.sealed_bids import BidKey, SealedBidStore
        bid = SealedBidStore({str(store.root)!r}).seal(BidKey(31337, {GENESIS!r}, {TENDERS!r}, 3, {BIDDER!r}), {PRICE})
        print(bid.commitment.hex(), flush=True)
        os._exit(9)  # killed before the commitment could be sent
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 9, result.stderr
    commitment = bytes.fromhex(result.stdout.strip())
    kept = store.find(key(), commitment[:28] + b"\x00" * 4)
    assert (kept.price, kept.commitment) == (PRICE, commitment)


def test_find__no_kept_salt__says_where_it_looked_and_what_to_do(store):
    with pytest.raises(MissingSaltError) as missing:
        store.find(key(), b"\x12" * 28 + b"\x00" * 4)

    message = str(missing.value)
    assert str(store.folder(key())) in message
    assert "copy" in message and "reveal again before the reveal deadline" in message
    assert "forfeited" in message
    assert isinstance(missing.value, PlatformError)


def test_find__only_another_bids_salt__missing(store):
    store.seal(key(), PRICE)

    with pytest.raises(MissingSaltError):
        store.find(key(), b"\x12" * 28 + b"\x00" * 4)


def test_bids__tampered_file__refused(store):
    bid = store.seal(key(), PRICE)
    path = store.folder(key()) / f"0x{bid.commitment.hex()}.json"
    path.write_text(path.read_text().replace(f'"price": {PRICE}', f'"price": {PRICE + 1}'))

    with pytest.raises(SealedBidError, match="unreadable .*do not give its commitment.*restore it"):
        store.bids(key())


def test_bids__file_of_another_bid_moved_here__refused(store):
    bid = store.seal(key(tender_id=4), PRICE)
    source = store.folder(key(tender_id=4)) / f"0x{bid.commitment.hex()}.json"
    store.folder(key()).mkdir(parents=True)
    source.rename(store.folder(key()) / source.name)

    with pytest.raises(SealedBidError, match="belongs to another bid"):
        store.bids(key())


def test_salt__never_in_repr_or_logs(store, caplog):
    caplog.set_level(logging.DEBUG)
    bid = store.seal(key(), PRICE)
    logging.getLogger("test").info("sealed %s", bid)
    store.find(key(), sealed_on_chain(bid))

    assert bid.salt.hex() not in repr(bid)
    assert bid.salt.hex() not in caplog.text
    assert f"price={PRICE}" in repr(bid)
