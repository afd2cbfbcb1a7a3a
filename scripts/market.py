"""The market, from the indexed database (run `ape run index` first): manufacturers and their
products, the needs hospitals publish, and supply against demand over time. No chain needed.

    ape run market manufacturers [--russian|--foreign] [--state|--private] [--search TEXT]
    ape run market manufacturer 0xADDRESS
    ape run market needs [--gtin 04607001120018]
    ape run market supply-demand [--period month|week] [--gtin 04607001120018] [--csv supply-demand.csv]
    ape run market prices --gtin 04607001120018 [--csv prices.csv]

Every command takes `--database URL` (default: MEDCHAIN_DATABASE_URL, else data/platform.db).
Names and characteristics come from the metadata documents, checked against their on-chain CID:
a missing or altered document is shown as such, never as valid.
"""

import csv
from datetime import UTC, datetime

import click

from dapp.cli.errors import platform_errors
from dapp.cli.database import (
    MOSCOW,
    database_option,
    open_indexed,
    organization_names,
    product_gtin,
    shorten,
    table,
    token_amount,
)
from dapp.errors import PlatformError
from dapp.i18n import _


@click.group(short_help="The market: manufacturers, published needs, supply against demand")
def cli():
    pass


def _resource(gtin: str) -> str:
    from dapp.reports.market import SPECIFICATION_GTIN

    return "specification" if gtin == SPECIFICATION_GTIN else gtin


def _day(timestamp: int | None) -> str:
    return "-" if timestamp is None else datetime.fromtimestamp(timestamp, UTC).date().isoformat()


@cli.command(short_help="Manufacturers, Russian or foreign, state or private")
@click.option("--russian", "origin", flag_value="russian", help="Only Russian manufacturers.")
@click.option("--foreign", "origin", flag_value="foreign", help="Only foreign manufacturers.")
@click.option("--state", "ownership", flag_value="state", help="Only state-owned manufacturers.")
@click.option("--private", "ownership", flag_value="private", help="Only private manufacturers.")
@click.option("--search", default=None, help="Text in the name, city, country, INN, OGRN or address.")
@database_option
@platform_errors
def manufacturers(origin, ownership, search, database_url):
    from dapp.reports.catalogue import manufacturers as find

    found = find(open_indexed(database_url), origin=origin, ownership=ownership, search=search)
    if not found:
        click.echo("No manufacturer matches.")
        return
    click.echo(table(
        ("Name", "Country", "Ownership", "Status", "Products", "Address"),
        [(shorten(m.name, 50) if m.name else f"(metadata {m.metadata_status})", m.country, m.ownership, m.status,
          m.product_count, m.address) for m in found], right=(4,)))
    click.echo(f"{len(found)} manufacturer{'' if len(found) == 1 else 's'}")


@cli.command(short_help="One manufacturer: its registration, products and batches")
@click.argument("address")
@database_option
@platform_errors
def manufacturer(address, database_url):
    from dapp.reports.catalogue import manufacturer_card

    card = manufacturer_card(open_indexed(database_url), address)
    m = card.manufacturer
    origin = {"russian": "Russian", "foreign": "foreign"}.get(m.origin, "unknown origin")
    rows = [
        ("name", m.name or f"- (metadata {m.metadata_status}: {m.metadata_problem})"),
        ("address", m.address),
        ("status", f"{m.status}; roles {', '.join(m.roles) or '-'}"),
        ("country", f"{m.country or '-'} ({origin}), {m.city or '-'}"),
        ("ownership", m.ownership or "-"),
        ("INN / OGRN", f"{m.inn or '-'} / {m.ogrn or '-'}"),
        ("licence", m.licence or "-"),
        ("metadata", f"{m.metadata_cid or '-'} ({m.metadata_status})"),
    ]
    for label, value in rows:
        click.echo(f"{label + ':':<12}{value}")
    if not card.products:
        click.echo("No product registered.")
        return
    click.echo(f"\n{len(card.products)} products:")
    click.echo(table(
        ("GTIN", "Product", "Category", "Form", "Batches", "Active", "Recalled", "Withdrawn", "Units",
         "Active units", "Earliest expiry", "Documents"),
        [(p.gtin, shorten(p.name, 40), p.category, shorten(p.dosage_form, 30), p.batches.batches, p.batches.active,
          p.batches.recalled, p.batches.withdrawn, p.batches.units, p.batches.active_units,
          _day(p.batches.earliest_active_expiry),
          f"characteristics {p.characteristics.status}, certificate {p.certificate.status}")
         for p in card.products], right=(4, 5, 6, 7, 8, 9)))


@cli.command(short_help="Needs published: purchase requests and open tenders")
@click.option("--gtin", default=None, help="Only this resource.")
@database_option
@platform_errors
def needs(gtin, database_url):
    from dapp.reports.market import needs as published_needs

    engine = open_indexed(database_url)
    found = published_needs(engine, gtin=product_gtin(engine, gtin) if gtin else None)
    if not found:
        click.echo("No need published" + (f" for {gtin}." if gtin else "."))
        return
    names = organization_names(engine)
    click.echo(table(
        ("Source", "Ref", "Organization", "Address", "GTIN", "Quantity", "Max unit price", "Max price", "Published",
         "Needed by"),
        [(n.source, n.reference, shorten(names.get(n.organization, "-"), 40), n.organization, _resource(n.gtin),
          n.quantity, token_amount(n.max_unit_price), token_amount(n.max_price), n.published_on, n.needed_by)
         for n in found],
        right=(1, 5, 6, 7)))
    click.echo(f"{len(found)} needs, {sum(n.quantity for n in found)} units")


SUPPLY_DEMAND_COLUMNS = ("period", "gtin", "product", "demand", "requested", "tendered", "commissioned", "delivered")


PRICE_COLUMNS = ("day", "kind", "source", "unit_price_kopecks")


@cli.command(short_help="Unit prices over time: quotes and awarded tenders")
@click.option("--gtin", required=True, help="The resource (GTIN-14, or any GTIN form).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the prices to this CSV file (UTF-8), in kopecks.")
@database_option
@platform_errors
def prices(gtin, csv_path, database_url):
    from dapp.reports.market import price_history

    engine = open_indexed(database_url)
    gtin = product_gtin(engine, gtin)
    rows = price_history(engine, gtin, time_zone=MOSCOW)
    if not rows:
        click.echo(f"No quote or awarded tender for {gtin} yet.")
    else:
        click.echo(f"Unit prices of {gtin}: suppliers' quotes and awarded tenders "
                   f"(the winning price over the quantity), by day ({MOSCOW}):")
        click.echo(table(("Day", "Source", "From", "Unit price"),
                         [(row["day"].isoformat(), row["kind"],
                           f"tender {row['source']}" if row["kind"] == "tender" else shorten(row["source"], 40),
                           token_amount(row["unit_price"])) for row in rows], right=(3,)))
    if csv_path:
        _write_csv(csv_path, PRICE_COLUMNS, [(row["day"].isoformat(), row["kind"], row["source"], row["unit_price"])
                                             for row in rows])


def _write_csv(csv_path: str, header: tuple, rows: list) -> None:
    try:
        with open(csv_path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as error:
        raise PlatformError(_("cannot write {csv_path}: {error}").format(csv_path=csv_path,
                                                                       error=error.strerror or error)) from None
    click.echo(f"CSV written to {csv_path}")


@cli.command("supply-demand", short_help="Demand published against supply, per month or week and resource")
@click.option("--period", type=click.Choice(["month", "week"]), default="month", show_default=True)
@click.option("--gtin", default=None, help="Only this resource.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the table to this CSV file (UTF-8).")
@database_option
@platform_errors
def supply_demand(period, gtin, csv_path, database_url):
    from dapp.reports.market import supply_demand as figures

    engine = open_indexed(database_url)
    rows = figures(engine, period=period, time_zone=MOSCOW, gtins=[product_gtin(engine, gtin)] if gtin else None)
    if not rows:
        click.echo("No demand or supply recorded yet.")
    else:
        click.echo(f"Demand (units requested and tendered) against supply (units made, units delivered to hospitals) "
                   f"per {period} ({MOSCOW}):")
        click.echo(table(("Period", "GTIN", "Product", "Demand", "Requested", "Tendered", "Commissioned", "Delivered"),
                         [(r["period"], _resource(r["gtin"]), shorten(r["product"], 40), r["demand"], r["requested"],
                           r["tendered"], r["commissioned"], r["delivered"]) for r in rows], right=(3, 4, 5, 6, 7)))
    if csv_path:
        _write_csv(csv_path, SUPPLY_DEMAND_COLUMNS, [[row[column] for column in SUPPLY_DEMAND_COLUMNS] for row in rows])
