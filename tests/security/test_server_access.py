"""Who may see what: attacks on the running dApp server, made over its websocket as a page script
would make them (tests/fixtures/streamlit_client.py), against the demo chain.

Each test is an attack and asserts that the server sent none of the page's data (no table, no
download, no organization's name or product, anywhere in the bytes it sent) and its refusal
sentence instead; beside them, the rightful session's run shows the data, so the markers are
real. The sign-ins are real: the server's Sign-In with Ethereum message signed by anvil's dev
accounts (`personal_sign`: no key in the repository).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone

import pytest
import requests
from eth_utils import to_checksum_address

from dapp.demo import world as demo
from tests.fixtures.streamlit_client import MAIN, SIDEBAR, StreamlitSession, json_value, string_value, trigger
from tests.ui.conftest import account_of

WORKSPACES = ["supplier", "hospital", "tenders", "regulator"]
NOT_SIGNED_IN = "Sign in with your wallet in the sidebar"
OTHER_ROLE = "This page is for organizations registered as"
SIGN_IN_REFUSED = "Sign-in refused:"
# What a refused page must not show: its inputs, its tables, its files, its figures.
DATA_ELEMENTS = ("dataframe", "table", "download_button", "metric", "file_uploader", "text_input", "text_area",
                 "number_input", "date_input", "vega_lite_chart", "plotly_chart", "json")


# --- Helpers ---------------------------------------------------------------------------------


def personal_sign(chain, account: str, text: str) -> str:
    """`account`'s signature of `text` (EIP-191), made by the node's unlocked dev account."""
    return chain.rpc("personal_sign", "0x" + text.encode().hex(), account)


def wallet_of(run):
    return run.widget(component="medchain_wallet", container=SIDEBAR)


_seq = iter(range(1, 10**9))


def wallet_event(run, **result) -> dict:
    """The wallet component's new result, as its JavaScript sends it (a new `seq` each time)."""
    return {wallet_of(run).id: json_value({"result": {**result, "seq": f"{secrets.token_hex(4)}-{next(_seq)}"}})}


def connect(session, page: str, account: str, chain_id: int = 31337):
    """The wallet reports it connected `account`: the server answers with a sign-in request."""
    run = session.last or session.run(page)
    run = session.run(page, wallet_event(run, kind="connected", account=account, chainId=str(chain_id),
                                         wallet="Test wallet"))
    request = wallet_of(run).data["request"]
    assert request and request["kind"] == "sign_in", request
    return run, request


def answer_sign_in(session, page: str, request: dict, message: str, signature: str, account: str):
    """The wallet's answer to the sign-in request: `message` signed."""
    return session.run(page, wallet_event(session.last, id=request["id"], kind="sign_in", ok=True, message=message,
                                          signature=signature, account=account))


def sign_in(chain, session, page: str, account: str, *, signer: str | None = None, tamper=lambda text: text):
    """The whole sign-in of `account` (the message `tamper`ed, then signed by `signer`'s key)."""
    _, request = connect(session, page, account)
    message = tamper(request["message"])
    return answer_sign_in(session, page, request, message, personal_sign(chain, signer or account, message), account)


# What a page shows anyone before its gate: the tenders page lists the open tenders (public, as
# on the chain); its workspace (publishing, bidding, a party's tenders and money) is behind the gate.
PUBLIC_BEFORE_GATE = {"tenders": ["Publish a tender", "Bid on a tender", "Your tenders", "Money owed to you"]}


def refused_page(run, sentence: str, *, markers: list[str], page: str = "") -> None:
    """The page shows the refusal `sentence` and nothing of its workspace: the script stopped at
    the refusal (nothing after it in the main area), no element of data in the main area and none
    of `markers` anywhere in what the server sent (a page with a public part before its gate:
    none of that page's workspace headings instead)."""
    assert not run.exceptions, run.exceptions
    refusals = [index for index, element in enumerate(run.elements)
                if element.container == MAIN and element.kind == "alert" and sentence in element.proto.body]
    assert refusals, f"no refusal {sentence!r} in: {run.main_text}"
    after = [element.kind for element in run.elements[refusals[-1] + 1:] if element.container == MAIN]
    assert not after, f"the page went on after its refusal: {after}"
    assert not run.download_buttons, "a refused page sent a file"
    if page in PUBLIC_BEFORE_GATE:
        shown = [heading for heading in PUBLIC_BEFORE_GATE[page] if heading in run.text]
        assert not shown, f"the refused page sent its workspace: {shown}"
        return
    shown = [element.kind for element in run.of_kind(*DATA_ELEMENTS, container=MAIN)]
    assert not shown, f"the refused page sent {shown}"
    assert not run.dataframes
    leaked = [marker for marker in markers if run.contains(marker)]
    assert not leaked, f"the refused page sent {leaked}"


def markers_except(*own_keys: str) -> list[str]:
    """Organization-specific data of the demo world: every organization's name and INN (but the
    session's own, which its sidebar shows), every product's name, GTIN and lot."""
    found = []
    for organization in demo.ORGANIZATIONS:
        if organization.key not in own_keys:
            found += [organization.name, organization.inn] if organization.inn else [organization.name]
    for product in demo.PRODUCTS:
        found += [product.name, product.gtin] + [batch.lot for batch in product.batches]
    return found


def signed_in_as(run, account: str) -> bool:
    return f"Signed in as **{account[:6]}…{account[-4:]}**" in run.sidebar_text


# --- The rightful sessions see the data (so that the markers and the client are real) --------


def test_the_regulator_signed_in_sees_the_regulators_data(production, indexed_chain):
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production) as session:
        run = sign_in(indexed_chain, session, "regulator", regulator)
        assert signed_in_as(run, regulator), run.sidebar_text
        assert not run.exceptions, run.exceptions
        assert NOT_SIGNED_IN not in run.main_text and OTHER_ROLE not in run.main_text
        assert run.dataframes, "the regulator's tables"
        assert run.contains(demo.organization("medtechimport").name)  # the application waiting
        assert run.contains(demo.organization("gkb1").name)  # the organizations' table


@pytest.mark.parametrize(("page", "key"), [("supplier", "volga"), ("hospital", "gkb1"), ("hospital", "pharmacy12"),
                                           ("tenders", "centrpharm"), ("tenders", "rkb")])
def test_an_organization_in_the_pages_role_passes_the_gate(production, indexed_chain, page, key):
    account = account_of(indexed_chain, key)
    with StreamlitSession(production) as session:
        run = sign_in(indexed_chain, session, page, account)
        assert signed_in_as(run, account), run.sidebar_text
        assert not run.exceptions, run.exceptions
        assert NOT_SIGNED_IN not in run.main_text and OTHER_ROLE not in run.main_text, run.main_text
        assert not run.alerts or all("registered as" not in alert for alert in run.alerts)


# --- No sign-in ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", WORKSPACES)
def test_no_sign_in_sees_no_workspace(production, page):
    with StreamlitSession(production) as session:
        run = session.run(page)
        refused_page(run, NOT_SIGNED_IN, markers=markers_except(), page=page)
        assert not run.page_not_found


def test_no_sign_in_sees_no_account(production):
    with StreamlitSession(production) as session:
        run = session.run("account")
        refused_page(run, NOT_SIGNED_IN, markers=markers_except())
        assert "Payment token balance" not in run.text


@pytest.mark.parametrize("page", WORKSPACES)
def test_a_query_string_does_not_sign_in(production, indexed_chain, page):
    """Query parameters naming an account (as a link could) change nothing."""
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production) as session:
        run = session.run(page, query=f"account={regulator}&identity={regulator}&act_as=regulator&dev=1")
        refused_page(run, NOT_SIGNED_IN, markers=markers_except(), page=page)


# --- Another organization's session (a real sign-in) ------------------------------------------


@pytest.mark.parametrize(("page", "key", "sentence"), [
    ("regulator", "pharmacy12", OTHER_ROLE),
    ("regulator", "volga", OTHER_ROLE),
    ("regulator", "gkb1", OTHER_ROLE),
    ("hospital", "volga", OTHER_ROLE),
    ("hospital", "centrpharm", OTHER_ROLE),
    ("supplier", "gkb1", OTHER_ROLE),
    ("supplier", "pharmacy12", OTHER_ROLE),
    ("tenders", "pharmacy12", OTHER_ROLE),
    ("tenders", "volga", OTHER_ROLE),
    ("supplier", "medtechimport", "waits for a regulator's approval"),  # applied, not approved
    ("tenders", "medtechimport", "waits for a regulator's approval"),
    ("supplier", "farmsintez", "its workspace is closed"),  # suspended
])
def test_another_organization_sees_nothing_of_the_page(production, indexed_chain, page, key, sentence):
    account = account_of(indexed_chain, key)
    with StreamlitSession(production) as session:
        run = sign_in(indexed_chain, session, page, account)
        assert signed_in_as(run, account), run.sidebar_text  # the sign-in itself was accepted
        refused_page(run, sentence, markers=markers_except(key), page=page)


@pytest.mark.parametrize("page", WORKSPACES)
def test_an_unregistered_account_sees_nothing(production, indexed_chain, page):
    stranger = to_checksum_address(indexed_chain.accounts[15])  # a dev account no demo organization uses
    with StreamlitSession(production) as session:
        run = sign_in(indexed_chain, session, page, stranger)
        assert signed_in_as(run, stranger), run.sidebar_text
        refused_page(run, "has not applied", markers=markers_except(), page=page)


def test_the_account_the_wallet_claims_is_not_the_one_signed_in(production, indexed_chain):
    """The wallet's answer names the regulator, but the message it signed is the pharmacy's:
    the session acts for the account that signed, the pharmacy."""
    regulator, pharmacy = account_of(indexed_chain, "regulator"), account_of(indexed_chain, "pharmacy12")
    with StreamlitSession(production) as session:
        _, request = connect(session, "regulator", pharmacy)
        message = request["message"]
        run = answer_sign_in(session, "regulator", request, message, personal_sign(indexed_chain, pharmacy, message),
                             account=regulator)
        assert signed_in_as(run, pharmacy) and not signed_in_as(run, regulator), run.sidebar_text
        refused_page(run, OTHER_ROLE, markers=markers_except("pharmacy12"))


# --- Forged, replayed, expired, other-site, other-chain sign-ins ---------------------------------


def assert_not_signed_in(run, reason: str, page: str = "regulator") -> None:
    assert SIGN_IN_REFUSED in run.sidebar_text, run.sidebar_text
    assert reason in run.sidebar_text, run.sidebar_text
    assert "Signed in as" not in run.sidebar_text
    refused_page(run, NOT_SIGNED_IN, markers=markers_except())


def test_a_forged_signature_does_not_sign_in(production, indexed_chain):
    """The regulator's sign-in message signed by the pharmacy's key."""
    regulator, pharmacy = account_of(indexed_chain, "regulator"), account_of(indexed_chain, "pharmacy12")
    with StreamlitSession(production) as session:
        run = sign_in(indexed_chain, session, "regulator", regulator, signer=pharmacy)
        assert_not_signed_in(run, "it was made by another key")


def test_a_message_rewritten_for_another_account_does_not_sign_in(production, indexed_chain):
    """The pharmacy connects, then rewrites its message to name the regulator and signs it itself."""
    regulator, pharmacy = account_of(indexed_chain, "regulator"), account_of(indexed_chain, "pharmacy12")
    with StreamlitSession(production) as session:
        _, request = connect(session, "regulator", pharmacy)
        message = request["message"].replace(pharmacy, regulator)
        assert regulator in message
        run = answer_sign_in(session, "regulator", request, message, personal_sign(indexed_chain, pharmacy, message),
                             account=regulator)
        assert_not_signed_in(run, "it was made by another key")


def test_garbage_for_a_signature_does_not_sign_in(production, indexed_chain):
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production) as session:
        _, request = connect(session, "regulator", regulator)
        for signature in ("0x" + "00" * 65, "not a signature", "0x" + "11" * 65):
            run = answer_sign_in(session, "regulator", request, request["message"], signature, regulator)
            assert "Signed in as" not in run.sidebar_text
            refused_page(run, NOT_SIGNED_IN, markers=markers_except())
            _, request = connect(session, "regulator", regulator)


def test_a_signature_from_another_session_is_refused(production, indexed_chain):
    """The regulator's valid sign-in in session A, sent by session B (before and after A used it):
    the nonce belongs to session A."""
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production) as victim, StreamlitSession(production) as attacker:
        _, request = connect(victim, "regulator", regulator)
        message = request["message"]
        signature = personal_sign(indexed_chain, regulator, message)
        # Stolen before the victim sent it.
        _, own_request = connect(attacker, "regulator", regulator)
        run = answer_sign_in(attacker, "regulator", own_request, message, signature, regulator)
        assert_not_signed_in(run, "never issued to your session")
        # The victim signs in with it all the same (the refused attempt did not burn it) ...
        run = answer_sign_in(victim, "regulator", request, message, signature, regulator)
        assert signed_in_as(run, regulator) and run.dataframes
        # ... and the attacker replays it after.
        _, own_request = connect(attacker, "regulator", regulator)
        run = answer_sign_in(attacker, "regulator", own_request, message, signature, regulator)
        assert_not_signed_in(run, "never issued to your session")


def test_a_used_sign_in_is_not_accepted_again(production, indexed_chain):
    """Signed in, signed out, the same signed message sent again in the same session: a replay."""
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production) as session:
        _, request = connect(session, "regulator", regulator)
        message = request["message"]
        signature = personal_sign(indexed_chain, regulator, message)
        run = answer_sign_in(session, "regulator", request, message, signature, regulator)
        assert signed_in_as(run, regulator)
        sign_out = run.widget(kind="button", label="Sign out")
        run = session.run("regulator", {sign_out.id: trigger()})
        assert "Signed in as" not in run.sidebar_text
        refused_page(run, NOT_SIGNED_IN, markers=markers_except())
        _, again = connect(session, "regulator", regulator)
        run = answer_sign_in(session, "regulator", again, message, signature, regulator)
        assert_not_signed_in(run, "already used (a replay)")


def _times(text: str, issued: datetime, expires: datetime) -> str:
    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    text = re.sub(r"Issued At: .*", f"Issued At: {stamp(issued)}", text)
    return re.sub(r"Expiration Time: .*", f"Expiration Time: {stamp(expires)}", text)


def test_an_expired_sign_in_is_refused(production, indexed_chain):
    """A message with the session's own nonce, correctly signed, but expired an hour ago."""
    regulator = account_of(indexed_chain, "regulator")
    now = datetime.now(timezone.utc)
    with StreamlitSession(production) as session:
        run = sign_in(indexed_chain, session, "regulator", regulator,
                      tamper=lambda text: _times(text, now - timedelta(hours=2), now - timedelta(hours=1)))
        assert_not_signed_in(run, "has expired")


def test_a_sign_in_for_another_site_is_refused(production, indexed_chain):
    """The message names another site (a phishing page asked for it), correctly signed."""
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production) as session:
        host = session.page_host

        def elsewhere(text: str) -> str:
            return text.replace(f"{host} wants you", "medchain-login.example wants you").replace(
                f"URI: http://{host}", "URI: https://medchain-login.example")

        run = sign_in(indexed_chain, session, "regulator", regulator, tamper=elsewhere)
        assert_not_signed_in(run, "is for medchain-login.example")


def test_a_sign_in_for_another_chain_is_refused(production, indexed_chain):
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production) as session:
        run = sign_in(indexed_chain, session, "regulator", regulator,
                      tamper=lambda text: text.replace("Chain ID: 31337", "Chain ID: 1"))
        assert_not_signed_in(run, "is for chain 1")


def test_a_nonce_the_server_never_issued_is_refused(production, indexed_chain):
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production) as session:
        run = sign_in(indexed_chain, session, "regulator", regulator,
                      tamper=lambda text: re.sub(r"Nonce: \w+", f"Nonce: {secrets.token_hex(16)}", text))
        assert_not_signed_in(run, "never issued to your session")


def test_a_sign_in_answer_without_a_request_is_ignored(production, indexed_chain):
    """A page script sends a signed sign-in the server never asked this session for (no
    connection first): nothing happens."""
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production) as victim, StreamlitSession(production) as attacker:
        _, request = connect(victim, "regulator", regulator)
        message = request["message"]
        signature = personal_sign(indexed_chain, regulator, message)
        run = attacker.run("regulator")
        run = attacker.run("regulator", wallet_event(run, id=request["id"], kind="sign_in", ok=True, message=message,
                                                     signature=signature, account=regulator))
        assert "Signed in as" not in run.sidebar_text
        refused_page(run, NOT_SIGNED_IN, markers=markers_except())


def test_a_sign_in_relayed_from_a_phishing_site_is_refused(production, indexed_chain):
    """A script reaches the server with another site's Host (a phishing page at that domain would have
    the victim sign a message naming it, and the wallet would not warn): no message is issued for it,
    and an answer signed for it is refused (dapp/ui/hosts.py)."""
    regulator = account_of(indexed_chain, "regulator")
    with StreamlitSession(production, host="medchain-login.example") as session:
        run = session.run("regulator")
        run = session.run("regulator", wallet_event(run, kind="connected", account=regulator, chainId="31337",
                                                    wallet="Test wallet"))
        assert not wallet_of(run).data.get("request"), "a sign-in message issued for another site's domain"
        assert "this server does not answer sign-ins at medchain-login.example" in run.sidebar_text
        # The message a phishing page would show, signed by the victim, answered without any request.
        message = (f"medchain-login.example wants you to sign in with your Ethereum account:\n{regulator}\n\n"
                   "Sign in to MedChain.\n\nURI: http://medchain-login.example\nVersion: 1\nChain ID: 31337\n"
                   "Nonce: abcdefgh12345678\nIssued At: 2026-12-06T00:00:00Z")
        run = answer_sign_in(session, "regulator", {"id": "forged"}, message,
                             personal_sign(indexed_chain, regulator, message), regulator)
        assert "Signed in as" not in run.sidebar_text, "the attacker's session acts as the regulator"
        refused_page(run, NOT_SIGNED_IN, markers=markers_except())


def test_an_unknown_session_id_resumes_nothing(production, indexed_chain):
    """A reconnection offering a session id the server never gave starts a fresh session."""
    with StreamlitSession(production, resume="6b1d5f0e-0000-4000-8000-000000000000") as session:
        run = session.run("regulator")
        assert run.session_id != "6b1d5f0e-0000-4000-8000-000000000000"
        refused_page(run, NOT_SIGNED_IN, markers=markers_except())


# --- Dev mode: off in production, and on ---------------------------------------------------------


def act_as_controls(dev_server: str, page: str = "regulator"):
    """The dev-mode "act as" select box and its button, as the dev-mode server renders them."""
    with StreamlitSession(dev_server) as session:
        run = session.run(page)
        choose = run.widget(kind="selectbox", label="Act as")
        regulator_name = next(option for option in choose.options if option == demo.REGULATOR.name)
        run = session.run(page, {choose.id: string_value(regulator_name)})
        go = run.widget(kind="button", label="Act as this organization")
        return choose, go, regulator_name


def test_dev_mode_acts_as_a_demo_organization(dev_server, indexed_chain):
    """The control run: in dev mode, the select box and the button sent cold (no sidebar seen) act
    as the regulator, whose page then shows its data."""
    choose, go, name = act_as_controls(dev_server)
    with StreamlitSession(dev_server) as session:
        run = session.run("regulator", {choose.id: string_value(name), go.id: trigger()})
        assert signed_in_as(run, account_of(indexed_chain, "regulator")), run.sidebar_text
        assert "Dev mode: acting as" in run.main_text
        assert run.dataframes and run.contains(demo.organization("medtechimport").name)


def test_dev_mode_off_offers_no_act_as_and_ignores_a_forged_one(production, dev_server):
    choose, go, name = act_as_controls(dev_server)
    with StreamlitSession(production) as session:
        run = session.run("regulator")
        assert not run.has_widget(label="Act as"), run.widgets
        assert "Dev mode" not in run.text
        run = session.run("regulator", {choose.id: string_value(name), go.id: trigger()})
        assert "Signed in as" not in run.sidebar_text
        refused_page(run, NOT_SIGNED_IN, markers=markers_except())
        for page in WORKSPACES:
            run = session.run(page, {choose.id: string_value(name), go.id: trigger()})
            refused_page(run, NOT_SIGNED_IN, markers=markers_except(), page=page)


@pytest.mark.parametrize(("page", "key"), [("regulator", "pharmacy12"), ("hospital", "volga"),
                                           ("supplier", "gkb1"), ("tenders", "pharmacy12")])
def test_dev_mode_still_checks_the_role(dev_server, indexed_chain, page, key):
    with StreamlitSession(dev_server) as session:
        run = session.run(page)
        choose = run.widget(kind="selectbox", label="Act as")
        run = session.run(page, {choose.id: string_value(demo.organization(key).name)})
        run = session.run(page, {run.widget(kind="button", label="Act as this organization").id: trigger()})
        assert signed_in_as(run, account_of(indexed_chain, key)), run.sidebar_text
        refused_page(run, OTHER_ROLE, markers=markers_except(key), page=page)


def test_dev_mode_act_as_takes_only_a_demo_organization(dev_server):
    choose, go, _name = act_as_controls(dev_server)
    with StreamlitSession(dev_server) as session:
        run = session.run("regulator", {choose.id: string_value("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
                                        go.id: trigger()})
        assert "Signed in as" not in run.sidebar_text
        assert NOT_SIGNED_IN in run.main_text and not run.dataframes


# --- The HTTP routes -------------------------------------------------------------------------------


def test_the_http_routes_serve_no_organization_data(production, indexed_chain):
    """The resolver's JSON verdict of a genuine pack is public (the pack, its batch, its custody),
    but no route gives the database, the manufacturers' serial lists or the chain's files."""
    serial_file = next((indexed_chain.data / "serials").glob("*.txt"))
    serials = serial_file.read_text().split()
    gtin, lot = serial_file.stem.split("-", 1)
    asked = serials[0]
    verdict = requests.get(f"{production}/01/{gtin}/10/{lot}/21/{asked}", params={"format": "json"}, timeout=60)
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["code"]["serial"] == asked
    others = [serial for serial in serials[1:50] if serial in verdict.text]
    assert not others, f"the verdict of one pack names other packs' serials: {others}"
    database_bytes = (indexed_chain.data / "platform.db").read_bytes()[:16]
    assert database_bytes.startswith(b"SQLite format 3")
    probes = ["/data/platform.db", "/platform.db", f"/data/serials/{serial_file.name}", f"/serials/{serial_file.name}",
              "/app/static/platform.db", "/static/platform.db", "/data/deployments/31337.json",
              "/documents/..%2Fplatform.db", "/documents/%2E%2E%2Fplatform.db", "/documents/../platform.db",
              f"/documents/..%2Fserials%2F{serial_file.name}", "/_stcore/media/platform.db", "/media/platform.db",
              "/_stcore/health", "/_stcore/host-config", "/_stcore/metrics", "/.well-known/gs1resolver",
              "/regulator?format=json", "/01?format=json"]
    for path in probes:
        answer = requests.get(production + path, timeout=30)
        body = answer.content
        assert b"SQLite format 3" not in body, path
        assert not any(serial.encode() in body for serial in serials[1:20]), path
        for organization in demo.ORGANIZATIONS:
            assert organization.name.encode() not in body, (path, organization.key)


# --- One organization does not see another's figures, in the same role ----------------------------

# Batches one organization of a pair holds and the other never held (dapp/demo/world.py SHIPMENTS).
ONLY_HELD_BY = {"gkb1": ["MF2406", "SY24031"], "rkb": ["PC2312", "NA5K221"],
                "centrpharm": ["AM2405", "IG0424", "CF2405"], "sibmed": ["PC2312", "NA5K221"]}


@pytest.mark.parametrize(("page", "me", "other"), [("hospital", "gkb1", "rkb"), ("hospital", "rkb", "gkb1"),
                                                   ("supplier", "centrpharm", "sibmed"),
                                                   ("supplier", "sibmed", "centrpharm")])
def test_a_workspace_shows_its_own_stock_not_anothers(production, indexed_chain, page, me, other):
    account = account_of(indexed_chain, me)
    with StreamlitSession(production) as session:
        run = sign_in(indexed_chain, session, page, account)
        assert signed_in_as(run, account) and not run.exceptions, run.exceptions
        own = [lot for lot in ONLY_HELD_BY[me] if run.contains(lot)]
        assert own, f"{me}'s {page} page shows none of its own batches {ONLY_HELD_BY[me]}: {run.main_text}"
        theirs = [lot for lot in ONLY_HELD_BY[other] if lot not in ONLY_HELD_BY[me] and run.contains(lot)]
        assert not theirs, f"{me}'s {page} page sent {other}'s batches {theirs}"


def test_a_page_of_another_site_cannot_open_a_session(production):
    """Cross-site websocket hijacking: a page at another origin opens the dApp's websocket in the
    victim's browser (its Origin header names that site). The server refuses the connection."""
    with pytest.raises(ConnectionError, match="403"):
        StreamlitSession(production, origin="https://medchain-login.example", timeout=15)
    with StreamlitSession(production, origin=production, timeout=15) as session:  # its own origin: accepted
        assert NOT_SIGNED_IN in session.run("regulator").main_text


# --- What the wallet reports back ------------------------------------------------------------------


def test_a_transaction_the_page_did_not_send_is_not_reported_done(production, indexed_chain):
    pharmacy = account_of(indexed_chain, "pharmacy12")
    someone_elses = indexed_chain.rpc("eth_getBlockByNumber", "0x1", False)["transactions"][0]
    with StreamlitSession(production) as session:
        sign_in(indexed_chain, session, "account", pharmacy)
        run = session.run("account", {session.last.widget(kind="button", label="Approve in the wallet").id: trigger()})
        task = run.widget(component="medchain_wallet", container=MAIN)
        request = task.data["request"]
        assert request and request["kind"] == "send", request
        run = session.run("account", {task.id: json_value({"result": {
            "id": request["id"], "kind": "send", "ok": True, "hashes": [someone_elses], "blocks": ["1"],
            "seq": secrets.token_hex(4)}})})
        assert not run.exceptions, run.exceptions
        assert f"Done: transaction {someone_elses}" not in run.main_text, "a transaction it did not send, reported done"
        assert f"The wallet reported transaction {someone_elses}, which is not the one asked for" in run.main_text
        assert f"it is from {to_checksum_address(indexed_chain.accounts[0])}" in run.main_text


def test_an_earlier_transaction_of_the_account_is_not_reported_done_again(production, indexed_chain):
    """The same approval, sent once for real, then its hash handed back for a second request: the
    node says it is the right call from the right account, but it was mined before the wallet was
    asked, so it is not this request's."""
    pharmacy = account_of(indexed_chain, "pharmacy12")
    with StreamlitSession(production) as session:
        sign_in(indexed_chain, session, "account", pharmacy)
        approve = session.last.widget(kind="button", label="Approve in the wallet").id
        run = session.run("account", {approve: trigger()})
        task = run.widget(component="medchain_wallet", container=MAIN)
        request = task.data["request"]
        earlier = indexed_chain.rpc("eth_sendTransaction", request["transactions"][0])
        run = session.run("account", {task.id: json_value({"result": {
            "id": request["id"], "kind": "send", "ok": True, "hashes": [earlier], "seq": secrets.token_hex(4)}})})
        assert f"Done: transaction {earlier}" in run.main_text  # the control: the real answer is taken
        run = session.run("account", {session.last.widget(kind="button", label="Approve in the wallet").id: trigger()})
        task = run.widget(component="medchain_wallet", container=MAIN)
        again = task.data["request"]
        assert again and again["id"] != request["id"] and again["transactions"] == request["transactions"]
        run = session.run("account", {task.id: json_value({"result": {
            "id": again["id"], "kind": "send", "ok": True, "hashes": [earlier], "seq": secrets.token_hex(4)}})})
        assert not run.exceptions, run.exceptions
        assert "before it was asked to send: an earlier transaction, not this one" in run.main_text
