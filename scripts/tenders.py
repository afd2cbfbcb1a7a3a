"""Tenders (44-FZ procurement on-chain): publish a need, bid sealed, reveal, award, post security,
deliver through Custody, accept, terminate, cancel, withdraw, show, export (OCDS).

    ape run tenders create --gtin 04607001120018 --quantity 60 --max-price 19200 \\
        --bid-deadline +7d --reveal-deadline +10d --delivery-deadline +40d --network ... --account HOSPITAL
    ape run tenders bid 3 --price 17400 --network ... --account SUPPLIER
    ape run tenders bid 3 --price 17400 --sign-only bid.json --account SUPPLIER   # no gas: a relayer sends it
    ape run tenders relay bid.json --network ... --account ANYONE
    ape run tenders reveal 3 --network ... --account SUPPLIER
    ape run tenders award 3 --network ... --account HOSPITAL
    ape run tenders secure 3 --network ... --account WINNER
    ape run tenders deliver 3 --gtin 04607001120018 --lot MF2406 --quantity 60 --waybill waybill.pdf --account WINNER
    ape run tenders accept 3 17 --network ... --account HOSPITAL
    ape run tenders withdraw --tender 3 --network ... --account ANY_PARTY
    ape run tenders show 3 --network ...
    ape run tenders export 3 --out tender-3.json --network ...   # its history as OCDS releases

Amounts are rubles (two decimals at most); deadlines are +DURATION from the chain's time (+36h,
+7d) or UTC dates. A bid's salt is kept in the data folder (sealed-bids/) before the bid is
sent, and `reveal` reads it from there: keep that folder until the tender is awarded.
"""

import json

import click
from ape.cli import ConnectedProviderCommand, account_option

from dapp.chain.connection import contract
from dapp.cli.errors import platform_errors
from dapp.documents.default_store import load_document, save_document
from dapp.errors import PlatformError
from dapp.codes.gs1 import gtin_to_int, parse_gtin
from dapp.inputs.registry import read_document
from dapp.inputs.tenders import parse_deadline, parse_duration, parse_percent, parse_rubles
from dapp.formats import moment, rubles
from dapp.tenders.client import DAY, SignedBid, TenderClient, TenderNeed, TenderStatus
from dapp.i18n import _


@click.group(short_help="Tenders: needs, sealed bids, award, escrow, delivery and payment")
def cli():
    pass


tender_argument = click.argument("tender_id", type=click.IntRange(min=1), metavar="TENDER")


def _client() -> TenderClient:
    return TenderClient.connected()


def _gtin(text: str) -> int:
    return gtin_to_int(parse_gtin(text))


@cli.command(cls=ConnectedProviderCommand, short_help="Publish a need and fund its escrow (medical organization)")
@account_option()
@click.option("--gtin", default=None, help="The product wanted (GTIN).")
@click.option("--specification", type=click.Path(dir_okay=False), default=None,
              help="Instead of --gtin: the technical specification document.")
@click.option("--accepts", default=None, help="With --specification: the GTINs that meet it, comma-separated.")
@click.option("--quantity", required=True, type=click.IntRange(min=1), help="Units wanted.")
@click.option("--max-price", required=True, help="The maximum price (НМЦК) for the whole quantity, rubles.")
@click.option("--bid-deadline", required=True, help="Last moment to bid: +DURATION (e.g. +7d) or a UTC date/time.")
@click.option("--reveal-deadline", required=True, help="Last moment to reveal bids.")
@click.option("--delivery-deadline", required=True, help="Last moment to deliver.")
@click.option("--bid-security", default="1%", show_default=True, help="Of the maximum price, 0.5% to 5%.")
@click.option("--performance-security", default="5%", show_default=True,
              help="Of the contract price, 0% to 30% (1.5 times when the price is 25%+ below the maximum).")
@click.option("--min-shelf-life", default="0d", show_default=True,
              help="Shelf life a delivered batch must still have, e.g. 365d.")
@click.option("--security-window", default="2d", show_default=True,
              help="Time the winner has to post its performance security, at least 1h.")
@click.option("--funding", type=click.Choice(["approve", "permit"]), default="approve", show_default=True,
              help="Fund the escrow by an approval transaction, or by a permit signed in the same step.")
@platform_errors
def create(account, gtin, specification, accepts, quantity, max_price, bid_deadline, reveal_deadline,
           delivery_deadline, bid_security, performance_security, min_shelf_life, security_window, funding):
    if (gtin is None) == (specification is None):
        raise click.UsageError(_("give either --gtin, or --specification with --accepts"))
    if specification is not None and not accepts:
        raise click.UsageError(_("--specification needs --accepts: the GTINs that meet it"))
    if gtin is not None and accepts:
        raise click.UsageError(_("--accepts goes with --specification, not with --gtin"))
    client = _client()
    now = client.now()
    need = TenderNeed(
        gtin=_gtin(gtin) if gtin else 0,
        specification_cid=save_document(read_document(specification)) if specification else "",
        accepted_gtins=tuple(_gtin(g) for g in accepts.split(",") if g.strip()) if accepts else (),
        quantity=quantity,
        max_price=parse_rubles(max_price, "--max-price"),
        bid_deadline=parse_deadline(bid_deadline, now, "--bid-deadline"),
        reveal_deadline=parse_deadline(reveal_deadline, now, "--reveal-deadline"),
        delivery_deadline=parse_deadline(delivery_deadline, now, "--delivery-deadline"),
        bid_security_bps=parse_percent(bid_security, "--bid-security"),
        performance_security_bps=parse_percent(performance_security, "--performance-security"),
        min_residual_shelf_life=parse_duration(min_shelf_life, "--min-shelf-life"),
        security_window=parse_duration(security_window, "--security-window"),
    )
    tender_id = client.create(account, need, funding=funding)
    click.echo(f"Tender {tender_id} published by {account.address}: {quantity} units, maximum price "
               f"{rubles(need.max_price)}, held in escrow (funded by {funding}). Bids until "
               f"{moment(need.bid_deadline)}, reveals until {moment(need.reveal_deadline)}.")


@cli.command(cls=ConnectedProviderCommand, short_help="Bid sealed on a tender (supplier)")
@account_option()
@tender_argument
@click.option("--price", required=True, help="Your price for the whole quantity, rubles.")
@click.option("--sign-only", "signed_file", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Send nothing: write the signed bid (and the permit of its bid security) to this file "
                   "for anyone to relay with `ape run tenders relay FILE`; you pay no gas.")
@click.option("--salt-from-wallet", is_flag=True, default=False,
              help="Derive the bid's salt from your account's signature instead of keeping a random one in the "
                   "data folder: the reveal then needs only the account and the price, from any computer.")
@platform_errors
def bid(account, tender_id, price, signed_file, salt_from_wallet):
    client = _client()
    kopecks = parse_rubles(price, "--price")
    state = client.state(tender_id)
    kept_in = client.store.folder(client.bid_key(tender_id, account))
    if signed_file:
        signed = client.sign_bid(account, tender_id, kopecks)
        with open(signed_file, "w") as handle:
            handle.write(signed.to_json())
        click.echo(f"Bid of {account.address} on tender {tender_id} signed into {signed_file} (valid until "
                   f"{moment(signed.deadline)}); have it relayed with `ape run tenders relay {signed_file}`.")
    else:
        sealed = client.commit(account, tender_id, kopecks, salt_from_wallet=salt_from_wallet)
        click.echo(f"Bid of {account.address} on tender {tender_id} committed, sealed; bid security "
                   f"{rubles(state.bid_security)} posted.")
        if salt_from_wallet and not client.store.bids(sealed.key):
            click.echo(f"Its salt comes from your account's signature: reveal it after {moment(state.bid_deadline)} "
                       f"and by {moment(state.reveal_deadline)} with `ape run tenders reveal {tender_id} "
                       f"--price {price} --salt-from-wallet`: an unrevealed bid forfeits its security.")
            return
        if salt_from_wallet:
            click.echo("Your account does not sign the same document the same way twice: the salt could not come "
                       "from it, so a random one is kept in the data folder instead.")
    click.echo(f"Its salt is kept in {kept_in}. Reveal it after {moment(state.bid_deadline)} and by "
               f"{moment(state.reveal_deadline)} with `ape run tenders reveal {tender_id}`: an unrevealed bid "
               "forfeits its security.")


@cli.command(cls=ConnectedProviderCommand, short_help="Send a supplier's signed bid (anyone)")
@account_option()
@click.argument("signed_file", type=click.Path(exists=True, dir_okay=False))
@platform_errors
def relay(account, signed_file):
    with open(signed_file) as handle:
        signed = SignedBid.from_json(handle.read())
    _client().relay(account, signed)
    click.echo(f"Bid of {signed.bidder} on tender {signed.tender_id} committed, relayed by {account.address}.")


@cli.command(cls=ConnectedProviderCommand, short_help="Reveal a sealed bid (supplier)")
@account_option()
@tender_argument
@click.option("--bidder", default=None, help="Reveal another bidder's bid, whose salt this data folder keeps.")
@click.option("--price", default=None, help="The price you bid, rubles (with --salt-from-wallet).")
@click.option("--salt-from-wallet", is_flag=True, default=False,
              help="The bid was sealed with a salt from your account's signature: sign again to find it.")
@platform_errors
def reveal(account, tender_id, bidder, price, salt_from_wallet):
    bidder = bidder or account.address
    kopecks = parse_rubles(price, "--price") if price is not None else None
    price, leading = _client().reveal(account, tender_id, bidder, price=kopecks, salt_from_wallet=salt_from_wallet)
    click.echo(f"Bid of {bidder} on tender {tender_id} revealed: {rubles(price)}"
               + (", the lowest so far." if leading else ", not the lowest."))


@cli.command(cls=ConnectedProviderCommand,
             short_help="Award a tender to the lowest bid (medical organization; anyone after the award window)")
@account_option()
@tender_argument
@platform_errors
def award(account, tender_id):
    client = _client()
    outcome = client.award(account, tender_id)
    hospital = client.state(tender_id).hospital
    if outcome.winner is None:
        click.echo(f"Tender {tender_id} failed: no valid bid was revealed. {rubles(outcome.to_hospital)} is owed back "
                   f"to the medical organization {hospital} (`ape run tenders withdraw`).")
        return
    click.echo(f"Tender {tender_id} awarded to {outcome.winner} at {rubles(outcome.price)}. Performance security "
               f"{rubles(outcome.performance_security)} due by {moment(outcome.security_deadline)}; "
               f"{rubles(outcome.to_hospital)} is owed back to the medical organization {hospital}.")


@cli.command(cls=ConnectedProviderCommand, short_help="Post the performance security (winner)")
@account_option()
@tender_argument
@click.option("--funding", type=click.Choice(["approve", "permit"]), default="approve", show_default=True)
@platform_errors
def secure(account, tender_id, funding):
    amount = _client().post_security(account, tender_id, funding=funding)
    click.echo(f"Performance security {rubles(amount)} posted on tender {tender_id}: the contract is concluded; "
               "deliver with `ape run tenders deliver`.")


@cli.command("fail-unsecured", cls=ConnectedProviderCommand,
             short_help="Close a tender whose winner posted no security in time (anyone)")
@account_option()
@tender_argument
@platform_errors
def fail_unsecured(account, tender_id):
    outcome = _client().fail_unsecured(account, tender_id)
    if outcome.failed:
        click.echo(f"Tender {tender_id} failed: the winner posted no performance security. "
                   f"{rubles(outcome.to_hospital)} is owed to the medical organization.")
    else:
        click.echo(f"The winner of tender {tender_id} posted no performance security: its bid security "
                   f"{rubles(outcome.to_hospital)} goes to the medical organization, and the contract passes to the "
                   f"runner-up {outcome.new_winner} at its price (see `ape run tenders show {tender_id}`).")


@cli.command(cls=ConnectedProviderCommand, short_help="Ship goods for a tender through Custody (winner)")
@account_option()
@tender_argument
@click.option("--gtin", required=True, help="The batch's GTIN.")
@click.option("--lot", required=True, help="The batch's lot.")
@click.option("--quantity", required=True, type=click.IntRange(min=1))
@click.option("--waybill", required=True, type=click.Path(dir_okay=False), help="The shipping document.")
@platform_errors
def deliver(account, tender_id, gtin, lot, quantity, waybill):
    delivery = _client().deliver(account, tender_id, _gtin(gtin), lot, quantity, save_document(read_document(waybill)))
    click.echo(f"Shipment {delivery.shipment_id}: {quantity} units of {parse_gtin(gtin)}/{lot} on their way to "
               f"{delivery.record[2]} for tender {tender_id}. The medical organization receives and accepts it with "
               f"`ape run tenders accept {tender_id} {delivery.shipment_id}`.")


@cli.command(cls=ConnectedProviderCommand,
             short_help="Receive and accept a delivery (medical organization; or the winner, once unanswered)")
@account_option()
@tender_argument
@click.argument("shipment_id", type=click.IntRange(min=1), metavar="SHIPMENT")
@platform_errors
def accept(account, tender_id, shipment_id):
    client = _client()
    counted, delivered = client.accept(account, tender_id, shipment_id)
    state = client.state(tender_id)
    click.echo(f"Shipment {shipment_id} accepted for tender {tender_id}: {counted} units counted, {delivered} of "
               f"{state.quantity} delivered.")
    if state.status == TenderStatus.COMPLETED:
        click.echo(f"Tender {tender_id} completed: {rubles(state.price)} and the performance security "
                   f"{rubles(state.performance_security)} are owed to {state.winner}.")


@cli.command(cls=ConnectedProviderCommand,
             short_help="Settle a delivery nobody answered within the receipt period (anyone)")
@account_option()
@click.argument("shipment_id", type=click.IntRange(min=1), metavar="SHIPMENT")
@platform_errors
def settle(account, shipment_id):
    client = _client()
    status = client.settle(account, shipment_id)
    click.echo(f"Shipment {shipment_id} settled: " + (
        "it counted toward its tender, so its units are the medical organization's." if status == "received"
        else "its units are back with the shipper."))


@cli.command(cls=ConnectedProviderCommand,
             short_help="Terminate a contract not delivered in time (medical organization, or the winner)")
@account_option()
@tender_argument
@platform_errors
def terminate(account, tender_id):
    client = _client()
    paid, to_hospital = client.terminate(account, tender_id)
    click.echo(f"Tender {tender_id} terminated: {rubles(paid)} owed to the supplier for what it delivered, "
               f"{rubles(to_hospital)} (with the performance security) to the medical organization "
               f"{client.state(tender_id).hospital}.")


@cli.command(cls=ConnectedProviderCommand, short_help="Cancel a tender before its bid deadline (medical organization)")
@account_option()
@tender_argument
@platform_errors
def cancel(account, tender_id):
    refund = _client().cancel(account, tender_id)
    click.echo(f"Tender {tender_id} cancelled: {rubles(refund)} owed back to {account.address}; bidders take their "
               "bid security back with `ape run tenders withdraw --tender " f"{tender_id}`.")


@cli.command(cls=ConnectedProviderCommand, short_help="Take out what the tender contract owes you")
@account_option()
@click.option("--tender", "tender_ids", multiple=True, type=click.IntRange(min=1),
              help="Also take back your bid security of this tender (repeatable).")
@platform_errors
def withdraw(account, tender_ids):
    client = _client()
    for tender_id in tender_ids:
        amount = client.claim_bid_security(account, tender_id)
        click.echo(f"Bid security of tender {tender_id} returned: {rubles(amount)}.")
    if int(client.tenders.owed(account)) == 0:
        if not tender_ids:
            raise PlatformError(_("nothing is owed to {address}; to take back a bid security, name its tender with --tender").format(address=account.address))
        return
    amount = client.withdraw(account)
    click.echo(f"Withdrawn: {rubles(amount)} to {account.address}.")


@cli.command(cls=ConnectedProviderCommand, short_help="Export a tender's history as OCDS 1.1 releases (JSON)")
@tender_argument
@click.option("--out", "path", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The release package file to write.")
@platform_errors
def export(tender_id, path):
    from dapp.tenders.ocds import export_tender

    written = export_tender(tender_id, path)
    releases = json.loads(written.read_text())["releases"]
    click.echo(f"Tender {tender_id}: {len(releases)} OCDS releases written to {written}.")


@cli.command(cls=ConnectedProviderCommand, short_help="Show a tender and its parties, or list the tenders")
@click.argument("tender_id", type=click.IntRange(min=1), metavar="[TENDER]", required=False)
@platform_errors
def show(tender_id):
    client = _client()
    if tender_id is None:
        ids = client.tender_ids()
        if not ids:
            click.echo("No tender yet.")
        for number in ids:
            state = client.state(number)
            product = f"GTIN {state.gtin:014d}" if state.gtin else "specification"
            click.echo(f"{number:>4}  {state.stage.name.lower().replace('_', ' '):<15} {state.quantity:>6} × "
                       f"{product:<20} max {rubles(state.max_price):>18}  {_name(state.hospital, address=False)}")
        return
    _show(client, tender_id)


def _show(client: TenderClient, tender_id: int) -> None:
    state = client.state(tender_id)
    rows = [
        ("tender", f"{tender_id}: {state.stage.name.lower().replace('_', ' ')}"),
        ("hospital", _name(state.hospital)),
        ("product", _product(state)),
        ("quantity", str(state.quantity)),
        ("maximum price", rubles(state.max_price)),
        ("bids until", moment(state.bid_deadline)),
        ("reveals until", moment(state.reveal_deadline)),
        ("delivery by", moment(state.delivery_deadline)),
        ("bid security", f"{rubles(state.bid_security)} per bid"),
        ("perf. security", (f"{state.performance_security_bps / 100:g} % of the price (1.5 times at 25 %+ "
                            "below the maximum)")),
        ("min shelf life", f"{state.min_residual_shelf_life // DAY} days left at delivery"),
        ("bids", f"{state.commitments} committed, {state.reveals} revealed"),
    ]
    if state.winner:
        rows.append(("winner", f"{_name(state.winner)} at {rubles(state.price)}"))
        rows.append(("security", f"{rubles(state.performance_security)}"
                     + (f", due by {moment(state.security_deadline)}" if state.status == TenderStatus.AWARDED else "")))
    elif state.leader:
        rows.append(("lowest so far", f"{_name(state.leader)} at {rubles(state.price)}"))
    if state.status in (TenderStatus.CONTRACTED, TenderStatus.COMPLETED, TenderStatus.TERMINATED):
        rows.append(("delivered", f"{state.delivered} of {state.quantity}"))
    rows.append(("held", rubles(state.held)))
    for label, value in rows:
        click.echo(f"{label + ':':<16}{value}")
    bids = {b.bidder: b for b in client.bids(tender_id, state)}
    click.echo("parties:")
    for position in client.positions(tender_id):
        parts = []
        bid = bids.get(position.account)
        if bid:
            parts.append(f"bid {rubles(bid.price)}" if bid.revealed else "bid sealed")
        if position.owed:
            parts.append(f"may withdraw {rubles(position.owed)}")
        if position.claimable:
            parts.append(f"bid security {rubles(position.claimable)} to take back")
        click.echo(f"  {position.role:<8} {_name(position.account)}" + (": " + "; ".join(parts) if parts else ""))


def _product(state) -> str:
    if state.gtin:
        return f"GTIN {state.gtin:014d}"
    accepted = ", ".join(f"{g:014d}" for g in state.accepted_gtins)
    return f"specification {state.specification_cid} (accepts {accepted})"


def _name(account: str, address: bool = True) -> str:
    """The organization's name from its metadata document (when this data folder has it), and
    its address."""
    try:
        cid = contract("Participants").organization(account).metadata_cid
        name = json.loads(load_document(cid)).get("name") if cid else None
    except (PlatformError, ValueError):
        name = None
    if not name:
        return account
    return f"{name} ({account})" if address else name
