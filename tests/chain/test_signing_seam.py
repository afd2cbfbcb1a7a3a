"""The signing seam: every registry, custody and token action prepared as a value, decoded back to
its intent, carried out by an Ape account and (on anvil) by raw `eth_sendTransaction` as a browser
wallet sends it, with the same events; refusals shown before anything is sent."""

from dataclasses import replace

import pytest

from dapp.actions import custody as custody_actions
from dapp.actions import participants as participant_actions
from dapp.actions import payment_token as token_actions
from dapp.actions import resources as resource_actions
from dapp.actions.custody import Decommission, shipment_record
from dapp.chain.actions import ActionError, decode_calldata, decode_log
from dapp.chain.deployment import DeployedContract, Deployment
from dapp.chain.signers import ApeSigner, RpcSigner, carry_out
from dapp.errors import TransactionRefused
from dapp.roles import Category, Role
from dapp.verification.merkle import leaf_hash, unit_hash
from tests.conftest import (CHARACTERISTICS_CID, CERTIFICATE_CID, DAY, DOCUMENTS_CID, GTIN, ORGANIZATION_CID,
                            REASON_CID, WAYBILL_CID)

NEW_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


@pytest.fixture
def deployment(chain, participants, resources, custody, token):
    """The test's contracts as a deployment record, as the library reads one."""
    contracts = {name: DeployedContract(instance.address, 0, "") for name, instance in
                 (("Participants", participants), ("Resources", resources), ("Custody", custody),
                  ("PaymentToken", token))}
    return Deployment(chain.chain_id, "", "test", "", contracts)


@pytest.fixture
def in_custody(create_custody_batch, distributor, create_organization):
    """A batch of 8 in the manufacturer's custody, and an active distributor to ship to."""
    create_organization(distributor, Role.DISTRIBUTOR)
    return create_custody_batch()


def events_of(receipts, chain=None):
    """Each receipt's events; with `chain`, an argument holding its block's time reads "<block time>" (two
    runs of the same actions are mined a wall-clock second apart or not)."""
    def args_of(event, receipt):
        if chain is None:
            return event.args
        block_time = chain.blocks[receipt.block_number].timestamp
        return {name: "<block time>" if value == block_time and name.endswith("At") else value
                for name, value in event.args.items()}
    return [(event.contract, event.name, args_of(event, receipt)) for receipt in receipts
            for event in receipt.events()]


# --- each action decodes back to its intent ---------------------------------------------------------


def test_participants_actions__decoded__match_the_intent(deployment, regulator, applicant):
    cases = [
        (participant_actions.apply(deployment, applicant, ORGANIZATION_CID), applicant,
         "apply", {"metadata_cid": ORGANIZATION_CID}),
        (participant_actions.update_metadata(deployment, applicant, NEW_CID), applicant,
         "update_metadata", {"metadata_cid": NEW_CID}),
        (participant_actions.approve(deployment, regulator, applicant, Role.MANUFACTURER | Role.SUPPLIER), regulator,
         "approve", {"account": applicant.address, "roles": int(Role.MANUFACTURER | Role.SUPPLIER)}),
        (participant_actions.set_roles(deployment, regulator, applicant, Role.PHARMACY), regulator,
         "set_roles", {"account": applicant.address, "roles": int(Role.PHARMACY)}),
        (participant_actions.suspend(deployment, regulator, applicant, REASON_CID), regulator,
         "suspend", {"account": applicant.address, "reason_cid": REASON_CID}),
        (participant_actions.reinstate(deployment, regulator, applicant), regulator,
         "reinstate", {"account": applicant.address}),
        (participant_actions.revoke(deployment, regulator, applicant, REASON_CID), regulator,
         "revoke", {"account": applicant.address, "reason_cid": REASON_CID}),
        (participant_actions.approve_metadata(deployment, regulator, applicant), regulator,
         "approve_metadata", {"account": applicant.address}),
        (participant_actions.reject_metadata(deployment, regulator, applicant, REASON_CID), regulator,
         "reject_metadata", {"account": applicant.address, "reason_cid": REASON_CID}),
        (participant_actions.move_to_successor(deployment, regulator, applicant, regulator.address), regulator,
         "move_to_successor", {"account": applicant.address, "successor": regulator.address}),
    ]
    for action, sender, function, arguments in cases:
        [call] = action.calls
        assert (action.sender, call.contract, call.target) == (sender.address, "Participants",
                                                                deployment.address("Participants"))
        assert decode_calldata("Participants", call.data) == (function, arguments)
        assert call.value == 0 and call.description
        assert call.transaction(sender.address) == {"from": sender.address, "to": call.target,
                                                     "data": "0x" + call.data.hex(), "value": "0x0"}


def test_resources_actions__decoded__match_the_intent(deployment, active_manufacturer, regulator):
    root = b"\x11" * 32
    cases = [
        (resource_actions.register_product(deployment, active_manufacturer, GTIN, Category.DRUG, "Метформин",
                                           "tablets", CHARACTERISTICS_CID, CERTIFICATE_CID),
         "register_product", {"gtin": GTIN, "category": 1, "name": "Метформин", "dosage_form": "tablets",
                              "characteristics_cid": CHARACTERISTICS_CID, "certificate_cid": CERTIFICATE_CID}),
        (resource_actions.update_product(deployment, active_manufacturer, GTIN, NEW_CID, CERTIFICATE_CID),
         "update_product", {"gtin": GTIN, "characteristics_cid": NEW_CID, "certificate_cid": CERTIFICATE_CID}),
        (resource_actions.commission_batch(deployment, active_manufacturer, GTIN, "L1", 1_000, 2_000, 50, root,
                                           DOCUMENTS_CID, DOCUMENTS_CID),
         "commission_batch", {"gtin": GTIN, "lot": "L1", "manufactured": 1_000, "expires": 2_000, "quantity": 50,
                              "serials_root": root, "documents_cid": DOCUMENTS_CID,
                              "proof_tree_cid": DOCUMENTS_CID}),
        (resource_actions.set_custody(deployment, regulator, deployment.address("Custody")),
         "set_custody", {"custody": deployment.address("Custody")}),
        (resource_actions.recall_batch(deployment, regulator, GTIN, "L1", 2, REASON_CID),
         "recall_batch", {"gtin": GTIN, "lot": "L1", "reason_code": 2, "reason_cid": REASON_CID}),
        (resource_actions.withdraw_batch(deployment, regulator, GTIN, "L1", 3, REASON_CID),
         "withdraw_batch", {"gtin": GTIN, "lot": "L1", "reason_code": 3, "reason_cid": REASON_CID}),
        (resource_actions.assign_prefix(deployment, regulator, "0614141", active_manufacturer),
         "assign_prefix", {"prefix": 614141, "digits": 7, "manufacturer": active_manufacturer.address}),
        (resource_actions.reassign_product(deployment, regulator, GTIN, active_manufacturer, REASON_CID),
         "reassign_product", {"gtin": GTIN, "new_manufacturer": active_manufacturer.address,
                              "reason_cid": REASON_CID}),
        (resource_actions.claim_product(deployment, active_manufacturer, GTIN), "claim_product", {"gtin": GTIN}),
        (resource_actions.reinstate_batch(deployment, regulator, GTIN, "L1", REASON_CID),
         "reinstate_batch", {"gtin": GTIN, "lot": "L1", "reason_cid": REASON_CID}),
    ]
    for action, function, arguments in cases:
        [call] = action.calls
        assert call.target == deployment.address("Resources")
        assert decode_calldata("Resources", call.data) == (function, arguments)


def test_custody_and_token_actions__decoded__match_the_intent(deployment, active_manufacturer, distributor, regulator,
                                                             deployer):
    batch_id, leaf, proof = b"\x01" * 32, b"\x02" * 32, [b"\x03" * 32, b"\x04" * 32]
    tenders = "0x00000000000000000000000000000000000000AA"
    record = (batch_id, active_manufacturer.address, distributor.address, 3, tenders, 7, 1_800_000_000)
    cases = [
        (custody_actions.commission(deployment, active_manufacturer, GTIN, "L1"), "Custody",
         "commission", {"gtin": GTIN, "lot": "L1"}),
        (custody_actions.ship(deployment, active_manufacturer, batch_id, distributor, 3, WAYBILL_CID),
         "Custody", "ship", {"batchId": batch_id, "to": distributor.address, "quantity": 3, "documentCid": WAYBILL_CID}),
        (custody_actions.ship(deployment, active_manufacturer, batch_id, distributor, 3, WAYBILL_CID, tender_id=7,
                              tenders=tenders),
         "Custody", "shipForTender", {"batchId": batch_id, "to": distributor.address, "quantity": 3, "tenders": tenders,
                                      "tenderId": 7, "documentCid": WAYBILL_CID}),
        (custody_actions.settle_unanswered(deployment, distributor, 4, record), "Custody",
         "settleUnanswered", {"shipmentId": 4, "shipment": record}),
        (custody_actions.receive(deployment, distributor, 4, record), "Custody",
         "receiveShipment", {"shipmentId": 4, "shipment": record}),
        (custody_actions.reject(deployment, distributor, 4, record, REASON_CID), "Custody",
         "reject", {"shipmentId": 4, "shipment": record, "reasonCid": REASON_CID}),
        (custody_actions.decommission(deployment, distributor, batch_id, leaf, proof, Decommission.STOLEN), "Custody",
         "decommission", {"batchId": batch_id, "unitHash": leaf, "proof": proof, "reason": 3}),
        (custody_actions.undo_dispense(deployment, distributor, batch_id, leaf), "Custody",
         "undoDispense", {"batchId": batch_id, "leaf": leaf}),
        (token_actions.approve(deployment, distributor, regulator, 500), "PaymentToken",
         "approve", {"spender": regulator.address, "value": 500}),
        (token_actions.mint(deployment, deployer, distributor, 700), "PaymentToken",
         "mint", {"to": distributor.address, "amount": 700}),
    ]
    for action, contract, function, arguments in cases:
        [call] = action.calls
        assert call.target == deployment.address(contract)
        name, decoded = decode_calldata(contract, call.data)
        decoded = {key: tuple(value) if isinstance(value, tuple) else value for key, value in decoded.items()}
        assert (name, decoded) == (function, arguments)


@pytest.mark.parametrize("prepare, message", [
    (lambda d, a: participant_actions.approve(d, a, "0x1234", Role.MANUFACTURER), "is not an account address"),
    (lambda d, a: participant_actions.approve(d, a, a, Role(0)), "at least one role"),
    (lambda d, a: participant_actions.apply(d, a, ""), "a document is required"),
    (lambda d, a: resource_actions.assign_prefix(d, a, "46012", a), "6 to 12 digits"),
    (lambda d, a: resource_actions.assign_prefix(d, a, "46O1234", a), "6 to 12 digits"),
    (lambda d, a: participant_actions.move_to_successor(d, a, a, a), "the successor must be another account"),
    (lambda d, a: resource_actions.reinstate_batch(d, a, GTIN, "L1", ""), "a decision document is required"),
    (lambda d, a: resource_actions.commission_batch(d, a, GTIN, "L1", 2_000, 1_000, 5, b"\x11" * 32, DOCUMENTS_CID,
                                                    DOCUMENTS_CID),
     "must expire after"),
    (lambda d, a: resource_actions.commission_batch(d, a, GTIN, "L1", 1_000, 2_000, 0, b"\x11" * 32, DOCUMENTS_CID,
                                                    DOCUMENTS_CID),
     "at least one unit"),
    (lambda d, a: custody_actions.ship(d, a, b"\x01" * 32, a, 0, WAYBILL_CID), "at least one unit"),
    (lambda d, a: token_actions.mint(d, a, a, 0), "more than zero"),
], ids=["bad-address", "no-role", "no-document", "short-prefix", "letter-in-prefix", "successor-itself",
                 "lift-without-reason", "expires-first", "empty-batch", "ship-nothing", "mint-nothing"])
def test_prepare__what_the_client_can_tell_is_wrong__refused_before_any_call(deployment, regulator, prepare, message):
    with pytest.raises(ActionError, match=message):
        prepare(deployment, regulator)


# --- carried out by an Ape account -------------------------------------------------------------------


def test_carry_out__registry_and_custody_flow__every_event_as_the_contract_logs_it(
        deployment, participants, custody, regulator, applicant, in_custody, active_manufacturer, distributor):
    batch_id, tree, serials = in_custody
    [applied] = carry_out(participant_actions.apply(deployment, applicant, ORGANIZATION_CID), ApeSigner(applicant))
    assert [(e.name, e.args) for e in applied.events()] == [
        ("Applied", {"account": applicant.address, "metadata_cid": ORGANIZATION_CID})]

    shipped = carry_out(custody_actions.ship(deployment, active_manufacturer, batch_id, distributor, 3, WAYBILL_CID),
                        ApeSigner(active_manufacturer))
    assert (shipped.name, shipped.shipper, shipped.consignee, shipped.quantity) == (
        "Shipped", active_manufacturer.address, distributor.address, 3)
    [received] = carry_out(custody_actions.receive(deployment, distributor, shipped.shipmentId,
                                                   shipment_record(shipped)), ApeSigner(distributor))
    assert received.event("Received").args == {"batchId": batch_id, "shipmentId": shipped.shipmentId,
                                               "consignee": distributor.address,
                                               "shipper": active_manufacturer.address, "quantity": 3}
    assert custody.balanceOf(batch_id, distributor) == 3


def test_carry_out__refused__decoded_reason_and_nothing_sent(deployment, chain, stranger, applicant):
    nonce, head = stranger.nonce, chain.blocks.head.number

    with pytest.raises(TransactionRefused, match="refused by the contract: participants: caller is not an active "
                                                 "regulator"):
        carry_out(participant_actions.approve(deployment, stranger, applicant, Role.MANUFACTURER), ApeSigner(stranger))

    assert (stranger.nonce, chain.blocks.head.number) == (nonce, head)


def test_dry_run__custom_error__its_sentence(deployment, in_custody, active_manufacturer, distributor):
    batch_id, tree, serials = in_custody
    signer = ApeSigner(active_manufacturer)
    [call] = custody_actions.ship(deployment, active_manufacturer, batch_id, distributor, 9, WAYBILL_CID).calls

    with pytest.raises(TransactionRefused, match=r"holds 8 units of the batch, 9 are needed \(InsufficientBalance\)"):
        signer.dry_run(call)


def test_carry_out__signer_is_not_the_sender__refused(deployment, regulator, stranger, applicant):
    action = participant_actions.approve(deployment, regulator, applicant, Role.MANUFACTURER)

    with pytest.raises(TransactionRefused, match="connect the account the action is for"):
        carry_out(action, ApeSigner(stranger))


def test_carry_out__later_call_refused_after_the_first__the_first_stays_and_nothing_after(
        deployment, token, deployer, distributor, stranger):
    """An approval then a refused call: each call is dry-run before it is signed, so the
    refused one is never sent."""
    from dapp.chain.actions import PreparedAction

    approve = token_actions.approve(deployment, distributor, stranger, 5).calls[0]
    mint = token_actions.mint(deployment, distributor, distributor, 5).calls[0]  # only the owner mints
    action = PreparedAction(distributor.address, "approve, then mint", (approve, mint))
    nonce = distributor.nonce

    with pytest.raises(TransactionRefused, match="OwnableUnauthorizedAccount"):
        carry_out(action, ApeSigner(distributor))

    assert distributor.nonce == nonce  # the dry run of the mint failed before the approval was sent


# --- the same calldata through eth_sendTransaction, as a wallet sends it (anvil) ---------------------


@pytest.fixture
def node_uri(chain):
    uri = getattr(chain.provider, "http_uri", None)
    if not uri or not str(uri).startswith("http"):
        pytest.skip("raw eth_sendTransaction needs a node (the anvil pass of `make test` runs this)")
    return str(uri)


def test_rpc_signer__same_action_as_the_ape_account__same_events(deployment, chain, node_uri, in_custody,
                                                                 active_manufacturer, distributor, regulator,
                                                                 applicant):
    batch_id, tree, serials = in_custody
    leaf = leaf_hash(GTIN, serials[0])
    actions = [
        (participant_actions.apply(deployment, applicant, ORGANIZATION_CID), applicant),
        (participant_actions.approve(deployment, regulator, applicant, Role.PHARMACY), regulator),
        (custody_actions.ship(deployment, active_manufacturer, batch_id, distributor, 2, WAYBILL_CID),
         active_manufacturer),
        (custody_actions.decommission(deployment, active_manufacturer, batch_id, unit_hash(GTIN, serials[0]),
                                      tree.proof(leaf), Decommission.DESTROYED), active_manufacturer),
    ]
    # the receipts, not the actions' outcomes
    actions = [(replace(action, outcome=None), sender) for action, sender in actions]
    snapshot = chain.snapshot()
    by_ape = [events_of(carry_out(action, ApeSigner(sender)), chain) for action, sender in actions]
    chain.restore(snapshot)
    by_wallet = [events_of(carry_out(action, RpcSigner(sender.address, node_uri)), chain)
                 for action, sender in actions]

    assert by_wallet == by_ape
    assert all(by_ape)
    assert by_ape[2][0][2]["shippedAt"] == "<block time>"  # the shipment is stamped with its block's time


def test_rpc_signer__refused__decoded_reason_before_anything_is_sent(deployment, chain, node_uri, stranger, applicant):
    signer = RpcSigner(stranger.address, node_uri)
    head = chain.blocks.head.number

    with pytest.raises(TransactionRefused, match="participants: caller is not an active regulator"):
        carry_out(participant_actions.approve(deployment, stranger, applicant, Role.MANUFACTURER), signer)

    assert chain.blocks.head.number == head


def test_rpc_signer__custom_error__decoded_from_the_node_answer(deployment, node_uri, in_custody, active_manufacturer,
                                                               distributor):
    batch_id, tree, serials = in_custody
    signer = RpcSigner(active_manufacturer.address, node_uri)
    [call] = custody_actions.ship(deployment, active_manufacturer, batch_id, distributor, 9, WAYBILL_CID).calls

    with pytest.raises(TransactionRefused, match=r"\(InsufficientBalance\)"):
        signer.dry_run(call)


def test_rpc_signer__typed_data__same_signature_as_the_ape_account(node_uri, chain, distributor):
    from dapp.tenders.typed_data import salt_typed_data

    typed = salt_typed_data(chain.chain_id, distributor.address, 1, distributor.address)

    assert RpcSigner(distributor.address, node_uri).sign_typed_data(typed) == ApeSigner(distributor).sign_typed_data(typed)


def test_rpc_signer__node_down__clear_error():
    from dapp.chain.signers import SignerUnavailable

    signer = RpcSigner("0x" + "11" * 20, "http://127.0.0.1:9", timeout=2)
    with pytest.raises(SignerUnavailable, match="does not answer"):
        signer.request("eth_chainId", [])


def test_decode_log__not_a_platform_event__none():
    assert decode_log({"address": "0x" + "00" * 20, "topics": ["0x" + "ab" * 32], "data": "0x"}) is None
    assert decode_log({"address": "0x" + "00" * 20, "topics": [], "data": "0x"}) is None



# --- a transaction a wallet reports is checked against the call asked for -----------------------


def test_sent_differently__the_call_as_sent__nothing(deployment, node_uri, applicant):
    call = participant_actions.apply(deployment, applicant, ORGANIZATION_CID).calls[0]
    signer = RpcSigner(applicant.address, node_uri)
    transaction_hash = signer.request("eth_sendTransaction", [call.transaction(applicant.address)])
    sent = signer.request("eth_getTransactionByHash", [transaction_hash])
    assert call.sent_differently(applicant.address, sent) == ""


def test_sent_differently__another_sender_target_data_or_value__each_said(deployment, node_uri, applicant, stranger):
    call = participant_actions.apply(deployment, applicant, ORGANIZATION_CID).calls[0]
    signer = RpcSigner(stranger.address, node_uri)
    # The stranger's own transaction: to the token, with other data and a value.
    other = signer.request("eth_sendTransaction", [{"from": stranger.address, "to": deployment.address("PaymentToken"),
                                                    "data": "0x18160ddd", "value": hex(0)}])
    sent = signer.request("eth_getTransactionByHash", [other])
    said = call.sent_differently(applicant.address, sent)
    assert f"it is from {stranger.address}" in said
    assert f"it is sent to {deployment.address('PaymentToken')}" in said
    assert "it carries other data" in said
    assert "another amount" not in said
    valued = dict(sent, to=call.target, input="0x" + call.data.hex(), value=hex(1))
    assert call.sent_differently(stranger.address, valued) == "it sends another amount"
    assert call.sent_differently(applicant.address, None) == "the node does not know that transaction"
