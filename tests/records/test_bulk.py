"""Bulk writes (`dapp.records.bulk`): the same rows as SQLAlchemy would write, on SQLite and on
PostgreSQL, with each column's own bind processing (uint256 beyond 64 bits, dates) and text
that COPY must escape."""

from datetime import datetime

from sqlalchemy import select

from dapp.records.bulk import bulk_insert, bulk_update
from dapp.records.models import Bid, IndexerCursor, Tender

HOSPITAL = "0x" + "a1" * 20
BIG = 2**256 - 1


def tender_row(tender_id: int, max_price: int, specification: str = "") -> dict:
    return {"tender_id": tender_id, "hospital": HOSPITAL, "gtin": "04607001120995", "specification_cid": specification,
            "accepted_gtins": "", "quantity": 10, "max_price": max_price, "bid_deadline": 1, "reveal_deadline": 2,
            "delivery_deadline": 3, "status": "open", "created_at": 0, "bids": 0, "winner": "", "price": None,
            "awarded_at": None, "delivered": 0, "closed_at": None}


def test_bulk_insert__uint256_and_awkward_text__read_back_exactly(engine):
    rows = [tender_row(1, BIG, "tab\there\nnew line \\ backslash"), tender_row(2, 2**64 + 1, "Натрия хлорид"),
            tender_row(3, 0)]
    with engine.begin() as connection:
        bulk_insert(connection, Tender.__table__, tuple(rows[0]), [tuple(row.values()) for row in rows])

    with engine.connect() as connection:
        stored = connection.execute(select(Tender.tender_id, Tender.max_price, Tender.specification_cid,
                                           Tender.price).order_by(Tender.tender_id)).all()
    assert [tuple(row) for row in stored] == [(1, BIG, "tab\there\nnew line \\ backslash", None),
                                             (2, 2**64 + 1, "Натрия хлорид", None), (3, 0, "", None)]


def test_bulk_insert__dates__bound_as_the_column_type_binds_them(engine):
    when = datetime(2026, 11, 26, 12, 30, 15)
    with engine.begin() as connection:
        bulk_insert(connection, IndexerCursor.__table__, ("chain_id", "genesis_hash", "next_block", "updated_at"),
                    [(1337, "0x" + "00" * 32, 5, when)])

    with engine.connect() as connection:
        assert connection.execute(select(IndexerCursor.updated_at)).scalar_one() == when


def test_bulk_update__uint256_values_by_composite_key__only_those_rows_changed(engine):
    with engine.begin() as connection:
        bulk_insert(connection, Tender.__table__, tuple(tender_row(1, 100)), [tuple(tender_row(1, 100).values())])
        bulk_insert(connection, Bid.__table__, ("tender_id", "bidder", "committed_at", "price", "revealed_at"),
                    [(1, "0x" + f"{n:040x}", 10, None, None) for n in range(1, 4)])

    with engine.begin() as connection:
        bulk_update(connection, Bid.__table__, ["tender_id", "bidder"], ["price", "revealed_at"],
                    [(BIG, 20, 1, "0x" + f"{1:040x}"), (2**70, 21, 1, "0x" + f"{3:040x}")])

    with engine.connect() as connection:
        stored = connection.execute(select(Bid.bidder, Bid.price, Bid.revealed_at).order_by(Bid.bidder)).all()
    assert [tuple(row) for row in stored] == [("0x" + f"{1:040x}", BIG, 20), ("0x" + f"{2:040x}", None, None),
                                             ("0x" + f"{3:040x}", 2**70, 21)]


def test_bulk_writes__no_rows__do_nothing(engine):
    with engine.begin() as connection:
        bulk_insert(connection, Tender.__table__, ("tender_id",), [])
        bulk_update(connection, Tender.__table__, ["tender_id"], ["status"], [])

    with engine.connect() as connection:
        assert connection.execute(select(Tender.tender_id)).all() == []
