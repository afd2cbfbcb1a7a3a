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

import gc
import json
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from sqlalchemy import Connection, Engine, delete, exists, func, insert, select

from dapp.chain.reader import ChainReader, Request
from dapp.records.bulk import bulk_insert
from dapp.records.models import Block, Event, IndexerCursor
from dapp.chain.deployment import Deployment
from dapp.errors import PlatformError
from dapp.records.projections import Fold, StoredEvent, clear
from dapp.records.stock_balance import fill_balances
from dapp.i18n import _

DEFAULT_RANGE = 2_000  # blocks per eth_getLogs, at most
_TARGET_EVENTS = 10_000  # events per eth_getLogs, about
_TAIL_BLOCKS = 4  # the last blocks of a range, whose density sizes the next one too
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
    events: int | None  # how many logs the range holds (None: nothing was read)
    end_header: dict | None
    rows: tuple | None = None  # (events, stored events, blocks), ready to write
    tail_events: int = 0  # how many of the logs are in the range's last _TAIL_BLOCKS blocks

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
                _("the database holds another chain's events (chain {chain_id}, genesis {genesis_hash}…), "
                  "not chain {chain_id_now}'s; point MEDCHAIN_DATABASE_URL at a database of its own or "
                  "rebuild this one with `ape run index --rebuild`").format(chain_id=row[0]['chain_id'], genesis_hash=row[0]['genesis_hash'][:10], chain_id_now=self.deployment.chain_id)
            )
        return IndexerCursor(**row[0])

    def _save_cursor(self, connection: Connection, next_block: int) -> None:
        connection.execute(delete(IndexerCursor.__table__))
        connection.execute(insert(IndexerCursor.__table__).values(
            chain_id=self.deployment.chain_id, genesis_hash=self.deployment.genesis_hash, next_block=next_block,
            updated_at=datetime.now(UTC).replace(tzinfo=None),
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
        self._adapt(read)
        return self._store(read)

    def catch_up(self, progress: bool = False, on_step: Callable[[StepResult], None] | None = None) -> int:
        """Reads every range up to the current head; the number of events stored.

        The next range is read while the current one is written (see `_Reads`)."""
        head = self.head()
        total = 0
        bar = None
        with self.engine.connect() as connection:
            start = self._cursor(connection).next_block
            last = _last_block(connection, start)
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=max(head - start + 1, 0), unit="block", desc="indexing", dynamic_ncols=True)
        reads = _Reads(self)
        collecting = gc.isenabled()
        gc.disable()  # the ranges make no reference cycles; full collections walked every row kept (measured 10 %)
        try:
            pending = reads.submit("_read", start, min(start + self._span - 1, head), last) if start <= head \
                else reads.submit("_check", last)
            while pending is not None:
                read = reads.result(pending)
                self._adapt(read)
                pending = None
                if read is not None and read.rows is not None and read.end < head:
                    following = read.end + 1
                    pending = reads.submit("_read", following, min(following + self._span - 1, head),
                                           (read.end, read.end_header["hash"]))
                result = self._store(read)
                if result is None:
                    break
                if result.rolled_back_to is not None:
                    if pending is not None:
                        reads.result(pending)  # read from the old branch: dropped
                    with self.engine.connect() as connection:
                        last = _last_block(connection, result.rolled_back_to + 1)
                    start = result.rolled_back_to + 1
                    pending = reads.submit("_read", start, min(start + self._span - 1, head), last) \
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
            if collecting:
                gc.enable()
            reads.close()
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
        requests_ = [self.reader.log_rows(self.contracts, start, end), _block_by_number(end)]
        if last is not None:
            requests_.append(_block_by_number(last[0]))
        answers = self.reader.batch(requests_)
        logs, end_header = answers[0], answers[1]
        read = _Read(start, end, last, answers[2] if last is not None else None, len(logs), end_header)
        tail = max(start, end - _TAIL_BLOCKS + 1)
        read.tail_events = sum(1 for log in logs if log[0] >= tail)
        if not read.reorged:
            read.rows = self._rows(logs, end, end_header) if end_header is not None else None
        return read

    def _adapt(self, read: _Read | None) -> None:
        """Ranges of about TARGET_EVENTS events: short where the chain is busy, up to
        `range_size` blocks where it is quiet."""
        if read is None or read.rows is None:
            return
        span = read.end - read.start + 1
        tail = min(span, _TAIL_BLOCKS)
        # The busier of the whole range and its end: where quiet blocks turn busy, the average
        # would make the next range several times too long (and the writer wait for it).
        per_block = max(read.events / span, read.tail_events / tail, 1 / span)
        wanted = int(_TARGET_EVENTS / per_block)
        self._span = max(1, min(self.range_size, wanted, span * 4))

    def _store(self, read: _Read | None) -> StepResult | None:
        if read is None:
            return None
        if read.reorged:
            fork = self._rollback()
            return StepResult(fork + 1, fork, 0, rolled_back_to=fork)
        if read.events is None or read.rows is None:
            return None  # nothing new, or the head went back under the read: the next step looks again
        events, stored, blocks = read.rows
        with self.engine.begin() as connection:
            if self._cursor(connection).next_block != read.start:
                raise IndexerError(_("another indexer is writing to this database; run one indexer per database"))
            bulk_insert(connection, Event.__table__, _EVENT_COLUMNS, events)
            bulk_insert(connection, Block.__table__, ("number", "hash", "timestamp"), blocks)
            if read.last is not None:  # keep only blocks with events, and the last one read
                connection.execute(delete(Block.__table__).where(
                    Block.number == read.last[0], ~exists().where(Event.block_number == read.last[0])))
            Fold().apply(connection, stored)
            fill_balances(connection)  # the running stock balances the reports read
            self._save_cursor(connection, read.end + 1)
        return StepResult(read.start, read.end, len(events))

    def _rows(self, logs: Sequence[tuple], end: int, end_header: dict) -> tuple[list[tuple], list[StoredEvent], list[tuple]]:
        """`logs` (rows from `ChainReader.log_rows`) as the rows to store: events, the fold's
        events, and the blocks."""
        times = self.reader.block_times_of({log[3] for log in logs}) if logs else {}
        blocks: dict[int, tuple] = {}
        events, stored = [], []
        encode = msgspec.json.encode
        for number, index, transaction, block_hash, contract, name, args in logs:
            known = blocks.get(number)
            if known is None:
                known = blocks[number] = (number, block_hash, times[block_hash])
            elif known[1] != block_hash:
                raise IndexerError(_("the node returned logs of two different blocks {number}; read again").format(number=number))
            events.append((number, index, transaction, known[2], contract, name, encode(args).decode()))
            stored.append(StoredEvent(number, index, known[2], contract, name, args))
        if end in blocks and blocks[end][1] != end_header["hash"]:
            raise IndexerError(_("block {end} changed while it was read; read again").format(end=end))
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


class _Reads:
    """Where a catch-up reads the next range while it writes the current one.

    The first range is read in a thread; when there are more, the rest are read in a child
    process (forked, so it starts at once and needs nothing pickled but the ranges). Decoding
    a range costs about as much CPU as writing it, and a thread would share the interpreter
    lock with the writer: every time the database driver let go of the lock, the writer
    waited for the decoder to hand it back, which halved the write speed (measured)."""

    def __init__(self, indexer: Indexer):
        self.indexer = indexer
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="indexer-read")
        self.process: ProcessPoolExecutor | None = None
        self.submitted = 0

    def submit(self, method: str, *args) -> Future:
        self.submitted += 1
        if self.submitted > 1 and self.process is None and "fork" in multiprocessing.get_all_start_methods():
            self.process = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                               initializer=_adopt, initargs=(self.indexer,))
        if self.process is not None:
            return self.process.submit(_read_in_child, method, *args)
        return self.thread.submit(getattr(self.indexer, method), *args)

    def result(self, pending: Future) -> _Read | None:
        try:
            read = pending.result()
        except BrokenProcessPool as error:
            raise IndexerError(_("the indexer's reading process died ({error}); run the indexer again, it resumes where "
                                 "it stopped").format(error=error)) from None
        if read is not None and isinstance(read.rows, bytes):
            read.rows = _ROWS_JSON.decode(read.rows)
        return read

    def close(self) -> None:
        self.thread.shutdown(wait=True)
        if self.process is not None:
            self.process.shutdown(wait=True, cancel_futures=True)


_CHILD: Indexer | None = None  # the indexer whose ranges a reading process reads


def _adopt(indexer: Indexer) -> None:
    """In the reading process: a connection to the node of its own (the parent's stays the
    parent's); the database is never touched here. The process ends with its parent, even a
    parent killed outright (SIGKILL leaves no chance to shut the pool down)."""
    _die_with_parent()
    global _CHILD
    indexer.reader = indexer.reader.detached()
    _CHILD = indexer


# A range's rows cross from the reading process as one JSON document: unpickling ten thousand
# events as objects cost the writer 18 µs each (measured), decoding this a tenth of that.
_ROWS_JSON = msgspec.json.Decoder(tuple[list[tuple[int, int, str, int, str, str, str]], list[StoredEvent],
                                        list[tuple[int, str, int]]])


def _read_in_child(method: str, *args) -> _Read | None:
    read = getattr(_CHILD, method)(*args)
    if read is not None and read.rows is not None:
        read.rows = msgspec.json.encode(read.rows)
    return read


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


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere,
    nothing (the pool's own shutdown still ends it on a normal exit)."""
    import ctypes
    import ctypes.util
    import os
    import signal

    PR_SET_PDEATHSIG = 1
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request was made
        os._exit(1)

