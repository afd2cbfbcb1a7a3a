"""The supplier's and manufacturer's workspace: products (register one, with its characteristics
and certificate), batches (commission one from an uploaded serial list, every bad line reported;
its label sheet), and shipments (send, what was sent, what arrived: receive or reject).

Only an active manufacturer, distributor or supplier sees it (the server reads the signed-in
account's standing from the chain on every run); products and batches are for manufacturers.
Every change is a prepared action of the library carried out through the wallet (in dev mode,
the local chain's dev account), dry-run first so that a refusal shows the contract's reason.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st
from eth_utils import is_address, to_checksum_address
from sqlalchemy.exc import SQLAlchemyError

from dapp.actions import custody, resources
from dapp.batches import ledger
from dapp.batches.commissioning import build_tree, commission_from_list, kept_serials
from dapp.batches.documents import store_with_index
from dapp.batches.labels import MAX_LABELS, batch_sheet_pdf
from dapp.batches.serials import MAX_SERIALS, read_serials
from dapp.errors import PlatformError
from dapp.i18n import N_, _, format_datetime, ngettext
from dapp.inputs.registry import parse_day
from dapp.roles import Category, Role
from dapp.ui.account import dev_mode_banner, workspace_or_stop
from dapp.ui.clients import database
from dapp.ui.text import plain
from dapp.ui.wallet import action_button

SHOWN_PROBLEMS = 1000  # bad lines shown on the page; the download has them all
CATEGORY_WORDS = {Category.DRUG: N_("medicine"), Category.DEVICE: N_("medical device"),
                  Category.CONSUMABLE: N_("consumable")}
CATEGORY_CODES = {int(c) for c in Category}
SHIPMENT_WORDS = {"in_transit": N_("in transit"), "received": N_("received"), "rejected": N_("rejected"),
                  "reclaimed": N_("returned, unanswered")}

st.title(_("Supplier's workspace"))
dev_mode_banner()
workspace = workspace_or_stop(Role.MANUFACTURER | Role.DISTRIBUTOR | Role.SUPPLIER, _("this page is for manufacturers, distributors and suppliers: their products, batches, labels and shipments."))
identity, me, chain = workspace.identity, workspace.me, workspace.chain
deployment, reader = chain.deployment, chain.reader
account = identity.account
manufacturer = me.has_role(Role.MANUFACTURER)


def read_database(read, *arguments, **options):
    """`read(engine, *arguments, **options)`, or None (said on the page) when the database cannot be read."""
    try:
        return read(database(), *arguments, **options)
    except (SQLAlchemyError, PlatformError) as error:
        st.warning(_("The platform's database cannot be read: {error}").format(error=error))
        return None


def uploads(files) -> list[tuple[str, bytes]]:
    if files is None:
        return []
    return [(f.name, f.getvalue()) for f in (files if isinstance(files, list) else [files])]


def moment(timestamp: int | None) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, UTC)) if timestamp else ""


def day(timestamp: int | None) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat() if timestamp else ""


products = (read_database(ledger.products_of, account) or []) if manufacturer else []
product_names = {p["gtin"]: p["name"] for p in products}

# --- 1. Products (manufacturers) ---------------------------------------------------------------
if manufacturer:
    st.header(_("Products"))
    if products:
        st.dataframe(pd.DataFrame([{
            _("GTIN"): p["gtin"], _("Name"): p["name"], _("Form"): p["dosage_form"],
            _("Category"): _(CATEGORY_WORDS[Category(p["category"])]) if p["category"] in CATEGORY_CODES else "",
            _("Certificate (CID)"): p["certificate_cid"],
        } for p in products]), hide_index=True)
    else:
        st.info(_("No product of yours is registered yet."))
    with st.expander(_("Register a product"), expanded=not products):
        st.caption(_("The GTIN must be under a GS1 company prefix a regulator assigned to you."))
        gtin_typed = st.text_input(_("GTIN"), key="product_gtin")
        category_words = {c: _(CATEGORY_WORDS[c]) for c in Category}  # words of this run's language
        category = st.selectbox(_("Category"), list(Category), key="product_category", format_func=category_words.get)
        product_name = st.text_input(_("Trade name and international non-proprietary name"), key="product_name")
        dosage_form = st.text_input(_("Dosage form and strength, or the device's model"), key="product_form")
        characteristics = st.text_area(_("Characteristics"), key="product_characteristics")
        characteristic_files = st.file_uploader(_("Characteristics documents"), accept_multiple_files=True,
                                                key="product_characteristics_files")
        certificate_number = st.text_input(_("Registration certificate number"), key="product_certificate")
        certificate_files = st.file_uploader(_("Registration certificate (scan)"), accept_multiple_files=True,
                                             key="product_certificate_files")

        def prepare_product():
            if not product_name.strip() or not dosage_form.strip():
                raise PlatformError(_("Give the product's name and its dosage form."))
            if not certificate_number.strip() and not certificate_files:
                raise PlatformError(_("Give the registration certificate: its number or its scan."))
            about = {"gtin": gtin_typed.strip(), "name": product_name.strip(), "dosage_form": dosage_form.strip(),
                     "category": Category(category).name.lower()}
            characteristics_cid = store_with_index({**about, "characteristics": characteristics.strip()},
                                                   uploads(characteristic_files))
            certificate_cid = store_with_index({**about, "registration_certificate": certificate_number.strip()},
                                               uploads(certificate_files))
            return resources.register_product(deployment, account, gtin_typed, category, product_name.strip(),
                                              dosage_form.strip(), characteristics_cid, certificate_cid)

        action_button("product", _("Register in the wallet"), prepare_product)

# --- 2. Batches (manufacturers) ----------------------------------------------------------------
if manufacturer:
    st.header(_("Batches"))
    batches = read_database(ledger.batches_of, account) or []
    if batches:
        st.dataframe(pd.DataFrame([{
            _("Product"): b["name"] or "", _("GTIN"): b["gtin"], _("Lot"): b["lot"], _("Units"): b["quantity"],
            _("Manufactured"): day(b["manufactured"]), _("Expires"): day(b["expires"]), _("Status"): b["status"],
        } for b in batches]), hide_index=True)
    with st.expander(_("Commission a batch"), expanded=True):
        st.caption(_("Upload the batch's serial list: a text file with one serial a line, or a CSV (its "
                     "'serial' column, else the first), up to {limit} serials. Each serial is 1 to 20 characters "
                     "of GS1's character set 82 and unique: every bad line is listed. Only the list's Merkle root "
                     "goes on chain.").format(limit=f"{MAX_SERIALS:,}".replace(",", " ")))
        batch_gtin = st.selectbox(_("Product"), list(product_names), key="batch_product", index=None,
                                  format_func=lambda g: f"{product_names[g]} — {g}", placeholder=_("choose a product"))
        lot = st.text_input(_("Lot"), key="batch_lot")
        left, right = st.columns(2)
        manufactured_on = left.date_input(_("Manufactured"), value=date.today(), key="batch_manufactured")
        expires_on = right.date_input(_("Expires (valid through)"), value=date.today() + timedelta(days=730),
                                      key="batch_expires")
        serial_file = st.file_uploader(_("Serial list"), type=["txt", "csv"], key="batch_serials")
        quality = st.text_input(_("Quality certificate number"), key="batch_quality")
        quality_files = st.file_uploader(_("Batch documents (quality certificate, protocols)"),
                                         accept_multiple_files=True, key="batch_documents")
        checked = None
        if serial_file is not None and batch_gtin:
            data = serial_file.getvalue()
            stamp = (hashlib.sha256(data).hexdigest(), serial_file.name, batch_gtin)
            cached = st.session_state.get("_batch_checked")
            if cached is None or cached[0] != stamp:
                started = time.monotonic()
                bar = st.progress(0.0, text=_("Reading and checking the serial list…"))
                listed = read_serials(data, serial_file.name)
                tree = None
                if listed.ok:
                    bar.progress(0.4, text=ngettext("Building the Merkle tree of {count} serial…",
                                                    "Building the Merkle tree of {count} serials…",
                                                    len(listed.serials)).format(count=len(listed.serials)))
                    tree = build_tree(batch_gtin, listed.serials)
                bar.progress(1.0, text=_("Checked in {seconds:.1f} s.").format(seconds=time.monotonic() - started))
                cached = (stamp, listed, tree)
                st.session_state["_batch_checked"] = cached
            checked = cached
        elif serial_file is not None:
            st.info(_("Choose the product: the serials' tree is built for its GTIN."))
        if checked is not None:
            _stamp, listed, tree = checked
            if listed.problems:
                st.error(ngettext("The serial list has {count} bad line: nothing is commissioned until it is "
                                  "corrected.",
                                  "The serial list has {count} bad lines: nothing is commissioned until they are "
                                  "corrected.", len(listed.problems)).format(count=len(listed.problems)),
                         icon=":material/block:")
                st.dataframe(pd.DataFrame([{_("Line"): p.line, _("Text"): p.text, _("Problem"): p.reason}
                                           for p in listed.problems[:SHOWN_PROBLEMS]]), hide_index=True)
                if len(listed.problems) > SHOWN_PROBLEMS:
                    st.caption(_("The first {shown} are shown; the report has them all.").format(shown=SHOWN_PROBLEMS))
                st.download_button(_("Download the report of bad lines (CSV)"), listed.report_csv(),
                                   file_name="serial-list-problems.csv", mime="text/csv", key="batch_problems_csv")
            else:
                st.success(ngettext("{count} serial, all valid. Merkle root: {root}",
                                    "{count} serials, all valid. Merkle root: {root}", len(listed.serials))
                           .format(count=len(listed.serials), root=f"`0x{tree.root.hex()}`"),
                           icon=":material/check_circle:")

        def prepare_batch():
            if not batch_gtin:
                raise PlatformError(_("Choose the product."))
            if not lot.strip():
                raise PlatformError(_("Give the batch's lot."))
            if checked is None:
                raise PlatformError(_("Upload the batch's serial list."))
            _stamp, listed, tree = checked
            if not listed.ok:
                raise PlatformError(_("Correct the serial list first: it has bad lines."))
            if not quality.strip() and not quality_files:
                raise PlatformError(_("Give the batch's quality certificate: its number or its scan."))
            manufactured = parse_day(manufactured_on.isoformat())
            expires = parse_day(expires_on.isoformat(), end_of_day=True)
            documents = store_with_index({"quality_certificate": quality.strip(), "gtin": batch_gtin,
                                          "lot": lot.strip(), "quantity": len(listed.serials)}, uploads(quality_files))
            return commission_from_list(deployment, reader, account, batch_gtin, lot.strip(), manufactured, expires,
                                        listed.serials, tree, documents)

        action_button("commission", _("Commission in the wallet"), prepare_batch)

    st.subheader(_("Label sheet"))
    labelled = {f"{b['gtin']}/{b['lot']}": b for b in batches}
    chosen = st.selectbox(_("Batch"), list(labelled), key="labels_batch", index=None, placeholder=_("choose a batch"),
                          format_func=lambda k: f"{labelled[k]['name'] or ''} — {k}")
    left, right = st.columns(2)
    first = left.number_input(_("From serial number"), min_value=1, value=1, step=1, key="labels_first")
    count = right.number_input(_("Labels"), min_value=1, max_value=MAX_LABELS, value=15, step=1, key="labels_count")
    if chosen is not None:
        batch = labelled[chosen]
        serials = kept_serials(batch["gtin"], batch["lot"])
        if serials is None:
            own_list = st.file_uploader(_("This server does not keep the batch's serial list: upload it"),
                                        type=["txt", "csv"], key="labels_serials")
            if own_list is not None:
                serials = read_serials(own_list.getvalue(), own_list.name).serials
        if serials and st.button(_("Make the label sheet"), key="labels_go", icon=":material/print:"):
            try:
                st.session_state["_label_sheet"] = (chosen, batch_sheet_pdf(
                    batch["name"] or "", batch["gtin"], batch["lot"], batch["expires"], serials, int(first), int(count)))
            except PlatformError as error:
                st.error(str(error), icon=":material/block:")
        sheet = st.session_state.get("_label_sheet")
        if sheet and sheet[0] == chosen:
            st.download_button(_("Download the label sheet (PDF)"), sheet[1],
                               file_name=f"labels-{batch['gtin']}-{batch['lot']}.pdf", mime="application/pdf",
                               key="labels_pdf")

# --- 3. Shipments ------------------------------------------------------------------------------
st.header(_("Shipments"))
st.subheader(_("Send a shipment"))


def holdings_now():
    from dapp.reports.inventory import holdings

    return read_database(holdings, account, int(time.time()))


def consignees() -> dict[str, str]:
    """Active organizations other than this one: {account: name}."""
    from dapp.identity import standing_of
    from dapp.records.models import Organization
    from sqlalchemy import select

    try:
        with database().connect() as connection:
            addresses = connection.execute(select(Organization.address).where(Organization.status == "active")).scalars().all()
    except (SQLAlchemyError, PlatformError):
        return {}
    found = {}
    for address in addresses:
        if address.lower() == account.lower():
            continue
        try:
            found[address] = standing_of(reader, address, with_balance=False).display_name
        except PlatformError:
            found[address] = address
    return found


held = [h for h in (holdings_now() or []) if h.quantity > 0 and h.status == "active"]
to_send = {h.batch_id: h for h in held}
if not to_send:
    st.info(_("You hold no units of an active batch to send."))
batch_words = {b: _("{name} — {gtin}/{lot}, {units} units held").format(
    name=h.name, gtin=h.gtin, lot=h.lot, units=h.quantity) for b, h in to_send.items()}
send_batch = st.selectbox(_("Batch"), list(to_send), key="ship_batch", index=None, placeholder=_("choose a batch"),
                          format_func=batch_words.get)
names = consignees()
consignee = st.selectbox(_("Consignee"), list(names), key="ship_to", index=None, placeholder=_("choose an organization"),
                         format_func=lambda a: f"{names[a]} ({a[:8]}…)")
typed_consignee = st.text_input(_("or its account (0x…)"), key="ship_to_typed")
quantity = st.number_input(_("Units"), min_value=1, value=1, step=1, key="ship_quantity")
waybill_number = st.text_input(_("Waybill number"), key="ship_waybill")
waybill_files = st.file_uploader(_("Waybill (scan)"), accept_multiple_files=True, key="ship_waybill_files")


def prepare_shipment():
    if send_batch is None:
        raise PlatformError(_("Choose the batch to send."))
    to = consignee
    if typed_consignee.strip():
        if not is_address(typed_consignee.strip()):
            raise PlatformError(_("{account} is not an account address.").format(account=plain(typed_consignee.strip())))
        to = to_checksum_address(typed_consignee.strip())
    if to is None:
        raise PlatformError(_("Choose the consignee, or type its account."))
    if not waybill_number.strip() and not waybill_files:
        raise PlatformError(_("Give the waybill: its number or its scan."))
    holding = to_send[send_batch]
    waybill = store_with_index({"waybill": waybill_number.strip(), "gtin": holding.gtin, "lot": holding.lot,
                                "quantity": int(quantity), "from": account, "to": to}, uploads(waybill_files))
    return custody.ship(deployment, account, bytes.fromhex(send_batch.removeprefix("0x")), to, int(quantity), waybill,
                        label=f"{holding.gtin}/{holding.lot}")


action_button("ship", _("Send in the wallet"), prepare_shipment)


def shipment_table(rows: list[ledger.ShipmentRow], party: str) -> pd.DataFrame:
    return pd.DataFrame([{
        _("Shipment"): row.shipment_id, _("Product"): row.name, _("GTIN"): row.gtin, _("Lot"): row.lot,
        _("Units"): row.quantity, party: getattr(row, "consignee" if party == _("Consignee") else "shipper"),
        _("Sent"): moment(row.shipped_at), _("Status"): _(SHIPMENT_WORDS.get(row.status, row.status)),
        _("Settled"): moment(row.settled_at), _("Waybill (CID)"): row.document_cid,
    } for row in rows])


st.subheader(_("Sent"))
outgoing = read_database(ledger.shipments, account, outgoing=True)
if outgoing == []:
    st.info(_("You have sent no shipment."))
elif outgoing:
    for status, title in ((("in_transit",), _("In transit")), (("received",), _("Received")),
                          (("rejected", "reclaimed"), _("Rejected or returned"))):
        rows = [row for row in outgoing if row.status in status]
        if rows:
            st.markdown(f"**{title}**")
            st.dataframe(shipment_table(rows, _("Consignee")), hide_index=True)

st.subheader(_("Incoming"))
incoming = read_database(ledger.shipments, account, outgoing=False) or []
waiting = [row for row in incoming if row.status == "in_transit"]
if not waiting:
    st.info(_("No shipment to you is in transit."))
else:
    st.dataframe(shipment_table(waiting, _("From")), hide_index=True)
    arrivals = {row.shipment_id: row for row in waiting}
    arrival_words = {i: _("No. {id}: {units} × {name} {gtin}/{lot}").format(
        id=i, units=row.quantity, name=row.name, gtin=row.gtin, lot=row.lot) for i, row in arrivals.items()}
    arrival = st.selectbox(_("Shipment"), list(arrivals), key="incoming_shipment", format_func=arrival_words.get)
    action_button("receive", _("Receive in the wallet"),
        lambda: custody.receive(deployment, account, arrival, ledger.shipment_terms(reader, arrival)))
    st.markdown(_("**Reject**: the units go back to the shipper; say why."))
    reason = st.text_area(_("Reason for rejecting"), key="reject_reason")
    reason_files = st.file_uploader(_("Reason documents (an act, photos)"), accept_multiple_files=True,
                                    key="reject_files")

    def prepare_reject():
        if not reason.strip() and not reason_files:
            raise PlatformError(_("Say why the shipment is rejected: type the reason or upload the act."))
        cid = store_with_index({"rejection": arrival, "reason": reason.strip()}, uploads(reason_files))
        return custody.reject(deployment, account, arrival, ledger.shipment_terms(reader, arrival), cid)

    action_button("reject", _("Reject in the wallet"), prepare_reject)
if incoming:
    settled = [row for row in incoming if row.status != "in_transit"]
    if settled:
        with st.expander(_("Earlier shipments to you")):
            st.dataframe(shipment_table(settled, _("From")), hide_index=True)
