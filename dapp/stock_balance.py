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

from dapp.db.bulk import bulk_update, placeholder
from dapp.db.models import Movement

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
    since = {key: min(movements[i][at] for i in positions) for key, positions in groups.items()}
    stored = _stored_around(connection, since)
    balances: list[int | None] = [None] * len(movements)
    changed = []
    for key, positions in groups.items():
        earlier, later = [], []
        for row in stored.get(key, ()):
            (earlier if row[0] < since[key] else later).append(row)
        # The order of the ledger: by second, inflows first, then by chain position.
        base = max(earlier, key=lambda row: (row[0], -row[1], row[2], row[3]))[4] if earlier else 0
        timeline = [(row[0], -row[1], row[2], row[3], row[1], ("stored", row)) for row in later]
        timeline += [(movements[i][at], -movements[i][qty], movements[i][block], movements[i][log], movements[i][qty],
                      ("new", i)) for i in positions]
        timeline.sort(key=lambda entry: entry[:4])
        running = base
        for *_, quantity, (source, ref) in timeline:
            running += quantity
            if source == "new":
                balances[ref] = running
            elif ref[4] != running:
                changed.append((running, ref[5]))
    bulk_update(connection, Movement.__table__, ["id"], ["balance"], changed)
    return [(*movement, balance) for movement, balance in zip(movements, balances)]


def _stored_around(connection: Connection, since: dict[tuple[str, str], int]) -> dict[tuple[str, str], list[tuple]]:
    """For each (organization, GTIN): its stored movements from the second `since` on, and the
    last movement (in the ledger's order) of the second before, as (timestamp, quantity, block,
    log index, balance, id)."""
    found: dict[tuple[str, str], list[tuple]] = {}
    keys = list(since.items())
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        part = keys[start:start + _KEYS_PER_QUERY]
        rows = connection.exec_driver_sql(_around_sql(connection, len(part)),
                                          tuple(value for (organization, gtin), at in part
                                                for value in (organization, gtin, at))).all()
        for row in rows:
            found.setdefault((row[0], row[1]), []).append(tuple(row[2:]))
    return found


def _around_sql(connection: Connection, keys: int) -> str:
    mark = placeholder(connection)
    if connection.dialect.name == "postgresql":  # parameters in VALUES have no type of their own there
        row = f"(CAST({mark} AS VARCHAR), CAST({mark} AS VARCHAR), CAST({mark} AS BIGINT))"
    else:
        row = f"({mark}, {mark}, {mark})"
    values = ", ".join([row] * keys)
    return (
        # MATERIALIZED: each key's previous second found once, not once per movement row compared.
        f"WITH wanted (organization, gtin, since) AS (VALUES {values}), "
        "bounds AS MATERIALIZED (SELECT organization, gtin, since, (SELECT MAX(p.timestamp) FROM stock_movement AS p "
        "WHERE p.organization = wanted.organization AND p.gtin = wanted.gtin AND p.timestamp < wanted.since) "
        "AS before FROM wanted) "
        f"SELECT {_AROUND_COLUMNS} FROM bounds JOIN stock_movement AS m ON m.organization = bounds.organization "
        "AND m.gtin = bounds.gtin AND m.timestamp >= bounds.since "
        # of the previous second, only its last movement in the ledger's order (its balance is the base)
        f"UNION ALL SELECT {_AROUND_COLUMNS.replace('m.', 'ranked.')} FROM (SELECT {_AROUND_COLUMNS}, ROW_NUMBER() "
        "OVER (PARTITION BY m.organization, m.gtin ORDER BY m.quantity, m.block_number DESC, m.log_index DESC) AS n "
        "FROM bounds JOIN stock_movement AS m ON m.organization = bounds.organization AND m.gtin = bounds.gtin "
        "AND m.timestamp = bounds.before) AS ranked WHERE ranked.n = 1"
    )


_AROUND_COLUMNS = "m.organization, m.gtin, m.timestamp, m.quantity, m.block_number, m.log_index, m.balance, m.id"
