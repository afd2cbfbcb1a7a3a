"""Custody of packs and batches: ship, list what is on its way to you, receive (after scanning a few
of the delivery's packs) or reject, dispense, destroy, report stolen, undo a dispense: what the
supplier's and the hospital's workspaces do, from the command line.

    ape run custody ship --gtin 04607001120018 --lot MF2406 --to 0xCONSIGNEE --quantity 60 \\
        --waybill waybill.pdf --network ethereum:local:foundry --account SHIPPER
    ape run custody incoming --network ... --account HOSPITAL          # in transit to you (run `ape run index`)
    ape run custody receive 17 --scan "(01)04607001120018(21)4iiWB3e0ZyOoy(10)MF2406" --scan label.jpg \\
        --network ... --account HOSPITAL
    ape run custody reject 17 --reason "Packs of another product in the box." --network ... --account HOSPITAL
    ape run custody dispense "https://id.medchain.example/01/04607001120018/10/MF2406/21/4iiWB3e0ZyOoy" \\
        --network ... --account HOSPITAL
    ape run custody destroy CODE ...; ape run custody stolen CODE ...; ape run custody undo-dispense CODE ...

A CODE is a GS1 element string or Digital Link as typed or scanned, or the path of a photo of the
pack's label (as `ape run verify` takes). The pack's proof comes from the proof store its
manufacturer wrote; the serial never goes on chain. What the contract refuses (a batch you do not
hold, a pack already written off, a dispense past its grace period) is said with its reason
before anything is sent.
"""

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from dapp.actions import custody as custody_actions
from dapp.actions.custody import Decommission
from dapp.batches.documents import store_with_index
from dapp.chain.actions import address_of
from dapp.chain.connection import current_deployment
from dapp.chain.reader import ChainReader
from dapp.chain.signers import as_signer, carry_out
from dapp.cli.database import database_option, described, local_moment, open_indexed, organization_names, shorten, table
from dapp.cli.errors import platform_errors
from dapp.codes.gs1 import parse_gtin
from dapp.custody import deliveries, packs
from dapp.errors import PlatformError
from dapp.formats import moment
from dapp.i18n import N_, _
from dapp.identity.standing import standing_of
from dapp.inputs.registry import read_document
from dapp.roles import Role
from dapp.verification.presentation import headline
from dapp.verification.scanning import check_photo, check_text
from dapp.verification.verdicts import Verifier, batch_id

# Organizations that receive a delivery only after scanning some of its packs (the hospital page's rule).
SCANNING_RECEIVERS = Role.MEDICAL_ORGANIZATION | Role.PHARMACY
DONE_WORDS = {Decommission.DISPENSED: N_("dispensed"), Decommission.DESTROYED: N_("destroyed"),
              Decommission.STOLEN: N_("reported stolen")}


@click.group(short_help="Custody: ship, receive or reject a delivery, dispense, destroy, report stolen, undo")
def cli():
    pass


def _chain():
    deployment = current_deployment()
    return deployment, ChainReader.connected(deployment)


def _checks(reader, codes, scanner: str | None) -> list[packs.ScannedPack]:
    """The packs of the codes or label photos given, each checked on the chain."""
    verifier = Verifier(reader=reader)
    found = []
    for code in codes:
        path = Path(code)
        if path.is_file():
            check = check_photo(verifier, read_document(path), scanner)
        else:
            check = check_text(verifier, code, scanner)
        found += packs.scanned_packs(check)
    return found


def _one_pack(reader, code: str, scanner: str) -> packs.ScannedPack:
    found = _checks(reader, [code], scanner)
    if len(found) != 1:
        raise PlatformError(_("the photo holds {count} codes: photograph one pack's code, or type it").format(
            count=len(found)))
    pack = found[0]
    click.echo(_("Pack {pack}: {verdict}").format(pack=pack.label, verdict=headline(pack.verdict)))
    for finding in pack.verdict.findings:
        click.echo(f"  ! {finding.message}")
    return pack


# --- shipments ---------------------------------------------------------------------------------


@cli.command(cls=ConnectedProviderCommand, short_help="Send units of a batch you hold to another organization")
@account_option()
@click.option("--gtin", required=True, help="The product's GTIN (8, 12, 13 or 14 digits).")
@click.option("--lot", required=True, help="The lot (batch) number.")
@click.option("--to", "consignee", required=True, metavar="ADDRESS", help="The consignee's account.")
@click.option("--quantity", required=True, type=click.IntRange(min=1), help="Units to send.")
@click.option("--waybill", required=True, type=click.Path(dir_okay=False), help="The waybill (its scan).")
@platform_errors
def ship(account, gtin, lot, consignee, quantity, waybill):
    gtin14, consignee = parse_gtin(gtin), address_of(consignee)
    waybill_path = Path(waybill)
    cid = store_with_index({"waybill": waybill_path.name, "gtin": gtin14, "lot": lot, "quantity": quantity,
                            "from": account.address, "to": consignee},
                           [(waybill_path.name, read_document(waybill_path))])
    action = custody_actions.ship(current_deployment(), account, batch_id(int(gtin14), lot), consignee, quantity, cid,
                                  label=f"{gtin14}/{lot}")
    shipped = carry_out(action, as_signer(account))
    click.echo(_("Shipment {shipment}: {quantity} units of {gtin14}/{lot} on their way to {consignee} (waybill "
                 "{cid}). The consignee receives it with `ape run custody receive {shipment}`.").format(
        shipment=int(shipped.shipmentId), quantity=quantity, gtin14=gtin14, lot=lot, consignee=consignee, cid=cid))


@cli.command(cls=ConnectedProviderCommand, short_help="The shipments in transit to you (the indexed database)")
@account_option()
@database_option
@platform_errors
def incoming(account, database_url):
    engine = open_indexed(database_url)
    waiting = deliveries.incoming_shipments(engine, address_of(account))
    if not waiting:
        click.echo(_("No shipment is in transit to {account} (as indexed; run `ape run index` to catch up).").format(
            account=account.address))
        return
    names = organization_names(engine)
    click.echo(table((_("Shipment"), _("GTIN"), _("Product"), _("Lot"), _("Units"), _("From"), _("Tender"),
                      _("Shipped")),
                     [(s.shipment_id, s.gtin, shorten(s.name, 36), s.lot, s.quantity,
                       shorten(described(s.shipper, names), 60), s.tender_id or "", local_moment(s.shipped_at))
                      for s in waiting], right=(0, 4)))
    click.echo(_("Receive one with `ape run custody receive SHIPMENT --scan CODE ...` (a few of its packs), or "
                 "reject it with `ape run custody reject SHIPMENT --reason ...`."))


@cli.command(cls=ConnectedProviderCommand,
             short_help="Receive a shipment, once the packs scanned from it all belong to it")
@account_option()
@click.argument("shipment_id", type=click.IntRange(min=1), metavar="SHIPMENT")
@click.option("--scan", "codes", multiple=True, metavar="CODE",
              help="A pack of the delivery: its code as scanned, or a photo of its label (repeat for several).")
@platform_errors
def receive(account, shipment_id, codes):
    deployment, reader = _chain()
    shipment = deliveries.shipment_on_chain(reader, shipment_id)
    checked = []
    for pack in _checks(reader, codes, None):
        problems = deliveries.pack_problems(pack, shipment, *_batch_words(reader, shipment))
        checked.append((pack, problems))
        click.echo(_("{pack}: does not belong to this shipment: {problems}").format(
            pack=pack.label, problems="; ".join(problems)) if problems else
            _("{pack}: genuine, of this shipment.").format(pack=pack.label))
    if checked or standing_of(reader, account.address, with_balance=False).roles & SCANNING_RECEIVERS:
        action = deliveries.prepare_receive(deployment, account.address, shipment, checked)
    else:  # a distributor or supplier receives as its workspace does, without scanning
        action = custody_actions.receive(deployment, account.address, shipment.shipment_id, shipment.record)
    carry_out(action, as_signer(account))
    click.echo(_("Shipment {shipment}: {quantity} units received by {account}.").format(
        shipment=shipment_id, quantity=shipment.quantity, account=account.address))


def _batch_words(reader, shipment) -> tuple[str, str]:
    """The GTIN and lot of the shipment's batch, read from its `BatchCommissioned` event."""
    logs = reader.one(reader.logs(["Resources"], shipment.batch_id))
    for log in logs:
        if log.event == "BatchCommissioned":
            return parse_gtin(str(int(log.args["gtin"]))), log.args["lot"]
    return "?", "?"


@cli.command(cls=ConnectedProviderCommand, short_help="Reject a shipment: its units go back to the shipper")
@account_option()
@click.argument("shipment_id", type=click.IntRange(min=1), metavar="SHIPMENT")
@click.option("--reason", required=True, metavar="FILE_OR_TEXT",
              help="Why: the text, or a file (an act, a photo) stored as the reason's document.")
@platform_errors
def reject(account, shipment_id, reason):
    deployment, reader = _chain()
    shipment = deliveries.shipment_on_chain(reader, shipment_id)
    path = Path(reason)
    if path.is_file():
        cid = store_with_index({"rejection": shipment_id, "reason": ""}, [(path.name, read_document(path))])
    else:
        if not reason.strip():
            raise PlatformError(_("Give the reason for rejecting the delivery."))
        cid = store_with_index({"rejection": shipment_id, "reason": reason.strip()}, [])
    carry_out(deliveries.prepare_reject(deployment, account.address, shipment, cid), as_signer(account))
    click.echo(_("Shipment {shipment} rejected: its {quantity} units go back to {shipper} (reason {cid}).").format(
        shipment=shipment_id, quantity=shipment.quantity, shipper=shipment.record[1], cid=cid))


# --- packs -------------------------------------------------------------------------------------


def _write_off(account, code: str, reason: Decommission) -> None:
    deployment, reader = _chain()
    pack = _one_pack(reader, code, account.address)
    carry_out(packs.prepare_decommission(deployment, account.address, pack, reason), as_signer(account))
    state = packs.undo_deadline(reader, pack)
    click.echo(_("Pack {pack} {done} by {account}.").format(pack=pack.label, done=_(DONE_WORDS[reason]),
                                                            account=account.address))
    if reason == Decommission.DISPENSED and state is not None:
        click.echo(_("It can be undone until {moment} with `ape run custody undo-dispense CODE`.").format(
            moment=moment(state[2])))


code_argument = click.argument("code", metavar="CODE")


def _write_off_command(name: str, reason: Decommission, short_help: str):
    @cli.command(name, cls=ConnectedProviderCommand, short_help=short_help)
    @account_option()
    @code_argument
    @platform_errors
    def command(account, code):
        _write_off(account, code, reason)

    return command


dispense = _write_off_command("dispense", Decommission.DISPENSED, "Dispense a pack to a patient (it leaves circulation)")
destroy = _write_off_command("destroy", Decommission.DESTROYED, "Write off a pack as destroyed")
stolen = _write_off_command("stolen", Decommission.STOLEN, "Report a pack stolen (it leaves circulation)")


@cli.command("undo-dispense", cls=ConnectedProviderCommand,
             short_help="Put a pack you dispensed back in stock (within the grace period)")
@account_option()
@code_argument
@platform_errors
def undo_dispense(account, code):
    deployment, reader = _chain()
    pack = _one_pack(reader, code, account.address)
    carry_out(packs.prepare_undo_dispense(deployment, account.address, pack), as_signer(account))
    if packs.undo_deadline(reader, pack) is not None:
        raise PlatformError(_("the dispense of {pack} was not undone").format(pack=pack.label))
    click.echo(_("Pack {pack} is back in the stock of {account}, in circulation.").format(
        pack=pack.label, account=account.address))
