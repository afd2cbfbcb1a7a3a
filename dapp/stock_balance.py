"""Running balances of the stock ledger: `stock_movement.balance` is the organization's stock of
the GTIN after the movement. With it the quarter's lowest balance is a plain MIN in a GROUP BY
(the turnover report), instead of a window function over every movement at each report.

Movements of the same second are ordered inflows first (then by chain position), so the
lowest balance over the rows equals the lowest balance at the end of any second: a delivery
and a dispense in the same block never show as a dip.

`fill_balances` computes the balances still NULL, incrementally: for each (organization, GTIN)
with new rows, from the earliest new row's second onwards, on top of the sum of the movements
before it. Rows arriving out of time order are therefore handled too. The indexer may call it
after each batch; the report calls it before reading, and then it costs one index lookup.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, exists, func, select, update

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
