import os
from dapp.merkle import leaf_hash, _node_hash
from dapp.roles import Role
from tests.conftest import GTIN, DAY, DOCUMENTS_CID

def test_gas(chain, custody, resources, create_product, create_organization, active_manufacturer, distributor, hospital, pharmacy):
    create_organization(distributor, Role.DISTRIBUTOR)
    create_organization(hospital, Role.MEDICAL_ORGANIZATION)
    create_organization(pharmacy, Role.PHARMACY)
    create_product()
    leaves = [leaf_hash(GTIN, f"S{i}") for i in range(4)]
    siblings = [os.urandom(32) for _ in range(20)]
    roots = []
    for leaf in leaves:
        r = leaf
        for s in siblings: r = _node_hash(r, s)
        roots.append(r)
    # each leaf its own batch (same siblings, different roots)
    now = chain.pending_timestamp
    out = {}
    for i, leaf in enumerate(leaves):
        resources.commission_batch(GTIN, f"L{i}", now - DAY, now + 365*DAY, 1000, roots[i], DOCUMENTS_CID, sender=active_manufacturer)
        tx = custody.commission(GTIN, f"L{i}", sender=active_manufacturer)
        out.setdefault("commission", []).append(tx.gas_used)
    bid = lambda i: resources.batch_id(GTIN, f"L{i}")
    tx = custody.ship(bid(0), distributor, 100, 0, "bafkreihaeqrsmdlqwavhcbuqzqmbyrqs7gclgm2myqhhtxjp6ycuikuzji", sender=active_manufacturer); out["ship first ever"] = tx.gas_used
    tx = custody.ship(bid(0), distributor, 100, 0, "bafkreihaeqrsmdlqwavhcbuqzqmbyrqs7gclgm2myqhhtxjp6ycuikuzji", sender=active_manufacturer); out["ship"] = tx.gas_used
    tx = custody.ship(bid(0), hospital, 100, 17, "bafkreihaeqrsmdlqwavhcbuqzqmbyrqs7gclgm2myqhhtxjp6ycuikuzji", sender=active_manufacturer); out["ship tender"] = tx.gas_used
    tx = custody.receiveShipment(1, sender=distributor); out["receive new holder"] = tx.gas_used
    tx = custody.receiveShipment(2, sender=distributor); out["receive existing holder"] = tx.gas_used
    tx = custody.reject(3, "bafkreihaeqrsmdlqwavhcbuqzqmbyrqs7gclgm2myqhhtxjp6ycuikuzji", sender=hospital); out["reject"] = tx.gas_used
    tx = custody.decommission(bid(0), leaves[0], siblings, 1, sender=distributor); out["decommission dispensed d20"] = tx.gas_used
    tx = custody.decommission(bid(1), leaves[1], siblings, 2, sender=active_manufacturer); out["decommission destroyed d20"] = tx.gas_used
    tx = custody.undoDispense(bid(0), leaves[0], sender=distributor); out["undo"] = tx.gas_used
    print("GAS", out)
    # verdictData gas estimate
    print("GAS verdict", custody.verdictData.estimate_gas_cost(GTIN, "L2", leaves[2], siblings, distributor))
