"""The Market page on the seeded demo chain, indexed into its data folder's database with the
demo's local norms and quotes: the catalogue and its filters, needs against supply, errors, Russian."""

from datetime import date

import pytest

from dapp.demo import world as demo
from dapp.roles import Role


@pytest.fixture
def market(indexed_demo, create_app):
    def market(language="en"):
        return create_app(page="market", language=language)

    return market


def manufacturers_shown(app):
    return set(app.dataframe[0].value["Manufacturer"])


def demo_manufacturers():
    return {o.name for o in demo.ORGANIZATIONS if o.roles & Role.MANUFACTURER}


def test_catalogue__demo__lists_the_manufacturers_with_their_products(market):
    app = market()
    shown = manufacturers_shown(app)
    assert shown == demo_manufacturers()
    products = set(app.dataframe[0].value["GTIN"])
    assert demo.METFORMIN in products
    assert any(button.label == "Download the catalogue (CSV)" for button in app.get("download_button"))


def test_catalogue__search_and_filters__narrow_the_list(market):
    app = market()
    everyone = manufacturers_shown(app)
    one = sorted(everyone)[0]
    app.text_input(key="market_search").input(one[:6]).run()
    assert one in manufacturers_shown(app) and len(manufacturers_shown(app)) <= len(everyone)
    app.text_input(key="market_search").input("no such manufacturer").run()
    assert "No manufacturer matches." in [i.value for i in app.info]
    assert all("Manufacturer" not in frame.value.columns for frame in app.dataframe)
    app.text_input(key="market_search").input("").run()
    app.selectbox(key="market_category").set_value("device").run()
    devices = app.dataframe[0].value
    assert set(devices["Category"]) == {"Medical device"}
    assert demo.METFORMIN not in set(devices["GTIN"])
    app.selectbox(key="market_category").set_value(None)
    app.selectbox(key="market_ownership").set_value("state").run()
    assert set(app.dataframe[0].value["Ownership"]) == {"State-owned"}
    assert manufacturers_shown(app) < everyone


def test_supply_demand__demo_product__chart_table_and_csv(market):
    app = market()
    app.selectbox(key="market_resource").set_value(demo.METFORMIN).run()
    assert not app.exception and not app.error
    assert app.get("vega_lite_chart")
    table = app.dataframe[2].value
    assert list(table.columns) == ["Period", "Demand", "Requested", "Tendered", "Made", "Delivered to hospitals"]
    assert table["Demand"].sum() > 0 and table["Made"].sum() > 0
    assert any(button.label == "Download the table (CSV)" for button in app.get("download_button"))
    app.selectbox(key="market_period").set_value("week").run()
    assert len(app.dataframe[2].value) > len(table)


def test_prices__metformin__quotes_and_the_awarded_tender_chart_table_and_csv(market):
    app = market()
    app.selectbox(key="market_price_resource").set_value(demo.METFORMIN).run()
    assert not app.exception and not app.error
    table = app.dataframe[1].value
    assert list(table.columns) == ["Date", "Source", "Offered by", "Unit price"]
    assert list(table["Source"]).count("Quote") == 3 and list(table["Source"]).count("Awarded tender") >= 1
    assert all(price.startswith("RUB") for price in table["Unit price"])
    csv = next(button for button in app.get("download_button") if button.proto.label == "Download the prices (CSV)")
    assert csv is not None


@pytest.mark.parametrize("start, end, words", [
    (date(2026, 5, 1), date(2026, 1, 1), "before it starts"),
    (date(2000, 1, 1), date(2100, 1, 1), "narrow the range or use months"),
])
def test_supply_demand__bad_range__error_in_words(market, start, end, words):
    app = market()
    app.selectbox(key="market_period").set_value("week")
    app.date_input(key="market_start").set_value(start)
    app.date_input(key="market_end").set_value(end).run()
    assert not app.exception
    assert any(words in error.value for error in app.error), [e.value for e in app.error]


def test_market__in_russian__russian_texts(market):
    app = market(language="ru")
    assert app.title[0].value == "Рынок"
    assert "Производитель" in app.dataframe[0].value.columns
    assert [h.value for h in app.header] == ["Производители и их продукция", "Цены во времени",
                                             "Потребности и предложение во времени"]
    assert list(app.dataframe[1].value.columns) == ["Дата", "Источник", "Предложил", "Цена за единицу"]
