"""The regulator's workspace (AppTest) on the seeded demo chain, indexed into its data folder's
database: who may see it, approving the demo's waiting applicant, suspending and reinstating an
organization, recalling a batch (and the verdict then), the suspect-pack reports, Russian."""

import pytest

from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.demo import world as demo
from dapp.i18n import _, use_language
from dapp.records.engine import open_database
from dapp.roles import Role, Status
from dapp.verification.suspect_reports import file_report
from dapp.verification.verdicts import Verifier
from tests.ui.conftest import account_of
from tests.ui.test_verify_page import label_text


def status_on_chain(demo_chain, account: str) -> Status:
    reader = ChainReader(deployment_at(demo_chain.url), demo_chain.url)
    return Status(int(reader.one(reader.call("Participants", "organization", account)).status))


@pytest.fixture
def page(create_workspace):
    """page(key="regulator", language="en") → the regulator page, signed in in dev mode as demo `key`."""
    def page(key: str | None = "regulator", language: str = "en"):
        return create_workspace("regulator", key, language)

    return page


def texts(app) -> str:
    return " ".join(str(e.value) for e in [*app.info, *app.warning, *app.success, *app.error, *app.markdown])


def click(app, key: str):
    app.button(key=key).click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_no_one_signed_in__told_to_sign_in_and_nothing_else(page):
    app = page(key=None)
    assert any("Sign in with your wallet" in i.value for i in app.info)
    assert not app.dataframe and not app.main.button and not app.subheader


def test_hospital__refused_and_nothing_else(page):
    app = page("gkb1")
    assert any("This page is for organizations registered as: regulator." in w.value for w in app.warning)
    assert not app.dataframe and not app.main.button and not app.subheader


def test_approve__the_waiting_applicant__active_on_chain(page, demo_chain):
    applicant = account_of(demo_chain, "medtechimport")
    assert status_on_chain(demo_chain, applicant) == Status.APPLIED
    app = page()
    assert applicant in set(app.dataframe[0].value["Account"])
    app.selectbox(key="approve_who").set_value(applicant)
    app.multiselect(key="approve_roles").set_value([Role.SUPPLIER])
    app.run()
    click(app, "approve_go")
    assert app.success, texts(app)
    assert status_on_chain(demo_chain, applicant) == Status.ACTIVE
    assert not any("quorum" in i.value for i in app.info)  # the demo's only regulator decides alone


def test_suspend_then_reinstate__an_organization(page, demo_chain):
    pharmacy = account_of(demo_chain, "pharmacy12")
    app = page()
    app.selectbox(key="org_who").set_value(pharmacy).run()
    click(app, "suspend_go")  # no decision document yet: refused in words, nothing sent
    assert any("decision document" in e.value for e in app.error)
    assert status_on_chain(demo_chain, pharmacy) == Status.ACTIVE
    app.text_area(key="suspend_text").input("Order No. 17: licence inspection pending.").run()
    click(app, "suspend_go")
    assert app.success, texts(app)
    assert status_on_chain(demo_chain, pharmacy) == Status.SUSPENDED
    click(app, "reinstate_go")
    assert len(app.success) == 2, texts(app)
    assert status_on_chain(demo_chain, pharmacy) == Status.ACTIVE


def test_recall__a_batch__verify_says_recalled_and_holders_shown(page, demo_chain):
    code = label_text(demo_chain, "genuine")
    before = Verifier.at(demo_chain.url).verify_text(code)
    assert before.batch["status"] == "active"
    genuine = next(c for c in demo.DEMO_CODES if c.case == "genuine")
    app = page()
    app.selectbox(key="recall_batch").set_value(f"{genuine.gtin}/{genuine.lot}")
    app.selectbox(key="recall_reason").set_value(1)
    app.text_area(key="recall_text").input("Decision 42: quality defect found by the laboratory.")
    app.run()
    click(app, "recall_go")
    assert app.success, texts(app)
    assert "Who holds batch" in texts(app)
    held = [frame.value for frame in app.dataframe if "Units held" in frame.value.columns]
    assert held and (held[0]["Units held"] > 0).all()
    after = Verifier.at(demo_chain.url).verify_text(code)
    assert after.batch["status"] == "recalled"


def test_suspect_reports__a_filed_report_listed_with_csv(page, demo_chain):
    engine = open_database(f"sqlite:///{demo_chain.data / 'platform.db'}")
    try:
        file_report(engine, label_text(demo_chain, "stolen"), status="SUSPECT", reasons=["decommissioned"],
                    contact="inspector@example.org")
    finally:
        engine.dispose()
    app = page()
    [reports] = [frame.value for frame in app.dataframe if "Contact" in frame.value.columns]
    assert reports["Contact"].iloc[0] == "inspector@example.org"
    assert reports["Anchored"].iloc[0] == "no"
    assert any(button.label == "Download the reports (CSV)" for button in app.get("download_button"))


def test_russian__the_page_in_russian(page):
    app = page(language="ru")
    with use_language("ru"):
        assert app.title[0].value == _("Regulator's workspace")
        assert _("Applications waiting") != "Applications waiting"
        assert {s.value for s in app.subheader} >= {_("Applications waiting"), _("Suspect-pack reports")}
