"""Running balances of the stock ledger: `stock_movement.balance` is the organization's stock of
the GTIN after the movement. With it the quarter's lowest balance is a plain MIN in a GROUP BY
(the turnover report), instead of a window function over every movement at each report.

Movements of the same second are ordered inflows first (then by chain position), so the
lowest balance over the rows equals the lowest balance at the end of any second: a delivery
and a dispense in the same block never show as a dip.

The indexer gives each movement its balance as it inserts it (`with_balances`): for each
(organization, GTIN) of a chunk, the balance at the end of the last second before the chunk's
earliest movement is read, together with any stored movement of that second or later (a
chunk that starts inside a second, or rows that arrive out of time order), and the running
sum goes on from there in memory; stored rows whose balance changes are updated.

`fill_balances` computes balances still NULL (rows written by other means), set-based:
for each (organization, GTIN) with such rows, from the earliest one's second onwards, on top
of the sum of the movements before it. The report calls it before reading; with nothing
pending it costs one index lookup.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, exists, func, select, update

from dapp.records.bulk import bulk_update, placeholder
from dapp.records.models import Movement

SAME_SECOND_ORDER = (Movement.timestamp, Movement.quantity.desc(), Movement.block_number, Movement.log_index)


def balances_pending(connection: Connection) -> bool:
    return bool(connection.execute(select(exists().where(Movement.balance.is_(None)))).scalar())


def fill_balances(connection: Connection) -> int:
    """Compute the NULL balances (and the later ones of the same organization and GTIN);
    returns the number of rows updated."""
    if not balances_pending(connection):
        return 0
    pending = (select(Movement.organization, Movement.gtin, func.min(Movement.timestamp).label("since"))
               .where(Movement.balance.is_(None)).group_by(Movement.organization, Movement.gtin).subquery("pending"))
    same_key = and_(Movement.organization == pending.c.organization, Movement.gtin == pending.c.gtin)
    before = (select(Movement.organization, Movement.gtin, func.sum(Movement.quantity).label("base"))
              .join(pending, and_(same_key, Movement.timestamp < pending.c.since))
              .group_by(Movement.organization, Movement.gtin).subquery("before"))
    running = func.sum(Movement.quantity).over(partition_by=(Movement.organization, Movement.gtin),
                                               order_by=SAME_SECOND_ORDER, rows=(None, 0))
    fresh = (select(Movement.id, (func.coalesce(before.c.base, 0) + running).label("balance"))
             .join(pending, and_(same_key, Movement.timestamp >= pending.c.since))
             .outerjoin(before, and_(before.c.organization == Movement.organization, before.c.gtin == Movement.gtin))
             .subquery("fresh"))
    statement = (update(Movement).values(balance=fresh.c.balance)
                 .where(Movement.id == fresh.c.id)
                 .where((Movement.balance.is_(None)) | (Movement.balance != fresh.c.balance)))
    return connection.execute(statement).rowcount


_KEYS_PER_QUERY = 300


def with_balances(connection: Connection, movements: Sequence[tuple], where: tuple[int, ...]) -> list[tuple]:
    """`movements` (new rows, not stored yet) each with its balance appended; stored rows of the
    same organization and GTIN whose balance they change are updated.

    `where`: the positions in a movement tuple of (timestamp, organization, GTIN, quantity,
    block number, log index)."""
    if balances_pending(connection):
        fill_balances(connection)
    at, org, gtin, qty, block, log = where
    groups: dict[tuple[str, str], list[int]] = {}
    for i, movement in enumerate(movements):
        groups.setdefault((movement[org], movement[gtin]), []).append(i)

    def place(i: int) -> tuple:  # a movement's position in the ledger: by second, inflows first, then chain order
        movement = movements[i]
        return movement[at], -movement[qty], movement[block], movement[log]

    first = {key: min(map(place, positions)) for key, positions in groups.items()}
    bases, after = _stored_around(connection, first)
    balances: list[int | None] = [None] * len(movements)
    changed = []
    for key, positions in groups.items():
        timeline = [((row[0], -row[1], row[2], row[3]), row[1], None, row) for row in after.get(key, ())]
        timeline += [(place(i), movements[i][qty], i, None) for i in positions]
        timeline.sort(key=lambda entry: entry[0])
        running = bases.get(key, 0)
        for _, quantity, new, stored in timeline:
            running += quantity
            if new is not None:
                balances[new] = running
            elif stored[4] != running:
                changed.append((running, stored[5]))
    bulk_update(connection, Movement.__table__, ["id"], ["balance"], changed)
    return [(*movement, balance) for movement, balance in zip(movements, balances)]


def _stored_around(connection: Connection, first: dict[tuple[str, str], tuple]) -> tuple[dict, dict]:
    """For each (organization, GTIN) and the ledger position of its first new movement: the
    balance just before that position (of the stored movement that precedes it), and the
    stored movements after it (chunks that start inside a second, rows out of time order) as
    (timestamp, quantity, block, log index, balance, id)."""
    bases: dict[tuple[str, str], int] = {}
    after: dict[tuple[str, str], list[tuple]] = {}
    keys = list(first.items())
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        part = keys[start:start + _KEYS_PER_QUERY]
        parameters = tuple(value for (organization, gtin), (second, inflow, block, log) in part
                           for value in (organization, gtin, second, -inflow, block, log))
        for row in connection.exec_driver_sql(_around_sql(connection, len(part)), parameters).all():
            if row[0] == "base":
                bases[(row[1], row[2])] = row[7]
            else:
                after.setdefault((row[1], row[2]), []).append(tuple(row[3:]))
    return bases, after


# A stored movement m before / after the position (w.at_second, -w.quantity, w.at_block, w.log_index)
# in the ledger's order, within the same second.
_BEFORE_IN_SECOND = ("(m.quantity > w.quantity OR (m.quantity = w.quantity AND (m.block_number < w.at_block "
                     "OR (m.block_number = w.at_block AND m.log_index < w.log_index))))")
_AFTER_IN_SECOND = ("(m.quantity < w.quantity OR (m.quantity = w.quantity AND (m.block_number > w.at_block "
                    "OR (m.block_number = w.at_block AND m.log_index > w.log_index))))")
_AROUND_COLUMNS = "m.organization, m.gtin, m.timestamp, m.quantity, m.block_number, m.log_index, m.balance, m.id"
_KEYS = "m.organization = w.organization AND m.gtin = w.gtin"


def _around_sql(connection: Connection, keys: int) -> str:
    mark = placeholder(connection)
    if connection.dialect.name == "postgresql":  # parameters in VALUES have no type of their own there
        row = (f"(CAST({mark} AS VARCHAR), CAST({mark} AS VARCHAR), CAST({mark} AS BIGINT), CAST({mark} AS BIGINT), "
               f"CAST({mark} AS BIGINT), CAST({mark} AS BIGINT))")
    else:
        row = "(" + ", ".join([mark] * 6) + ")"
    values = ", ".join([row] * keys)
    return (
        f"WITH w (organization, gtin, at_second, quantity, at_block, log_index) AS (VALUES {values}), "
        # The second of the stored movement just before each key's position: its own second when
        # one there precedes it, else the last second before. MATERIALIZED: found once per key.
        "bounds AS MATERIALIZED (SELECT w.*, CASE WHEN EXISTS (SELECT 1 FROM stock_movement AS m "
        f"WHERE {_KEYS} AND m.timestamp = w.at_second AND {_BEFORE_IN_SECOND}) THEN w.at_second "
        "ELSE (SELECT MAX(p.timestamp) FROM stock_movement AS p WHERE p.organization = w.organization "
        "AND p.gtin = w.gtin AND p.timestamp < w.at_second) END AS before FROM w) "
        f"SELECT 'after', {_AROUND_COLUMNS} FROM bounds AS w JOIN stock_movement AS m ON {_KEYS} "
        # (the first condition, implied by the second, lets the index seek to the second)
        f"AND m.timestamp >= w.at_second AND (m.timestamp > w.at_second OR {_AFTER_IN_SECOND}) "
        # of that second, only the last movement before the position (its balance is the base)
        f"UNION ALL SELECT 'base', {_AROUND_COLUMNS.replace('m.', 'ranked.')} FROM (SELECT {_AROUND_COLUMNS}, "
        "ROW_NUMBER() OVER (PARTITION BY m.organization, m.gtin "
        "ORDER BY m.quantity, m.block_number DESC, m.log_index DESC) AS n "
        f"FROM bounds AS w JOIN stock_movement AS m ON {_KEYS} AND m.timestamp = w.before "
        f"AND (m.timestamp < w.at_second OR {_BEFORE_IN_SECOND})) AS ranked WHERE ranked.n = 1"
    )
