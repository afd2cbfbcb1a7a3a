"""Running stock balances: given as movements are inserted (`with_balances`, what the indexer
does a range at a time) they equal the ledger's definition (by second, inflows first, then by
chain position) and what `fill_balances` computes set-based, on SQLite and PostgreSQL alike,
whatever the chunks: boundaries inside a second, rows arriving out of time order."""

import random

import pytest
from sqlalchemy import select, update

from dapp.records.bulk import bulk_insert
from dapp.records.models import Movement
from dapp.records.projections import _BALANCE_INPUTS, _MOVEMENT_COLUMNS
from dapp.records.stock_balance import fill_balances, with_balances

ORGANIZATIONS = ["0x" + "a1" * 20, "0x" + "b2" * 20, "0x" + "c3" * 20]
GTINS = ["04607001120995", "04607001121008"]


def movement(block, log, timestamp, organization, gtin, quantity):
    return (block, log, timestamp, organization, gtin, "0x" + "11" * 32, "received" if quantity > 0 else "dispensed",
            quantity, "", None, 0, None)


def random_ledger(seed: int, count: int = 400) -> list[tuple]:
    """Movements in chain order, many in the same second (several per block, blocks sharing seconds)."""
    rng = random.Random(seed)
    rows, block, timestamp = [], 1, 1_700_000_000
    while len(rows) < count:
        block += 1
        timestamp += rng.choice([0, 0, 1, 12])
        for log in range(rng.randint(1, 6)):
            quantity = rng.choice([rng.randint(1, 50), -rng.randint(1, 20)])
            rows.append(movement(block, log, timestamp, rng.choice(ORGANIZATIONS), rng.choice(GTINS), quantity))
    return rows


def by_definition(rows: list[tuple]) -> dict[tuple, int]:
    """Each movement's balance: its organization's stock of the GTIN after it, in the ledger's order."""
    balances, running = {}, {}
    for row in sorted(rows, key=lambda r: (r[2], -r[7], r[0], r[1])):
        key = (row[3], row[4])
        running[key] = running.get(key, 0) + row[7]
        balances[(row[0], row[1], row[3])] = running[key]
    return balances


def insert_in_chunks(engine, chunks: list[list[tuple]]) -> None:
    for chunk in chunks:
        with engine.begin() as connection:
            bulk_insert(connection, Movement.__table__, (*_MOVEMENT_COLUMNS, "balance"),
                        with_balances(connection, chunk, _BALANCE_INPUTS))


def stored_balances(engine) -> dict[tuple, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(Movement.block_number, Movement.log_index, Movement.organization,
                                         Movement.balance)).all()
    return {(r.block_number, r.log_index, r.organization): r.balance for r in rows}


def split(rows: list[tuple], rng: random.Random) -> list[list[tuple]]:
    chunks, start = [], 0
    while start < len(rows):
        size = rng.randint(1, 60)
        chunks.append(rows[start:start + size])
        start += size
    return chunks


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_balances__chunks_in_chain_order__as_the_ledger_defines(engine, seed):
    rows = random_ledger(seed)

    insert_in_chunks(engine, split(rows, random.Random(seed)))

    assert stored_balances(engine) == by_definition(rows)


def test_with_balances__same_as_fill_balances(engine):
    rows = random_ledger(11)
    insert_in_chunks(engine, split(rows, random.Random(11)))
    given = stored_balances(engine)

    with engine.begin() as connection:
        connection.execute(update(Movement).values(balance=None))
        fill_balances(connection)

    assert stored_balances(engine) == given


def test_with_balances__chunk_inside_a_second__later_inflow_sorts_first_and_stored_rows_corrected(engine):
    organization, gtin = ORGANIZATIONS[0], GTINS[0]
    insert_in_chunks(engine, [[movement(1, 0, 100, organization, gtin, 10)],
                              [movement(2, 0, 200, organization, gtin, -4), movement(2, 1, 200, organization, gtin, -3)]])
    # Same second, both outflows: the larger quantity (-3) first.
    assert stored_balances(engine) == {(1, 0, organization): 10, (2, 1, organization): 7, (2, 0, organization): 3}

    # Block 3 is in the same second as block 2: its delivery comes first in the ledger.
    insert_in_chunks(engine, [[movement(3, 0, 200, organization, gtin, 5)]])

    assert stored_balances(engine) == {(1, 0, organization): 10, (3, 0, organization): 15,
                                       (2, 1, organization): 12, (2, 0, organization): 8}


def test_with_balances__rows_out_of_time_order__later_balances_updated(engine):
    rows = random_ledger(5, count=200)
    rng = random.Random(5)
    chunks = split(rows, rng)
    rng.shuffle(chunks)

    insert_in_chunks(engine, chunks)

    assert stored_balances(engine) == by_definition(rows)


def test_with_balances__previous_second__base_is_its_last_row_in_ledger_order(engine):
    organization, gtin = ORGANIZATIONS[1], GTINS[1]
    # In second 100: +20 then -5 in chain order, but also +7 after them; inflows first: 20, 27, 22.
    insert_in_chunks(engine, [[movement(1, 0, 100, organization, gtin, 20), movement(1, 1, 100, organization, gtin, -5),
                               movement(1, 2, 100, organization, gtin, 7)]])

    insert_in_chunks(engine, [[movement(2, 0, 101, organization, gtin, -2)]])

    assert stored_balances(engine)[(2, 0, organization)] == 20


def test_with_balances__other_organizations_and_gtins__kept_apart(engine):
    rows = [movement(1, 0, 100, ORGANIZATIONS[0], GTINS[0], 5), movement(1, 1, 100, ORGANIZATIONS[1], GTINS[0], 7),
            movement(1, 2, 100, ORGANIZATIONS[0], GTINS[1], 9)]
    insert_in_chunks(engine, [rows, [movement(2, 0, 101, ORGANIZATIONS[0], GTINS[0], -1)]])

    assert stored_balances(engine) == {(1, 0, ORGANIZATIONS[0]): 5, (1, 1, ORGANIZATIONS[1]): 7,
                                       (1, 2, ORGANIZATIONS[0]): 9, (2, 0, ORGANIZATIONS[0]): 4}
