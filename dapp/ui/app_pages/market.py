"""The market, for anyone (no wallet): the manufacturer catalogue, prices from quotes and awarded
tenders over time, and the needs hospitals publish against the supply, per resource over time.
Read from the indexed database."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from dapp.errors import PlatformError
from dapp.i18n import _, format_date, format_number, format_rubles
from dapp.reports.catalogue import OWNERSHIPS, manufacturer_card, manufacturers
from dapp.reports.market import PERIODS, SPECIFICATION_GTIN, MarketError, price_history, priced_resources, supply_demand
from dapp.ui import clients
from dapp.ui.text import plain

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
SUPPLY_DEMAND_COLUMNS = ("period", "gtin", "product", "demand", "requested", "tendered", "commissioned", "delivered")

st.title(_("Market"))
st.write(_("Who makes what, and how the needs hospitals publish compare with what is made and delivered. "
           "Anyone can read it; no wallet needed."))

try:
    engine = clients.database()
except PlatformError as error:
    st.error(str(error))
    st.stop()

OWNERSHIP_NAMES = {"state": _("State-owned"), "private": _("Private")}
CATEGORY_NAMES = {"drug": _("Drug"), "device": _("Medical device"), "consumable": _("Consumable")}
PERIOD_NAMES = {"month": _("Month"), "week": _("Week")}


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


# --- the manufacturer catalogue ------------------------------------------------------------

st.header(_("Manufacturers and their products"))
search, country_column, ownership_column, category_column = st.columns(4)
text = search.text_input(_("Search by name"), key="market_search")
ownership = ownership_column.selectbox(
    _("Ownership"), (None, *OWNERSHIPS), key="market_ownership",
    format_func=lambda value: _("All") if value is None else OWNERSHIP_NAMES[value])
try:
    found = manufacturers(engine, ownership=ownership, search=text or None)
    cards = [manufacturer_card(engine, manufacturer.address) for manufacturer in found]
except PlatformError as error:
    st.error(str(error))
    cards = []
countries = sorted({card.manufacturer.country for card in cards if card.manufacturer.country})
country = country_column.selectbox(_("Country"), (None, *countries), key="market_country",
                                   format_func=lambda value: _("All") if value is None else value)
category = category_column.selectbox(
    _("Product category"), (None, *CATEGORY_NAMES), key="market_category",
    format_func=lambda value: _("All") if value is None else CATEGORY_NAMES[value])

rows = []
shown = set()
for card in cards:
    maker = card.manufacturer
    if country is not None and maker.country != country:
        continue
    products = [product for product in card.products if category is None or product.category == category]
    if category is not None and not products:
        continue
    shown.add(maker.address)
    name = maker.name or _("(metadata {status})").format(status=maker.metadata_status)
    for product in products or [None]:
        rows.append({
            _("Manufacturer"): name,
            _("Country"): maker.country or "",
            _("Ownership"): OWNERSHIP_NAMES.get(maker.ownership, ""),
            _("Status"): maker.status,
            _("GTIN"): product.gtin if product else "",
            _("Product"): product.name if product else "",
            _("Category"): CATEGORY_NAMES.get(product.category, product.category) if product else "",
            _("Dosage form"): product.dosage_form if product else "",
            _("Active units"): product.batches.active_units if product else 0,
            _("Address"): maker.address,
        })
if rows:
    st.caption(_("{manufacturers} manufacturers, {products} products").format(
        manufacturers=format_number(len(shown)), products=format_number(sum(1 for row in rows if row[_("GTIN")]))))
    catalogue = pd.DataFrame(rows)
    st.dataframe(catalogue, hide_index=True, width="stretch")
    st.download_button(_("Download the catalogue (CSV)"), _csv(catalogue), file_name="manufacturers.csv",
                       mime="text/csv", key="market_catalogue_csv", icon=":material/download:")
else:
    st.info(_("No manufacturer matches."))

# --- prices over time ------------------------------------------------------------------------

st.header(_("Prices over time"))
st.caption(_("Unit prices from suppliers' quotes and from the winning bids of awarded tenders (the whole price "
             "over the quantity): the sources the market-price method averages for a maximum price."))
try:
    priced = priced_resources(engine)
except PlatformError as error:
    st.error(str(error))
    priced = {}
if not priced:
    st.info(_("No quote or awarded tender yet."))
else:
    priced_gtin = st.selectbox(_("Resource"), list(priced), key="market_price_resource",
                               format_func=lambda value: f"{priced[value]} ({value})" if priced[value] else value)
    history = pd.DataFrame(price_history(engine, priced_gtin))
    kinds = {"quote": _("Quote"), "tender": _("Awarded tender")}
    history["rubles"] = history["unit_price"] / 100
    history["kind_name"] = history["kind"].map(kinds)
    st.altair_chart(alt.Chart(history).mark_point(filled=True, size=80).encode(
        x=alt.X("day:T", title=_("Date")), y=alt.Y("rubles:Q", title=_("Unit price, ₽"), scale=alt.Scale(zero=False)),
        color=alt.Color("kind_name:N", title=_("Source")), shape=alt.Shape("kind_name:N", title=_("Source")),
        tooltip=[alt.Tooltip("day:T", title=_("Date")), alt.Tooltip("kind_name:N", title=_("Source")),
                 alt.Tooltip("source:N", title=_("Offered by")), alt.Tooltip("rubles:Q", title=_("Unit price, ₽"))],
    ), width="stretch")
    st.dataframe(pd.DataFrame({
        _("Date"): [format_date(day) for day in history["day"]],
        _("Source"): history["kind_name"],
        _("Offered by"): [_("tender {number}").format(number=source) if kind == "tender" else source
                    for kind, source in zip(history["kind"], history["source"])],
        _("Unit price"): [format_rubles(int(price)) for price in history["unit_price"]],
    }), hide_index=True, width="stretch")
    st.download_button(_("Download the prices (CSV)"),
                       _csv(history[["day", "kind", "source", "unit_price"]].rename(
                           columns={"unit_price": "unit_price_kopecks"})),
                       file_name=f"prices-{priced_gtin}.csv", mime="text/csv", key="market_prices_csv",
                       icon=":material/download:")

# --- needs against supply over time --------------------------------------------------------

st.header(_("Needs against supply over time"))
st.caption(_("Demand: units in the purchase requests and tenders hospitals publish. Supply: units made, and "
             "units delivered to hospitals. Periods are Moscow months or weeks."))
try:
    everything = supply_demand(engine)
except PlatformError as error:
    st.error(str(error))
    st.stop()
resources = {}
for row in everything:
    resources.setdefault(row["gtin"], row["product"])
if not resources:
    st.info(_("No demand or supply recorded yet."))
    st.stop()


def _resource_name(gtin: str) -> str:
    if gtin == SPECIFICATION_GTIN:
        return _("Tenders by specification")
    return f"{resources[gtin]} ({gtin})" if resources[gtin] else gtin


resource_column, period_column, start_column, end_column = st.columns(4)
gtin = resource_column.selectbox(_("Resource"), sorted(resources, key=_resource_name), key="market_resource",
                                 format_func=_resource_name)
period = period_column.selectbox(_("Period"), PERIODS, key="market_period", format_func=PERIOD_NAMES.__getitem__)
start = start_column.date_input(_("From"), value=None, min_value=EARLIEST, max_value=LATEST, key="market_start",
                                format="YYYY-MM-DD")
end = end_column.date_input(_("To"), value=None, min_value=EARLIEST, max_value=LATEST, key="market_end",
                            format="YYYY-MM-DD")
st.caption(_("Leave the dates empty to see every period with activity."))
try:
    figures = supply_demand(engine, period=period, start=start, end=end, gtins=[gtin])
except MarketError as error:
    st.error(str(error))
    st.stop()
if not figures:
    st.info(_("No demand or supply recorded yet."))
    st.stop()

labels = {"period": _("Period"), "demand": _("Demand"), "requested": _("Requested"), "tendered": _("Tendered"),
          "commissioned": _("Made"), "delivered": _("Delivered to hospitals")}
frame = pd.DataFrame(figures)
chart = frame.set_index("period")[["demand", "commissioned", "delivered"]].rename(columns=labels)
chart.index = pd.to_datetime(chart.index)
chart.index.name = labels["period"]
st.line_chart(chart, x_label=labels["period"], y_label=_("Units"))
table = frame[["period", "demand", "requested", "tendered", "commissioned", "delivered"]].copy()
table["period"] = [format_date(day) for day in table["period"]]
st.dataframe(table.rename(columns=labels), hide_index=True, width="stretch")
st.caption(_("{resource}: demand {demand} units, made {made}, delivered {delivered}, from {start} to {end}.").format(
    resource=plain(_resource_name(gtin)), demand=format_number(int(frame["demand"].sum())),
    made=format_number(int(frame["commissioned"].sum())), delivered=format_number(int(frame["delivered"].sum())),
    start=format_date(figures[0]["period"]), end=format_date(figures[-1]["period"])))
st.download_button(_("Download the table (CSV)"), _csv(frame[list(SUPPLY_DEMAND_COLUMNS)]),
                   file_name=f"supply-demand-{gtin}-{period}.csv", mime="text/csv", key="market_supply_csv",
                   icon=":material/download:")
