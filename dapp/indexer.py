"""The indexer: every event of the deployed contracts into the database, in block ranges.

Each step reads one range of blocks with a single `eth_getLogs` (all contracts at once),
together with the header of the range's last block and of the last block already stored, in
one JSON-RPC batch. The events, the blocks they are in and the cursor are written in one
database transaction, so a crash at any moment leaves the database at the end of a whole
range: the next run resumes there, with no duplicate and no gap.

The database keeps the blocks that hold events and the last block read (whose hash is what
the next step checks), so a database indexed in any range sizes equals a rebuilt one.

Reorgs: the stored hash of the last block read is compared with the chain's on every step.
When it changed (or the block is gone), the indexer walks back over the stored blocks to the
newest one the chain still has, deletes every event above it, replays the projections from
the events that remain, and reads on from there.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import msgspec
from sqlalchemy import Connection, Engine, delete, exists, func, insert, select

from dapp.chain_reader import ChainReader, Log, Request
from dapp.db.bulk import bulk_insert
from dapp.db.models import Block, Event, IndexerCursor
from dapp.deployment import Deployment
from dapp.errors import PlatformError
from dapp.projections import Fold, StoredEvent, clear
from dapp.stock_balance import fill_balances

DEFAULT_RANGE = 2_000  # blocks per eth_getLogs, at most
_TARGET_EVENTS = 10_000  # events per eth_getLogs, about
_EVENT_COLUMNS = ("block_number", "log_index", "transaction_hash", "timestamp", "contract", "name", "args")
_REORG_WINDOW = 64  # stored blocks checked per request while looking for the fork point


class IndexerError(PlatformError):
    """The database belongs to another chain, or the node answered something inconsistent."""


@dataclass
class _Read:
    """One range as read from the node."""

    start: int
    end: int
    last: tuple[int, str] | None  # the last block stored before the range: (number, hash)
    last_now: dict | None  # that block's header as the chain has it now
    logs: list[Log] | None
    end_header: dict | None
    rows: tuple | None = None  # (events, stored events, blocks), ready to write

    @property
    def reorged(self) -> bool:
        return self.last is not None and (self.last_now is None or self.last_now["hash"] != self.last[1])


@dataclass
class StepResult:
    from_block: int
    to_block: int
    events: int
    rolled_back_to: int | None = None  # the fork point when a reorg was undone


class Indexer:
    """Indexes `deployment`'s contracts from the node `reader` talks to into `engine`."""

    def __init__(self, engine: Engine, reader: ChainReader, *, range_size: int = DEFAULT_RANGE,
                 confirmations: int = 0):
        self.engine = engine
        self.reader = reader
        self.deployment: Deployment = reader.deployment
        self.range_size = range_size
        self.confirmations = confirmations
        self.contracts = sorted(self.deployment.contracts)
        self._span = 1  # blocks in the next range: from one, so that the first write soon overlaps a read (see _adapt)

    # --- the cursor ----------------------------------------------------------------------

    def next_block(self) -> int:
        """The first block not indexed yet."""
        with self.engine.connect() as connection:
            return self._cursor(connection).next_block

    def _cursor(self, connection: Connection) -> IndexerCursor:
        row = connection.execute(select(IndexerCursor.__table__)).mappings().all()
        if not row:
            return IndexerCursor(chain_id=self.deployment.chain_id, genesis_hash=self.deployment.genesis_hash,
                                 next_block=self.deployment.first_block)
        if len(row) > 1 or row[0]["chain_id"] != self.deployment.chain_id \
                or row[0]["genesis_hash"].lower() != self.deployment.genesis_hash.lower():
            raise IndexerError(
                f"the database holds another chain's events (chain {row[0]['chain_id']}, genesis "
                f"{row[0]['genesis_hash'][:10]}…), not chain {self.deployment.chain_id}'s; point "
                "MEDCHAIN_DATABASE_URL at a database of its own or rebuild this one with `ape run index --rebuild`"
            )
        return IndexerCursor(**row[0])

    def _save_cursor(self, connection: Connection, next_block: int) -> None:
        connection.execute(delete(IndexerCursor.__table__))
        connection.execute(insert(IndexerCursor.__table__).values(
            chain_id=self.deployment.chain_id, genesis_hash=self.deployment.genesis_hash, next_block=next_block,
            updated_at=datetime.now(timezone.utc).replace(tzinfo=None),
        ))

    # --- reading -------------------------------------------------------------------------

    def head(self) -> int:
        """The newest block the indexer may read (the head less the confirmations)."""
        return self.reader.one(Request("eth_blockNumber", [], lambda n: int(n, 16))) - self.confirmations

    def step(self, head: int | None = None) -> StepResult | None:
        """Reads the next range (up to `head`) and stores it; None when there is nothing new."""
        with self.engine.connect() as connection:
            start = self._cursor(connection).next_block
            last = _last_block(connection, start)
        head = self.head() if head is None else head
        read = self._read(start, min(start + self._span - 1, head), last) if start <= head else self._check(last)
        return self._store(read)

    def catch_up(self, progress: bool = False, on_step: Callable[[StepResult], None] | None = None) -> int:
        """Reads every range up to the current head; the number of events stored.

        The next range is read while the current one is written (the node works while
        Python decodes and the database writes)."""
        head = self.head()
        total = 0
        bar = None
        with self.engine.connect() as connection:
            start = self._cursor(connection).next_block
            last = _last_block(connection, start)
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=max(head - start + 1, 0), unit="block", desc="indexing", dynamic_ncols=True)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="indexer-read")
        try:
            pending = pool.submit(self._read, start, min(start + self._span - 1, head), last) if start <= head \
                else pool.submit(self._check, last)
            while pending is not None:
                read = pending.result()
                pending = None
                if read is not None and read.rows is not None and read.end < head:
                    following = read.end + 1
                    pending = pool.submit(self._read, following, min(following + self._span - 1, head),
                                          (read.end, read.end_header["hash"]))
                result = self._store(read)
                if result is None:
                    break
                if result.rolled_back_to is not None:
                    if pending is not None:
                        pending.result()  # read from the old branch: dropped
                    with self.engine.connect() as connection:
                        last = _last_block(connection, result.rolled_back_to + 1)
                    start = result.rolled_back_to + 1
                    pending = pool.submit(self._read, start, min(start + self._span - 1, head), last) \
                        if start <= head else None
                total += result.events
                if bar is not None:
                    if result.rolled_back_to is not None:
                        bar.write(f"reorg: rolled back to block {result.rolled_back_to}")
                        bar.reset(total=max(head - result.rolled_back_to, 0))
                    else:
                        bar.update(result.to_block - result.from_block + 1)
                        bar.set_postfix(events=total)
                if on_step is not None:
                    on_step(result)
        finally:
            pool.shutdown(wait=True)
            if bar is not None:
                bar.close()
        return total

    # --- one range: read, then store -------------------------------------------------------

    def _check(self, last: tuple[int, str] | None) -> _Read | None:
        """Only the reorg check of the last block stored (when there is nothing new to read)."""
        if last is None:
            return None
        current = self.reader.one(_block_by_number(last[0]))
        return _Read(last[0] + 1, last[0], last, current, None, None)

    def _read(self, start: int, end: int, last: tuple[int, str] | None) -> _Read:
        """The logs of blocks start..end, the header of `end`, and `last`'s header as the chain
        has it now, in one round trip."""
        requests_ = [self.reader.logs(self.contracts, from_block=start, to_block=end, json_values=True),
                     _block_by_number(end)]
        if last is not None:
            requests_.append(_block_by_number(last[0]))
        answers = self.reader.batch(requests_)
        logs, end_header = answers[0], answers[1]
        read = _Read(start, end, last, answers[2] if last is not None else None, logs, end_header)
        if not read.reorged:
            read.rows = self._rows(logs, end, end_header) if end_header is not None else None
            self._adapt(end - start + 1, len(logs))
        return read

    def _adapt(self, span: int, events: int) -> None:
        """Ranges of about TARGET_EVENTS events: short where the chain is busy, up to
        `range_size` blocks where it is quiet."""
        wanted = span * _TARGET_EVENTS // max(events, 1)
        self._span = max(1, min(self.range_size, wanted, span * 4))

    def _store(self, read: _Read | None) -> StepResult | None:
        if read is None:
            return None
        if read.reorged:
            fork = self._rollback()
            return StepResult(fork + 1, fork, 0, rolled_back_to=fork)
        if read.logs is None or read.rows is None:
            return None  # nothing new, or the head went back under the read: the next step looks again
        events, stored, blocks = read.rows
        with self.engine.begin() as connection:
            if self._cursor(connection).next_block != read.start:
                raise IndexerError("another indexer is writing to this database; run one indexer per database")
            bulk_insert(connection, Event.__table__, _EVENT_COLUMNS, events)
            bulk_insert(connection, Block.__table__, ("number", "hash", "timestamp"), blocks)
            if read.last is not None:  # keep only blocks with events, and the last one read
                connection.execute(delete(Block.__table__).where(
                    Block.number == read.last[0], ~exists().where(Event.block_number == read.last[0])))
            Fold().apply(connection, stored)
            fill_balances(connection)  # the running stock balances the reports read
            self._save_cursor(connection, read.end + 1)
        return StepResult(read.start, read.end, len(events))

    def _rows(self, logs: Sequence[Log], end: int, end_header: dict) -> tuple[list[tuple], list[StoredEvent], list[tuple]]:
        times = self.reader.block_times(logs) if logs else {}
        blocks: dict[int, tuple] = {}
        events, stored = [], []
        encode = msgspec.json.encode
        for log in logs:
            known = blocks.get(log.block_number)
            if known is None:
                known = blocks[log.block_number] = (log.block_number, log.block_hash, times[log.block_hash])
            elif known[1] != log.block_hash:
                raise IndexerError(f"the node returned logs of two different blocks {log.block_number}; read again")
            events.append((log.block_number, log.log_index, log.transaction_hash, known[2], log.contract, log.event,
                           encode(log.args).decode()))
            stored.append(StoredEvent(log.block_number, log.log_index, known[2], log.contract, log.event, log.args))
        if end in blocks and blocks[end][1] != end_header["hash"]:
            raise IndexerError(f"block {end} changed while it was read; read again")
        blocks.setdefault(end, (end, end_header["hash"], int(end_header["timestamp"], 16)))
        self.reader.forget_block_times()  # kept only for the range: a long follow would hoard them
        return events, stored, list(blocks.values())

    # --- following -------------------------------------------------------------------------

    def follow(self, poll_seconds: float = 1.0, should_stop: Callable[[], bool] = lambda: False,
               on_step: Callable[[StepResult], None] | None = None) -> None:
        """Keeps up with new blocks until `should_stop()` says so."""
        while not should_stop():
            if self.catch_up(on_step=on_step) == 0:
                time.sleep(poll_seconds)

    # --- reorgs and rebuilds ---------------------------------------------------------------

    def _rollback(self) -> int:
        """Undoes every block the chain no longer has; the fork point (the newest block kept)."""
        fork = self.deployment.first_block - 1
        with self.engine.connect() as connection:
            below = None
            while True:
                query = select(Block.number, Block.hash).order_by(Block.number.desc()).limit(_REORG_WINDOW)
                if below is not None:
                    query = query.where(Block.number < below)
                stored = connection.execute(query).all()
                if not stored:
                    break
                current = self.reader.batch([_block_by_number(row.number) for row in stored])
                kept = [row.number for row, block in zip(stored, current) if block is not None and block["hash"] == row.hash]
                if kept:
                    fork = kept[0]
                    break
                below = stored[-1].number
        with self.engine.begin() as connection:
            connection.execute(delete(Event.__table__).where(Event.block_number > fork))
            connection.execute(delete(Block.__table__).where(Block.number > fork))
            self._save_cursor(connection, fork + 1)
            replay(connection)
        return fork

    def rebuild(self, progress: bool = False) -> int:
        """Forgets everything indexed and reads the chain again from the deployment."""
        with self.engine.begin() as connection:
            forget(connection)
        return self.catch_up(progress=progress)


def replay(connection: Connection, chunk: int = 20_000) -> None:
    """Rebuilds the projection tables from the stored events."""
    clear(connection)
    last = (-1, -1)
    while True:
        rows = connection.execute(
            select(Event.block_number, Event.log_index, Event.timestamp, Event.contract, Event.name, Event.args)
            .where((Event.block_number > last[0]) | ((Event.block_number == last[0]) & (Event.log_index > last[1])))
            .order_by(Event.block_number, Event.log_index).limit(chunk)
        ).all()
        if not rows:
            return
        Fold().apply(connection, [
            StoredEvent(r.block_number, r.log_index, r.timestamp, r.contract, r.name, json.loads(r.args)) for r in rows
        ])
        fill_balances(connection)
        last = (rows[-1].block_number, rows[-1].log_index)


def forget(connection: Connection) -> None:
    """Empties the chain tables and the projections (the local tables stay)."""
    clear(connection)
    for model in (Event, Block, IndexerCursor):
        connection.execute(delete(model.__table__))


def event_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Event.__table__)).scalar_one()


def _last_block(connection: Connection, next_block: int) -> tuple[int, str] | None:
    row = connection.execute(select(Block.number, Block.hash).where(Block.number == next_block - 1)).first()
    return (row.number, row.hash) if row is not None else None


def _block_by_number(number: int) -> Request:
    return Request("eth_getBlockByNumber", [hex(number), False], lambda block: block)
