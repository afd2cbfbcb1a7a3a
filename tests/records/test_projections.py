"""The projections follow the governance events of issue 12 (findings 7 and 8): a reassigned or
claimed product (and its batches) is its new manufacturer's, a lifted recall leaves the batch
active, an organization moved to a successor lives on under the new account, and the quorum's
confirmations (no account of their own) pass through."""

from sqlalchemy import select

from dapp.records.models import Batch, Organization, Product
from dapp.records.projections import Fold, StoredEvent

OLD, NEW, REGULATOR = "0x" + "a1" * 20, "0x" + "b2" * 20, "0x" + "c3" * 20
GTIN = 4607001120018
BATCH = "0x" + "11" * 32
CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def events(*items):
    return [StoredEvent(block, 0, 1_700_000_000 + block, contract, name, args)
            for block, (contract, name, args) in enumerate(items, start=1)]


def fold(engine, items):
    with engine.begin() as connection:
        Fold().apply(connection, items)


def rows(engine, model):
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(model.__table__))]


def registered_with_a_recalled_batch():
    return [
        ("Participants", "Applied", {"account": OLD, "metadata_cid": CID}),
        ("Participants", "Approved", {"account": OLD, "regulator": REGULATOR, "roles": 2}),
        ("Participants", "Applied", {"account": NEW, "metadata_cid": CID}),
        ("Participants", "Approved", {"account": NEW, "regulator": REGULATOR, "roles": 2}),
        ("Resources", "ProductRegistered", {"gtin": GTIN, "manufacturer": OLD, "category": 1, "name": "M",
                                            "dosage_form": "F", "characteristics_cid": CID, "certificate_cid": CID}),
        ("Resources", "BatchCommissioned", {"batch_id": BATCH, "gtin": GTIN, "manufacturer": OLD, "lot": "L1",
                                            "manufactured": 1, "expires": 2, "quantity": 5, "serials_root": BATCH,
                                            "documents_cid": CID}),
        ("Resources", "BatchRetired", {"batch_id": BATCH, "gtin": GTIN, "by": OLD, "lot": "L1", "status": 2,
                                       "reason_code": 1, "reason_cid": CID}),
    ]


def test_product_reassigned__product_and_batches_follow(engine):
    fold(engine, events(*registered_with_a_recalled_batch()))
    fold(engine, events(
        ("Resources", "ActionConfirmed", {"action": BATCH, "regulator": REGULATOR, "confirmations": 1, "required": 1}),
        ("Resources", "ProductReassigned", {"gtin": GTIN, "previous_manufacturer": OLD, "manufacturer": NEW,
                                            "reason_cid": CID}),
    ))

    assert [p["manufacturer"] for p in rows(engine, Product)] == [NEW]
    assert [b["manufacturer"] for b in rows(engine, Batch)] == [NEW]


def test_batch_reinstated__active_again(engine):
    fold(engine, events(*registered_with_a_recalled_batch(),
                        ("Resources", "BatchReinstated", {"batch_id": BATCH, "gtin": GTIN, "regulator": REGULATOR,
                                                          "lot": "L1", "previous_status": 2, "reason_cid": CID})))

    [batch] = rows(engine, Batch)
    assert (batch["status"], batch["retired_reason_code"], batch["retired_reason_cid"]) == ("active", None, "")


def test_moved_to_successor__successor_is_the_organization_old_account_revoked(engine):
    fold(engine, events(
        ("Participants", "Applied", {"account": OLD, "metadata_cid": CID}),
        ("Participants", "Approved", {"account": OLD, "regulator": REGULATOR, "roles": 2}),
        ("Participants", "ActionConfirmed", {"action": BATCH, "regulator": REGULATOR, "confirmations": 1,
                                             "required": 1}),
        ("Participants", "MovedToSuccessor", {"account": OLD, "successor": NEW, "regulator": REGULATOR}),
    ))

    organizations = {row["address"]: row for row in rows(engine, Organization)}
    assert organizations[OLD]["status"] == "revoked"
    assert (organizations[NEW]["status"], organizations[NEW]["roles"], organizations[NEW]["metadata_cid"]) == (
        "active", 2, CID)
