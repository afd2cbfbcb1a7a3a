"""The account page and the sidebar's account panel (AppTest) on the seeded demo chain: what a
session with no one signed in is told, a wallet connected while it signs in, acting as a demo
hospital in dev mode (its organization, roles, status and token balance, in English and in
Russian), and dev mode refused when the server was not started with it."""

import json

import pytest
import streamlit as st
from eth_utils import to_checksum_address

from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.demo.world import ORGANIZATIONS
from dapp.i18n import _, format_rubles, use_language
from dapp.identity import NonceBook, sign_in_message, standing_of
from dapp.ui.components.wallet import new_request

HOSPITAL = next(organization for organization in ORGANIZATIONS if organization.key == "gkb1")


@pytest.fixture
def dev_mode(monkeypatch):
    monkeypatch.setenv("MEDCHAIN_DEV_MODE", "1")


@pytest.fixture
def no_dev_mode(monkeypatch):
    monkeypatch.delenv("MEDCHAIN_DEV_MODE", raising=False)


def t(language: str, text: str) -> str:
    with use_language(language):
        return _(text)


def values(elements) -> list[str]:
    return [str(element.value) for element in elements]


def wallet_data(app) -> dict:
    """What the sidebar's wallet component was given (mode, chain, account, request)."""
    [panel] = [node for node in app.sidebar if getattr(node, "type", "") == "bidi_component"]
    return json.loads(panel.proto.json)


def hospital_account(demo_chain) -> str:
    return to_checksum_address(demo_chain.accounts[HOSPITAL.account_index])


def expected_standing(demo_chain, language: str):
    """The hospital's standing read from the chain in `language`: name, status, roles, balance."""
    with use_language(language):
        found = standing_of(ChainReader(deployment_at(demo_chain.url), demo_chain.url), hospital_account(demo_chain))
        return found.display_name, found.status_name, ", ".join(found.role_names), format_rubles(found.token_balance)


def act_as(app, name: str):
    app.sidebar.selectbox(key="act_as").select(name)
    app.run()
    app.sidebar.button(key="act_as_go").click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_account_page__no_one_signed_in__says_how_to_connect(create_app, no_dev_mode):
    app = create_app(page="account")
    assert values(app.title) == ["Your account"]
    assert any("Sign in with your wallet in the sidebar" in text for text in values(app.main.info))
    assert not app.main.metric and not app.main.subheader  # no organization shown for no one
    assert "No wallet connected: verifying a pack needs none." in values(app.sidebar.caption)
    data = wallet_data(app)
    # the component offers "Connect wallet" (no account) on the platform's chain, nothing to sign yet
    assert data["mode"] == "panel" and data["account"] is None and data["request"] is None
    assert data["chain"]["chainIdDecimal"] == "31337"
    assert data["labels"]["connect"] == "Connect wallet"


def test_account_panel__connected_and_signing_in__no_connect_button_again(create_app, demo_chain, no_dev_mode):
    account = hospital_account(demo_chain)
    app = create_app(page="account")
    message = sign_in_message(NonceBook(), "s", domain="127.0.0.1:8501", uri="http://127.0.0.1:8501",
                              address=account, chain_id=31337)
    app.session_state["_wallet_connected"] = {"account": account, "chainId": "31337", "wallet": "Test wallet"}
    app.session_state["_sign_in_request"] = new_request("sign_in", account, message=message)
    app.run()
    data = wallet_data(app)
    assert data["account"] == account  # connected: the component shows no "Connect wallet" while signing
    assert data["request"]["kind"] == "sign_in" and data["request"]["message"] == message
    captions = values(app.sidebar.caption)
    assert any("Sign the sign-in message in your wallet" in text for text in captions)
    assert not any("No wallet connected" in text for text in captions)
    # The sign-in did not finish (declined, refused): "Connect wallet" is offered again, to retry.
    del app.session_state["_sign_in_request"]
    app.run()
    assert wallet_data(app)["account"] is None and wallet_data(app)["request"] is None


def test_account_page__dev_mode__acting_as_a_demo_hospital(create_app, demo_chain, dev_mode):
    app = create_app(page="account")
    assert any(text.startswith("Dev mode: a local chain") for text in values(app.sidebar.warning))
    act_as(app, HOSPITAL.name)
    name, status, roles, balance = expected_standing(demo_chain, "en")
    assert name == HOSPITAL.name and status == "active" and roles == "medical organization"
    account = hospital_account(demo_chain)
    # the page: the organization, its account, status, roles and payment-token balance
    assert values(app.main.subheader)[0] == name
    assert f"Account: `{account}`" in values(app.main.markdown)
    metrics = {metric.label: metric.value for metric in app.main.metric}
    assert metrics == {"Status": status, "Roles": roles, "Payment token balance": balance}
    assert any(text.startswith("Dev mode: acting as") for text in values(app.main.info))
    # the sidebar panel: who, the organization, its roles and status, and how it acts
    sidebar = values(app.sidebar.markdown) + values(app.sidebar.caption)
    assert f"Signed in as **{account[:6]}…{account[-4:]}**" in sidebar and f"**{name}**" in sidebar
    assert f"Roles: {roles}" in sidebar and f"Status: {status}" in sidebar
    assert "Acting through the local chain's dev account (dev mode)." in sidebar
    # signed out: back to how to connect
    app.sidebar.button(key="sign_out").click()
    app.run()
    assert any("Sign in with your wallet in the sidebar" in text for text in values(app.main.info))
    assert not app.main.metric


def test_account_page__in_russian__the_same_page_in_russian(create_app, demo_chain, dev_mode):
    app = create_app(page="account", language="ru")
    assert t("ru", "Your account") != "Your account"  # the catalogue has the page's sentences
    assert values(app.title) == [t("ru", "Your account")]
    assert values(app.main.info) == [t("ru", "Sign in with your wallet in the sidebar: the page then shows your "
                                           "organization and lets you act for it.")]
    assert t("ru", "No wallet connected: verifying a pack needs none.") in values(app.sidebar.caption)
    assert wallet_data(app)["labels"]["connect"] == t("ru", "Connect wallet") != "Connect wallet"
    act_as(app, HOSPITAL.name)
    name, status, roles, balance = expected_standing(demo_chain, "ru")
    assert (status, roles) != ("active", "medical organization")  # Russian words, not the English ones
    assert "₽" in balance and "," in balance  # 1 234,50 ₽: the Russian way of writing an amount
    assert values(app.main.subheader)[0] == name
    metrics = {metric.label: metric.value for metric in app.main.metric}
    assert metrics == {t("ru", "Status"): status, t("ru", "Roles"): roles,
                       t("ru", "Payment token balance"): balance}
    sidebar = values(app.sidebar.markdown) + values(app.sidebar.caption)
    assert t("ru", "Roles: {roles}").format(roles=roles) in sidebar
    assert t("ru", "Status: {status}").format(status=status) in sidebar
    assert t("ru", "Acting through the local chain's dev account (dev mode).") in sidebar
    assert [button.label for button in app.sidebar.button] == [t("ru", "Sign out")]


def test_dev_mode__unset__no_acting_as_anyone(create_app, no_dev_mode):
    app = create_app(page="account")
    assert "act_as" not in [selectbox.key for selectbox in app.sidebar.selectbox]
    assert not any("Dev mode" in text for text in values(app.sidebar.warning))
    assert not any("Dev mode" in text for text in values(app.main.info))


def test_dev_mode__unset_by_the_time_of_acting__refused_in_words(create_app, monkeypatch, dev_mode):
    app = create_app(page="account")
    app.sidebar.selectbox(key="act_as").select(HOSPITAL.name)
    app.run()
    monkeypatch.delenv("MEDCHAIN_DEV_MODE")  # the server's switch is off when the button is pressed
    app.sidebar.button(key="act_as_go").click()
    app.run()
    assert values(app.sidebar.error) == ["dev mode is off (the server was started without MEDCHAIN_DEV_MODE=1)"]
    assert any("Sign in with your wallet in the sidebar" in text for text in values(app.main.info))
    assert not app.main.metric


def test_dev_mode__switched_off__a_dev_identity_is_signed_out(create_app, monkeypatch, dev_mode):
    app = act_as(create_app(page="account"), HOSPITAL.name)
    assert app.main.metric
    monkeypatch.delenv("MEDCHAIN_DEV_MODE")
    st.cache_resource.clear()  # the chain's dev-mode status is read again (it is cached a minute)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert "dev mode is off (the server was started without MEDCHAIN_DEV_MODE=1)" in values(app.sidebar.warning)
    assert any("Sign in with your wallet in the sidebar" in text for text in values(app.main.info))
    assert not app.main.metric and not any("Dev mode" in text for text in values(app.main.info))
