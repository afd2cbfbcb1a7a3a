"""Applying for registration on the account page (AppTest) on the seeded demo chain: an account
the registry does not know applies with its details and documents (Applied on chain, its
metadata readable), corrects them while it waits, a bad INN refused in words, a registered
organization offered no application, Russian."""

import json

import pytest
from eth_utils import to_checksum_address

from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.documents.default_store import load_document
from dapp.i18n import _, use_language
from dapp.roles import Role, Status
from dapp.ui.account import IDENTITY, Identity

NEWCOMER_INDEX = 14  # a dev account the demo world does not use


@pytest.fixture
def account_page(create_workspace, indexed_demo):
    def account_page(account_index: int | None = NEWCOMER_INDEX, key: str | None = None, language: str = "en"):
        app = create_workspace("account", key, language)
        if account_index is not None:
            account = to_checksum_address(indexed_demo.accounts[account_index])
            app.session_state[IDENTITY] = Identity(account=account, via="dev")
            app.run()
        assert not app.exception, [e.message for e in app.exception]
        return app

    return account_page


def entry(demo_chain, index: int = NEWCOMER_INDEX):
    reader = ChainReader(deployment_at(demo_chain.url), demo_chain.url)
    return reader.one(reader.call("Participants", "organization", to_checksum_address(demo_chain.accounts[index])))


def fill(app, inn="7707083893", ogrn="1027700132195"):
    app.text_input(key="apply_name").input("ООО «Новая Аптечная Сеть»")
    app.text_input(key="apply_city").input("Тверь")
    app.text_input(key="apply_inn").input(inn)
    app.text_input(key="apply_ogrn").input(ogrn)
    app.text_input(key="apply_licence").input("Л042-01111-69/00999999")
    app.multiselect(key="apply_roles").set_value([Role.PHARMACY, Role.SUPPLIER])
    app.file_uploader(key="apply_documents").upload("licence.pdf", b"%PDF-1.4 licence", "application/pdf")
    app.run()
    return app


def texts(app) -> str:
    return " ".join(str(e.value) for e in [*app.info, *app.warning, *app.success, *app.error])


def test_bad_inn__refused_in_words_nothing_sent(account_page, demo_chain):
    app = fill(account_page(), inn="7707083894")
    app.button(key="apply_go").click().run()
    assert any("INN 7707083894: its check digit should be 3" in e.value for e in app.error), texts(app)
    assert Status(int(entry(demo_chain).status)) == Status.NONE


def test_apply__applied_on_chain_then_corrected_while_waiting(account_page, demo_chain):
    app = account_page()
    assert "Apply for registration" in [s.value for s in app.subheader]
    fill(app)
    app.button(key="apply_go").click().run()
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    found = entry(demo_chain)
    assert Status(int(found.status)) == Status.APPLIED
    metadata = json.loads(load_document(found.metadata_cid))
    assert metadata["name"] == "ООО «Новая Аптечная Сеть»" and metadata["inn"] == "7707083893"
    assert metadata["roles"] == ["pharmacy", "supplier"] and metadata["country"] == "RU"
    assert load_document(metadata["documents"][0]["cid"]) == b"%PDF-1.4 licence"
    # waiting: the form shows the application, and corrects it
    app = account_page()
    assert "Your application" in [s.value for s in app.subheader]
    assert app.text_input(key="apply_name").value == "ООО «Новая Аптечная Сеть»"
    app.text_input(key="apply_city").input("Тверь, ул. Советская, 1").run()
    app.button(key="apply_go").click().run()
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    corrected = entry(demo_chain)
    assert corrected.metadata_cid != found.metadata_cid
    assert json.loads(load_document(corrected.metadata_cid))["city"] == "Тверь, ул. Советская, 1"
    assert Status(int(corrected.status)) == Status.APPLIED


def test_registered_organization__no_application(account_page):
    app = account_page(account_index=None, key="gkb1")
    assert "Apply for registration" not in [s.value for s in app.subheader]
    assert not [w for w in app.text_input if w.key == "apply_name"]


def test_russian__the_form_in_russian(account_page):
    app = account_page(language="ru")
    with use_language("ru"):
        assert _("Your account") == app.title[0].value
    assert not app.exception
    fill(app, inn="123")
    app.button(key="apply_go").click().run()
    assert app.error
