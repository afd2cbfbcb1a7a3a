"""`ape run stock ...` and `ape run market ...` on anvil: the demo world deployed, seeded and
indexed once, the demo's local data (norms, quotes) added, then every command a hospital,
pharmacy, distributor or regulator types, with its figures, errors, files, and a purchase
request published as an on-chain tender."""

import csv
import re
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from dapp.demo import world as demo
from dapp.records.engine import open_database
from dapp.records.models import Movement, PriceQuote
from dapp.paths import PROJECT_ROOT
from dapp.reports.turnover import Quarter
from tests.fixtures.anvil import ape_run

MOSCOW = ZoneInfo("Europe/Moscow")


def db_run(arguments, env, expect_success=True):
    """`ape run <arguments>` with no network option: the commands that only read the database."""
    result = subprocess.run(["ape", "run", *arguments], check=False, env=env, cwd=PROJECT_ROOT,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert (result.returncode == 0) == expect_success, output
    assert "Traceback" not in output, output
    return output


def local_demo(env):
    result = subprocess.run([sys.executable, "-m", "dapp.demo.local_data"], check=False, env=env, cwd=PROJECT_ROOT,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def squeezed(text):
    """`text` with runs of spaces made one: table rows compared without their padding."""
    return re.sub(r" +", " ", text)


@pytest.fixture(scope="module")
def cli_world(anvil_chain):
    """Deployed, seeded, indexed (`ape run index`), with the demo's norms and quotes."""
    w3, env = anvil_chain
    ape_run(["deploy"], env)
    ape_run(["seed"], env)
    ape_run(["index"], env, account=None)
    first_run = local_demo(env)
    addresses = {o.key: w3.eth.accounts[o.account_index] for o in demo.ORGANIZATIONS}
    return w3, env, addresses, first_run


@pytest.fixture(scope="module")
def cli_engine(cli_world):
    _, env, _, _ = cli_world
    return open_database(f"sqlite:///{env['MEDCHAIN_DATA']}/platform.db")


def org(cli_world, key, lower=False):
    address = cli_world[2][key]
    return address.lower() if lower else address


# --- local demo data ------------------------------------------------------------------------------


def test_local_demo__second_run__adds_nothing(cli_world):
    _, env, _, first_run = cli_world

    again = local_demo(env)

    assert "8 reserve norms and 9 price quotes added (0 and 0 already there)" in first_run
    assert "0 reserve norms and 0 price quotes added (8 and 9 already there)" in again


def test_local_demo__database_without_the_index__clear_error(cli_world, tmp_path):
    _, env, _, _ = cli_world
    result = subprocess.run([sys.executable, "-m", "dapp.demo.local_data", "--database", f"sqlite:///{tmp_path}/empty.db"],
                            check=False, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)

    assert result.returncode == 1
    assert "run `ape run seed` and `ape run index` first" in result.stderr


# --- stock ----------------------------------------------------------------------------------------


def test_show__hospital__per_product_and_batches_first_expired_first_out(cli_world):
    _, env, _, _ = cli_world

    output = squeezed(db_run(["stock", "show", "--org", org(cli_world, "gkb1", lower=True)], env))

    assert f"Stock of {demo.organization('gkb1').name} ({org(cli_world, 'gkb1')})" in output
    assert f"{demo.METFORMIN} Метформин (Metformin) 130 0 0 130" in output
    assert f"{demo.SYRINGE} Шприц инъекционный однократного применения трех… 299 0 0 299" in output
    batches = output.split("Per batch")[1]
    assert batches.index("MF2406") < batches.index("SY24031")  # metformin expires first
    assert re.search(r"MF2406 \d{4}-\d\d-\d\d \d+ active 130", batches)


def test_show__organization_holding_nothing__says_so(cli_world):
    _, env, _, _ = cli_world

    assert "Nothing in stock." in db_run(["stock", "show", "--org", org(cli_world, "regulator")], env)


@pytest.mark.parametrize("key, section, lot, units", [
    ("rkb", "Expired (do not use; write off): 50 units", "PC2312", 50),
    ("immuno", "Expiring within 30 days: 60 units", "IG0124", 60),
    ("volga", "Expiring within 90 days: 120 units", "MF2311", 120),
    ("centrpharm", "Recalled or withdrawn (never usable; return or destroy): 60 units", "AM2402", 60),
])
def test_alerts__each_kind__listed_with_its_batch(cli_world, key, section, lot, units):
    _, env, _, _ = cli_world

    output = squeezed(db_run(["stock", "alerts", "--org", org(cli_world, key)], env))

    assert section in output
    assert re.search(rf"{lot} \d{{4}}-\d\d-\d\d -?\d+ \w+ {units}", output), output


def test_alerts__nothing_to_report__says_so(cli_world):
    _, env, _, _ = cli_world

    assert "No alerts" in db_run(["stock", "alerts", "--org", org(cli_world, "gkb1")], env)


def test_reserves__hospital__below_norm_and_below_emergency_reserve(cli_world):
    _, env, _, _ = cli_world

    output = squeezed(db_run(["stock", "reserves", "--org", org(cli_world, "gkb1")], env))

    assert f"{demo.METFORMIN} Метформин (Metformin) 130 50 200 below the norm" in output
    assert f"{demo.INSULIN_GLARGINE} Инсулин гларгин (Insulin glargine) 0 10 20 BELOW THE EMERGENCY RESERVE" in output
    assert re.search(rf"{demo.SYRINGE} .* 299 50 150 ok", output)
    assert "2 of 3 resources below their norm, 1 below the emergency reserve." in output


def test_reserves__no_norms__says_how_to_add_them(cli_world):
    _, env, _, _ = cli_world

    assert "No norms set: add them with `ape run stock norm set`." in db_run(
        ["stock", "reserves", "--org", org(cli_world, "sibmed")], env)


@pytest.mark.parametrize("arguments, message", [
    (["--org", "0x1234"], "--org '0x1234' is not an Ethereum address"),
    (["--org", "0x" + "12" * 20], f"0x{'12' * 20} is not a registered organization in the database"),
])
def test_stock_commands__bad_org__clear_error(cli_world, arguments, message):
    _, env, _, _ = cli_world

    output = db_run(["stock", "show", *arguments], env, expect_success=False)

    assert f"Error: {message}" in output


# --- norms ----------------------------------------------------------------------------------------


def test_norm_set__new_then_changed__listed(cli_world):
    _, env, _, _ = cli_world
    distributor = org(cli_world, "centrpharm", lower=True)
    gtin13 = demo.METFORMIN.lstrip("0")

    first = db_run(["stock", "norm", "set", "--org", distributor, "--gtin", gtin13, "--minimum", "100",
                    "--reserve", "20", "--lead-days", "10"], env)
    second = db_run(["stock", "norm", "set", "--org", distributor, "--gtin", demo.METFORMIN, "--minimum", "100",
                     "--reserve", "25", "--lead-days", "10"], env)
    listed = squeezed(db_run(["stock", "norm", "list", "--org", distributor], env))

    assert (f"Norm set for {demo.METFORMIN} at {org(cli_world, 'centrpharm')}: minimum balance 100, "
            "emergency reserve 20") in first
    assert "Norm changed" in second and "emergency reserve 25, lead time 10 days" in second
    assert f"{demo.METFORMIN} Метформин (Metformin) 100 25 10" in listed


@pytest.mark.parametrize("gtin, message", [
    ("04607001120019", "check digit should be 8"),
    ("04607001120087", "no product with GTIN 04607001120087 is registered"),
])
def test_norm_set__bad_gtin__clear_error(cli_world, gtin, message):
    _, env, _, _ = cli_world

    output = db_run(["stock", "norm", "set", "--org", org(cli_world, "gkb1"), "--gtin", gtin, "--minimum", "5"], env,
                    expect_success=False)

    assert message in output


def test_norm_list__demo_pharmacy__its_two_norms(cli_world):
    _, env, _, _ = cli_world

    output = squeezed(db_run(["stock", "norm", "list", "--org", org(cli_world, "pharmacy12")], env))

    assert f"{demo.AMOXICILLIN} Амоксициллин (Amoxicillin) 60 10 14" in output
    assert f"{demo.METFORMIN} Метформин (Metformin) 40 10 7" in output


# --- turnover -------------------------------------------------------------------------------------


def movement_quarters(cli_engine, organization):
    with cli_engine.connect() as connection:
        first, last = connection.execute(select(func.min(Movement.timestamp), func.max(Movement.timestamp))
                                         .where(Movement.organization == organization)).one()
    return [Quarter(day.year, (day.month - 1) // 3 + 1)
            for day in (datetime.fromtimestamp(t, MOSCOW).date() for t in (first, last))]


def test_turnover__hospital__table_csv_and_pdf_with_the_97_percent_flags(cli_world, cli_engine, tmp_path):
    _, env, _, _ = cli_world
    first, last = movement_quarters(cli_engine, org(cli_world, "gkb1"))
    if first != last:
        pytest.skip(f"the seed's movements span two quarters ({first}, {last}): the figures below are per quarter")
    quarter = f"{last.year}Q{last.number}"
    csv_path, pdf_path = tmp_path / "turnover.csv", tmp_path / "turnover.pdf"

    output = squeezed(db_run(["stock", "turnover", "--org", org(cli_world, "gkb1"), "--quarter", quarter,
                              "--csv", str(csv_path), "--pdf", str(pdf_path), "--tz", "Europe/Moscow"], env))

    # opening, receipts, shipped, consumed, written off, closing, use/day, days of cover, lowest, norm, ratio, rule
    assert f"{demo.METFORMIN} Метформин (Metformin) 0 140 0 10 0 130 0.11 1196.00 0 200 0.0000 BELOW" in output
    assert f"{demo.SYRINGE} Шприц инъекционный однократно… 0 300 0 0 1 299 0.00 - 0 150 0.0000 BELOW" in output
    assert "3 resources; below the 97 % rule: 3" in output
    rows = {row["gtin"]: row for row in csv.DictReader(csv_path.read_text(encoding="utf-8").splitlines())}
    assert set(rows) == {demo.METFORMIN, demo.SYRINGE, demo.INSULIN_GLARGINE}
    metformin = rows[demo.METFORMIN]
    assert (metformin["quarter"], metformin["receipts"], metformin["consumption"], metformin["closing_stock"],
            metformin["minimum_balance"], metformin["below_97_percent"]) == (quarter, "140", "10", "130", "200", "yes")
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert f"CSV written to {csv_path}" in output and f"PDF written to {pdf_path}" in output


def test_turnover__organization_without_norms__nothing_flagged(cli_world, cli_engine):
    _, env, _, _ = cli_world
    last = movement_quarters(cli_engine, org(cli_world, "sibmed"))[1]

    output = squeezed(db_run(["stock", "turnover", "--org", org(cli_world, "sibmed"),
                              "--quarter", f"{last.year}-Q{last.number}"], env))

    assert re.search(rf"{demo.INSULIN_ASPART} .* 0\.00 - \d+ - - -$", output, re.MULTILINE), output
    assert "below the 97 % rule: 0" in output


@pytest.mark.parametrize("arguments, message", [
    (["--quarter", "2026Q5"], "a quarter is numbered 1 to 4, not 5"),
    (["--quarter", "Q3"], "'Q3' is not a quarter: write it like 2026Q1"),
    (["--quarter", "2026Q3", "--tz", "Mars/Olympus"], "'Mars/Olympus' is not a time zone"),
    (["--quarter", "2026Q3", "--csv", "/nonexistent-folder/report.csv"], "cannot write /nonexistent-folder/report.csv"),
])
def test_turnover__bad_input__clear_error(cli_world, arguments, message):
    _, env, _, _ = cli_world

    output = db_run(["stock", "turnover", "--org", org(cli_world, "gkb1"), *arguments], env, expect_success=False)

    assert f"Error: {message}" in output


# --- planning, quotes, requests -------------------------------------------------------------------


def test_plan__demo__priced_too_few_sources_and_too_spread(cli_world):
    _, env, _, _ = cli_world

    hospital = squeezed(db_run(["stock", "plan", "--org", org(cli_world, "gkb1")], env))
    pharmacy = squeezed(db_run(["stock", "plan", "--org", org(cli_world, "pharmacy12")], env))
    requests = db_run(["stock", "request", "list", "--org", org(cli_world, "gkb1")], env)

    metformin = hospital.split(demo.METFORMIN)[1].split("\n\n")[0]
    # 305.00, 298.50, 312.00 quoted and 290.00 a unit in the completed tender: mean 301.375.
    assert "usable 130, use 0.11/day, lead time 30 days, projected at delivery 126.7" in metformin
    assert "order 84 units" in metformin
    assert ("maximum unit price: 301.38 RUB (market-price method: mean of 4 sources (3 quotes, 1 awarded tenders), "
            "CV 3.1 %); maximum price 25,315.92 RUB") in metformin
    glargine = hospital.split(demo.INSULIN_GLARGINE)[1]
    assert "order 20 units" in glargine
    assert "maximum unit price: none - only 2 price sources (need at least 3)" in glargine
    assert demo.SYRINGE not in hospital  # well above its norm
    assert f"{demo.AMOXICILLIN} Амоксициллин (Amoxicillin)" in pharmacy
    assert "maximum unit price: none - prices vary too much: CV 47.9 % > 33 %" in pharmacy
    assert "Not saved: run again with --save" in hospital
    assert "No open purchase request" in requests


def test_quote_add__rubles_in__kopecks_stored(cli_world, cli_engine):
    _, env, _, _ = cli_world
    day = date.today().replace(day=1).isoformat()

    output = db_run(["stock", "quote", "add", "--gtin", demo.OMEPRAZOLE, "--supplier", "ООО «Фарм-Юг»",
                     "--price", "119,50", "--date", day], env)

    quote_id = int(re.search(r"Quote (\d+) recorded", output).group(1))
    assert f"{demo.OMEPRAZOLE} at 119.50 RUB a unit from ООО «Фарм-Юг», {day}" in output
    with cli_engine.connect() as connection:
        stored = connection.execute(select(PriceQuote).where(PriceQuote.id == quote_id)).one()
    assert (stored.gtin, stored.supplier, stored.unit_price, stored.quoted_on.isoformat()) == (
        demo.OMEPRAZOLE, "ООО «Фарм-Юг»", 11950, day)


@pytest.mark.parametrize("arguments, message", [
    (["--price", "1.234"], "--price '1.234' has fractions of a kopeck"),
    (["--price", "много"], "--price 'много' is not an amount in rubles"),
    (["--price", "10", "--date", "2026-13-01"], "--date '2026-13-01' is not a date of the form YYYY-MM-DD"),
    (["--price", "10", "--date", "2999-01-01"], "--date 2999-01-01 is in the future"),
])
def test_quote_add__bad_input__clear_error(cli_world, arguments, message):
    _, env, _, _ = cli_world

    output = db_run(["stock", "quote", "add", "--gtin", demo.OMEPRAZOLE, "--supplier", "X", *arguments], env,
                    expect_success=False)

    assert f"Error: {message}" in output


def saved_requests(output):
    """{GTIN: request id} from `stock plan --save`."""
    return {gtin: int(number) for number, gtin in re.findall(r"purchase request (\d+): (\d{14})", output)}


def test_request_publish__hospital__tender_on_chain_and_in_the_market(cli_world):
    _, env, _, _ = cli_world
    saved = saved_requests(db_run(["stock", "plan", "--org", org(cli_world, "gkb1"), "--save"], env))
    request_id = saved[demo.METFORMIN]

    published = ape_run(["stock", "request", "publish", str(request_id)], env, account="TEST::7")

    tender_id = int(re.search(rf"Tender (\d+) published for purchase request {request_id}: 84 units of "
                              rf"{demo.METFORMIN}, maximum price 25,315.92 RUB held in escrow", published).group(1))
    shown = ape_run(["tenders", "show", str(tender_id)], env, account=None)
    assert f"tender: {tender_id}: bidding" in squeezed(shown)
    assert f"GTIN {demo.METFORMIN}" in shown and "25,315.92 RUB" in shown
    assert demo.organization("gkb1").name in shown
    listed = squeezed(db_run(["stock", "request", "list", "--org", org(cli_world, "gkb1")], env))
    assert f"{request_id} {demo.METFORMIN} 84 301.38 RUB" in listed and f"tendered (tender {tender_id})" in listed
    twice = ape_run(["stock", "request", "publish", str(request_id)], env, account="TEST::7", expect_success=False)
    assert f"Error: purchase request {request_id} is tendered (tender {tender_id})" in twice
    ape_run(["index"], env, account=None)
    needs = squeezed(db_run(["market", "needs", "--gtin", demo.METFORMIN], env))
    assert re.search(rf"tender {tender_id} .* {org(cli_world, 'gkb1')} {demo.METFORMIN} 84 301.38 RUB 25,315.92 RUB", needs)


def test_request_publish__no_price_or_unknown_or_someone_elses__clear_errors(cli_world):
    _, env, _, _ = cli_world
    db_run(["stock", "plan", "--org", org(cli_world, "gkb1"), "--save"], env)
    listed = db_run(["stock", "request", "list", "--org", org(cli_world, "gkb1")], env)
    glargine = int(re.search(rf"^\s*(\d+)\s+{demo.INSULIN_GLARGINE}", listed, re.MULTILINE).group(1))
    manufacturer = org(cli_world, "immuno")
    db_run(["stock", "norm", "set", "--org", manufacturer, "--gtin", demo.METFORMIN, "--minimum", "10"], env)
    theirs = saved_requests(db_run(["stock", "plan", "--org", manufacturer, "--save"], env))[demo.METFORMIN]

    no_price = ape_run(["stock", "request", "publish", str(glargine)], env, account="TEST::7", expect_success=False)
    unknown = ape_run(["stock", "request", "publish", "999"], env, account="TEST::7", expect_success=False)
    foreign = ape_run(["stock", "request", "publish", str(theirs)], env, account="TEST::8", expect_success=False)

    assert (f"Error: purchase request {glargine} has no maximum price (only 2 price sources (need at least 3)); "
            "add price quotes") in no_price
    assert "Error: there is no purchase request 999" in unknown
    assert f"Error: purchase request {theirs} is {manufacturer}'s; {org(cli_world, 'rkb')} cannot tender it" in foreign


def test_request_publish__not_a_medical_organization__refused_with_the_decoded_reason(cli_world):
    _, env, _, _ = cli_world
    distributor = org(cli_world, "centrpharm")
    db_run(["stock", "norm", "set", "--org", distributor, "--gtin", demo.METFORMIN, "--minimum", "100",
            "--reserve", "25", "--lead-days", "10"], env)
    request_id = saved_requests(db_run(["stock", "plan", "--org", distributor, "--save"], env))[demo.METFORMIN]

    output = ape_run(["stock", "request", "publish", str(request_id)], env, account="TEST::5", expect_success=False)

    assert (f"refused by the contract: {distributor} is not an active medical organization: a regulator must "
            "approve it in that role") in output
    assert "(ParticipantNotActive)" in output


def test_request_withdraw__published_then_again__second_refused(cli_world):
    _, env, _, _ = cli_world
    plan = db_run(["stock", "plan", "--org", org(cli_world, "pharmacy12"), "--save"], env)
    request_id = saved_requests(plan)[demo.AMOXICILLIN]

    withdrawn = db_run(["stock", "request", "withdraw", str(request_id)], env)
    again = db_run(["stock", "request", "withdraw", str(request_id)], env, expect_success=False)
    replanned = saved_requests(db_run(["stock", "plan", "--org", org(cli_world, "pharmacy12"), "--save"], env))

    assert f"Purchase request {request_id} withdrawn" in withdrawn
    assert f"Error: purchase request {request_id} is withdrawn" in again
    assert replanned[demo.AMOXICILLIN] > request_id


# --- market ---------------------------------------------------------------------------------------


def test_manufacturers__all_and_filtered(cli_world):
    _, env, _, _ = cli_world

    every = db_run(["market", "manufacturers"], env)
    russian_state = db_run(["market", "manufacturers", "--russian", "--state"], env)
    foreign = db_run(["market", "manufacturers", "--foreign"], env)
    searched = db_run(["market", "manufacturers", "--search", "самара"], env)

    assert "5 manufacturers" in every
    assert re.search(rf"ООО «Фармсинтез-Юг» +RU +private +suspended +1 +{org(cli_world, 'farmsintez')}", every)
    assert "ФГУП «НПО Иммунопрепарат»" in russian_state and "1 manufacturer" in russian_state
    assert "Nordisk Insulin A/S" in foreign and "Melsungen Medical GmbH" in foreign and "2 manufacturers" in foreign
    assert "Волжская" not in foreign
    assert "АО «Волжская фармацевтическая компания»" in searched and "1 manufacturer" in searched


def test_manufacturer__card_with_products_and_batches(cli_world):
    _, env, _, _ = cli_world

    output = squeezed(db_run(["market", "manufacturer", org(cli_world, "nordisk", lower=True)], env))

    assert "name: Nordisk Insulin A/S" in output
    assert "country: DK (foreign), Bagsværd" in output
    assert "2 products:" in output
    assert re.search(rf"{demo.INSULIN_ASPART} Инсулин аспарт \(Insulin aspart\) drug .* 2 2 0 0 150 150 "
                     r"\d{4}-\d\d-\d\d characteristics verified, certificate verified", output), output


@pytest.mark.parametrize("address, message", [
    ("0xzz", "'0xzz' is not an Ethereum address"),
    ("gkb1", "is not a registered manufacturer"),
])
def test_manufacturer__bad_address__clear_error(cli_world, address, message):
    _, env, _, _ = cli_world
    address = org(cli_world, "gkb1") if address == "gkb1" else address

    assert message in db_run(["market", "manufacturer", address], env, expect_success=False)


def test_needs__open_demo_tenders_listed(cli_world):
    _, env, _, _ = cli_world

    every = squeezed(db_run(["market", "needs"], env))
    enoxaparin = squeezed(db_run(["market", "needs", "--gtin", demo.ENOXAPARIN], env))

    assert re.search(rf"tender \d+ .* {org(cli_world, 'rkb')} specification 120 720.00 RUB 86,400.00 RUB", every)
    assert re.search(rf"tender \d+ .* {org(cli_world, 'gkb1')} {demo.ENOXAPARIN} 40 3,300.00 RUB 132,000.00 RUB",
                     enoxaparin)
    assert "1 needs, 40 units" in enoxaparin


def test_supply_demand__table_and_csv(cli_world, tmp_path):
    _, env, _, _ = cli_world
    path = tmp_path / "supply-demand.csv"

    output = db_run(["market", "supply-demand", "--csv", str(path)], env)
    weekly = db_run(["market", "supply-demand", "--period", "week", "--gtin", demo.METFORMIN], env)

    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    metformin = [row for row in rows if row["gtin"] == demo.METFORMIN]
    assert list(rows[0]) == ["period", "gtin", "product", "demand", "requested", "tendered", "commissioned",
                             "delivered"]
    assert sum(int(row["commissioned"]) for row in metformin) == 300 + 200 + 120  # the three demo batches
    assert sum(int(row["delivered"]) for row in metformin) == 80 + 60  # to ГКБ № 1: a shipment and the tender
    assert all(row["period"].endswith("-01") for row in rows)
    assert "per month (Europe/Moscow)" in output and f"CSV written to {path}" in output
    assert "per week" in weekly and {line.split()[1] for line in weekly.splitlines()[3:] if line.strip()} == {
        demo.METFORMIN}


def test_prices__metformin__quotes_and_the_awarded_tender_table_and_csv(cli_world, tmp_path):
    _, env, _, _ = cli_world
    path = tmp_path / "prices.csv"

    output = db_run(["market", "prices", "--gtin", demo.METFORMIN, "--csv", str(path)], env)

    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == ["day", "kind", "source", "unit_price_kopecks"]
    assert [row["kind"] for row in rows].count("quote") == 3
    assert [row["kind"] for row in rows].count("tender") >= 1
    assert [row["day"] for row in rows] == sorted(row["day"] for row in rows)
    assert f"Unit prices of {demo.METFORMIN}" in output and f"CSV written to {path}" in output
    assert len(re.findall(r"\d RUB", output)) == len(rows)


@pytest.mark.parametrize("gtin, message", [
    ("04600000000008", "no product with GTIN 04600000000008 is registered"),
    ("04600000000000", "check digit should be 8"),
])
def test_prices__unknown_or_malformed_gtin__clear_error(cli_world, gtin, message):
    _, env, _, _ = cli_world

    output = db_run(["market", "prices", "--gtin", gtin], env, expect_success=False)

    assert message in output


def test_supply_demand__unknown_period__usage_error(cli_world):
    _, env, _, _ = cli_world

    output = db_run(["market", "supply-demand", "--period", "day"], env, expect_success=False)

    assert "'day' is not one of 'month', 'week'" in output
