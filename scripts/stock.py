"""Stock, reserves, turnover and purchases of one organization (hospital, pharmacy, distributor),
from the indexed database (run `ape run index` first). Only `request publish` needs the chain.

    ape run stock show --org 0xADDRESS                  # per product and batch, first-expired-first-out
    ape run stock alerts --org 0xADDRESS                # expired, < 30 days, < 90 days, recalled/withdrawn
    ape run stock reserves --org 0xADDRESS              # usable stock against the emergency reserve and the norm
    ape run stock norm set --org 0xADDRESS --gtin 04607001120018 --minimum 200 --reserve 50 --lead-days 30
    ape run stock norm list --org 0xADDRESS
    ape run stock turnover --org 0xADDRESS --quarter 2026Q3 [--csv report.csv] [--pdf report.pdf]
    ape run stock plan --org 0xADDRESS [--save]         # purchases to start now, with their maximum price
    ape run stock quote add --gtin 04607001120018 --supplier "АО «СибМедСнаб»" --price 305.50 --date 2026-07-01
    ape run stock request list --org 0xADDRESS
    ape run stock request withdraw 3                    # e.g. to plan it again once prices are known
    ape run stock request publish 3 --network ethereum:local:foundry --account HOSPITAL

"Now" is the wall clock, or the last indexed block's time when the chain's clock is ahead (a
development chain moved forward). Every command takes `--database URL` (default:
MEDCHAIN_DATABASE_URL, else data/platform.db).
"""

from datetime import UTC, date, datetime

import click
from ape.cli import ConnectedProviderCommand, account_option
from sqlalchemy import insert, select, update

from dapp.cli.errors import platform_errors
from dapp.cli.database import (
    MOSCOW,
    database_option,
    described,
    index_now,
    local_day,
    local_moment,
    open_indexed,
    organization_address,
    organization_names,
    product_gtin,
    shorten,
    table,
    token_amount,
)
from dapp.records.models import PriceQuote, Product, PurchaseRequest, ReserveNorm
from dapp.errors import PlatformError
from dapp.reports.inventory import (
    ExpiryAlert,
    ReserveLevel,
    holdings,
    product_stock,
    reserve_levels,
)
from dapp.inputs.tenders import parse_rubles
from dapp.i18n import _

org_option = click.option("--org", "organization", required=True, metavar="ADDRESS",
                          help="The organization's address (checksummed or not).")
ALERT_TEXT = {ExpiryAlert.EXPIRED: "EXPIRED", ExpiryAlert.UNDER_30_DAYS: "expires in < 30 days",
              ExpiryAlert.UNDER_90_DAYS: "expires in < 90 days"}
LEVEL_TEXT = {ReserveLevel.BELOW_RESERVE: "BELOW THE EMERGENCY RESERVE", ReserveLevel.BELOW_NORM: "below the norm",
              ReserveLevel.OK: "ok"}


@click.group(short_help="Stock, reserves, turnover reports and purchase planning of an organization")
def cli():
    pass


def _open(database_url, organization):
    engine = open_indexed(database_url)
    return engine, organization_address(engine, organization)


def _header(engine, organization: str, what: str, at: int) -> None:
    click.echo(f"{what} of {described(organization, organization_names(engine))} at {local_moment(at)}")


def _expiry_day(expires: int | None) -> str:
    # `expires` is the last second of the last valid day, in UTC (dapp.inputs.registry.parse_day).
    return "-" if expires is None else datetime.fromtimestamp(expires, UTC).date().isoformat()


def _batch_rows(found):
    return [(h.gtin, shorten(h.name, 36), h.lot or h.batch_id[:10], _expiry_day(h.expires),
             "-" if h.days_left is None else h.days_left, h.status, h.quantity,
             ALERT_TEXT.get(h.alert, "") if not h.blocked else h.status.upper()) for h in found]


BATCH_HEADINGS = ("GTIN", "Product", "Lot", "Expires", "Days left", "Status", "Units", "Alert")


# --- stock ------------------------------------------------------------------------------------


@cli.command(short_help="Stock per product and per batch, first-expired-first-out, with expiry alerts")
@org_option
@database_option
@platform_errors
def show(organization, database_url):
    engine, organization = _open(database_url, organization)
    at = index_now(engine)
    _header(engine, organization, "Stock", at)
    products = product_stock(engine, organization, at)
    if not products:
        click.echo("Nothing in stock.")
        return
    click.echo("\nPer product:")
    click.echo(table(("GTIN", "Product", "Usable", "Expired", "Recalled/withdrawn", "Total"),
                     [(p.gtin, shorten(p.name, 48), p.usable, p.expired, p.blocked, p.total) for p in products],
                     right=(2, 3, 4, 5)))
    click.echo("\nPer batch, first-expired-first-out (use the first ones first):")
    click.echo(table(BATCH_HEADINGS, _batch_rows(holdings(engine, organization, at)), right=(4, 6)))


@cli.command(short_help="Batches expired or expiring within 30 / 90 days, and recalled or withdrawn stock")
@org_option
@database_option
@platform_errors
def alerts(organization, database_url):
    engine, organization = _open(database_url, organization)
    at = index_now(engine)
    _header(engine, organization, "Alerts", at)
    held = holdings(engine, organization, at)
    sections = (
        ("Expired (do not use; write off)", [h for h in held if not h.blocked and h.alert == ExpiryAlert.EXPIRED]),
        ("Expiring within 30 days", [h for h in held if not h.blocked and h.alert == ExpiryAlert.UNDER_30_DAYS]),
        ("Expiring within 90 days", [h for h in held if not h.blocked and h.alert == ExpiryAlert.UNDER_90_DAYS]),
        ("Recalled or withdrawn (never usable; return or destroy)", [h for h in held if h.blocked]),
    )
    found = False
    for title, batches in sections:
        if batches:
            found = True
            click.echo(f"\n{title}: {sum(h.quantity for h in batches)} units")
            click.echo(table(BATCH_HEADINGS, _batch_rows(batches), right=(4, 6)))
    if not found:
        click.echo("No alerts: nothing expired, expiring within 90 days, recalled or withdrawn.")


@cli.command(short_help="Usable stock against the emergency reserve and the minimum balance (norm)")
@org_option
@database_option
@platform_errors
def reserves(organization, database_url):
    engine, organization = _open(database_url, organization)
    at = index_now(engine)
    _header(engine, organization, "Reserves", at)
    levels = reserve_levels(engine, organization, at)
    if not levels:
        click.echo("No norms set: add them with `ape run stock norm set`.")
        return
    click.echo(table(("GTIN", "Product", "Usable", "Emergency reserve", "Minimum balance", "Level"),
                     [(r.gtin, shorten(r.name, 48), r.usable, r.emergency_reserve, r.minimum_balance,
                       LEVEL_TEXT[r.level]) for r in levels], right=(2, 3, 4)))
    short = [r for r in levels if r.level != ReserveLevel.OK]
    click.echo(f"{len(short)} of {len(levels)} resources below their norm"
               + (f", {sum(r.level == ReserveLevel.BELOW_RESERVE for r in short)} below the emergency reserve."
                  if short else "."))


# --- norms ------------------------------------------------------------------------------------


@cli.group(short_help="The organization's norms: minimum balance, emergency reserve, lead time")
def norm():
    pass


@norm.command("set", short_help="Set (or change) the norm for a resource")
@org_option
@click.option("--gtin", required=True, help="The resource's GTIN.")
@click.option("--minimum", required=True, type=click.IntRange(min=0),
              help="Minimum balance, units (the 97 % rule compares the lowest stock with it).")
@click.option("--reserve", default=0, show_default=True, type=click.IntRange(min=0), help="Emergency reserve, units.")
@click.option("--lead-days", default=30, show_default=True, type=click.IntRange(min=0),
              help="Days from ordering to delivery.")
@database_option
@platform_errors
def norm_set(organization, gtin, minimum, reserve, lead_days, database_url):
    engine, organization = _open(database_url, organization)
    gtin = product_gtin(engine, gtin)
    values = {"minimum_balance": minimum, "emergency_reserve": reserve, "lead_time_days": lead_days}
    key = (ReserveNorm.organization == organization) & (ReserveNorm.gtin == gtin)
    with engine.begin() as connection:
        existed = connection.execute(select(ReserveNorm.gtin).where(key)).first() is not None
        if existed:
            connection.execute(update(ReserveNorm).where(key).values(**values))
        else:
            connection.execute(insert(ReserveNorm).values(organization=organization, gtin=gtin, **values))
    click.echo(f"Norm {'changed' if existed else 'set'} for {gtin} at {organization}: minimum balance {minimum}, "
               f"emergency reserve {reserve}, lead time {lead_days} days.")


@norm.command("list", short_help="The organization's norms")
@org_option
@database_option
@platform_errors
def norm_list(organization, database_url):
    engine, organization = _open(database_url, organization)
    query = (select(ReserveNorm.gtin, Product.name, ReserveNorm.minimum_balance, ReserveNorm.emergency_reserve,
                    ReserveNorm.lead_time_days).outerjoin(Product, Product.gtin == ReserveNorm.gtin)
             .where(ReserveNorm.organization == organization).order_by(ReserveNorm.gtin))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    if not rows:
        click.echo(f"No norms set for {organization}: add them with `ape run stock norm set`.")
        return
    click.echo(table(("GTIN", "Product", "Minimum balance", "Emergency reserve", "Lead days"),
                     [(gtin, shorten(name or "", 48), minimum, reserve, lead_days)
                      for gtin, name, minimum, reserve, lead_days in rows], right=(2, 3, 4)))


# --- turnover ---------------------------------------------------------------------------------


@cli.command(short_help="The quarterly turnover report, with the 97 % rule flagged; CSV and PDF")
@org_option
@click.option("--quarter", required=True, help="The quarter, e.g. 2026Q3.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the report to this CSV file (UTF-8).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the report to this PDF file.")
@click.option("--tz", "time_zone", default=MOSCOW, show_default=True,
              help="The time zone whose midnights bound the quarter.")
@database_option
@platform_errors
def turnover(organization, quarter, csv_path, pdf_path, time_zone, database_url):
    from dapp.reports.turnover import Quarter, turnover_report, write_csv, write_pdf

    engine, organization = _open(database_url, organization)
    report = turnover_report(engine, organization, Quarter.parse(quarter), time_zone)
    last_day = date.fromordinal(report.quarter.end_day.toordinal() - 1)
    click.echo(f"Turnover of {described(organization, organization_names(engine))}, {report.quarter} "
               f"({report.quarter.first_day} to {last_day}, {time_zone})")
    if report.rows:
        click.echo(table(
            ("GTIN", "Product", "Opening", "Receipts", "Shipped", "Consumed", "Written off", "Closing", "Use/day",
             "Days of cover", "Lowest", "Norm", "Lowest/norm", "97 % rule"),
            [(r.gtin, shorten(r.name, 30), r.opening, r.receipts, r.shipped, r.consumption, r.write_offs, r.closing,
              r.average_daily_use, r.days_of_cover, r.lowest_balance, r.norm, r.minimum_balance_ratio,
              "BELOW" if r.below_rule else ("ok" if r.norm else "-")) for r in report.rows],
            right=tuple(range(2, 13))))
        flagged = ", ".join(r.gtin for r in report.flagged)
        click.echo(f"{len(report.rows)} resources; below the 97 % rule: {len(report.flagged)}"
                   + (f" ({flagged})" if flagged else ""))
    else:
        click.echo("No movements and no norms in this quarter.")
    for path, write, kind in ((csv_path, write_csv, "CSV"), (pdf_path, write_pdf, "PDF")):
        if path:
            try:
                click.echo(f"{kind} written to {write(report, path)}")
            except OSError as error:
                raise PlatformError(_("cannot write {path}: {error}").format(path=path, error=error.strerror or error)) from None


# --- purchases --------------------------------------------------------------------------------


@cli.command(short_help="The purchases to start now: quantity and maximum unit price (market-price method)")
@org_option
@click.option("--save", is_flag=True, help="Save them as published purchase requests (needs the market sees).")
@database_option
@platform_errors
def plan(organization, save, database_url):
    from dapp.reports.planning import plan_purchases

    engine, organization = _open(database_url, organization)
    at = index_now(engine)
    _header(engine, organization, "Purchase plan", at)
    plans = plan_purchases(engine, organization, at, save=save)
    if not plans:
        click.echo("Nothing to order: every resource with a norm stays above 97 % of it and above its emergency "
                   "reserve until a new delivery could arrive (or is already requested).")
    for planned in plans:
        saved = f"purchase request {planned.request_id}: " if planned.request_id else ""
        click.echo(f"\n{saved}{planned.gtin} {planned.name}")
        click.echo(f"  usable {planned.usable}, use {float(planned.average_daily_use):.2f}/day, lead time "
                   f"{planned.lead_time_days} days, projected at delivery {float(planned.projected_at_delivery):.1f}")
        click.echo(f"  order {planned.quantity} units, needed by {planned.needed_by}")
        if planned.price.unit_price is None:
            click.echo(f"  maximum unit price: none - {planned.price.note}")
        else:
            click.echo(f"  maximum unit price: {token_amount(planned.price.unit_price)} ({planned.price.note}); "
                       f"maximum price {token_amount(planned.price.unit_price * planned.quantity)}")
    if plans and not save:
        click.echo("\nNot saved: run again with --save to publish them as purchase requests.")
    _open_requests(engine, organization, "\nOpen purchase requests:")


def _open_requests(engine, organization: str, title: str) -> int:
    """Print the organization's published and tendered requests under `title`; return how many."""
    query = (select(PurchaseRequest).where(PurchaseRequest.organization == organization,
                                           PurchaseRequest.status.in_(("published", "tendered")))
             .order_by(PurchaseRequest.id))
    with engine.connect() as connection:
        requests = connection.execute(query).all()
    if requests:
        click.echo(title)
        click.echo(table(("Request", "GTIN", "Quantity", "Max unit price", "Needed by", "Status"),
                         [(r.id, r.gtin, r.quantity, token_amount(r.max_unit_price), r.needed_by,
                           r.status + (f" (tender {r.tender_id})" if r.tender_id else "")) for r in requests],
                         right=(0, 2, 3)))
    return len(requests)


@cli.group(short_help="Supplier price quotes (sources of the market-price method)")
def quote():
    pass


@quote.command("add", short_help="Record a supplier's price quote for a resource")
@click.option("--gtin", required=True, help="The resource's GTIN.")
@click.option("--supplier", required=True, help="Who quoted (a name or an address).")
@click.option("--price", required=True, help="Unit price, rubles with kopecks, e.g. 305.50.")
@click.option("--date", "quoted_on", default=None, help="The quote's date, YYYY-MM-DD (default: today).")
@database_option
@platform_errors
def quote_add(gtin, supplier, price, quoted_on, database_url):
    engine = open_indexed(database_url)
    gtin = product_gtin(engine, gtin)
    kopecks = parse_rubles(price, "--price")
    today = local_day(index_now(engine))
    try:
        day = date.fromisoformat(quoted_on.strip()) if quoted_on else today
    except ValueError:
        raise PlatformError(_("--date {quoted_on!r} is not a date of the form YYYY-MM-DD").format(quoted_on=quoted_on)) from None
    if day > today:
        raise PlatformError(_("--date {day} is in the future (today is {today}); give the day the quote was made").format(day=day, today=today))
    if not supplier.strip():
        raise PlatformError(_("--supplier is empty; give the supplier's name"))
    with engine.begin() as connection:
        quote_id = connection.execute(insert(PriceQuote).values(
            gtin=gtin, supplier=supplier.strip(), unit_price=kopecks, quoted_on=day)
            .returning(PriceQuote.id)).scalar_one()
    click.echo(f"Quote {quote_id} recorded: {gtin} at {token_amount(kopecks)} a unit from {supplier.strip()}, {day}.")


@cli.group(short_help="Purchase requests: list them, publish one as an on-chain tender")
def request():
    pass


@request.command("list", short_help="The organization's open purchase requests")
@org_option
@database_option
@platform_errors
def request_list(organization, database_url):
    engine, organization = _open(database_url, organization)
    if not _open_requests(engine, organization, f"Open purchase requests of {organization}:"):
        click.echo(f"No open purchase request for {organization}: make them with `ape run stock plan --save`.")


@request.command("withdraw", short_help="Withdraw a published purchase request (e.g. to plan it again)")
@click.argument("request_id", type=click.IntRange(min=1), metavar="REQUEST")
@database_option
@platform_errors
def request_withdraw(request_id, database_url):
    engine = open_indexed(database_url)
    with engine.begin() as connection:
        found = connection.execute(select(PurchaseRequest.status, PurchaseRequest.tender_id)
                                   .where(PurchaseRequest.id == request_id)).first()
        if found is None:
            raise PlatformError(_("there is no purchase request {request_id}; list them with `ape run stock request list`").format(request_id=request_id))
        if found.status != "published":
            if found.tender_id:
                raise PlatformError(_("purchase request {request_id} is {status} (tender {tender_id}: cancel it with "
                                      "`ape run tenders cancel`); only a published request can be withdrawn").format(
                    request_id=request_id, status=found.status, tender_id=found.tender_id))
            raise PlatformError(_("purchase request {request_id} is {status}; only a published request can be "
                                  "withdrawn").format(request_id=request_id, status=found.status))
        connection.execute(update(PurchaseRequest).where(PurchaseRequest.id == request_id)
                           .values(status="withdrawn", published=False))
    click.echo(f"Purchase request {request_id} withdrawn; `ape run stock plan --save` makes a new one when "
               "still needed.")


@request.command("publish", cls=ConnectedProviderCommand,
                 short_help="Publish a purchase request as an on-chain tender (the requesting organization)")
@account_option()
@click.argument("request_id", type=click.IntRange(min=1), metavar="REQUEST")
@click.option("--bid-days", default=7, show_default=True, type=click.IntRange(min=7),
              help="Days to bid (44-FZ: at least 7).")
@click.option("--reveal-days", default=3, show_default=True, type=click.IntRange(min=2),
              help="Days to reveal bids after the bid deadline (at least 2).")
@click.option("--delivery-days", default=None, type=click.IntRange(min=1),
              help="Days to deliver after the award and the security window (default: the norm's lead time).")
@database_option
@platform_errors
def request_publish(account, request_id, bid_days, reveal_days, delivery_days, database_url):
    from dapp.reports.planning import publish_tender
    from dapp.formats import moment
    from dapp.tenders.client import TenderClient

    engine = open_indexed(database_url)
    client = TenderClient.connected()
    tender_id = publish_tender(engine, client, account, request_id, bid_days=bid_days, reveal_days=reveal_days,
                               delivery_days=delivery_days)
    state = client.state(tender_id)
    click.echo(f"Tender {tender_id} published for purchase request {request_id}: {state.quantity} units of "
               f"{state.gtin:014d}, maximum price {token_amount(state.max_price)} held in escrow. Bids until "
               f"{moment(state.bid_deadline)}. See it with `ape run tenders show {tender_id}`.")
