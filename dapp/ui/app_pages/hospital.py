"""The workspace of a medical organization or a pharmacy: its stock with expiry alerts and reserves,
the quarterly turnover report (97 % rule), purchase planning, receiving a delivery by scanning a
few of its packs, and dispensing, destroying or reporting stolen a scanned pack (or undoing a
dispense).

Only an active medical organization or pharmacy sees it: the server reads the signed-in account's
standing from the chain on every run. Lists come from the indexed database; what decides the
authenticity of a pack or the receipt of a delivery is read from the chain. Every change is a
prepared action of the library carried out through the wallet (in dev mode, the dev account).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from dapp.actions.custody import Decommission
from dapp.cli.database import index_now
from dapp.custody import deliveries, packs
from dapp.errors import PlatformError
from dapp.i18n import N_, _, format_date, format_datetime, format_number, format_rubles
from dapp.reports.inventory import ExpiryAlert, ReserveLevel, holdings, product_stock, reserve_levels
from dapp.roles import Role
from dapp.ui.account import dev_mode_banner, workspace_or_stop
from dapp.ui.clients import database, verification
from dapp.ui.text import plain
from dapp.ui.verdict_view import show_error
from dapp.ui.wallet import carry_out_in_browser, show_outcome
from dapp.verification import presentation
from dapp.verification.scanning import check_photo, check_text

N_("Hospital's workspace")  # the page's title in the navigation (dapp/ui/app.py)

st.title(_("Hospital's workspace"))
dev_mode_banner()
workspace = workspace_or_stop(Role.MEDICAL_ORGANIZATION | Role.PHARMACY, _(
    "this page is for medical organizations and pharmacies: their stock, reports, purchase planning, deliveries "
    "and packs."))
identity, me, chain = workspace.identity, workspace.me, workspace.chain
deployment, reader = chain.deployment, chain.reader
account = identity.account
st.caption(_("Acting for {name} ({account}).").format(name=plain(me.display_name), account=account))

try:
    engine = database()
    now = index_now(engine)
except (SQLAlchemyError, PlatformError) as error:
    st.error(_("The platform's database cannot be read: {error}").format(error=error))
    st.stop()

ALERT_WORDS = {ExpiryAlert.EXPIRED: _("expired"), ExpiryAlert.UNDER_30_DAYS: _("expires within 30 days"),
               ExpiryAlert.UNDER_90_DAYS: _("expires within 90 days")}
LEVEL_WORDS = {ReserveLevel.BELOW_RESERVE: _("below the emergency reserve"),
               ReserveLevel.BELOW_NORM: _("below the norm"), ReserveLevel.OK: _("ok")}
STATUS_WORDS = {"active": _("active"), "recalled": _("recalled"), "withdrawn": _("withdrawn"),
                "unknown": _("not indexed yet")}
REASON_WORDS = {Decommission.DISPENSED: _("Dispensed to a patient"), Decommission.DESTROYED: _("Destroyed"),
                Decommission.STOLEN: _("Stolen")}


def csv_of(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def day_of(timestamp: int | None) -> str:
    # `expires` is the last second of the last valid day, in UTC (as the registry has it).
    return "" if timestamp is None else format_date(datetime.fromtimestamp(timestamp, UTC).date())


def scan_input(key: str, multiple: bool) -> tuple[str, object] | None:
    """A code typed or scanned (several lines when `multiple`), a photo, or the camera: (kind, payload)
    on the run it is given, else None."""
    modes = {"text": ":material/keyboard: " + _("Type or scan"), "photo": ":material/image: " + _("Photo"),
             "camera": ":material/photo_camera: " + _("Camera")}
    mode = st.segmented_control(_("How"), list(modes), format_func=modes.__getitem__, key=f"{key}_mode",
                                default="text", label_visibility="collapsed")
    if mode == "photo":
        upload = st.file_uploader(_("A photo of the pack's code"), key=f"{key}_upload",
                                  type=["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"])
        if upload is not None and st.session_state.get(f"{key}_upload_seen") != upload.file_id:
            st.session_state[f"{key}_upload_seen"] = upload.file_id
            return "photo", upload.getvalue()
        return None
    if mode == "camera":
        shot = st.camera_input(_("Hold the code flat, filling about a third of the picture."), key=f"{key}_camera")
        if shot is not None and st.session_state.get(f"{key}_camera_seen") != shot.file_id:
            st.session_state[f"{key}_camera_seen"] = shot.file_id
            return "camera", shot.getvalue()
        return None
    with st.form(f"{key}_form", border=False, clear_on_submit=True):
        if multiple:
            typed = st.text_area(_("The packs' codes, one a line"), key=f"{key}_typed",
                                 help=_("A scanner types each code and Enter: scan the packs one after another."))
        else:
            typed = st.text_input(_("The pack's code"), key=f"{key}_typed",
                                  help=_("A Digital Link, an element string with brackets, or what a scanner types."))
        if st.form_submit_button(_("Check"), type="primary") and typed.strip():
            return "text", typed
    return None


def checks_of(kind: str, payload, scanner: str | None) -> list:
    """The checks of a scan: one per typed line, or one for a photo (raises what the verifier raises)."""
    service = verification()
    if kind == "text":
        return [check_text(service, line, scanner) for line in str(payload).splitlines() if line.strip()]
    return [check_photo(service, payload, scanner, source=kind)]


def verdict_line(verdict) -> str:
    return f"{presentation.headline(verdict)}: {presentation.summary(verdict)}"


def refresh_after(outcome, pack, key: str) -> None:
    """Shows the outcome; once an action on the pack succeeded, its verdict is read again."""
    show_outcome(outcome)
    if outcome is None or not outcome.ok:
        return
    done = tuple(outcome.transaction_hashes)
    seen = st.session_state.setdefault("pack_refreshed", {})
    if seen.get(key) != done:
        seen[key] = done
        try:
            again = checks_of("text", pack.reading, scanner=account)
            st.session_state["pack_current"] = packs.scanned_packs(again[0])[0]
        except PlatformError:
            return
        st.rerun()


stock_tab, turnover_tab, planning_tab, delivery_tab, packs_tab = st.tabs([
    _("Stock"), _("Quarterly turnover"), _("Purchase planning"), _("Receive a delivery"), _("Dispense or write off")])

# --- 1. Stock --------------------------------------------------------------------------------------
with stock_tab:
    st.subheader(_("Stock"))
    st.caption(_("As indexed at {moment}.").format(moment=format_datetime(datetime.fromtimestamp(now, UTC))))
    try:
        held = holdings(engine, account, now)
        products = product_stock(engine, account, now)
        levels = reserve_levels(engine, account, now)
    except (SQLAlchemyError, PlatformError) as error:
        st.error(_("The stock cannot be read: {error}").format(error=error))
        held, products, levels = [], [], []
    if not held:
        st.info(_("Nothing in stock."))
    else:
        expired = [h for h in held if not h.blocked and h.alert == ExpiryAlert.EXPIRED]
        soon = [h for h in held if not h.blocked and h.alert in (ExpiryAlert.UNDER_30_DAYS, ExpiryAlert.UNDER_90_DAYS)]
        blocked = [h for h in held if h.blocked]
        for found, sentence, show in (
                (expired, _("Expired, do not use, write off: {packs}"), st.error),
                (soon, _("Expiring soon, use first: {packs}"), st.warning),
                (blocked, _("Recalled or withdrawn, never usable, return or destroy: {packs}"), st.error)):
            if found:
                show(sentence.format(packs="; ".join(
                    f"{plain(h.name)} {plain(h.lot)} ({format_number(h.quantity)})" for h in found)),
                     icon=":material/warning:")
        st.markdown("**" + _("Per product") + "**")
        st.dataframe(pd.DataFrame([{
            _("GTIN"): p.gtin, _("Product"): p.name, _("Usable"): p.usable, _("Expired"): p.expired,
            _("Recalled or withdrawn"): p.blocked, _("Total"): p.total} for p in products]), hide_index=True)
        st.markdown("**" + _("Per batch, first-expired-first-out (use the first ones first)") + "**")
        batches = pd.DataFrame([{
            _("GTIN"): h.gtin, _("Product"): h.name, _("Lot"): h.lot, _("Expires"): day_of(h.expires),
            _("Days left"): h.days_left, _("Status"): STATUS_WORDS.get(h.status, h.status), _("Units"): h.quantity,
            _("Alert"): (STATUS_WORDS.get(h.status, h.status) if h.blocked else ALERT_WORDS.get(h.alert, ""))}
            for h in held])
        colours = {ExpiryAlert.EXPIRED: "#f8d0d0", ExpiryAlert.UNDER_30_DAYS: "#fde2c4",
                   ExpiryAlert.UNDER_90_DAYS: "#fff3c4"}
        shades = ["#f8d0d0" if h.blocked else colours.get(h.alert, "") for h in held]
        st.dataframe(batches.style.apply(
            lambda row: [f"background-color: {shades[row.name]}" if shades[row.name] else ""] * len(row), axis=1),
            hide_index=True)
        st.download_button(_("Download the stock (CSV)"), csv_of(batches), file_name="stock.csv", mime="text/csv",
                           key="stock_csv")
    st.markdown("**" + _("Reserves: usable stock against the emergency reserve and the norm") + "**")
    if not levels:
        st.info(_("No norms are set for this organization (`ape run stock norm set`)."))
    else:
        st.dataframe(pd.DataFrame([{
            _("GTIN"): r.gtin, _("Product"): r.name, _("Usable"): r.usable, _("Emergency reserve"): r.emergency_reserve,
            _("Norm (minimum balance)"): r.minimum_balance, _("Level"): LEVEL_WORDS[r.level]} for r in levels]),
            hide_index=True)
        short = [r for r in levels if r.level != ReserveLevel.OK]
        if short:
            st.warning(_("Under the norm: {products}").format(products=", ".join(plain(r.name or r.gtin) for r in short)),
                       icon=":material/inventory:")

# --- 2. Quarterly turnover -----------------------------------------------------------------------
with turnover_tab:
    from dapp.records.models import Movement
    from dapp.reports.balance_series import daily_balances
    from dapp.reports.turnover import MOSCOW, Quarter, to_csv, to_pdf, turnover_report

    st.subheader(_("Quarterly turnover report"))
    today = datetime.fromtimestamp(now, UTC).date()
    current = Quarter(today.year, (today.month - 1) // 3 + 1)
    with engine.connect() as connection:
        first = connection.execute(select(func.min(Movement.timestamp)).where(Movement.organization == account)).scalar()
    earliest = current
    if first is not None:
        first_day = datetime.fromtimestamp(first, UTC).date()
        earliest = min(current, Quarter(first_day.year, (first_day.month - 1) // 3 + 1))
    quarters = list(reversed(earliest.through(current)))
    quarter = st.selectbox(_("Quarter"), quarters, key="turnover_quarter", format_func=str)
    try:
        report = turnover_report(engine, account, quarter)
    except PlatformError as error:
        st.error(str(error))
        report = None
    if report is not None and not report.rows:
        st.info(_("No movements and no norms in {quarter}.").format(quarter=quarter))
    elif report is not None:
        table = pd.DataFrame([{
            _("GTIN"): r.gtin, _("Product"): r.name, _("Opening"): r.opening, _("Receipts"): r.receipts,
            _("Shipped"): r.shipped, _("Consumed"): r.consumption, _("Written off"): r.write_offs,
            _("Closing"): r.closing, _("Use per day"): float(r.average_daily_use),
            _("Days of cover"): None if r.days_of_cover is None else float(r.days_of_cover),
            _("Lowest balance"): r.lowest_balance, _("Norm"): r.norm,
            _("Lowest / norm"): None if r.minimum_balance_ratio is None else float(r.minimum_balance_ratio),
            _("97 %\u00a0rule"): _("BELOW") if r.below_rule else (_("ok") if r.norm else "")} for r in report.rows])
        st.dataframe(table, hide_index=True)
        if report.flagged:
            st.error(_("Below the 97 %\u00a0rule this quarter (the lowest balance fell under 97 %\u00a0of the norm): "
                       "{products}").format(products=", ".join(plain(r.name or r.gtin) for r in report.flagged)),
                     icon=":material/trending_down:")
        else:
            st.success(_("No resource fell below 97 %\u00a0of its norm this quarter."), icon=":material/check_circle:")
        left, right = st.columns(2)
        left.download_button(_("Download the report (CSV)"), to_csv(report).encode("utf-8"),
                             file_name=f"turnover-{quarter.year}Q{quarter.number}.csv", mime="text/csv",
                             key="turnover_csv")
        try:
            right.download_button(_("Download the report (PDF)"), to_pdf(report),
                                  file_name=f"turnover-{quarter.year}Q{quarter.number}.pdf", mime="application/pdf",
                                  key="turnover_pdf")
        except PlatformError as error:
            right.warning(str(error))
        names = {r.gtin: r.name or r.gtin for r in report.rows}
        gtin = st.selectbox(_("Balance over the quarter of"), list(names), key="turnover_gtin",
                            format_func=lambda g: f"{names[g]} ({g})")
        series = daily_balances(engine, account, gtin, quarter, MOSCOW, until=now)
        points = pd.DataFrame([{"day": d.day.isoformat(), "value": d.lowest, "line": _("lowest balance of the day")}
                               for d in series.days])
        if series.norm:
            points = pd.concat([points, pd.DataFrame(
                [{"day": d.day.isoformat(), "value": series.norm, "line": _("norm")} for d in series.days]
                + [{"day": d.day.isoformat(), "value": series.rule_level, "line": _("97 %\u00a0of the norm")}
                   for d in series.days])])
        chart = alt.Chart(points).mark_line(interpolate="step-after").encode(
            x=alt.X("day:T", title=_("Day")), y=alt.Y("value:Q", title=_("Units")),
            color=alt.Color("line:N", title=""), strokeDash=alt.StrokeDash("line:N", legend=None))
        st.altair_chart(chart, width="stretch")
        if not series.norm:
            st.caption(_("No norm is set for this resource: the chart shows its balance only."))

# --- 3. Purchase planning --------------------------------------------------------------------------
with planning_tab:
    from dapp.reports.planning import plan_purchases

    st.subheader(_("Purchase planning"))
    st.caption(_("What to order now so the stock stays above 97 %\u00a0of the norm and the emergency reserve when the "
                 "delivery arrives; the maximum unit price by the market-price method (at least 3 price sources "
                 "from the last year, varying by at most 33 %)."))
    try:
        plans = plan_purchases(engine, account, now, save=False)
    except PlatformError as error:
        st.error(str(error))
        plans = []
    if not plans:
        st.success(_("Nothing to order: every resource with a norm stays above 97 %\u00a0of it and above its emergency "
                     "reserve until a new delivery could arrive (or is already requested)."))
    else:
        plan_table = pd.DataFrame([{
            _("GTIN"): p.gtin, _("Product"): p.name, _("Usable"): p.usable,
            _("Use per day"): round(float(p.average_daily_use), 2), _("Lead time (days)"): p.lead_time_days,
            _("Projected at delivery"): round(float(p.projected_at_delivery), 1), _("Order (units)"): p.quantity,
            _("Needed by"): p.needed_by.isoformat(),
            _("Maximum unit price (rubles)"): None if p.price.unit_price is None else p.price.unit_price / 100,
            _("How the price was set"): p.price.note} for p in plans])
        st.dataframe(plan_table, hide_index=True)
        st.download_button(_("Download the plan (CSV)"), csv_of(plan_table), file_name="purchase-plan.csv",
                           mime="text/csv", key="plan_csv")
        for index, plan in enumerate(plans):
            with st.expander(f"{plan.name or plan.gtin}: {format_number(plan.quantity)}"):
                if plan.price.unit_price is None:
                    st.warning(_("No maximum price: {why}. Add supplier price quotes until the market-price method "
                                 "can set one.").format(why=plain(plan.price.note)))
                else:
                    maximum = plan.price.unit_price * plan.quantity
                    st.markdown(_("Maximum unit price {unit}, maximum price {total} for {quantity} units.").format(
                        unit=format_rubles(plan.price.unit_price), total=format_rubles(maximum),
                        quantity=format_number(plan.quantity)))
                    st.page_link("app_pages/tenders.py", label=_("Publish as a tender"), icon=":material/gavel:",
                                 query_params={"gtin": plan.gtin, "quantity": str(plan.quantity),
                                               "max_price_kopecks": str(maximum)})
                if plan.price.sources:
                    st.dataframe(pd.DataFrame([{
                        _("Source"): _("quote") if source.kind == "quote" else _("awarded tender"),
                        _("From"): source.reference,
                        _("Unit price (rubles)"): round(float(source.unit_price) / 100, 2)}
                        for source in plan.price.sources]), hide_index=True, key=f"plan_sources_{index}")

# --- 4. Receive a delivery -------------------------------------------------------------------------
with delivery_tab:
    st.subheader(_("Receive a delivery"))
    try:
        incoming = deliveries.incoming_shipments(engine, account)
    except SQLAlchemyError as error:
        st.error(_("The platform's database cannot be read: {error}").format(error=error))
        incoming = []
    if not incoming:
        st.info(_("No shipment is in transit to this organization."))
    else:
        try:
            from dapp.cli.database import organization_names

            shippers = organization_names(engine)
        except (SQLAlchemyError, PlatformError, OSError):
            shippers = {}
        st.dataframe(pd.DataFrame([{
            _("Shipment"): s.shipment_id, _("Product"): s.name, _("GTIN"): s.gtin, _("Lot"): s.lot,
            _("Units"): s.quantity, _("From"): shippers.get(s.shipper, s.shipper), _("Tender"): s.tender_id or "",
            _("Shipped"): format_datetime(datetime.fromtimestamp(s.shipped_at, UTC))} for s in incoming]),
            hide_index=True)
        by_id = {s.shipment_id: s for s in incoming}
        chosen = st.selectbox(_("Shipment"), list(by_id), key="delivery_shipment",
                              format_func=lambda i: _("{shipment}: {quantity} × {product} ({lot})").format(
                                  shipment=i, quantity=by_id[i].quantity, product=by_id[i].name, lot=by_id[i].lot))
        listed = by_id[chosen]
        try:
            shipment = deliveries.shipment_on_chain(reader, chosen)
        except PlatformError as error:
            st.error(str(error))
            shipment = None
        if shipment is not None:
            st.markdown(_("Scan a few packs of the delivery: each must be of batch {gtin}/{lot}, genuine and in "
                          "circulation.").format(gtin=plain(listed.gtin), lot=plain(listed.lot)))
            scanned = st.session_state.setdefault("delivery_packs", {}).setdefault(chosen, [])
            given = scan_input("delivery_scan", multiple=True)
            if given is not None:
                try:
                    for check in checks_of(*given, scanner=None):
                        for pack in packs.scanned_packs(check):
                            scanned.append((pack, deliveries.pack_problems(pack, shipment, listed.gtin, listed.lot)))
                except Exception as error:  # noqa: BLE001 - every failure is shown in words (show_error)
                    show_error(error)
            for pack, problems in scanned:
                if problems:
                    st.error(_("{pack}: does not belong to this shipment: {problems}").format(
                        pack=plain(pack.label), problems=plain("; ".join(problems))), icon=":material/block:")
                else:
                    st.success(_("{pack}: genuine, of this shipment.").format(pack=plain(pack.label)),
                               icon=":material/check_circle:")
            if scanned and st.button(_("Clear the scanned packs"), key="delivery_clear"):
                scanned.clear()
                st.rerun()
            prepared = None
            if st.button(_("Receive the delivery in the wallet"), key="receive_go", type="primary"):
                try:
                    prepared = deliveries.prepare_receive(deployment, account, shipment, scanned)
                except PlatformError as error:
                    st.error(str(error), icon=":material/block:")
            received = carry_out_in_browser(prepared, key="receive")
            show_outcome(received)
            if received is not None and received.ok:
                st.caption(_("The list of shipments in transit shows the change once the platform has indexed the "
                             "block."))
            reason = st.text_input(_("Reason for rejecting the delivery"), key="reject_reason")
            prepared = None
            if st.button(_("Reject the delivery in the wallet"), key="reject_go"):
                try:
                    if not reason.strip():
                        raise PlatformError(_("Give the reason for rejecting the delivery."))
                    from dapp.documents.default_store import save_document

                    cid = save_document(json.dumps({"rejection": chosen, "reason": reason.strip()},
                                                   ensure_ascii=False).encode("utf-8"))
                    prepared = deliveries.prepare_reject(deployment, account, shipment, cid)
                except (PlatformError, OSError) as error:
                    st.error(str(error), icon=":material/block:")
            show_outcome(carry_out_in_browser(prepared, key="reject"))

# --- 5. Dispense, destroy or report stolen; undo a dispense ---------------------------------------
with packs_tab:
    st.subheader(_("Dispense or write off a pack"))
    st.caption(_("Scan the pack: it is checked on the chain, then you dispense it, write it off as destroyed or "
                 "report it stolen. A dispense can be undone by the same organization within the grace period."))
    given = scan_input("pack_scan", multiple=False)
    if given is not None:
        try:
            found = [pack for check in checks_of(*given, scanner=account) for pack in packs.scanned_packs(check)]
            st.session_state["pack_current"] = found[0] if found else None
            st.session_state["pack_error"] = None
        except Exception as error:  # noqa: BLE001 - every failure is shown in words (show_error)
            st.session_state["pack_current"], st.session_state["pack_error"] = None, error
    if st.session_state.get("pack_error") is not None:
        show_error(st.session_state["pack_error"])
    pack = st.session_state.get("pack_current")
    if pack is not None:
        verdict = pack.verdict
        (st.success if verdict.genuine else st.error)(plain(verdict_line(verdict)),
                                                      icon=":material/verified:" if verdict.genuine else
                                                      ":material/gpp_bad:")
        for finding in verdict.findings:
            st.markdown("- " + plain(finding.message))
        st.caption(_("Pack {pack}").format(pack=plain(pack.label)))
        reason = st.radio(_("What happened to the pack"), list(packs.HOSPITAL_REASONS), key="pack_reason",
                          format_func=REASON_WORDS.__getitem__, horizontal=True)
        prepared = None
        if st.button(_("Record it in the wallet"), key="decommission_go", type="primary"):
            try:
                prepared = packs.prepare_decommission(deployment, account, pack, reason)
            except PlatformError as error:
                st.error(str(error), icon=":material/block:")
        refresh_after(carry_out_in_browser(prepared, key="decommission"), pack, "decommission")
        try:
            state = packs.undo_deadline(reader, pack)
        except PlatformError:
            state = None
        if state is not None and state[0] == Decommission.DISPENSED and state[1].lower() == account.lower():
            until = datetime.fromtimestamp(state[2], UTC)
            st.info(_("Dispensed by this organization: it can be undone until {moment}.").format(
                moment=format_datetime(until)), icon=":material/undo:")
        prepared = None
        if st.button(_("Undo the dispense in the wallet"), key="undo_go"):
            try:
                prepared = packs.prepare_undo_dispense(deployment, account, pack)
            except PlatformError as error:
                st.error(str(error), icon=":material/block:")
        refresh_after(carry_out_in_browser(prepared, key="undo"), pack, "undo")
