"""Tenders: the open tenders for anyone; a signed bid relayed by any signed-in account; a
hospital's tenders (publish, cancel, award, accept deliveries, terminate) and a supplier's bids
(commit from the wallet or signed for relaying, reveal, performance security, delivery through
Custody); what the tender contract owes the organization, and its withdrawal.

The chain is read for every tender's state (TenderClient over the server's ChainReader). Every
step is a prepared action of the library (`TenderClient.prepare_*`, `dapp.tenders.wallet_steps`)
carried out through the wallet (in dev mode, the local chain's dev account); a step the library
can tell is wrong is refused in words before anything is sent, and the dry run shows the
contract's reason for the rest. A sealed bid's salt is the hash of the wallet's own signature:
the server keeps no secret of a supplier.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dapp.errors import PlatformError
from dapp.i18n import N_, _, format_datetime, format_rubles
from dapp.roles import Role
from dapp.tenders.client import DAY, SignedBid, TenderClient, TenderStage, TenderStatus
from dapp.tenders.wallet_steps import (
    BidToSign,
    prepare_commit_with_wallet_salt,
    prepare_reveal_with_wallet_salt,
    prepare_salt,
    sealed_from_signatures,
)
from dapp.tenders.workspace import (
    RUBLE,
    all_tenders,
    held_batches,
    need_from_form,
    open_for_bids,
    party_to,
    product_names,
    uncounted_shipments,
)
from dapp.ui.account import chain_context, dev_mode_banner, signed_in, workspace_or_stop
from dapp.ui.clients import database
from dapp.ui.text import plain
from dapp.ui.wallet import action_button, carry_out_in_browser, forget, show_outcome

N_("Tenders")  # the page's title in the navigation (dapp/ui/app.py)
STAGE_NAMES = {
    TenderStage.BIDDING: N_("taking bids"), TenderStage.REVEALING: N_("bids being revealed"),
    TenderStage.AWAITING_AWARD: N_("waiting for the award"), TenderStage.AWARDED: N_("awarded, waiting for the security"),
    TenderStage.CONTRACTED: N_("contracted, being delivered"), TenderStage.COMPLETED: N_("completed"),
    TenderStage.FAILED: N_("failed"), TenderStage.TERMINATED: N_("terminated"), TenderStage.CANCELLED: N_("cancelled"),
}
ROLE_WORDS = {"hospital": N_("customer"), "winner": N_("winner"), "runner-up": N_("runner-up"),
              "bidder": N_("bidder")}

st.title(_("Tenders"))
dev_mode_banner()


def when(timestamp: int) -> str:
    return format_datetime(datetime.fromtimestamp(int(timestamp), UTC)) if timestamp else "—"


def percent(bps: int) -> str:
    return f"{bps / 100:g} %"


try:
    chain = chain_context()
    client = TenderClient.over_rpc(chain.deployment, chain.reader)
    tenders = all_tenders(client)
    now = client.now()
except PlatformError as error:
    st.error(str(error))
    st.stop()
try:
    names = product_names(database())
except (SQLAlchemyError, PlatformError):
    names = {}
_organization_names: dict[str, str] = {}


def organization(account: str | None) -> str:
    """The registry's name of an account (read once per run)."""
    if not account:
        return "—"
    if account not in _organization_names:
        from dapp.identity import standing_of

        try:
            _organization_names[account] = standing_of(chain.reader, account, with_balance=False).name or account
        except PlatformError:
            _organization_names[account] = account
    return _organization_names[account]


def product(view) -> str:
    state = view.state
    if state.gtin:
        return f"{names.get(state.gtin, '')} ({state.gtin:014d})".strip()
    listed = ", ".join(f"{names.get(g, '')} ({g:014d})".strip() for g in state.accepted_gtins)
    return _("by specification {cid}: {products}").format(cid=state.specification_cid, products=listed)


# --- 1. Open tenders (anyone) --------------------------------------------------------------------
st.subheader(_("Open tenders"))
open_tenders = open_for_bids(tenders)
if not open_tenders:
    st.info(_("No tender takes bids now."))
else:
    st.dataframe(pd.DataFrame([{
        _("Tender"): view.tender_id, _("Customer"): organization(view.state.hospital), _("Product"): product(view),
        _("Quantity"): view.state.quantity, _("Maximum price (НМЦК)"): format_rubles(view.state.max_price),
        _("Bids until"): when(view.state.bid_deadline), _("Reveals until"): when(view.state.reveal_deadline),
        _("Delivery by"): when(view.state.delivery_deadline), _("Bid security"): format_rubles(view.state.bid_security),
        _("Performance security"): percent(view.state.performance_security_bps),
        _("Sealed bids"): view.state.commitments,
    } for view in open_tenders]), hide_index=True, key="open_tenders")

# --- 2. Relay a signed bid (any signed-in account) ---------------------------------------------
identity = signed_in()
if identity is not None:
    with st.expander(_("Relay a signed bid (you pay the gas, the supplier's bid security comes by its permit)")):
        pasted = st.text_area(_("The signed bid (JSON)"), key="relay_json")
        uploaded = st.file_uploader(_("or its file"), type=["json"], key="relay_file")

        def prepare_relay():
            text = uploaded.getvalue().decode("utf-8", errors="replace") if uploaded is not None else pasted
            if not text.strip():
                raise PlatformError(_("Paste the signed bid, or upload its file."))
            return client.prepare_relay(identity.account, SignedBid.from_json(text))

        relayed = action_button("relay", _("Relay in the wallet"), prepare_relay)

# --- the workspace: hospitals and suppliers ----------------------------------------------------
workspace = workspace_or_stop(Role.MEDICAL_ORGANIZATION | Role.SUPPLIER,
                              _("this page is for medical organizations publishing tenders and the suppliers "
                                "bidding on them."))
me, account = workspace.me, workspace.identity.account
is_hospital, is_supplier = me.has_role(Role.MEDICAL_ORGANIZATION), me.has_role(Role.SUPPLIER)

# --- 3. Publish a tender (hospital) -------------------------------------------------------------
if is_hospital:
    st.subheader(_("Publish a tender"))
    query = st.query_params

    def query_number(name: str, default: float) -> float:
        try:
            return float(query.get(name, default))
        except (TypeError, ValueError):
            return default

    # The hospital page's planning links here with ?gtin=…&quantity=…&max_price_kopecks=…: a new
    # link fills the form again (the form's own edits stay until then).
    asked = (query.get("gtin", ""), query.get("quantity", ""), query.get("max_price_kopecks", ""))
    if any(asked) and st.session_state.get("_tender_prefilled") != asked:
        st.session_state["_tender_prefilled"] = asked
        st.session_state["create_gtin"] = str(asked[0])
        st.session_state["create_quantity"] = max(1, int(query_number("quantity", 100)))  # an int widget
        st.session_state["create_max_price"] = max(query_number("max_price_kopecks", 100_000 * RUBLE) / RUBLE, 0.01)
    st.session_state.setdefault("create_gtin", "")
    st.session_state.setdefault("create_quantity", 100)
    st.session_state.setdefault("create_max_price", 100_000.0)
    gtin_text = st.text_input(_("Product GTIN"), key="create_gtin")
    columns = st.columns(2)
    quantity = columns[0].number_input(_("Quantity (units)"), min_value=1, step=1, key="create_quantity")
    max_price = columns[1].number_input(_("Maximum price (НМЦК), rubles, for the whole quantity"), min_value=0.01,
                                        step=100.0, format="%.2f", key="create_max_price")
    columns = st.columns(4)
    bidding_days = columns[0].number_input(_("Days to bid"), min_value=1, value=14, step=1, key="create_bid_days")
    reveal_days = columns[1].number_input(_("Days to reveal"), min_value=1, value=3, step=1, key="create_reveal_days")
    security_days = columns[2].number_input(_("Days for the winner's security"), min_value=1, value=3, step=1,
                                            key="create_security_days")
    delivery_days = columns[3].number_input(_("Days to deliver after that"), min_value=1, value=60, step=1,
                                            key="create_delivery_days")
    columns = st.columns(3)
    bid_security = columns[0].number_input(_("Bid security, %\u00a0of the maximum price"), min_value=0.5, max_value=5.0,
                                           value=1.0, step=0.5, key="create_bid_security")
    performance_security = columns[1].number_input(_("Performance security, %\u00a0of the price"), min_value=0.0,
                                                   max_value=30.0, value=5.0, step=0.5,
                                                   key="create_performance_security")
    shelf_life = columns[2].number_input(_("Shelf life left at delivery, days"), min_value=0, value=0, step=30,
                                         key="create_shelf_life")
    funding = st.radio(_("Escrow of the maximum price"), ["approve", "permit"], horizontal=True, key="create_funding",
                       format_func=lambda f: _("by approval (two transactions)") if f == "approve"
                       else _("by permit (a signature and one transaction)"))

    def need():
        return need_from_form(client.now(), gtin=gtin_text.strip(), quantity=quantity, max_price_rubles=max_price,
                              bidding_days=bidding_days, reveal_days=reveal_days, delivery_days=delivery_days,
                              bid_security_percent=bid_security, performance_security_percent=performance_security,
                              shelf_life_days=shelf_life, security_window_days=security_days,
                              award_window=client.award_window())

    try:
        preview = need()
        st.caption(_("Bids until {bids}, reveals until {reveals}, delivery by {delivery}; the escrow of {amount} is "
                     "held by the tender contract until the tender ends.").format(
            bids=when(preview.bid_deadline), reveals=when(preview.reveal_deadline),
            delivery=when(preview.delivery_deadline), amount=format_rubles(preview.max_price)))
    except (PlatformError, ValueError):
        pass

    def prepare_create():
        try:
            wanted = need()
        except ValueError as error:
            raise PlatformError(str(error)) from None
        return client.prepare_create(account, wanted, funding=funding)

    created = action_button("create", _("Publish in the wallet"), prepare_create)
    if created is not None and created.ok and isinstance(created.value, int):
        st.success(_("Tender {tender_id} is published.").format(tender_id=created.value))

# --- 4. Bid (supplier) ---------------------------------------------------------------------------
if is_supplier:
    st.subheader(_("Bid on a tender"))
    try:
        held = held_batches(database(), account)
    except (SQLAlchemyError, PlatformError):
        held = []
        st.warning(_("The platform's database cannot be read: the products you hold are not known here."))
    held_gtins = {batch.gtin for batch in held}
    mine_only = st.toggle(_("Only tenders for products you hold"), value=False, key="bid_mine_only")
    biddable = [view for view in open_tenders if view.bid_of(account) is None
                and (not mine_only or any(view.accepts(g) for g in held_gtins))]
    chosen_id, price_kopecks, sealing = None, 0, None
    if not biddable:
        st.info(_("No open tender you have not bid on yet."))
    else:
        biddable_by_id = {view.tender_id: view for view in biddable}
        chosen_id = st.selectbox(_("Tender"), list(biddable_by_id), key="bid_tender", format_func=lambda i: _(
            "{tender_id}: {product}, {quantity} units, at most {max_price}").format(
            tender_id=i, product=product(biddable_by_id[i]), quantity=biddable_by_id[i].state.quantity,
            max_price=format_rubles(biddable_by_id[i].state.max_price)))
        chosen = biddable_by_id[chosen_id]
        st.caption(_("Bids until {bids}; bid security {security} (returned after the award unless you win); "
                     "performance security {performance} of your price.").format(
            bids=when(chosen.state.bid_deadline), security=format_rubles(chosen.state.bid_security),
            performance=percent(chosen.state.performance_security_bps)))
        price = st.number_input(_("Your price for the whole quantity, rubles"), min_value=0.01,
                                value=chosen.state.max_price / RUBLE, step=100.0, format="%.2f", key="bid_price")
        price_kopecks = round(price * RUBLE)
        st.caption(_("Your wallet signs a document that seals the bid (its signature is the bid's secret, and the "
                     "same signature opens it at the reveal): remember the price you bid."))
    action_button("commit", _("Bid from the wallet"),
        lambda: prepare_commit_with_wallet_salt(client, account, chosen_id, price_kopecks), shown=bool(biddable))

    # A bid signed for anyone to relay: the salt's signature, then the bid's and the permit's.
    if biddable and st.button(_("Sign a bid for someone to relay (no gas)"), key="sign_go"):
        for key in ("seal", "sign_bid"):
            forget(key)
        st.session_state.pop("_tender_to_sign", None)
        st.session_state["_tender_sealing"] = (chosen_id, price_kopecks)
        try:
            sealing = prepare_salt(client, account, chosen_id, price_kopecks)
        except PlatformError as error:
            st.error(str(error), icon=":material/block:")
    sealed_outcome = carry_out_in_browser(sealing, key="seal")
    to_sign_now = None
    if sealed_outcome is not None and not sealed_outcome.ok:
        show_outcome(sealed_outcome)
    if sealed_outcome is not None and sealed_outcome.ok and "_tender_to_sign" not in st.session_state:
        tender_id, kopecks = st.session_state.get("_tender_sealing", (0, 0))
        try:
            sealed = sealed_from_signatures(client.bid_key(tender_id, account), kopecks, sealed_outcome.signatures)
            st.session_state["_tender_to_sign"] = BidToSign.of(client, sealed)
            to_sign_now = st.session_state["_tender_to_sign"].action()
        except PlatformError as error:
            forget("seal")
            st.error(str(error), icon=":material/block:")
    signing = carry_out_in_browser(to_sign_now, key="sign_bid")
    if signing is not None:
        if not signing.ok:
            show_outcome(signing)
        else:
            signed = st.session_state["_tender_to_sign"].signed(signing.signatures)
            st.success(_("Your bid on tender {tender_id} is signed. Anyone signed in may relay it before {deadline}: "
                         "give them this file, or relay it yourself above.").format(
                tender_id=signed.tender_id, deadline=when(signed.deadline)))
            st.code(signed.to_json(), language="json")
            st.download_button(_("Download the signed bid (JSON)"), signed.to_json().encode(),
                               file_name=f"signed-bid-{signed.tender_id}.json", mime="application/json",
                               key="signed_bid_download")

# --- 5. Your tenders -----------------------------------------------------------------------------
st.subheader(_("Your tenders"))
mine = party_to(tenders, account)
if not mine:
    st.info(_("You have published no tender and bid on none."))
else:
    st.dataframe(pd.DataFrame([{
        _("Tender"): view.tender_id, _("Your part"): _("customer") if view.is_hospital(account) else _("bidder"),
        _("Product"): product(view), _("Quantity"): view.state.quantity,
        _("Maximum price (НМЦК)"): format_rubles(view.state.max_price),
        _("Stage"): _(STAGE_NAMES[view.state.stage]),
        _("Sealed bids"): view.state.commitments, _("Revealed"): view.state.reveals,
        _("Winner"): organization(view.state.winner) if view.state.winner else "—",
        _("Price"): format_rubles(view.state.price) if view.state.price else "—",
        _("Delivered"): f"{view.state.delivered} / {view.state.quantity}",
    } for view in mine]), hide_index=True, key="my_tenders")
    mine_by_id = {view.tender_id: view for view in mine}
    picked = st.selectbox(_("Tender to work on"), list(mine_by_id), key="my_tender",
                          format_func=lambda i: f"{i}: {product(mine_by_id[i])} — {_(STAGE_NAMES[mine_by_id[i].state.stage])}")
    view = mine_by_id[picked]
    state = view.state
    st.markdown(_("**Tender {tender_id}** of {hospital}: {quantity} units of {product}, at most {max_price}. "
                  "Stage: {stage}.").format(tender_id=state.tender_id, hospital=plain(organization(state.hospital)),
                                            quantity=state.quantity, product=plain(product(view)),
                                            max_price=format_rubles(state.max_price),
                                            stage=_(STAGE_NAMES[state.stage])))
    st.markdown(_("Bids until {bids}; reveals until {reveals}; delivery by {delivery}. Held by the contract for it: "
                  "{held}.").format(bids=when(state.bid_deadline), reveals=when(state.reveal_deadline),
                                    delivery=when(state.delivery_deadline), held=format_rubles(state.held)))
    if state.winner:
        st.markdown(_("Winner: {winner} at {price}; performance security {security}, due by {due}.").format(
            winner=plain(organization(state.winner)), price=format_rubles(state.price),
            security=format_rubles(state.performance_security), due=when(state.security_deadline)))
    if state.stage in (TenderStage.CONTRACTED, TenderStage.COMPLETED, TenderStage.TERMINATED):
        st.markdown(_("Delivered and accepted: {delivered} of {quantity} units.").format(
            delivered=state.delivered, quantity=state.quantity))
    if view.bids:
        sealed_until_reveal = state.stage == TenderStage.BIDDING
        st.dataframe(pd.DataFrame([{
            _("Bidder"): organization(bid.bidder),
            _("Bid"): (_("sealed") if not bid.revealed else format_rubles(bid.price)) if not sealed_until_reveal
            else _("sealed"),
            _("Bid security"): _("returned") if bid.security_released else _("held"),
        } for bid in view.bids]), hide_index=True, key="tender_bids")
    else:
        st.caption(_("No bid yet."))
    try:
        positions = client.positions(picked)
    except PlatformError:
        positions = []
    if positions:
        st.dataframe(pd.DataFrame([{
            _("Party"): organization(p.account), _("Part"): _(ROLE_WORDS.get(p.role, p.role)),
            _("Owed by the contract (all tenders)"): format_rubles(p.owed),
            _("Bid security to take back"): format_rubles(p.claimable),
        } for p in positions]), hide_index=True, key="tender_positions")

    hospital_here, bid_here = view.is_hospital(account), view.bid_of(account)
    winner_here = view.is_winner(account)
    stage = state.stage
    award_open_to_all = now > state.reveal_deadline + client.award_window()

    # hospital: cancel while bids are taken
    action_button("cancel", _("Cancel the tender in the wallet"), lambda: client.prepare_cancel(account, picked),
        shown=hospital_here and stage == TenderStage.BIDDING)
    # a bidder: reveal after the bid deadline
    reveal_shown = bid_here is not None and not bid_here.revealed and stage == TenderStage.REVEALING
    if reveal_shown:
        st.caption(_("Reveal your bid: give the price you bid; your wallet signs the same sealing document again."))
        reveal_price = st.number_input(_("The price you bid, rubles"), min_value=0.01, value=state.max_price / RUBLE,
                                       step=100.0, format="%.2f", key="reveal_price")
    revealed = action_button("reveal", _("Reveal in the wallet"),
                   lambda: prepare_reveal_with_wallet_salt(client, account, picked, round(reveal_price * RUBLE)),
                   shown=reveal_shown)
    # the award: the hospital, or anyone once the award window is over
    if stage == TenderStage.AWAITING_AWARD and not hospital_here and not award_open_to_all:
        st.caption(_("The customer awards until {until}; after that anyone may.").format(
            until=when(state.reveal_deadline + client.award_window())))
    action_button("award", _("Award in the wallet"), lambda: client.prepare_award(account, picked),
        shown=stage == TenderStage.AWAITING_AWARD and (hospital_here or award_open_to_all))
    # the winner: its performance security
    security_shown = winner_here and stage == TenderStage.AWARDED
    if security_shown:
        security_funding = st.radio(_("Performance security"), ["approve", "permit"], horizontal=True,
                                    key="security_funding",
                                    format_func=lambda f: _("by approval") if f == "approve" else _("by permit"))
    action_button("security", _("Post the performance security in the wallet"),
        lambda: client.prepare_post_security(account, picked, funding=security_funding), shown=security_shown)
    action_button("fail_unsecured", _("Close the award: no performance security was posted"),
        lambda: client.prepare_fail_unsecured(account, picked),
        shown=stage == TenderStage.AWARDED and now > state.security_deadline)
    # the winner: deliveries through Custody
    deliver_shown = winner_here and stage == TenderStage.CONTRACTED
    if deliver_shown:
        try:
            batches = [b for b in held_batches(database(), account) if view.accepts(b.gtin)]
        except (SQLAlchemyError, PlatformError):
            batches = []
        if not batches:
            st.info(_("You hold no batch of a product this tender accepts."))
        labels = {f"{b.gtin:014d}/{b.lot}": b for b in batches}
        batch_key = st.selectbox(_("Batch to deliver"), list(labels), key="deliver_batch", format_func=lambda k: _(
            "{name} {gtin}/{lot}: {units} units, expires {expires}").format(
            name=labels[k].name, gtin=f"{labels[k].gtin:014d}", lot=labels[k].lot, units=labels[k].units,
            expires=when(labels[k].expires)))
        deliver_quantity = st.number_input(_("Units to ship"), min_value=1,
                                           value=max(1, state.quantity - state.delivered), step=1,
                                           key="deliver_quantity")
        waybill = st.text_area(_("Waybill (stored in the document store; its CID goes on-chain)"),
                               key="deliver_waybill")

    def prepare_deliver():
        from dapp.documents.default_store import save_document

        if not batch_key:
            raise PlatformError(_("Choose the batch to deliver."))
        document = waybill.strip() or f"waybill: tender {picked}, {batch_key}, {deliver_quantity} units"
        try:
            cid = save_document(document.encode("utf-8"))
        except OSError as error:
            raise PlatformError(_("The waybill could not be stored: {error}").format(error=error)) from None
        chosen_batch = labels[batch_key]
        return client.prepare_deliver(account, picked, chosen_batch.gtin, chosen_batch.lot, int(deliver_quantity), cid)

    action_button("deliver", _("Ship in the wallet"), prepare_deliver, shown=deliver_shown)
    # the hospital: receive and count the deliveries
    accept_shown = hospital_here and stage == TenderStage.CONTRACTED
    if accept_shown:
        waiting = uncounted_shipments(client, picked)
        if not waiting:
            st.caption(_("No delivery waits to be counted."))
        shipment_labels = {sid: _("shipment {shipment_id}: {quantity} units, shipped {when}").format(
            shipment_id=sid, quantity=record[3], when=when(record[6])) for sid, record in waiting}
        shipment_id = st.selectbox(_("Delivery to accept"), list(shipment_labels), key="accept_shipment",
                                   format_func=lambda s: shipment_labels[s])

    def prepare_accept():
        if shipment_id is None:
            raise PlatformError(_("No delivery waits to be counted."))
        return client.prepare_accept(account, picked, int(shipment_id))

    action_button("accept", _("Receive and accept in the wallet"), prepare_accept, shown=accept_shown)
    terminate_after = state.delivery_deadline + client.termination_delay()
    action_button("terminate", _("Terminate the contract in the wallet"), lambda: client.prepare_terminate(account, picked),
        shown=stage == TenderStage.CONTRACTED and ((hospital_here and now > terminate_after)
                                                   or (winner_here and now > state.delivery_deadline)))
    if stage == TenderStage.CONTRACTED and winner_here and now > state.delivery_deadline:
        st.caption(_("The delivery deadline has passed: terminating gives up the contract, paid pro rata for what "
                     "was accepted, and forfeits the performance security."))
    if stage == TenderStage.CONTRACTED and hospital_here and now <= terminate_after:
        st.caption(_("If the delivery is late, you may terminate after {when}.").format(when=when(terminate_after)))
    action_button("claim", _("Take back your bid security in the wallet"),
        lambda: client.prepare_claim_bid_security(account, picked),
        shown=bid_here is not None and bid_here.claimable)
    if stage == TenderStage.CANCELLED and hospital_here:
        st.caption(_("The tender is cancelled: its escrow is owed back to you (withdraw it below)."))

# --- 6. Money owed -------------------------------------------------------------------------------
st.subheader(_("Money owed to you by the tender contract"))
try:
    owed = int(client.tenders.owed(account))
except PlatformError as error:
    owed = None
    st.warning(str(error))
if owed is not None:
    st.markdown(_("Owed to you: **{amount}** (escrow returned, payments for deliveries, securities).").format(
        amount=format_rubles(owed)))
withdrawn = action_button("withdraw", _("Withdraw in the wallet"), lambda: client.prepare_withdraw(account),
                shown=bool(owed))
