"""The regulator's workspace when a decision needs a quorum (AppTest, the seeded demo chain with a
second regulator approved): a governed decision by one of two regulators is only recorded as its
confirmation, and the page says so; the same regulator confirming again is refused by the
contract; the second regulator's confirmation carries it out."""

import json

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from dapp.actions import participants
from dapp.demo import world as demo
from dapp.documents.default_store import save_document
from dapp.roles import BatchStatus, Role, Status
from dapp.ui.account import IDENTITY, Identity
from tests.ui.conftest import account_of, catch_up
from tests.ui.test_regulator_page import (as_account, batch_on_chain, click, errors, reader_of, spare_account,
                                          status_on_chain, texts)

QUORUM = "it needs the same decision from a quorum of the active regulators"


@pytest.fixture
def second_demo_regulator(create_workspace, demo_chain) -> str:
    """A second active regulator (spare account 14): from then on, governed decisions need both."""
    second = spare_account(demo_chain, 14)
    if status_on_chain(demo_chain, second) == Status.NONE:
        metadata = json.dumps({"name": "Территориальный орган Росздравнадзора", "country": "RU"}, ensure_ascii=False)
        as_account(demo_chain, second, lambda d: participants.apply(d, second, save_document(metadata.encode())))
        regulator = account_of(demo_chain, "regulator")
        as_account(demo_chain, regulator, lambda d: participants.approve(d, regulator, second, Role.REGULATOR))
        catch_up(demo_chain)
    assert status_on_chain(demo_chain, second) == Status.ACTIVE
    return second


def page_as(create_workspace, account: str | None = None):
    app = create_workspace("regulator", "regulator")
    if account is not None:
        app.session_state[IDENTITY] = Identity(account=account, via="dev")
        app.run()
    return app


def move_confirmers(demo_chain, organization: str, successor: str) -> list[str]:
    """The regulators that confirmed moving `organization` to `successor` (the pending action)."""
    selector = function_signature_to_4byte_selector("move_to_successor(address,address)")
    request = keccak(encode(["bytes4", "address", "address"], [selector, organization, successor]))
    reader = reader_of(demo_chain)
    action = reader.one(reader.call("Participants", "action_id", request))
    return [to_checksum_address(a) for a in reader.one(reader.call("Participants", "confirmers", action))]


def test_move__one_of_two_regulators__recorded_then_carried_out_by_the_second(create_workspace, demo_chain,
                                                                             second_demo_regulator):
    regulator, pharmacy = account_of(demo_chain, "regulator"), account_of(demo_chain, "pharmacy12")
    successor = spare_account(demo_chain, 15)
    app = page_as(create_workspace)
    app.selectbox(key="move_who").set_value(pharmacy)
    app.text_input(key="move_successor").input(successor).run()
    click(app, "move_go")
    assert app.success, texts(app)
    assert any(QUORUM in i.value for i in app.info), texts(app)
    assert status_on_chain(demo_chain, pharmacy) == Status.ACTIVE
    assert status_on_chain(demo_chain, successor) == Status.NONE
    assert move_confirmers(demo_chain, pharmacy, successor) == [regulator]
    click(app, "move_go")  # the same regulator again: the contract refuses
    assert "action already confirmed" in errors(app)

    app = page_as(create_workspace, second_demo_regulator)
    app.selectbox(key="move_who").set_value(pharmacy)
    app.text_input(key="move_successor").input(successor).run()
    click(app, "move_go")
    assert app.success, texts(app)
    assert not any(QUORUM in i.value for i in app.info)
    assert status_on_chain(demo_chain, pharmacy) == Status.REVOKED
    assert status_on_chain(demo_chain, successor) == Status.ACTIVE


def test_lift__one_of_two_regulators__only_recorded(create_workspace, demo_chain, second_demo_regulator):
    recalled = next(c for c in demo.DEMO_CODES if c.case == "recalled")
    app = page_as(create_workspace)
    app.selectbox(key="lift_batch").set_value(f"{recalled.gtin}/{recalled.lot}")
    app.text_area(key="lift_text").input("Decision 12: the recall was made in error.").run()
    click(app, "lift_go")
    assert app.success, texts(app)
    assert any(QUORUM in i.value for i in app.info), texts(app)
    assert batch_on_chain(demo_chain, recalled.gtin, recalled.lot) == BatchStatus.RECALLED
