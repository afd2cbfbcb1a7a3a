"""The regulator's workspace (AppTest) on the seeded demo chain, indexed into its data folder's
database: who may see it, approving the demo's waiting applicant and refusing another, suspending
and reinstating an organization, changing its roles and revoking it, metadata waiting for review
(approved, rejected), recalling a batch (and the verdict then) and lifting a withdrawal, company
prefixes, moving an organization to a successor account, the suspect-pack reports, Russian.

The demo has one regulator: every governed decision (revoke, lift, move) is carried out at once
(the quorum of one); tests/ui/test_regulator_quorum.py plays two regulators."""

import json

import pytest
from eth_utils import to_checksum_address

from dapp.actions import participants
from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.chain.signers import RpcSigner, carry_out
from dapp.demo import world as demo
from dapp.documents.default_store import save_document
from dapp.i18n import _, use_language
from dapp.records.engine import open_database
from dapp.roles import BatchStatus, Role, Status
from dapp.verification.suspect_reports import file_report
from dapp.verification.verdicts import Verifier
from tests.ui.conftest import account_of, catch_up
from tests.ui.test_verify_page import label_text


def reader_of(demo_chain) -> ChainReader:
    return ChainReader(deployment_at(demo_chain.url), demo_chain.url)


def entry_on_chain(demo_chain, account: str):
    reader = reader_of(demo_chain)
    return reader.one(reader.call("Participants", "organization", account))


def status_on_chain(demo_chain, account: str) -> Status:
    return Status(int(entry_on_chain(demo_chain, account).status))


def spare_account(demo_chain, index: int) -> str:
    """One of anvil's accounts no demo organization uses (the demo uses 0 to 11)."""
    assert index > max(o.account_index for o in demo.ORGANIZATIONS)
    return to_checksum_address(demo_chain.accounts[index])


def as_account(demo_chain, account: str, prepare) -> None:
    """Carries out `prepare(deployment)`'s action as `account` (unlocked on the node): what an
    organization does from its own workspace."""
    carry_out(prepare(deployment_at(demo_chain.url)), RpcSigner(account, demo_chain.url))


def errors(app) -> str:
    return " ".join(str(e.value) for e in app.error)


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


def test_refuse__an_application__revoked_on_chain(page, demo_chain):
    applicant = spare_account(demo_chain, 12)
    metadata = json.dumps({"name": "ООО «Ромашка-Мед»", "country": "RU", "roles": ["supplier"]}).encode()
    as_account(demo_chain, applicant, lambda d: participants.apply(d, applicant, save_document(metadata)))
    catch_up(demo_chain)
    app = page()
    app.selectbox(key="approve_who").set_value(applicant).run()
    click(app, "refuse_go")  # no decision document: refused in words, nothing sent
    assert any("decision document" in e.value for e in app.error)
    assert status_on_chain(demo_chain, applicant) == Status.APPLIED
    app.text_area(key="refuse_text").input("Decision 7: the licence given does not exist.").run()
    click(app, "refuse_go")
    assert app.success, texts(app)
    assert status_on_chain(demo_chain, applicant) == Status.REVOKED
    assert not any("quorum" in i.value for i in app.info)  # one regulator: a quorum of one


def test_change_roles_then_revoke__an_organization(page, demo_chain):
    hospital = account_of(demo_chain, "rkb")
    app = page()
    app.selectbox(key="org_who").set_value(hospital).run()
    assert "Roles now: medical organization" in texts(app)
    app.multiselect(key="roles_new").set_value([Role.MEDICAL_ORGANIZATION, Role.PHARMACY]).run()
    click(app, "set_roles_go")
    assert app.success, texts(app)
    assert Role(int(entry_on_chain(demo_chain, hospital).roles)) == Role.MEDICAL_ORGANIZATION | Role.PHARMACY
    click(app, "revoke_go")  # no decision document
    assert any("decision document" in e.value for e in app.error)
    assert status_on_chain(demo_chain, hospital) == Status.ACTIVE
    app.text_area(key="revoke_text").input("Order No. 21: the licence was annulled by the court.").run()
    click(app, "revoke_go")
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    assert status_on_chain(demo_chain, hospital) == Status.REVOKED
    assert not any("quorum" in i.value for i in app.info)


def test_acting_on_itself__refused_by_the_contract_with_its_reason(page, demo_chain):
    me = account_of(demo_chain, "regulator")
    app = page()
    app.text_input(key="org_typed").input(me).run()
    app.multiselect(key="roles_new").set_value([Role.MANUFACTURER]).run()
    click(app, "set_roles_go")
    assert "regulator acting on itself" in errors(app)
    app.text_area(key="revoke_text").input("I resign.").run()
    click(app, "revoke_go")
    assert "regulator acting on itself" in errors(app)
    assert not app.success
    entry = entry_on_chain(demo_chain, me)
    assert Status(int(entry.status)) == Status.ACTIVE and Role(int(entry.roles)) == Role.REGULATOR


def test_change_roles__none_chosen__refused_in_words(page, demo_chain):
    app = page()
    app.selectbox(key="org_who").set_value(account_of(demo_chain, "gkb1")).run()
    click(app, "set_roles_go")
    assert "give at least one role" in errors(app)
    assert Role(int(entry_on_chain(demo_chain, account_of(demo_chain, "gkb1")).roles)) == Role.MEDICAL_ORGANIZATION


def metadata_of(key: str, **changes) -> bytes:
    organization = demo.organization(key)
    return json.dumps({"name": organization.name, "country": organization.country, **changes},
                      ensure_ascii=False).encode()


def test_metadata_review__shown_side_by_side__approved_and_rejected(page, demo_chain):
    nordisk, immuno = account_of(demo_chain, "nordisk"), account_of(demo_chain, "immuno")
    approved_before = {key: entry_on_chain(demo_chain, account).metadata_cid
                       for key, account in (("nordisk", nordisk), ("immuno", immuno))}
    renamed = metadata_of("nordisk", name="Novo [Verified](https://evil.example) Insulin A/S", licence="DK-MIA-9001")
    renamed_cid = save_document(renamed)
    rejected_cid = save_document(metadata_of("immuno", licence="FORGED-0001"))
    as_account(demo_chain, nordisk, lambda d: participants.update_metadata(d, nordisk, renamed_cid))
    as_account(demo_chain, immuno, lambda d: participants.update_metadata(d, immuno, rejected_cid))
    app = page()
    assert set(app.selectbox(key="review_who").options) >= {f"{demo.organization('nordisk').name} ({nordisk[:8]}…)",
                                                           f"{demo.organization('immuno').name} ({immuno[:8]}…)"}
    app.selectbox(key="review_who").set_value(nordisk).run()
    shown = [block.value for block in app.code]
    assert any('"licence": "DK-MIA-9001"' in block for block in shown)  # the submitted one
    assert any(demo.organization("nordisk").name in block and "DK-MIA-9001" not in block for block in shown)
    assert "Novo \\[Verified\\]\\(https" in " ".join(m.value for m in app.markdown)  # escaped, never a link
    click(app, "metadata_approve_go")
    assert app.success, texts(app)
    assert entry_on_chain(demo_chain, nordisk).metadata_cid == renamed_cid
    reader = reader_of(demo_chain)
    assert reader.one(reader.call("Participants", "pending_metadata", nordisk)) == ""

    app = page()
    assert app.selectbox(key="review_who").options == [f"{demo.organization('immuno').name} ({immuno[:8]}…)"]
    click(app, "metadata_reject_go")  # no reason document
    assert any("decision document" in e.value for e in app.error)
    assert reader.one(reader.call("Participants", "pending_metadata", immuno)) == rejected_cid
    app.text_area(key="metadata_reject_text").input("The licence FORGED-0001 is not in the register.").run()
    click(app, "metadata_reject_go")
    assert app.success, texts(app)
    assert reader.one(reader.call("Participants", "pending_metadata", immuno)) == ""
    assert entry_on_chain(demo_chain, immuno).metadata_cid == approved_before["immuno"]
    app = page()
    assert "No organization's metadata is waiting for review." in texts(app)
    click(app, "metadata_approve_go")  # nothing waits: refused in words
    assert "No organization's metadata is waiting for review." in errors(app)


def batch_on_chain(demo_chain, gtin: str, lot: str) -> BatchStatus:
    reader = reader_of(demo_chain)
    return BatchStatus(int(reader.one(reader.call("Resources", "batch", int(gtin), lot)).status))


def test_lift__the_withdrawn_batch__active_again(page, demo_chain):
    withdrawn = next(c for c in demo.DEMO_CODES if c.case == "withdrawn")
    assert batch_on_chain(demo_chain, withdrawn.gtin, withdrawn.lot) == BatchStatus.WITHDRAWN
    app = page()
    app.selectbox(key="lift_batch").set_value(f"{withdrawn.gtin}/{withdrawn.lot}").run()
    click(app, "lift_go")  # no decision document
    assert any("decision document" in e.value for e in app.error)
    app.text_area(key="lift_text").input("Decision 9: the laboratory's second test found no defect.").run()
    click(app, "lift_go")
    assert app.success, texts(app)
    assert batch_on_chain(demo_chain, withdrawn.gtin, withdrawn.lot) == BatchStatus.ACTIVE
    assert not any("quorum" in i.value for i in app.info)


def test_lift__an_active_batch__refused_by_the_contract(page, demo_chain):
    active = next(c for c in demo.DEMO_CODES if c.case == "never-held-by-scanner")
    app = page()
    app.text_input(key="lift_gtin").input(active.gtin)
    app.text_input(key="lift_lot").input(active.lot)
    app.text_area(key="lift_text").input("Lift it.").run()
    click(app, "lift_go")
    assert "batch not retired" in errors(app)
    assert batch_on_chain(demo_chain, active.gtin, active.lot) == BatchStatus.ACTIVE


def prefix_owner_on_chain(demo_chain, prefix: str) -> str:
    reader = reader_of(demo_chain)
    return to_checksum_address(reader.one(reader.call("Resources", "prefix_owner", int(prefix), len(prefix))))


def test_assign_prefix__to_a_manufacturer__then_refusals(page, demo_chain):
    volga = account_of(demo_chain, "volga")
    app = page()
    app.selectbox(key="prefix_who").set_value(volga)
    app.text_input(key="prefix_digits").input("46x1234").run()
    click(app, "prefix_go")
    assert "a GS1 company prefix is 6 to 12 digits" in errors(app)
    app.text_input(key="prefix_digits").input("4601234").run()
    click(app, "prefix_go")
    assert app.success, texts(app)
    assert prefix_owner_on_chain(demo_chain, "4601234") == volga
    app.run()
    assert f"The prefix 4601234 is held now by {plain_name('volga')}." in texts(app)
    click(app, "prefix_go")  # a second time: the contract refuses
    assert "prefix already assigned to it" in errors(app)


def plain_name(key: str) -> str:
    from dapp.ui.text import plain

    return plain(demo.organization(key).name)


def test_move__to_a_successor__old_account_revoked(page, demo_chain):
    sibmed, successor = account_of(demo_chain, "sibmed"), spare_account(demo_chain, 13)
    app = page()
    app.selectbox(key="move_who").set_value(sibmed)
    app.text_input(key="move_successor").input(account_of(demo_chain, "gkb1")).run()
    click(app, "move_go")  # a registered account cannot be a successor
    assert "successor already registered" in errors(app)
    app.text_input(key="move_successor").input("0x1234").run()
    click(app, "move_go")
    assert "is not an account address" in errors(app)
    assert status_on_chain(demo_chain, sibmed) == Status.ACTIVE
    app.text_input(key="move_successor").input(successor).run()
    click(app, "move_go")
    assert app.success, texts(app)
    reader = reader_of(demo_chain)
    assert to_checksum_address(reader.one(reader.call("Participants", "successor", sibmed))) == successor
    assert status_on_chain(demo_chain, sibmed) == Status.REVOKED
    assert status_on_chain(demo_chain, successor) == Status.ACTIVE
    assert Role(int(entry_on_chain(demo_chain, successor).roles)) == Role.DISTRIBUTOR | Role.SUPPLIER


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
        assert {s.value for s in app.subheader} >= {_("Applications waiting"), _("Suspect-pack reports"),
                                                    _("Metadata waiting for review"),
                                                    _("Company prefixes and successor moves")}


def test_russian__acting_on_itself__the_refusal_in_russian(page, demo_chain):
    me = account_of(demo_chain, "regulator")
    app = page(language="ru")
    with use_language("ru"):  # AppTest formats the page's choices (the radios) in the test's language
        app.text_input(key="org_typed").input(me)
        app.text_area(key="revoke_text").input("Приказ № 1.").run()
        click(app, "revoke_go")
        reason = _("participants: regulator acting on itself")
    assert reason != "participants: regulator acting on itself"
    assert reason in errors(app)
    assert status_on_chain(demo_chain, me) == Status.ACTIVE
